//! `seldon-local prepare FILE`, and the Python settings `up` and `prepare` share: the cache
//! directory, the user's interpreter, uv, the package index (read from the environment here,
//! the only place that reads it).

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, anyhow, bail};

use super::args::{PrepareArgs, PythonArgs};
use super::{Context, ExitStatus};
use crate::components::python::{self, PythonServer, PythonSettings};
use crate::components::storage;
use crate::env;
use crate::plan::{Plan, Role};
use crate::runtime::embedded::localize::python_server;

/// pip's default index.
const DEFAULT_INDEX: &str = "https://pypi.org/simple";

/// The cache directory: `SELDON_LOCAL_CACHE_DIR`, else `$XDG_CACHE_HOME/seldon-local`, else
/// `~/.cache/seldon-local`.
fn cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os(env::SELDON_LOCAL_CACHE_DIR).filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    std::env::var_os("XDG_CACHE_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir)
        .join("seldon-local")
}

/// A program on `PATH`.
fn on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

/// The settings Python units are played with, for the emulated `seldon_version`.
pub(crate) fn settings(args: &PythonArgs, seldon_version: &str) -> PythonSettings {
    let uv = on_path("uv");
    let variable = if uv.is_some() {
        env::UV_INDEX_URL
    } else {
        env::PIP_INDEX_URL
    };
    let index_url = std::env::var(variable)
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| DEFAULT_INDEX.to_owned());
    PythonSettings {
        cache_dir: cache_dir().join("python"),
        interpreter: args.python.clone(),
        base_python: on_path("python3").unwrap_or_else(|| PathBuf::from("python3")),
        uv,
        index_url,
        seldon_version: seldon_version.to_owned(),
    }
}

/// A Python unit of a plan and where its model comes from (the storage initializer's source).
struct Unit {
    deployment: String,
    container: String,
    server: PythonServer,
    source: Option<String>,
}

fn python_units(plan: &Plan) -> Vec<Unit> {
    let mut units = Vec::new();
    for pod in &plan.pods {
        for container in &pod.containers {
            let Some(server) = python_server(container) else {
                continue;
            };
            // The initializer that fills the unit's model volume: `<unit>-model-initializer`.
            let source = pod
                .init_containers
                .iter()
                .filter(|c| c.role == Role::StorageInitializer)
                .find(|c| c.name == format!("{}-model-initializer", container.name))
                .or_else(|| {
                    pod.init_containers
                        .iter()
                        .find(|c| c.role == Role::StorageInitializer)
                })
                .and_then(|c| c.args.first().cloned());
            units.push(Unit {
                deployment: plan.deployment.clone(),
                container: container.name.clone(),
                server,
                source,
            });
        }
    }
    units
}

/// `seldon-local prepare FILE`.
pub(crate) fn run(args: &PrepareArgs, ctx: &Context) -> Result<ExitStatus> {
    let Some(plans) = super::up::plans(&args.sdep, ctx)? else {
        return Ok(ExitStatus::Failure);
    };
    let base_dir = super::up::base_dir(&args.sdep.file)?;
    let settings = settings(&args.python, args.sdep.seldon_version.as_str());
    let units: Vec<Unit> = plans.iter().flat_map(python_units).collect();
    if units.is_empty() {
        ctx.printer.status(
            "prepared",
            "nothing to do: no SKLEARN_SERVER, XGBOOST_SERVER or MLFLOW_SERVER unit (seldon or v2)",
        );
        return Ok(ExitStatus::Success);
    }
    for unit in &units {
        let Some(source) = &unit.source else {
            bail!(
                "unit `{}` of `{}` has no `modelUri`: there is no model to prepare for",
                unit.container,
                unit.deployment
            );
        };
        let fetched = tempfile::tempdir().context("failed to create a temporary directory")?;
        let model_dir = model_dir(source, &base_dir, fetched.path())?;
        ctx.printer.status(
            "preparing",
            format!("`{}` ({}, model `{source}`)", unit.container, unit.server),
        );
        let printer = ctx.printer;
        let name = unit.container.clone();
        let prepared = python::prepare(unit.server, &model_dir, &settings, &mut |line| {
            printer.line(format!("{name} | {line}"));
        })
        .map_err(python_error)?;
        ctx.printer.status(
            "prepared",
            format!(
                "`{}`: {} ({})",
                unit.container,
                prepared.python.display(),
                prepared.how
            ),
        );
    }
    Ok(ExitStatus::Success)
}

/// The error with its hint on a line of its own, as the embedded runtime reports it.
pub(crate) fn python_error(error: python::PythonError) -> anyhow::Error {
    match error.hint() {
        Some(hint) => anyhow!("{error}\nhint: {hint}"),
        None => anyhow!(error),
    }
}

/// The model's directory: a local source as it is, a remote one fetched into `scratch`.
fn model_dir(source: &str, base_dir: &Path, scratch: &Path) -> Result<PathBuf> {
    let parsed = storage::Source::parse(source)?;
    let local = source.strip_prefix("file://").unwrap_or(source);
    if !source.contains("://") || source.starts_with("file://") {
        let path = Path::new(local);
        let path = if path.is_absolute() {
            path.to_owned()
        } else {
            base_dir.join(path)
        };
        if path.is_dir() {
            return Ok(path);
        }
    }
    let config = storage::Config {
        credentials: storage::Credentials::from_env_vars(super::component_storage::utf8_env()),
        base_dir: base_dir.to_owned(),
        ..storage::Config::default()
    };
    let dest = scratch.join("model");
    super::block_on(async {
        storage::fetch(&parsed, &dest, &config, |_| {})
            .await
            .map_err(anyhow::Error::from)
    })
    .with_context(|| format!("failed to fetch the model `{source}`"))?;
    Ok(dest)
}
