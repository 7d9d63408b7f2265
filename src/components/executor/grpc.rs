//! The executor's gRPC surface (`api/grpc/seldon` upstream): the `Seldon` service on
//! `--grpc_port`, walking the graph on protobuf messages and calling each unit over gRPC (the
//! `Model`, `Transformer`, `OutputTransformer`, `Router` and `Combiner` services the Python
//! wrapper serves), as upstream's gRPC ingress does: no JSON on the way.
//!
//! The walk follows the REST one (`walk.rs`) step for step; the units fill `meta` themselves.
//!
//! For `--protocol tensorflow` and `v2` the same port serves TF Serving's `PredictionService` and
//! `ModelService` (`tensorflow.rs`) or the Open Inference Protocol's `GRPCInferenceService`
//! (`v2.rs`), forwarding each message through the graph (`forward.rs`) as upstream's
//! `api/grpc/tensorflow` and `api/grpc/kfserving` do. All three share [`GrpcUnits`] (channels,
//! timeout, message cap) and the request context (forwarded metadata, `seldon-puid`).

mod forward;
mod tensorflow;
mod v2;

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::future::{BoxFuture, join_all};
use tokio::net::TcpListener;
use tonic::metadata::{MetadataMap, MetadataValue};
use tonic::service::Routes;
use tonic::transport::{Channel, Endpoint, Server};
use tonic::{Request, Response, Status};

use axum::http::HeaderValue;
use bytes::Bytes;

use super::client::Payload;
use super::graph::{Node, NodeType, UnitCall};
use super::logger::{LogKind, RequestLogger, SKIP_LOGGING_HEADER, skip_requested};
use super::{ExecutorError, State};
use crate::grpc::lazy::combiner_client::CombinerClient;
use crate::grpc::lazy::model_client::ModelClient;
use crate::grpc::lazy::output_transformer_client::OutputTransformerClient;
use crate::grpc::lazy::router_client::RouterClient;
use crate::grpc::lazy::seldon_server::{Seldon, SeldonServer};
use crate::grpc::lazy::transformer_client::TransformerClient;
use crate::protocol::ProtocolKind;
use crate::protocol::grpc::lazy::{
    LazyFeedback as Feedback, LazyMessage as SeldonMessage, LazyMessageList as SeldonMessageList,
};
use crate::protocol::grpc::route::{feedback_route, route_of};
use crate::protocol::grpc::seldon::protos::{
    SeldonGraphMetadata, SeldonMessageMetadata, SeldonModelMetadata, SeldonModelMetadataRequest,
};

/// The request metadata keys never copied to a unit: they describe one call.
const NOT_FORWARDED: [&str; 8] = [
    "content-type",
    "content-length",
    "te",
    "host",
    "user-agent",
    "grpc-timeout",
    "grpc-encoding",
    "grpc-accept-encoding",
];

const SELDON_PUID: &str = "seldon-puid";

/// One lazily connected channel per unit with a `grpcPort`, the per-call timeout and the
/// message size cap (`seldon.io/grpc-timeout`, `seldon.io/grpc-max-message-size`).
#[derive(Debug, Clone)]
pub struct GrpcUnits {
    channels: HashMap<String, Channel>,
    max_message_size: usize,
}

impl GrpcUnits {
    /// Channels to every node of `graph`; none connects before its first call.
    pub fn new(
        graph: &Node,
        timeout: Duration,
        max_message_size: usize,
    ) -> Result<Self, ExecutorError> {
        let mut nodes = Vec::new();
        graph.post_order(&mut nodes);
        let mut channels = HashMap::new();
        for node in nodes.into_iter().filter(|n| n.grpc_port != 0) {
            let uri = format!("http://{}:{}", node.host, node.grpc_port);
            let endpoint =
                Endpoint::from_shared(uri).map_err(|error| ExecutorError::InvalidNode {
                    path: node.name.clone(),
                    problem: format!("bad gRPC endpoint: {error}"),
                })?;
            let channel = endpoint
                .tcp_nodelay(true)
                .timeout(timeout)
                .connect_timeout(timeout)
                .connect_lazy();
            channels.insert(node.name.clone(), channel);
        }
        Ok(Self {
            channels,
            max_message_size,
        })
    }

