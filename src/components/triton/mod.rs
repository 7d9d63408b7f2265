//! A Triton-compatible inference server with no Triton: a model repository laid out as Triton
//! reads it (`<repo>/<model>/config.pbtxt`, numeric version directories holding `model.onnx` or
//! `model.savedmodel/`) served over the Open Inference Protocol (V2) REST API.
//!
//! `pbtxt` and `config` read `config.pbtxt`; `backend` runs a version (tract-onnx for ONNX, the
//! TF-Serving-compatible server's loader for SavedModels); versions are polled by the model
//! server's [`Manager`], as Triton's POLL mode does;
//! `tensor`, `api` (REST) and `grpc` are the V2 wire format over the same models. Nothing here prints or reads the environment.

pub mod api;
pub mod backend;
pub mod config;
pub mod grpc;
pub mod pbtxt;
pub mod tensor;

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::components::model_server::manager::Loader;
use crate::components::model_server::{self, Event, Manager, ModelConfig as VersionsConfig};
use backend::Loaded;
use config::ModelConfig;

/// Default request body cap, as the model server's.
pub const DEFAULT_MAX_BODY_BYTES: usize = model_server::DEFAULT_MAX_BODY_BYTES;

/// What to serve and how.
#[derive(Debug, Clone)]
pub struct Config {
    /// `--model-repository`.
    pub repository: PathBuf,
    /// Only these models (`--model-control-mode=explicit --load-model=...`); all when `None`.
    pub load_models: Option<Vec<String>>,
    /// How often to look for new versions (`--repository-poll-secs`); `None` loads once.
    pub poll_interval: Option<Duration>,
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

/// The models of a repository with their configs, and warnings about what is ignored.
pub fn scan(
    repository: &Path,
    only: Option<&[String]>,
) -> Result<(Vec<ModelConfig>, Vec<String>), ServeError> {
    let read_error = |source| ServeError::Repository {
        path: repository.to_path_buf(),
        source,
    };
    let mut names = Vec::new();
    for entry in std::fs::read_dir(repository).map_err(read_error)? {
        let entry = entry.map_err(read_error)?;
        if entry.path().is_dir()
            && let Some(name) = entry.file_name().to_str()
            && !name.starts_with('.')
        {
            names.push(name.to_owned());
        }
    }
    names.sort();
    if let Some(only) = only {
        if let Some(missing) = only.iter().find(|m| !names.contains(m)) {
            return Err(ServeError::NoSuchModel(missing.clone()));
        }
        names.retain(|n| only.contains(n));
    }
    let mut configs = Vec::new();
    let mut warnings = Vec::new();
    for name in names {
        let path = repository.join(&name).join("config.pbtxt");
        let config = if path.exists() {
            let text = std::fs::read_to_string(&path).map_err(|source| ServeError::ReadConfig {
                model: name.clone(),
                path: path.clone(),
                source,
            })?;
            let (mut config, more) =
                ModelConfig::parse(&name, &text).map_err(|source| ServeError::Config {
                    model: name.clone(),
                    source,
                })?;
            warnings.extend(more);
            if config.name != name {
                warnings.push(format!(
                    "model `{name}`: config.pbtxt names it `{}`; the directory name is used",
                    config.name
                ));
                config.name.clone_from(&name);
            }
            config
        } else {
            ModelConfig::named(&name)
        };
        configs.push(config);
    }
    Ok((configs, warnings))
}

/// The version manager over `configs`, each version loaded as its model's config says.
#[must_use]
pub fn manager(repository: &Path, configs: Vec<ModelConfig>) -> Manager<Loaded> {
    let models = configs
        .into_iter()
        .map(|config| {
            let versions = VersionsConfig {
                name: config.name.clone(),
                base_path: repository.join(&config.name),
                version_policy: config.version_policy.clone(),
                version_labels: std::collections::BTreeMap::new(),
            };
            let loader: Loader<Loaded> = Arc::new(move |dir: &Path| {
                Loaded::load(&config, dir).map_err(|e| model_server::error_chain(&e))
            });
            (versions, loader)
        })
        .collect();
    Manager::with_loaders(models)
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
    let (configs, warnings) = scan(&config.repository, config.load_models.as_deref())?;
    for warning in warnings {
        tracing::warn!("{warning}");
    }
    let manager = Arc::new(manager(&config.repository, configs));
    let sink = config.events;
    let events = model_server::poll(&manager, sink.as_ref())
        .await
        .map_err(|e| match e {
            model_server::ServeError::Poller(join) => ServeError::Poller(join),
            other => ServeError::Load {
                model: String::new(),
                version: 0,
                error: other.to_string(),
            },
        })?;
    if let Some(Event::LoadFailed { model, version, error }) = events
        .iter()
        .find(|e| matches!(e, Event::LoadFailed { model, .. } if manager.servable(model, &model_server::Selector::Latest).is_err()))
        .cloned()
    {
        return Err(ServeError::Load { model, version, error });
    }
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let stopped = |mut stop: tokio::sync::watch::Receiver<bool>| async move {
        // An error means the sender is gone, which also means stop.
        let _ = stop.wait_for(|stop| *stop).await;
    };
    let grpc_server = grpc.map(|listener| {
        tokio::spawn(grpc::serve(
            Arc::clone(&manager),
            config.max_body_bytes,
            listener,
            stopped(stop_rx.clone()),
        ))
    });
    let poller = config.poll_interval.map(|interval| {
        tokio::spawn(model_server::poll_loop(
            Arc::clone(&manager),
            interval,
            stop_rx,
            sink,
        ))
    });
    let app = api::router(manager, config.max_body_bytes);
    // The shared connection loop (TCP_NODELAY, header and idle timeouts).
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
