//! `--protocol v2` on the executor's gRPC port: the Open Inference Protocol's
//! `GRPCInferenceService`, as upstream's `api/grpc/kfserving`: `ModelInfer` walks the graph (each
//! `ModelInferResponse` becomes the next unit's `ModelInferRequest`, outputs as inputs),
//! `ModelReady` and `ModelMetadata` go to the unit the request names. Upstream leaves the server
//! calls unimplemented; here `ServerLive` is the executor's own, `ServerReady` asks every unit,
//! and `ServerMetadata` names the executor. Triton's repository extension is a unit's own
//! business, not the graph's: those calls are unimplemented, as upstream's.

use std::sync::Arc;

use futures_util::future::{BoxFuture, join_all};
use tonic::service::Routes;
use tonic::transport::Channel;
use tonic::{Request, Response, Status};

use super::super::State;
use super::forward::{Forward, Hop};
use super::{GrpcUnits, client, context, unit_status, with_puid};
use crate::grpc::inference::grpc_inference_service_client::GrpcInferenceServiceClient;
use crate::grpc::inference::grpc_inference_service_server::{
    GrpcInferenceService, GrpcInferenceServiceServer,
};
use crate::protocol::grpc::inference::model_infer_request::InferInputTensor;
use crate::protocol::grpc::inference::{
    ModelInferRequest, ModelInferResponse, ModelMetadataRequest, ModelMetadataResponse,
    ModelReadyRequest, ModelReadyResponse, RepositoryIndexRequest, RepositoryIndexResponse,
    RepositoryModelLoadRequest, RepositoryModelLoadResponse, RepositoryModelUnloadRequest,
    RepositoryModelUnloadResponse, ServerLiveRequest, ServerLiveResponse, ServerMetadataRequest,
    ServerMetadataResponse, ServerReadyRequest, ServerReadyResponse,
};

/// Why the executor refuses the model repository calls.
const REPOSITORY_UNIMPLEMENTED: &str =
    "the executor does not implement the model repository extension: ask the model server";

/// `ModelInfer` on each unit.
struct Infer;

impl Hop for Infer {
    type Request = ModelInferRequest;
    type Response = ModelInferResponse;
    const PROTOCOL: &'static str = "v2";

    fn call<'a>(
        &'a self,
        units: &'a GrpcUnits,
        channel: Channel,
        request: Request<ModelInferRequest>,
    ) -> BoxFuture<'a, Result<ModelInferResponse, Status>> {
        Box::pin(async move {
            client!(units, GrpcInferenceServiceClient, channel)
                .model_infer(request)
                .await
                .map(Response::into_inner)
        })
    }

    /// Upstream's chain drops raw contents (and names no model); here raw outputs become raw
    /// inputs, so a unit answering in `raw_output_contents` can feed the next one.
    fn chain(
        &self,
        response: ModelInferResponse,
        model: &str,
    ) -> Result<ModelInferRequest, Status> {
        let inputs = response
            .outputs
            .into_iter()
            .map(|output| InferInputTensor {
                name: output.name,
                datatype: output.datatype,
                shape: output.shape,
                parameters: output.parameters,
                contents: output.contents,
            })
            .collect();
        Ok(ModelInferRequest {
            model_name: model.to_owned(),
            id: response.id,
            inputs,
            raw_input_contents: response.raw_output_contents,
            ..ModelInferRequest::default()
        })
    }
}

/// `GRPCInferenceService` over one executor.
#[derive(Debug, Clone)]
struct V2Ingress {
    state: Arc<State>,
}

impl V2Ingress {
    /// The unit named `name`, and its channel.
    fn unit(&self, name: &str) -> Result<(&super::Node, Channel), Status> {
        super::named_unit(&self.state, name)
    }
}

#[tonic::async_trait]
impl GrpcInferenceService for V2Ingress {
    async fn server_live(
        &self,
        _: Request<ServerLiveRequest>,
    ) -> Result<Response<ServerLiveResponse>, Status> {
        Ok(Response::new(ServerLiveResponse { live: true }))
    }

