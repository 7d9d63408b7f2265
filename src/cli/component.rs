//! `seldon-local component <role>` (hidden): run a built-in component the way its upstream image
//! runs, with the upstream flags and env, so a container or a test can start it by name.
//!
//! This is the only place those flags and variables are read; the components receive a resolved
//! config, a bound listener and a shutdown future.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, Result, bail};
use clap::{Args, Subcommand};

use super::{Context, ExitStatus};
use crate::components::{executor, file_server, ingress, proxy};
use crate::env;
use crate::http::DEFAULT_BODY_LIMIT;
use crate::protocol::ProtocolKind;

/// Which component to run.
#[derive(Debug, Args)]
pub(crate) struct ComponentArgs {
    #[command(subcommand)]
    pub(crate) component: Component,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Component {
    /// The executor (`seldonio/seldon-core-executor`): serves the predictor's API and walks
    /// the graph given in `ENGINE_PREDICTOR`.
    Executor(Box<ExecutorArgs>),
    /// The tfserving proxy (`seldonio/tfserving-proxy`): a Seldon unit in front of TensorFlow
    /// Serving's REST API, configured by `PREDICTIVE_UNIT_PARAMETERS`.
    #[command(name = "tfserving-proxy")]
    TfservingProxy(ProxyArgs),
    /// The ingress every deployment shares (Ambassador's or Istio's place): routes
    /// `/seldon/<namespace>/<name>/...` to the deployment's engine, split by the predictors'
    /// `traffic`, copied to shadows; reads the route records `up` writes.
    Ingress(IngressArgs),
    /// The pod sandbox: holds the pod's network namespace until SIGTERM or SIGINT.
    Pause,
    /// The Docker runtime's supervisor: follows Docker's events and heals pods as Kubernetes
    /// does (restarts a container stopped by hand; a dead sandbox brings its pod back).
    Supervisor(SupervisorArgs),
    /// Fetch a model URI into a directory, as the storage-initializer init container does.
    ///
    /// SRC is a `modelUri`: `gs://bucket/path`, `s3://bucket/path`,
    /// `https://<account>.blob.core.windows.net/<container>/path`, rclone `remote:bucket/path`,
    /// `http(s)://` (archives `.tar`, `.tar.gz`, `.tgz`, `.zip` are unpacked), `file://`, a
    /// local path or `pvc://claim/path`. Credentials come from the environment as upstream
    /// reads them: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_ENDPOINT_URL`,
    /// `S3_ENDPOINT`, `S3_USE_HTTPS`, `GOOGLE_APPLICATION_CREDENTIALS`, `AZ_CLIENT_ID`,
    /// `AZ_CLIENT_SECRET`, `AZ_TENANT_ID`, `RCLONE_CONFIG_<REMOTE>_*`.
    ///
    /// Examples:
    ///   seldon-local component storage-initializer gs://seldon-models/sklearn/iris /mnt/models
    ///   seldon-local component storage-initializer --pvc models=/data pvc://models/iris ./m
    #[command(verbatim_doc_comment)]
    StorageInitializer(super::component_storage::StorageInitializerArgs),
    /// A TensorFlow-Serving-compatible model server (no TensorFlow needed).
    ///
    /// Takes `tensorflow_model_server`'s flags: `--rest_api_port`, `--model_name`,
    /// `--model_base_path`, `--model_config_file`, `--file_system_poll_wait_seconds`; `--port`
    /// (gRPC) and other flags are accepted with a warning.
    TensorflowModelServer(super::component_tfserving::TfServingArgs),
    /// A Triton-compatible V2 inference server (no Triton needed) over a Triton model
    /// repository: ONNX and TensorFlow SavedModel versions.
    ///
    /// Takes `tritonserver`'s flags: `--model-repository`, `--http-port`, `--grpc-port`,
    /// `--model-control-mode`, `--load-model`, `--repository-poll-secs`; other flags are
    /// accepted with a warning.
    Tritonserver(super::component_triton::TritonArgs),
    /// Serve a directory's files read-only over HTTP, or HTTPS with `--tls-cert`/`--tls-key`:
    /// a stand-in model registry for trying `http(s)://` model URIs on a local network.
    #[command(name = "serve-files")]
    ServeFiles(ServeFilesArgs),
    /// The request-log sink: stores the executor's request-log CloudEvents per deployment under
    /// `--dir` and serves them back at `/events?deployment=NAME`.
    #[command(name = "request-sink")]
    RequestSink(RequestSinkArgs),
}

/// `component request-sink`.
#[derive(Debug, Args)]
pub(crate) struct RequestSinkArgs {
    /// Where the events are stored (one `<deployment>.jsonl` each).
    #[arg(long, value_name = "DIR")]
    pub(crate) dir: PathBuf,
    /// Port to listen on (the operator's default logger URL, `http://default-broker`, has none).
    #[arg(long, default_value_t = crate::components::request_sink::CONTAINER_PORT)]
    pub(crate) port: u16,
    /// Address to listen on (containers need `0.0.0.0`).
    #[arg(long, env = env::SELDON_LOCAL_BIND, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    bind: IpAddr,
}

/// `component serve-files`.
#[derive(Debug, Args)]
pub(crate) struct ServeFilesArgs {
    /// The directory whose files are served.
    #[arg(long, value_name = "DIR", default_value = ".")]
    dir: PathBuf,
    /// Address to listen on (containers need `0.0.0.0`).
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// The certificate chain (PEM, leaf first); with `--tls-key`, serve HTTPS.
    #[arg(long, value_name = "PEM", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The certificate's private key (PEM).
    #[arg(long, value_name = "PEM", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
}

/// `component supervisor`.
#[derive(Debug, Args)]
pub(crate) struct SupervisorArgs {
    /// Exit once no Docker deployment has been left for this many seconds (0: never).
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    idle_exit: u64,
}

/// `component ingress`.
#[derive(Debug, Args)]
pub(crate) struct IngressArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8003")]
    listen: SocketAddr,
    /// The directory of the route records (default: the state root's `_ingress`).
    #[arg(long, value_name = "DIR")]
    routes: Option<PathBuf>,
    /// Exit once nothing has been routed for this many seconds (0: never).
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    idle_exit: u64,
}

