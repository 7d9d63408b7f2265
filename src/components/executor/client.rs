//! Calls from the executor to the graph's units over REST: unit paths per protocol, header
//! forwarding, the per-call timeout, a cap on reply bodies, and client metrics.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use bytes::{Bytes, BytesMut};

use super::graph::{Node, UnitCall};
use super::metrics::{ClientLabels, Metrics, split_image};
use crate::http;
use crate::http::local::Exchange;
use crate::protocol::ProtocolKind;

/// An in-process exchange's failure in the words of reqwest over the socket.
fn exchange_error(error: Exchange, limit: usize) -> String {
    match error {
        Exchange::Closed => http::local::CLOSED.to_owned(),
        Exchange::TooLarge => format!("reply is larger than {limit} bytes"),
        Exchange::Read(cause) => format!("error decoding response body: {cause}"),
    }
}

/// A message on its way through the graph: bytes plus the headers that describe them.
#[derive(Debug, Clone, Default)]
pub struct Payload {
    /// The body, never re-serialised unless a step must change it.
    pub body: Bytes,
    /// Its `Content-Type`, as the client or the last unit gave it.
    pub content_type: Option<HeaderValue>,
    /// Its `Content-Encoding`, if any.
    pub content_encoding: Option<HeaderValue>,
    /// The V2 binary tensor extension's `Inference-Header-Content-Length`: the body is that
    /// many bytes of JSON followed by raw tensor data.
    pub inference_header: Option<HeaderValue>,
}

/// The V2 binary tensor extension's header (Triton's; tritonclient sends it by default).
pub const INFERENCE_HEADER: &str = "inference-header-content-length";

/// What a unit answered.
#[derive(Debug)]
pub struct UnitReply {
    /// The HTTP status.
    pub status: StatusCode,
    /// The body and its content headers.
    pub payload: Payload,
}

/// A call that got no HTTP answer (connection refused, timeout, reply too large).
#[derive(Debug, thiserror::Error)]
#[error("{method} \"{url}\": {detail}")]
pub struct TransportError {
    /// `Post` or `Get`, as Go prints it.
    pub method: &'static str,
    /// The URL called.
    pub url: String,
    /// What went wrong.
    pub detail: String,
}

/// Non-standard calls (status, metadata) that are passed through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InfoCall {
    /// Unit health/status.
    Status,
    /// Unit metadata.
    Metadata,
}

/// The unit path of a call, per protocol (`modifyMethod` upstream).
#[must_use]
pub fn unit_path(protocol: ProtocolKind, call: UnitCall, model: &str) -> String {
    match (protocol, call) {
        (ProtocolKind::Seldon, UnitCall::Predict) => "/predict".into(),
        (ProtocolKind::Seldon, UnitCall::TransformInput) => "/transform-input".into(),
        (ProtocolKind::Seldon, UnitCall::TransformOutput) => "/transform-output".into(),
        (ProtocolKind::Seldon, UnitCall::Route) => "/route".into(),
        (ProtocolKind::Seldon, UnitCall::Aggregate) => "/aggregate".into(),
        (_, UnitCall::SendFeedback) => "/send-feedback".into(),
        (ProtocolKind::Tensorflow, UnitCall::Route) => format!("/v1/models/{model}:route"),
        (ProtocolKind::Tensorflow, UnitCall::Aggregate) => format!("/v1/models/{model}:aggregate"),
        (ProtocolKind::Tensorflow, _) => format!("/v1/models/{model}:predict"),
        (ProtocolKind::V2, UnitCall::Route) => format!("/v2/models/{model}/route"),
        (ProtocolKind::V2, UnitCall::Aggregate) => format!("/v2/models/{model}/aggregate"),
        (ProtocolKind::V2, _) => format!("/v2/models/{model}/infer"),
    }
}

/// The unit path of a status or metadata call, per protocol.
#[must_use]
pub fn info_path(protocol: ProtocolKind, call: InfoCall, model: &str) -> String {
    match (protocol, call) {
        (ProtocolKind::Seldon, InfoCall::Status) => "/health/status".into(),
        (ProtocolKind::Seldon, InfoCall::Metadata) => "/metadata".into(),
        (ProtocolKind::Tensorflow, InfoCall::Status) => format!("/v1/models/{model}"),
        (ProtocolKind::Tensorflow, InfoCall::Metadata) => format!("/v1/models/{model}/metadata"),
        (ProtocolKind::V2, InfoCall::Status) => format!("/v2/models/{model}/ready"),
        (ProtocolKind::V2, InfoCall::Metadata) => format!("/v2/models/{model}"),
    }
}

/// Headers never copied from the client to a unit: the payload's own content headers are set
/// per hop, and hop-by-hop headers belong to one connection.
const NOT_FORWARDED: [HeaderName; 9] = [
    header::CONTENT_TYPE,
    header::CONTENT_LENGTH,
    header::CONTENT_ENCODING,
    header::HOST,
    header::CONNECTION,
    header::TE,
    header::TRAILER,
    header::TRANSFER_ENCODING,
    header::UPGRADE,
];

