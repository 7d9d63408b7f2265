//! Small in-process HTTP units on `127.0.0.1:0` and helpers to run the executor and the proxy
//! against them.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// One recorded call to a unit.
#[derive(Debug, Clone)]
pub(crate) struct Call {
    pub(crate) path: String,
    pub(crate) body: Bytes,
    pub(crate) headers: HeaderMap,
}

/// What a unit answers: status, content type and body for a path and request body.
pub(crate) type Behaviour = Arc<dyn Fn(&str, &[u8]) -> (u16, String) + Send + Sync>;

#[derive(Clone)]
struct UnitState {
    behaviour: Behaviour,
    delay: Option<Duration>,
    calls: Arc<Mutex<Vec<Call>>>,
}

/// A running test unit; stops when dropped.
pub(crate) struct Unit {
    pub(crate) name: String,
    pub(crate) addr: SocketAddr,
    calls: Arc<Mutex<Vec<Call>>>,
    _stop: oneshot::Sender<()>,
}

impl Unit {
    pub(crate) fn calls(&self) -> Vec<Call> {
        self.calls.lock().unwrap().clone()
    }

    pub(crate) fn paths(&self) -> Vec<String> {
        self.calls().into_iter().map(|c| c.path).collect()
    }
}

/// Binds `127.0.0.1:0` and serves `router` until the returned sender is dropped.
pub(crate) async fn serve(router: Router) -> (SocketAddr, oneshot::Sender<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
            .unwrap();
    });
    (addr, stop)
}

async fn handle(State(state): State<UnitState>, request: Request) -> Response {
    let path = request.uri().path().to_owned();
    let headers = request.headers().clone();
    let body = axum::body::to_bytes(request.into_body(), usize::MAX)
        .await
        .unwrap();
    state.calls.lock().unwrap().push(Call {
        path: path.clone(),
        body: body.clone(),
        headers,
    });
    if let Some(delay) = state.delay {
        tokio::time::sleep(delay).await;
    }
    let (status, body) = (state.behaviour)(&path, &body);
    (
        StatusCode::from_u16(status).unwrap(),
        [("content-type", "application/json")],
        body,
    )
        .into_response()
}

pub(crate) async fn start_unit(name: &str, behaviour: Behaviour, delay: Option<Duration>) -> Unit {
    let calls = Arc::new(Mutex::new(Vec::new()));
    let state = UnitState {
        behaviour,
        delay,
        calls: Arc::clone(&calls),
    };
    let router = Router::new().fallback(handle).with_state(state);
    let (addr, stop) = serve(router).await;
    Unit {
        name: name.to_owned(),
        addr,
        calls,
        _stop: stop,
    }
}

/// Appends `"<name>:<call>"` to the `jsonData.trace` list of a Seldon message.
pub(crate) fn traced(body: &[u8], entry: &str) -> String {
    let mut value: Value = serde_json::from_slice(body).unwrap_or_else(|_| json!({}));
    let trace = value
        .pointer_mut("/jsonData/trace")
        .and_then(Value::as_array_mut)
        .map(std::mem::take)
        .unwrap_or_default();
    let mut trace = trace;
    trace.push(json!(entry));
    json!({"jsonData": {"trace": trace}, "meta": {}}).to_string()
}

fn call_name(path: &str) -> String {
    path.trim_start_matches('/').to_owned()
}

/// A unit that records its calls in the payload trace; `/aggregate` joins its inputs' traces.
pub(crate) fn tracing_unit(name: &str) -> Behaviour {
    let name = name.to_owned();
    Arc::new(move |path, body| {
        if path == "/aggregate" {
            let inputs: Vec<Value> = serde_json::from_slice(body).unwrap();
            let joined: Vec<String> = inputs
                .iter()
                .map(|m| {
                    m.pointer("/jsonData/trace")
                        .and_then(Value::as_array)
                        .map(|t| {
                            t.iter()
                                .filter_map(Value::as_str)
                                .collect::<Vec<_>>()
                                .join(",")
                        })
                        .unwrap_or_default()
                })
                .collect();
            return (
                200,
                traced(b"{}", &format!("{name}:aggregate[{}]", joined.join("|"))),
            );
        }
        (200, traced(body, &format!("{name}:{}", call_name(path))))
    })
}

/// A router unit that answers `/route` with `route` and traces anything else.
pub(crate) fn router_unit(name: &str, route: i64) -> Behaviour {
    let inner = tracing_unit(name);
    Arc::new(move |path, body| {
        if path == "/route" {
            (
                200,
                json!({"data": {"names": ["t:0"], "ndarray": [[route]]}, "meta": {}}).to_string(),
            )
        } else {
            inner(path, body)
        }
    })
}

