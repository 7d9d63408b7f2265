//! In-process hops (the embedded runtime's executor -> proxy -> model server calls, which skip
//! the loopback socket): the caller gets the same answers, errors and metrics as over the
//! socket, and the server sees the same request.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, post};
use seldon_local::components::executor::client::{Payload, UnitClient};
use seldon_local::components::executor::metrics::Metrics;
use seldon_local::components::executor::{Node, NodeType};
use seldon_local::components::proxy;
use seldon_local::http;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::support::{post_json, start_proxy};

/// A server run by this process's HTTP plumbing, so that in-process calls can find it.
struct Served {
    addr: SocketAddr,
    stop: oneshot::Sender<()>,
}

async fn serve_here(router: Router) -> Served {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(http::serve(listener, router, async {
        let _ = stopped.await;
    }));
    // The server registers when its task first runs: wait for it (bounded by the test's own
    // timeout; each turn yields to that task).
    while http::local::find("127.0.0.1", addr.port()).is_none() {
        tokio::task::yield_now().await;
    }
    Served { addr, stop }
}

/// Every header the unit saw and the body, so that both ways of calling are compared on what
/// the server received.
async fn echo(headers: HeaderMap, body: Bytes) -> Response {
    let seen: BTreeMap<String, String> = headers
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("?").to_owned()))
        .collect();
    (
        StatusCode::OK,
        [
            ("content-type", "application/json"),
            ("inference-header-content-length", "7"),
        ],
        json!({"headers": seen, "body": String::from_utf8_lossy(&body)}).to_string(),
    )
        .into_response()
}

fn unit_router() -> Router {
    Router::new()
        .route("/predict", any(echo))
        .route(
            "/transform-input",
            post(|| async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                "late"
            }),
        )
        .route(
            "/route",
            post(|body: Bytes| async move {
                assert!(
                    body.is_empty(),
                    "a unit handler that panics (expected by this test)"
                );
                "never"
            }),
        )
        .route("/aggregate", post(|| async { "x".repeat(2000) }))
        .route(
            "/transform-output",
            post(|| async {
                let chunks = (0..3).map(|_| Ok::<_, std::io::Error>(Bytes::from(vec![b'y'; 600])));
                Body::from_stream(futures_util::stream::iter(chunks))
            }),
        )
        .route(
            "/send-feedback",
            post(|| async {
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    [("content-type", "application/json")],
                    r#"{"status":{"code":-1,"info":"no feedback here","status":"FAILURE"}}"#,
                )
            }),
        )
}

fn unit_node(addr: SocketAddr) -> Node {
    Node {
        name: "unit".into(),
        kind: NodeType::Model,
        implementation: String::new(),
        methods: Vec::new(),
        host: "127.0.0.1".into(),
        http_port: addr.port(),
        service_port: addr.port(),
        grpc_port: 0,
        parameters: BTreeMap::new(),
        image: "example/unit:1.0".into(),
        logger: None,
        logger_url: None,
        children: Vec::new(),
    }
}

