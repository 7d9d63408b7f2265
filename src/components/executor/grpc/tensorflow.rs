//! `--protocol tensorflow` on the executor's gRPC port: TF Serving's `PredictionService`
//! (`Predict`, `Classify`, `Regress` walked through the graph; `GetModelMetadata` from the unit the
//! request names) and `ModelService.GetModelStatus`, as upstream's `api/grpc/tensorflow`: the
//! client's message goes to the first unit unchanged, each `PredictResponse` becomes the next
//! unit's `PredictRequest` (its outputs as inputs, `model_spec.name` the requested model).

use std::sync::Arc;

use futures_util::future::BoxFuture;
use tonic::service::Routes;
use tonic::transport::Channel;
use tonic::{Request, Response, Status};

use super::super::State;
use super::forward::{Forward, Hop};
use super::{GrpcUnits, client, context, unit_status, with_puid};
use crate::grpc::tfserving::model_service_client::ModelServiceClient;
use crate::grpc::tfserving::model_service_server::{ModelService, ModelServiceServer};
use crate::grpc::tfserving::prediction_service_client::PredictionServiceClient;
use crate::grpc::tfserving::prediction_service_server::{
    PredictionService, PredictionServiceServer,
};
use crate::protocol::grpc::tensorflow::serving::{
    ClassificationRequest, ClassificationResponse, GetModelMetadataRequest,
    GetModelMetadataResponse, GetModelStatusRequest, GetModelStatusResponse, ModelSpec,
    PredictRequest, PredictResponse, RegressionRequest, RegressionResponse,
};

const PROTOCOL: &str = "tensorflow";

/// `PredictionService.Predict` on each unit.
struct Predict;

impl Hop for Predict {
    type Request = PredictRequest;
    type Response = PredictResponse;
    const PROTOCOL: &'static str = PROTOCOL;

    fn call<'a>(
        &'a self,
        units: &'a GrpcUnits,
        channel: Channel,
        request: Request<PredictRequest>,
    ) -> BoxFuture<'a, Result<PredictResponse, Status>> {
        Box::pin(async move {
            client!(units, PredictionServiceClient, channel)
                .predict(request)
                .await
                .map(Response::into_inner)
        })
    }

    fn chain(&self, response: PredictResponse, model: &str) -> Result<PredictRequest, Status> {
        Ok(PredictRequest {
            model_spec: Some(ModelSpec {
                name: model.to_owned(),
                ..ModelSpec::default()
            }),
            inputs: response.outputs,
            ..PredictRequest::default()
        })
    }
}

/// A classification or regression result has no inputs to give a next unit.
fn unchainable(method: &str) -> Status {
    Status::unimplemented(format!(
        "a {method} result cannot be chained into a next unit (upstream cannot either): \
         use Predict through a graph of more than one unit"
    ))
}

/// `PredictionService.Classify` on each unit.
struct Classify;

impl Hop for Classify {
    type Request = ClassificationRequest;
    type Response = ClassificationResponse;
    const PROTOCOL: &'static str = PROTOCOL;

    fn call<'a>(
        &'a self,
        units: &'a GrpcUnits,
        channel: Channel,
        request: Request<ClassificationRequest>,
    ) -> BoxFuture<'a, Result<ClassificationResponse, Status>> {
        Box::pin(async move {
            client!(units, PredictionServiceClient, channel)
                .classify(request)
                .await
                .map(Response::into_inner)
        })
    }

    fn chain(&self, _: ClassificationResponse, _: &str) -> Result<ClassificationRequest, Status> {
        Err(unchainable("Classify"))
    }
}

/// `PredictionService.Regress` on each unit.
struct Regress;

impl Hop for Regress {
    type Request = RegressionRequest;
    type Response = RegressionResponse;
    const PROTOCOL: &'static str = PROTOCOL;

    fn call<'a>(
        &'a self,
        units: &'a GrpcUnits,
        channel: Channel,
        request: Request<RegressionRequest>,
    ) -> BoxFuture<'a, Result<RegressionResponse, Status>> {
        Box::pin(async move {
            client!(units, PredictionServiceClient, channel)
                .regress(request)
                .await
                .map(Response::into_inner)
        })
    }

    fn chain(&self, _: RegressionResponse, _: &str) -> Result<RegressionRequest, Status> {
        Err(unchainable("Regress"))
    }
}

