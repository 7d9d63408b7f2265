use std::sync::atomic::AtomicUsize;

use axum::http::Method;
use tower::ServiceExt as _;

use super::*;

/// An engine on a free port that answers every call with its name, the path and query it got,
/// and the body; counts its calls.
async fn engine(name: &'static str) -> (String, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    let app = Router::new().fallback(move |request: Request| {
        let counter = Arc::clone(&counter);
        async move {
            counter.fetch_add(1, Ordering::SeqCst);
            let uri = request.uri().to_string();
            let method = request.method().to_string();
            let body = http::read_body(request.into_body(), 1 << 20).await.unwrap();
            let text = String::from_utf8_lossy(&body).into_owned();
            http::json(
                StatusCode::OK,
                serde_json::json!({"engine": name, "uri": uri, "method": method, "body": text})
                    .to_string(),
            )
        }
    });
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}"), calls)
}

fn target(predictor: &str, rest: &str, weight: u32, shadow: bool) -> Target {
    Target {
        predictor: predictor.to_owned(),
        rest: rest.to_owned(),
        grpc: None,
        weight,
        shadow,
        ready: true,
    }
}

fn ingress(routes: Vec<Route>, config: Config) -> (Router, Arc<State>) {
    let mut table = Routes::default();
    for route in routes {
        table.insert(route);
    }
    let state = Arc::new(State::new(config, Arc::new(FixedRoutes(table))).unwrap());
    (router(Arc::clone(&state)), state)
}

async fn call(
    app: &Router,
    method: Method,
    uri: &str,
    body: &str,
) -> (StatusCode, HeaderMap, Value) {
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/json")
        .body(Body::from(body.to_owned()))
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = http::read_body(response.into_body(), 1 << 20)
        .await
        .unwrap();
    (status, headers, serde_json::from_slice(&bytes).unwrap())
}

use serde_json::Value;

#[test]
fn gateway_paths_split_into_deployment_and_rest() {
    assert_eq!(
        split_path("/seldon/default/mnist/api/v1.0/predictions"),
        Some(("default/mnist", "/api/v1.0/predictions"))
    );
    assert_eq!(
        split_path("/seldon/ns/m/v1/models/m:predict"),
        Some(("ns/m", "/v1/models/m:predict"))
    );
    assert_eq!(split_path("/seldon/ns/m"), Some(("ns/m", "")));
    assert_eq!(split_path("/seldon/ns"), None);
    assert_eq!(split_path("/seldon//m/x"), None);
    assert_eq!(split_path("/api/v1.0/predictions"), None);
}

#[test]
fn weights_split_draws_in_proportion_and_shadows_never_answer() {
    let route = Route::new(
        "ns",
        "d",
        vec![
            target("a", "http://a", 75, false),
            target("b", "http://b", 25, false),
            target("s", "http://s", 0, true),
        ],
    );
    let mut counts = HashMap::new();
    for r in 0..1000 {
        *counts
            .entry(route.pick(r).unwrap().predictor.clone())
            .or_insert(0) += 1;
    }
    assert_eq!(counts.get("a"), Some(&750));
    assert_eq!(counts.get("b"), Some(&250));
    assert_eq!(counts.get("s"), None);
    assert_eq!(route.shadows.len(), 1);
}

#[test]
fn predictors_without_weights_share_evenly_and_a_shadow_only_route_has_none() {
    let even = Route::new(
        "ns",
        "d",
        vec![target("a", "x", 0, false), target("b", "y", 0, false)],
    );
    assert_eq!(even.pick(0).unwrap().predictor, "a");
    assert_eq!(even.pick(1).unwrap().predictor, "b");
    let shadows = Route::new("ns", "d", vec![target("s", "x", 0, true)]);
    assert!(shadows.pick(0).is_none());
}

