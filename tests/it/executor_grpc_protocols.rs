//! The executor's gRPC API for `--protocol tensorflow` (TF Serving's `PredictionService` and
//! `ModelService`) and `--protocol v2` (`GRPCInferenceService`) against in-process gRPC units and
//! the builtin TF model server: the walk with its chaining, the calls to one named unit,
//! metadata forwarding, limits and errors as statuses.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use seldon_local::components::executor::{Config, Predictor, serve};
use seldon_local::components::model_server;
use seldon_local::grpc::inference::grpc_inference_service_client::GrpcInferenceServiceClient;
use seldon_local::grpc::inference::grpc_inference_service_server::{
    GrpcInferenceService, GrpcInferenceServiceServer,
};
use seldon_local::grpc::tfserving::model_service_client::ModelServiceClient;
use seldon_local::grpc::tfserving::model_service_server::{ModelService, ModelServiceServer};
use seldon_local::grpc::tfserving::prediction_service_client::PredictionServiceClient;
use seldon_local::grpc::tfserving::prediction_service_server::{
    PredictionService, PredictionServiceServer,
};
use seldon_local::protocol::ProtocolKind;
use seldon_local::protocol::grpc::inference::model_infer_request::InferInputTensor;
use seldon_local::protocol::grpc::inference::model_infer_response::InferOutputTensor;
use seldon_local::protocol::grpc::inference::{
    InferTensorContents, ModelInferRequest, ModelInferResponse, ModelMetadataRequest,
    ModelMetadataResponse, ModelReadyRequest, ModelReadyResponse, ServerLiveRequest,
    ServerLiveResponse, ServerMetadataRequest, ServerMetadataResponse, ServerReadyRequest,
    ServerReadyResponse,
};
use seldon_local::protocol::grpc::tensorflow::serving::{
    Class, ClassificationRequest, ClassificationResponse, ClassificationResult, Classifications,
    GetModelMetadataRequest, GetModelMetadataResponse, GetModelStatusRequest,
    GetModelStatusResponse, ModelSpec, ModelVersionStatus, PredictRequest, PredictResponse,
    RegressionRequest, RegressionResponse,
};
use seldon_local::protocol::grpc::tensorflow::{TensorProto, TensorShapeProto, tensor_shape_proto};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tonic::transport::Channel;
use tonic::{Code, Request, Response, Status};

use crate::executor_grpc::RawCodec;
use crate::support::{closed_port, engine_predictor};

/// What a fake unit saw of one call: the model it was asked for, its input names and values,
/// and the `seldon` and `seldon-puid` metadata.
#[derive(Debug, Clone, PartialEq)]
struct Seen {
    unit: String,
    model: String,
    inputs: Vec<(String, Vec<f32>)>,
    seldon: String,
    puid: String,
}

fn metadata_value<T>(request: &Request<T>, key: &str) -> String {
    request
        .metadata()
        .get(key)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// A gRPC unit of either protocol: adds `add` to every input value, answers in the tensors'
/// own names, fails when asked, sleeps `delay` before answering.
#[derive(Clone)]
struct FakeUnit {
    name: String,
    add: f32,
    fail: bool,
    delay: Duration,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl FakeUnit {
    async fn record<T>(&self, request: &Request<T>, model: &str, inputs: Vec<(String, Vec<f32>)>) {
        self.seen.lock().unwrap().push(Seen {
            unit: self.name.clone(),
            model: model.to_owned(),
            inputs,
            seldon: metadata_value(request, "seldon"),
            puid: metadata_value(request, "seldon-puid"),
        });
        tokio::time::sleep(self.delay).await;
    }
}

fn floats(values: &[f32]) -> TensorProto {
    TensorProto {
        dtype: 1, // DT_FLOAT
        tensor_shape: Some(TensorShapeProto {
            dim: vec![
                tensor_shape_proto::Dim {
                    size: 1,
                    ..Default::default()
                },
                tensor_shape_proto::Dim {
                    size: i64::try_from(values.len()).unwrap(),
                    ..Default::default()
                },
            ],
            unknown_rank: false,
        }),
        float_val: values.to_vec(),
        ..TensorProto::default()
    }
}

#[allow(
    clippy::unnecessary_wraps,
    reason = "`model_spec` is an optional field everywhere it goes"
)]
fn spec(name: &str) -> Option<ModelSpec> {
    Some(ModelSpec {
        name: name.to_owned(),
        ..ModelSpec::default()
    })
}

