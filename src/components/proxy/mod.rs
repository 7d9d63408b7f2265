//! The tfserving proxy (image `seldonio/tfserving-proxy`): a Seldon unit that turns Seldon
//! requests into TensorFlow Serving REST predict calls and the answers back (spec §3).
//!
//! It serves the Python wrapper's unit API and answers in its shapes (sorted keys, trailing
//! newline, `MICROSERVICE_*` error statuses). One deliberate difference: where upstream answers a
//! TF Serving error with HTTP 200 and `jsonData.error`, this proxy answers with TF's status code
//! and a Seldon FAILURE status carrying TF's message (see `docs/differences.md`).

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Request, State as AxumState};
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::net::TcpListener;

pub(crate) mod form;
pub mod metrics;

use crate::http::local::Exchange;
use crate::http::{self, BodyError, HttpError};
use crate::protocol::nonfinite;
use crate::protocol::seldon::{self, Feedback, Meta, PayloadKind, SeldonMessage, reason};
use crate::protocol::tensorflow::{self, DEFAULT_SIGNATURE, ProxyRequest, ReadList};
use crate::protocol::{ProtocolError, tensorflow::ErrorBody};

pub mod grpc;

/// The Python wrapper's default HTTP port.
pub const DEFAULT_HTTP_PORT: u16 = 9000;

/// The Python wrapper's default gRPC port.
pub const DEFAULT_GRPC_PORT: u16 = 9500;

/// The default timeout of calls to TF Serving (upstream has none).
pub const DEFAULT_TF_TIMEOUT: Duration = Duration::from_mins(1);

