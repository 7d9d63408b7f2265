//! The graph walk (`predictor_process.go` upstream): transform-input, route, children,
//! aggregate, transform-output for predictions, and the routed feedback walk.
//!
//! Bodies travel as bytes. The walk only parses a body when a step needs to look inside it
//! (a router's reply, feedback routing, TF/V2 chaining, routing injection), so a plain
//! transformer → model chain forwards each unit's reply untouched.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use bytes::{BufMut as _, Bytes, BytesMut};
use futures_util::future::{BoxFuture, join_all};
use serde::de::IgnoredAny;
use serde_json::Value;

use super::client::{Payload, TransportError, UnitClient, unit_path};
use super::graph::{Node, UnitCall};
use super::logger::{LogKind, RequestLogger};
use crate::protocol::seldon::{Feedback, extract_route};
use crate::protocol::{ProtocolError, ProtocolKind, tensorflow, v2};

/// Why a walk stopped.
#[derive(Debug, thiserror::Error)]
pub enum WalkError {
    /// A unit answered with a non-200 status; its answer is passed to the client unchanged.
    #[error("unit `{node}` answered {status}")]
    Unit {
        /// The node that failed.
        node: String,
        /// Its status.
        status: StatusCode,
        /// Its body and content headers.
        payload: Box<Payload>,
    },
    /// A unit could not be reached or did not answer in time.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// A router chose a child that does not exist.
    #[error("router `{node}` returned route {route} but has {children} children")]
    InvalidRoute {
        /// The router.
        node: String,
        /// The index it returned.
        route: i64,
        /// How many children it has.
        children: usize,
    },
    /// A unit's reply could not be used by the next step.
    #[error("failed to use the reply of unit `{node}`: {source}")]
    BadReply {
        /// The node whose reply was unusable.
        node: String,
        /// Why.
        #[source]
        source: ProtocolError,
    },
    /// A child's output given to a combiner was not JSON.
    #[error("Data is not JSON")]
    AggregateNotJson,
}

/// Per-request state shared by every step of one walk.
#[derive(Debug)]
pub struct RequestContext {
    /// Headers copied to every unit call.
    pub headers: HeaderMap,
    /// The model name from the external URL (TF/V2), which replaces node names in unit paths.
    pub model: Option<String>,
    /// The routing decisions, node name → route.
    pub routing: Mutex<BTreeMap<String, i32>>,
}

impl RequestContext {
    /// A context for one external request.
    #[must_use]
    pub fn new(headers: HeaderMap, model: Option<String>) -> Self {
        Self {
            headers,
            model,
            routing: Mutex::default(),
        }
    }

    fn set_route(&self, node: &Node, route: i64) {
        let mut routing = self
            .routing
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        routing.insert(node.name.clone(), route as i32);
    }

    fn routing_json(&self) -> Value {
        let routing = self
            .routing
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        serde_json::to_value(&*routing).unwrap_or(Value::Null)
    }
}

/// Walks graphs for one executor.
#[derive(Debug, Clone)]
pub struct Walker {
    /// The REST client.
    pub client: UnitClient,
    /// The protocol the units speak.
    pub protocol: ProtocolKind,
    /// Whether `meta.routing` is written into replies (`SELDON_ENABLE_ROUTING_INJECTION`).
    pub routing_injection: bool,
    /// Where nodes with a `logger` send their requests and responses.
    pub logger: Arc<RequestLogger>,
}

impl Walker {
    /// Routing is only kept when it will be injected into replies.
    fn record_route(&self, ctx: &RequestContext, node: &Node, route: i64) {
        if self.routing_injection {
            ctx.set_route(node, route);
        }
    }