#[tonic::async_trait]
impl PredictionService for FakeUnit {
    async fn predict(
        &self,
        request: Request<PredictRequest>,
    ) -> Result<Response<PredictResponse>, Status> {
        let message = request.get_ref();
        let model = message.model_spec.clone().unwrap_or_default().name;
        let mut inputs: Vec<(String, Vec<f32>)> = message
            .inputs
            .iter()
            .map(|(k, v)| (k.clone(), v.float_val.clone()))
            .collect();
        inputs.sort_by(|a, b| a.0.cmp(&b.0));
        self.record(&request, &model, inputs.clone()).await;
        if self.fail {
            return Err(Status::invalid_argument("unit says no"));
        }
        let outputs = inputs
            .into_iter()
            .map(|(k, v)| {
                let added: Vec<f32> = v.iter().map(|x| x + self.add).collect();
                (k, floats(&added))
            })
            .collect();
        Ok(Response::new(PredictResponse {
            model_spec: spec(&self.name),
            outputs,
        }))
    }

    async fn classify(
        &self,
        request: Request<ClassificationRequest>,
    ) -> Result<Response<ClassificationResponse>, Status> {
        let model = request
            .get_ref()
            .model_spec
            .clone()
            .unwrap_or_default()
            .name;
        self.record(&request, &model, Vec::new()).await;
        Ok(Response::new(ClassificationResponse {
            model_spec: spec(&self.name),
            result: Some(ClassificationResult {
                classifications: vec![Classifications {
                    classes: vec![Class {
                        label: self.name.clone(),
                        score: self.add,
                    }],
                }],
            }),
        }))
    }

    async fn regress(
        &self,
        _: Request<RegressionRequest>,
    ) -> Result<Response<RegressionResponse>, Status> {
        Err(Status::unimplemented("no regression here"))
    }

    async fn get_model_metadata(
        &self,
        request: Request<GetModelMetadataRequest>,
    ) -> Result<Response<GetModelMetadataResponse>, Status> {
        let model = request
            .get_ref()
            .model_spec
            .clone()
            .unwrap_or_default()
            .name;
        self.record(&request, &model, Vec::new()).await;
        Ok(Response::new(GetModelMetadataResponse {
            model_spec: spec(&format!("{} says {model}", self.name)),
            metadata: HashMap::new(),
        }))
    }
}

#[tonic::async_trait]
impl ModelService for FakeUnit {
    async fn get_model_status(
        &self,
        request: Request<GetModelStatusRequest>,
    ) -> Result<Response<GetModelStatusResponse>, Status> {
        let model = request
            .get_ref()
            .model_spec
            .clone()
            .unwrap_or_default()
            .name;
        self.record(&request, &model, Vec::new()).await;
        Ok(Response::new(GetModelStatusResponse {
            model_version_status: vec![ModelVersionStatus {
                version: 7,
                state: 30, // AVAILABLE
                status: None,
            }],
        }))
    }
}

fn v2_values(request: &ModelInferRequest) -> Result<Vec<(String, Vec<f32>)>, Status> {
    request
        .inputs
        .iter()
        .enumerate()
        .map(|(i, input)| {
            if input.datatype != "FP32" {
                return Err(Status::invalid_argument(format!(
                    "input `{}` is {}, this model takes FP32",
                    input.name, input.datatype
                )));
            }
            let values = match request.raw_input_contents.get(i) {
                Some(raw) => raw
                    .chunks_exact(4)
                    .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                    .collect(),
                None => input.contents.clone().unwrap_or_default().fp32_contents,
            };
            Ok((input.name.clone(), values))
        })
        .collect()
}