    async fn server_ready(
        &self,
        request: Request<ServerReadyRequest>,
    ) -> Result<Response<ServerReadyResponse>, Status> {
        let (ctx, puid) = context(request.metadata());
        let mut nodes = Vec::new();
        self.state.config.predictor.graph.post_order(&mut nodes);
        let units = self.state.grpc.units();
        let ctx = &ctx;
        let checks = nodes.into_iter().map(|node| async move {
            let Ok(channel) = units.channel(node) else {
                return false;
            };
            client!(units, GrpcInferenceServiceClient, channel)
                .server_ready(ctx.request(ServerReadyRequest {}))
                .await
                .is_ok_and(|reply| reply.get_ref().ready)
        });
        let ready = join_all(checks).await.into_iter().all(|ready| ready);
        Ok(with_puid(ServerReadyResponse { ready }, puid))
    }

    async fn model_ready(
        &self,
        request: Request<ModelReadyRequest>,
    ) -> Result<Response<ModelReadyResponse>, Status> {
        let (ctx, puid) = context(request.metadata());
        let message = request.into_inner();
        let (node, channel) = self.unit(&message.name)?;
        let units = self.state.grpc.units();
        let reply = client!(units, GrpcInferenceServiceClient, channel)
            .model_ready(ctx.request(message))
            .await
            .map_err(|s| unit_status(node, &s))?;
        Ok(with_puid(reply.into_inner(), puid))
    }

    async fn server_metadata(
        &self,
        _: Request<ServerMetadataRequest>,
    ) -> Result<Response<ServerMetadataResponse>, Status> {
        Ok(Response::new(ServerMetadataResponse {
            name: "seldon-local executor".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            extensions: Vec::new(),
        }))
    }

    async fn model_metadata(
        &self,
        request: Request<ModelMetadataRequest>,
    ) -> Result<Response<ModelMetadataResponse>, Status> {
        let (ctx, puid) = context(request.metadata());
        let message = request.into_inner();
        let (node, channel) = self.unit(&message.name)?;
        let units = self.state.grpc.units();
        let reply = client!(units, GrpcInferenceServiceClient, channel)
            .model_metadata(ctx.request(message))
            .await
            .map_err(|s| unit_status(node, &s))?;
        Ok(with_puid(reply.into_inner(), puid))
    }

    async fn repository_index(
        &self,
        _: Request<RepositoryIndexRequest>,
    ) -> Result<Response<RepositoryIndexResponse>, Status> {
        Err(Status::unimplemented(REPOSITORY_UNIMPLEMENTED))
    }

    async fn repository_model_load(
        &self,
        _: Request<RepositoryModelLoadRequest>,
    ) -> Result<Response<RepositoryModelLoadResponse>, Status> {
        Err(Status::unimplemented(REPOSITORY_UNIMPLEMENTED))
    }

    async fn repository_model_unload(
        &self,
        _: Request<RepositoryModelUnloadRequest>,
    ) -> Result<Response<RepositoryModelUnloadResponse>, Status> {
        Err(Status::unimplemented(REPOSITORY_UNIMPLEMENTED))
    }

    async fn model_infer(
        &self,
        request: Request<ModelInferRequest>,
    ) -> Result<Response<ModelInferResponse>, Status> {
        let (ctx, puid) = context(request.metadata());
        let message = request.into_inner();
        let model = message.model_name.clone();
        let forward = Forward {
            hop: &Infer,
            units: self.state.grpc.units(),
            ctx: &ctx,
            model: &model,
        };
        let output = forward
            .run(&self.state.config.predictor.graph, message)
            .await?;
        Ok(with_puid(output, puid))
    }
}

/// The `GRPCInferenceService` routes over `state`, messages capped at `limit`.
pub(super) fn routes(state: Arc<State>, limit: usize) -> Routes {
    Routes::new(
        GrpcInferenceServiceServer::new(V2Ingress { state })
            .max_decoding_message_size(limit)
            .max_encoding_message_size(limit),
    )
}
