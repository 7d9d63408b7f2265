//! The model repository as `tritonserver` manages it under `--model-control-mode`: which models
//! load at start, loading and unloading by request (`explicit`), polling for added, removed and
//! changed models (`poll`), and the index of every model directory with its state.
//!
//! Each model has its own version [`Manager`], so a load replaces one model's versions without
//! touching the others, and a request holds an `Arc` of the version it runs: an unload never
//! interrupts it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use super::backend::Loaded;
use super::{ServeError, manager_for, read_config};
use crate::components::model_server::manager::State as VersionState;
use crate::components::model_server::{self, Event, Manager, Selector};

/// `--model-control-mode`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelControl {
    /// Every model loads at start; later changes to the repository are ignored (`none`).
    None,
    /// Every model loads at start; the repository is then polled every interval for added,
    /// removed and changed models and versions (`poll`).
    Poll(Duration),
    /// Only these models load at start (`*` alone: all); later loads and unloads come by
    /// request (`explicit`).
    Explicit(Vec<String>),
}

/// The reason Triton gives for a version that was unloaded, by request or by policy.
pub const UNLOADED: &str = "unloaded";

/// Why a load or unload request failed, with Triton's messages.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ControlError {
    /// Load and unload are refused unless the mode is `explicit`.
    #[error("explicit model load / unload is not allowed if polling is enabled")]
    NotAllowed,
    /// No such model directory.
    #[error("failed to load '{0}', failed to poll from model repository")]
    Unknown(String),
    /// The model is there but no version could be loaded.
    #[error("{0}")]
    Failed(String),
}

/// One model of the repository, as far as the server knows it.
enum Slot {
    /// Loaded, or tried: the versions' states come from its manager.
    Managed(Arc<Manager<Loaded>>),
    /// Unloaded by request: the versions that were ready.
    Unloaded(Vec<i64>),
    /// Its `config.pbtxt` cannot be used (found by polling).
    Invalid(String),
}

/// One line of the repository index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexEntry {
    pub name: String,
    /// Empty for a model that was never loaded.
    pub version: String,
    /// `READY`, `LOADING`, `UNAVAILABLE`, or empty for a model that was never loaded.
    pub state: String,
    pub reason: String,
}

/// The repository and its models.
pub struct Repository {
    path: PathBuf,
    control: ModelControl,
    models: RwLock<BTreeMap<String, Slot>>,
    /// Serialises loads, unloads and polls: each replaces a slot after loading off the lock.
    changing: tokio::sync::Mutex<()>,
    sink: Option<tokio::sync::mpsc::UnboundedSender<Event>>,
}

impl Repository {
    /// The repository with nothing loaded yet.
    #[must_use]
    pub fn new(
        path: PathBuf,
        control: ModelControl,
        sink: Option<tokio::sync::mpsc::UnboundedSender<Event>>,
    ) -> Self {
        Self {
            path,
            control,
            models: RwLock::new(BTreeMap::new()),
            changing: tokio::sync::Mutex::new(()),
            sink,
        }
    }

    /// An empty repository over nothing, for tests of the routers.
    #[cfg(test)]
    pub(crate) fn empty() -> Self {
        Self::new(PathBuf::new(), ModelControl::None, None)
    }

    /// The interval to poll at (`poll` mode).
    #[must_use]
    pub fn poll_interval(&self) -> Option<Duration> {
        match self.control {
            ModelControl::Poll(interval) => Some(interval),
            _ => None,
        }
    }

    /// The model directories of the repository, sorted.
    pub fn directories(&self) -> Result<Vec<String>, ServeError> {
        model_directories(&self.path)
    }