    /// The cap on messages to and from the units.
    pub(super) fn max_message_size(&self) -> usize {
        self.max_message_size
    }

    pub(super) fn channel(&self, node: &Node) -> Result<Channel, Status> {
        self.channels.get(&node.name).cloned().ok_or_else(|| {
            Status::failed_precondition(format!(
                "unit `{}` has no gRPC port (`endpoint.grpcPort`)",
                node.name
            ))
        })
    }
}

/// Per-request state: the metadata copied to every unit call and the routing decisions.
#[derive(Debug)]
pub(super) struct Ctx {
    metadata: MetadataMap,
    routing: Mutex<BTreeMap<String, i32>>,
}

impl Ctx {
    pub(super) fn request<T>(&self, message: T) -> Request<T> {
        let mut request = Request::new(message);
        *request.metadata_mut() = self.metadata.clone();
        request
    }

    fn set_route(&self, node: &Node, route: i64) {
        let mut routing = self
            .routing
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        #[allow(clippy::cast_possible_truncation)] // routes are small
        routing.insert(node.name.clone(), route as i32);
    }
}

/// A unit's error as the client sees it: its code, its message prefixed with the unit.
pub(super) fn unit_status(node: &Node, status: &Status) -> Status {
    Status::new(
        status.code(),
        format!("unit `{}`: {}", node.name, status.message()),
    )
}

/// A generated client on `$channel` with the units' message size cap both ways.
macro_rules! client {
    ($units:expr, $client:ident, $channel:expr) => {
        $client::new($channel)
            .max_decoding_message_size($units.max_message_size())
            .max_encoding_message_size($units.max_message_size())
    };
}
pub(super) use client;

/// Walks graphs over gRPC for one executor.
#[derive(Debug, Clone)]
pub struct GrpcWalker {
    units: GrpcUnits,
    routing_injection: bool,
    logger: Option<Arc<RequestLogger>>,
}

impl GrpcWalker {
    /// A walker over `units`.
    #[must_use]
    pub fn new(units: GrpcUnits, routing_injection: bool) -> Self {
        Self {
            units,
            routing_injection,
            logger: None,
        }
    }

    /// The same walker, logging nodes' requests and responses (as protobuf, upstream's
    /// `application/protobuf` payloads) through `logger`.
    #[must_use]
    pub fn with_logger(mut self, logger: Arc<RequestLogger>) -> Self {
        self.logger = Some(logger);
        self
    }

    fn log(&self, node: &Node, kind: LogKind, message: &SeldonMessage, ctx: &Ctx) {
        let Some(logger) = &self.logger else {
            return;
        };
        if node.logger.is_none() {
            return;
        }
        let text = |name: &str| ctx.metadata.get(name).and_then(|v| v.to_str().ok());
        let payload = Payload {
            body: Bytes::from(prost::Message::encode_to_vec(message)),
            content_type: Some(HeaderValue::from_static("application/protobuf")),
            ..Payload::default()
        };
        logger.log_event(
            node,
            kind,
            &payload,
            text(SELDON_PUID).unwrap_or_default(),
            text(SKIP_LOGGING_HEADER).is_some_and(skip_requested),
        );
    }

    /// The channels to the graph's units.
    pub(super) fn units(&self) -> &GrpcUnits {
        &self.units
    }

    fn record_route(&self, ctx: &Ctx, node: &Node, route: i64) {
        if self.routing_injection {
            ctx.set_route(node, route);
        }
    }

