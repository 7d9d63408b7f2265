//! Versions like TF Serving's Source → Manager → VersionPolicy: numeric subdirectories of each
//! model's base path are polled; the policy picks the aspired versions; new ones are loaded
//! while the old keep serving, and an old version is unloaded only once an aspired version is
//! available (TF Serving's availability-preserving policy). A version that fails to load is
//! recorded with its error and retried only when its files change.
//!
//! Requests take an `Arc` of the servable, so a swap never interrupts in-flight requests: the
//! old version is dropped when its last request finishes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::SystemTime;

use super::error_chain;
use super::servable::Servable;
use super::status::ApiError;

/// Which versions to serve (`model_version_policy`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionPolicy {
    /// The `num_versions` highest-numbered versions (TF Serving's default, with 1).
    Latest { num_versions: usize },
    /// Every version found.
    All,
    /// Exactly these versions.
    Specific { versions: BTreeSet<i64> },
}

impl Default for VersionPolicy {
    fn default() -> Self {
        Self::Latest { num_versions: 1 }
    }
}

impl VersionPolicy {
    fn aspired(&self, found: &BTreeSet<i64>) -> BTreeSet<i64> {
        match self {
            Self::Latest { num_versions } => {
                found.iter().rev().take(*num_versions).copied().collect()
            }
            Self::All => found.clone(),
            Self::Specific { versions } => found.intersection(versions).copied().collect(),
        }
    }
}

/// One served model (`ModelConfig`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelConfig {
    pub name: String,
    pub base_path: PathBuf,
    pub version_policy: VersionPolicy,
    /// `version_labels`: label → version.
    pub version_labels: BTreeMap<String, i64>,
}

/// How a request names a version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selector {
    Latest,
    Version(i64),
    Label(String),
}

/// `ModelVersionStatus.State`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Loading,
    Available,
    End,
}

impl State {
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Loading => "LOADING",
            Self::Available => "AVAILABLE",
            Self::End => "END",
        }
    }
}

/// The status of one version, as reported by `GET /v1/models/{name}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionStatus {
    pub version: i64,
    pub state: State,
    /// The load error, for a version that failed.
    pub error: Option<String>,
}

/// A change the manager made, for the caller to log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Loaded {
        model: String,
        version: i64,
    },
    LoadFailed {
        model: String,
        version: i64,
        error: String,
    },
    Unloaded {
        model: String,
        version: i64,
    },
    ListFailed {
        model: String,
        error: String,
    },
}

/// Files that identify a version's content, to retry a failed version once it changes.
type Stamp = Vec<(PathBuf, u64, Option<SystemTime>)>;

struct Version<S> {
    state: State,
    servable: Option<Arc<S>>,
    error: Option<String>,
    stamp: Stamp,
}

// Not derived: a derive would ask `S: Clone`, and only the `Arc` is cloned.
impl<S> Clone for Version<S> {
    fn clone(&self) -> Self {
        Self {
            state: self.state,
            servable: self.servable.clone(),
            error: self.error.clone(),
            stamp: self.stamp.clone(),
        }
    }
}

/// Loads one version directory; the error is the whole cause chain on one line.
pub type Loader<S> = Arc<dyn Fn(&Path) -> Result<S, String> + Send + Sync>;

struct Model<S> {
    config: ModelConfig,
    loader: Loader<S>,
    versions: RwLock<BTreeMap<i64, Version<S>>>,
}

/// The models and their versions. `S` is what a version loads into: a TF SavedModel
/// ([`Servable`]) by default, or another backend's model (the Triton-compatible server's).
pub struct Manager<S = Servable> {
    models: BTreeMap<String, Model<S>>,
}

impl Manager<Servable> {
    /// TF Serving's manager: every version is a SavedModel.
    #[must_use]
    pub fn new(configs: Vec<ModelConfig>) -> Self {
        let loader: Loader<Servable> =
            Arc::new(|dir: &Path| Servable::load(dir).map_err(|e| error_chain(&e)));
        Self::with_loaders(
            configs
                .into_iter()
                .map(|config| (config, Arc::clone(&loader)))
                .collect(),
        )
    }
}