/// The upstream executor's flags (Go flag names, so operator-made args work unchanged).
#[derive(Debug, Args)]
pub(crate) struct ExecutorArgs {
    /// SeldonDeployment name.
    #[arg(long)]
    sdep: String,
    /// Namespace.
    #[arg(long)]
    namespace: String,
    /// Predictor name.
    #[arg(long)]
    predictor: String,
    /// Single port for REST (1.2.1); overrides `--http_port`.
    #[arg(long)]
    port: Option<u16>,
    /// REST port.
    #[arg(long = "http_port", default_value_t = 8080)]
    http_port: u16,
    /// gRPC port (the Seldon service for `--protocol seldon`).
    #[arg(long = "grpc_port", default_value_t = 5000)]
    grpc_port: u16,
    /// Protocol: seldon, tensorflow, v2 or kfserving.
    #[arg(long, default_value = "seldon")]
    protocol: String,
    /// Transport of the units' calls from the REST API: rest (the gRPC API always calls units
    /// over gRPC, as upstream).
    #[arg(long, default_value = "rest")]
    transport: String,
    /// Path of the Prometheus metrics.
    #[arg(long = "prometheus_path", default_value = "/metrics")]
    prometheus_path: String,
    /// Server type: rpc (kafka is not supported).
    #[arg(long = "server_type", default_value = "rpc")]
    server_type: String,
    /// Check each unit's health endpoint instead of a TCP connect for `/ready`.
    #[arg(long = "full_health_checks", num_args = 0..=1, default_missing_value = "true", default_value = "false")]
    full_health_checks: bool,
    /// Load the predictor from a SeldonDeployment file (not supported; use `ENGINE_PREDICTOR`).
    #[arg(long)]
    file: Option<PathBuf>,
    /// Hostname in the request log's `ce-source` (`http://<hostname>:<http_port>/`).
    #[arg(long)]
    hostname: Option<String>,
    /// Request-log events in flight at once.
    #[arg(long = "logger_workers")]
    logger_workers: Option<u32>,
    /// Request-log queue size; a full queue drops events (counted in the metrics).
    #[arg(long = "log_work_buffer_size")]
    log_work_buffer_size: Option<u64>,
    /// Request-logger enqueue timeout (accepted; a full queue drops at once).
    #[arg(long = "log_write_timeout_ms")]
    log_write_timeout_ms: Option<u64>,
    /// `REQUEST_LOGGER_DEFAULT_ENDPOINT`: where nodes whose `logger` has no `url` send.
    #[arg(long, hide = true, env = env::REQUEST_LOGGER_DEFAULT_ENDPOINT)]
    request_logger_default_endpoint: Option<String>,
    /// Graceful shutdown timeout (accepted).
    #[arg(long = "graceful_timeout")]
    graceful_timeout: Option<String>,
    /// Delay before shutdown (accepted).
    #[arg(long = "shutdown_delay")]
    shutdown_delay: Option<String>,
    /// Log level (accepted).
    #[arg(long = "log_level")]
    log_level: Option<String>,
    /// The pod's downward-API annotations file (`seldon.io/rest-timeout` is read from it).
    #[arg(long, value_name = "FILE", default_value = executor::annotations::DEFAULT_PATH)]
    pub(crate) annotations: PathBuf,
    /// Address to listen on (upstream listens on every interface; containers need `0.0.0.0`).
    #[arg(long, env = env::SELDON_LOCAL_BIND, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    bind: IpAddr,
    /// Largest request body accepted; bigger ones get 413.
    #[arg(long = "max_body_bytes", default_value_t = DEFAULT_BODY_LIMIT)]
    max_body_bytes: usize,
    /// The predictor spec: base64 of its JSON, as the operator sets it.
    #[arg(long = "engine_predictor", env = env::ENGINE_PREDICTOR, hide_env_values = true)]
    engine_predictor: Option<String>,
    /// Write `meta.routing` into replies when non-empty.
    #[arg(long, hide = true, env = env::SELDON_ENABLE_ROUTING_INJECTION, default_value = "")]
    routing_injection: String,
    /// `Access-Control-Allow-Origin`.
    #[arg(long, hide = true, env = env::CORS_ALLOWED_ORIGINS)]
    cors_allowed_origins: Option<String>,
    /// `Access-Control-Allow-Headers`.
    #[arg(long, hide = true, env = env::CORS_ALLOWED_HEADERS)]
    cors_allowed_headers: Option<String>,
}

