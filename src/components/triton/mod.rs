//! A Triton-compatible inference server with no Triton: a model repository laid out as Triton
//! reads it (`<repo>/<model>/config.pbtxt`, numeric version directories holding `model.onnx` or
//! `model.savedmodel/`) served over the Open Inference Protocol (V2) REST API.
//!
//! `pbtxt` and `config` read `config.pbtxt`; `backend` runs a version (tract-onnx for ONNX, the
//! TF-Serving-compatible server's loader for SavedModels); `repository` holds the models under
//! `--model-control-mode` (none, poll, explicit load and unload), each model's versions in one
//! of the model server's [`Manager`]s;
//! `tensor`, `api` (REST) and `grpc` are the V2 wire format over the same models. Nothing here prints or reads the environment.

pub mod api;
pub mod backend;
pub mod config;
pub mod grpc;
pub mod pbtxt;
pub mod repository;
pub mod tensor;

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::components::model_server::manager::Loader;
use crate::components::model_server::{self, Event, Manager, ModelConfig as VersionsConfig};
use config::ModelConfig;
pub use repository::{ModelControl, Repository};

/// Default request body cap, as the model server's.
pub const DEFAULT_MAX_BODY_BYTES: usize = model_server::DEFAULT_MAX_BODY_BYTES;

/// What to serve and how.
#[derive(Debug, Clone)]
pub struct Config {
    /// `--model-repository`.
    pub repository: PathBuf,
    /// `--model-control-mode` (with `--load-model` and `--repository-poll-secs`).
    pub control: ModelControl,
    pub max_body_bytes: usize,
    /// Where to report loads, unloads and failures.
    pub events: Option<tokio::sync::mpsc::UnboundedSender<Event>>,
}

/// Why the server could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("failed to read the model repository `{}`", path.display())]
    Repository {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("model `{model}`: failed to read `{}`", path.display())]
    ReadConfig {
        model: String,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("model `{model}`: invalid config.pbtxt")]
    Config {
        model: String,
        #[source]
        source: config::ConfigError,
    },
    #[error("model `{0}` to load is not in the repository")]
    NoSuchModel(String),
    #[error("`--load-model=*` must be the only `--load-model`")]
    LoadAllWithOthers,
    #[error("failed to load '{0}', no version is available")]
    NoVersion(String),
    #[error("failed to load model `{model}` version {version}: {error}")]
    Load {
        model: String,
        version: i64,
        error: String,
    },
    #[error("the version poller stopped unexpectedly")]
    Poller(#[source] tokio::task::JoinError),
    #[error("the HTTP server failed")]
    Http(#[source] crate::http::HttpError),
    #[error(transparent)]
    Grpc(#[from] grpc::GrpcServeError),
}

/// The config of the model in directory `name` of `repository`: its `config.pbtxt`, or one to
/// complete from the model when there is none; with warnings about what is ignored.
pub fn read_config(
    repository: &Path,
    name: &str,
) -> Result<(ModelConfig, Vec<String>), ServeError> {
    let path = repository.join(name).join("config.pbtxt");
    if !path.exists() {
        return Ok((ModelConfig::named(name), Vec::new()));
    }
    let text = std::fs::read_to_string(&path).map_err(|source| ServeError::ReadConfig {
        model: name.to_owned(),
        path: path.clone(),
        source,
    })?;
    let (mut config, mut warnings) =
        ModelConfig::parse(name, &text).map_err(|source| ServeError::Config {
            model: name.to_owned(),
            source,
        })?;
    if config.name != name {
        warnings.push(format!(
            "model `{name}`: config.pbtxt names it `{}`; the directory name is used",
            config.name
        ));
        name.clone_into(&mut config.name);
    }
    Ok((config, warnings))
}

/// The version manager of one model, each version loaded as its config says.
#[must_use]
pub fn manager_for(repository: &Path, config: ModelConfig) -> Manager<backend::Loaded> {
    let versions = VersionsConfig {
        name: config.name.clone(),
        base_path: repository.join(&config.name),
        version_policy: config.version_policy.clone(),
        version_labels: std::collections::BTreeMap::new(),
    };
    let loader: Loader<backend::Loaded> = Arc::new(move |dir: &Path| {
        backend::Loaded::load(&config, dir).map_err(|e| model_server::error_chain(&e))
    });
    Manager::with_loaders(vec![(versions, loader)])
}

/// Loads the repository, then serves the V2 REST API on `http` (and gRPC on `grpc`) until
/// `shutdown` completes. Start-up fails if a model has no version that loads, as Triton's does
/// under `--exit-on-error`.
pub async fn serve(
    config: Config,
    http: tokio::net::TcpListener,
    grpc: Option<tokio::net::TcpListener>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    load(config).await?.serve(http, grpc, shutdown).await
}

/// A repository's models, loaded: what the server needs before it opens its ports.
pub struct LoadedRepository {
    repository: Arc<Repository>,
    max_body_bytes: usize,
}

/// Reads the repository and loads the models its control mode names, as `tritonserver` does
/// before it opens its ports, so that a port that answers means servable models. Fails if one
/// of them has no version that loads.
pub async fn load(config: Config) -> Result<LoadedRepository, ServeError> {
    let repository = Arc::new(Repository::new(
        config.repository,
        config.control,
        config.events,
    ));
    repository.load_initial().await?;
    Ok(LoadedRepository {
        repository,
        max_body_bytes: config.max_body_bytes,
    })
}

impl LoadedRepository {
    /// Serves REST on `http` and gRPC on `grpc` until `shutdown` completes, polling for new
    /// versions when configured to.
    pub async fn serve(
        self,
        http: tokio::net::TcpListener,
        grpc: Option<tokio::net::TcpListener>,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServeError> {
        let Self {
            repository,
            max_body_bytes,
        } = self;
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let stopped = |mut stop: tokio::sync::watch::Receiver<bool>| async move {
            // An error means the sender is gone, which also means stop.
            let _ = stop.wait_for(|stop| *stop).await;
        };
        let grpc_server = grpc.map(|listener| {
            tokio::spawn(grpc::serve(
                Arc::clone(&repository),
                max_body_bytes,
                listener,
                stopped(stop_rx.clone()),
            ))
        });
        let poller = repository.poll_interval().map(|interval| {
            let repository = Arc::clone(&repository);
            let mut stop = stop_rx;
            tokio::spawn(async move {
                loop {
                    tokio::select! {
                        () = tokio::time::sleep(interval) => {}
                        _ = stop.changed() => return,
                    }
                    repository.poll().await;
                }
            })
        });
        let app = api::router(repository, max_body_bytes);
        // `http::serve` sets TCP_NODELAY and closes slow or idle connections.
        let served = crate::http::serve(http, app, async move {
            shutdown.await;
            let _ = stop_tx.send(true);
        })
        .await
        .map_err(ServeError::Http);
        if let Some(poller) = poller {
            poller.abort();
        }
        if let Some(server) = grpc_server {
            match server.await {
                Ok(Ok(())) => {}
                Ok(Err(error)) => return Err(ServeError::Grpc(error)),
                Err(join) => return Err(ServeError::Poller(join)),
            }
        }
        served
    }
}
