//! The proxy's gRPC API on `PREDICTIVE_UNIT_GRPC_SERVICE_PORT` (9500): the Seldon `Model`
//! service, plus the wrapper's identity `Transformer` and `OutputTransformer`, as upstream's
//! `TfServingProxy` serves them under the Python wrapper's gRPC server (spec §3.4).
//!
//! With `grpc_endpoint` (the operator always sets it) a prediction goes to TF Serving over gRPC:
//! a `tftensor` passes through untouched into `inputs[model_input]` and the reply's `tftensor`
//! is `outputs[model_output]`; `tensor` and `ndarray` become a `DT_FLOAT` tensor, as upstream's
//! `make_tensor_proto` of a float64 array does, and the reply comes back in the request's kind;
//! `customData` carries a packed `PredictRequest` and gets a packed `PredictResponse`. Two things
//! differ from upstream, each where upstream fails: `model_input`/`model_output` may be left out
//! when the signature has exactly one input/output (upstream indexes the map with `None`), and
//! the reply keeps the output's shape (upstream flattens a batch into one row). Without
//! `grpc_endpoint`, the message goes through the REST path unchanged in meaning.

use std::future::Future;
use std::sync::Arc;

use prost::Message as _;
use prost_types::{Any, ListValue, Value, value::Kind};
use tokio::net::TcpListener;
use tokio::sync::OnceCell;
use tonic::transport::{Channel, Endpoint};
use tonic::{Request, Response, Status};

use super::{ProxyError, State, UnitError};
use crate::components::model_server::grpc::from_proto;
use crate::components::model_server::tensor::Values;
use crate::grpc::lazy::model_server::{Model, ModelServer};
use crate::grpc::lazy::output_transformer_server::{OutputTransformer, OutputTransformerServer};
use crate::grpc::lazy::transformer_server::{Transformer, TransformerServer};
use crate::grpc::tfserving::prediction_service_client::PredictionServiceClient;
use crate::protocol::grpc::json;
use crate::protocol::grpc::lazy::{DataKind, LazyFeedback, LazyMessage, Payload, data_as_tensor};
use crate::protocol::grpc::seldon::protos::{
    DefaultData, Meta, SeldonMessage, SeldonModelMetadata, Tensor, default_data,
};
use crate::protocol::grpc::tensorflow::TensorProto;
use crate::protocol::grpc::tensorflow::serving::{
    GetModelMetadataRequest, ModelSpec, PredictRequest, PredictResponse, SignatureDefMap,
};

const PREDICT_REQUEST_URL: &str = "type.googleapis.com/tensorflow.serving.PredictRequest";
const PREDICT_RESPONSE_URL: &str = "type.googleapis.com/tensorflow.serving.PredictResponse";

/// TF Serving's gRPC side: the lazily connected client and the tensor names to use.
#[derive(Debug)]
pub struct TfGrpc {
    client: PredictionServiceClient<Channel>,
    model_input: Option<String>,
    model_output: Option<String>,
    /// The names found in the signature when the parameters leave them out.
    discovered: OnceCell<(String, String)>,
}

impl TfGrpc {
    /// A client of TF Serving at `endpoint` (`host:port`, as upstream's `grpc_endpoint`).
    pub fn new(
        endpoint: &str,
        model_input: Option<String>,
        model_output: Option<String>,
        state_timeout: std::time::Duration,
        max_message_bytes: usize,
    ) -> Result<Self, ProxyError> {
        let uri = if endpoint.contains("://") {
            endpoint.to_owned()
        } else {
            format!("http://{endpoint}")
        };
        let channel = Endpoint::from_shared(uri)
            .map_err(|error| ProxyError::GrpcEndpoint {
                endpoint: endpoint.to_owned(),
                problem: error.to_string(),
            })?
            .tcp_nodelay(true)
            .timeout(state_timeout)
            .connect_lazy();
        Ok(Self {
            client: PredictionServiceClient::new(channel)
                .max_decoding_message_size(max_message_bytes)
                .max_encoding_message_size(max_message_bytes),
            model_input,
            model_output,
            discovered: OnceCell::new(),
        })
    }
}