/// Why the proxy could not start.
#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    /// `PREDICTIVE_UNIT_PARAMETERS` did not parse.
    #[error("failed to parse `PREDICTIVE_UNIT_PARAMETERS`")]
    ParseParameters(#[source] serde_json::Error),
    /// A required parameter was missing.
    #[error("missing parameter `{0}` in `PREDICTIVE_UNIT_PARAMETERS`")]
    MissingParameter(&'static str),
    /// A port variable was not a port.
    #[error("`{name}` is not a valid port: `{value}`")]
    InvalidPort {
        /// The variable.
        name: &'static str,
        /// Its value.
        value: String,
    },
    /// The HTTP client could not be built.
    #[error("failed to build the HTTP client")]
    Client(#[source] reqwest::Error),
    /// `grpc_endpoint` is not an address.
    #[error("`grpc_endpoint` `{endpoint}` is not a gRPC address: {problem}")]
    GrpcEndpoint {
        /// The parameter's value.
        endpoint: String,
        /// What is wrong with it.
        problem: String,
    },
    /// The server stopped with an error.
    #[error(transparent)]
    Serve(#[from] HttpError),
    /// The gRPC server stopped with an error.
    #[error("the tfserving proxy's gRPC server failed")]
    Grpc(#[source] tonic::transport::Error),
}

/// What the proxy needs, resolved by the caller from the unit's env.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// `rest_endpoint`: TF Serving's REST base URL.
    pub rest_endpoint: String,
    /// `model_name`.
    pub model_name: String,
    /// `signature_name` (`serving_default` when absent).
    pub signature_name: String,
    /// `grpc_endpoint`: TF Serving's gRPC `host:port`; predictions over gRPC use it.
    pub grpc_endpoint: Option<String>,
    /// `model_input`: the input tensor's key over gRPC (the signature's only input if absent).
    pub model_input: Option<String>,
    /// `model_output`: the output tensor's key over gRPC (the signature's only output if absent).
    pub model_output: Option<String>,
    /// `PREDICTIVE_UNIT_ID` (the graph node name), for `meta.requestPath`.
    pub unit_id: Option<String>,
    /// `PREDICTIVE_UNIT_IMAGE`, for `meta.requestPath` and `/metadata`.
    pub unit_image: Option<String>,
    /// Cap on request bodies and on TF replies.
    pub body_limit: usize,
    /// Timeout of each TF Serving call.
    pub timeout: Duration,
    /// The labels of the unit's metrics.
    pub metrics: metrics::UnitLabels,
    /// `PREDICTIVE_UNIT_METRICS_ENDPOINT`, served on the metrics port besides `/prometheus` and
    /// `/metrics`.
    pub metrics_endpoint: String,
    /// Whether a TF Serving this process serves is called in-process (the embedded runtime's
    /// hops, [`http::local`]).
    pub in_process_hops: bool,
}

#[derive(Deserialize)]
struct Parameter {
    name: String,
    #[serde(default)]
    value: Value,
}

impl Config {
    /// Reads `PREDICTIVE_UNIT_PARAMETERS` (a JSON list of `{name, value, type}`; later duplicates
    /// win, as with Python kwargs). `rest_endpoint` and `model_name` are required.
    pub fn from_parameters(
        parameters: &str,
        unit_id: Option<String>,
        unit_image: Option<String>,
    ) -> Result<Self, ProxyError> {
        let list: Vec<Parameter> =
            serde_json::from_str(parameters).map_err(ProxyError::ParseParameters)?;
        let mut rest_endpoint = None;
        let mut model_name = None;
        let mut signature_name = None;
        let mut grpc_endpoint = None;
        let mut model_input = None;
        let mut model_output = None;
        for parameter in list {
            let value = match parameter.value {
                Value::String(s) => s,
                other => other.to_string(),
            };
            match parameter.name.as_str() {
                "rest_endpoint" => rest_endpoint = Some(value),
                "model_name" => model_name = Some(value),
                "signature_name" => signature_name = Some(value),
                "grpc_endpoint" => grpc_endpoint = Some(value),
                "model_input" => model_input = Some(value),
                "model_output" => model_output = Some(value),
                _ => {}
            }
        }
        Ok(Self {
            rest_endpoint: rest_endpoint
                .ok_or(ProxyError::MissingParameter("rest_endpoint"))?
                .trim_end_matches('/')
                .to_owned(),
            model_name: model_name.ok_or(ProxyError::MissingParameter("model_name"))?,
            signature_name: signature_name.unwrap_or_else(|| DEFAULT_SIGNATURE.to_owned()),
            grpc_endpoint: grpc_endpoint.filter(|e| !e.is_empty()),
            model_input: model_input.filter(|e| !e.is_empty()),
            model_output: model_output.filter(|e| !e.is_empty()),
            unit_id,
            unit_image,
            body_limit: http::DEFAULT_BODY_LIMIT,
            timeout: DEFAULT_TF_TIMEOUT,
            metrics: metrics::UnitLabels::default(),
            metrics_endpoint: "/prometheus".to_owned(),
            in_process_hops: false,
        })
    }

    fn predict_url(&self) -> String {
        format!(
            "{}/v1/models/{}:predict",
            self.rest_endpoint, self.model_name
        )
    }

    fn unit(&self) -> Option<(&str, &str)> {
        Some((
            self.unit_id.as_deref()?,
            self.unit_image.as_deref().unwrap_or(""),
        ))
    }
}

/// The HTTP port, from `PREDICTIVE_UNIT_HTTP_SERVICE_PORT`, else `PREDICTIVE_UNIT_SERVICE_PORT`
/// (1.2.1 sets only that one), else 9000.
pub fn http_port(
    http_service_port: Option<&str>,
    service_port: Option<&str>,
) -> Result<u16, ProxyError> {
    let (name, value) = match (http_service_port, service_port) {
        (Some(v), _) if !v.is_empty() => ("PREDICTIVE_UNIT_HTTP_SERVICE_PORT", v),
        (_, Some(v)) if !v.is_empty() => ("PREDICTIVE_UNIT_SERVICE_PORT", v),
        _ => return Ok(DEFAULT_HTTP_PORT),
    };
    value.trim().parse().map_err(|_| ProxyError::InvalidPort {
        name,
        value: value.to_owned(),
    })
}

/// The gRPC port, from `PREDICTIVE_UNIT_GRPC_SERVICE_PORT`; `None` when it is absent (1.2.1
/// gives a unit one port, its REST one here) or 0.
pub fn grpc_port(grpc_service_port: Option<&str>) -> Result<Option<u16>, ProxyError> {
    match grpc_service_port.map(str::trim) {
        None | Some("" | "0") => Ok(None),
        Some(value) => value
            .parse()
            .map(Some)
            .map_err(|_| ProxyError::InvalidPort {
                name: "PREDICTIVE_UNIT_GRPC_SERVICE_PORT",
                value: value.to_owned(),
            }),
    }
}

/// Shared state of a running proxy.
#[derive(Debug)]
pub struct State {
    config: Config,
    predict_url: String,
    /// The host and port of `predict_url`, and its path, for in-process calls.
    tf_local: Option<(String, u16, String)>,
    client: reqwest::Client,
    /// TF Serving over gRPC, when `grpc_endpoint` is set.
    tf_grpc: Option<grpc::TfGrpc>,
    metrics: Arc<metrics::UnitMetrics>,
}

impl State {
    /// Builds the TF Serving client for a config.
    pub fn new(config: Config) -> Result<Self, ProxyError> {
        let client = reqwest::Client::builder()
            .tcp_nodelay(true)
            .timeout(config.timeout)
            // Plain HTTP to the pod's TF Serving: no system roots to load (our image has none,
            // and the platform verifier refuses to start without them).
            .tls_certs_only(Vec::<reqwest::Certificate>::new())
            .build()
            .map_err(ProxyError::Client)?;
        let tf_grpc = config
            .grpc_endpoint
            .as_deref()
            .map(|endpoint| {
                grpc::TfGrpc::new(
                    endpoint,
                    config.model_input.clone(),
                    config.model_output.clone(),
                    config.timeout,
                    config.body_limit,
                )
            })
            .transpose()?;
        let predict_url = config.predict_url();
        let tf_local = if config.in_process_hops {
            url::Url::parse(&predict_url).ok().and_then(|url| {
                let host = url.host_str()?.to_owned();
                let port = url.port_or_known_default()?;
                (url.scheme() == "http")
                    .then(|| (host, port, url[url::Position::BeforePath..].to_owned()))
            })
        } else {
            None
        };
        Ok(Self {
            tf_local,
            predict_url,
            metrics: Arc::new(metrics::UnitMetrics::new(config.metrics.clone())),
            config,
            client,
            tf_grpc,
        })
    }
}

/// The unit API routes.
pub fn router(state: Arc<State>) -> Router {
    Router::new()
        .route("/predict", post(predict).get(predict))
        .route("/api/v1.0/predictions", post(predict))
        .route("/api/v0.1/predictions", post(predict))
        .route("/transform-input", post(identity).get(identity))
        .route("/transform-output", post(identity).get(identity))
        .route("/send-feedback", post(feedback).get(feedback))
        .route("/api/v1.0/feedback", post(feedback))
        .route("/api/v0.1/feedback", post(feedback))
        .route("/route", post(not_defined_route).get(not_defined_route))
        .route(
            "/aggregate",
            post(not_defined_aggregate).get(not_defined_aggregate),
        )
        .route("/health/ping", get(ping))
        .route("/health/status", get(health_status))
        .route("/api/v1.0/health/status", get(health_status))
        .route("/metadata", get(metadata))
        .route("/api/v1.0/metadata", get(metadata))
        .with_state(state)
}

/// Serves the proxy's REST API on `rest` and, when given, its gRPC API on `grpc` and its
/// metrics on `metrics`, until `shutdown` resolves; the first server to fail stops them all.
pub async fn serve<F>(
    config: Config,
    rest: TcpListener,
    grpc: Option<TcpListener>,
    metrics: Option<TcpListener>,
    shutdown: F,
) -> Result<(), ProxyError>
where
    F: Future<Output = ()> + Send + 'static,
{
    use futures_util::FutureExt as _;
    let endpoint = config.metrics_endpoint.clone();
    let state = Arc::new(State::new(config)?);
    let shutdown = shutdown.shared();
    let unit_metrics = Arc::clone(&state.metrics);
    let rest = async {
        http::serve(rest, router(Arc::clone(&state)), shutdown.clone()).await?;
        Ok(())
    };
    let grpc = async {
        match grpc {
            Some(listener) => grpc::serve(Arc::clone(&state), listener, shutdown.clone()).await,
            None => Ok(()),
        }
    };
    let scrape = async {
        match metrics {
            Some(listener) => {
                let router = metrics::metrics_router(unit_metrics, &endpoint);
                http::serve(listener, router, shutdown.clone()).await?;
                Ok(())
            }
            None => Ok(()),
        }
    };
    tokio::try_join!(rest, grpc, scrape)?;
    Ok(())
}

/// A unit error in the Python wrapper's shape.
#[derive(Debug)]
pub(crate) struct UnitError {
    status: StatusCode,
    code: i32,
    info: String,
    reason: &'static str,
}

impl UnitError {
    fn bad_data(info: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            code: -1,
            info: info.into(),
            reason: reason::MICROSERVICE_BAD_DATA,
        }
    }

    fn internal(info: impl Into<String>) -> Self {
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: -1,
            info: info.into(),
            reason: reason::MICROSERVICE_INTERNAL_ERROR,
        }
    }

    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            tracing::warn!(info = %self.info, "tfserving proxy request failed");
        }
        http::json(
            self.status,
            seldon::unit_failure(self.code, &self.info, self.reason),
        )
    }
}

