//! The gRPC API of `tensorflow_model_server` on `--port`: `PredictionService` (Predict,
//! GetModelMetadata; Classify and Regress answer UNIMPLEMENTED) and `ModelService`
//! (GetModelStatus), over the same [`Manager`] as the REST API, so versions, labels and errors
//! are resolved exactly as REST resolves them.
//!
//! Tensors cross as `tensorflow.TensorProto`: requests may carry typed fields or
//! `tensor_content`; replies use typed fields, as TF Serving's default serialisation does. A
//! declared shape is checked against a byte budget and against the values actually sent before
//! anything is allocated.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;

use prost::Message as _;
use tonic::{Request, Response, Status};

use crate::grpc::tfserving::model_service_server::{ModelService, ModelServiceServer};
use crate::grpc::tfserving::prediction_service_server::{
    PredictionService, PredictionServiceServer,
};
use crate::protocol::grpc::json;
use crate::protocol::grpc::tensorflow::serving::{
    ClassificationRequest, ClassificationResponse, GetModelMetadataRequest,
    GetModelMetadataResponse, GetModelStatusRequest, GetModelStatusResponse, ModelSpec,
    ModelVersionStatus, PredictRequest, PredictResponse, RegressionRequest, RegressionResponse,
    SignatureDefMap, StatusProto, model_spec, model_version_status,
};
use crate::protocol::grpc::tensorflow::{TensorProto, TensorShapeProto, tensor_shape_proto};

use super::manager::{Manager, Selector, State};
use super::servable::{DEFAULT_SIGNATURE, PredictError};
use super::status::{ApiError, Code};
use super::tensor::{DType, Tensor, Values};

/// The `type_url` of the `signature_def` metadata entry.
const SIGNATURE_DEF_MAP_URL: &str = "type.googleapis.com/tensorflow.serving.SignatureDefMap";

/// The one metadata field TF Serving knows.
const SIGNATURE_DEF_FIELD: &str = "signature_def";

