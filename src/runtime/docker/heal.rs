//! Pods heal as Kubernetes heals them. Docker's restart policy (`unless-stopped`) restarts a
//! container that crashes, but not one stopped by hand (`docker kill`, `docker stop`), and a
//! sandbox it restarts comes back with a new network namespace that the pod's other containers
//! never join. [`DockerRuntime::broken`] finds both from the labels and Docker's state, and
//! [`DockerRuntime::repair`] mends one: a stopped container is started; a stopped sandbox is
//! started and every container of its pod restarted into its new namespace (as the kubelet
//! recreates a pod whose sandbox died); a container that started before its sandbox's latest
//! start is restarted to rejoin it. Something being created (`created`) or removed (`removing`)
//! is left alone: `up` and `down` own it.

use std::collections::BTreeMap;

use super::api::{ContainerSummary, DockerApi};
use super::labels::{self, Selector};
use super::{DockerRuntime, RuntimeError};

/// One thing to mend.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Repair {
    /// The pod's sandbox stopped: start it, then restart every container of the pod.
    Sandbox {
        /// The sandbox container.
        sandbox: String,
        /// The pod's other (non-init) containers.
        members: Vec<String>,
    },
    /// A container stopped (by hand: a crash is Docker's to restart): start it.
    Start {
        /// The container.
        container: String,
    },
    /// A container still runs in an earlier network namespace of its sandbox: restart it.
    Rejoin {
        /// The container.
        container: String,
    },
}

impl Repair {
    /// The container the repair is about (the sandbox for a pod).
    #[must_use]
    pub fn container(&self) -> &str {
        match self {
            Self::Sandbox { sandbox, .. } => sandbox,
            Self::Start { container } | Self::Rejoin { container } => container,
        }
    }
}

impl std::fmt::Display for Repair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Sandbox { sandbox, members } => write!(
                f,
                "sandbox `{sandbox}` stopped: started it and restarted {}",
                if members.is_empty() {
                    "nothing else".to_owned()
                } else {
                    members
                        .iter()
                        .map(|m| format!("`{m}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            ),
            Self::Start { container } => write!(f, "`{container}` stopped: started it"),
            Self::Rejoin { container } => write!(
                f,
                "`{container}` was in its sandbox's old network namespace: restarted it"
            ),
        }
    }
}

/// A pod's containers from a listing.
#[derive(Default)]
struct Pod<'a> {
    sandbox: Option<&'a ContainerSummary>,
    members: Vec<&'a ContainerSummary>,
}

impl<A: DockerApi> DockerRuntime<A> {
    /// What needs mending now, over every deployment the selector matches.
    pub async fn broken(&self, selector: &Selector) -> Result<Vec<Repair>, RuntimeError> {
        let listing = self.api.list(selector).await?;
        let mut pods: BTreeMap<&str, Pod<'_>> = BTreeMap::new();
        for container in &listing.containers {
            let Some(pod) = container.labels.get(labels::POD) else {
                continue;
            };
            let entry = pods.entry(pod).or_default();
            match container.labels.get(labels::KIND).map(String::as_str) {
                Some("sandbox") => entry.sandbox = Some(container),
                Some("container") => entry.members.push(container),
                _ => {}
            }
        }
        let mut repairs = Vec::new();
        for pod in pods.values() {
            let Some(sandbox) = pod.sandbox else {
                continue;
            };
            match sandbox.state.as_str() {
                "exited" => {
                    repairs.push(Repair::Sandbox {
                        sandbox: sandbox.name.clone(),
                        members: pod.members.iter().map(|m| m.name.clone()).collect(),
                    });
                    continue;
                }
                "running" => {}
                // Being created, removed or restarted by Docker: not ours to touch now.
                _ => continue,
            }
            let Some(sandbox_started) = self.started_at(&sandbox.name).await else {
                continue;
            };
            for member in &pod.members {
                match member.state.as_str() {
                    "exited" => repairs.push(Repair::Start {
                        container: member.name.clone(),
                    }),
                    "running"
                        if self
                            .started_at(&member.name)
                            .await
                            .is_some_and(|started| started < sandbox_started) =>
                    {
                        repairs.push(Repair::Rejoin {
                            container: member.name.clone(),
                        });
                    }
                    _ => {}
                }
            }
        }
        repairs.sort();
        Ok(repairs)
    }

    /// Mends one thing. A container that vanished meanwhile (a `down`) is not an error.
    pub async fn repair(&self, repair: &Repair) -> Result<(), RuntimeError> {
        let tolerate = |result: Result<(), super::DockerError>| match result {
            Err(error) if !error.is_not_found() => Err(RuntimeError::from(error)),
            _ => Ok(()),
        };
        match repair {
            Repair::Sandbox { sandbox, members } => {
                tolerate(self.api.start_container(sandbox).await)?;
                // All at once, as the kubelet recreates a pod: the pod serves again as soon as
                // its slowest container does.
                let restarts = members.iter().map(|m| self.api.restart_container(m));
                for result in futures_util::future::join_all(restarts).await {
                    tolerate(result)?;
                }
            }
            Repair::Start { container } => {
                tolerate(self.api.start_container(container).await)?;
            }
            Repair::Rejoin { container } => {
                tolerate(self.api.restart_container(container).await)?;
            }
        }
        Ok(())
    }

    /// When a container last started, comparable as a key (`None` when unknown).
    async fn started_at(&self, name: &str) -> Option<StartKey> {
        let state = self.api.inspect_container(name).await.ok()?;
        state.started_at.as_deref().and_then(StartKey::parse)
    }
}

/// An RFC 3339 UTC time as (seconds part, nanoseconds), so that `…:05.5Z` sorts after
/// `…:05.123Z` (Docker trims trailing zeros from the fraction).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct StartKey(String, u32);

impl StartKey {
    fn parse(text: &str) -> Option<Self> {
        let text = text.strip_suffix('Z')?;
        let (seconds, fraction) = text.split_once('.').unwrap_or((text, ""));
        let digits: String = fraction
            .chars()
            .chain(std::iter::repeat('0'))
            .take(9)
            .collect();
        Some(Self(seconds.to_owned(), digits.parse().ok()?))
    }
}

#[cfg(test)]
mod tests {
    use super::StartKey;

    #[test]
    fn start_times_compare_by_their_value_not_their_text() {
        let a = StartKey::parse("2026-12-07T01:15:05.123Z").unwrap();
        let b = StartKey::parse("2026-12-07T01:15:05.5Z").unwrap();
        let c = StartKey::parse("2026-12-07T01:15:06Z").unwrap();
        assert!(a < b && b < c);
        assert_eq!(StartKey::parse("yesterday"), None);
    }
}
