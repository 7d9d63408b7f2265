//! The executor (the "engine" or service orchestrator, image `seldonio/seldon-core-executor`):
//! serves a predictor's external API and walks its inference graph, calling each unit over REST;
//! its gRPC API (`grpc`, one service per `--protocol`) walks the graph on protobuf messages and
//! calls each unit over gRPC.
//!
//! It takes the graph as the operator hands it over (`ENGINE_PREDICTOR`, see [`Predictor`]) and
//! adds nothing to payloads: bodies go from unit to unit as bytes. It must not read the
//! environment or the filesystem itself; `cli` resolves flags, env and the annotations file into
//! a [`Config`].

pub mod annotations;
pub mod client;
pub mod graph;
pub mod grpc;
pub mod logger;
pub mod metrics;
mod server;
pub mod walk;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::HeaderValue;
use futures_util::FutureExt as _;
use tokio::net::TcpListener;

pub use graph::{Node, NodeType, Predictor};

use crate::http::{self, HttpError};
use crate::protocol::ProtocolKind;
use client::UnitClient;
use metrics::Metrics;
use walk::Walker;

/// Default `Access-Control-Allow-Headers` (upstream's `CORS_ALLOWED_HEADERS` default).
pub const DEFAULT_CORS_HEADERS: &str =
    "Accept, Accept-Encoding, Authorization, Content-Length, Content-Type, X-CSRF-Token";

