//! The deployments seldon-local runs, on either runtime, by name. A name is unique across
//! runtimes (`up` replaces the other runtime's deployment of that name), so `predict`, `logs`,
//! `ps` and `down` find it wherever it runs, and ask for a name when several run.

use std::fmt;

use anyhow::Result;

use super::Context;
use crate::output::Printer;

/// Where a deployment runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Runtime {
    /// Docker containers.
    Docker,
    /// A seldon-local process on this machine.
    Embedded,
}

impl fmt::Display for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Docker => "docker",
            Self::Embedded => "embedded",
        })
    }
}

/// One deployment.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Deployment {
    pub(crate) name: String,
    pub(crate) runtime: Runtime,
    /// Embedded only: its process is gone (what it left can still be shown and removed).
    pub(crate) stale: bool,
}

impl fmt::Display for Deployment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` ({})", self.name, self.runtime)
    }
}

/// No deployment of that name runs (or none at all); lists what does.
#[derive(Debug, thiserror::Error)]
#[error("{}{}", what(name), list(running))]
pub(crate) struct NotRunning {
    pub(crate) name: String,
    pub(crate) running: Vec<Deployment>,
}

fn what(name: &str) -> String {
    if name.is_empty() {
        "no deployment is running".to_owned()
    } else {
        format!("no deployment `{name}` is running")
    }
}

fn list(running: &[Deployment]) -> String {
    if running.is_empty() {
        return String::new();
    }
    let names: Vec<String> = running.iter().map(ToString::to_string).collect();
    format!("; running: {}", names.join(", "))
}

/// Several deployments run and the command needs one.
#[derive(Debug, thiserror::Error)]
#[error("several deployments are running: {}; name one", names(running))]
pub(crate) struct Ambiguous {
    pub(crate) running: Vec<Deployment>,
}

fn names(running: &[Deployment]) -> String {
    running
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every deployment, sorted by name: embedded ones from their state files, Docker ones by label
/// when a daemon answers (no daemon is not an error: there is nothing of Docker's to list).
pub(crate) fn all() -> Result<Vec<Deployment>> {
    let mut found: Vec<Deployment> = super::embedded::list(None)?
        .into_iter()
        .map(|(dir, state)| Deployment {
            stale: !crate::runtime::embedded::state::is_serving(&dir),
            name: state.deployment,
            runtime: Runtime::Embedded,
        })
        .collect();
    // A damaged state file still names a deployment (its directory), which `down` can stop.
    found.extend(
        super::embedded::damaged(None)?
            .into_iter()
            .filter_map(|(dir, _)| {
                Some(Deployment {
                    stale: !crate::runtime::embedded::state::is_serving(&dir),
                    name: dir.file_name()?.to_str()?.to_owned(),
                    runtime: Runtime::Embedded,
                })
            }),
    );
    if super::docker::daemon_answers() {
        let names = super::docker::block_on(async {
            let ctx = Context {
                printer: Printer::default(),
            };
            let runtime = super::docker::connect(&ctx).await?;
            Ok(runtime.deployments().await?)
        })?;
        found.extend(names.into_iter().map(|name| Deployment {
            name,
            runtime: Runtime::Docker,
            stale: false,
        }));
    }
    found.sort();
    Ok(found)
}

/// The deployments of that name (one, unless an older `up` left one on each runtime).
pub(crate) fn named(name: &str) -> Result<Vec<Deployment>> {
    Ok(all()?.into_iter().filter(|d| d.name == name).collect())
}

/// The one deployment a command acts on: NAME wherever it runs, or the only one running.
/// A live deployment wins over what a stopped embedded one left behind.
pub(crate) fn one(name: Option<&str>) -> Result<Deployment> {
    let everything = all()?;
    let live: Vec<Deployment> = everything.iter().filter(|d| !d.stale).cloned().collect();
    let pick = |mut candidates: Vec<Deployment>| {
        candidates.sort_by_key(|d| d.stale);
        candidates.into_iter().next()
    };
    match name {
        Some(name) => {
            let candidates: Vec<Deployment> = everything
                .iter()
                .filter(|d| d.name == name)
                .cloned()
                .collect();
            pick(candidates).ok_or_else(|| {
                NotRunning {
                    name: name.to_owned(),
                    running: live,
                }
                .into()
            })
        }
        None => match live.as_slice() {
            [] => Err(NotRunning {
                name: String::new(),
                running: Vec::new(),
            }
            .into()),
            [one] => Ok(one.clone()),
            _ => Err(Ambiguous { running: live }.into()),
        },
    }
}

/// The names for shell completion (never fails: nothing is offered instead).
pub(crate) fn names_for_completion() -> Vec<String> {
    let mut names: Vec<String> = all()
        .unwrap_or_default()
        .into_iter()
        .map(|d| d.name)
        .collect();
    names.dedup();
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_running_lists_what_runs() {
        let error = NotRunning {
            name: "x".into(),
            running: vec![
                Deployment {
                    name: "a".into(),
                    runtime: Runtime::Docker,
                    stale: false,
                },
                Deployment {
                    name: "b".into(),
                    runtime: Runtime::Embedded,
                    stale: false,
                },
            ],
        };
        assert_eq!(
            error.to_string(),
            "no deployment `x` is running; running: `a` (docker), `b` (embedded)"
        );
    }
}
