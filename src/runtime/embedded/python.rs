//! Prepackaged servers played by Python (`SKLEARN_SERVER`, `XGBOOST_SERVER`, `MLFLOW_SERVER`):
//! once the storage initializer has fetched the model, its environment is found or built
//! ([`crate::components::python::prepare`], progress as [`RuntimeEvent::Preparing`]), then the
//! unit runs as a local process ([`super::process`]): `seldon-core-microservice` with
//! seldon-local's server class, the operator's env with host ports, `model_uri` at the volume.

use std::path::PathBuf;

use serde_json::Value;

use super::RoleFuture;
use super::localize::LocalContainer;
use super::process::{self, Pids};
use crate::components::python::{self, PythonSettings, Stack};
use crate::runtime::{Cancel, Events, RuntimeEvent};

/// Where the operator mounts a prepackaged server's model.
const MODELS_PATH: &str = "/mnt/models";

/// What a Python unit needs besides its container.
#[derive(Debug, Clone)]
pub struct PythonRun {
    /// Environments and interpreters.
    pub settings: PythonSettings,
    /// The directory the process runs in.
    pub dir: PathBuf,
    /// The deployment's session (marks the process).
    pub session: String,
}

/// Prepares `container`'s environment, then runs it until it exits or `stop` fires.
pub fn launch(
    mut container: LocalContainer,
    run: PythonRun,
    pids: Pids,
    events: Events,
    stop: Cancel,
) -> RoleFuture {
    Box::pin(async move {
        let Some(server) = container.python else {
            return Err(format!(
                "container `{}` is not a Python unit",
                container.name
            ));
        };
        let model_dir = model_dir(&container)?;
        let command_dir = model_dir.clone();
        let name = container.name.clone();
        let settings = run.settings.clone();
        let preparing = tokio::task::spawn_blocking(move || {
            let mut progress = |line: String| {
                events.emit(RuntimeEvent::Preparing {
                    container: name.clone(),
                    line,
                });
            };
            python::prepare(server, &model_dir, &settings, &mut progress)
        });
        let prepared = tokio::select! {
            // The build goes on in the background and stays usable; the unit is not started.
            () = stop.cancelled() => return Ok(()),
            joined = preparing => joined.map_err(|error| error.to_string())?,
        }
        .map_err(|error| match error.hint() {
            Some(hint) => format!("{error}\nhint: {hint}"),
            None => error.to_string(),
        })?;
        tracing::info!(
            python = %prepared.python.display(),
            environment = prepared.how,
            "playing `{}` as {server}",
            container.name
        );
        container.exec = Some(python::command(server, &prepared.python, &command_dir));
        if server.stack == Stack::Mlserver {
            for (name, value) in mlserver_env(&container) {
                container.env.insert(name, value);
            }
        }
        container.env.insert(
            "PYTHONPATH".to_owned(),
            pythonpath(&container, &prepared.servers_dir),
        );
        container
            .env
            .insert("PYTHONUNBUFFERED".to_owned(), "1".to_owned());
        process::launch(container, run.dir, run.session, pids, stop).await
    })
}

/// The server classes first, then any `PYTHONPATH` the container sets.
fn pythonpath(container: &LocalContainer, servers: &std::path::Path) -> String {
    match container.env.get("PYTHONPATH").filter(|p| !p.is_empty()) {
        Some(existing) => format!("{}:{existing}", servers.display()),
        None => servers.display().to_string(),
    }
}

/// What MLServer is given besides the operator's env: it listens on the loopback only, and
/// its metrics server, whose port the operator gives only when the container declares one
/// (otherwise MLServer's fixed default), is left off unless that port is a host one.
fn mlserver_env(container: &LocalContainer) -> Vec<(String, String)> {
    let mut env = vec![("MLSERVER_HOST".to_owned(), "127.0.0.1".to_owned())];
    let metrics_mapped = container
        .env
        .get("MLSERVER_METRICS_PORT")
        .and_then(|port| port.parse::<u16>().ok())
        .is_some_and(|port| container.ports.iter().any(|(_, host)| *host == port));
    if !metrics_mapped {
        env.push(("MLSERVER_METRICS_ENDPOINT".to_owned(), String::new()));
    }
    env
}

/// The model directory: the `model_uri` parameter (already a host path), else
/// `MLSERVER_MODEL_URI` (v2), else the container's `/mnt/models` mount.
fn model_dir(container: &LocalContainer) -> Result<PathBuf, String> {
    let parameters = container
        .env
        .get(crate::env::PREDICTIVE_UNIT_PARAMETERS)
        .and_then(|text| serde_json::from_str::<Vec<Value>>(text).ok())
        .unwrap_or_default();
    let uri = parameters.iter().find_map(|p| {
        (p.get("name")?.as_str()? == "model_uri")
            .then(|| p.get("value")?.as_str().map(str::to_owned))
            .flatten()
    });
    if let Some(uri) = uri {
        let path = uri.strip_prefix("file://").unwrap_or(&uri);
        if std::path::Path::new(path).is_absolute() {
            return Ok(PathBuf::from(path));
        }
        return Err(format!(
            "the `model_uri` of `{}` is `{uri}`, which is not a local directory: give the unit a \
             `modelUri` so that the storage initializer fetches it",
            container.name
        ));
    }
    if let Some(uri) = container.env.get("MLSERVER_MODEL_URI") {
        let path = uri.strip_prefix("file://").unwrap_or(uri);
        if std::path::Path::new(path).is_absolute() && !path.starts_with(MODELS_PATH) {
            return Ok(PathBuf::from(path));
        }
    }
    container
        .host_path(MODELS_PATH)
        .ok_or_else(|| format!("`{}` has no `model_uri` parameter", container.name))
}