/// What the executor's client made of each call: the reply's status, content headers and body,
/// or the transport error's text.
async fn call_every_case(client: &UnitClient, node: &Node) -> Vec<String> {
    let payload = Payload {
        body: Bytes::from_static(br#"{"data":{"ndarray":[[1,2]]}}"#),
        content_type: Some(HeaderValue::from_static("application/json")),
        content_encoding: None,
        inference_header: Some(HeaderValue::from_static("12")),
    };
    let mut headers = HeaderMap::new();
    headers.insert("seldon-puid", HeaderValue::from_static("puid-1"));
    headers.insert(
        HeaderName::from_static("x-b3-traceid"),
        HeaderValue::from_static("t"),
    );
    let mut outcomes = Vec::new();
    for (path, payload) in [
        ("/predict", Some(&payload)),
        ("/predict", None),
        ("/transform-input", Some(&payload)),
        ("/route", Some(&payload)),
        ("/aggregate", Some(&payload)),
        ("/transform-output", Some(&payload)),
        ("/send-feedback", Some(&payload)),
        ("/no-such-path", Some(&payload)),
    ] {
        let outcome = match client.call(node, path, payload, &headers).await {
            Ok(reply) => format!(
                "{path}: {} {:?} {:?} {:?} {}",
                reply.status,
                reply.payload.content_type,
                reply.payload.content_encoding,
                reply.payload.inference_header,
                String::from_utf8_lossy(&reply.payload.body)
            ),
            Err(error) => format!("{path}: error: {error}"),
        };
        outcomes.push(outcome);
    }
    outcomes
}

/// The client series of the executor's metrics without their timings: name, labels and count.
fn counted_series(metrics: &Metrics) -> Vec<String> {
    metrics
        .render()
        .lines()
        .filter(|line| line.contains("_count"))
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn a_unit_called_in_process_answers_errs_and_counts_as_over_the_socket() {
    let unit = serve_here(unit_router()).await;
    let node = unit_node(unit.addr);
    let client = |in_process| {
        let metrics = Arc::new(Metrics::new("dep", "default", "v1"));
        let client = UnitClient::new(Duration::from_millis(300), 1000, Arc::clone(&metrics))
            .unwrap()
            .in_process_hops(in_process);
        (client, metrics)
    };
    let (over_socket, socket_metrics) = client(false);
    let (in_process, local_metrics) = client(true);

    let before = http::local::calls_served(unit.addr.port());
    let expected = call_every_case(&over_socket, &node).await;
    assert_eq!(http::local::calls_served(unit.addr.port()), before);
    let got = call_every_case(&in_process, &node).await;
    assert_eq!(
        http::local::calls_served(unit.addr.port()),
        before + expected.len() as u64,
        "every in-process call skipped the socket"
    );
    for (socket, local) in expected.iter().zip(&got) {
        assert_eq!(local, socket);
    }
    // The cases cover answers, a timeout, a panic and both reply caps.
    let all = expected.join("\n");
    for needle in [
        "timeout after 300 ms",
        "connection closed before message completed",
        "reply is larger than 1000 bytes",
        "500 Internal Server Error",
        "\"seldon-puid\":\"puid-1\"",
    ] {
        assert!(all.contains(needle), "no `{needle}` in:\n{all}");
    }
    assert_eq!(
        counted_series(&local_metrics),
        counted_series(&socket_metrics)
    );
    assert!(!counted_series(&local_metrics).is_empty());

    // A stopped server is not called in-process: the socket's own error, both ways.
    let port = unit.addr.port();
    drop(unit.stop);
    while http::local::find("127.0.0.1", port).is_some() {
        tokio::task::yield_now().await;
    }
    let (socket, local) = (
        over_socket
            .call(&node, "/predict", None, &HeaderMap::new())
            .await,
        in_process
            .call(&node, "/predict", None, &HeaderMap::new())
            .await,
    );
    let (socket, local) = (socket.unwrap_err(), local.unwrap_err());
    assert_eq!(local.to_string(), socket.to_string());
    assert!(socket.to_string().contains("refused"), "{socket}");
}

/// A TF-Serving stand-in whose model name picks its behaviour.
fn tf_router() -> Router {
    Router::new().route(
        "/v1/models/{call}",
        post(
            |Path(call): Path<String>, headers: HeaderMap, body: Bytes| async move {
                let model = call.trim_end_matches(":predict");
                match model {
                "ok" => {
                    let request: Value = serde_json::from_slice(&body).unwrap();
                    let sent: BTreeMap<String, String> = headers
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("?").to_owned()))
                        .collect();
                    // How many headers TF Serving saw comes back as the reply's second row.
                    let count = sent.len();
                    (
                        StatusCode::OK,
                        json!({"predictions": [request["instances"][0], vec![count; 3]]})
                            .to_string(),
                    )
                        .into_response()
                }
                "slow" => {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    "late".into_response()
                }
                "boom" => panic!("a model server that panics (expected by this test)"),
                "big" => json!({"predictions": vec![1.5; 5000]})
                    .to_string()
                    .into_response(),
                _ => (
                    StatusCode::NOT_FOUND,
                    json!({"error": format!("Servable not found for request: Latest({model})")})
                        .to_string(),
                )
                    .into_response(),
            }
            },
        ),
    )
}