#[tonic::async_trait]
impl GrpcInferenceService for FakeUnit {
    async fn repository_index(
        &self,
        _: Request<seldon_local::protocol::grpc::inference::RepositoryIndexRequest>,
    ) -> Result<Response<seldon_local::protocol::grpc::inference::RepositoryIndexResponse>, Status>
    {
        Err(Status::unimplemented("a fake unit has no repository"))
    }

    async fn repository_model_load(
        &self,
        _: Request<seldon_local::protocol::grpc::inference::RepositoryModelLoadRequest>,
    ) -> Result<
        Response<seldon_local::protocol::grpc::inference::RepositoryModelLoadResponse>,
        Status,
    > {
        Err(Status::unimplemented("a fake unit has no repository"))
    }

    async fn repository_model_unload(
        &self,
        _: Request<seldon_local::protocol::grpc::inference::RepositoryModelUnloadRequest>,
    ) -> Result<
        Response<seldon_local::protocol::grpc::inference::RepositoryModelUnloadResponse>,
        Status,
    > {
        Err(Status::unimplemented("a fake unit has no repository"))
    }

    async fn server_live(
        &self,
        _: Request<ServerLiveRequest>,
    ) -> Result<Response<ServerLiveResponse>, Status> {
        Ok(Response::new(ServerLiveResponse { live: true }))
    }

    async fn server_ready(
        &self,
        _: Request<ServerReadyRequest>,
    ) -> Result<Response<ServerReadyResponse>, Status> {
        Ok(Response::new(ServerReadyResponse { ready: !self.fail }))
    }

    async fn model_ready(
        &self,
        request: Request<ModelReadyRequest>,
    ) -> Result<Response<ModelReadyResponse>, Status> {
        let ready = request.get_ref().name == self.name && !self.fail;
        Ok(Response::new(ModelReadyResponse { ready }))
    }

    async fn server_metadata(
        &self,
        _: Request<ServerMetadataRequest>,
    ) -> Result<Response<ServerMetadataResponse>, Status> {
        Err(Status::unimplemented("not asked of units"))
    }

    async fn model_metadata(
        &self,
        request: Request<ModelMetadataRequest>,
    ) -> Result<Response<ModelMetadataResponse>, Status> {
        Ok(Response::new(ModelMetadataResponse {
            name: format!("{} says {}", self.name, request.get_ref().name),
            platform: "fake".to_owned(),
            ..ModelMetadataResponse::default()
        }))
    }

    async fn model_infer(
        &self,
        request: Request<ModelInferRequest>,
    ) -> Result<Response<ModelInferResponse>, Status> {
        let message = request.get_ref();
        let values = v2_values(message)?;
        let raw = !message.raw_input_contents.is_empty();
        self.record(&request, &message.model_name.clone(), values.clone())
            .await;
        let mut response = ModelInferResponse {
            model_name: self.name.clone(),
            id: message.id.clone(),
            ..ModelInferResponse::default()
        };
        for (name, values) in values {
            let added: Vec<f32> = values.iter().map(|x| x + self.add).collect();
            let mut output = InferOutputTensor {
                name,
                datatype: "FP32".to_owned(),
                shape: vec![1, i64::try_from(added.len()).unwrap()],
                ..InferOutputTensor::default()
            };
            if raw {
                response
                    .raw_output_contents
                    .push(added.iter().flat_map(|x| x.to_le_bytes()).collect());
            } else {
                output.contents = Some(InferTensorContents {
                    fp32_contents: added,
                    ..InferTensorContents::default()
                });
            }
            response.outputs.push(output);
        }
        Ok(Response::new(response))
    }
}

struct Unit {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
    _stop: oneshot::Sender<()>,
}

impl Unit {
    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

async fn start_unit_with(name: &str, add: f32, fail: bool, delay: Duration) -> Unit {
    let seen = Arc::default();
    let unit = FakeUnit {
        name: name.to_owned(),
        add,
        fail,
        delay,
        seen: Arc::clone(&seen),
    };
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(PredictionServiceServer::new(unit.clone()))
            .add_service(ModelServiceServer::new(unit.clone()))
            .add_service(GrpcInferenceServiceServer::new(unit))
            .serve_with_incoming_shutdown(
                tonic::transport::server::TcpIncoming::from(listener),
                async {
                    let _ = stopped.await;
                },
            ),
    );
    Unit {
        addr,
        seen,
        _stop: stop,
    }
}

