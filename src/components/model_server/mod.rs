//! A TensorFlow-Serving-compatible model server that needs no TensorFlow: SavedModels are
//! frozen and compiled with tract, versions are polled and swapped like TF Serving does, and the
//! REST API of `tensorflow_model_server` is served.
//!
//! Pipeline: `bundle` (checkpoint reader) and `freeze` (SavedModel → frozen graph per
//! signature) feed `servable` (compiled signatures), which `manager` loads per version; `rest`
//! converts JSON to and from tensors; `api` is the axum router. Nothing here prints, reads the
//! environment or builds a runtime; events are logged with `tracing`.

mod api;
pub(crate) mod bundle;
pub mod config;
mod freeze;
pub mod grpc;
pub mod manager;
mod ops;
pub mod rest;
pub mod servable;
pub mod status;
pub mod tensor;
#[cfg(test)]
mod tests;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

pub use api::router;
pub use manager::{Event, Manager, ModelConfig, Selector, VersionPolicy};

/// Runs the signature `name` of `servable`: on this async worker when it should be brief
/// ([`servable::Signature::runs_briefly`]), else on the blocking pool. The outer error is a run
/// that panicked, in either place.
async fn predict(
    servable: Arc<servable::Servable>,
    name: Option<String>,
    inputs: std::collections::BTreeMap<String, tensor::Tensor>,
) -> Result<Result<Vec<(String, tensor::Tensor)>, servable::PredictError>, RunPanicked> {
    let brief = match servable.signature(name.as_deref()) {
        Ok(signature) => signature.runs_briefly(&inputs),
        Err(e) => return Ok(Err(e)),
    };
    run_contained(brief, move || {
        servable.signature(name.as_deref())?.predict(inputs)
    })
    .await
}

/// A model run that panicked (tract asserts in places instead of returning an error); the
/// request gets an internal error and the server keeps serving.
#[derive(Debug, thiserror::Error)]
#[error("the run panicked: {0}")]
struct RunPanicked(String);

/// Runs `run` inline when `brief`, else on the blocking pool, containing a panic either way:
/// inline, an uncaught panic would take the connection down with it instead of answering.
async fn run_contained<T: Send + 'static>(
    brief: bool,
    run: impl FnOnce() -> T + Send + 'static,
) -> Result<T, RunPanicked> {
    if brief {
        return std::panic::catch_unwind(std::panic::AssertUnwindSafe(run))
            .map_err(|panic| RunPanicked(panic_text(&*panic)));
    }
    tokio::task::spawn_blocking(run).await.map_err(|e| {
        if e.is_panic() {
            RunPanicked(panic_text(&*e.into_panic()))
        } else {
            RunPanicked("the run was cancelled".to_owned())
        }
    })
}

fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|text| (*text).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".to_owned())
}

/// Default request body cap: 64 MiB, plenty for batches of images as JSON.
pub const DEFAULT_MAX_BODY_BYTES: usize = 64 * 1024 * 1024;

/// What to serve and how.
#[derive(Debug, Clone)]
pub struct Config {
    pub models: Vec<ModelConfig>,
    /// How often to look for new versions; `None` loads once (TF Serving's
    /// `--file_system_poll_wait_seconds=0`).
    pub poll_interval: Option<Duration>,
    pub max_body_bytes: usize,
    /// Where to report loads, unloads and failures (also logged with `tracing`).
    pub events: Option<tokio::sync::mpsc::UnboundedSender<Event>>,
}

