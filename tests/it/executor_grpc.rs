//! The executor's gRPC API (`Seldon` service) against in-process gRPC units that serve the
//! services the Python wrapper serves, all on one port: the graph walk, metadata, errors and
//! bad input.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use seldon_local::components::executor::{Config, Predictor, serve};
use seldon_local::grpc::seldon::combiner_server::{Combiner, CombinerServer};
use seldon_local::grpc::seldon::model_server::{Model, ModelServer};
use seldon_local::grpc::seldon::output_transformer_server::{
    OutputTransformer, OutputTransformerServer,
};
use seldon_local::grpc::seldon::router_server::{Router, RouterServer};
use seldon_local::grpc::seldon::seldon_client::SeldonClient;
use seldon_local::grpc::seldon::transformer_server::{Transformer, TransformerServer};
use seldon_local::protocol::ProtocolKind;
use seldon_local::protocol::grpc::json::from_json;
use seldon_local::protocol::grpc::seldon::protos::{
    Feedback, SeldonMessage, SeldonMessageList, SeldonMessageMetadata, SeldonModelMetadata,
    SeldonModelMetadataRequest, seldon_message,
};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tonic::{Code, Request, Response, Status};

use crate::support::engine_predictor;

/// A gRPC unit: appends `name.method` to the request's `strData`, routes to `route`, joins
/// combined messages with `+`, and records each call with the `seldon-puid` it carried.
#[derive(Clone)]
struct FakeUnit {
    name: String,
    route: i64,
    fail: bool,
    calls: Arc<Mutex<Vec<(String, String)>>>,
}

impl FakeUnit {
    fn step(
        &self,
        method: &str,
        request: &Request<SeldonMessage>,
    ) -> Result<SeldonMessage, Status> {
        let puid = request
            .metadata()
            .get("seldon-puid")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        self.calls
            .lock()
            .unwrap()
            .push((format!("{}.{method}", self.name), puid));
        if self.fail {
            return Err(Status::invalid_argument("unit says no"));
        }
        let before = match &request.get_ref().data_oneof {
            Some(seldon_message::DataOneof::StrData(s)) => s.clone(),
            _ => String::new(),
        };
        Ok(SeldonMessage {
            data_oneof: Some(seldon_message::DataOneof::StrData(format!(
                "{before}>{}.{method}",
                self.name
            ))),
            meta: Some(seldon_local::protocol::grpc::seldon::protos::Meta::default()),
            ..SeldonMessage::default()
        })
    }

    fn feedback(&self, request: &Request<Feedback>) -> SeldonMessage {
        self.calls
            .lock()
            .unwrap()
            .push((format!("{}.feedback", self.name), String::new()));
        let reward = request.get_ref().reward;
        SeldonMessage {
            data_oneof: Some(seldon_message::DataOneof::StrData(format!(
                "{} got {reward}",
                self.name
            ))),
            ..SeldonMessage::default()
        }
    }
}

#[tonic::async_trait]
impl Model for FakeUnit {
    async fn predict(
        &self,
        request: Request<SeldonMessage>,
    ) -> Result<Response<SeldonMessage>, Status> {
        self.step("predict", &request).map(Response::new)
    }
    async fn send_feedback(
        &self,
        request: Request<Feedback>,
    ) -> Result<Response<SeldonMessage>, Status> {
        Ok(Response::new(self.feedback(&request)))
    }
    async fn metadata(&self, _: Request<()>) -> Result<Response<SeldonModelMetadata>, Status> {
        Ok(Response::new(SeldonModelMetadata {
            name: self.name.clone(),
            inputs: vec![SeldonMessageMetadata {
                name: format!("{}-in", self.name),
                ..SeldonMessageMetadata::default()
            }],
            outputs: vec![SeldonMessageMetadata {
                name: format!("{}-out", self.name),
                ..SeldonMessageMetadata::default()
            }],
            ..SeldonModelMetadata::default()
        }))
    }
}

#[tonic::async_trait]
impl Transformer for FakeUnit {
    async fn transform_input(
        &self,
        request: Request<SeldonMessage>,
    ) -> Result<Response<SeldonMessage>, Status> {
        self.step("input", &request).map(Response::new)
    }
}