    async fn unit(
        &self,
        node: &Node,
        call: UnitCall,
        message: SeldonMessage,
        ctx: &Ctx,
    ) -> Result<SeldonMessage, Status> {
        let channel = self.units.channel(node)?;
        let logged = call != UnitCall::Route;
        if logged {
            self.log(node, LogKind::Request, &message, ctx);
        }
        let request = ctx.request(message);
        let units = &self.units;
        let result = match call {
            UnitCall::Predict => client!(units, ModelClient, channel).predict(request).await,
            UnitCall::TransformInput => {
                client!(units, TransformerClient, channel)
                    .transform_input(request)
                    .await
            }
            UnitCall::TransformOutput => {
                client!(units, OutputTransformerClient, channel)
                    .transform_output(request)
                    .await
            }
            UnitCall::Route => client!(units, RouterClient, channel).route(request).await,
            UnitCall::Aggregate | UnitCall::SendFeedback => {
                return Err(Status::internal("not a single-message call"));
            }
        };
        let reply = result
            .map(Response::into_inner)
            .map_err(|s| unit_status(node, &s))?;
        if logged {
            self.log(node, LogKind::Response, &reply, ctx);
        }
        Ok(reply)
    }

    /// Runs the predict walk from `node`.
    fn predict<'a>(
        &'a self,
        node: &'a Node,
        message: SeldonMessage,
        ctx: &'a Ctx,
    ) -> BoxFuture<'a, Result<SeldonMessage, Status>> {
        Box::pin(async move {
            let transformed = match node.input_call() {
                Some(call) => {
                    self.record_route(ctx, node, -1);
                    self.unit(node, call, message, ctx).await?
                }
                None => message,
            };
            let combined = if node.children.is_empty() {
                transformed
            } else {
                self.predict_children(node, transformed, ctx).await?
            };
            let mut output = if node.transforms_output() {
                self.unit(node, UnitCall::TransformOutput, combined, ctx)
                    .await?
            } else {
                combined
            };
            if self.routing_injection
                && let Some(meta) = output.meta.as_mut()
            {
                let routing = ctx
                    .routing
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                meta.routing = routing.iter().map(|(k, v)| (k.clone(), *v)).collect();
            }
            Ok(output)
        })
    }

    async fn predict_children(
        &self,
        node: &Node,
        message: SeldonMessage,
        ctx: &Ctx,
    ) -> Result<SeldonMessage, Status> {
        let route = if node.routes() {
            let reply = self
                .unit(node, UnitCall::Route, message.clone(), ctx)
                .await?;
            let reply = reply.decode_payload().map_err(|error| {
                Status::internal(format!(
                    "unit `{}` sent a malformed reply: {error}",
                    node.name
                ))
            })?;
            route_of(&reply).map_err(|error| {
                Status::internal(format!(
                    "failed to use the reply of unit `{}`: {error}",
                    node.name
                ))
            })?
        } else if node.implementation == "RANDOM_ABTEST" {
            super::walk::random_abtest(node)
        } else {
            -1
        };
        let mut outputs = match route {
            -2 => {
                self.record_route(ctx, node, -2);
                return Ok(message);
            }
            -1 => {
                let results = join_all(
                    node.children
                        .iter()
                        .map(|child| self.predict(child, message.clone(), ctx)),
                )
                .await;
                self.record_route(ctx, node, -1);
                results.into_iter().collect::<Result<Vec<_>, _>>()?
            }
            index => {
                let child = usize::try_from(index)
                    .ok()
                    .and_then(|i| node.children.get(i))
                    .ok_or_else(|| {
                        Status::internal(format!(
                            "router `{}` returned route {index} but has {} children",
                            node.name,
                            node.children.len()
                        ))
                    })?;
                let output = self.predict(child, message, ctx).await?;
                self.record_route(ctx, node, index);
                vec![output]
            }
        };
        if !node.aggregates() {
            return Ok(outputs.swap_remove(0));
        }
        self.record_route(ctx, node, -1);
        let channel = self.units.channel(node)?;
        let list = SeldonMessageList {
            seldon_messages: outputs,
        };
        client!(self.units, CombinerClient, channel)
            .aggregate(ctx.request(list))
            .await
            .map(Response::into_inner)
            .map_err(|s| unit_status(node, &s))
    }

    /// Runs the feedback walk from `node`, steered by the routing in the feedback's response.
    fn feedback<'a>(
        &'a self,
        node: &'a Node,
        feedback: &'a Feedback,
        ctx: &'a Ctx,
    ) -> BoxFuture<'a, Result<SeldonMessage, Status>> {
        Box::pin(async move {
            if !node.children.is_empty() {
                match feedback_route(feedback, &node.name).unwrap_or(-1) {
                    -1 => {
                        let results = join_all(
                            node.children
                                .iter()
                                .map(|child| self.feedback(child, feedback, ctx)),
                        )
                        .await;
                        results.into_iter().collect::<Result<Vec<_>, _>>()?;
                    }
                    -2 => {}
                    index => {
                        let child = usize::try_from(index)
                            .ok()
                            .and_then(|i| node.children.get(i))
                            .ok_or_else(|| {
                                Status::internal(format!(
                                    "router `{}` returned route {index} but has {} children",
                                    node.name,
                                    node.children.len()
                                ))
                            })?;
                        self.feedback(child, feedback, ctx).await?;
                    }
                }
            }
            if !node.takes_feedback() {
                return Ok(SeldonMessage::default());
            }
            let channel = self.units.channel(node)?;
            let request = ctx.request(feedback.clone());
            let result = if node.kind == NodeType::Router {
                client!(self.units, RouterClient, channel)
                    .send_feedback(request)
                    .await
            } else {
                client!(self.units, ModelClient, channel)
                    .send_feedback(request)
                    .await
            };
            result
                .map(Response::into_inner)
                .map_err(|s| unit_status(node, &s))
        })
    }

    async fn unit_metadata(&self, node: &Node, ctx: &Ctx) -> Result<SeldonModelMetadata, Status> {
        let channel = self.units.channel(node)?;
        client!(self.units, ModelClient, channel)
            .metadata(ctx.request(()))
            .await
            .map(Response::into_inner)
            .map_err(|s| unit_status(node, &s))
    }
}