impl<S> Manager<S> {
    /// A manager whose models each load their versions with their own loader.
    #[must_use]
    pub fn with_loaders(models: Vec<(ModelConfig, Loader<S>)>) -> Self {
        let models = models
            .into_iter()
            .map(|(config, loader)| {
                (
                    config.name.clone(),
                    Model {
                        config,
                        loader,
                        versions: RwLock::new(BTreeMap::new()),
                    },
                )
            })
            .collect();
        Self { models }
    }

    /// The names of the models, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.models.keys().map(String::as_str)
    }

    /// Scans every base path once, loading and unloading as the policies say. Blocking: it
    /// loads models, so call it off the async threads.
    #[must_use]
    pub fn poll(&self) -> Vec<Event> {
        let mut events = Vec::new();
        for model in self.models.values() {
            model.poll(&mut events);
        }
        events
    }

    /// Models with no servable version yet, with their base paths.
    pub fn unservable(&self) -> impl Iterator<Item = (&str, &Path)> {
        self.models
            .iter()
            .filter(|(name, _)| self.servable(name, &Selector::Latest).is_err())
            .map(|(name, model)| (name.as_str(), model.config.base_path.as_path()))
    }

    /// The servable answering a request, or TF Serving's "not found" errors.
    pub fn servable(&self, name: &str, selector: &Selector) -> Result<(i64, Arc<S>), ApiError> {
        let model = self
            .models
            .get(name)
            .ok_or_else(|| not_found(name, selector))?;
        let version = match selector {
            Selector::Label(label) => Selector::Version(model.label(label)?),
            other => other.clone(),
        };
        let versions = model
            .versions
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        let available = |(v, entry): (&i64, &Version<S>)| entry.servable.clone().map(|s| (*v, s));
        let found = match version {
            Selector::Version(v) => versions.get_key_value(&v).and_then(available),
            _ => versions.iter().rev().find_map(available),
        };
        found.ok_or_else(|| not_found(name, selector))
    }

    /// Version statuses for `GET /v1/models/{name}[/versions/{n}|/labels/{l}]`.
    pub fn status(&self, name: &str, selector: &Selector) -> Result<Vec<VersionStatus>, ApiError> {
        let none = || ApiError::not_found(format!("Could not find any versions of model {name}"));
        let model = self.models.get(name).ok_or_else(none)?;
        let versions = model
            .versions
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        let status = |(v, entry): (&i64, &Version<S>)| VersionStatus {
            version: *v,
            state: entry.state,
            error: entry.error.clone(),
        };
        let wanted = match selector {
            Selector::Latest => {
                return non_empty(versions.iter().rev().map(status).collect(), none);
            }
            Selector::Version(v) => *v,
            Selector::Label(label) => model.label(label)?,
        };
        versions
            .get_key_value(&wanted)
            .map(|e| vec![status(e)])
            .ok_or_else(|| {
                ApiError::not_found(format!("Could not find version {wanted} of model {name}"))
            })
    }
}

fn non_empty(
    list: Vec<VersionStatus>,
    none: impl FnOnce() -> ApiError,
) -> Result<Vec<VersionStatus>, ApiError> {
    if list.is_empty() {
        Err(none())
    } else {
        Ok(list)
    }
}

fn not_found(name: &str, selector: &Selector) -> ApiError {
    ApiError::not_found(match selector {
        Selector::Latest => format!("Servable not found for request: Latest({name})"),
        Selector::Version(v) => format!("Servable not found for request: Specific({name}, {v})"),
        Selector::Label(l) => format!("Servable not found for request: Label({name}, {l})"),
    })
}