fn proxy_config(tf: SocketAddr, model: &str, in_process: bool) -> proxy::Config {
    let parameters = json!([
        {"name": "rest_endpoint", "value": format!("http://{tf}"), "type": "STRING"},
        {"name": "model_name", "value": model, "type": "STRING"},
    ]);
    let mut config = proxy::Config::from_parameters(
        &parameters.to_string(),
        Some("unit".into()),
        Some("example/proxy:1.0".into()),
    )
    .unwrap();
    config.timeout = Duration::from_millis(300);
    config.body_limit = 20_000;
    config.in_process_hops = in_process;
    config
}

#[tokio::test]
async fn the_proxy_calls_a_model_server_in_process_as_over_the_socket() {
    let tf = serve_here(tf_router()).await;
    let request = json!({"data": {"ndarray": [[1.0, 2.0, 3.0]]}, "meta": {"puid": "p"}});
    let mut all = String::new();
    for model in ["ok", "slow", "boom", "big", "missing"] {
        let mut outcomes = Vec::new();
        for in_process in [false, true] {
            let proxy = start_proxy(proxy_config(tf.addr, model, in_process)).await;
            let before = http::local::calls_served(tf.addr.port());
            let (status, headers, body) =
                post_json(&format!("{}/api/v1.0/predictions", proxy.base), &request).await;
            let skipped = http::local::calls_served(tf.addr.port()) - before;
            assert_eq!(
                skipped,
                u64::from(in_process),
                "{model}, in-process {in_process}"
            );
            outcomes.push((status, headers.get("content-type").cloned(), body));
        }
        assert_eq!(outcomes[1], outcomes[0], "{model}");
        writeln!(all, "{model}: {} {}", outcomes[0].0, outcomes[0].2).unwrap();
    }
    for needle in [
        "ok: 200 ",
        "[[1.0,2.0,3.0],[4.0,4.0,4.0]]",
        "slow: 500 ",
        "timed out",
        "boom: 500 ",
        "connection closed before message completed",
        "big: 500 ",
        "larger than 20000 bytes",
        "missing: 404 ",
    ] {
        assert!(all.contains(needle), "no `{needle}` in:\n{all}");
    }
}

/// The shipped MNIST model behind the proxy answers each body alike over the socket and
/// in-process, where the proxy hands the list it read with the body so that the model server
/// does not read it again: the same status and bytes, NaN and errors included.
#[tokio::test]
async fn a_list_handed_to_the_model_server_in_process_answers_as_one_read_there() {
    let addr = crate::support::start_mnist_model_server().await;
    let example: Value = serde_json::from_slice(
        &std::fs::read(crate::common::root().join("examples/tfserving-mnist/request.json"))
            .unwrap(),
    )
    .unwrap();
    let row = |value: &dyn Fn(u32) -> Value| (0..784).map(value).collect::<Vec<_>>();
    let requests = [
        example,
        json!({"data": {"ndarray": [row(&|i| json!(i % 2))]}}),
        json!({"data": {"ndarray": [row(&|i| json!(f64::from(i) * 1.25e-3)), row(&|i| json!(-f64::from(i) / 3.0))]}, "meta": {"puid": "p"}}),
        json!({"data": {"ndarray": [row(&|i| if i == 0 { json!(1) } else { json!(0.5) })]}}),
        json!({"data": {"ndarray": [vec![3.5e38; 784]]}}),
        json!({"data": {"ndarray": [[1.0, 2.0]]}}),
    ];
    let mut all = String::new();
    for request in &requests {
        let mut outcomes = Vec::new();
        for in_process in [false, true] {
            let mut config = proxy_config(addr, "mnist-model", in_process);
            config.timeout = Duration::from_secs(30);
            let proxy = start_proxy(config).await;
            let before = http::local::calls_served(addr.port());
            let (status, _, body) =
                post_json(&format!("{}/api/v1.0/predictions", proxy.base), request).await;
            let skipped = http::local::calls_served(addr.port()) - before;
            assert_eq!(skipped, u64::from(in_process));
            outcomes.push((status, body));
        }
        assert_eq!(outcomes[1], outcomes[0], "{request}");
        writeln!(all, "{} {}", outcomes[0].0, outcomes[0].1).unwrap();
    }
    // The cases are what they are meant to be: answers, a NaN, an error.
    assert_eq!(all.matches("200 ").count(), 5, "{all}");
    assert!(all.contains("NaN"), "{all}");
    assert!(all.contains("400 "), "{all}");
}