/// The `Seldon` service of one executor.
#[derive(Debug, Clone)]
pub struct SeldonIngress {
    state: Arc<State>,
}

impl SeldonIngress {
    /// The service over a running executor's state.
    #[must_use]
    pub fn new(state: Arc<State>) -> Self {
        Self { state }
    }

    fn walker(&self) -> &GrpcWalker {
        &self.state.grpc
    }
}

/// The incoming metadata to forward, with a `seldon-puid` (the client's or a fresh one).
pub(super) fn context(metadata: &MetadataMap) -> (Ctx, MetadataValue<tonic::metadata::Ascii>) {
    let mut headers = metadata.clone().into_headers();
    for name in NOT_FORWARDED {
        headers.remove(name);
    }
    let mut forwarded = MetadataMap::from_headers(headers);
    let puid = if let Some(value) = forwarded.get(SELDON_PUID) {
        value.clone()
    } else {
        let fresh = MetadataValue::try_from(uuid::Uuid::new_v4().to_string())
            .expect("a UUID is valid metadata");
        forwarded.insert(SELDON_PUID, fresh.clone());
        fresh
    };
    let ctx = Ctx {
        metadata: forwarded,
        routing: Mutex::default(),
    };
    (ctx, puid)
}

/// A reply carrying the request's `seldon-puid`.
pub(super) fn with_puid<T>(message: T, puid: MetadataValue<tonic::metadata::Ascii>) -> Response<T> {
    let mut response = Response::new(message);
    response.metadata_mut().insert(SELDON_PUID, puid);
    response
}

#[tonic::async_trait]
impl Seldon for SeldonIngress {
    async fn predict(
        &self,
        request: Request<SeldonMessage>,
    ) -> Result<Response<SeldonMessage>, Status> {
        let walker = self.walker();
        let (ctx, puid) = context(request.metadata());
        let root = &self.state.config.predictor.graph;
        let output = walker.predict(root, request.into_inner(), &ctx).await?;
        Ok(with_puid(output, puid))
    }

    async fn send_feedback(
        &self,
        request: Request<Feedback>,
    ) -> Result<Response<SeldonMessage>, Status> {
        let walker = self.walker();
        let (ctx, puid) = context(request.metadata());
        let root = &self.state.config.predictor.graph;
        let feedback = request.into_inner();
        let output = walker.feedback(root, &feedback, &ctx).await?;
        Ok(with_puid(output, puid))
    }