#[tonic::async_trait]
impl OutputTransformer for FakeUnit {
    async fn transform_output(
        &self,
        request: Request<SeldonMessage>,
    ) -> Result<Response<SeldonMessage>, Status> {
        self.step("output", &request).map(Response::new)
    }
}

#[tonic::async_trait]
impl Router for FakeUnit {
    async fn route(
        &self,
        request: Request<SeldonMessage>,
    ) -> Result<Response<SeldonMessage>, Status> {
        self.step("route", &request)?;
        Ok(Response::new(
            from_json(
                json!({"data": {"ndarray": [[self.route]]}})
                    .to_string()
                    .as_bytes(),
            )
            .unwrap(),
        ))
    }
    async fn send_feedback(
        &self,
        request: Request<Feedback>,
    ) -> Result<Response<SeldonMessage>, Status> {
        Ok(Response::new(self.feedback(&request)))
    }
}

#[tonic::async_trait]
impl Combiner for FakeUnit {
    async fn aggregate(
        &self,
        request: Request<SeldonMessageList>,
    ) -> Result<Response<SeldonMessage>, Status> {
        self.calls
            .lock()
            .unwrap()
            .push((format!("{}.aggregate", self.name), String::new()));
        let joined: Vec<String> = request
            .get_ref()
            .seldon_messages
            .iter()
            .map(|m| match &m.data_oneof {
                Some(seldon_message::DataOneof::StrData(s)) => s.clone(),
                _ => String::new(),
            })
            .collect();
        Ok(Response::new(SeldonMessage {
            data_oneof: Some(seldon_message::DataOneof::StrData(joined.join("+"))),
            ..SeldonMessage::default()
        }))
    }
}

struct Unit {
    addr: SocketAddr,
    calls: Arc<Mutex<Vec<(String, String)>>>,
    _stop: oneshot::Sender<()>,
}

impl Unit {
    fn calls(&self) -> Vec<String> {
        self.calls
            .lock()
            .unwrap()
            .iter()
            .map(|c| c.0.clone())
            .collect()
    }
}

async fn start_unit(name: &str, route: i64, fail: bool) -> Unit {
    let calls = Arc::default();
    let unit = FakeUnit {
        name: name.to_owned(),
        route,
        fail,
        calls: Arc::clone(&calls),
    };
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(ModelServer::new(unit.clone()))
            .add_service(TransformerServer::new(unit.clone()))
            .add_service(OutputTransformerServer::new(unit.clone()))
            .add_service(RouterServer::new(unit.clone()))
            .add_service(CombinerServer::new(unit))
            .serve_with_incoming_shutdown(
                tonic::transport::server::TcpIncoming::from(listener),
                async {
                    let _ = stopped.await;
                },
            ),
    );
    Unit {
        addr,
        calls,
        _stop: stop,
    }
}

#[allow(clippy::needless_pass_by_value)] // callers build the list inline
fn node(name: &str, kind: &str, unit: &Unit, children: Vec<Value>) -> Value {
    json!({
        "name": name,
        "type": kind,
        "endpoint": {"service_host": "127.0.0.1", "service_port": unit.addr.port(),
                     "httpPort": 1, "grpcPort": unit.addr.port()},
        "children": children,
    })
}

struct Engine {
    grpc: String,
    _stop: oneshot::Sender<()>,
}

async fn start_engine(graph: &Value, adjust: impl FnOnce(&mut Config)) -> Engine {
    let predictor = Predictor::from_engine_predictor(&engine_predictor(graph)).unwrap();
    let mut config = Config::new("dep", "ns", predictor, ProtocolKind::Seldon);
    adjust(&mut config);
    let rest = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let grpc = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = grpc.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(async move {
        serve(config, Some(rest), Some(grpc), async {
            let _ = stopped.await;
        })
        .await
        .unwrap();
    });
    Engine {
        grpc: format!("http://{addr}"),
        _stop: stop,
    }
}

async fn client(engine: &Engine) -> SeldonClient<tonic::transport::Channel> {
    let channel = tonic::transport::Endpoint::from_shared(engine.grpc.clone())
        .unwrap()
        .connect()
        .await
        .unwrap();
    SeldonClient::new(channel)
}

fn str_data(message: &SeldonMessage) -> &str {
    match &message.data_oneof {
        Some(seldon_message::DataOneof::StrData(s)) => s,
        other => panic!("not strData: {other:?}"),
    }
}

