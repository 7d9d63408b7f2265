//! The executor's external HTTP surface (`api/rest/server.go` upstream): the routes of each
//! protocol, the middleware headers, and the handlers.
//!
//! Routing is a small table matched in order, like gorilla/mux: the first route whose path and
//! method match wins; a known path with the wrong method is 405 with an empty body; anything else
//! is 404 `404 page not found`. Both skip the middleware headers, as upstream does.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Request, State as AxumState};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use bytes::Bytes;
use futures_util::future::join_all;
use serde::Serialize;
use serde_json::Value;

use super::State;
use super::client::{InfoCall, Payload, forwarded_headers, info_path};
use super::graph::{Node, NodeType};
use super::metrics::ServerLabels;
use super::walk::{RequestContext, WalkError};
use crate::http::{self, BodyError};
use crate::protocol::ProtocolKind;
use crate::protocol::seldon::{self, Feedback};

const SELDON_PUID: HeaderName = HeaderName::from_static("seldon-puid");
const CE_SPECVERSION: &str = "ce-specversion";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Predict,
    Feedback,
    GraphMetadata,
    UnitMetadata,
    UnitStatus,
    Ready,
    Live,
    Metrics,
}

#[derive(Debug, Clone, Copy)]
enum Pattern {
    Exact(&'static str),
    /// `prefix{model}suffix`, `{model}` being `[^/]+`.
    Model(&'static str, &'static str),
    /// The `--prometheus_path`.
    PrometheusPath,
}

#[derive(Debug, Clone, Copy)]
enum Verbs {
    Post,
    Get,
    Any,
}

#[derive(Debug, Clone, Copy)]
struct Route {
    pattern: Pattern,
    verbs: Verbs,
    action: Action,
}

const fn route(pattern: Pattern, verbs: Verbs, action: Action) -> Route {
    Route {
        pattern,
        verbs,
        action,
    }
}

use Pattern::{Exact, Model};

const ALWAYS: [Route; 3] = [
    route(Exact("/ready"), Verbs::Any, Action::Ready),
    route(Exact("/live"), Verbs::Any, Action::Live),
    route(Pattern::PrometheusPath, Verbs::Any, Action::Metrics),
];

const SELDON_ROUTES: [Route; 11] = [
    route(Exact("/api/v1.0/predictions"), Verbs::Post, Action::Predict),
    route(Exact("/api/v0.1/predictions"), Verbs::Post, Action::Predict),
    route(Exact("/api/v1.0/feedback"), Verbs::Post, Action::Feedback),
    route(Exact("/api/v0.1/feedback"), Verbs::Post, Action::Feedback),
    route(
        Exact("/api/v1.0/metadata"),
        Verbs::Get,
        Action::GraphMetadata,
    ),
    route(
        Model("/api/v1.0/metadata/", ""),
        Verbs::Get,
        Action::UnitMetadata,
    ),
    route(
        Model("/api/v0.1/metadata/", ""),
        Verbs::Get,
        Action::UnitMetadata,
    ),
    route(
        Model("/api/v1.0/status/", ""),
        Verbs::Get,
        Action::UnitStatus,
    ),
    route(
        Model("/api/v0.1/status/", ""),
        Verbs::Get,
        Action::UnitStatus,
    ),
    route(Exact("/api/v1.0/status"), Verbs::Get, Action::Ready),
    route(Exact("/api/v1.0/health/status"), Verbs::Get, Action::Ready),
];

const TENSORFLOW_ROUTES: [Route; 7] = [
    route(
        Model("/v1/models/", ":predict"),
        Verbs::Post,
        Action::Predict,
    ),
    route(
        Model("/v1/models/", "/:predict"),
        Verbs::Post,
        Action::Predict,
    ),
    route(Exact("/v1/models:predict"), Verbs::Post, Action::Predict),
    route(Exact("/v1/models/:predict"), Verbs::Post, Action::Predict),
    route(Model("/v1/models/", ""), Verbs::Get, Action::UnitStatus),
    route(
        Model("/v1/models/", "/metadata"),
        Verbs::Get,
        Action::UnitMetadata,
    ),
    route(Exact("/api/v1.0/feedback"), Verbs::Post, Action::Feedback),
];

const V2_ROUTES: [Route; 5] = [
    route(Model("/v2/models/", "/infer"), Verbs::Post, Action::Predict),
    route(Exact("/v2/models/infer"), Verbs::Post, Action::Predict),
    route(
        Model("/v2/models/", "/ready"),
        Verbs::Get,
        Action::UnitStatus,
    ),
    route(Model("/v2/models/", ""), Verbs::Get, Action::UnitMetadata),
    route(Exact("/v2/health/ready"), Verbs::Get, Action::Ready),
];

fn routes(protocol: ProtocolKind) -> impl Iterator<Item = &'static Route> {
    let specific: &'static [Route] = match protocol {
        ProtocolKind::Seldon => &SELDON_ROUTES,
        ProtocolKind::Tensorflow => &TENSORFLOW_ROUTES,
        ProtocolKind::V2 => &V2_ROUTES,
    };
    ALWAYS.iter().chain(specific)
}