/// The tfserving proxy's settings: the upstream env, plus where to listen.
#[derive(Debug, Args)]
pub(crate) struct ProxyArgs {
    /// `PREDICTIVE_UNIT_PARAMETERS`: rest_endpoint, model_name, signature_name, ….
    #[arg(long, env = env::PREDICTIVE_UNIT_PARAMETERS)]
    parameters: String,
    /// `PREDICTIVE_UNIT_HTTP_SERVICE_PORT`.
    #[arg(long, env = env::PREDICTIVE_UNIT_HTTP_SERVICE_PORT)]
    http_service_port: Option<String>,
    /// `PREDICTIVE_UNIT_SERVICE_PORT` (used when the HTTP one is absent, as 1.2.1 sets only it).
    #[arg(long, env = env::PREDICTIVE_UNIT_SERVICE_PORT)]
    service_port: Option<String>,
    /// `PREDICTIVE_UNIT_GRPC_SERVICE_PORT`: the Seldon `Model` service's port (none: no gRPC).
    #[arg(long, env = env::PREDICTIVE_UNIT_GRPC_SERVICE_PORT)]
    grpc_service_port: Option<String>,
    /// `PREDICTIVE_UNIT_ID`: the graph node name, for `meta.requestPath`.
    #[arg(long, env = env::PREDICTIVE_UNIT_ID)]
    unit_id: Option<String>,
    /// `PREDICTIVE_UNIT_IMAGE`: the unit's image, for `meta.requestPath` and `/metadata`.
    #[arg(long, env = env::PREDICTIVE_UNIT_IMAGE)]
    unit_image: Option<String>,
    /// `PREDICTIVE_UNIT_METRICS_SERVICE_PORT`: where `/prometheus` is served (default 6000).
    #[arg(long, env = env::PREDICTIVE_UNIT_METRICS_SERVICE_PORT)]
    metrics_service_port: Option<String>,
    /// `PREDICTIVE_UNIT_METRICS_ENDPOINT`: the metrics path, besides `/prometheus` and `/metrics`.
    #[arg(long, env = env::PREDICTIVE_UNIT_METRICS_ENDPOINT, default_value = "/prometheus")]
    metrics_endpoint: String,
    /// `SELDON_DEPLOYMENT_ID`, a metrics label.
    #[arg(long, env = env::SELDON_DEPLOYMENT_ID, default_value = "")]
    deployment_id: String,
    /// `PREDICTOR_ID`, a metrics label.
    #[arg(long, env = env::PREDICTOR_ID, default_value = "")]
    predictor_id: String,
    /// `PREDICTOR_LABELS`: the predictor's labels as JSON (`version` is a metrics label).
    #[arg(long, env = env::PREDICTOR_LABELS)]
    predictor_labels: Option<String>,
    /// Address to listen on (upstream listens on every interface; containers need `0.0.0.0`).
    #[arg(long, env = env::SELDON_LOCAL_BIND, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    bind: IpAddr,
    /// Largest request body accepted; bigger ones get 413.
    #[arg(long = "max_body_bytes", default_value_t = DEFAULT_BODY_LIMIT)]
    max_body_bytes: usize,
}