    async fn unit(
        &self,
        node: &Node,
        call: UnitCall,
        payload: &Payload,
        ctx: &RequestContext,
    ) -> Result<Payload, WalkError> {
        let model = ctx.model.as_deref().unwrap_or(&node.name);
        let path = unit_path(self.protocol, call, model);
        // Upstream logs around every call but routing and feedback.
        let logged = !matches!(call, UnitCall::Route | UnitCall::SendFeedback);
        if logged {
            self.logger
                .log(node, LogKind::Request, payload, &ctx.headers);
        }
        let reply = self
            .client
            .call(node, &path, Some(payload), &ctx.headers)
            .await?;
        if reply.status == StatusCode::OK {
            if logged {
                self.logger
                    .log(node, LogKind::Response, &reply.payload, &ctx.headers);
            }
            Ok(reply.payload)
        } else {
            Err(WalkError::Unit {
                node: node.name.clone(),
                status: reply.status,
                payload: Box::new(reply.payload),
            })
        }
    }

    /// Turns a unit's reply into the next unit's request (identity for the Seldon protocol).
    fn chain(&self, node: &Node, payload: Payload) -> Result<Payload, WalkError> {
        if payload.inference_header.is_some() {
            return chain_binary(self.protocol, payload).map_err(|source| WalkError::BadReply {
                node: node.name.clone(),
                source,
            });
        }
        let rewrite = match self.protocol {
            ProtocolKind::Seldon => return Ok(payload),
            ProtocolKind::Tensorflow => tensorflow::chain(&payload.body),
            ProtocolKind::V2 => v2::chain(&payload.body),
        };
        match rewrite {
            Ok(None) => Ok(payload),
            Ok(Some(body)) => Ok(Payload {
                body: Bytes::from(body),
                ..payload
            }),
            Err(source) => Err(WalkError::BadReply {
                node: node.name.clone(),
                source,
            }),
        }
    }