async fn start_unit(name: &str, add: f32) -> Unit {
    start_unit_with(name, add, false, Duration::ZERO).await
}

#[allow(clippy::needless_pass_by_value)] // callers build the list inline
fn node(name: &str, kind: &str, port: u16, children: Vec<Value>) -> Value {
    json!({
        "name": name,
        "type": kind,
        "endpoint": {"service_host": "127.0.0.1", "service_port": port, "httpPort": 1,
                     "grpcPort": port, "type": "GRPC"},
        "children": children,
    })
}

struct Engine {
    channel: Channel,
    _stop: oneshot::Sender<()>,
}

async fn start_engine(
    graph: &Value,
    protocol: ProtocolKind,
    adjust: impl FnOnce(&mut Config),
) -> Engine {
    let predictor = Predictor::from_engine_predictor(&engine_predictor(graph)).unwrap();
    let mut config = Config::new("dep", "ns", predictor, protocol);
    adjust(&mut config);
    let grpc = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = grpc.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(async move {
        serve(config, None, Some(grpc), async {
            let _ = stopped.await;
        })
        .await
        .unwrap();
    });
    let channel = tonic::transport::Endpoint::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect_lazy();
    Engine {
        channel,
        _stop: stop,
    }
}

impl Engine {
    fn tf(&self) -> PredictionServiceClient<Channel> {
        PredictionServiceClient::new(self.channel.clone())
    }

    fn v2(&self) -> GrpcInferenceServiceClient<Channel> {
        GrpcInferenceServiceClient::new(self.channel.clone())
    }