#[tokio::test]
async fn calls_reach_the_engine_without_the_prefix_and_say_which_predictor_answered() {
    let (main, _) = engine("main").await;
    let (app, _) = ingress(
        vec![Route::new(
            "default",
            "mnist",
            vec![target("p", &main, 0, false)],
        )],
        Config::default(),
    );
    for (path, sent) in [
        (
            "/seldon/default/mnist/api/v1.0/predictions",
            "/api/v1.0/predictions",
        ),
        (
            "/seldon/default/mnist/api/v0.1/predictions",
            "/api/v0.1/predictions",
        ),
        (
            "/seldon/default/mnist/v1/models/m:predict",
            "/v1/models/m:predict",
        ),
        (
            "/seldon/default/mnist/v2/models/m/infer?x=1",
            "/v2/models/m/infer?x=1",
        ),
    ] {
        let (status, headers, body) = call(&app, Method::POST, path, r#"{"data":1}"#).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(body["uri"], sent);
        assert_eq!(body["method"], "POST");
        assert_eq!(body["body"], r#"{"data":1}"#);
        assert_eq!(headers[PREDICTOR_HEADER], "p");
    }
    let (status, _, body) = call(&app, Method::GET, "/seldon/default/mnist/v1/models/m", "").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["method"], "GET");
}

#[tokio::test]
async fn an_unknown_deployment_is_a_404_naming_what_is_routed() {
    let (main, _) = engine("main").await;
    let (app, _) = ingress(
        vec![
            Route::new("default", "a", vec![target("p", &main, 0, false)]),
            Route::new("other", "b", vec![target("p", &main, 0, false)]),
        ],
        Config::default(),
    );
    let (status, _, body) = call(
        &app,
        Method::POST,
        "/seldon/default/nope/api/v1.0/predictions",
        "{}",
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let info = body["status"]["info"].as_str().unwrap();
    assert!(info.contains("`default/nope`"), "{info}");
    assert!(info.contains("routed: default/a, other/b"), "{info}");
    let (status, _, _) = call(&app, Method::POST, "/api/v1.0/predictions", "{}").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// Routes that a test changes while the ingress runs.
#[derive(Default)]
struct ChangingRoutes(Mutex<Routes>);

impl RouteSource for Arc<ChangingRoutes> {
    fn routes(&self) -> Pin<Box<dyn Future<Output = Routes> + Send>> {
        let routes = self.0.lock().unwrap().clone();
        Box::pin(async move { routes })
    }
}

#[tokio::test]
async fn a_deployment_added_right_after_a_miss_is_routed_on_the_next_call() {
    let (main, _) = engine("main").await;
    let source = Arc::new(ChangingRoutes::default());
    let state = Arc::new(State::new(Config::default(), Arc::new(Arc::clone(&source))).unwrap());
    let app = router(Arc::clone(&state));
    let path = "/seldon/default/late/api/v1.0/predictions";
    let (status, _, _) = call(&app, Method::POST, path, "{}").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // `up` of `late` finishes within milliseconds of that miss's refresh.
    source.0.lock().unwrap().insert(Route::new(
        "default",
        "late",
        vec![target("p", &main, 0, false)],
    ));
    let (status, headers, body) = call(&app, Method::POST, path, "{}").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(headers["seldon-predictor"], "p");
}

#[tokio::test]
async fn shadows_get_a_copy_and_a_dead_shadow_changes_nothing_for_the_caller() {
    let (a, a_calls) = engine("a").await;
    let (b, b_calls) = engine("b").await;
    let (shadow, shadow_calls) = engine("shadow").await;
    // A port nothing listens on: the dead shadow.
    let dead = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    };
    let (app, state) = ingress(
        vec![Route::new(
            "ns",
            "d",
            vec![
                target("a", &a, 75, false),
                target("b", &b, 25, false),
                target("shadow", &shadow, 0, true),
                target("dead", &dead, 0, true),
            ],
        )],
        Config::default(),
    );
    let n = 400;
    for _ in 0..n {
        let (status, headers, body) = call(
            &app,
            Method::POST,
            "/seldon/ns/d/api/v1.0/predictions",
            "{}",
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let answered = headers[PREDICTOR_HEADER].to_str().unwrap();
        assert!(answered == "a" || answered == "b", "{answered}");
        assert_eq!(body["engine"], answered);
    }
    assert_eq!(
        a_calls.load(Ordering::SeqCst) + b_calls.load(Ordering::SeqCst),
        n
    );
    // Shadows run detached: wait (bounded) until every copy has landed or failed.
    let deadline = Instant::now() + Duration::from_secs(10);
    while (shadow_calls.load(Ordering::SeqCst) < n
        || state.shadow.failed.load(Ordering::SeqCst) < n as u64)
        && Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(shadow_calls.load(Ordering::SeqCst), n);
    assert_eq!(state.shadow.sent.load(Ordering::SeqCst), 2 * n as u64);
    assert_eq!(state.shadow.failed.load(Ordering::SeqCst), n as u64);
    // 75/25 over 400 draws: far outside 50/50 and inside generous bounds.
    let a_share = a_calls.load(Ordering::SeqCst);
    assert!((240..=360).contains(&a_share), "{a_share}");
}

#[tokio::test]
async fn shadow_copies_beyond_the_limit_are_dropped_and_counted() {
    let (a, _) = engine("a").await;
    let (shadow, _) = engine("shadow").await;
    let config = Config {
        shadow_limit: 0,
        ..Config::default()
    };
    let (app, state) = ingress(
        vec![Route::new(
            "ns",
            "d",
            vec![target("a", &a, 0, false), target("s", &shadow, 0, true)],
        )],
        config,
    );
    let (status, _, _) = call(
        &app,
        Method::POST,
        "/seldon/ns/d/api/v1.0/predictions",
        "{}",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(state.shadow.dropped.load(Ordering::SeqCst), 1);
    assert_eq!(state.shadow.sent.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_dead_engine_and_an_oversized_body_answer_in_seldon_shape() {
    let dead = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    };
    let config = Config {
        body_limit: 8,
        ..Config::default()
    };
    let (app, _) = ingress(
        vec![Route::new("ns", "d", vec![target("p", &dead, 0, false)])],
        config,
    );
    let (status, _, body) = call(
        &app,
        Method::POST,
        "/seldon/ns/d/api/v1.0/predictions",
        "{}",
    )
    .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["status"]["status"], "FAILURE");
    let (status, _, body) = call(
        &app,
        Method::POST,
        "/seldon/ns/d/api/v1.0/predictions",
        "0123456789",
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(body["status"]["code"], 413);
}

#[tokio::test]
async fn info_lists_the_routes() {
    let (app, _) = ingress(
        vec![Route::new(
            "ns",
            "d",
            vec![target("p", "http://x", 0, false)],
        )],
        Config::default(),
    );
    let (status, _, body) = call(&app, Method::GET, INFO_PATH, "").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["ingress"], "seldon-local");
    assert_eq!(body["routes"][0]["key"], "ns/d");
}

mod grpc {
    use tonic::{Request as GrpcRequest, Response as GrpcResponse, Status};

    use super::*;
    use crate::grpc::seldon::seldon_client::SeldonClient;
    use crate::grpc::seldon::seldon_server::{Seldon, SeldonServer};
    use crate::protocol::grpc::seldon::protos::{
        Feedback, SeldonGraphMetadata, SeldonMessage, SeldonModelMetadata,
        SeldonModelMetadataRequest, seldon_message::DataOneof,
    };

    /// An engine's gRPC API answering `Predict` with its name and the string it got.
    struct Echo(&'static str);

    #[tonic::async_trait]
    impl Seldon for Echo {
        async fn predict(
            &self,
            request: GrpcRequest<SeldonMessage>,
        ) -> Result<GrpcResponse<SeldonMessage>, Status> {
            let got = match request.into_inner().data_oneof {
                Some(DataOneof::StrData(s)) => s,
                _ => String::new(),
            };
            Ok(GrpcResponse::new(SeldonMessage {
                data_oneof: Some(DataOneof::StrData(format!("{}:{got}", self.0))),
                ..SeldonMessage::default()
            }))
        }
        async fn send_feedback(
            &self,
            _: GrpcRequest<Feedback>,
        ) -> Result<GrpcResponse<SeldonMessage>, Status> {
            Err(Status::unimplemented("feedback"))
        }
        async fn model_metadata(
            &self,
            _: GrpcRequest<SeldonModelMetadataRequest>,
        ) -> Result<GrpcResponse<SeldonModelMetadata>, Status> {
            Err(Status::unimplemented("metadata"))
        }
        async fn graph_metadata(
            &self,
            _: GrpcRequest<()>,
        ) -> Result<GrpcResponse<SeldonGraphMetadata>, Status> {
            Err(Status::unimplemented("graph metadata"))
        }
    }

    async fn grpc_engine(name: &'static str) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let incoming = tonic::transport::server::TcpIncoming::from(listener);
        tokio::spawn(
            tonic::transport::Server::builder()
                .add_service(SeldonServer::new(Echo(name)))
                .serve_with_incoming(incoming),
        );
        format!("http://{addr}")
    }

    fn call(text: &str, name: Option<&str>, namespace: Option<&str>) -> GrpcRequest<SeldonMessage> {
        let mut request = GrpcRequest::new(SeldonMessage {
            data_oneof: Some(DataOneof::StrData(text.to_owned())),
            ..SeldonMessage::default()
        });
        if let Some(name) = name {
            request
                .metadata_mut()
                .insert("seldon", name.parse().unwrap());
        }
        if let Some(namespace) = namespace {
            request
                .metadata_mut()
                .insert("namespace", namespace.parse().unwrap());
        }
        request
    }

    #[tokio::test]
    async fn grpc_calls_are_routed_by_the_seldon_and_namespace_metadata() {
        let a = grpc_engine("a").await;
        let b = grpc_engine("b").await;
        let mut routes = Routes::default();
        let grpc_target = |predictor: &str, grpc: &str, weight| Target {
            predictor: predictor.to_owned(),
            rest: "http://127.0.0.1:9".to_owned(),
            grpc: Some(grpc.to_owned()),
            weight,
            shadow: false,
            ready: true,
        };
        routes.insert(Route::new(
            "ns",
            "d",
            vec![grpc_target("a", &a, 50), grpc_target("b", &b, 50)],
        ));
        routes.insert(Route::new("default", "only", vec![grpc_target("a", &a, 0)]));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(run(
            Config::default(),
            Arc::new(FixedRoutes(routes)),
            listener,
            std::future::pending(),
        ));
        let channel = tonic::transport::Channel::from_shared(format!("http://{addr}"))
            .unwrap()
            .connect_lazy();
        let mut client = SeldonClient::new(channel);
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..40 {
            let reply = client
                .predict(call("x", Some("d"), Some("ns")))
                .await
                .unwrap();
            let predictor = reply
                .metadata()
                .get(PREDICTOR_HEADER)
                .unwrap()
                .to_str()
                .unwrap()
                .to_owned();
            let Some(DataOneof::StrData(text)) = reply.into_inner().data_oneof else {
                panic!("no strData");
            };
            assert_eq!(text, format!("{predictor}:x"));
            seen.insert(predictor);
        }
        assert_eq!(seen.len(), 2, "{seen:?}");
        // No namespace metadata: `default`.
        let reply = client.predict(call("y", Some("only"), None)).await.unwrap();
        assert_eq!(
            reply.into_inner().data_oneof,
            Some(DataOneof::StrData("a:y".to_owned()))
        );
        let status = client
            .predict(call("z", Some("nope"), Some("ns")))
            .await
            .unwrap_err();
        assert_eq!(status.code(), tonic::Code::NotFound);
        assert!(
            status.message().contains("routed: default/only, ns/d"),
            "{}",
            status.message()
        );
        let status = client.predict(call("z", None, None)).await.unwrap_err();
        assert_eq!(status.code(), tonic::Code::InvalidArgument);
        // REST still answers on the same address.
        let reply = reqwest::get(format!("http://{addr}{INFO_PATH}"))
            .await
            .unwrap();
        assert_eq!(reply.status(), 200);
    }
}

#[tokio::test]
async fn a_predictor_that_is_not_ready_keeps_its_share_and_answers_503_for_it() {
    let (ready_url, ready_calls) = engine("ready").await;
    let (unready_url, unready_calls) = engine("unready").await;
    let mut unready = target("b", &unready_url, 50, false);
    unready.ready = false;
    let (app, _) = ingress(
        vec![Route::new(
            "ns",
            "d",
            vec![target("a", &ready_url, 50, false), unready],
        )],
        Config::default(),
    );
    let mut refused = 0;
    for _ in 0..40 {
        let (status, _, body) = call(
            &app,
            Method::POST,
            "/seldon/ns/d/api/v1.0/predictions",
            "{}",
        )
        .await;
        if status == StatusCode::SERVICE_UNAVAILABLE {
            assert_eq!(body["status"]["reason"], "NOT_READY", "{body}");
            refused += 1;
        } else {
            assert_eq!(status, StatusCode::OK);
        }
    }
    // Half the draws, give or take: the gateway does not re-weigh.
    assert!((5..=35).contains(&refused), "{refused} of 40 refused");
    assert_eq!(ready_calls.load(Ordering::SeqCst), 40 - refused);
    assert_eq!(unready_calls.load(Ordering::SeqCst), 0);
}