    /// Runs the predict walk from `node`.
    pub fn predict<'a>(
        &'a self,
        node: &'a Node,
        message: Payload,
        ctx: &'a RequestContext,
    ) -> BoxFuture<'a, Result<Payload, WalkError>> {
        Box::pin(async move {
            let transformed = match node.input_call() {
                Some(call) => {
                    let chained = self.chain(node, message)?;
                    self.record_route(ctx, node, -1);
                    self.unit(node, call, &chained, ctx).await?
                }
                None => message,
            };
            let combined = if node.children.is_empty() {
                transformed
            } else {
                self.predict_children(node, transformed, ctx).await?
            };
            let output = if node.transforms_output() {
                let chained = self.chain(node, combined)?;
                self.unit(node, UnitCall::TransformOutput, &chained, ctx)
                    .await?
            } else {
                combined
            };
            if self.routing_injection {
                Ok(inject_routing(output, ctx))
            } else {
                Ok(output)
            }
        })
    }

    async fn predict_children(
        &self,
        node: &Node,
        message: Payload,
        ctx: &RequestContext,
    ) -> Result<Payload, WalkError> {
        self.logger
            .log(node, LogKind::Request, &message, &ctx.headers);
        let output = self.predict_routed(node, message, ctx).await?;
        self.logger
            .log(node, LogKind::Response, &output, &ctx.headers);
        Ok(output)
    }

    async fn predict_routed(
        &self,
        node: &Node,
        message: Payload,
        ctx: &RequestContext,
    ) -> Result<Payload, WalkError> {
        let route = self.route(node, &message, ctx).await?;
        let outputs = match route {
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
                    .ok_or_else(|| WalkError::InvalidRoute {
                        node: node.name.clone(),
                        route: index,
                        children: node.children.len(),
                    })?;
                let output = self.predict(child, message, ctx).await?;
                self.record_route(ctx, node, index);
                vec![output]
            }
        };
        self.aggregate(node, outputs, ctx).await
    }

    async fn route(
        &self,
        node: &Node,
        message: &Payload,
        ctx: &RequestContext,
    ) -> Result<i64, WalkError> {
        if node.routes() {
            let reply = self.unit(node, UnitCall::Route, message, ctx).await?;
            return extract_route(&reply.body).map_err(|source| WalkError::BadReply {
                node: node.name.clone(),
                source,
            });
        }
        if node.implementation == "RANDOM_ABTEST" {
            return Ok(random_abtest(node));
        }
        Ok(-1)
    }

    async fn aggregate(
        &self,
        node: &Node,
        mut outputs: Vec<Payload>,
        ctx: &RequestContext,
    ) -> Result<Payload, WalkError> {
        if !node.aggregates() {
            // Non-combiners take their first child's output.
            return Ok(outputs.swap_remove(0));
        }
        let mut body =
            BytesMut::with_capacity(outputs.iter().map(|o| o.body.len() + 1).sum::<usize>() + 2);
        body.put_u8(b'[');
        for (i, output) in outputs.iter().enumerate() {
            if serde_json::from_slice::<IgnoredAny>(&output.body).is_err() {
                return Err(WalkError::AggregateNotJson);
            }
            if i > 0 {
                body.put_u8(b',');
            }
            body.extend_from_slice(&output.body);
        }
        body.put_u8(b']');
        let list = Payload {
            body: body.freeze(),
            content_type: outputs.first().and_then(|o| o.content_type.clone()),
            ..Payload::default()
        };
        self.record_route(ctx, node, -1);
        self.unit(node, UnitCall::Aggregate, &list, ctx).await
    }

    /// Runs the feedback walk from `node`; `parsed` is the feedback if it parsed (it steers
    /// routing; unparsable feedback goes to every child).
    pub fn feedback<'a>(
        &'a self,
        node: &'a Node,
        message: &'a Payload,
        parsed: Option<&'a Feedback>,
        ctx: &'a RequestContext,
    ) -> BoxFuture<'a, Result<Payload, WalkError>> {
        Box::pin(async move {
            self.logger
                .log(node, LogKind::Feedback, message, &ctx.headers);
            if !node.children.is_empty() {
                let route = parsed.and_then(|f| f.routing_for(&node.name)).unwrap_or(-1);
                match route {
                    -1 => {
                        let results = join_all(
                            node.children
                                .iter()
                                .map(|child| self.feedback(child, message, parsed, ctx)),
                        )
                        .await;
                        results.into_iter().collect::<Result<Vec<_>, _>>()?;
                    }
                    -2 => {}
                    index => {
                        let child = usize::try_from(index)
                            .ok()
                            .and_then(|i| node.children.get(i))
                            .ok_or_else(|| WalkError::InvalidRoute {
                                node: node.name.clone(),
                                route: i64::from(index),
                                children: node.children.len(),
                            })?;
                        self.feedback(child, message, parsed, ctx).await?;
                    }
                }
            }
            if node.takes_feedback() && self.protocol == ProtocolKind::Seldon {
                self.unit(node, UnitCall::SendFeedback, message, ctx).await
            } else {
                Ok(message.clone())
            }
        })
    }
}

#[allow(clippy::cast_precision_loss)] // 53 bits fit a double exactly
/// `RANDOM_ABTEST`: child 0 with probability `ratioA` (default 0.5), else child 1.
pub(super) fn random_abtest(node: &Node) -> i64 {
    let ratio = match node.parameters.get("ratioA") {
        Some(value) if node.parameters.len() == 1 => value.parse::<f64>().unwrap_or(0.5),
        _ => 0.5,
    };
    // 53 random bits from a v4 UUID make a uniform float in [0, 1).
    let bits = uuid::Uuid::new_v4().as_u128() >> 75;
    let draw = bits as f64 / (1u64 << 53) as f64;
    i64::from(draw >= ratio)
}