fn request(text: &str) -> Request<SeldonMessage> {
    let mut request = Request::new(SeldonMessage {
        data_oneof: Some(seldon_message::DataOneof::StrData(text.to_owned())),
        ..SeldonMessage::default()
    });
    // What SeldonClient sends with every call.
    request
        .metadata_mut()
        .insert("seldon", "dep".parse().unwrap());
    request
        .metadata_mut()
        .insert("namespace", "ns".parse().unwrap());
    request
}

#[tokio::test]
async fn transformer_model_and_output_transformer_run_in_order_over_grpc() {
    let t = start_unit("t", 0, false).await;
    let m = start_unit("m", 0, false).await;
    let o = start_unit("o", 0, false).await;
    let graph = node(
        "o",
        "OUTPUT_TRANSFORMER",
        &o,
        vec![node(
            "t",
            "TRANSFORMER",
            &t,
            vec![node("m", "MODEL", &m, vec![])],
        )],
    );
    let engine = start_engine(&graph, |_| {}).await;
    let mut client = client(&engine).await;
    let mut req = request("in");
    req.metadata_mut()
        .insert("seldon-puid", "my-puid".parse().unwrap());
    let reply = client.predict(req).await.unwrap();
    assert_eq!(reply.metadata().get("seldon-puid").unwrap(), "my-puid");
    assert_eq!(str_data(reply.get_ref()), "in>t.input>m.predict>o.output");
    assert_eq!(
        m.calls.lock().unwrap()[0].1,
        "my-puid",
        "the puid reaches units"
    );
    // Without a client puid, one is made and the same one goes to every unit.
    let reply = client.predict(request("x")).await.unwrap();
    let puid = reply
        .metadata()
        .get("seldon-puid")
        .unwrap()
        .to_str()
        .unwrap();
    assert_eq!(puid.len(), 36);
    assert_eq!(t.calls.lock().unwrap()[1].1, puid);
}

#[tokio::test]
async fn a_router_picks_one_child_and_routing_is_injected() {
    let r = start_unit("r", 1, false).await;
    let a = start_unit("a", 0, false).await;
    let b = start_unit("b", 0, false).await;
    let graph = node(
        "r",
        "ROUTER",
        &r,
        vec![
            node("a", "MODEL", &a, vec![]),
            node("b", "MODEL", &b, vec![]),
        ],
    );
    let engine = start_engine(&graph, |c| c.routing_injection = true).await;
    let reply = client(&engine).await.predict(request("in")).await.unwrap();
    let reply = reply.into_inner();
    assert_eq!(
        str_data(&reply),
        "in>b.predict",
        "the router's input goes to child 1"
    );
    assert_eq!(reply.meta.unwrap().routing["r"], 1);
    assert!(a.calls().is_empty());
    assert_eq!(r.calls(), ["r.route"]);
}

#[tokio::test]
async fn a_combiner_aggregates_its_children_in_order() {
    let c = start_unit("c", 0, false).await;
    let units = [
        start_unit("x", 0, false).await,
        start_unit("y", 0, false).await,
    ];
    let graph = node(
        "c",
        "COMBINER",
        &c,
        vec![
            node("x", "MODEL", &units[0], vec![]),
            node("y", "MODEL", &units[1], vec![]),
        ],
    );
    let engine = start_engine(&graph, |_| {}).await;
    let reply = client(&engine).await.predict(request("in")).await.unwrap();
    assert_eq!(str_data(reply.get_ref()), "in>x.predict+in>y.predict");
}

#[tokio::test]
async fn feedback_follows_the_recorded_routing() {
    let r = start_unit("r", 0, false).await;
    let a = start_unit("a", 0, false).await;
    let b = start_unit("b", 0, false).await;
    let graph = node(
        "r",
        "ROUTER",
        &r,
        vec![
            node("a", "MODEL", &a, vec![]),
            node("b", "MODEL", &b, vec![]),
        ],
    );
    let engine = start_engine(&graph, |_| {}).await;
    let feedback: Feedback = from_json(
        br#"{"request":{"strData":"q"},"response":{"meta":{"routing":{"r":1}}},"reward":1}"#,
    )
    .unwrap();
    let reply = client(&engine)
        .await
        .send_feedback(Request::new(feedback))
        .await
        .unwrap();
    assert_eq!(str_data(reply.get_ref()), "r got 1");
    assert!(a.calls().is_empty());
    assert_eq!(b.calls(), ["b.feedback"]);
    assert_eq!(r.calls(), ["r.feedback"]);
}