/// The client's headers that go to every unit call (`Seldon-Puid`, auth, tracing, …).
#[must_use]
pub fn forwarded_headers(incoming: &HeaderMap) -> HeaderMap {
    let mut out = incoming.clone();
    for name in &NOT_FORWARDED {
        out.remove(name);
    }
    out.remove("keep-alive");
    out.remove("proxy-connection");
    out
}

/// The REST client the executor uses for every unit.
#[derive(Debug, Clone)]
pub struct UnitClient {
    http: reqwest::Client,
    timeout: Duration,
    reply_limit: usize,
    metrics: Arc<Metrics>,
    /// Whether a unit served by this process is called through its router
    /// ([`http::local`]), not its socket.
    in_process: bool,
}

impl UnitClient {
    /// A pooled client with a per-call timeout and a cap on reply bodies.
    pub fn new(
        timeout: Duration,
        reply_limit: usize,
        metrics: Arc<Metrics>,
    ) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .tcp_nodelay(true)
            .pool_idle_timeout(Duration::from_secs(90))
            // Units are called over plain HTTP: no system roots to load (our image has none,
            // and the platform verifier refuses to start without them).
            .tls_certs_only(Vec::<reqwest::Certificate>::new())
            .build()?;
        Ok(Self {
            http,
            timeout,
            reply_limit,
            metrics,
            in_process: false,
        })
    }

    /// The same client, calling the units this process serves in-process when `on`
    /// ([`http::local`]: the embedded runtime's hops).
    #[must_use]
    pub fn in_process_hops(mut self, on: bool) -> Self {
        self.in_process = on;
        self
    }

    /// POSTs a payload (or GETs when there is none) to a node's path.
    pub async fn call(
        &self,
        node: &Node,
        path: &str,
        payload: Option<&Payload>,
        headers: &HeaderMap,
    ) -> Result<UnitReply, TransportError> {
        let url = format!("http://{}:{}{}", node.host, node.http_port, path);
        let (method, go_method, label) = if payload.is_some() {
            (Method::POST, "Post", "post")
        } else {
            (Method::GET, "Get", "get")
        };
        let started = Instant::now();
        let local = if self.in_process {
            http::local::find(&node.host, node.http_port)
        } else {
            None
        };
        let result = match local {
            Some(server) => {
                self.send_local(&server, method, path, payload, headers)
                    .await
            }
            None => self.send(method, &url, payload, headers).await,
        };
        let code = result.as_ref().map_or(0, |reply| reply.status.as_u16());
        let (model_image, model_version) = split_image(&node.image);
        self.metrics.observe_client(
            ClientLabels {
                service: path.to_owned(),
                model_name: node.name.clone(),
                model_image,
                model_version,
                method: label,
                code,
            },
            started.elapsed(),
        );
        result.map_err(|detail| TransportError {
            method: go_method,
            url,
            detail,
        })
    }

    async fn send(
        &self,
        method: Method,
        url: &str,
        payload: Option<&Payload>,
        headers: &HeaderMap,
    ) -> Result<UnitReply, String> {
        let mut request = self
            .http
            .request(method, url)
            .headers(headers.clone())
            .timeout(self.timeout);
        if let Some(payload) = payload {
            if let Some(content_type) = &payload.content_type {
                request = request.header(header::CONTENT_TYPE, content_type);
            }
            if let Some(encoding) = &payload.content_encoding {
                request = request.header(header::CONTENT_ENCODING, encoding);
            }
            if let Some(length) = &payload.inference_header {
                request = request.header(INFERENCE_HEADER, length);
            }
            request = request.body(payload.body.clone());
        }
        let mut response = request.send().await.map_err(|e| self.describe(&e))?;
        let status = response.status();
        let content_type = response.headers().get(header::CONTENT_TYPE).cloned();
        let content_encoding = response.headers().get(header::CONTENT_ENCODING).cloned();
        let inference_header = response.headers().get(INFERENCE_HEADER).cloned();
        if response
            .content_length()
            .is_some_and(|len| len > self.reply_limit as u64)
        {
            return Err(format!("reply is larger than {} bytes", self.reply_limit));
        }
        let mut body = BytesMut::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| self.describe(&e))? {
            if body.len() + chunk.len() > self.reply_limit {
                return Err(format!("reply is larger than {} bytes", self.reply_limit));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(UnitReply {
            status,
            payload: Payload {
                body: body.freeze(),
                content_type,
                content_encoding,
                inference_header,
            },
        })
    }

    /// [`send`](Self::send) to a server of this process: the same request, headers, timeout,
    /// reply cap and errors, without the socket.
    async fn send_local(
        &self,
        server: &http::local::LocalServer,
        method: Method,
        path: &str,
        payload: Option<&Payload>,
        headers: &HeaderMap,
    ) -> Result<UnitReply, String> {
        let exchange = async {
            let mut request = axum::http::Request::new(match payload {
                Some(payload) => Body::from(payload.body.clone()),
                None => Body::empty(),
            });
            *request.method_mut() = method;
            *request.uri_mut() = path.parse().map_err(|e| format!("builder error: {e}"))?;
            *request.headers_mut() = headers.clone();
            if let Some(payload) = payload {
                let out = request.headers_mut();
                for (name, value) in [
                    (header::CONTENT_TYPE, &payload.content_type),
                    (header::CONTENT_ENCODING, &payload.content_encoding),
                    (
                        HeaderName::from_static(INFERENCE_HEADER),
                        &payload.inference_header,
                    ),
                ] {
                    if let Some(value) = value {
                        out.insert(name, value.clone());
                    }
                }
            }
            let (parts, body) = server
                .exchange(request, self.reply_limit)
                .await
                .map_err(|error| exchange_error(error, self.reply_limit))?;
            Ok(UnitReply {
                status: parts.status,
                payload: Payload {
                    body,
                    content_type: parts.headers.get(header::CONTENT_TYPE).cloned(),
                    content_encoding: parts.headers.get(header::CONTENT_ENCODING).cloned(),
                    inference_header: parts.headers.get(INFERENCE_HEADER).cloned(),
                },
            })
        };
        tokio::time::timeout(self.timeout, exchange)
            .await
            .unwrap_or_else(|_| Err(self.timed_out()))
    }

    fn timed_out(&self) -> String {
        format!(
            "timeout after {} ms (annotation `seldon.io/rest-timeout`)",
            self.timeout.as_millis()
        )
    }

    fn describe(&self, error: &reqwest::Error) -> String {
        if error.is_timeout() {
            return self.timed_out();
        }
        // The innermost causes say what happened ("Connection refused"); reqwest's own text
        // only repeats the URL.
        let mut parts = Vec::new();
        let mut source = std::error::Error::source(error);
        while let Some(cause) = source {
            parts.push(cause.to_string());
            source = cause.source();
        }
        if parts.is_empty() {
            error.to_string()
        } else {
            parts.join(": ")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_paths_follow_the_protocol() {
        let table = [
            (ProtocolKind::Seldon, UnitCall::Predict, "/predict"),
            (
                ProtocolKind::Seldon,
                UnitCall::TransformInput,
                "/transform-input",
            ),
            (
                ProtocolKind::Seldon,
                UnitCall::TransformOutput,
                "/transform-output",
            ),
            (ProtocolKind::Seldon, UnitCall::Route, "/route"),
            (ProtocolKind::Seldon, UnitCall::Aggregate, "/aggregate"),
            (
                ProtocolKind::Seldon,
                UnitCall::SendFeedback,
                "/send-feedback",
            ),
            (
                ProtocolKind::Tensorflow,
                UnitCall::Predict,
                "/v1/models/m:predict",
            ),
            (
                ProtocolKind::Tensorflow,
                UnitCall::TransformOutput,
                "/v1/models/m:predict",
            ),
            (
                ProtocolKind::Tensorflow,
                UnitCall::Route,
                "/v1/models/m:route",
            ),
            (
                ProtocolKind::Tensorflow,
                UnitCall::Aggregate,
                "/v1/models/m:aggregate",
            ),
            (
                ProtocolKind::V2,
                UnitCall::TransformInput,
                "/v2/models/m/infer",
            ),
            (ProtocolKind::V2, UnitCall::Route, "/v2/models/m/route"),
            (
                ProtocolKind::V2,
                UnitCall::Aggregate,
                "/v2/models/m/aggregate",
            ),
        ];
        for (protocol, call, path) in table {
            assert_eq!(unit_path(protocol, call, "m"), path, "{protocol} {call:?}");
        }
        let info = [
            (ProtocolKind::Seldon, InfoCall::Status, "/health/status"),
            (ProtocolKind::Seldon, InfoCall::Metadata, "/metadata"),
            (ProtocolKind::Tensorflow, InfoCall::Status, "/v1/models/m"),
            (
                ProtocolKind::Tensorflow,
                InfoCall::Metadata,
                "/v1/models/m/metadata",
            ),
            (ProtocolKind::V2, InfoCall::Status, "/v2/models/m/ready"),
            (ProtocolKind::V2, InfoCall::Metadata, "/v2/models/m"),
        ];
        for (protocol, call, path) in info {
            assert_eq!(info_path(protocol, call, "m"), path, "{protocol} {call:?}");
        }
    }

    #[test]
    fn content_and_hop_headers_are_not_forwarded() {
        let mut incoming = HeaderMap::new();
        for (name, value) in [
            ("content-type", "application/json"),
            ("content-length", "10"),
            ("host", "x"),
            ("connection", "keep-alive"),
            ("seldon-puid", "p"),
            ("authorization", "Bearer t"),
            ("x-b3-traceid", "t"),
        ] {
            incoming.insert(
                HeaderName::from_static(name),
                HeaderValue::from_static(value),
            );
        }
        let out = forwarded_headers(&incoming);
        let mut names: Vec<_> = out.keys().map(HeaderName::as_str).collect();
        names.sort_unstable();
        assert_eq!(names, ["authorization", "seldon-puid", "x-b3-traceid"]);
    }
}