fn body_error(error: &BodyError) -> UnitError {
    match error {
        BodyError::TooLarge { .. } => UnitError {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            ..UnitError::bad_data(error.to_string())
        },
        BodyError::Read(_) => UnitError::bad_data(error.to_string()),
    }
}

async fn read_message(state: &State, request: Request) -> Result<SeldonMessage, UnitError> {
    let bytes = form::read(state, request).await?;
    let value: Value = serde_json::from_slice(&bytes)
        .map_err(|_| UnitError::bad_data("Can't find JSON in data"))?;
    if !value.is_object() {
        return Err(UnitError::bad_data(format!(
            "Invalid request data type: {value}"
        )));
    }
    serde_json::from_value(value)
        .map_err(|e| UnitError::bad_data(format!("Invalid request data type: {e}")))
}

fn ok_message(message: &SeldonMessage) -> Response {
    http::json(StatusCode::OK, message.to_wire())
}

fn reply_meta(state: &State, request: Option<&Meta>) -> Meta {
    tensorflow::unit_reply_meta(request, state.config.unit())
}

async fn predict(AxumState(state): AxumState<Arc<State>>, request: Request) -> Response {
    let result = async {
        let bytes = form::read(&state, request).await?;
        predict_bytes(&state, &bytes).await
    }
    .await;
    match result {
        Ok(reply) => http::json(StatusCode::OK, reply),
        Err(error) => error.into_response(),
    }
}

