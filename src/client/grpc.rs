//! The gRPC side of the client: the Seldon protocol's `Seldon` service on an executor, or a
//! unit's `Model` service, with the request built once and sent as protobuf (no JSON on the
//! way); replies are shown as their proto3 JSON. For `protocol: tensorflow`, TF Serving's
//! `PredictionService` (on an executor or a model server): the REST body is typed by the
//! model's signature (read once with `GetModelMetadata`, as TF Serving types REST inputs) and
//! the reply is shown as REST would show it, so both transports print the same answer. For
//! `protocol: v2`, the Open Inference Protocol's `GRPCInferenceService`, the REST body sent as
//! typed contents and the reply shown as REST's.

use std::time::{Duration, Instant};

use bytes::Bytes;
use tonic::transport::{Channel, Endpoint};

use prost::Message as _;

use super::{ClientError, Input, Response};
use crate::components::model_server::rest::{self as tf_rest, Format};
use crate::components::model_server::servable::TensorSpec;
use crate::components::model_server::{grpc as tf_grpc, tensor::Tensor};
use crate::grpc::inference::grpc_inference_service_client::GrpcInferenceServiceClient;
use crate::grpc::seldon::model_client::ModelClient;
use crate::grpc::seldon::seldon_client::SeldonClient;
use crate::grpc::tfserving::prediction_service_client::PredictionServiceClient;
use crate::protocol::grpc::inference::{ModelInferRequest, ModelMetadataRequest};
use crate::protocol::grpc::json::{from_json, to_json};
use crate::protocol::grpc::seldon::protos::{Feedback, SeldonMessage, SeldonModelMetadataRequest};
use crate::protocol::grpc::tensorflow::serving::{
    GetModelMetadataRequest, ModelSpec, PredictRequest, PredictResponse, SignatureDefMap,
};

/// The signature TF Serving uses when a request names none.
const DEFAULT_SIGNATURE: &str = "serving_default";

/// The largest message the client sends or accepts.
const MAX_MESSAGE: usize = 1 << 30;

/// One gRPC call, its message built in advance.
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)] // built once per command; boxing would add a hop per send
pub enum GrpcCall {
    /// `Seldon.Predict` on an executor, or `Model.Predict` on a unit.
    Predict(SeldonMessage),
    /// `Seldon.SendFeedback` on an executor, or `Model.SendFeedback` on a unit.
    Feedback(Feedback),
    /// `Seldon.GraphMetadata` on an executor, or `Model.Metadata` on a unit.
    Metadata,
    /// TF Serving's `PredictionService.Predict`, its answer shown in the request's REST format.
    TfPredict(PredictRequest, Format),
    /// TF Serving's `PredictionService.GetModelMetadata` (the signatures) of one model.
    TfMetadata(String),
    /// The Open Inference Protocol's `ModelInfer`, its answer shown as REST's.
    V2Infer(ModelInferRequest),
    /// The Open Inference Protocol's `ModelMetadata` of one model.
    V2Metadata(String),
}

/// A client for one gRPC endpoint.
#[derive(Debug, Clone)]
pub struct GrpcClient {
    channel: Channel,
    address: String,
    unit: bool,
    timeout: Duration,
}

impl GrpcClient {
    /// A lazily connected client for `address` (`host:port` or `http://host:port`); `unit`
    /// calls a unit's `Model` service instead of the executor's `Seldon` service.
    pub fn new(address: &str, timeout: Duration, unit: bool) -> Result<Self, ClientError> {
        let uri = if address.contains("://") {
            address.to_owned()
        } else {
            format!("http://{address}")
        };
        let endpoint = Endpoint::from_shared(uri.clone())
            .map_err(|e| ClientError::Input(format!("bad gRPC address `{address}`: {e}")))?;
        let channel = endpoint
            .tcp_nodelay(true)
            .timeout(timeout)
            .connect_timeout(timeout)
            .connect_lazy();
        Ok(Self {
            channel,
            address: uri,
            unit,
            timeout,
        })
    }

    /// What the client calls, for messages.
    #[must_use]
    pub fn address(&self) -> &str {
        &self.address
    }