#[allow(
    clippy::too_many_lines,
    reason = "one arm per role, each binding its listeners and saying where it serves"
)]
pub(crate) fn run(args: ComponentArgs, ctx: &Context) -> Result<ExitStatus> {
    // One thread: a component is a sidecar on loopback, and every hop of a request would
    // otherwise wake another worker (the bench measured executor + proxy adding ~120 us at p50
    // on one thread against ~190 us on two).
    let runtime = || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("failed to start the async runtime")
    };
    match args.component {
        Component::Pause => return super::component_pause::run(),
        Component::Supervisor(args) => {
            let idle = (args.idle_exit > 0).then(|| Duration::from_secs(args.idle_exit));
            return super::supervisor::run(idle, ctx);
        }
        Component::TensorflowModelServer(args) => {
            return super::component_tfserving::run(&args, ctx);
        }
        Component::Tritonserver(args) => return super::component_triton::run(&args, ctx),
        Component::StorageInitializer(args) => {
            return runtime()?.block_on(super::component_storage::run(&args, ctx));
        }
        Component::ServeFiles(args) => {
            let tls = match (&args.tls_cert, &args.tls_key) {
                (Some(cert), Some(key)) => Some(file_server::tls_acceptor(cert, key)?),
                _ => None,
            };
            let scheme = if tls.is_some() { "https" } else { "http" };
            runtime()?.block_on(async move {
                let listener = bind(args.listen).await?;
                ctx.printer.status(
                    "Serving",
                    format!("`{}` on {scheme}://{}", args.dir.display(), args.listen),
                );
                file_server::serve(args.dir, listener, tls, shutdown_signal())
                    .await
                    .context("the file server failed")
            })?;
        }
        Component::RequestSink(args) => {
            let addr = SocketAddr::new(args.bind, args.port);
            runtime()?.block_on(async move {
                let listener = bind(addr).await?;
                ctx.printer.status(
                    "Serving",
                    format!(
                        "the request-log sink on `{addr}`, storing under `{}`",
                        args.dir.display()
                    ),
                );
                crate::components::request_sink::run(args.dir, listener, shutdown_signal())
                    .await
                    .context("the request-log sink failed")
            })?;
        }
        Component::Executor(args) => {
            let (config, addrs) = executor_config(*args, ctx)?;
            runtime()?.block_on(async move {
                let rest = bind(addrs.rest).await?;
                ctx.printer.status(
                    "Serving",
                    format!("the executor's REST API on `{}`", addrs.rest),
                );
                let grpc = match addrs.grpc {
                    Some(addr) => {
                        let listener = bind(addr).await?;
                        ctx.printer
                            .status("Serving", format!("the executor's gRPC API on `{addr}`"));
                        Some(listener)
                    }
                    None => None,
                };
                executor::serve(config, Some(rest), grpc, shutdown_signal())
                    .await
                    .context("executor failed")
            })?;
        }
        Component::Ingress(args) => {
            let dir = args.routes.unwrap_or_else(super::ingress::dir);
            let idle = (args.idle_exit > 0).then(|| Duration::from_secs(args.idle_exit));
            let source = Arc::new(super::ingress::LocalRoutes { dir });
            runtime()?.block_on(async move {
                let listener = bind(args.listen).await?;
                ctx.printer
                    .status("Serving", format!("the ingress on `{}`", args.listen));
                ingress::run(
                    super::ingress::config(idle),
                    source,
                    listener,
                    shutdown_signal(),
                )
                .await
                .context("the ingress failed")
            })?;
        }
        Component::TfservingProxy(args) => {
            let (config, addrs) = proxy_config(args)?;
            runtime()?.block_on(async move {
                let listener = bind(addrs.rest).await?;
                let metrics = bind(addrs.metrics).await?;
                ctx.printer.status(
                    "Serving",
                    format!(
                        "the tfserving proxy's REST API on `{}`, its metrics on `{}`",
                        addrs.rest, addrs.metrics
                    ),
                );
                let grpc = match addrs.grpc {
                    Some(addr) => {
                        let listener = bind(addr).await?;
                        ctx.printer.status(
                            "Serving",
                            format!("the tfserving proxy's gRPC API on `{addr}`"),
                        );
                        Some(listener)
                    }
                    None => None,
                };
                proxy::serve(config, listener, grpc, Some(metrics), shutdown_signal())
                    .await
                    .context("tfserving proxy failed")
            })?;
        }
    }
    Ok(ExitStatus::Success)
}