/// The model captured by a route: `None` when the pattern has no `{model}`.
#[allow(clippy::option_option)] // outer: did the path match; inner: the captured model
fn match_path(pattern: Pattern, path: &str, prometheus_path: &str) -> Option<Option<String>> {
    match pattern {
        Exact(exact) => (path == exact).then_some(None),
        Pattern::PrometheusPath => (path == prometheus_path).then_some(None),
        Model(prefix, suffix) => {
            let model = path.strip_prefix(prefix)?.strip_suffix(suffix)?;
            (!model.is_empty() && !model.contains('/')).then(|| Some(model.to_owned()))
        }
    }
}

fn verbs_allow(verbs: Verbs, method: &Method) -> bool {
    match verbs {
        Verbs::Any => true,
        Verbs::Post => method == Method::POST || method == Method::OPTIONS,
        Verbs::Get => method == Method::GET || method == Method::OPTIONS,
    }
}

fn allow_methods(verbs: Verbs) -> HeaderValue {
    HeaderValue::from_static(match verbs {
        Verbs::Post => "OPTIONS,POST",
        Verbs::Get => "GET,OPTIONS",
        Verbs::Any => "",
    })
}

/// The single entry point: match the table, apply the middleware, run the action.
pub(super) async fn dispatch(
    AxumState(state): AxumState<Arc<State>>,
    request: Request,
) -> Response {
    let path = request.uri().path().to_owned();
    let method = request.method().clone();
    let mut path_matched = false;
    let found = routes(state.config.protocol).find_map(|r| {
        let model = match_path(r.pattern, &path, &state.config.prometheus_path)?;
        path_matched = true;
        verbs_allow(r.verbs, &method).then_some((r, model))
    });
    let Some((route, model)) = found else {
        return if path_matched {
            http::empty(StatusCode::METHOD_NOT_ALLOWED)
        } else {
            http::response(
                StatusCode::NOT_FOUND,
                Some(HeaderValue::from_static("text/plain; charset=utf-8")),
                "404 page not found\n",
            )
        };
    };

    let (parts, body) = request.into_parts();
    let mut headers = parts.headers;
    let puid = if let Some(value) = headers.get(&SELDON_PUID) {
        value.clone()
    } else {
        let fresh = HeaderValue::try_from(uuid::Uuid::new_v4().to_string())
            .expect("a UUID is a valid header value");
        headers.insert(SELDON_PUID, fresh.clone());
        fresh
    };
    let mut response = if method == Method::OPTIONS {
        http::empty(StatusCode::OK)
    } else {
        let started = Instant::now();
        let response = run_action(&state, route.action, model, headers.clone(), body).await;
        if let Some(service) = service_label(route.action) {
            state.metrics.observe_server(
                ServerLabels {
                    service,
                    method: if method == Method::GET { "get" } else { "post" },
                    code: response.status().as_u16(),
                },
                started.elapsed(),
            );
        }
        response
    };
    add_middleware_headers(&state, &mut response, &headers, puid, &path, route.verbs);
    response
}

fn service_label(action: Action) -> Option<&'static str> {
    match action {
        Action::Predict => Some("predictions"),
        Action::Feedback => Some("feedback"),
        Action::GraphMetadata | Action::UnitMetadata => Some("metadata"),
        Action::UnitStatus => Some("status"),
        Action::Ready | Action::Live | Action::Metrics => None,
    }
}