/// TF Serving's services over one executor.
#[derive(Debug, Clone)]
struct TensorflowIngress {
    state: Arc<State>,
}

impl TensorflowIngress {
    async fn walk<H: Hop>(
        &self,
        hop: &H,
        request: Request<H::Request>,
        model: impl Fn(&H::Request) -> Option<&ModelSpec>,
    ) -> Result<Response<H::Response>, Status> {
        let (ctx, puid) = context(request.metadata());
        let message = request.into_inner();
        let name = model(&message)
            .map(|spec| spec.name.clone())
            .unwrap_or_default();
        let forward = Forward {
            hop,
            units: self.state.grpc.units(),
            ctx: &ctx,
            model: &name,
        };
        let output = forward
            .run(&self.state.config.predictor.graph, message)
            .await?;
        Ok(with_puid(output, puid))
    }

    /// The unit the request's `model_spec` names, and its channel.
    fn unit(&self, spec: Option<&ModelSpec>) -> Result<(&super::Node, Channel), Status> {
        let name = spec.map(|s| s.name.as_str()).unwrap_or_default();
        if name.is_empty() {
            return Err(Status::invalid_argument(
                "Missing ModelSpec: the request names no model (`model_spec.name`)",
            ));
        }
        super::named_unit(&self.state, name)
    }
}

#[tonic::async_trait]
impl PredictionService for TensorflowIngress {
    async fn predict(
        &self,
        request: Request<PredictRequest>,
    ) -> Result<Response<PredictResponse>, Status> {
        self.walk(&Predict, request, |r| r.model_spec.as_ref())
            .await
    }

    async fn classify(
        &self,
        request: Request<ClassificationRequest>,
    ) -> Result<Response<ClassificationResponse>, Status> {
        self.walk(&Classify, request, |r| r.model_spec.as_ref())
            .await
    }

    async fn regress(
        &self,
        request: Request<RegressionRequest>,
    ) -> Result<Response<RegressionResponse>, Status> {
        self.walk(&Regress, request, |r| r.model_spec.as_ref())
            .await
    }

    async fn get_model_metadata(
        &self,
        request: Request<GetModelMetadataRequest>,
    ) -> Result<Response<GetModelMetadataResponse>, Status> {
        let (ctx, puid) = context(request.metadata());
        let message = request.into_inner();
        let (node, channel) = self.unit(message.model_spec.as_ref())?;
        let units = self.state.grpc.units();
        let metadata = client!(units, PredictionServiceClient, channel)
            .get_model_metadata(ctx.request(message))
            .await
            .map_err(|s| unit_status(node, &s))?;
        Ok(with_puid(metadata.into_inner(), puid))
    }
}

#[tonic::async_trait]
impl ModelService for TensorflowIngress {
    async fn get_model_status(
        &self,
        request: Request<GetModelStatusRequest>,
    ) -> Result<Response<GetModelStatusResponse>, Status> {
        let (ctx, puid) = context(request.metadata());
        let message = request.into_inner();
        let (node, channel) = self.unit(message.model_spec.as_ref())?;
        let units = self.state.grpc.units();
        let status = client!(units, ModelServiceClient, channel)
            .get_model_status(ctx.request(message))
            .await
            .map_err(|s| unit_status(node, &s))?;
        Ok(with_puid(status.into_inner(), puid))
    }
}

/// The `PredictionService` and `ModelService` routes over `state`, messages capped at `limit`.
pub(super) fn routes(state: Arc<State>, limit: usize) -> Routes {
    let ingress = TensorflowIngress { state };
    Routes::new(
        PredictionServiceServer::new(ingress.clone())
            .max_decoding_message_size(limit)
            .max_encoding_message_size(limit),
    )
    .add_service(
        ModelServiceServer::new(ingress)
            .max_decoding_message_size(limit)
            .max_encoding_message_size(limit),
    )
}