impl<S> Model<S> {
    fn label(&self, label: &str) -> Result<i64, ApiError> {
        self.config
            .version_labels
            .get(label)
            .copied()
            .ok_or_else(|| {
                ApiError::invalid(format!(
                    "Unrecognized servable version label: {label} for model {}",
                    self.config.name
                ))
            })
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, BTreeMap<i64, Version<S>>> {
        self.versions
            .write()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn poll(&self, events: &mut Vec<Event>) {
        let name = &self.config.name;
        let found = match list_versions(&self.config.base_path) {
            Ok(found) => found,
            Err(error) => {
                events.push(Event::ListFailed {
                    model: name.clone(),
                    error: format!(
                        "failed to list `{}`: {error}",
                        self.config.base_path.display()
                    ),
                });
                return;
            }
        };
        let aspired = self
            .config
            .version_policy
            .aspired(&found.keys().copied().collect());
        for &version in aspired.iter().rev() {
            let dir = &found[&version];
            let stamp = stamp(dir);
            let current = self
                .versions
                .read()
                .unwrap_or_else(PoisonError::into_inner)
                .get(&version)
                .cloned();
            let up_to_date = match &current {
                Some(v) if v.state == State::Available => true,
                Some(v) => v.error.is_some() && v.stamp == stamp,
                None => false,
            };
            if up_to_date {
                continue;
            }
            self.write().insert(
                version,
                Version {
                    state: State::Loading,
                    servable: None,
                    error: None,
                    stamp: stamp.clone(),
                },
            );
            let loaded = (self.loader)(dir);
            let entry = match loaded {
                Ok(servable) => {
                    events.push(Event::Loaded {
                        model: name.clone(),
                        version,
                    });
                    Version {
                        state: State::Available,
                        servable: Some(Arc::new(servable)),
                        error: None,
                        stamp,
                    }
                }
                Err(error) => {
                    events.push(Event::LoadFailed {
                        model: name.clone(),
                        version,
                        error: error.clone(),
                    });
                    Version {
                        state: State::End,
                        servable: None,
                        error: Some(error),
                        stamp,
                    }
                }
            };
            self.write().insert(version, entry);
        }
        let mut versions = self.write();
        let aspired_available = aspired
            .iter()
            .any(|v| versions.get(v).is_some_and(|e| e.state == State::Available));
        if aspired_available {
            for (&version, entry) in versions.iter_mut() {
                if !aspired.contains(&version) && entry.state == State::Available {
                    entry.state = State::End;
                    entry.servable = None;
                    events.push(Event::Unloaded {
                        model: name.clone(),
                        version,
                    });
                }
            }
        }
        versions.retain(|v, entry| found.contains_key(v) || entry.servable.is_some());
    }
}

/// Numeric subdirectories of `base`.
fn list_versions(base: &Path) -> std::io::Result<BTreeMap<i64, PathBuf>> {
    let mut found = BTreeMap::new();
    for entry in std::fs::read_dir(base)? {
        let entry = entry?;
        let Some(version) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<i64>().ok())
        else {
            continue;
        };
        if version >= 0 && entry.file_type()?.is_dir() {
            found.insert(version, entry.path());
        }
    }
    Ok(found)
}

fn stamp(dir: &Path) -> Stamp {
    let files = [
        dir.join("saved_model.pb"),
        dir.join("variables").join("variables.index"),
    ];
    files
        .into_iter()
        .map(|path| {
            let meta = std::fs::metadata(&path).ok();
            let len = meta.as_ref().map_or(0, std::fs::Metadata::len);
            let modified = meta.and_then(|m| m.modified().ok());
            (path, len, modified)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_pick_aspired_versions() {
        let found: BTreeSet<i64> = [1, 2, 5].into();
        assert_eq!(VersionPolicy::default().aspired(&found), [5].into());
        assert_eq!(
            VersionPolicy::Latest { num_versions: 2 }.aspired(&found),
            [2, 5].into()
        );
        assert_eq!(VersionPolicy::All.aspired(&found), found);
        let specific = VersionPolicy::Specific {
            versions: [1, 3].into(),
        };
        assert_eq!(specific.aspired(&found), [1].into());
    }

    #[test]
    fn only_numeric_directories_are_versions() {
        let dir = tempfile::tempdir().unwrap();
        for d in ["1", "12", "tmp", "-3"] {
            std::fs::create_dir(dir.path().join(d)).unwrap();
        }
        std::fs::write(dir.path().join("7"), b"").unwrap();
        let found: Vec<i64> = list_versions(dir.path()).unwrap().into_keys().collect();
        assert_eq!(found, vec![1, 12]);
    }
}