fn add_middleware_headers(
    state: &State,
    response: &mut Response,
    request_headers: &HeaderMap,
    puid: HeaderValue,
    path: &str,
    verbs: Verbs,
) {
    let config = &state.config;
    let out = response.headers_mut();
    if request_headers.contains_key(CE_SPECVERSION) {
        out.insert("ce-id", puid.clone());
        out.insert("ce-specversion", HeaderValue::from_static("0.3"));
        if let Ok(value) = HeaderValue::try_from(path) {
            out.insert("ce-path", value);
        }
        let kind = format!("seldon.{}.{}.response", config.deployment, config.namespace);
        if let Ok(value) = HeaderValue::try_from(kind) {
            out.insert("ce-type", value);
        }
        if let Ok(value) = HeaderValue::try_from(format!("seldon.{}", config.deployment)) {
            out.insert("ce-source", value);
        }
    }
    out.insert(SELDON_PUID, puid);
    out.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    let methods = allow_methods(verbs);
    if !methods.is_empty() {
        out.insert(header::ACCESS_CONTROL_ALLOW_METHODS, methods);
    }
    if let Some(origins) = &config.cors.allowed_origins {
        out.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origins.clone());
        out.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            config.cors.allowed_headers.clone(),
        );
    }
}

async fn run_action(
    state: &State,
    action: Action,
    model: Option<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    match action {
        Action::Live => http::empty(StatusCode::OK),
        Action::Ready => {
            if ready(state).await {
                http::empty(StatusCode::OK)
            } else {
                http::empty(StatusCode::SERVICE_UNAVAILABLE)
            }
        }
        Action::Metrics => http::response(
            StatusCode::OK,
            Some(HeaderValue::from_static(
                "text/plain; version=0.0.4; charset=utf-8",
            )),
            state.metrics.render() + &state.walker.logger.render(&state.metrics.base_labels()),
        ),
        Action::Predict | Action::Feedback => {
            let bytes = match http::read_body(body, state.config.body_limit).await {
                Ok(bytes) => bytes,
                Err(error) => return body_error(&error),
            };
            let payload = Payload {
                body: bytes,
                content_type: headers.get(header::CONTENT_TYPE).cloned(),
                content_encoding: headers.get(header::CONTENT_ENCODING).cloned(),
                inference_header: headers.get(super::client::INFERENCE_HEADER).cloned(),
            };
            let ctx = RequestContext::new(forwarded_headers(&headers), model);
            let root = &state.config.predictor.graph;
            let result = if action == Action::Predict {
                state.walker.predict(root, payload, &ctx).await
            } else {
                let parsed = serde_json::from_slice::<Feedback>(&payload.body).ok();
                state
                    .walker
                    .feedback(root, &payload, parsed.as_ref(), &ctx)
                    .await
            };
            match result {
                Ok(payload) => success(payload),
                Err(error) => walk_error(error),
            }
        }
        Action::UnitStatus | Action::UnitMetadata => {
            let model = model.unwrap_or_default();
            let Some(node) = state.config.predictor.graph.find(&model) else {
                return failure(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    &format!("Failed to find model {model}"),
                    "",
                );
            };
            let call = if action == Action::UnitStatus {
                InfoCall::Status
            } else {
                InfoCall::Metadata
            };
            let path = info_path(state.config.protocol, call, &model);
            match state
                .walker
                .client
                .call(node, &path, None, &forwarded_headers(&headers))
                .await
            {
                Ok(reply) => {
                    let mut response = success(reply.payload);
                    *response.status_mut() = reply.status;
                    response
                }
                Err(error) => walk_error(error.into()),
            }
        }
        Action::GraphMetadata => graph_metadata(state, &forwarded_headers(&headers)).await,
    }
}

/// A unit's successful reply as the client sees it: same content headers, body HTML-escaped
/// like Go's `json.HTMLEscape` unless it is encoded.
fn success(payload: Payload) -> Response {
    // Encoded and binary-framed bodies are bytes, not JSON text: never escaped.
    let body = if payload.content_encoding.is_some() || payload.inference_header.is_some() {
        payload.body
    } else {
        html_escape(payload.body)
    };
    let mut response = http::response(StatusCode::OK, payload.content_type, body);
    if let Some(encoding) = payload.content_encoding {
        response
            .headers_mut()
            .insert(header::CONTENT_ENCODING, encoding);
    }
    if let Some(length) = payload.inference_header {
        response.headers_mut().insert(
            axum::http::HeaderName::from_static(super::client::INFERENCE_HEADER),
            length,
        );
    }
    response
}

