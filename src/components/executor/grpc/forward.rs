//! The graph walk for the TF Serving and V2 gRPC services: each unit gets the message the last
//! one answered, turned back into a request (`Chain` upstream: a response's outputs become the
//! next request's inputs), as the REST walk does with JSON for those protocols.
//!
//! Upstream's gRPC clients for these protocols call every unit with the one prediction method
//! (input and output transformers included) and have no router or combiner call; the executor's
//! own `RANDOM_ABTEST` routes, and a node that needs a unit to route or combine is UNIMPLEMENTED
//! with a message rather than upstream's panic.

use futures_util::future::{BoxFuture, join_all};
use tonic::transport::Channel;
use tonic::{Request, Status};

use super::super::graph::Node;
use super::super::walk::random_abtest;
use super::{Ctx, GrpcUnits, unit_status};

/// One protocol's prediction method.
pub(super) trait Hop: Sync {
    /// What a unit is asked.
    type Request: Clone + Send + Sync;
    /// What a unit answers.
    type Response: Clone + Send + Sync;

    /// The protocol, for messages.
    const PROTOCOL: &'static str;

    /// Calls a unit on `channel`.
    fn call<'a>(
        &'a self,
        units: &'a GrpcUnits,
        channel: Channel,
        request: Request<Self::Request>,
    ) -> BoxFuture<'a, Result<Self::Response, Status>>;

    /// The request for unit `model` made of the previous unit's response.
    fn chain(&self, response: Self::Response, model: &str) -> Result<Self::Request, Status>;
}

/// A message between two steps: the client's request or a unit's response.
enum Message<H: Hop> {
    Request(H::Request),
    Response(H::Response),
}

impl<H: Hop> Clone for Message<H> {
    fn clone(&self) -> Self {
        match self {
            Self::Request(request) => Self::Request(request.clone()),
            Self::Response(response) => Self::Response(response.clone()),
        }
    }
}

/// One walk: the protocol's method, the units, the request's context and the model name the
/// client asked for (empty: each unit's own name).
pub(super) struct Forward<'a, H: Hop> {
    pub(super) hop: &'a H,
    pub(super) units: &'a GrpcUnits,
    pub(super) ctx: &'a Ctx,
    pub(super) model: &'a str,
}

impl<H: Hop> Forward<'_, H> {
    /// Walks the graph from `root` with the client's `request`.
    pub(super) async fn run(
        &self,
        root: &Node,
        request: H::Request,
    ) -> Result<H::Response, Status> {
        match self.predict(root, Message::Request(request)).await? {
            Message::Response(response) => Ok(response),
            Message::Request(_) => Err(Status::internal(
                "the graph called no unit: it has no model or transformer",
            )),
        }
    }

    async fn call(&self, node: &Node, message: Message<H>) -> Result<Message<H>, Status> {
        let model = if self.model.is_empty() {
            node.name.as_str()
        } else {
            self.model
        };
        let request = match message {
            Message::Request(request) => request,
            Message::Response(response) => self
                .hop
                .chain(response, model)
                .map_err(|s| unit_status(node, &s))?,
        };
        let channel = self.units.channel(node)?;
        self.hop
            .call(self.units, channel, self.ctx.request(request))
            .await
            .map(Message::Response)
            .map_err(|s| unit_status(node, &s))
    }

    fn predict<'b>(
        &'b self,
        node: &'b Node,
        message: Message<H>,
    ) -> BoxFuture<'b, Result<Message<H>, Status>> {
        Box::pin(async move {
            let transformed = if node.input_call().is_some() {
                self.call(node, message).await?
            } else {
                message
            };
            let combined = if node.children.is_empty() {
                transformed
            } else {
                self.children(node, transformed).await?
            };
            if node.transforms_output() {
                self.call(node, combined).await
            } else {
                Ok(combined)
            }
        })
    }

    async fn children(&self, node: &Node, message: Message<H>) -> Result<Message<H>, Status> {
        if node.routes() || node.aggregates() {
            return Err(Status::unimplemented(format!(
                "unit `{}`: the executor cannot ask a unit to route or combine over gRPC for \
                 the {} protocol (upstream has no such call); use REST",
                node.name,
                H::PROTOCOL
            )));
        }
        let route = if node.implementation == "RANDOM_ABTEST" {
            random_abtest(node)
        } else {
            -1
        };
        if route == -1 {
            // Every child runs; without a combiner the first child's output goes on.
            let results = join_all(
                node.children
                    .iter()
                    .map(|child| self.predict(child, message.clone())),
            )
            .await;
            let mut outputs = results.into_iter().collect::<Result<Vec<_>, _>>()?;
            return Ok(outputs.swap_remove(0));
        }
        let child = usize::try_from(route)
            .ok()
            .and_then(|i| node.children.get(i))
            .ok_or_else(|| {
                Status::internal(format!(
                    "router `{}` returned route {route} but has {} children",
                    node.name,
                    node.children.len()
                ))
            })?;
        self.predict(child, message).await
    }
}