    /// Sends raw bytes as a gRPC message to `path`.
    async fn raw(&self, path: &'static str, body: Vec<u8>) -> Status {
        let mut grpc = tonic::client::Grpc::new(self.channel.clone());
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
}

/// A request with the metadata SeldonClient sends with every call.
fn with_seldon_metadata<T>(message: T) -> Request<T> {
    let mut request = Request::new(message);
    request
        .metadata_mut()
        .insert("seldon", "dep".parse().unwrap());
    request
        .metadata_mut()
        .insert("namespace", "ns".parse().unwrap());
    request
}

fn tf_request(model: &str, values: &[f32]) -> PredictRequest {
    PredictRequest {
        model_spec: spec(model),
        inputs: HashMap::from([("x".to_owned(), floats(values))]),
        ..PredictRequest::default()
    }
}

#[tokio::test]
async fn tensorflow_predict_chains_each_response_into_the_next_request() {
    let t = start_unit("t", 10.0).await;
    let m = start_unit("m", 100.0).await;
    let o = start_unit("o", 1000.0).await;
    let graph = node(
        "o",
        "OUTPUT_TRANSFORMER",
        o.addr.port(),
        vec![node(
            "t",
            "TRANSFORMER",
            t.addr.port(),
            vec![node("m", "MODEL", m.addr.port(), vec![])],
        )],
    );
    let engine = start_engine(&graph, ProtocolKind::Tensorflow, |_| {}).await;
    let mut request = with_seldon_metadata(tf_request("mymodel", &[1.0, 2.0]));
    request
        .metadata_mut()
        .insert("seldon-puid", "my-puid".parse().unwrap());
    let reply = engine.tf().predict(request).await.unwrap();
    assert_eq!(reply.metadata().get("seldon-puid").unwrap(), "my-puid");
    let outputs = &reply.get_ref().outputs;
    assert_eq!(outputs["x"].float_val, vec![1111.0, 1112.0]);
    let seen = |unit: &Unit| unit.seen().into_iter().next().unwrap();
    // The client's request reaches the first unit as sent; the next ones get the previous
    // unit's outputs as inputs, under the model name the client asked for.
    assert_eq!(
        seen(&t),
        Seen {
            unit: "t".into(),
            model: "mymodel".into(),
            inputs: vec![("x".into(), vec![1.0, 2.0])],
            seldon: "dep".into(),
            puid: "my-puid".into(),
        }
    );
    assert_eq!(seen(&m).inputs, vec![("x".into(), vec![11.0, 12.0])]);
    assert_eq!(seen(&m).model, "mymodel");
    assert_eq!(seen(&o).inputs, vec![("x".into(), vec![111.0, 112.0])]);
    assert_eq!(seen(&o).puid, "my-puid");
}

#[tokio::test]
async fn tensorflow_metadata_and_status_go_to_the_unit_named_in_the_request() {
    let t = start_unit("t", 0.0).await;
    let m = start_unit("m", 0.0).await;
    let graph = node(
        "t",
        "TRANSFORMER",
        t.addr.port(),
        vec![node("m", "MODEL", m.addr.port(), vec![])],
    );
    let engine = start_engine(&graph, ProtocolKind::Tensorflow, |_| {}).await;
    let metadata = engine
        .tf()
        .get_model_metadata(with_seldon_metadata(GetModelMetadataRequest {
            model_spec: spec("m"),
            metadata_field: vec!["signature_def".into()],
        }))
        .await
        .unwrap();
    assert_eq!(metadata.get_ref().model_spec, spec("m says m"));
    let status = ModelServiceClient::new(engine.channel.clone())
        .get_model_status(GetModelStatusRequest {
            model_spec: spec("t"),
        })
        .await
        .unwrap();
    assert_eq!(status.get_ref().model_version_status[0].version, 7);
    assert_eq!(t.seen().len(), 1);
    assert_eq!(m.seen().len(), 1);
    let missing = engine
        .tf()
        .get_model_metadata(GetModelMetadataRequest {
            model_spec: spec("nope"),
            metadata_field: vec![],
        })
        .await
        .unwrap_err();
    assert_eq!(missing.code(), Code::NotFound);
    assert_eq!(missing.message(), "Failed to find model nope");
    let unnamed = ModelServiceClient::new(engine.channel.clone())
        .get_model_status(GetModelStatusRequest { model_spec: None })
        .await
        .unwrap_err();
    assert_eq!(unnamed.code(), Code::InvalidArgument);
    assert!(unnamed.message().contains("model_spec"), "{unnamed:?}");
}

#[tokio::test]
async fn tensorflow_classify_is_forwarded_but_not_chained() {
    let m = start_unit("m", 0.5).await;
    let single = start_engine(
        &node("m", "MODEL", m.addr.port(), vec![]),
        ProtocolKind::Tensorflow,
        |_| {},
    )
    .await;
    let reply = single
        .tf()
        .classify(ClassificationRequest {
            model_spec: spec("m"),
            input: None,
        })
        .await
        .unwrap();
    let classes = &reply.get_ref().result.as_ref().unwrap().classifications[0].classes;
    assert_eq!(classes[0].label, "m");
    let regress = single
        .tf()
        .regress(RegressionRequest::default())
        .await
        .unwrap_err();
    assert_eq!(regress.code(), Code::Unimplemented);
    assert_eq!(regress.message(), "unit `m`: no regression here");

    let t = start_unit("t", 0.0).await;
    let chain = start_engine(
        &node(
            "t",
            "TRANSFORMER",
            t.addr.port(),
            vec![node("m", "MODEL", m.addr.port(), vec![])],
        ),
        ProtocolKind::Tensorflow,
        |_| {},
    )
    .await;
    let status = chain
        .tf()
        .classify(ClassificationRequest {
            model_spec: spec("m"),
            input: None,
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unimplemented);
    assert!(
        status.message().starts_with("unit `m`: a Classify result"),
        "{status:?}"
    );
}

#[tokio::test]
async fn tensorflow_routers_and_combiners_are_unimplemented_with_a_message() {
    let m = start_unit("m", 0.0).await;
    let graph = node(
        "r",
        "ROUTER",
        m.addr.port(),
        vec![node("m", "MODEL", m.addr.port(), vec![])],
    );
    let engine = start_engine(&graph, ProtocolKind::Tensorflow, |_| {}).await;
    let status = engine
        .tf()
        .predict(tf_request("m", &[1.0]))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unimplemented);
    assert!(status.message().contains("unit `r`"), "{status:?}");
    assert!(m.seen().is_empty());
}

#[tokio::test]
async fn tensorflow_unit_errors_timeouts_limits_and_bad_input_are_statuses() {
    let failing = start_unit_with("m", 0.0, true, Duration::ZERO).await;
    let engine = start_engine(
        &node("m", "MODEL", failing.addr.port(), vec![]),
        ProtocolKind::Tensorflow,
        |config| config.grpc_max_message_size = 1024,
    )
    .await;
    let status = engine
        .tf()
        .predict(tf_request("m", &[1.0]))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(status.message(), "unit `m`: unit says no");
    // seldon.io/grpc-max-message-size caps what the executor accepts.
    let big = engine
        .tf()
        .predict(tf_request("m", &[1.0; 1000]))
        .await
        .unwrap_err();
    // tonic's code for a message over the decoding limit (gRPC-Go says RESOURCE_EXHAUSTED).
    assert!(
        matches!(big.code(), Code::OutOfRange | Code::ResourceExhausted),
        "{big:?}"
    );
    assert!(big.message().contains("1024"), "{big:?}");
    let unknown = engine
        .raw(
            "/tensorflow.serving.PredictionService/MultiInference",
            vec![],
        )
        .await;
    assert_eq!(unknown.code(), Code::Unimplemented);
    assert!(
        unknown
            .message()
            .contains("/tensorflow.serving.PredictionService/MultiInference"),
        "{unknown:?}"
    );
    // Field 1 (model_spec) as a length-delimited field longer than the message.
    let malformed = engine
        .raw(
            "/tensorflow.serving.PredictionService/Predict",
            vec![0x0a, 0x7f, 0x01],
        )
        .await;
    assert_eq!(malformed.code(), Code::Internal, "{malformed:?}");
    assert_eq!(failing.seen().len(), 1, "bad input reached the unit");

    // seldon.io/grpc-timeout bounds each unit call.
    let slow = start_unit_with("m", 0.0, false, Duration::from_secs(30)).await;
    let engine = start_engine(
        &node("m", "MODEL", slow.addr.port(), vec![]),
        ProtocolKind::Tensorflow,
        |config| config.grpc_timeout = Duration::from_millis(200),
    )
    .await;
    let started = std::time::Instant::now();
    let status = engine
        .tf()
        .predict(tf_request("m", &[1.0]))
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(
        matches!(status.code(), Code::Cancelled | Code::DeadlineExceeded),
        "{status:?}"
    );
    assert!(status.message().starts_with("unit `m`"), "{status:?}");

    // A unit with nothing listening.
    let dead = closed_port().await;
    let engine = start_engine(
        &node("m", "MODEL", dead.port(), vec![]),
        ProtocolKind::Tensorflow,
        |_| {},
    )
    .await;
    let status = engine
        .tf()
        .predict(tf_request("m", &[1.0]))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unavailable, "{status:?}");
}