    /// Sends one call; a gRPC error is an unsuccessful [`Response`] carrying its code and
    /// message, a connection failure too (code `UNAVAILABLE`), as tonic reports both alike.
    #[allow(
        clippy::too_many_lines,
        reason = "one dispatch arm per service and method, each a few lines"
    )]
    pub async fn send(&self, call: &GrpcCall) -> Result<Response, ClientError> {
        let started = Instant::now();
        let mut seldon = SeldonClient::new(self.channel.clone())
            .max_decoding_message_size(MAX_MESSAGE)
            .max_encoding_message_size(MAX_MESSAGE);
        let mut model = ModelClient::new(self.channel.clone())
            .max_decoding_message_size(MAX_MESSAGE)
            .max_encoding_message_size(MAX_MESSAGE);
        let timeout = self.timeout;
        let request = |m| timed(m, timeout);
        let empty = || timed((), timeout);
        let feedback = |f| timed(f, timeout);
        let json = match (call, self.unit) {
            (GrpcCall::Predict(m), false) => reply(
                seldon
                    .predict(request(m.clone()))
                    .await
                    .map(|r| to_json(r.get_ref())),
            ),
            (GrpcCall::Predict(m), true) => reply(
                model
                    .predict(request(m.clone()))
                    .await
                    .map(|r| to_json(r.get_ref())),
            ),
            (GrpcCall::Feedback(f), false) => reply(
                seldon
                    .send_feedback(feedback(f.clone()))
                    .await
                    .map(|r| to_json(r.get_ref())),
            ),
            (GrpcCall::Feedback(f), true) => reply(
                model
                    .send_feedback(feedback(f.clone()))
                    .await
                    .map(|r| to_json(r.get_ref())),
            ),
            (GrpcCall::Metadata, false) => reply(
                seldon
                    .graph_metadata(empty())
                    .await
                    .map(|r| to_json(r.get_ref())),
            ),
            (GrpcCall::Metadata, true) => {
                reply(model.metadata(empty()).await.map(|r| to_json(r.get_ref())))
            }
            (GrpcCall::TfPredict(m, format), _) => {
                let mut tf = PredictionServiceClient::new(self.channel.clone())
                    .max_decoding_message_size(MAX_MESSAGE)
                    .max_encoding_message_size(MAX_MESSAGE);
                match tf.predict(timed(m.clone(), timeout)).await {
                    Ok(r) => rest_answer(r.get_ref(), *format),
                    Err(status) => Err(status),
                }
            }
            (GrpcCall::TfMetadata(name), _) => {
                let mut tf = PredictionServiceClient::new(self.channel.clone())
                    .max_decoding_message_size(MAX_MESSAGE);
                match tf
                    .get_model_metadata(timed(metadata_request(name, ""), timeout))
                    .await
                {
                    Ok(r) => signatures_json(r.get_ref()),
                    Err(status) => Err(status),
                }
            }
            (GrpcCall::V2Infer(m), _) => {
                let mut v2 = GrpcInferenceServiceClient::new(self.channel.clone())
                    .max_decoding_message_size(MAX_MESSAGE)
                    .max_encoding_message_size(MAX_MESSAGE);
                match v2.model_infer(timed(m.clone(), timeout)).await {
                    Ok(r) => v2_answer(r.get_ref()),
                    Err(status) => Err(status),
                }
            }
            (GrpcCall::V2Metadata(name), _) => {
                let mut v2 = GrpcInferenceServiceClient::new(self.channel.clone())
                    .max_decoding_message_size(MAX_MESSAGE);
                let request = ModelMetadataRequest {
                    name: name.clone(),
                    ..ModelMetadataRequest::default()
                };
                reply(
                    v2.model_metadata(timed(request, timeout))
                        .await
                        .map(|r| to_json(r.get_ref())),
                )
            }
        };
        let elapsed = started.elapsed();
        Ok(match json {
            Ok(body) => Response {
                status: 200,
                body: Bytes::from(body),
                elapsed,
                grpc: Some(tonic::Code::Ok),
            },
            Err(status) => Response {
                status: 0,
                body: Bytes::from(status.message().to_owned()),
                elapsed,
                grpc: Some(status.code()),
            },
        })
    }

    /// `Seldon.ModelMetadata` for one unit through the executor.
    pub async fn model_metadata(&self, name: &str) -> Result<Response, ClientError> {
        let started = Instant::now();
        let mut seldon = SeldonClient::new(self.channel.clone());
        let result = seldon
            .model_metadata(SeldonModelMetadataRequest {
                name: name.to_owned(),
            })
            .await
            .map(|r| to_json(r.get_ref()));
        let elapsed = started.elapsed();
        Ok(match reply(result) {
            Ok(body) => Response {
                status: 200,
                body: Bytes::from(body),
                elapsed,
                grpc: Some(tonic::Code::Ok),
            },
            Err(status) => Response {
                status: 0,
                body: Bytes::from(status.message().to_owned()),
                elapsed,
                grpc: Some(status.code()),
            },
        })
    }

    /// The `PredictRequest` for a TF Serving REST `body` (`instances` or `inputs`): the model's
    /// signature, read with `GetModelMetadata`, names and types the inputs as TF Serving's REST
    /// API would.
    pub async fn tensorflow_request(
        &self,
        model: &str,
        body: &[u8],
    ) -> Result<(PredictRequest, Format), ClientError> {
        let invalid = |message: String| ClientError::Input(message);
        let mut parsed = tf_rest::parse_predict(body).map_err(|e| invalid(e.message))?;
        let signature_name = parsed
            .signature_name
            .clone()
            .unwrap_or_else(|| DEFAULT_SIGNATURE.to_owned());
        let mut tf = PredictionServiceClient::new(self.channel.clone())
            .max_decoding_message_size(MAX_MESSAGE);
        let metadata = tf
            .get_model_metadata(timed(
                metadata_request(model, &signature_name),
                self.timeout,
            ))
            .await
            .map_err(|status| {
                invalid(format!(
                    "reading model `{model}`'s signature from `{}` (to type the inputs as REST \
                     would) failed: {:?}: {}",
                    self.address,
                    status.code(),
                    status.message()
                ))
            })?
            .into_inner();
        let map = signature_map(&metadata).map_err(|s| invalid(s.message().to_owned()))?;
        let Some(signature) = map.signature_def.get(&signature_name) else {
            return Err(invalid(format!(
                "model `{model}` has no signature `{signature_name}` (it has {:?})",
                map.signature_def.keys().collect::<Vec<_>>()
            )));
        };
        let specs: Vec<TensorSpec> = signature
            .inputs
            .iter()
            .map(|(alias, info)| TensorSpec {
                alias: alias.clone(),
                dtype: info.dtype,
                shape: None,
            })
            .collect();
        let tensors = parsed.decode(&specs).map_err(|e| invalid(e.message))?;
        let request = PredictRequest {
            model_spec: Some(ModelSpec {
                name: model.to_owned(),
                signature_name,
                ..ModelSpec::default()
            }),
            inputs: tensors
                .iter()
                .map(|(alias, tensor)| (alias.clone(), tf_grpc::to_proto(tensor)))
                .collect(),
            ..PredictRequest::default()
        };
        Ok((request, parsed.format))
    }
}