/// Why the executor could not start.
#[derive(Debug, thiserror::Error)]
pub enum ExecutorError {
    /// `ENGINE_PREDICTOR` was not base64.
    #[error("failed to decode `ENGINE_PREDICTOR` as base64")]
    DecodePredictorBase64(#[source] base64::DecodeError),
    /// The PredictorSpec JSON did not parse.
    #[error("failed to parse the predictor spec")]
    ParsePredictor(#[source] serde_json::Error),
    /// A graph node was unusable.
    #[error("{path}: {problem}")]
    InvalidNode {
        /// Where in the graph.
        path: String,
        /// What is wrong.
        problem: String,
    },
    /// A header setting was not a valid header value.
    #[error("invalid header value for `{name}`")]
    InvalidHeader {
        /// The setting.
        name: &'static str,
    },
    /// The HTTP client could not be built.
    #[error("failed to build the HTTP client")]
    Client(#[source] reqwest::Error),
    /// The server stopped with an error.
    #[error(transparent)]
    Serve(#[from] HttpError),
    /// The gRPC server stopped with an error.
    #[error("the gRPC server failed: {0}")]
    Grpc(String),
}

/// CORS response headers (`CORS_ALLOWED_ORIGINS`, `CORS_ALLOWED_HEADERS` upstream).
///
/// Upstream allows every origin by default. Here no origin is allowed unless named: the ingress
/// makes a deployment's port predictable, and a web page the user opens could otherwise post to
/// it (`docs/differences.md`).
#[derive(Debug, Clone)]
pub struct Cors {
    /// `Access-Control-Allow-Origin`; `None` sends no CORS headers.
    pub allowed_origins: Option<HeaderValue>,
    /// `Access-Control-Allow-Headers`.
    pub allowed_headers: HeaderValue,
}

impl Cors {
    /// CORS headers from the two settings; no origin is allowed when `origins` is absent.
    pub fn new(origins: Option<&str>, headers: Option<&str>) -> Result<Self, ExecutorError> {
        let value = |v: &str, name| {
            HeaderValue::try_from(v).map_err(|_| ExecutorError::InvalidHeader { name })
        };
        Ok(Self {
            allowed_origins: origins
                .filter(|o| !o.is_empty())
                .map(|o| value(o, "CORS_ALLOWED_ORIGINS"))
                .transpose()?,
            allowed_headers: value(
                headers.unwrap_or(DEFAULT_CORS_HEADERS),
                "CORS_ALLOWED_HEADERS",
            )?,
        })
    }
}

impl Default for Cors {
    fn default() -> Self {
        Self {
            allowed_origins: None,
            allowed_headers: HeaderValue::from_static(DEFAULT_CORS_HEADERS),
        }
    }
}

/// Everything the executor needs, resolved by the caller.
#[derive(Debug, Clone)]
pub struct Config {
    /// `--sdep`.
    pub deployment: String,
    /// `--namespace`.
    pub namespace: String,
    /// The predictor and its graph.
    pub predictor: Predictor,
    /// `--protocol`.
    pub protocol: ProtocolKind,
    /// `--prometheus_path`.
    pub prometheus_path: String,
    /// Cap on request bodies (and on unit replies); bigger requests get 413.
    pub body_limit: usize,
    /// Timeout of each unit call.
    pub unit_timeout: Duration,
    /// `--full_health_checks`.
    pub full_health_checks: bool,
    /// `SELDON_ENABLE_ROUTING_INJECTION` is set.
    pub routing_injection: bool,
    /// CORS headers.
    pub cors: Cors,
    /// Cap on gRPC messages, received and sent (`seldon.io/grpc-max-message-size`).
    pub grpc_max_message_size: usize,
    /// Timeout of each gRPC unit call (`seldon.io/grpc-timeout`).
    pub grpc_timeout: Duration,
    /// The request logger's settings.
    pub logger: logger::LoggerConfig,
    /// Whether units this process serves are called in-process (the embedded runtime's hops,
    /// [`http::local`]).
    pub in_process_hops: bool,
}

impl Config {
    /// A config with upstream's defaults around a predictor.
    #[must_use]
    pub fn new(
        deployment: &str,
        namespace: &str,
        predictor: Predictor,
        protocol: ProtocolKind,
    ) -> Self {
        Self {
            deployment: deployment.to_owned(),
            namespace: namespace.to_owned(),
            predictor,
            protocol,
            prometheus_path: "/metrics".to_owned(),
            body_limit: http::DEFAULT_BODY_LIMIT,
            unit_timeout: annotations::DEFAULT_UNIT_TIMEOUT,
            full_health_checks: false,
            routing_injection: false,
            cors: Cors::default(),
            grpc_max_message_size: http::DEFAULT_BODY_LIMIT,
            grpc_timeout: annotations::DEFAULT_UNIT_TIMEOUT,
            logger: logger::LoggerConfig::default(),
            in_process_hops: false,
        }
    }
}

/// Shared state of a running executor.
#[derive(Debug)]
pub struct State {
    config: Config,
    walker: Walker,
    grpc: grpc::GrpcWalker,
    metrics: Arc<Metrics>,
}

impl State {
    /// Builds the client and metrics for a config.
    pub fn new(config: Config) -> Result<Self, ExecutorError> {
        let metrics = Arc::new(Metrics::new(
            &config.deployment,
            &config.predictor.name,
            &config.predictor.version,
        ));
        let client = UnitClient::new(config.unit_timeout, config.body_limit, Arc::clone(&metrics))
            .map_err(ExecutorError::Client)?
            .in_process_hops(config.in_process_hops);
        let request_logger = Arc::new(logger::RequestLogger::new(
            config.logger.clone(),
            logger::Sender {
                deployment: config.deployment.clone(),
                namespace: config.namespace.clone(),
                predictor: config.predictor.name.clone(),
                protocol: config.protocol.to_string(),
            },
        ));
        let walker = Walker {
            logger: Arc::clone(&request_logger),
            client,
            protocol: config.protocol,
            routing_injection: config.routing_injection,
        };
        let units = grpc::GrpcUnits::new(
            &config.predictor.graph,
            config.grpc_timeout,
            config.grpc_max_message_size,
        )?;
        let grpc = grpc::GrpcWalker::new(units, config.routing_injection)
            .with_logger(Arc::clone(&request_logger));
        Ok(Self {
            config,
            walker,
            grpc,
            metrics,
        })
    }
}

/// The executor's HTTP routes.
pub fn router(state: Arc<State>) -> Router {
    Router::new().fallback(server::dispatch).with_state(state)
}

/// Serves the executor's REST API on `listener` until `shutdown` resolves.
pub async fn run<F>(config: Config, listener: TcpListener, shutdown: F) -> Result<(), ExecutorError>
where
    F: Future<Output = ()> + Send + 'static,
{
    serve(config, Some(listener), None, shutdown).await
}

/// Serves the executor's REST API on `rest` and its gRPC API on `grpc` (each when given) until
/// `shutdown` resolves; the first server to fail stops both.
pub async fn serve<F>(
    config: Config,
    rest: Option<TcpListener>,
    grpc: Option<TcpListener>,
    shutdown: F,
) -> Result<(), ExecutorError>
where
    F: Future<Output = ()> + Send + 'static,
{
    let state = Arc::new(State::new(config)?);
    state.walker.logger.start().map_err(ExecutorError::Client)?;
    let shutdown = shutdown.shared();
    let rest = async {
        match rest {
            Some(listener) => {
                http::serve(listener, router(Arc::clone(&state)), shutdown.clone()).await?;
                Ok(())
            }
            None => Ok(()),
        }
    };
    let grpc = async {
        match grpc {
            Some(listener) => grpc::serve(Arc::clone(&state), listener, shutdown.clone()).await,
            None => Ok(()),
        }
    };
    tokio::try_join!(rest, grpc)?;
    Ok(())
}