/// A prediction from a request's JSON to the reply's (the REST path, which gRPC without
/// `grpc_endpoint` shares).
async fn predict_bytes(state: &State, bytes: &Bytes) -> Result<Vec<u8>, UnitError> {
    let local = state
        .tf_local
        .as_ref()
        .and_then(|(host, port, path)| Some((http::local::find(host, *port)?, path)));
    // A model server of this process takes the list's values with the body: read them here,
    // where the list is checked anyway, rather than once more there.
    let read = if local.is_some() {
        ProxyRequest::from_slice_reading(bytes)
    } else {
        ProxyRequest::from_slice(bytes).map(|(request, meta)| (request, meta, None))
    };
    let (request, meta, floats) = read.map_err(|error| match error {
        ProtocolError::Parse { source, .. } if source.is_syntax() || source.is_eof() => {
            UnitError::bad_data("Can't find JSON in data")
        }
        ProtocolError::Parse { source, .. } => {
            UnitError::bad_data(format!("Invalid request data type: {source}"))
        }
        ProtocolError::Unsupported { .. } => UnitError::internal(error.to_string()),
        ProtocolError::NoPayload => {
            UnitError::bad_data(format!("Invalid request data type: {error}"))
        }
        other => UnitError::bad_data(other.to_string()),
    })?;
    let (body, read) = request.to_body_handing(&state.config.signature_name, floats);
    let (status, tf_body) = if let Some((server, path)) = local {
        call_local(state, &server, path, body, read).await?
    } else {
        let response = state
            .client
            .post(&state.predict_url)
            .header(axum::http::header::CONTENT_TYPE, http::APPLICATION_JSON)
            .body(body)
            .send()
            .await
            .map_err(|e| UnitError::internal(describe(&e, &state.predict_url)))?;
        let status = response.status();
        (status, read_reply(response, state.config.body_limit).await?)
    };
    if status != StatusCode::OK {
        return Err(tf_failure(status, &tf_body));
    }
    // A model whose input overflowed answers NaN or Infinity: passed through, as upstream does.
    let hidden = nonfinite::hide(&tf_body);
    let wire = request
        .reply_wire(
            hidden.as_deref().unwrap_or(&tf_body),
            reply_meta(state, meta.as_ref()),
        )
        .map_err(|e| UnitError::internal(e.to_string()))?;
    Ok(match hidden {
        Some(_) => nonfinite::restore(&wire),
        None => wire,
    })
}