fn heldout() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/tfserving-mnist/heldout.json"
    );
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[allow(clippy::cast_possible_truncation)] // the heldout images are f32 data
fn image(heldout: &Value, index: usize) -> Vec<f32> {
    heldout["inputs"][index]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap() as f32)
        .collect()
}

#[tokio::test]
async fn tensorflow_engine_over_the_builtin_model_server_matches_tensorflow() {
    let models = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/tfserving-mnist/models/tf1"
    );
    let config = model_server::Config {
        models: vec![model_server::ModelConfig {
            name: "mnist-model".into(),
            base_path: models.into(),
            version_policy: model_server::VersionPolicy::Latest { num_versions: 1 },
            version_labels: std::collections::BTreeMap::new(),
        }],
        poll_interval: None,
        max_body_bytes: model_server::DEFAULT_MAX_BODY_BYTES,
        events: None,
    };
    let rest = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let grpc = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = grpc.local_addr().unwrap().port();
    let (_stop_server, stopped) = oneshot::channel::<()>();
    tokio::spawn(model_server::serve_all(config, rest, Some(grpc), async {
        let _ = stopped.await;
    }));
    let engine = start_engine(
        &node("mnist-model", "MODEL", port, vec![]),
        ProtocolKind::Tensorflow,
        |_| {},
    )
    .await;
    let heldout = heldout();
    for index in [0, 1, 359] {
        let mut request = tf_request("mnist-model", &[]);
        request.model_spec.as_mut().unwrap().signature_name = "predict_images".into();
        request.inputs = HashMap::from([("images".to_owned(), floats(&image(&heldout, index)))]);
        let reply = engine
            .tf()
            .predict(with_seldon_metadata(request))
            .await
            .unwrap();
        let scores = &reply.get_ref().outputs["scores"];
        let expected = heldout["models"]["tf1"]["scores"][index]
            .as_array()
            .unwrap();
        assert_eq!(scores.float_val.len(), expected.len());
        for (got, want) in scores.float_val.iter().zip(expected) {
            assert!(
                (f64::from(*got) - want.as_f64().unwrap()).abs() <= 1e-5,
                "image {index}: {got} vs {want}"
            );
        }
    }
    let mut wrong = tf_request("mnist-model", &[]);
    wrong.model_spec.as_mut().unwrap().signature_name = "predict_images".into();
    wrong.inputs = HashMap::from([("images".to_owned(), floats(&[0.5; 783]))]);
    let status = engine.tf().predict(wrong).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(
        status.message().starts_with("unit `mnist-model`: ") && status.message().contains("783"),
        "{status:?}"
    );
    let metadata = engine
        .tf()
        .get_model_metadata(GetModelMetadataRequest {
            model_spec: spec("mnist-model"),
            metadata_field: vec!["signature_def".into()],
        })
        .await
        .unwrap();
    assert!(metadata.get_ref().metadata.contains_key("signature_def"));
    let status = ModelServiceClient::new(engine.channel.clone())
        .get_model_status(GetModelStatusRequest {
            model_spec: spec("mnist-model"),
        })
        .await
        .unwrap();
    assert_eq!(status.get_ref().model_version_status[0].state, 30); // AVAILABLE
}