fn metadata_request(model: &str, signature_name: &str) -> GetModelMetadataRequest {
    GetModelMetadataRequest {
        model_spec: Some(ModelSpec {
            name: model.to_owned(),
            signature_name: signature_name.to_owned(),
            ..ModelSpec::default()
        }),
        metadata_field: vec!["signature_def".to_owned()],
    }
}

fn signature_map(
    metadata: &crate::protocol::grpc::tensorflow::serving::GetModelMetadataResponse,
) -> Result<SignatureDefMap, tonic::Status> {
    metadata
        .metadata
        .get("signature_def")
        .and_then(|any| SignatureDefMap::decode(any.value.as_slice()).ok())
        .ok_or_else(|| tonic::Status::internal("the model's metadata has no signature_def"))
}

/// The signatures as the proto3 JSON TF Serving's REST metadata shows (`signature_def`).
fn signatures_json(
    metadata: &crate::protocol::grpc::tensorflow::serving::GetModelMetadataResponse,
) -> Result<Vec<u8>, tonic::Status> {
    let map = signature_map(metadata)?;
    let signatures = to_json(&map)
        .map_err(|e| tonic::Status::internal(format!("the signatures do not map to JSON: {e}")))?;
    let spec = metadata
        .model_spec
        .as_ref()
        .map(|s| to_json(s).unwrap_or_default())
        .unwrap_or_default();
    let mut out = Vec::with_capacity(signatures.len() + spec.len() + 64);
    out.extend_from_slice(b"{\"model_spec\":");
    out.extend_from_slice(if spec.is_empty() { b"{}" } else { &spec });
    out.extend_from_slice(b",\"metadata\":{\"signature_def\":");
    out.extend_from_slice(&signatures);
    out.extend_from_slice(b"}}");
    Ok(out)
}