/// Where the executor serves: REST always; gRPC unless it was given the single `--port` of
/// 1.2.1, whose executor served REST only.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ExecutorAddrs {
    pub(crate) rest: SocketAddr,
    pub(crate) grpc: Option<SocketAddr>,
}

pub(crate) fn executor_config(
    args: ExecutorArgs,
    ctx: &Context,
) -> Result<(executor::Config, ExecutorAddrs)> {
    if args.transport != "rest" && args.transport != "grpc" {
        bail!(
            "transport `{}` is not supported by the built-in executor; use `rest` or `grpc`",
            args.transport
        );
    }
    if args.server_type != "rpc" {
        bail!(
            "server type `{}` is not supported by the built-in executor; use `rpc`",
            args.server_type
        );
    }
    if args.file.is_some() {
        bail!("`--file` is not supported by the built-in executor; set `ENGINE_PREDICTOR`");
    }
    let protocol: ProtocolKind = args.protocol.parse()?;
    let encoded = args.engine_predictor.context(
        "`ENGINE_PREDICTOR` is not set; it must hold the base64 JSON of the predictor spec",
    )?;
    let predictor = executor::Predictor::from_engine_predictor(&encoded)?;
    if predictor.name != args.predictor {
        ctx.printer.warning(format!(
            "`--predictor {}` differs from the name in `ENGINE_PREDICTOR` (`{}`)",
            args.predictor, predictor.name
        ));
    }
    let annotations = match std::fs::read_to_string(&args.annotations) {
        Ok(text) => executor::annotations::parse(&text).with_context(|| {
            format!(
                "failed to read annotations from `{}`",
                args.annotations.display()
            )
        })?,
        // Upstream only logs a missing file; the defaults apply.
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            std::collections::BTreeMap::default()
        }
        Err(error) => {
            return Err(error)
                .with_context(|| format!("failed to read `{}`", args.annotations.display()));
        }
    };
    let mut config = executor::Config::new(&args.sdep, &args.namespace, predictor, protocol);
    config.unit_timeout = executor::annotations::unit_timeout(&annotations)?;
    config.grpc_timeout = executor::annotations::grpc_timeout(
        &annotations,
        executor::annotations::DEFAULT_UNIT_TIMEOUT,
    )?;
    config.grpc_max_message_size =
        executor::annotations::grpc_max_message_size(&annotations, args.max_body_bytes)?;
    config.prometheus_path = args.prometheus_path;
    config.full_health_checks = args.full_health_checks;
    config.body_limit = args.max_body_bytes;
    config.routing_injection = !args.routing_injection.is_empty();
    let http_port = args.port.unwrap_or(args.http_port);
    config.logger = executor::logger::LoggerConfig {
        default_endpoint: args
            .request_logger_default_endpoint
            .filter(|e| !e.is_empty()),
        queue_size: args
            .log_work_buffer_size
            .map_or(executor::logger::DEFAULT_QUEUE_SIZE, |n| {
                usize::try_from(n).unwrap_or(usize::MAX)
            }),
        workers: args
            .logger_workers
            .map_or(executor::logger::DEFAULT_WORKERS, |n| n as usize),
        // Upstream builds it before defaulting the hostname, so it is empty unless given.
        source: format!(
            "http://{}:{http_port}/",
            args.hostname.as_deref().unwrap_or("")
        ),
        ..executor::logger::LoggerConfig::default()
    };
    config.cors = executor::Cors::new(
        args.cors_allowed_origins.as_deref(),
        args.cors_allowed_headers.as_deref(),
    )?;
    let addrs = ExecutorAddrs {
        rest: SocketAddr::new(args.bind, args.port.unwrap_or(args.http_port)),
        grpc: args
            .port
            .is_none()
            .then(|| SocketAddr::new(args.bind, args.grpc_port)),
    };
    Ok((config, addrs))
}