    /// Loads the models the mode names at start, as `tritonserver` does before it opens its
    /// ports: any that fails is an error (Triton's default `--exit-on-error`).
    pub async fn load_initial(&self) -> Result<(), ServeError> {
        let found = self.directories()?;
        let names = match &self.control {
            ModelControl::Explicit(names) if names.iter().any(|n| n == "*") => {
                if names.len() > 1 {
                    return Err(ServeError::LoadAllWithOthers);
                }
                found
            }
            ModelControl::Explicit(names) => {
                if let Some(missing) = names.iter().find(|n| !found.contains(n)) {
                    return Err(ServeError::NoSuchModel(missing.clone()));
                }
                let mut names = names.clone();
                names.sort();
                names.dedup();
                names
            }
            ModelControl::None | ModelControl::Poll(_) => found,
        };
        for name in names {
            let (config, warnings) = read_config(&self.path, &name)?;
            for warning in warnings {
                tracing::warn!("{warning}");
            }
            let manager = Arc::new(manager_for(&self.path, config));
            let events = self.poll_manager(&manager).await?;
            let servable = manager.servable(&name, &Selector::Latest).is_ok();
            self.write().insert(name.clone(), Slot::Managed(manager));
            if !servable {
                return Err(load_failure(&name, &events));
            }
        }
        Ok(())
    }

    /// The loaded versions of `name`, if it is loaded.
    #[must_use]
    pub fn loaded(&self, name: &str) -> Option<Arc<Manager<Loaded>>> {
        match self.read().get(name) {
            Some(Slot::Managed(manager)) => Some(Arc::clone(manager)),
            _ => None,
        }
    }

    /// Whether the server knows `name` at all (loaded, tried or unloaded).
    #[must_use]
    pub fn knows(&self, name: &str) -> bool {
        self.read().contains_key(name)
    }

    /// Triton's readiness: every model it tried has a version ready; unloaded models do not
    /// count.
    #[must_use]
    pub fn ready(&self) -> bool {
        self.read().iter().all(|(name, slot)| match slot {
            Slot::Managed(manager) => manager.servable(name, &Selector::Latest).is_ok(),
            Slot::Unloaded(_) => true,
            Slot::Invalid(_) => false,
        })
    }

    /// The index: every model directory, and every model the server still holds, with the
    /// state of each version; `ready_only` keeps the ready ones.
    pub fn index(&self, ready_only: bool) -> Result<Vec<IndexEntry>, ServeError> {
        let mut names = self.directories()?;
        let models = self.read();
        names.extend(models.keys().cloned());
        names.sort();
        names.dedup();
        let mut list = Vec::new();
        for name in names {
            let entry = |version: String, state: &str, reason: String| IndexEntry {
                name: name.clone(),
                version,
                state: state.to_owned(),
                reason,
            };
            match models.get(&name) {
                None => list.push(entry(String::new(), "", String::new())),
                Some(Slot::Invalid(reason)) => {
                    list.push(entry(String::new(), "UNAVAILABLE", reason.clone()));
                }
                Some(Slot::Unloaded(versions)) => {
                    for version in versions {
                        list.push(entry(
                            version.to_string(),
                            "UNAVAILABLE",
                            UNLOADED.to_owned(),
                        ));
                    }
                    if versions.is_empty() {
                        list.push(entry(String::new(), "UNAVAILABLE", UNLOADED.to_owned()));
                    }
                }
                Some(Slot::Managed(manager)) => {
                    let statuses = manager.status(&name, &Selector::Latest).unwrap_or_default();
                    if statuses.is_empty() {
                        list.push(entry(String::new(), "UNAVAILABLE", no_version(&name)));
                    }
                    for status in statuses.into_iter().rev() {
                        let (state, reason) = match status.state {
                            VersionState::Available => ("READY", String::new()),
                            VersionState::Loading => ("LOADING", String::new()),
                            VersionState::End => (
                                "UNAVAILABLE",
                                status.error.unwrap_or_else(|| UNLOADED.to_owned()),
                            ),
                        };
                        list.push(entry(status.version.to_string(), state, reason));
                    }
                }
            }
        }
        if ready_only {
            list.retain(|e| e.state == "READY");
        }
        Ok(list)
    }