/// The TF Serving call to a model server of this process ([`http::local`]): the same request,
/// timeout, reply cap and errors as over the socket.
async fn call_local(
    state: &State,
    server: &http::local::LocalServer,
    path: &str,
    body: Vec<u8>,
    read: Option<ReadList>,
) -> Result<(StatusCode, Vec<u8>), UnitError> {
    let limit = state.config.body_limit;
    let exchange = async {
        let mut request = axum::http::Request::new(axum::body::Body::from(body));
        if let Some(read) = read {
            request.extensions_mut().insert(read);
        }
        *request.method_mut() = axum::http::Method::POST;
        *request.uri_mut() = path
            .parse()
            .map_err(|e| UnitError::internal(format!("{e}")))?;
        request
            .headers_mut()
            .insert(axum::http::header::CONTENT_TYPE, http::APPLICATION_JSON);
        let (parts, body) = server.exchange(request, limit).await.map_err(|error| {
            UnitError::internal(match error {
                Exchange::Closed => format!(
                    "failed to call TensorFlow Serving at `{}`: {}",
                    state.predict_url,
                    http::local::CLOSED
                ),
                Exchange::TooLarge => {
                    format!("TensorFlow Serving reply is larger than {limit} bytes")
                }
                Exchange::Read(cause) => {
                    format!("failed to read the TensorFlow Serving reply: {cause}")
                }
            })
        })?;
        Ok((parts.status, body.to_vec()))
    };
    tokio::time::timeout(state.config.timeout, exchange)
        .await
        .unwrap_or_else(|_| {
            Err(UnitError::internal(format!(
                "failed to call TensorFlow Serving at `{}`: operation timed out: timed out",
                state.predict_url
            )))
        })
}