#[tokio::test]
async fn metadata_of_one_unit_and_of_the_graph() {
    let t = start_unit("t", 0, false).await;
    let m = start_unit("m", 0, false).await;
    let graph = node("t", "TRANSFORMER", &t, vec![node("m", "MODEL", &m, vec![])]);
    let engine = start_engine(&graph, |_| {}).await;
    let mut client = client(&engine).await;
    let unit = client
        .model_metadata(SeldonModelMetadataRequest { name: "m".into() })
        .await
        .unwrap();
    assert_eq!(unit.get_ref().name, "m");
    let missing = client
        .model_metadata(SeldonModelMetadataRequest { name: "zz".into() })
        .await
        .unwrap_err();
    assert_eq!(missing.code(), Code::NotFound);
    let graph = client.graph_metadata(()).await.unwrap().into_inner();
    assert_eq!(graph.name, "default");
    assert_eq!(graph.models.len(), 2);
    // A transformer's inputs, its child's outputs.
    assert_eq!(graph.inputs[0].name, "t-in");
    assert_eq!(graph.outputs[0].name, "m-out");
}

#[tokio::test]
async fn unit_errors_and_dead_units_are_grpc_statuses() {
    let bad = start_unit("bad", 0, true).await;
    let engine = start_engine(&node("bad", "MODEL", &bad, vec![]), |_| {}).await;
    let status = client(&engine)
        .await
        .predict(request("in"))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(status.message(), "unit `bad`: unit says no");

    let gone = start_unit("gone", 0, false).await;
    let graph = node("gone", "MODEL", &gone, vec![]);
    drop(gone);
    let engine = start_engine(&graph, |_| {}).await;
    let status = client(&engine)
        .await
        .predict(request("in"))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unavailable, "{status:?}");
    assert!(status.message().starts_with("unit `gone`"), "{status:?}");
}

#[tokio::test]
async fn a_message_over_the_limit_is_resource_exhausted_and_the_server_still_serves() {
    let m = start_unit("m", 0, false).await;
    let engine = start_engine(&node("m", "MODEL", &m, vec![]), |c| {
        c.grpc_max_message_size = 1024;
    })
    .await;
    let mut client = client(&engine).await;
    let status = client
        .predict(request(&"x".repeat(4096)))
        .await
        .unwrap_err();
    assert!(
        matches!(status.code(), Code::OutOfRange | Code::ResourceExhausted),
        "{status:?}"
    );
    assert!(!status.message().is_empty());
    assert!(m.calls().is_empty());
    let reply = client.predict(request("ok")).await.unwrap();
    assert_eq!(str_data(reply.get_ref()), "ok>m.predict");
}

/// Sends raw bytes as a gRPC message to `path`.
async fn raw_call(engine: &Engine, path: &'static str, body: Vec<u8>) -> Status {
    let channel = tonic::transport::Endpoint::from_shared(engine.grpc.clone())
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut grpc = tonic::client::Grpc::new(channel);
    grpc.ready().await.unwrap();
    let result: Result<Response<Vec<u8>>, Status> = grpc
        .unary(
            Request::new(body),
            tonic::codegen::http::uri::PathAndQuery::from_static(path),
            RawCodec,
        )
        .await;
    result.unwrap_err()
}

#[tokio::test]
async fn malformed_protobuf_and_unknown_methods_are_statuses_and_the_server_still_serves() {
    let m = start_unit("m", 0, false).await;
    let engine = start_engine(&node("m", "MODEL", &m, vec![]), |_| {}).await;
    // Field 5 (strData) as a length-delimited field longer than the message.
    let status = raw_call(
        &engine,
        "/seldon.protos.Seldon/Predict",
        vec![0x2a, 0x7f, 0x01],
    )
    .await;
    assert_eq!(status.code(), Code::Internal, "{status:?}");
    assert!(!status.message().is_empty());
    let status = raw_call(&engine, "/seldon.protos.Seldon/Nope", vec![]).await;
    assert_eq!(status.code(), Code::Unimplemented);
    assert!(status.message().contains("Seldon/Nope"), "{status:?}");
    let status = raw_call(
        &engine,
        "/tensorflow.serving.PredictionService/Predict",
        vec![],
    )
    .await;
    assert_eq!(status.code(), Code::Unimplemented);
    assert!(m.calls().is_empty());
    let reply = client(&engine).await.predict(request("ok")).await.unwrap();
    assert_eq!(str_data(reply.get_ref()), "ok>m.predict");
}