fn failure(status: StatusCode, info: &str, reason: &str) -> Response {
    http::json(
        status,
        seldon::executor_failure(status.as_u16(), info, reason),
    )
}

fn body_error(error: &BodyError) -> Response {
    match error {
        BodyError::TooLarge { .. } => {
            failure(StatusCode::PAYLOAD_TOO_LARGE, &error.to_string(), "")
        }
        BodyError::Read(_) => failure(StatusCode::BAD_REQUEST, &error.to_string(), ""),
    }
}

/// The one place walk errors become responses.
fn walk_error(error: WalkError) -> Response {
    match error {
        WalkError::Unit {
            status, payload, ..
        } => {
            let mut response = success(*payload);
            *response.status_mut() = status;
            response
        }
        WalkError::InvalidRoute { .. } => {
            tracing::warn!(error = %error, "invalid route");
            failure(
                StatusCode::INTERNAL_SERVER_ERROR,
                &error.to_string(),
                seldon::reason::ENGINE_INVALID_ROUTING,
            )
        }
        WalkError::Transport(_) | WalkError::BadReply { .. } | WalkError::AggregateNotJson => {
            tracing::warn!(error = %error, "prediction failed");
            failure(StatusCode::INTERNAL_SERVER_ERROR, &error.to_string(), "")
        }
    }
}

/// Escapes `<`, `>`, `&`, U+2028 and U+2029 as `\u00XX` (Go's `json.HTMLEscape`); returns the
/// same bytes without copying when there is nothing to escape.
fn html_escape(body: Bytes) -> Bytes {
    let needs = |b: &[u8], i: usize| match b[i] {
        b'<' | b'>' | b'&' => true,
        0xE2 => b.get(i + 1) == Some(&0x80) && matches!(b.get(i + 2), Some(0xA8 | 0xA9)),
        _ => false,
    };
    // Most bodies hold none of the bytes to look at: a pass without early exit over them
    // compiles to SIMD compares (about 15 times faster than the check per byte, on a reply
    // of an MNIST row), before the exact check.
    let suspect = body.iter().fold(false, |seen, &byte| {
        seen | matches!(byte, b'<' | b'>' | b'&' | 0xE2)
    });
    if !suspect || !(0..body.len()).any(|i| needs(&body, i)) {
        return body;
    }
    let mut out = Vec::with_capacity(body.len() + 16);
    let mut i = 0;
    while i < body.len() {
        match body[i] {
            b'<' => out.extend_from_slice(b"\\u003c"),
            b'>' => out.extend_from_slice(b"\\u003e"),
            b'&' => out.extend_from_slice(b"\\u0026"),
            0xE2 if needs(&body, i) => {
                out.extend_from_slice(if body[i + 2] == 0xA8 {
                    b"\\u2028"
                } else {
                    b"\\u2029"
                });
                i += 2;
            }
            other => out.push(other),
        }
        i += 1;
    }
    Bytes::from(out)
}

async fn ready(state: &State) -> bool {
    let mut nodes = Vec::new();
    state.config.predictor.graph.post_order(&mut nodes);
    let checks = nodes.into_iter().map(|node| async move {
        if state.config.full_health_checks && state.config.protocol != ProtocolKind::Tensorflow {
            let path = match state.config.protocol {
                ProtocolKind::V2 => "/v2/health/ready",
                _ => "/api/v1.0/health/status",
            };
            matches!(
                state.walker.client.call(node, path, None, &HeaderMap::new()).await,
                Ok(reply) if reply.status == StatusCode::OK
            )
        } else {
            let address = (node.host.as_str(), node.service_port);
            matches!(
                tokio::time::timeout(
                    Duration::from_secs(1),
                    tokio::net::TcpStream::connect(address)
                )
                .await,
                Ok(Ok(_))
            )
        }
    });
    join_all(checks).await.into_iter().all(|ok| ok)
}

#[derive(Serialize)]
struct GraphMetadata {
    name: String,
    models: std::collections::BTreeMap<String, Value>,
    graphinputs: Value,
    graphoutputs: Value,
}