fn v2_request(model: &str, values: &[f32], raw: bool) -> ModelInferRequest {
    let mut input = InferInputTensor {
        name: "x".into(),
        datatype: "FP32".into(),
        shape: vec![1, i64::try_from(values.len()).unwrap()],
        ..InferInputTensor::default()
    };
    let mut request = ModelInferRequest {
        model_name: model.into(),
        id: "req-1".into(),
        ..ModelInferRequest::default()
    };
    if raw {
        request
            .raw_input_contents
            .push(values.iter().flat_map(|x| x.to_le_bytes()).collect());
    } else {
        input.contents = Some(InferTensorContents {
            fp32_contents: values.to_vec(),
            ..InferTensorContents::default()
        });
    }
    request.inputs.push(input);
    request
}

fn v2_floats(response: &ModelInferResponse) -> Vec<f32> {
    match response.raw_output_contents.first() {
        Some(raw) => raw
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect(),
        None => response.outputs[0].contents.clone().unwrap().fp32_contents,
    }
}

#[tokio::test]
async fn v2_infer_chains_typed_and_raw_contents_through_the_graph() {
    let t = start_unit("t", 10.0).await;
    let m = start_unit("m", 100.0).await;
    let graph = node(
        "t",
        "TRANSFORMER",
        t.addr.port(),
        vec![node("m", "MODEL", m.addr.port(), vec![])],
    );
    let engine = start_engine(&graph, ProtocolKind::V2, |_| {}).await;
    for raw in [false, true] {
        let reply = engine
            .v2()
            .model_infer(with_seldon_metadata(v2_request(
                "mymodel",
                &[1.0, 2.0],
                raw,
            )))
            .await
            .unwrap();
        assert_eq!(v2_floats(reply.get_ref()), vec![111.0, 112.0], "raw: {raw}");
        assert_eq!(reply.get_ref().id, "req-1");
        assert_eq!(reply.get_ref().outputs[0].name, "x");
    }
    let seen = m.seen();
    assert_eq!(seen.len(), 2);
    for call in seen {
        assert_eq!(call.model, "mymodel");
        assert_eq!(call.inputs, vec![("x".into(), vec![11.0, 12.0])]);
        assert_eq!(call.seldon, "dep");
        assert!(!call.puid.is_empty());
    }
    // A unit's refusal keeps its code, prefixed with the unit.
    let mut wrong = v2_request("mymodel", &[1.0], false);
    wrong.inputs[0].datatype = "INT32".into();
    let status = engine.v2().model_infer(wrong).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(
        status.message(),
        "unit `t`: input `x` is INT32, this model takes FP32"
    );
    let unknown = engine
        .raw("/inference.GRPCInferenceService/ModelStreamInfer", vec![])
        .await;
    assert_eq!(unknown.code(), Code::Unimplemented);
    assert!(
        unknown.message().contains("ModelStreamInfer"),
        "{unknown:?}"
    );
}

