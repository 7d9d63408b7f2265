//! The V2 gRPC API (`inference.GRPCInferenceService`) over the same models as the REST API:
//! live, ready, model ready, server and model metadata, infer, and the model repository
//! extension (index, load, unload). Inputs come as
//! `raw_input_contents` or typed `contents`; outputs go back as `raw_output_contents`, as Triton
//! answers. Errors are gRPC statuses with Triton's messages.

use std::future::Future;
use std::sync::Arc;

use serde_json::Value as Json;
use tonic::{Request, Response, Status};

use super::api::{Models, SERVER_NAME, SERVER_VERSION, extensions, find, metadata_of};
use super::backend::InferError;
use super::repository::ControlError;
use super::tensor::{self, InferTensor, datatype_name};
use crate::grpc::inference::grpc_inference_service_server::{
    GrpcInferenceService, GrpcInferenceServiceServer,
};
use crate::protocol::grpc::inference::model_infer_response::InferOutputTensor;
use crate::protocol::grpc::inference::model_metadata_response::TensorMetadata;
use crate::protocol::grpc::inference::repository_index_response::ModelIndex;
use crate::protocol::grpc::inference::{
    InferTensorContents, ModelInferRequest, ModelInferResponse, ModelMetadataRequest,
    ModelMetadataResponse, ModelReadyRequest, ModelReadyResponse, RepositoryIndexRequest,
    RepositoryIndexResponse, RepositoryModelLoadRequest, RepositoryModelLoadResponse,
    RepositoryModelUnloadRequest, RepositoryModelUnloadResponse, ServerLiveRequest,
    ServerLiveResponse, ServerMetadataRequest, ServerMetadataResponse, ServerReadyRequest,
    ServerReadyResponse,
};
use crate::protocol::v2::Datatype;