    async fn model_metadata(
        &self,
        request: Request<SeldonModelMetadataRequest>,
    ) -> Result<Response<SeldonModelMetadata>, Status> {
        let walker = self.walker();
        let (ctx, puid) = context(request.metadata());
        let name = request.into_inner().name;
        let Some(node) = self.state.config.predictor.graph.find(&name) else {
            return Err(Status::not_found(format!("Failed to find model {name}")));
        };
        let metadata = walker.unit_metadata(node, &ctx).await?;
        Ok(with_puid(metadata, puid))
    }

    async fn graph_metadata(
        &self,
        request: Request<()>,
    ) -> Result<Response<SeldonGraphMetadata>, Status> {
        let walker = self.walker();
        let (ctx, puid) = context(request.metadata());
        let graph = &self.state.config.predictor.graph;
        let mut nodes = Vec::new();
        graph.post_order(&mut nodes);
        let ctx = &ctx;
        let results = join_all(nodes.iter().map(|node| async move {
            walker
                .unit_metadata(node, ctx)
                .await
                .map(|m| (node.name.clone(), m))
        }))
        .await;
        let models = results.into_iter().collect::<Result<BTreeMap<_, _>, _>>()?;
        let (inputs, outputs) = graph_io(graph, &models);
        let metadata = SeldonGraphMetadata {
            name: self.state.config.predictor.name.clone(),
            models: models.into_iter().collect(),
            inputs,
            outputs,
        };
        Ok(with_puid(metadata, puid))
    }
}

type Io = (Vec<SeldonMessageMetadata>, Vec<SeldonMessageMetadata>);

/// The graph's inputs and outputs, by the rules of the REST graph metadata.
fn graph_io(node: &Node, models: &BTreeMap<String, SeldonModelMetadata>) -> Io {
    let own = models
        .get(&node.name)
        .map(|m| (m.inputs.clone(), m.outputs.clone()))
        .unwrap_or_default();
    let Some(first) = node.children.first() else {
        return own;
    };
    let (child_in, child_out) = graph_io(first, models);
    match node.kind {
        NodeType::Model | NodeType::Transformer => (own.0, child_out),
        NodeType::OutputTransformer | NodeType::Combiner => (child_in, own.1),
        NodeType::Router | NodeType::Unknown => (child_in, child_out),
    }
}

/// Serves the executor's gRPC API on `listener` until `shutdown` resolves: the `Seldon` service
/// for the Seldon protocol, `PredictionService` and `ModelService` for `tensorflow`,
/// `GRPCInferenceService` for `v2`; any other method is UNIMPLEMENTED with a message.
pub async fn serve<F>(
    state: Arc<State>,
    listener: TcpListener,
    shutdown: F,
) -> Result<(), ExecutorError>
where
    F: Future<Output = ()> + Send + 'static,
{
    let limit = state.config.grpc_max_message_size;
    let incoming = tonic::transport::server::TcpIncoming::from(listener).with_nodelay(Some(true));
    let routes = match state.config.protocol {
        ProtocolKind::Seldon => Routes::new(
            SeldonServer::new(SeldonIngress::new(state))
                .max_decoding_message_size(limit)
                .max_encoding_message_size(limit),
        ),
        ProtocolKind::Tensorflow => tensorflow::routes(state, limit),
        ProtocolKind::V2 => v2::routes(state, limit),
    };
    Server::builder()
        .add_routes(crate::grpc::with_unknown_method_answer(
            routes,
            "the built-in executor",
        ))
        .serve_with_incoming_shutdown(incoming, shutdown)
        .await
        .map_err(|error| ExecutorError::Grpc(error.to_string()))
}

/// The graph's unit named `name` (NOT_FOUND as upstream words it), and its channel: what the
/// tensorflow and v2 services call.
fn named_unit<'a>(state: &'a State, name: &str) -> Result<(&'a Node, Channel), Status> {
    let node = state
        .config
        .predictor
        .graph
        .find(name)
        .ok_or_else(|| Status::not_found(format!("Failed to find model {name}")))?;
    let channel = state.grpc.units().channel(node)?;
    Ok((node, channel))
}
