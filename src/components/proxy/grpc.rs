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
use crate::grpc::seldon::model_server::{Model, ModelServer};
use crate::grpc::seldon::output_transformer_server::{OutputTransformer, OutputTransformerServer};
use crate::grpc::seldon::transformer_server::{Transformer, TransformerServer};
use crate::grpc::tfserving::prediction_service_client::PredictionServiceClient;
use crate::protocol::grpc::json;
use crate::protocol::grpc::seldon::protos::{
    DefaultData, Feedback, Meta, SeldonMessage, SeldonModelMetadata, Tensor, default_data,
    seldon_message,
};
use crate::protocol::grpc::tensorflow::serving::{
    GetModelMetadataRequest, ModelSpec, PredictRequest, PredictResponse, SignatureDefMap,
};
use crate::protocol::grpc::tensorflow::{TensorProto, TensorShapeProto, tensor_shape_proto};

const PREDICT_REQUEST_URL: &str = "type.googleapis.com/tensorflow.serving.PredictRequest";
const PREDICT_RESPONSE_URL: &str = "type.googleapis.com/tensorflow.serving.PredictResponse";
const DT_FLOAT: i32 = 1;

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
        request: Request<SeldonMessage>,
    ) -> Result<Response<SeldonMessage>, Status> {
        let message = request.into_inner();
        let reply = match &self.state.tf_grpc {
            Some(tf) => predict_over_grpc(&self.state, tf, message).await?,
            None => predict_over_rest(&self.state, &message).await?,
        };
        Ok(Response::new(reply))
    }

    async fn send_feedback(
        &self,
        request: Request<Feedback>,
    ) -> Result<Response<SeldonMessage>, Status> {
        let feedback = request.into_inner();
        let tensor = feedback
            .request
            .as_ref()
            .and_then(|r| match &r.data_oneof {
                Some(seldon_message::DataOneof::Data(data)) => data.data_oneof.as_ref(),
                _ => None,
            })
            .is_some_and(|d| matches!(d, default_data::DataOneof::Tensor(_)));
        let data = if tensor {
            default_data::DataOneof::Tensor(Tensor {
                shape: vec![0],
                values: Vec::new(),
            })
        } else {
            default_data::DataOneof::Ndarray(ListValue { values: Vec::new() })
        };
        let meta = reply_meta(&self.state, feedback.request.as_ref());
        Ok(Response::new(SeldonMessage {
            meta: Some(meta),
            data_oneof: Some(seldon_message::DataOneof::Data(DefaultData {
                names: Vec::new(),
                data_oneof: Some(data),
            })),
            ..SeldonMessage::default()
        }))
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
        request: Request<SeldonMessage>,
    ) -> Result<Response<SeldonMessage>, Status> {
        Ok(Response::new(identity(&self.state, request.into_inner())))
    }
}

#[tonic::async_trait]
impl OutputTransformer for ProxyGrpc {
    async fn transform_output(
        &self,
        request: Request<SeldonMessage>,
    ) -> Result<Response<SeldonMessage>, Status> {
        Ok(Response::new(identity(&self.state, request.into_inner())))
    }
}

/// The wrapper's default transform: the payload back, with this unit in `meta`.
fn identity(state: &State, mut message: SeldonMessage) -> SeldonMessage {
    let meta = reply_meta(state, Some(&message));
    message.meta = Some(meta);
    message.status = None;
    message
}

/// `meta` of a reply: the request's puid and tags, and this unit added to `requestPath`, as
/// the REST path answers.
fn reply_meta(state: &State, request: Option<&SeldonMessage>) -> Meta {
    let mut meta = request.and_then(|r| r.meta.clone()).unwrap_or_default();
    meta.routing.clear();
    meta.metrics.clear();
    if let Some((id, image)) = state.config.unit() {
        meta.request_path.insert(id.to_owned(), image.to_owned());
    }
    meta
}