/// A `ModelInferResponse` as the REST API answers the same request.
fn v2_answer(
    response: &crate::protocol::grpc::inference::ModelInferResponse,
) -> Result<Vec<u8>, tonic::Status> {
    let rest = crate::protocol::grpc::v2::infer_response(response)
        .map_err(|e| tonic::Status::internal(e.to_string()))?;
    serde_json::to_vec(&rest).map_err(|e| tonic::Status::internal(e.to_string()))
}

/// The `ModelInferRequest` for a V2 REST `body` to `model`.
pub fn v2_request(model: &str, body: &[u8]) -> Result<ModelInferRequest, ClientError> {
    let request: crate::protocol::v2::InferenceRequest = serde_json::from_slice(body)
        .map_err(|e| ClientError::Input(format!("the body is not a V2 inference request: {e}")))?;
    crate::protocol::grpc::v2::infer_request(&request, model)
        .map_err(|e| ClientError::Input(e.to_string()))
}

/// A `PredictResponse` as TF Serving's REST API answers the same request.
fn rest_answer(response: &PredictResponse, format: Format) -> Result<Vec<u8>, tonic::Status> {
    let outputs = response
        .outputs
        .iter()
        .map(|(alias, proto)| {
            tf_grpc::from_proto(proto, MAX_MESSAGE)
                .map(|tensor| (alias.clone(), tensor))
                .map_err(|e| tonic::Status::internal(format!("output `{alias}`: {e}")))
        })
        .collect::<Result<Vec<(String, Tensor)>, _>>()?;
    tf_rest::encode(format, &outputs)
        .map(String::into_bytes)
        .map_err(|e| tonic::Status::internal(e.message))
}

fn timed<T>(message: T, timeout: Duration) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    request.set_timeout(timeout);
    request
}

type Mapped = Result<Vec<u8>, crate::protocol::grpc::json::JsonMappingError>;

fn reply(result: Result<Mapped, tonic::Status>) -> Result<Vec<u8>, tonic::Status> {
    match result {
        Ok(Ok(body)) => Ok(body),
        Ok(Err(error)) => Err(tonic::Status::internal(format!(
            "the reply does not map to JSON: {error}"
        ))),
        Err(status) => Err(status),
    }
}

/// The `SeldonMessage` of a prediction: `--ndarray`/`--tensor` as `DefaultData`, `--json`/`--file`
/// read as the proto3 JSON of a `SeldonMessage` (so `strData`, `binData` in base64 and `jsonData`
/// work as over REST).
pub fn seldon_message(input: &Input, names: &[String]) -> Result<SeldonMessage, ClientError> {
    // The body REST would send, read once into the message (a `tensor` holds numbers only, which
    // the mapping checks).
    let body = super::predict_body(input, names, super::Protocol::Seldon)?;
    from_json(&body)
        .map_err(|e| ClientError::Input(format!("the body is not a SeldonMessage: {e}")))
}

/// A `Feedback` from its proto3 JSON.
pub fn feedback(json: &[u8]) -> Result<Feedback, ClientError> {
    from_json(json).map_err(|e| ClientError::Input(format!("the body is not a Feedback: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_become_the_message_rest_would_send() {
        let names = vec!["a".to_owned(), "b".to_owned()];
        let message = seldon_message(&Input::ndarray("[[1, 2]]").unwrap(), &names).unwrap();
        let json: serde_json::Value = serde_json::from_slice(&to_json(&message).unwrap()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"data": {"names": ["a", "b"], "ndarray": [[1.0, 2.0]]}})
        );
        let tensor = Input::tensor(r#"{"shape":[1,2],"values":[1,2]}"#).unwrap();
        let json: serde_json::Value =
            serde_json::from_slice(&to_json(&seldon_message(&tensor, &[]).unwrap()).unwrap())
                .unwrap();
        assert_eq!(
            json,
            serde_json::json!({"data": {"tensor": {"shape": [1, 2], "values": [1.0, 2.0]}}})
        );
        let raw = Input::Raw(Bytes::from_static(br#"{"strData":"hi"}"#));
        assert_eq!(
            seldon_message(&raw, &[]).unwrap().data_oneof,
            Some(
                crate::protocol::grpc::seldon::protos::seldon_message::DataOneof::StrData(
                    "hi".into()
                )
            )
        );
        assert!(seldon_message(&Input::Raw(Bytes::from_static(b"{")), &[]).is_err());
    }
}