/// Where the tfserving proxy serves: its unit API (REST always, gRPC when the operator gave
/// it a port) and its metrics port.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ProxyAddrs {
    pub(crate) rest: SocketAddr,
    pub(crate) grpc: Option<SocketAddr>,
    pub(crate) metrics: SocketAddr,
}

pub(crate) fn proxy_config(args: ProxyArgs) -> Result<(proxy::Config, ProxyAddrs)> {
    let port = proxy::http_port(
        args.http_service_port.as_deref(),
        args.service_port.as_deref(),
    )?;
    let metrics_port = match args.metrics_service_port.as_deref().map(str::trim) {
        Some(value) if !value.is_empty() => value.parse().with_context(|| {
            format!("`PREDICTIVE_UNIT_METRICS_SERVICE_PORT` is not a valid port: `{value}`")
        })?,
        _ => proxy::metrics::DEFAULT_METRICS_PORT,
    };
    let labels = proxy::metrics::UnitLabels {
        deployment: args.deployment_id,
        model_name: args.unit_id.clone().unwrap_or_default(),
        image: args.unit_image.clone().unwrap_or_default(),
        predictor_name: args.predictor_id,
        predictor_version: proxy::metrics::UnitLabels::version_from_labels(
            args.predictor_labels.as_deref(),
        ),
    };
    let mut config =
        proxy::Config::from_parameters(&args.parameters, args.unit_id, args.unit_image)?;
    config.body_limit = args.max_body_bytes;
    config.metrics = labels;
    config.metrics_endpoint = args.metrics_endpoint;
    let grpc = proxy::grpc_port(args.grpc_service_port.as_deref())?;
    let addrs = ProxyAddrs {
        rest: SocketAddr::new(args.bind, port),
        grpc: grpc.map(|port| SocketAddr::new(args.bind, port)),
        metrics: SocketAddr::new(args.bind, metrics_port),
    };
    Ok((config, addrs))
}

async fn bind(addr: SocketAddr) -> Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("failed to listen on `{addr}`"))
}

/// Resolves on Ctrl-C or SIGTERM (what `docker stop` sends).
async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}