/// The gRPC server failed.
#[derive(Debug, thiserror::Error)]
#[error("the V2 gRPC server failed")]
pub struct GrpcServeError(#[source] tonic::transport::Error);

struct Service {
    models: Models,
}

/// Serves `GRPCInferenceService` on `listener` until `shutdown` completes.
pub async fn serve(
    models: Models,
    max_message_bytes: usize,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), GrpcServeError> {
    let service = GrpcInferenceServiceServer::new(Service { models })
        .max_decoding_message_size(max_message_bytes)
        .max_encoding_message_size(usize::MAX);
    let incoming = tonic::transport::server::TcpIncoming::from(listener).with_nodelay(Some(true));
    tonic::transport::Server::builder()
        .add_routes(crate::grpc::with_unknown_method_answer(
            tonic::service::Routes::new(service),
            "the builtin Triton server",
        ))
        .serve_with_incoming_shutdown(incoming, shutdown)
        .await
        .map_err(GrpcServeError)
}

#[tonic::async_trait]
impl GrpcInferenceService for Service {
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
        Ok(Response::new(ServerReadyResponse {
            ready: super::api::all_ready(&self.models),
        }))
    }

    async fn model_ready(
        &self,
        request: Request<ModelReadyRequest>,
    ) -> Result<Response<ModelReadyResponse>, Status> {
        let request = request.into_inner();
        let ready = find(&self.models, &request.name, &request.version).is_ok();
        Ok(Response::new(ModelReadyResponse { ready }))
    }

    async fn server_metadata(
        &self,
        _: Request<ServerMetadataRequest>,
    ) -> Result<Response<ServerMetadataResponse>, Status> {
        Ok(Response::new(ServerMetadataResponse {
            name: SERVER_NAME.to_owned(),
            version: SERVER_VERSION.to_owned(),
            extensions: extensions(),
        }))
    }

    async fn model_metadata(
        &self,
        request: Request<ModelMetadataRequest>,
    ) -> Result<Response<ModelMetadataResponse>, Status> {
        let request = request.into_inner();
        let json = metadata_of(&self.models, &request.name, &request.version)
            .map_err(Status::unavailable)?;
        let tensors = |list: &Json| -> Vec<TensorMetadata> {
            list.as_array()
                .into_iter()
                .flatten()
                .map(|t| TensorMetadata {
                    name: t["name"].as_str().unwrap_or_default().to_owned(),
                    datatype: t["datatype"].as_str().unwrap_or_default().to_owned(),
                    shape: t["shape"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Json::as_i64)
                        .collect(),
                })
                .collect()
        };
        Ok(Response::new(ModelMetadataResponse {
            name: request.name,
            versions: json["versions"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            platform: json["platform"].as_str().unwrap_or_default().to_owned(),
            inputs: tensors(&json["inputs"]),
            outputs: tensors(&json["outputs"]),
        }))
    }

    async fn repository_index(
        &self,
        request: Request<RepositoryIndexRequest>,
    ) -> Result<Response<RepositoryIndexResponse>, Status> {
        let entries = self
            .models
            .index(request.get_ref().ready)
            .map_err(|e| Status::internal(crate::components::model_server::error_chain(&e)))?;
        let models = entries
            .into_iter()
            .map(|e| ModelIndex {
                name: e.name,
                version: e.version,
                state: e.state,
                reason: e.reason,
            })
            .collect();
        Ok(Response::new(RepositoryIndexResponse { models }))
    }

    async fn repository_model_load(
        &self,
        request: Request<RepositoryModelLoadRequest>,
    ) -> Result<Response<RepositoryModelLoadResponse>, Status> {
        self.models
            .load(&request.get_ref().model_name)
            .await
            .map_err(|e| control_status(&e))?;
        Ok(Response::new(RepositoryModelLoadResponse {}))
    }

    async fn repository_model_unload(
        &self,
        request: Request<RepositoryModelUnloadRequest>,
    ) -> Result<Response<RepositoryModelUnloadResponse>, Status> {
        self.models
            .unload(&request.get_ref().model_name)
            .await
            .map_err(|e| control_status(&e))?;
        Ok(Response::new(RepositoryModelUnloadResponse {}))
    }

    async fn model_infer(
        &self,
        request: Request<ModelInferRequest>,
    ) -> Result<Response<ModelInferResponse>, Status> {
        let request = request.into_inner();
        let (version, loaded) = find(&self.models, &request.model_name, &request.model_version)
            .map_err(Status::unavailable)?;
        let inputs = decode(&request).map_err(Status::invalid_argument)?;
        let wanted: Vec<String> = request.outputs.iter().map(|o| o.name.clone()).collect();
        for name in &wanted {
            if !loaded.config.outputs.iter().any(|o| o.name == *name) {
                return Err(Status::invalid_argument(format!(
                    "unexpected inference output '{name}' for model '{}'",
                    request.model_name
                )));
            }
        }
        let worker = Arc::clone(&loaded);
        let outputs = tokio::task::spawn_blocking(move || worker.infer(inputs))
            .await
            .map_err(|_| Status::internal("internal error"))?
            .map_err(|e| match e {
                InferError::Invalid(message) => Status::invalid_argument(message),
                e @ InferError::Run(_) => Status::internal(e.to_string()),
            })?;
        let mut selected = Vec::new();
        if wanted.is_empty() {
            selected = outputs;
        } else {
            let mut outputs = outputs;
            for name in &wanted {
                if let Some(at) = outputs.iter().position(|t| t.name == *name) {
                    selected.push(outputs.swap_remove(at));
                }
            }
        }
        let mut response = ModelInferResponse {
            model_name: request.model_name,
            model_version: version.to_string(),
            id: request.id,
            ..ModelInferResponse::default()
        };
        for t in selected {
            response.outputs.push(InferOutputTensor {
                name: t.name.clone(),
                datatype: datatype_name(t.datatype),
                shape: t
                    .shape
                    .iter()
                    .map(|&d| i64::try_from(d).unwrap_or(i64::MAX))
                    .collect(),
                ..InferOutputTensor::default()
            });
            response.raw_output_contents.push(t.to_binary());
        }
        Ok(Response::new(response))
    }
}

/// A refused load or unload as the status code Triton gives it.
fn control_status(error: &ControlError) -> Status {
    match error {
        ControlError::NotAllowed => Status::unavailable(error.to_string()),
        ControlError::Unknown(_) | ControlError::Failed(_) => Status::internal(error.to_string()),
    }
}

/// The request's inputs: from `raw_input_contents` (one per input, in order) or `contents`.
pub(crate) fn decode(request: &ModelInferRequest) -> Result<Vec<InferTensor>, String> {
    let raw = !request.raw_input_contents.is_empty();
    if raw && request.raw_input_contents.len() != request.inputs.len() {
        return Err(format!(
            "expected {} raw_input_contents, got {}",
            request.inputs.len(),
            request.raw_input_contents.len()
        ));
    }
    let mut out = Vec::with_capacity(request.inputs.len());
    for (i, input) in request.inputs.iter().enumerate() {
        let datatype: Datatype = serde_json::from_value(Json::String(input.datatype.clone()))
            .map_err(|_| {
                format!(
                    "input '{}': unknown datatype {}",
                    input.name, input.datatype
                )
            })?;
        let shape = input
            .shape
            .iter()
            .map(|&d| usize::try_from(d).ok())
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| format!("input '{}': negative dimension", input.name))?;
        let tensor = if raw {
            tensor::from_binary(&input.name, datatype, shape, &request.raw_input_contents[i])?
        } else {
            let contents = input.contents.clone().unwrap_or_default();
            tensor::from_json(
                &input.name,
                datatype,
                shape,
                &contents_json(datatype, contents),
            )?
        };
        out.push(tensor);
    }
    Ok(out)
}

fn contents_json(datatype: Datatype, c: InferTensorContents) -> Json {
    let list = |v: Vec<Json>| Json::Array(v);
    match datatype {
        Datatype::Bool => list(c.bool_contents.into_iter().map(Json::from).collect()),
        Datatype::Int8 | Datatype::Int16 | Datatype::Int32 => {
            list(c.int_contents.into_iter().map(Json::from).collect())
        }
        Datatype::Int64 => list(c.int64_contents.into_iter().map(Json::from).collect()),
        Datatype::Uint8 | Datatype::Uint16 | Datatype::Uint32 => {
            list(c.uint_contents.into_iter().map(Json::from).collect())
        }
        Datatype::Uint64 => list(c.uint64_contents.into_iter().map(Json::from).collect()),
        Datatype::Fp32 | Datatype::Fp16 | Datatype::Bf16 => list(
            c.fp32_contents
                .into_iter()
                .map(|x| Json::from(f64::from(x)))
                .collect(),
        ),
        Datatype::Fp64 => list(c.fp64_contents.into_iter().map(Json::from).collect()),
        Datatype::Bytes => list(
            c.bytes_contents
                .into_iter()
                .map(|b| Json::String(String::from_utf8_lossy(&b).into_owned()))
                .collect(),
        ),
    }
}