/// The gRPC services over the proxy's shared state.
#[derive(Clone)]
pub struct ProxyGrpc {
    state: Arc<State>,
}

/// Serves the gRPC API on `listener` until `shutdown` resolves.
pub async fn serve(
    state: Arc<State>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ProxyError> {
    let limit = state.config.body_limit;
    let service = ProxyGrpc { state };
    let routes = tonic::service::Routes::new(
        ModelServer::new(service.clone()).max_decoding_message_size(limit),
    )
    .add_service(TransformerServer::new(service.clone()).max_decoding_message_size(limit))
    .add_service(OutputTransformerServer::new(service).max_decoding_message_size(limit));
    let incoming = tonic::transport::server::TcpIncoming::from(listener).with_nodelay(Some(true));
    tonic::transport::Server::builder()
        .add_routes(crate::grpc::with_unknown_method_answer(
            routes,
            "the tfserving proxy",
        ))
        .serve_with_incoming_shutdown(incoming, shutdown)
        .await
        .map_err(ProxyError::Grpc)
}

/// A unit error as the gRPC status a client sees: the wrapper's info as the message.
fn status_of(error: UnitError) -> Status {
    let code = match error.status.as_u16() {
        400 | 422 => tonic::Code::InvalidArgument,
        404 => tonic::Code::NotFound,
        413 => tonic::Code::ResourceExhausted,
        502..=504 => tonic::Code::Unavailable,
        _ => tonic::Code::Internal,
    };
    Status::new(code, error.info)
}

fn invalid(message: impl Into<String>) -> Status {
    Status::invalid_argument(message.into())
}

#[tonic::async_trait]
impl Model for ProxyGrpc {
    async fn predict(
        &self,
        request: Request<LazyMessage>,
    ) -> Result<Response<LazyMessage>, Status> {
        let message = request.into_inner();
        let reply = match &self.state.tf_grpc {
            Some(tf) => predict_over_grpc(&self.state, tf, message).await?,
            None => predict_over_rest(&self.state, &message).await?,
        };
        Ok(Response::new(reply))
    }

    async fn send_feedback(
        &self,
        request: Request<LazyFeedback>,
    ) -> Result<Response<LazyMessage>, Status> {
        let feedback = request.into_inner();
        let tensor = feedback.request.as_ref().is_some_and(|r| match &r.payload {
            Some(Payload::Data(bytes)) => {
                matches!(data_as_tensor(bytes), Ok((DataKind::Tensor, _)))
            }
            _ => false,
        });
        let data = if tensor {
            default_data::DataOneof::Tensor(Tensor {
                shape: vec![0],
                values: Vec::new(),
            })
        } else {
            default_data::DataOneof::Ndarray(ListValue { values: Vec::new() })
        };
        let meta = reply_meta(
            &self.state,
            feedback.request.as_ref().and_then(|r| r.meta.as_ref()),
        );
        Ok(Response::new(data_reply(meta, data)))
    }

    async fn metadata(
        &self,
        _request: Request<()>,
    ) -> Result<Response<SeldonModelMetadata>, Status> {
        let image = self.state.config.unit_image.as_deref().unwrap_or("");
        let (name, versions) = match image.rsplit_once(':') {
            Some((name, version)) => (name, vec![version.to_owned()]),
            None => (image, Vec::new()),
        };
        Ok(Response::new(SeldonModelMetadata {
            name: name.to_owned(),
            versions,
            ..SeldonModelMetadata::default()
        }))
    }
}

#[tonic::async_trait]
impl Transformer for ProxyGrpc {
    async fn transform_input(
        &self,
        request: Request<LazyMessage>,
    ) -> Result<Response<LazyMessage>, Status> {
        Ok(Response::new(identity(&self.state, request.into_inner())))
    }
}

#[tonic::async_trait]
impl OutputTransformer for ProxyGrpc {
    async fn transform_output(
        &self,
        request: Request<LazyMessage>,
    ) -> Result<Response<LazyMessage>, Status> {
        Ok(Response::new(identity(&self.state, request.into_inner())))
    }
}

/// The wrapper's default transform: the payload back untouched, with this unit in `meta`.
fn identity(state: &State, mut message: LazyMessage) -> LazyMessage {
    message.meta = Some(reply_meta(state, message.meta.as_ref()));
    message.status = None;
    message
}

/// `meta` of a reply: the request's puid and tags, and this unit added to `requestPath`, as
/// the REST path answers.
fn reply_meta(state: &State, request: Option<&Meta>) -> Meta {
    let mut meta = request.cloned().unwrap_or_default();
    meta.routing.clear();
    meta.metrics.clear();
    if let Some((id, image)) = state.config.unit() {
        meta.request_path.insert(id.to_owned(), image.to_owned());
    }
    meta
}

/// A reply carrying `data`.
fn data_reply(meta: Meta, data: default_data::DataOneof) -> LazyMessage {
    let data = DefaultData {
        names: Vec::new(),
        data_oneof: Some(data),
    };
    LazyMessage {
        status: None,
        meta: Some(meta),
        payload: Some(Payload::Data(data.encode_to_vec().into())),
    }
}

/// Without `grpc_endpoint`: the message through the REST path, in its JSON form.
async fn predict_over_rest(state: &State, message: &LazyMessage) -> Result<LazyMessage, Status> {
    let message = message
        .decode_payload()
        .map_err(|e| invalid(format!("the message's payload is malformed: {e}")))?;
    let body = json::to_json(&message).map_err(|e| Status::internal(e.to_string()))?;
    let reply = super::predict_bytes(state, &body.into())
        .await
        .map_err(status_of)?;
    let reply: SeldonMessage =
        json::from_json(&reply).map_err(|e| Status::internal(format!("the proxy's reply: {e}")))?;
    LazyMessage::decode(reply.encode_to_vec().as_slice())
        .map_err(|e| Status::internal(format!("the proxy's reply: {e}")))
}

async fn predict_over_grpc(
    state: &State,
    tf: &TfGrpc,
    message: LazyMessage,
) -> Result<LazyMessage, Status> {
    let meta = reply_meta(state, message.meta.as_ref());
    let data = match message.payload {
        Some(Payload::Data(data)) => data,
        Some(Payload::CustomData(any)) => {
            let any = Any::decode(any.as_ref())
                .map_err(|e| invalid(format!("customData is not a google.protobuf.Any: {e}")))?;
            return predict_packed(state, tf, any, meta).await;
        }
        _ => {
            return Err(invalid(
                "strData, binData and jsonData not supported over gRPC: send `data` or `customData` (or use REST)",
            ));
        }
    };
    let (kind, tensor) = data_as_tensor(&data).map_err(|e| invalid(e.to_string()))?;
    let (input, output) = tensor_names(state, tf).await?;
    let mut request = PredictRequest {
        model_spec: Some(model_spec(state)),
        ..PredictRequest::default()
    };
    request.inputs.insert(input, tensor);
    let mut response = call_predict(state, tf, request).await?;
    let result = response.outputs.remove(&output).ok_or_else(|| {
        Status::internal(format!(
            "TensorFlow Serving's reply has no output `{output}` (it has {:?}); set the `model_output` parameter",
            response.outputs.keys().collect::<Vec<_>>()
        ))
    })?;
    let data = match kind {
        DataKind::TfTensor => default_data::DataOneof::Tftensor(result),
        DataKind::Tensor | DataKind::Ndarray => {
            let (shape, values) = numbers(&result, state.config.body_limit)?;
            if kind == DataKind::Tensor {
                default_data::DataOneof::Tensor(Tensor {
                    shape: shape
                        .iter()
                        .map(|&d| i32::try_from(d).unwrap_or(i32::MAX))
                        .collect(),
                    values,
                })
            } else {
                default_data::DataOneof::Ndarray(nested(&shape, &values))
            }
        }
    };
    Ok(data_reply(meta, data))
}

fn model_spec(state: &State) -> ModelSpec {
    ModelSpec {
        name: state.config.model_name.clone(),
        signature_name: state.config.signature_name.clone(),
        ..ModelSpec::default()
    }
}

async fn call_predict(
    state: &State,
    tf: &TfGrpc,
    request: PredictRequest,
) -> Result<PredictResponse, Status> {
    let mut client = tf.client.clone();
    client
        .predict(request)
        .await
        .map(Response::into_inner)
        .map_err(|status| tf_status(state, &status))
}

/// TF Serving's status, its code kept, its message saying where it came from when the call
/// itself failed.
fn tf_status(state: &State, status: &Status) -> Status {
    match status.code() {
        tonic::Code::Unavailable | tonic::Code::DeadlineExceeded | tonic::Code::Unknown => {
            Status::new(
                status.code(),
                format!(
                    "failed to call TensorFlow Serving over gRPC for model `{}`: {}",
                    state.config.model_name,
                    status.message()
                ),
            )
        }
        code => Status::new(code, status.message().to_owned()),
    }
}

/// `customData` holding a packed `PredictRequest`: forwarded as it is (the model spec filled
/// where it is empty), the `PredictResponse` packed into the reply's `customData`.
async fn predict_packed(
    state: &State,
    tf: &TfGrpc,
    any: Any,
    meta: Meta,
) -> Result<LazyMessage, Status> {
    if any.type_url != PREDICT_REQUEST_URL {
        return Err(invalid(format!(
            "customData must be a packed tensorflow.serving.PredictRequest, not `{}`",
            any.type_url
        )));
    }
    let mut request = PredictRequest::decode(any.value.as_slice())
        .map_err(|e| invalid(format!("customData is not a PredictRequest: {e}")))?;
    if request
        .model_spec
        .as_ref()
        .is_none_or(|s| s.name.is_empty())
    {
        request.model_spec = Some(model_spec(state));
    }
    let response = call_predict(state, tf, request).await?;
    let packed = Any {
        type_url: PREDICT_RESPONSE_URL.to_owned(),
        value: response.encode_to_vec(),
    };
    Ok(LazyMessage {
        status: None,
        meta: Some(meta),
        payload: Some(Payload::CustomData(packed.encode_to_vec().into())),
    })
}

/// The input and output tensor names: the parameters, else the signature's only ones.
async fn tensor_names(state: &State, tf: &TfGrpc) -> Result<(String, String), Status> {
    if let (Some(input), Some(output)) = (&tf.model_input, &tf.model_output) {
        return Ok((input.clone(), output.clone()));
    }
    let discovered = tf
        .discovered
        .get_or_try_init(|| discover_names(state, tf))
        .await?;
    Ok((
        tf.model_input
            .clone()
            .unwrap_or_else(|| discovered.0.clone()),
        tf.model_output
            .clone()
            .unwrap_or_else(|| discovered.1.clone()),
    ))
}

async fn discover_names(state: &State, tf: &TfGrpc) -> Result<(String, String), Status> {
    let signature_name = &state.config.signature_name;
    let mut client = tf.client.clone();
    let metadata = client
        .get_model_metadata(GetModelMetadataRequest {
            model_spec: Some(model_spec(state)),
            metadata_field: vec!["signature_def".to_owned()],
        })
        .await
        .map_err(|status| tf_status(state, &status))?
        .into_inner();
    let map = metadata
        .metadata
        .get("signature_def")
        .and_then(|any| SignatureDefMap::decode(any.value.as_slice()).ok())
        .ok_or_else(|| Status::internal("TensorFlow Serving's metadata has no signature_def"))?;
    let signature = map.signature_def.get(signature_name).ok_or_else(|| {
        Status::failed_precondition(format!(
            "model `{}` has no signature `{signature_name}` (it has {:?})",
            state.config.model_name,
            map.signature_def.keys().collect::<Vec<_>>()
        ))
    })?;
    let only = |names: Vec<&String>, what: &str, parameter: &str| match names.as_slice() {
        [one] => Ok((*one).clone()),
        _ => Err(Status::failed_precondition(format!(
            "signature `{signature_name}` has {} {what}s ({names:?}): set the `{parameter}` parameter to one of them",
            names.len()
        ))),
    };
    Ok((
        only(signature.inputs.keys().collect(), "input", "model_input")?,
        only(signature.outputs.keys().collect(), "output", "model_output")?,
    ))
}

/// A numeric TensorProto as its shape (a 1-D result made one row, as upstream does) and its
/// values as f64.
fn numbers(tensor: &TensorProto, max_bytes: usize) -> Result<(Vec<usize>, Vec<f64>), Status> {
    let decoded = from_proto(tensor, max_bytes)
        .map_err(|e| Status::internal(format!("TensorFlow Serving's output: {e}")))?;
    let values: Vec<f64> = match decoded.values {
        Values::Float(v) => v.into_iter().map(f64::from).collect(),
        Values::Double(v) => v,
        Values::Int32(v) => v.into_iter().map(f64::from).collect(),
        Values::Uint8(v) => v.into_iter().map(f64::from).collect(),
        Values::Int16(v) => v.into_iter().map(f64::from).collect(),
        Values::Int8(v) => v.into_iter().map(f64::from).collect(),
        #[allow(clippy::cast_precision_loss, reason = "a Seldon tensor holds doubles")]
        Values::Int64(v) => v.into_iter().map(|x| x as f64).collect(),
        Values::Bool(v) => v.into_iter().map(|b| f64::from(u8::from(b))).collect(),
        Values::String(_) => {
            return Err(Status::failed_precondition(
                "the model answers strings, which a Seldon tensor or ndarray cannot hold: send a tftensor",
            ));
        }
    };
    let shape = if decoded.shape.len() == 1 {
        vec![1, decoded.shape[0]]
    } else {
        decoded.shape
    };
    Ok((shape, values))
}

/// Row-major `values` of `shape` as nested lists.
fn nested(shape: &[usize], values: &[f64]) -> ListValue {
    let number = |x: f64| Value {
        kind: Some(Kind::NumberValue(x)),
    };
    match shape {
        [] | [_] => ListValue {
            values: values.iter().copied().map(number).collect(),
        },
        [_, rest @ ..] => {
            let step = rest.iter().product::<usize>().max(1);
            ListValue {
                values: values
                    .chunks(step)
                    .map(|chunk| Value {
                        kind: Some(Kind::ListValue(nested(rest, chunk))),
                    })
                    .collect(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number(x: f64) -> Value {
        Value {
            kind: Some(Kind::NumberValue(x)),
        }
    }

    fn row(xs: &[f64]) -> Value {
        Value {
            kind: Some(Kind::ListValue(ListValue {
                values: xs.iter().copied().map(number).collect(),
            })),
        }
    }

    #[test]
    fn nested_rows_are_the_values_in_row_major_order() {
        let list = nested(&[2, 2], &[1.0, 2.5, 3.0, 4.0]);
        assert_eq!(list.values, [row(&[1.0, 2.5]), row(&[3.0, 4.0])]);
    }

    #[test]
    fn a_one_dimensional_result_becomes_one_row() {
        let proto = TensorProto {
            dtype: 1,
            tensor_shape: Some(crate::protocol::grpc::tensorflow::TensorShapeProto {
                dim: vec![crate::protocol::grpc::tensorflow::tensor_shape_proto::Dim {
                    size: 3,
                    name: String::new(),
                }],
                unknown_rank: false,
            }),
            float_val: vec![0.5, 1.0, 2.0],
            ..TensorProto::default()
        };
        let (shape, values) = numbers(&proto, 1 << 20).unwrap();
        assert_eq!(shape, [1, 3]);
        assert_eq!(values, [0.5, 1.0, 2.0]);
    }
}