/// Without `grpc_endpoint`: the message through the REST path, in its JSON form.
async fn predict_over_rest(
    state: &State,
    message: &SeldonMessage,
) -> Result<SeldonMessage, Status> {
    let body = json::to_json(message).map_err(|e| Status::internal(e.to_string()))?;
    let reply = super::predict_bytes(state, &body)
        .await
        .map_err(status_of)?;
    json::from_json(&reply).map_err(|e| Status::internal(format!("the proxy's reply: {e}")))
}

async fn predict_over_grpc(
    state: &State,
    tf: &TfGrpc,
    message: SeldonMessage,
) -> Result<SeldonMessage, Status> {
    let meta = reply_meta(state, Some(&message));
    let data = match message.data_oneof {
        Some(seldon_message::DataOneof::Data(data)) => data,
        Some(seldon_message::DataOneof::CustomData(any)) => {
            return predict_packed(state, tf, any, meta).await;
        }
        _ => {
            return Err(invalid(
                "strData, binData and jsonData not supported over gRPC: send `data` or `customData` (or use REST)",
            ));
        }
    };
    let (input, output) = tensor_names(state, tf).await?;
    let (tensor, kind) = match data.data_oneof {
        Some(default_data::DataOneof::Tftensor(tensor)) => (tensor, Payload::TfTensor),
        Some(default_data::DataOneof::Tensor(tensor)) => (float_tensor(&tensor)?, Payload::Tensor),
        Some(default_data::DataOneof::Ndarray(list)) => (ndarray_tensor(&list)?, Payload::Ndarray),
        None => return Err(invalid("`data` holds none of tensor, ndarray and tftensor")),
    };
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
        Payload::TfTensor => default_data::DataOneof::Tftensor(result),
        Payload::Tensor | Payload::Ndarray => {
            let (shape, values) = numbers(&result, state.config.body_limit)?;
            if kind == Payload::Tensor {
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
    Ok(SeldonMessage {
        meta: Some(meta),
        data_oneof: Some(seldon_message::DataOneof::Data(DefaultData {
            names: Vec::new(),
            data_oneof: Some(data),
        })),
        ..SeldonMessage::default()
    })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Payload {
    TfTensor,
    Tensor,
    Ndarray,
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
) -> Result<SeldonMessage, Status> {
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
    Ok(SeldonMessage {
        meta: Some(meta),
        data_oneof: Some(seldon_message::DataOneof::CustomData(Any {
            type_url: PREDICT_RESPONSE_URL.to_owned(),
            value: response.encode_to_vec(),
        })),
        ..SeldonMessage::default()
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

fn shape_proto(shape: &[i64]) -> TensorShapeProto {
    TensorShapeProto {
        dim: shape
            .iter()
            .map(|&size| tensor_shape_proto::Dim {
                size,
                name: String::new(),
            })
            .collect(),
        unknown_rank: false,
    }
}

/// A Seldon `tensor` as a `DT_FLOAT` TensorProto.
fn float_tensor(tensor: &Tensor) -> Result<TensorProto, Status> {
    let shape: Vec<i64> = tensor.shape.iter().map(|&d| i64::from(d)).collect();
    let count = shape.iter().try_fold(1i64, |n, &d| {
        (d >= 0).then(|| n.saturating_mul(d)).ok_or(())
    });
    if count != Ok(i64::try_from(tensor.values.len()).unwrap_or(i64::MAX)) {
        return Err(invalid(format!(
            "tensor shape {:?} does not hold its {} values",
            tensor.shape,
            tensor.values.len()
        )));
    }
    Ok(TensorProto {
        dtype: DT_FLOAT,
        tensor_shape: Some(shape_proto(&shape)),
        #[allow(
            clippy::cast_possible_truncation,
            reason = "TF takes float32, as upstream sends"
        )]
        float_val: tensor.values.iter().map(|&v| v as f32).collect(),
        ..TensorProto::default()
    })
}

/// A Seldon `ndarray` (nested lists of numbers, rectangular) as a `DT_FLOAT` TensorProto.
fn ndarray_tensor(list: &ListValue) -> Result<TensorProto, Status> {
    let mut shape = Vec::new();
    let mut level = list;
    loop {
        shape.push(i64::try_from(level.values.len()).unwrap_or(i64::MAX));
        match level.values.first().and_then(|v| v.kind.as_ref()) {
            Some(Kind::ListValue(inner)) => level = inner,
            _ => break,
        }
    }
    let mut values = Vec::new();
    flatten(list, &shape, &mut values)?;
    Ok(TensorProto {
        dtype: DT_FLOAT,
        tensor_shape: Some(shape_proto(&shape)),
        float_val: values,
        ..TensorProto::default()
    })
}

fn flatten(list: &ListValue, shape: &[i64], out: &mut Vec<f32>) -> Result<(), Status> {
    let ragged = || invalid("ndarray is ragged: every row must have the same length");
    if i64::try_from(list.values.len()).ok() != shape.first().copied() {
        return Err(ragged());
    }
    for value in &list.values {
        match (&value.kind, shape.len()) {
            (Some(Kind::ListValue(inner)), n) if n > 1 => flatten(inner, &shape[1..], out)?,
            #[allow(
                clippy::cast_possible_truncation,
                reason = "TF takes float32, as upstream sends"
            )]
            (Some(Kind::NumberValue(x)), 1) => out.push(*x as f32),
            (Some(Kind::BoolValue(b)), 1) => out.push(f32::from(u8::from(*b))),
            (Some(Kind::ListValue(_) | Kind::NumberValue(_) | Kind::BoolValue(_)), _) => {
                return Err(ragged());
            }
            _ => {
                return Err(invalid(
                    "ndarray holds a value that is not a number: send strings as a tftensor",
                ));
            }
        }
    }
    Ok(())
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
    fn an_ndarray_becomes_a_float_tensor_of_its_shape() {
        let list = ListValue {
            values: vec![row(&[1.0, 2.5]), row(&[3.0, 4.0])],
        };
        let tensor = ndarray_tensor(&list).unwrap();
        assert_eq!(tensor.dtype, DT_FLOAT);
        assert_eq!(tensor.tensor_shape, Some(shape_proto(&[2, 2])));
        assert_eq!(tensor.float_val, [1.0, 2.5, 3.0, 4.0]);
        assert_eq!(nested(&[2, 2], &[1.0, 2.5, 3.0, 4.0]), list);
    }

    #[test]
    fn ragged_and_non_numeric_ndarrays_are_invalid_arguments() {
        let ragged = ListValue {
            values: vec![row(&[1.0, 2.0]), row(&[3.0])],
        };
        let error = ndarray_tensor(&ragged).unwrap_err();
        assert_eq!(error.code(), tonic::Code::InvalidArgument);
        assert!(error.message().contains("ragged"), "{}", error.message());
        let text = ListValue {
            values: vec![Value {
                kind: Some(Kind::StringValue("a".into())),
            }],
        };
        assert_eq!(
            ndarray_tensor(&text).unwrap_err().code(),
            tonic::Code::InvalidArgument
        );
    }

    #[test]
    fn a_tensor_must_hold_its_shape() {
        let good = Tensor {
            shape: vec![1, 3],
            values: vec![1.0, 2.0, 3.0],
        };
        assert_eq!(float_tensor(&good).unwrap().float_val, [1.0, 2.0, 3.0]);
        let bad = Tensor {
            shape: vec![2, 3],
            values: vec![1.0],
        };
        assert_eq!(
            float_tensor(&bad).unwrap_err().code(),
            tonic::Code::InvalidArgument
        );
        let negative = Tensor {
            shape: vec![-1],
            values: vec![],
        };
        assert!(float_tensor(&negative).is_err());
    }

    #[test]
    fn a_one_dimensional_result_becomes_one_row() {
        let proto = TensorProto {
            dtype: DT_FLOAT,
            tensor_shape: Some(shape_proto(&[3])),
            float_val: vec![0.5, 1.0, 2.0],
            ..TensorProto::default()
        };
        let (shape, values) = numbers(&proto, 1 << 20).unwrap();
        assert_eq!(shape, [1, 3]);
        assert_eq!(values, [0.5, 1.0, 2.0]);
    }
}