#[tokio::test]
#[allow(
    clippy::too_many_lines,
    reason = "one engine per readiness case, each checked in turn"
)]
async fn v2_liveness_readiness_and_metadata() {
    let t = start_unit("t", 0.0).await;
    let m = start_unit("m", 0.0).await;
    let graph = node(
        "t",
        "TRANSFORMER",
        t.addr.port(),
        vec![node("m", "MODEL", m.addr.port(), vec![])],
    );
    let engine = start_engine(&graph, ProtocolKind::V2, |_| {}).await;
    let mut client = engine.v2();
    assert!(
        client
            .server_live(ServerLiveRequest {})
            .await
            .unwrap()
            .get_ref()
            .live
    );
    assert!(
        client
            .server_ready(ServerReadyRequest {})
            .await
            .unwrap()
            .get_ref()
            .ready
    );
    let ready = client
        .model_ready(ModelReadyRequest {
            name: "m".into(),
            version: String::new(),
        })
        .await
        .unwrap();
    assert!(ready.get_ref().ready);
    let metadata = client
        .model_metadata(ModelMetadataRequest {
            name: "t".into(),
            version: String::new(),
        })
        .await
        .unwrap();
    assert_eq!(metadata.get_ref().name, "t says t");
    let missing = client
        .model_metadata(ModelMetadataRequest {
            name: "nope".into(),
            version: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(missing.code(), Code::NotFound);
    let server = client
        .server_metadata(ServerMetadataRequest {})
        .await
        .unwrap();
    assert!(!server.get_ref().name.is_empty());

    // One unit not ready, or not there: the engine is not ready.
    let unready = start_unit_with("m", 0.0, true, Duration::ZERO).await;
    let engine = start_engine(
        &node(
            "t",
            "TRANSFORMER",
            t.addr.port(),
            vec![node("m", "MODEL", unready.addr.port(), vec![])],
        ),
        ProtocolKind::V2,
        |_| {},
    )
    .await;
    assert!(
        !engine
            .v2()
            .server_ready(ServerReadyRequest {})
            .await
            .unwrap()
            .get_ref()
            .ready
    );
    let dead = closed_port().await;
    let engine = start_engine(
        &node("m", "MODEL", dead.port(), vec![]),
        ProtocolKind::V2,
        |_| {},
    )
    .await;
    let mut client = engine.v2();
    assert!(
        client
            .server_live(ServerLiveRequest {})
            .await
            .unwrap()
            .get_ref()
            .live
    );
    assert!(
        !client
            .server_ready(ServerReadyRequest {})
            .await
            .unwrap()
            .get_ref()
            .ready
    );
    let status = client
        .model_ready(ModelReadyRequest {
            name: "m".into(),
            version: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unavailable);
}