/// Why the gRPC server stopped.
#[derive(Debug, thiserror::Error)]
#[error("the model server's gRPC server failed")]
pub struct GrpcServeError(#[source] tonic::transport::Error);

/// Both services over one [`Manager`].
#[derive(Clone)]
pub struct TfServingGrpc {
    manager: Arc<Manager>,
    /// The largest tensor, in bytes, a request may make the server build.
    max_tensor_bytes: usize,
}

impl TfServingGrpc {
    /// Services over `manager`, accepting messages and tensors up to `max_message_bytes`.
    #[must_use]
    pub fn new(manager: Arc<Manager>, max_message_bytes: usize) -> Self {
        Self {
            manager,
            max_tensor_bytes: max_message_bytes,
        }
    }
}

/// Serves both services on `listener` until `shutdown` completes; messages over
/// `max_message_bytes` are refused with RESOURCE_EXHAUSTED.
pub async fn serve(
    manager: Arc<Manager>,
    max_message_bytes: usize,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), GrpcServeError> {
    let service = TfServingGrpc::new(manager, max_message_bytes);
    let prediction = PredictionServiceServer::new(service.clone())
        .max_decoding_message_size(max_message_bytes)
        .max_encoding_message_size(usize::MAX);
    let model = ModelServiceServer::new(service).max_decoding_message_size(max_message_bytes);
    let incoming = tonic::transport::server::TcpIncoming::from(listener).with_nodelay(Some(true));
    let routes = tonic::service::Routes::new(prediction).add_service(model);
    tonic::transport::Server::builder()
        .add_routes(crate::grpc::with_unknown_method_answer(
            routes,
            "the builtin model server",
        ))
        .serve_with_incoming_shutdown(incoming, shutdown)
        .await
        .map_err(GrpcServeError)
}

#[tonic::async_trait]
impl PredictionService for TfServingGrpc {
    async fn classify(
        &self,
        _request: Request<ClassificationRequest>,
    ) -> Result<Response<ClassificationResponse>, Status> {
        Err(Status::unimplemented(
            "Classify is not supported by the builtin model server: it needs tf.Example parsing; \
             call Predict with the signature's tensors instead",
        ))
    }

    async fn regress(
        &self,
        _request: Request<RegressionRequest>,
    ) -> Result<Response<RegressionResponse>, Status> {
        Err(Status::unimplemented(
            "Regress is not supported by the builtin model server: it needs tf.Example parsing; \
             call Predict with the signature's tensors instead",
        ))
    }

    async fn predict(
        &self,
        request: Request<PredictRequest>,
    ) -> Result<Response<PredictResponse>, Status> {
        let request = request.into_inner();
        let spec = request.model_spec.unwrap_or_default();
        let (name, selector) = model_and_selector(&spec)?;
        let (version, servable) = self.manager.servable(&name, &selector).map_err(status)?;
        let signature_name = non_empty(&spec.signature_name).unwrap_or(DEFAULT_SIGNATURE);
        let signature = servable
            .signature(Some(signature_name))
            .map_err(|e| status(predict_error(e)))?;
        for wanted in &request.output_filter {
            if !signature.outputs.iter().any(|o| &o.alias == wanted) {
                return Err(Status::invalid_argument(format!(
                    "output tensor alias not found in signature: {wanted}"
                )));
            }
        }
        let mut inputs = BTreeMap::new();
        for (alias, proto) in request.inputs {
            let tensor = from_proto(&proto, self.max_tensor_bytes)
                .map_err(|e| Status::invalid_argument(format!("input `{alias}`: {e}")))?;
            inputs.insert(alias, tensor);
        }
        let signature_owned = signature_name.to_owned();
        let outputs = super::predict(servable, Some(signature_owned), inputs)
            .await
            .map_err(|e| Status::internal(format!("prediction task failed: {e}")))?
            .map_err(|e| status(predict_error(e)))?;
        let outputs = outputs
            .into_iter()
            .filter(|(alias, _)| {
                request.output_filter.is_empty() || request.output_filter.contains(alias)
            })
            .map(|(alias, tensor)| (alias, to_proto(&tensor)))
            .collect();
        Ok(Response::new(PredictResponse {
            model_spec: Some(answered_spec(name, version, signature_name)),
            outputs,
        }))
    }

    async fn get_model_metadata(
        &self,
        request: Request<GetModelMetadataRequest>,
    ) -> Result<Response<GetModelMetadataResponse>, Status> {
        let request = request.into_inner();
        let spec = request.model_spec.unwrap_or_default();
        let (name, selector) = model_and_selector(&spec)?;
        if request.metadata_field.is_empty() {
            return Err(Status::invalid_argument(
                "GetModelMetadataRequest must specify at least one metadata_field",
            ));
        }
        if let Some(other) = request
            .metadata_field
            .iter()
            .find(|f| *f != SIGNATURE_DEF_FIELD)
        {
            return Err(Status::invalid_argument(format!(
                "Metadata field {other} is not supported"
            )));
        }
        let (version, servable) = self.manager.servable(&name, &selector).map_err(status)?;
        let map: SignatureDefMap = json::from_json(servable.metadata().to_string().as_bytes())
            .map_err(|e| Status::internal(format!("signature metadata: {e}")))?;
        let metadata = BTreeMap::from([(
            SIGNATURE_DEF_FIELD.to_owned(),
            prost_types::Any {
                type_url: SIGNATURE_DEF_MAP_URL.to_owned(),
                value: map.encode_to_vec(),
            },
        )]);
        Ok(Response::new(GetModelMetadataResponse {
            model_spec: Some(answered_spec(name, version, "")),
            metadata: metadata.into_iter().collect(),
        }))
    }
}

#[tonic::async_trait]
impl ModelService for TfServingGrpc {
    async fn get_model_status(
        &self,
        request: Request<GetModelStatusRequest>,
    ) -> Result<Response<GetModelStatusResponse>, Status> {
        let spec = request.into_inner().model_spec.unwrap_or_default();
        let (name, selector) = model_and_selector(&spec)?;
        let statuses = self.manager.status(&name, &selector).map_err(status)?;
        let model_version_status = statuses
            .into_iter()
            .map(|s| ModelVersionStatus {
                version: s.version,
                state: match s.state {
                    State::Loading => model_version_status::State::Loading,
                    State::Available => model_version_status::State::Available,
                    State::End => model_version_status::State::End,
                } as i32,
                status: Some(StatusProto {
                    // tensorflow.error.Code: OK = 0, UNKNOWN = 2.
                    error_code: if s.error.is_some() { 2 } else { 0 },
                    error_message: s.error.unwrap_or_default(),
                }),
            })
            .collect();
        Ok(Response::new(GetModelStatusResponse {
            model_version_status,
        }))
    }
}

fn non_empty(text: &str) -> Option<&str> {
    (!text.is_empty()).then_some(text)
}

/// The model name and version selector of a `ModelSpec`, as REST's URL gives them.
fn model_and_selector(spec: &ModelSpec) -> Result<(String, Selector), Status> {
    if spec.name.is_empty() {
        return Err(Status::invalid_argument("Missing ModelSpec"));
    }
    let selector = match &spec.version_choice {
        Some(model_spec::VersionChoice::Version(v)) => Selector::Version(*v),
        Some(model_spec::VersionChoice::VersionLabel(l)) => Selector::Label(l.clone()),
        None => Selector::Latest,
    };
    Ok((spec.name.clone(), selector))
}

fn answered_spec(name: String, version: i64, signature_name: &str) -> ModelSpec {
    ModelSpec {
        name,
        version_choice: Some(model_spec::VersionChoice::Version(version)),
        signature_name: signature_name.to_owned(),
    }
}

#[allow(clippy::needless_pass_by_value)] // used as `map_err(predict_error)`
fn predict_error(e: PredictError) -> ApiError {
    match e {
        PredictError::UnknownSignature(_) | PredictError::InvalidInput(_) => {
            ApiError::invalid(e.to_string())
        }
        PredictError::Unservable { .. } => ApiError::new(Code::FailedPrecondition, e.to_string()),
        PredictError::Run(_) => ApiError::new(Code::Internal, e.to_string()),
    }
}

/// TF Serving's status as a gRPC status with the same code and message.
#[allow(clippy::needless_pass_by_value)] // used as `map_err(status)`
fn status(error: ApiError) -> Status {
    let code = match error.code {
        Code::InvalidArgument => tonic::Code::InvalidArgument,
        Code::NotFound => tonic::Code::NotFound,
        Code::FailedPrecondition => tonic::Code::FailedPrecondition,
        Code::Unimplemented => tonic::Code::Unimplemented,
        Code::Unavailable => tonic::Code::Unavailable,
        Code::Internal => tonic::Code::Internal,
        Code::PayloadTooLarge => tonic::Code::ResourceExhausted,
    };
    Status::new(code, error.message)
}

/// Why a `TensorProto` is not a tensor the server can take.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TensorProtoError {
    #[error("dtype {0} is not supported")]
    DType(&'static str),
    #[error("a dimension of {0} is negative")]
    NegativeDim(i64),
    #[error("shape {shape:?} holds {bytes} bytes or more, over the limit of {limit} bytes")]
    TooLarge {
        shape: Vec<i64>,
        bytes: u128,
        limit: usize,
    },
    #[error("tensor_content has {got} bytes, shape {shape:?} of {dtype} needs {expected}")]
    ContentSize {
        shape: Vec<i64>,
        dtype: &'static str,
        got: usize,
        expected: usize,
    },
    #[error("{dtype} cannot be sent as tensor_content")]
    StringContent { dtype: &'static str },
    #[error("{got} values for shape {shape:?}, which holds {expected}")]
    Count {
        shape: Vec<i64>,
        got: usize,
        expected: usize,
    },
}

fn element_bytes(dtype: DType) -> usize {
    match dtype {
        // A string's own bytes are counted by the message cap; its slot is a pointer.
        DType::Double | DType::Int64 | DType::String => 8,
        DType::Float | DType::Int32 => 4,
        DType::Int16 => 2,
        DType::Uint8 | DType::Int8 | DType::Bool => 1,
    }
}

/// A request's `TensorProto` as a tensor. Typed fields follow TensorFlow's rule: exactly one
/// value per element, or fewer, the last one repeated (none: zeros).
pub fn from_proto(proto: &TensorProto, max_bytes: usize) -> Result<Tensor, TensorProtoError> {
    let dtype = DType::from_proto(proto.dtype)
        .ok_or(TensorProtoError::DType(DType::proto_name(proto.dtype)))?;
    let dims: Vec<i64> = proto
        .tensor_shape
        .as_ref()
        .map(|s| s.dim.iter().map(|d| d.size).collect())
        .unwrap_or_default();
    let mut count: u128 = 1;
    for &d in &dims {
        let d = u64::try_from(d).map_err(|_| TensorProtoError::NegativeDim(d))?;
        count = count.saturating_mul(u128::from(d));
    }
    let bytes = count.saturating_mul(element_bytes(dtype) as u128);
    if bytes > max_bytes as u128 {
        return Err(TensorProtoError::TooLarge {
            shape: dims,
            bytes,
            limit: max_bytes,
        });
    }
    // Within the byte budget, so it fits a usize.
    let n = count as usize;
    let shape: Vec<usize> = dims.iter().map(|&d| d as usize).collect();
    let values = if proto.tensor_content.is_empty() {
        typed_values(proto, dtype, n, &dims)?
    } else {
        content_values(&proto.tensor_content, dtype, n, &dims)?
    };
    Ok(Tensor { shape, values })
}

fn fill<T: Clone + Default>(
    values: &[T],
    n: usize,
    dims: &[i64],
) -> Result<Vec<T>, TensorProtoError> {
    if values.len() == n {
        return Ok(values.to_vec());
    }
    if values.len() > n {
        return Err(TensorProtoError::Count {
            shape: dims.to_vec(),
            got: values.len(),
            expected: n,
        });
    }
    let mut out = Vec::with_capacity(n);
    out.extend_from_slice(values);
    let last = values.last().cloned().unwrap_or_default();
    out.resize(n, last);
    Ok(out)
}

fn narrow<T: TryFrom<i32> + Clone + Default>(
    values: &[i32],
    n: usize,
    dims: &[i64],
) -> Result<Vec<T>, TensorProtoError> {
    // Out-of-range values wrap as TensorFlow's static_cast does.
    let cast: Vec<T> = values
        .iter()
        .map(|&v| T::try_from(v).unwrap_or_default())
        .collect();
    fill(&cast, n, dims)
}

fn typed_values(
    proto: &TensorProto,
    dtype: DType,
    n: usize,
    dims: &[i64],
) -> Result<Values, TensorProtoError> {
    Ok(match dtype {
        DType::Float => Values::Float(fill(&proto.float_val, n, dims)?),
        DType::Double => Values::Double(fill(&proto.double_val, n, dims)?),
        DType::Int32 => Values::Int32(fill(&proto.int_val, n, dims)?),
        DType::Uint8 => Values::Uint8(narrow(&proto.int_val, n, dims)?),
        DType::Int16 => Values::Int16(narrow(&proto.int_val, n, dims)?),
        DType::Int8 => Values::Int8(narrow(&proto.int_val, n, dims)?),
        DType::Int64 => Values::Int64(fill(&proto.int64_val, n, dims)?),
        DType::Bool => Values::Bool(fill(&proto.bool_val, n, dims)?),
        DType::String => Values::String(fill(&proto.string_val, n, dims)?),
    })
}

fn content_values(
    content: &[u8],
    dtype: DType,
    n: usize,
    dims: &[i64],
) -> Result<Values, TensorProtoError> {
    if dtype == DType::String {
        return Err(TensorProtoError::StringContent { dtype: "DT_STRING" });
    }
    let size = element_bytes(dtype);
    if content.len() != n * size {
        return Err(TensorProtoError::ContentSize {
            shape: dims.to_vec(),
            dtype: DType::proto_name(proto_dtype(dtype)),
            got: content.len(),
            expected: n * size,
        });
    }
    macro_rules! le {
        ($t:ty) => {
            content
                .chunks_exact(size)
                .map(|c| <$t>::from_le_bytes(c.try_into().expect("chunks have the element size")))
                .collect()
        };
    }
    Ok(match dtype {
        DType::Float => Values::Float(le!(f32)),
        DType::Double => Values::Double(le!(f64)),
        DType::Int32 => Values::Int32(le!(i32)),
        DType::Int64 => Values::Int64(le!(i64)),
        DType::Int16 => Values::Int16(le!(i16)),
        DType::Int8 => Values::Int8(le!(i8)),
        DType::Uint8 => Values::Uint8(content.to_vec()),
        DType::Bool => Values::Bool(content.iter().map(|&b| b != 0).collect()),
        DType::String => unreachable!("refused above"),
    })
}

fn proto_dtype(dtype: DType) -> i32 {
    match dtype {
        DType::Float => 1,
        DType::Double => 2,
        DType::Int32 => 3,
        DType::Uint8 => 4,
        DType::Int16 => 5,
        DType::Int8 => 6,
        DType::String => 7,
        DType::Int64 => 9,
        DType::Bool => 10,
    }
}

/// A tensor as a `TensorProto` with typed fields.
#[must_use]
pub fn to_proto(tensor: &Tensor) -> TensorProto {
    let mut proto = TensorProto {
        dtype: proto_dtype(tensor.values.dtype()),
        tensor_shape: Some(TensorShapeProto {
            dim: tensor
                .shape
                .iter()
                .map(|&d| tensor_shape_proto::Dim {
                    size: i64::try_from(d).unwrap_or(i64::MAX),
                    name: String::new(),
                })
                .collect(),
            unknown_rank: false,
        }),
        ..TensorProto::default()
    };
    match &tensor.values {
        Values::Float(v) => proto.float_val.clone_from(v),
        Values::Double(v) => proto.double_val.clone_from(v),
        Values::Int32(v) => proto.int_val.clone_from(v),
        Values::Uint8(v) => proto.int_val = v.iter().map(|&x| i32::from(x)).collect(),
        Values::Int16(v) => proto.int_val = v.iter().map(|&x| i32::from(x)).collect(),
        Values::Int8(v) => proto.int_val = v.iter().map(|&x| i32::from(x)).collect(),
        Values::Int64(v) => proto.int64_val.clone_from(v),
        Values::Bool(v) => proto.bool_val.clone_from(v),
        Values::String(v) => proto.string_val.clone_from(v),
    }
    proto
}

#[cfg(test)]
mod tests {
    use super::*;

    #[allow(clippy::unnecessary_wraps)] // fills an optional field
    fn shaped(dims: &[i64]) -> Option<TensorShapeProto> {
        Some(TensorShapeProto {
            dim: dims
                .iter()
                .map(|&size| tensor_shape_proto::Dim {
                    size,
                    name: String::new(),
                })
                .collect(),
            unknown_rank: false,
        })
    }

    #[test]
    fn typed_fields_and_tensor_content_give_the_same_tensor() {
        let typed = TensorProto {
            dtype: 1,
            tensor_shape: shaped(&[1, 2]),
            float_val: vec![0.5, -2.0],
            ..TensorProto::default()
        };
        let content = TensorProto {
            dtype: 1,
            tensor_shape: shaped(&[1, 2]),
            tensor_content: [0.5f32.to_le_bytes(), (-2.0f32).to_le_bytes()].concat(),
            ..TensorProto::default()
        };
        let a = from_proto(&typed, 1024).unwrap();
        assert_eq!(a, from_proto(&content, 1024).unwrap());
        assert_eq!(a.shape, [1, 2]);
        assert_eq!(to_proto(&a), typed);
    }

    #[test]
    fn one_typed_value_fills_the_shape_as_tensorflow_does() {
        let proto = TensorProto {
            dtype: 9,
            tensor_shape: shaped(&[3]),
            int64_val: vec![7],
            ..TensorProto::default()
        };
        assert_eq!(
            from_proto(&proto, 1024).unwrap().values,
            Values::Int64(vec![7, 7, 7])
        );
    }

    #[test]
    fn a_huge_declared_shape_is_refused_before_allocating() {
        let proto = TensorProto {
            dtype: 1,
            tensor_shape: shaped(&[1_000_000, 1_000_000]),
            float_val: vec![1.0],
            ..TensorProto::default()
        };
        let error = from_proto(&proto, 64 << 20).unwrap_err();
        assert!(
            matches!(error, TensorProtoError::TooLarge { .. }),
            "{error}"
        );
        let wrapping = TensorProto {
            dtype: 1,
            tensor_shape: shaped(&[4_294_967_296, 4_294_967_296, 4_294_967_296]),
            ..TensorProto::default()
        };
        assert!(matches!(
            from_proto(&wrapping, 64 << 20),
            Err(TensorProtoError::TooLarge { .. })
        ));
    }

    #[test]
    fn content_of_the_wrong_size_negative_dims_and_extra_values_are_errors() {
        let short = TensorProto {
            dtype: 2,
            tensor_shape: shaped(&[2]),
            tensor_content: vec![0; 9],
            ..TensorProto::default()
        };
        assert!(matches!(
            from_proto(&short, 1024),
            Err(TensorProtoError::ContentSize {
                got: 9,
                expected: 16,
                ..
            })
        ));
        let negative = TensorProto {
            dtype: 1,
            tensor_shape: shaped(&[-1]),
            ..TensorProto::default()
        };
        assert_eq!(
            from_proto(&negative, 1024),
            Err(TensorProtoError::NegativeDim(-1))
        );
        let extra = TensorProto {
            dtype: 1,
            tensor_shape: shaped(&[1]),
            float_val: vec![1.0, 2.0],
            ..TensorProto::default()
        };
        assert!(matches!(
            from_proto(&extra, 1024),
            Err(TensorProtoError::Count {
                got: 2,
                expected: 1,
                ..
            })
        ));
        let half = TensorProto {
            dtype: 19,
            ..TensorProto::default()
        };
        assert_eq!(
            from_proto(&half, 1024),
            Err(TensorProtoError::DType("DT_HALF"))
        );
    }
}