async fn graph_metadata(state: &State, headers: &HeaderMap) -> Response {
    let mut nodes = Vec::new();
    state.config.predictor.graph.post_order(&mut nodes);
    let calls = nodes.iter().map(|node| async move {
        let path = info_path(state.config.protocol, InfoCall::Metadata, &node.name);
        let reply = state
            .walker
            .client
            .call(node, &path, None, headers)
            .await
            .map_err(|e| e.to_string())?;
        if reply.status != StatusCode::OK {
            return Err(format!(
                "metadata of unit `{}` answered {}",
                node.name, reply.status
            ));
        }
        serde_json::from_slice::<Value>(&reply.payload.body)
            .map(|value| (node.name.clone(), value))
            .map_err(|e| format!("metadata of unit `{}` is not JSON: {e}", node.name))
    });
    let mut models = std::collections::BTreeMap::new();
    for result in join_all(calls).await {
        match result {
            Ok((name, value)) => {
                models.insert(name, value);
            }
            Err(info) => return failure(StatusCode::INTERNAL_SERVER_ERROR, &info, ""),
        }
    }
    let (graphinputs, graphoutputs) = graph_io(&state.config.predictor.graph, &models);
    let body = GraphMetadata {
        name: state.config.predictor.name.clone(),
        models,
        graphinputs,
        graphoutputs,
    };
    http::json(
        StatusCode::OK,
        serde_json::to_vec(&body).expect("metadata always serialises"),
    )
}

/// The graph's inputs and outputs (`predictor/metadata.go`).
fn graph_io(node: &Node, models: &std::collections::BTreeMap<String, Value>) -> (Value, Value) {
    let own = |key: &str| {
        models
            .get(&node.name)
            .and_then(|m| m.get(key))
            .cloned()
            .unwrap_or(Value::Null)
    };
    let Some(first) = node.children.first() else {
        return (own("inputs"), own("outputs"));
    };
    let (child_in, child_out) = graph_io(first, models);
    match node.kind {
        NodeType::Model | NodeType::Transformer => (own("inputs"), child_out),
        NodeType::OutputTransformer | NodeType::Combiner => (child_in, own("outputs")),
        NodeType::Router | NodeType::Unknown => (child_in, child_out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_match_like_gorilla_patterns() {
        let cases = [
            (
                Model("/v1/models/", ":predict"),
                "/v1/models/a:b:predict",
                Some(Some("a:b")),
            ),
            (
                Model("/v1/models/", ":predict"),
                "/v1/models/:predict",
                None,
            ),
            (
                Model("/v1/models/", "/:predict"),
                "/v1/models/m/:predict",
                Some(Some("m")),
            ),
            (Model("/v1/models/", ""), "/v1/models/m/metadata", None),
            (
                Model("/v2/models/", "/infer"),
                "/v2/models/m/infer",
                Some(Some("m")),
            ),
            (Exact("/ready"), "/ready", Some(None)),
            (Exact("/ready"), "/ready/", None),
        ];
        for (pattern, path, want) in cases {
            let got = match_path(pattern, path, "/prometheus");
            assert_eq!(got, want.map(|m| m.map(str::to_owned)), "{path}");
        }
    }

    #[test]
    fn html_is_escaped_like_go() {
        let cases: [(&[u8], &[u8]); 3] = [
            (br#"{"a":"x"}"#, br#"{"a":"x"}"#),
            (br#"{"a":"<b>&"}"#, br#"{"a":"\u003cb\u003e\u0026"}"#),
            (
                "{\"a\":\"\u{2028}\u{2029}é\"}".as_bytes(),
                "{\"a\":\"\\u2028\\u2029é\"}".as_bytes(),
            ),
        ];
        for (input, want) in cases {
            assert_eq!(&html_escape(Bytes::copy_from_slice(input))[..], want);
        }
    }

    #[test]
    fn graph_io_follows_the_node_type() {
        let graph = super::super::graph::Predictor::from_json(
            br#"{"name":"p","graph":{"name":"t","type":"TRANSFORMER","children":[{"name":"m","type":"MODEL"}]}}"#,
        )
        .unwrap()
        .graph;
        let models = std::collections::BTreeMap::from([
            (
                "t".to_owned(),
                serde_json::json!({"inputs": ["ti"], "outputs": ["to"]}),
            ),
            (
                "m".to_owned(),
                serde_json::json!({"inputs": ["mi"], "outputs": ["mo"]}),
            ),
        ]);
        assert_eq!(
            graph_io(&graph, &models),
            (serde_json::json!(["ti"]), serde_json::json!(["mo"]))
        );
    }
}
