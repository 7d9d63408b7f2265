//! Prepackaged servers played by Python (`SKLEARN_SERVER`, `XGBOOST_SERVER`, `MLFLOW_SERVER`):
//! once the storage initializer has fetched the model, its environment is found or built
//! ([`crate::components::python::prepare`], progress as [`RuntimeEvent::Preparing`]), then the
//! unit runs as a local process ([`super::process`]): `seldon-core-microservice` with
//! seldon-local's server class, the operator's env with host ports, `model_uri` at the volume.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::RoleFuture;
use super::localize::LocalContainer;
use super::process::{self, Pids};
use crate::components::python::{self, PythonSettings, ServerKind, Stack};
use crate::runtime::{Cancel, Events, RuntimeEvent};

/// Where the operator mounts a prepackaged server's model.
const MODELS_PATH: &str = "/mnt/models";

/// MLServer's image directory the operator points Hugging Face's cache at.
const IMAGE_CACHE: &str = "/opt/mlserver";

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
        let model_dir = model_dir(&container).map_err(|error| {
            if server.kind == ServerKind::Huggingface {
                format!(
                    "{error}; HUGGINGFACE_SERVER without a modelUri loads its model from the \
                     Hugging Face hub, which seldon-local does not reach: save the model with \
                     `save_pretrained`, give its directory as the unit's modelUri and set the \
                     `pretrained_model` parameter to /mnt/models (see examples/huggingface-text)"
                )
            } else {
                error
            }
        })?;
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
            let cache = run.dir.join(format!("{}-cache", container.name));
            for (name, value) in mlserver_env(&container, server.kind, &command_dir, &cache) {
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
/// (otherwise MLServer's fixed default), is left off unless that port is a host one. An empty
/// `MLSERVER_MODEL_IMPLEMENTATION` (the operator's for a `--config` server) with no
/// `model-settings.json` in `model_dir` to name one is the kind's runtime class; the image's
/// cache directory (`XDG_CACHE_HOME=/opt/mlserver`, Hugging Face's) is `cache`.
fn mlserver_env(
    container: &LocalContainer,
    kind: ServerKind,
    model_dir: &Path,
    cache: &Path,
) -> Vec<(String, String)> {
    let mut env = vec![("MLSERVER_HOST".to_owned(), "127.0.0.1".to_owned())];
    let implementation = container
        .env
        .get("MLSERVER_MODEL_IMPLEMENTATION")
        .map_or("", |class| class.trim());
    if implementation.is_empty() && !model_dir.join(python::MODEL_SETTINGS).is_file() {
        env.push((
            "MLSERVER_MODEL_IMPLEMENTATION".to_owned(),
            kind.mlserver_class().to_owned(),
        ));
    }
    if container
        .env
        .get("XDG_CACHE_HOME")
        .is_some_and(|dir| dir.starts_with(IMAGE_CACHE))
    {
        env.push(("XDG_CACHE_HOME".to_owned(), cache.display().to_string()));
    }
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::plan::Role;

    fn unit(env: &[(&str, &str)]) -> LocalContainer {
        LocalContainer {
            pod: "p".to_owned(),
            name: "classifier".to_owned(),
            role: Role::Mlserver {
                implementation: "LIGHTGBM_SERVER".to_owned(),
            },
            image: "seldonio/mlserver:1.3.5-lightgbm".to_owned(),
            args: Vec::new(),
            env: env
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect::<BTreeMap<_, _>>(),
            mounts: Vec::new(),
            ports: Vec::new(),
            readiness: None,
            liveness: None,
            exec: None,
            python: None,
        }
    }

    fn value(env: &[(String, String)], name: &str) -> Option<String> {
        env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    }

    #[test]
    fn an_empty_implementation_is_the_kinds_runtime_unless_model_settings_name_one() {
        let dir = tempfile::tempdir().unwrap();
        let container = unit(&[("MLSERVER_MODEL_IMPLEMENTATION", "")]);
        let cache = dir.path().join("cache");
        let env = mlserver_env(&container, ServerKind::Lightgbm, dir.path(), &cache);
        assert_eq!(
            value(&env, "MLSERVER_MODEL_IMPLEMENTATION").as_deref(),
            Some("mlserver_lightgbm.LightGBMModel")
        );
        assert_eq!(value(&env, "MLSERVER_HOST").as_deref(), Some("127.0.0.1"));
        std::fs::write(dir.path().join(python::MODEL_SETTINGS), "{}").unwrap();
        let env = mlserver_env(&container, ServerKind::Lightgbm, dir.path(), &cache);
        assert_eq!(value(&env, "MLSERVER_MODEL_IMPLEMENTATION"), None);
        // The operator's class is kept.
        let sklearn = unit(&[(
            "MLSERVER_MODEL_IMPLEMENTATION",
            "mlserver_sklearn.SKLearnModel",
        )]);
        let env = mlserver_env(&sklearn, ServerKind::Sklearn, dir.path(), &cache);
        assert_eq!(value(&env, "MLSERVER_MODEL_IMPLEMENTATION"), None);
    }

    #[test]
    fn the_images_cache_directory_becomes_a_local_one() {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("classifier-cache");
        let container = unit(&[
            (
                "MLSERVER_MODEL_IMPLEMENTATION",
                "mlserver_huggingface.HuggingFaceRuntime",
            ),
            ("XDG_CACHE_HOME", "/opt/mlserver"),
        ]);
        let env = mlserver_env(&container, ServerKind::Huggingface, dir.path(), &cache);
        assert_eq!(
            value(&env, "XDG_CACHE_HOME"),
            Some(cache.display().to_string())
        );
        let own = unit(&[("XDG_CACHE_HOME", "/home/me/.cache")]);
        let env = mlserver_env(&own, ServerKind::Huggingface, dir.path(), &cache);
        assert_eq!(value(&env, "XDG_CACHE_HOME"), None);
    }
}