/// Why the server could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("failed to load model `{model}` version {version}: {error}")]
    Load {
        model: String,
        version: i64,
        error: String,
    },
    /// Readiness means a servable model is loaded: a base path holding no version directory
    /// (a modelUri naming a single unrelated file, say) must not start a server that answers
    /// only "not found".
    #[error(
        "model `{model}` has no version to serve in `{}`: expected a numeric version directory holding a SavedModel, such as `1/saved_model.pb`",
        base_path.display()
    )]
    NoVersion {
        model: String,
        base_path: std::path::PathBuf,
    },
    #[error("the model-server poller stopped unexpectedly")]
    Poller(#[source] tokio::task::JoinError),
    #[error("the model-server HTTP server failed")]
    Http(#[source] crate::http::HttpError),
    #[error(transparent)]
    Grpc(#[from] grpc::GrpcServeError),
}

/// Loads the models, then serves REST on `listener` until `shutdown` completes.
///
/// Start-up fails if a model's only candidate versions fail to load, like
/// `tensorflow_model_server` does; later failures are logged and the old version keeps serving.
pub async fn serve(
    config: Config,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    serve_all(config, listener, None, shutdown).await
}

/// [`serve`], plus TF Serving's gRPC API on `grpc` when given (`--port`), over the same models.
pub async fn serve_all(
    config: Config,
    rest: tokio::net::TcpListener,
    grpc: Option<tokio::net::TcpListener>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    load(config).await?.serve(rest, grpc, shutdown).await
}

/// The models of a [`Config`], loaded: what a server needs before it opens its ports.
pub struct Loaded {
    manager: Arc<Manager>,
    poll_interval: Option<Duration>,
    max_body_bytes: usize,
    sink: Option<tokio::sync::mpsc::UnboundedSender<Event>>,
}

/// Loads every model once, like `tensorflow_model_server` before it opens its ports: start-up
/// fails if a model has no version that loads.
pub async fn load(config: Config) -> Result<Loaded, ServeError> {
    let manager = Arc::new(Manager::new(config.models));
    let sink = config.events;
    let events = poll(&manager, sink.as_ref()).await?;
    if let Some(Event::LoadFailed { model, version, error }) = events
        .iter()
        .find(|e| matches!(e, Event::LoadFailed { model, .. } if manager.servable(model, &Selector::Latest).is_err()))
        .cloned()
    {
        return Err(ServeError::Load { model, version, error });
    }
    if let Some((model, base_path)) = manager.unservable().next() {
        return Err(ServeError::NoVersion {
            model: model.to_owned(),
            base_path: base_path.to_owned(),
        });
    }
    Ok(Loaded {
        manager,
        poll_interval: config.poll_interval,
        max_body_bytes: config.max_body_bytes,
        sink,
    })
}

impl Loaded {
    /// Serves REST on `rest` and gRPC on `grpc` until `shutdown` completes, polling for new
    /// versions when configured to.
    pub async fn serve(
        self,
        rest: tokio::net::TcpListener,
        grpc: Option<tokio::net::TcpListener>,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServeError> {
        self.serve_with(rest, grpc, crate::http::HEADER_TIMEOUT, shutdown)
            .await
    }

    /// [`Loaded::serve`] with the given REST header (and idle) timeout.
    pub async fn serve_with(
        self,
        rest: tokio::net::TcpListener,
        grpc: Option<tokio::net::TcpListener>,
        header_timeout: Duration,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServeError> {
        let Self {
            manager,
            poll_interval,
            max_body_bytes,
            sink,
        } = self;
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let poller = poll_interval.map(|interval| {
            let manager = Arc::clone(&manager);
            tokio::spawn(poll_loop(manager, interval, stop_rx.clone(), sink))
        });
        let stopped = |mut stop: tokio::sync::watch::Receiver<bool>| async move {
            // An error means the sender is gone, which also means stop.
            let _ = stop.wait_for(|stop| *stop).await;
        };
        let grpc_server = grpc.map(|listener| {
            tokio::spawn(grpc::serve(
                Arc::clone(&manager),
                max_body_bytes,
                listener,
                stopped(stop_rx.clone()),
            ))
        });
        let app = router(Arc::clone(&manager), max_body_bytes);
        // The shared connection loop: header and idle timeouts, so a slow or idle client cannot
        // hold a connection forever.
        let served = crate::http::serve_with(rest, app, header_timeout, async move {
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

pub(crate) async fn poll<S: Send + Sync + 'static>(
    manager: &Arc<Manager<S>>,
    sink: Option<&tokio::sync::mpsc::UnboundedSender<Event>>,
) -> Result<Vec<Event>, ServeError> {
    let m = Arc::clone(manager);
    let events = tokio::task::spawn_blocking(move || m.poll())
        .await
        .map_err(ServeError::Poller)?;
    for event in &events {
        log(event);
        if let Some(sink) = sink {
            // A closed receiver only means nobody listens any more.
            let _ = sink.send(event.clone());
        }
    }
    Ok(events)
}

pub(crate) async fn poll_loop<S: Send + Sync + 'static>(
    manager: Arc<Manager<S>>,
    interval: Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
    sink: Option<tokio::sync::mpsc::UnboundedSender<Event>>,
) {
    loop {
        tokio::select! {
            () = tokio::time::sleep(interval) => {}
            _ = stop.changed() => return,
        }
        if let Err(e) = poll(&manager, sink.as_ref()).await {
            tracing::error!(error = %e, "version poll failed");
        }
    }
}

pub(crate) fn log(event: &Event) {
    match event {
        Event::Loaded { model, version } => tracing::info!(%model, version, "loaded model version"),
        Event::Unloaded { model, version } => {
            tracing::info!(%model, version, "unloaded model version");
        }
        Event::LoadFailed {
            model,
            version,
            error,
        } => {
            tracing::error!(%model, version, %error, "failed to load model version; older versions keep serving");
        }
        Event::ListFailed { model, error } => {
            tracing::warn!(%model, %error, "failed to look for model versions");
        }
    }
}

/// `error: cause: cause` on one line, for status messages and events.
pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