#[tokio::test]
async fn other_protocols_do_not_serve_the_seldon_service() {
    let m = start_unit("m", 0, false).await;
    let predictor =
        Predictor::from_engine_predictor(&engine_predictor(&node("m", "MODEL", &m, vec![])))
            .unwrap();
    let config = Config::new("dep", "ns", predictor, ProtocolKind::Tensorflow);
    let grpc = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = grpc.local_addr().unwrap();
    let (_stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(serve(config, None, Some(grpc), async {
        let _ = stopped.await;
    }));
    let engine = Engine {
        grpc: format!("http://{addr}"),
        _stop: oneshot::channel().0,
    };
    let status = raw_call(&engine, "/seldon.protos.Seldon/Predict", vec![]).await;
    assert_eq!(status.code(), Code::Unimplemented);
    assert!(
        status
            .message()
            .contains("does not serve the gRPC method /seldon.protos.Seldon/Predict"),
        "{status:?}"
    );
    assert!(m.calls().is_empty());
}

/// A codec that sends and receives raw bytes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RawCodec;

impl tonic::codec::Codec for RawCodec {
    type Encode = Vec<u8>;
    type Decode = Vec<u8>;
    type Encoder = RawCodec;
    type Decoder = RawCodec;
    fn encoder(&mut self) -> Self::Encoder {
        RawCodec
    }
    fn decoder(&mut self) -> Self::Decoder {
        RawCodec
    }
}

impl tonic::codec::Encoder for RawCodec {
    type Item = Vec<u8>;
    type Error = Status;
    fn encode(
        &mut self,
        item: Self::Item,
        dst: &mut tonic::codec::EncodeBuf<'_>,
    ) -> Result<(), Self::Error> {
        use bytes::BufMut as _;
        dst.put_slice(&item);
        Ok(())
    }
}

impl tonic::codec::Decoder for RawCodec {
    type Item = Vec<u8>;
    type Error = Status;
    fn decode(
        &mut self,
        src: &mut tonic::codec::DecodeBuf<'_>,
    ) -> Result<Option<Self::Item>, Self::Error> {
        use bytes::Buf as _;
        let mut out = vec![0; src.remaining()];
        src.copy_to_slice(&mut out);
        Ok(Some(out))
    }
}

#[tokio::test]
async fn a_logged_node_sends_its_grpc_request_and_response_as_protobuf_events() {
    use seldon_local::components::request_sink;
    let m = start_unit("m", 0, false).await;
    let dir = tempfile::tempdir().unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sink = listener.local_addr().unwrap();
    let (_stop_sink, stopped) = oneshot::channel::<()>();
    let path = dir.path().to_owned();
    tokio::spawn(async move {
        request_sink::run(path, listener, async {
            let _ = stopped.await;
        })
        .await
        .unwrap();
    });
    let mut graph = node("m", "MODEL", &m, vec![]);
    graph["logger"] = json!({"mode": "all", "url": format!("http://{sink}/")});
    let engine = start_engine(&graph, |_| {}).await;
    let mut client = client(&engine).await;
    let mut req = request("in");
    req.metadata_mut()
        .insert("seldon-puid", "grpc-puid".parse().unwrap());
    client.predict(req).await.unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let events = loop {
        let events = request_sink::read_events(dir.path(), "dep", 0).unwrap();
        if events.len() >= 2 || std::time::Instant::now() > deadline {
            break events;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    };
    let mut kinds: Vec<&str> = events.iter().map(|e| e.attribute("type")).collect();
    kinds.sort_unstable();
    assert_eq!(
        kinds,
        [
            "io.seldon.serving.inference.request",
            "io.seldon.serving.inference.response"
        ]
    );
    for event in &events {
        assert_eq!(event.attribute("requestid"), "grpc-puid");
        assert_eq!(event.headers["content-type"], "application/protobuf");
    }
}