async fn read_reply(mut response: reqwest::Response, limit: usize) -> Result<Vec<u8>, UnitError> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| {
        UnitError::internal(format!("failed to read the TensorFlow Serving reply: {e}"))
    })? {
        if body.len() + chunk.len() > limit {
            return Err(UnitError::internal(format!(
                "TensorFlow Serving reply is larger than {limit} bytes"
            )));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// TF Serving's error as a Seldon FAILURE with TF's status (a non-2xx answer that is not an
/// error status is reported as 502).
fn tf_failure(status: StatusCode, body: &[u8]) -> UnitError {
    let info = serde_json::from_slice::<ErrorBody>(body)
        .map_or_else(|_| String::from_utf8_lossy(body).into_owned(), |e| e.error);
    let status = if status.is_client_error() || status.is_server_error() {
        status
    } else {
        StatusCode::BAD_GATEWAY
    };
    UnitError {
        status,
        code: i32::from(status.as_u16()),
        info,
        reason: if status.is_client_error() {
            reason::MICROSERVICE_BAD_DATA
        } else {
            reason::MICROSERVICE_INTERNAL_ERROR
        },
    }
}

fn describe(error: &reqwest::Error, url: &str) -> String {
    let mut text = format!("failed to call TensorFlow Serving at `{url}`");
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    if error.is_timeout() {
        text.push_str(": timed out");
    }
    text
}

/// `transform-input`/`transform-output`: the wrapper's default, which returns the features.
async fn identity(AxumState(state): AxumState<Arc<State>>, request: Request) -> Response {
    let result = async {
        let message = read_message(&state, request).await?;
        let kind = message
            .payload_kind()
            .map_err(|e| UnitError::bad_data(format!("Invalid request data type: {e}")))?;
        let mut reply = SeldonMessage {
            meta: Some(reply_meta(&state, message.meta.as_ref())),
            ..SeldonMessage::default()
        };
        match kind {
            PayloadKind::JsonData => reply.json_data = message.json_data,
            PayloadKind::StrData => reply.str_data = message.str_data,
            PayloadKind::BinData => reply.bin_data = message.bin_data,
            PayloadKind::CustomData => reply.custom_data = message.custom_data,
            _ => {
                let array = message
                    .array()
                    .map_err(|e| UnitError::bad_data(e.to_string()))?
                    .expect("tensor kinds carry data");
                reply.data = Some(seldon::DefaultData::from_array(&array, kind));
            }
        }
        Ok::<_, UnitError>(ok_message(&reply))
    }
    .await;
    result.unwrap_or_else(UnitError::into_response)
}

async fn feedback(AxumState(state): AxumState<Arc<State>>, request: Request) -> Response {
    let bytes = match form::read(&state, request).await {
        Ok(bytes) => bytes,
        Err(error) => return error.into_response(),
    };
    let Ok(feedback) = serde_json::from_slice::<Feedback>(&bytes) else {
        return UnitError::bad_data("Can't find JSON in data").into_response();
    };
    state.metrics.record_feedback(feedback.reward);
    let request = feedback.request.as_ref();
    let tensor = request
        .and_then(|r| r.data.as_ref())
        .is_some_and(|d| d.tensor.is_some());
    let data = if tensor {
        json!({"tensor": {"shape": [0]}})
    } else {
        json!({"ndarray": []})
    };
    let meta = reply_meta(&state, request.and_then(|r| r.meta.as_ref()));
    let mut body =
        serde_json::to_vec(&json!({"data": data, "meta": meta})).expect("JSON always serialises");
    body.push(b'\n');
    http::json(StatusCode::OK, body)
}

async fn not_defined_route() -> Response {
    UnitError::bad_data("Route not defined").into_response()
}

async fn not_defined_aggregate() -> Response {
    UnitError::bad_data("Aggregate not defined").into_response()
}

async fn ping() -> Response {
    http::response(
        StatusCode::OK,
        Some(HeaderValue::from_static("text/html; charset=utf-8")),
        "pong",
    )
}

async fn health_status(AxumState(state): AxumState<Arc<State>>) -> Response {
    let reply = SeldonMessage {
        meta: Some(reply_meta(&state, None)),
        str_data: Some("healthy".to_owned()),
        ..SeldonMessage::default()
    };
    ok_message(&reply)
}

async fn metadata(AxumState(state): AxumState<Arc<State>>) -> Response {
    let image = state.config.unit_image.as_deref().unwrap_or("");
    let (name, versions) = match image.rsplit_once(':') {
        Some((name, version)) => (name, vec![version]),
        None => (image, Vec::new()),
    };
    let body = json!({
        "custom": {}, "inputs": [], "name": name, "outputs": [], "platform": "", "versions": versions
    });
    let mut bytes = serde_json::to_vec(&body).expect("JSON always serialises");
    bytes.push(b'\n');
    http::json(StatusCode::OK, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The seed's 1.18.2 `PREDICTIVE_UNIT_PARAMETERS` (spec operator-defaulting §13.3).
    const SEED_PARAMETERS: &str = r#"[{"name":"signature_name","value":"predict_images","type":"STRING"},
        {"name":"model_name","value":"user","type":"STRING"},
        {"name":"rest_endpoint","value":"http://0.0.0.0:2001","type":"STRING"},
        {"name":"grpc_endpoint","value":"0.0.0.0:2000","type":"STRING"},
        {"name":"model_name","value":"mnist-model","type":"STRING"}]"#;

    #[test]
    fn parameters_are_read_with_later_duplicates_winning() {
        let config =
            Config::from_parameters(SEED_PARAMETERS, Some("mnist-model".into()), None).unwrap();
        assert_eq!(config.rest_endpoint, "http://0.0.0.0:2001");
        assert_eq!(config.model_name, "mnist-model");
        assert_eq!(config.signature_name, "predict_images");
        assert_eq!(
            config.predict_url(),
            "http://0.0.0.0:2001/v1/models/mnist-model:predict"
        );
        let defaulted = Config::from_parameters(
            r#"[{"name":"rest_endpoint","value":"http://h:1/","type":"STRING"},{"name":"model_name","value":"m","type":"STRING"}]"#,
            None,
            None,
        )
        .unwrap();
        assert_eq!(defaulted.signature_name, "serving_default");
        assert_eq!(defaulted.predict_url(), "http://h:1/v1/models/m:predict");
    }

    #[test]
    fn bad_parameters_are_rejected() {
        assert!(matches!(
            Config::from_parameters("{", None, None),
            Err(ProxyError::ParseParameters(_))
        ));
        assert!(matches!(
            Config::from_parameters(
                r#"[{"name":"model_name","value":"m","type":"STRING"}]"#,
                None,
                None
            ),
            Err(ProxyError::MissingParameter("rest_endpoint"))
        ));
    }

    #[test]
    fn the_port_comes_from_the_http_variable_then_the_legacy_one() {
        assert_eq!(http_port(Some("9001"), Some("9002")).unwrap(), 9001);
        assert_eq!(http_port(None, Some("9002")).unwrap(), 9002);
        assert_eq!(http_port(None, None).unwrap(), DEFAULT_HTTP_PORT);
        assert!(http_port(Some("x"), None).is_err());
    }

    #[test]
    fn tf_errors_keep_their_status_and_message() {
        let error = tf_failure(
            StatusCode::NOT_FOUND,
            br#"{"error":"Servable not found for request: Latest(x)"}"#,
        );
        assert_eq!(error.status, StatusCode::NOT_FOUND);
        assert_eq!(error.info, "Servable not found for request: Latest(x)");
        assert_eq!(error.reason, reason::MICROSERVICE_BAD_DATA);
        let error = tf_failure(StatusCode::SERVICE_UNAVAILABLE, b"down");
        assert_eq!(
            (error.status, error.info.as_str()),
            (StatusCode::SERVICE_UNAVAILABLE, "down")
        );
        assert_eq!(
            tf_failure(StatusCode::CREATED, b"").status,
            StatusCode::BAD_GATEWAY
        );
    }
}