    /// Loads `name`, or reloads it from its directory: new versions and a changed config are
    /// picked up. If the reload fails, the versions already loaded keep serving.
    pub async fn load(&self, name: &str) -> Result<(), ControlError> {
        if !matches!(self.control, ModelControl::Explicit(_)) {
            return Err(ControlError::NotAllowed);
        }
        let _changing = self.changing.lock().await;
        if !is_model_name(name) || !self.path.join(name).is_dir() {
            return Err(ControlError::Unknown(name.to_owned()));
        }
        let (config, warnings) = read_config(&self.path, name)
            .map_err(|e| ControlError::Failed(model_server::error_chain(&e)))?;
        for warning in warnings {
            tracing::warn!("{warning}");
        }
        let manager = Arc::new(manager_for(&self.path, config));
        let events = self
            .poll_manager(&manager)
            .await
            .map_err(|e| ControlError::Failed(model_server::error_chain(&e)))?;
        if manager.servable(name, &Selector::Latest).is_ok() {
            self.write().insert(name.to_owned(), Slot::Managed(manager));
            return Ok(());
        }
        let error = load_failure(name, &events);
        if self.loaded(name).is_none() {
            // Nothing serves: the index shows why the versions are unavailable.
            self.write().insert(name.to_owned(), Slot::Managed(manager));
        }
        Err(ControlError::Failed(model_server::error_chain(&error)))
    }

    /// Unloads `name`: its versions stop answering once their requests in flight finish.
    /// Unloading a model that is not loaded does nothing.
    pub async fn unload(&self, name: &str) -> Result<(), ControlError> {
        if !matches!(self.control, ModelControl::Explicit(_)) {
            return Err(ControlError::NotAllowed);
        }
        let _changing = self.changing.lock().await;
        self.unload_now(name);
        Ok(())
    }

    fn unload_now(&self, name: &str) {
        let mut models = self.write();
        let Some(Slot::Managed(manager)) = models.get(name) else {
            return;
        };
        let ready: Vec<i64> = manager
            .status(name, &Selector::Latest)
            .unwrap_or_default()
            .iter()
            .filter(|s| s.state == VersionState::Available)
            .map(|s| s.version)
            .collect();
        models.insert(name.to_owned(), Slot::Unloaded(ready.clone()));
        drop(models);
        for version in ready {
            self.report(&Event::Unloaded {
                model: name.to_owned(),
                version,
            });
        }
    }

    /// One look at the repository (`poll` mode): added models load, removed ones unload, and
    /// the versions of the others are polled as their policies say.
    pub async fn poll(&self) {
        let _changing = self.changing.lock().await;
        let found = match self.directories() {
            Ok(found) => found,
            Err(error) => {
                tracing::warn!(error = %model_server::error_chain(&error), "failed to poll the model repository");
                return;
            }
        };
        let gone: Vec<String> = self
            .read()
            .keys()
            .filter(|name| !found.contains(name))
            .cloned()
            .collect();
        for name in gone {
            self.unload_now(&name);
            self.write().remove(&name);
        }
        for name in found {
            // The guard is dropped before any await.
            let current = match self.read().get(&name) {
                Some(Slot::Managed(manager)) => Ok(Arc::clone(manager)),
                Some(Slot::Invalid(reason)) => Err(Some(reason.clone())),
                Some(Slot::Unloaded(_)) | None => Err(None),
            };
            match current {
                Ok(manager) => {
                    if let Err(error) = self.poll_manager(&manager).await {
                        tracing::error!(error = %model_server::error_chain(&error), "version poll failed");
                    }
                }
                Err(previous) => self.try_new(&name, previous.as_deref()).await,
            }
        }
    }

    /// Loads a model that polling found; a config error is reported once per change.
    async fn try_new(&self, name: &str, previous: Option<&str>) {
        match read_config(&self.path, name) {
            Ok((config, warnings)) => {
                for warning in warnings {
                    tracing::warn!("{warning}");
                }
                let manager = Arc::new(manager_for(&self.path, config));
                if let Err(error) = self.poll_manager(&manager).await {
                    tracing::error!(error = %model_server::error_chain(&error), "version poll failed");
                }
                self.write().insert(name.to_owned(), Slot::Managed(manager));
            }
            Err(error) => {
                let reason = model_server::error_chain(&error);
                if previous != Some(reason.as_str()) {
                    self.report(&Event::ListFailed {
                        model: name.to_owned(),
                        error: reason.clone(),
                    });
                }
                self.write().insert(name.to_owned(), Slot::Invalid(reason));
            }
        }
    }