/// A V2 binary-extension body's JSON header rewritten as [`v2::chain`] rewrites a JSON body
/// (`outputs` become `inputs`, each keeping its `binary_data_size`), the tensor bytes after it
/// untouched; a request passes unchanged.
fn chain_binary(protocol: ProtocolKind, payload: Payload) -> Result<Payload, ProtocolError> {
    if protocol != ProtocolKind::V2 {
        return Ok(payload);
    }
    let bad = || ProtocolError::V2("a malformed Inference-Header-Content-Length".to_owned());
    let length: usize = payload
        .inference_header
        .as_ref()
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
        .filter(|&n| n <= payload.body.len())
        .ok_or_else(bad)?;
    let Some(header) = v2::chain(&payload.body[..length])? else {
        return Ok(payload);
    };
    let mut body = BytesMut::with_capacity(header.len() + payload.body.len() - length);
    body.extend_from_slice(&header);
    body.extend_from_slice(&payload.body[length..]);
    Ok(Payload {
        body: body.freeze(),
        inference_header: HeaderValue::from_str(&header.len().to_string()).ok(),
        ..payload
    })
}

/// Writes the request's routing into `meta.routing` when the body has a `meta` object.
fn inject_routing(payload: Payload, ctx: &RequestContext) -> Payload {
    if payload.content_encoding.is_some() || payload.inference_header.is_some() {
        return payload;
    }
    let Ok(mut value) = serde_json::from_slice::<Value>(&payload.body) else {
        return payload;
    };
    let Some(meta) = value.get_mut("meta").and_then(Value::as_object_mut) else {
        return payload;
    };
    meta.insert("routing".to_owned(), ctx.routing_json());
    match serde_json::to_vec(&value) {
        Ok(body) => Payload {
            body: Bytes::from(body),
            ..payload
        },
        Err(_) => payload,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_abtest_respects_extreme_ratios() {
        let mut node = super::super::graph::Predictor::from_json(
            br#"{"name":"p","graph":{"name":"ab","implementation":"RANDOM_ABTEST","parameters":[{"name":"ratioA","value":"1.0","type":"FLOAT"}]}}"#,
        )
        .unwrap()
        .graph;
        assert!((0..50).all(|_| random_abtest(&node) == 0));
        node.parameters.insert("ratioA".into(), "0".into());
        assert!((0..50).all(|_| random_abtest(&node) == 1));
    }

    #[test]
    fn a_binary_v2_reply_chains_by_its_json_header_and_keeps_its_tensor_bytes() {
        let header = br#"{"model_name":"m","outputs":[{"name":"y","datatype":"INT32","shape":[1],"parameters":{"binary_data_size":4}}]}"#;
        let body = [&header[..], &7i32.to_le_bytes()].concat();
        let reply = Payload {
            body: Bytes::from(body),
            inference_header: Some(HeaderValue::from(header.len())),
            ..Payload::default()
        };
        let next = chain_binary(ProtocolKind::V2, reply).unwrap();
        let length: usize = next
            .inference_header
            .as_ref()
            .unwrap()
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        let json: Value = serde_json::from_slice(&next.body[..length]).unwrap();
        assert_eq!(json["inputs"][0]["parameters"]["binary_data_size"], 4);
        assert_eq!(&next.body[length..], &7i32.to_le_bytes());
        // A header length past the body is an error, not a panic.
        let bad = Payload {
            body: Bytes::from_static(b"{}"),
            inference_header: Some(HeaderValue::from_static("99")),
            ..Payload::default()
        };
        assert!(chain_binary(ProtocolKind::V2, bad).is_err());
    }

    #[test]
    fn routing_is_injected_only_into_an_existing_meta() {
        let ctx = RequestContext::new(HeaderMap::new(), None);
        ctx.routing.lock().unwrap().insert("r".into(), 1);
        let with_meta = Payload {
            body: Bytes::from_static(br#"{"data":{"ndarray":[1]},"meta":{}}"#),
            ..Payload::default()
        };
        let out = inject_routing(with_meta, &ctx);
        assert_eq!(
            &out.body[..],
            br#"{"data":{"ndarray":[1]},"meta":{"routing":{"r":1}}}"#
        );
        let without = Payload {
            body: Bytes::from_static(br#"{"data":{"ndarray":[1]}}"#),
            ..Payload::default()
        };
        assert_eq!(
            &inject_routing(without, &ctx).body[..],
            br#"{"data":{"ndarray":[1]}}"#
        );
    }
}