/// A unit that always answers `status` with `body`.
pub(crate) fn fixed(status: u16, body: &str) -> Behaviour {
    let body = body.to_owned();
    Arc::new(move |_, _| (status, body.clone()))
}

/// A graph node as the operator writes it into `ENGINE_PREDICTOR`.
#[allow(clippy::needless_pass_by_value)] // reads better at call sites with `vec![]`
pub(crate) fn node(name: &str, kind: &str, addr: SocketAddr, children: Vec<Value>) -> Value {
    json!({
        "name": name,
        "type": kind,
        "endpoint": {"service_host": addr.ip().to_string(), "service_port": addr.port(), "httpPort": addr.port(), "grpcPort": 0},
        "children": children,
    })
}

/// The base64 `ENGINE_PREDICTOR` for a graph.
pub(crate) fn engine_predictor(graph: &Value) -> String {
    let spec = json!({"name": "default", "graph": graph, "componentSpecs": [], "replicas": 0});
    base64::engine::general_purpose::STANDARD.encode(spec.to_string())
}

/// A free loopback port with nothing listening on it.
pub(crate) async fn closed_port() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap()
}

/// A running component; stops when dropped.
pub(crate) struct Running {
    pub(crate) base: String,
    _stop: oneshot::Sender<()>,
}

/// Starts the executor for `graph` with `adjust` applied to its config.
pub(crate) async fn start_executor(
    graph: &Value,
    protocol: seldon_local::protocol::ProtocolKind,
    adjust: impl FnOnce(&mut seldon_local::components::executor::Config),
) -> Running {
    use seldon_local::components::executor::{Config, Predictor, run};
    let predictor = Predictor::from_engine_predictor(&engine_predictor(graph)).unwrap();
    let mut config = Config::new("dep", "ns", predictor, protocol);
    adjust(&mut config);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(async move {
        run(config, listener, async {
            let _ = stopped.await;
        })
        .await
        .unwrap();
    });
    Running {
        base: format!("http://{addr}"),
        _stop: stop,
    }
}

/// Starts the tfserving proxy with `config`.
pub(crate) async fn start_proxy(config: seldon_local::components::proxy::Config) -> Running {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(async move {
        seldon_local::components::proxy::serve(config, listener, None, None, async {
            let _ = stopped.await;
        })
        .await
        .unwrap();
    });
    Running {
        base: format!("http://{addr}"),
        _stop: stop,
    }
}

/// A TF-Serving-compatible responder: answers `POST /v1/models/<model>:predict` with `reply`
/// and records request bodies.
pub(crate) async fn start_tf(model: &str, status: u16, reply: Value) -> Unit {
    let expected = format!("/v1/models/{model}:predict");
    let body = reply.to_string();
    let behaviour: Behaviour = Arc::new(move |path, _| {
        if path == expected {
            (status, body.clone())
        } else {
            (
                404,
                json!({"error": format!("Malformed request: POST {path}")}).to_string(),
            )
        }
    });
    start_unit(model, behaviour, None).await
}

pub(crate) async fn post_json(url: &str, body: &Value) -> (u16, HeaderMap, String) {
    let response = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.text().await.unwrap())
}

pub(crate) fn parse(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
}

pub(crate) fn trace_of(body: &str) -> Vec<String> {
    parse(body)["jsonData"]["trace"]
        .as_array()
        .unwrap_or_else(|| panic!("no trace in {body}"))
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

/// Serves the shipped MNIST SavedModel as `mnist-model` with the builtin model server on a free
/// loopback port, and returns once it is registered for in-process calls too.
pub(crate) async fn start_mnist_model_server() -> SocketAddr {
    use seldon_local::components::model_server::{
        self, Config as ServerConfig, ModelConfig, VersionPolicy,
    };
    let rest = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = rest.local_addr().unwrap();
    let server = ServerConfig {
        models: vec![ModelConfig {
            name: "mnist-model".to_owned(),
            base_path: crate::common::root().join("examples/tfserving-mnist/models/tf1"),
            version_policy: VersionPolicy::Latest { num_versions: 1 },
            version_labels: std::collections::BTreeMap::new(),
        }],
        poll_interval: None,
        max_body_bytes: 16 << 20,
        events: None,
    };
    tokio::spawn(model_server::serve(server, rest, std::future::pending()));
    while seldon_local::http::local::find("127.0.0.1", addr.port()).is_none() {
        tokio::task::yield_now().await;
    }
    addr
}