    async fn poll_manager(&self, manager: &Arc<Manager<Loaded>>) -> Result<Vec<Event>, ServeError> {
        model_server::poll(manager, self.sink.as_ref())
            .await
            .map_err(|e| match e {
                model_server::ServeError::Poller(join) => ServeError::Poller(join),
                other => ServeError::Load {
                    model: String::new(),
                    version: 0,
                    error: other.to_string(),
                },
            })
    }

    fn report(&self, event: &Event) {
        model_server::log(event);
        if let Some(sink) = &self.sink {
            // A closed receiver only means nobody listens any more.
            let _ = sink.send(event.clone());
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<String, Slot>> {
        self.models.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, BTreeMap<String, Slot>> {
        self.models.write().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Why a model has no version to serve after a load: the first version's error, or none found.
fn load_failure(name: &str, events: &[Event]) -> ServeError {
    events
        .iter()
        .find_map(|e| match e {
            Event::LoadFailed {
                model,
                version,
                error,
            } if model == name => Some(ServeError::Load {
                model: model.clone(),
                version: *version,
                error: error.clone(),
            }),
            Event::ListFailed { model, error } if model == name => Some(ServeError::Load {
                model: model.clone(),
                version: -1,
                error: error.clone(),
            }),
            _ => None,
        })
        .unwrap_or_else(|| ServeError::NoVersion(name.to_owned()))
}

fn no_version(name: &str) -> String {
    ServeError::NoVersion(name.to_owned()).to_string()
}

/// A directory name that can be a model: no path separators, not hidden, not `.` or `..`.
fn is_model_name(name: &str) -> bool {
    !name.is_empty() && !name.starts_with('.') && !name.contains(['/', '\\'])
}

/// The model directories of `repository`, sorted (hidden ones skipped).
pub fn model_directories(repository: &Path) -> Result<Vec<String>, ServeError> {
    let read_error = |source| ServeError::Repository {
        path: repository.to_path_buf(),
        source,
    };
    let mut names = Vec::new();
    for entry in std::fs::read_dir(repository).map_err(read_error)? {
        let entry = entry.map_err(read_error)?;
        if entry.path().is_dir()
            && let Some(name) = entry.file_name().to_str()
            && is_model_name(name)
        {
            names.push(name.to_owned());
        }
    }
    names.sort();
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A repository holding the shipped `simple` model as `simple` and `other`, plus a
    /// directory with an unusable config.
    fn repository() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let example =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/triton-simple/models/simple");
        for name in ["simple", "other"] {
            let model = dir.path().join(name);
            std::fs::create_dir_all(model.join("1")).unwrap();
            std::fs::copy(example.join("1/model.onnx"), model.join("1/model.onnx")).unwrap();
            let config = std::fs::read_to_string(example.join("config.pbtxt")).unwrap();
            std::fs::write(
                model.join("config.pbtxt"),
                config.replace("\"simple\"", &format!("\"{name}\"")),
            )
            .unwrap();
        }
        dir
    }

    fn states(repository: &Repository) -> Vec<(String, String, String)> {
        repository
            .index(false)
            .unwrap()
            .into_iter()
            .map(|e| (e.name, e.state, e.reason))
            .collect()
    }

    fn entry(name: &str, state: &str, reason: &str) -> (String, String, String) {
        (name.to_owned(), state.to_owned(), reason.to_owned())
    }

    #[tokio::test]
    async fn explicit_mode_loads_only_the_named_models_then_loads_and_unloads_by_request() {
        let dir = repository();
        let repo = Repository::new(
            dir.path().to_path_buf(),
            ModelControl::Explicit(vec!["simple".to_owned()]),
            None,
        );
        repo.load_initial().await.unwrap();
        assert!(repo.loaded("simple").is_some());
        assert!(repo.loaded("other").is_none());
        assert_eq!(
            states(&repo),
            vec![entry("other", "", ""), entry("simple", "READY", "")]
        );

        repo.load("other").await.unwrap();
        assert!(repo.loaded("other").is_some());
        repo.unload("simple").await.unwrap();
        assert!(repo.loaded("simple").is_none());
        assert!(repo.knows("simple"));
        assert!(
            repo.ready(),
            "an unloaded model does not make the server unready"
        );
        assert_eq!(
            states(&repo),
            vec![
                entry("other", "READY", ""),
                entry("simple", "UNAVAILABLE", UNLOADED)
            ]
        );
        let ready: Vec<String> = repo
            .index(true)
            .unwrap()
            .into_iter()
            .map(|e| e.name)
            .collect();
        assert_eq!(ready, vec!["other"]);
        // Unloading what is not loaded does nothing; loading it again serves it again.
        repo.unload("simple").await.unwrap();
        repo.load("simple").await.unwrap();
        assert!(repo.loaded("simple").is_some());
    }

    #[tokio::test]
    async fn a_load_of_a_model_not_in_the_repository_fails_as_tritons_does() {
        let dir = repository();
        let repo = Repository::new(
            dir.path().to_path_buf(),
            ModelControl::Explicit(Vec::new()),
            None,
        );
        repo.load_initial().await.unwrap();
        for name in ["nothing", "../simple", ".", ""] {
            let error = repo.load(name).await.unwrap_err();
            assert_eq!(error, ControlError::Unknown(name.to_owned()));
        }
        assert_eq!(
            ControlError::Unknown("nothing".to_owned()).to_string(),
            "failed to load 'nothing', failed to poll from model repository"
        );
    }

    #[tokio::test]
    async fn a_failed_reload_keeps_the_loaded_versions_serving() {
        let dir = repository();
        let repo = Repository::new(
            dir.path().to_path_buf(),
            ModelControl::Explicit(vec!["*".to_owned()]),
            None,
        );
        repo.load_initial().await.unwrap();
        std::fs::write(
            dir.path().join("simple/config.pbtxt"),
            "max_batch_size: many",
        )
        .unwrap();
        let error = repo.load("simple").await.unwrap_err();
        assert!(matches!(error, ControlError::Failed(_)), "{error:?}");
        assert!(repo.loaded("simple").is_some());
    }

    #[tokio::test]
    async fn load_and_unload_are_refused_unless_explicit() {
        let dir = repository();
        let repo = Repository::new(dir.path().to_path_buf(), ModelControl::None, None);
        repo.load_initial().await.unwrap();
        assert_eq!(repo.load("simple").await, Err(ControlError::NotAllowed));
        assert_eq!(repo.unload("simple").await, Err(ControlError::NotAllowed));
        assert!(repo.loaded("simple").is_some() && repo.loaded("other").is_some());
    }

    #[tokio::test]
    async fn polling_loads_added_models_and_unloads_removed_ones() {
        let dir = repository();
        let repo = Repository::new(
            dir.path().to_path_buf(),
            ModelControl::Poll(Duration::from_secs(1)),
            None,
        );
        std::fs::rename(dir.path().join("other"), dir.path().join(".later")).unwrap();
        repo.load_initial().await.unwrap();
        assert_eq!(states(&repo), vec![entry("simple", "READY", "")]);
        std::fs::rename(dir.path().join(".later"), dir.path().join("other")).unwrap();
        std::fs::remove_dir_all(dir.path().join("simple")).unwrap();
        repo.poll().await;
        assert_eq!(states(&repo), vec![entry("other", "READY", "")]);
        assert!(repo.loaded("simple").is_none() && !repo.knows("simple"));
    }

    #[tokio::test]
    async fn start_up_fails_on_a_named_model_that_is_missing_or_cannot_load() {
        let dir = repository();
        let missing = Repository::new(
            dir.path().to_path_buf(),
            ModelControl::Explicit(vec!["nothing".to_owned()]),
            None,
        );
        assert!(matches!(
            missing.load_initial().await,
            Err(ServeError::NoSuchModel(name)) if name == "nothing"
        ));
        std::fs::remove_file(dir.path().join("other/1/model.onnx")).unwrap();
        let broken = Repository::new(dir.path().to_path_buf(), ModelControl::None, None);
        let error = broken.load_initial().await.unwrap_err();
        assert!(error.to_string().contains("other"), "{error}");
    }
}
