//! Pods heal as Kubernetes heals them. Docker's restart policy (`unless-stopped`) restarts a
//! container that crashes, but not one stopped by hand (`docker kill`, `docker stop`), and a
//! sandbox it restarts comes back with a new network namespace that the pod's other containers
//! never join. [`DockerRuntime::broken`] finds both from the labels and Docker's state, and
//! [`DockerRuntime::repair`] mends one: a stopped container is started; a stopped sandbox is
//! started and every container of its pod restarted into its new namespace (as the kubelet
//! recreates a pod whose sandbox died); a container that started before its sandbox's latest
//! start is restarted to rejoin it. Something being created (`created`) or removed (`removing`)
//! is left alone: `up` and `down` own it.
//!
//! Liveness probes are the kubelet's too: [`DockerRuntime::live_targets`] reads each running
//! container's probe from its labels (the plan's, as the operator wrote it), [`Liveness`]
//! decides when each is due and when it failed `failureThreshold` times in a row (after
//! `initialDelaySeconds` from the container's start, every `periodSeconds`), and the supervisor
//! then restarts it. The probes go to the pod's published ports on 127.0.0.1, as `ps`'s
//! readiness checks do. A TCP probe passes against a process that is frozen (the kernel still
//! completes the handshake), in Kubernetes as here, so only HTTP probes see a hung server.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

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

    /// Every running container with a liveness probe the host can run, over every deployment
    /// the selector matches.
    pub async fn live_targets(&self, selector: &Selector) -> Result<Vec<LiveTarget>, RuntimeError> {
        let listing = self.api.list(selector).await?;
        let mut sandboxes: BTreeMap<&str, BTreeMap<u16, u16>> = BTreeMap::new();
        let mut targets = Vec::new();
        for container in &listing.containers {
            if container.labels.get(labels::KIND).map(String::as_str) != Some("sandbox")
                || container.state != "running"
            {
                continue;
            }
            if let (Some(pod), Ok(state)) = (
                container.labels.get(labels::POD),
                self.api.inspect_container(&container.name).await,
            ) {
                sandboxes.insert(pod, state.host_ports);
            }
        }
        for container in &listing.containers {
            let (Some(label), Some(timing), Some(pod)) = (
                container.labels.get(labels::LIVENESS),
                container.labels.get(labels::LIVENESS_TIMING),
                container.labels.get(labels::POD),
            ) else {
                continue;
            };
            // A paused container counts as running: it is what a hung process looks like.
            if !matches!(container.state.as_str(), "running" | "paused") {
                continue;
            }
            let Some((kind, port, path)) = super::probe_label(label) else {
                continue;
            };
            let Some(host) = sandboxes.get(pod.as_str()).and_then(|p| p.get(&port)) else {
                continue;
            };
            let check = if kind == "http" {
                super::Check::Http(*host, path)
            } else {
                super::Check::Tcp(*host)
            };
            let Some(timing) = Timing::parse(timing) else {
                continue;
            };
            let started = self
                .api
                .inspect_container(&container.name)
                .await
                .ok()
                .and_then(|s| s.started_at);
            targets.push(LiveTarget {
                container: container.name.clone(),
                started,
                probe: label.clone(),
                check,
                timing,
            });
        }
        Ok(targets)
    }

    /// Restarts a container whose liveness probe failed (a paused one is killed and started,
    /// as the kubelet kills a hung container).
    pub async fn restart_unlive(&self, container: &str) -> Result<(), RuntimeError> {
        match self.api.restart_container(container).await {
            Err(error) if !error.is_not_found() => Err(RuntimeError::from(error)),
            _ => Ok(()),
        }
    }

    /// When a container last started, comparable as a key (`None` when unknown).
    async fn started_at(&self, name: &str) -> Option<StartKey> {
        let state = self.api.inspect_container(name).await.ok()?;
        state.started_at.as_deref().and_then(StartKey::parse)
    }
}

/// A liveness probe's timings, from its label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// Before the first probe, from the container's start.
    pub initial_delay: Duration,
    /// Between probes.
    pub period: Duration,
    /// How long one probe may take.
    pub timeout: Duration,
    /// Failures in a row that restart the container.
    pub failure_threshold: u32,
}

impl Timing {
    /// `DELAY,PERIOD,TIMEOUT,FAILURES`.
    #[must_use]
    pub fn parse(label: &str) -> Option<Self> {
        let mut parts = label.split(',').map(|p| p.trim().parse::<u32>().ok());
        let mut next = || parts.next().flatten();
        let (delay, period, timeout, failures) = (next()?, next()?, next()?, next()?);
        Some(Self {
            initial_delay: Duration::from_secs(u64::from(delay)),
            period: Duration::from_secs(u64::from(period.max(1))),
            timeout: Duration::from_secs(u64::from(timeout.max(1))),
            failure_threshold: failures.max(1),
        })
    }
}

/// A running container and its liveness probe.
#[derive(Debug, Clone)]
pub struct LiveTarget {
    /// The container.
    pub container: String,
    /// When it last started (Docker's `StartedAt`): a new start resets its count.
    pub started: Option<String>,
    /// The probe, as its label says (`http:PORT:PATH`, `tcp:PORT`).
    pub probe: String,
    check: super::Check,
    /// Its timings.
    pub timing: Timing,
}

impl LiveTarget {
    /// Runs the probe once: whether it passed within its timeout.
    pub async fn passes(&self) -> bool {
        self.check.passes(self.timing.timeout).await
    }
}

/// What the kubelet's liveness workers remember: per container, since when it runs, when it is
/// next due and how many probes failed in a row. Pure: the caller runs the probes.
#[derive(Debug, Default)]
pub struct Liveness {
    tracked: HashMap<String, Tracked>,
}

#[derive(Debug)]
struct Tracked {
    started: Option<String>,
    next: Instant,
    failures: u32,
    in_flight: bool,
}

impl Liveness {
    /// The targets due for a probe at `now` (each then counts as in flight until
    /// [`Liveness::record`]). A container seen for the first time, or started again since,
    /// is first probed `initial_delay` after it was seen so.
    pub fn due<'a>(&mut self, targets: &'a [LiveTarget], now: Instant) -> Vec<&'a LiveTarget> {
        self.tracked
            .retain(|name, _| targets.iter().any(|t| &t.container == name));
        let mut due = Vec::new();
        for target in targets {
            let tracked = self
                .tracked
                .entry(target.container.clone())
                .or_insert_with(|| Tracked {
                    started: target.started.clone(),
                    next: now + target.timing.initial_delay,
                    failures: 0,
                    in_flight: false,
                });
            if tracked.started != target.started {
                *tracked = Tracked {
                    started: target.started.clone(),
                    next: now + target.timing.initial_delay,
                    failures: 0,
                    in_flight: false,
                };
            }
            if !tracked.in_flight && now >= tracked.next {
                tracked.in_flight = true;
                due.push(target);
            }
        }
        due
    }

    /// Records a probe's outcome, begun at `began`; `Some(failures)` when the container must be
    /// restarted (its count then starts again).
    pub fn record(&mut self, target: &LiveTarget, passed: bool, began: Instant) -> Option<u32> {
        let tracked = self.tracked.get_mut(&target.container)?;
        tracked.in_flight = false;
        tracked.next = began + target.timing.period;
        if passed {
            tracked.failures = 0;
            return None;
        }
        tracked.failures += 1;
        if tracked.failures < target.timing.failure_threshold {
            return None;
        }
        let failures = tracked.failures;
        tracked.failures = 0;
        // Its restart changes its start time, which starts its initial delay again.
        Some(failures)
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
    use super::{LiveTarget, Liveness, StartKey, Timing};
    use std::time::{Duration, Instant};

    fn target(started: &str) -> LiveTarget {
        LiveTarget {
            container: "p-engine".to_owned(),
            started: Some(started.to_owned()),
            probe: "http:8000:/live".to_owned(),
            check: super::super::Check::Tcp(1),
            timing: Timing::parse("20,5,60,3").unwrap(),
        }
    }

    #[test]
    fn liveness_timings_read_from_their_label() {
        let timing = Timing::parse("60,5,1,3").unwrap();
        assert_eq!(timing.initial_delay, Duration::from_mins(1));
        assert_eq!(timing.period, Duration::from_secs(5));
        assert_eq!(timing.timeout, Duration::from_secs(1));
        assert_eq!(timing.failure_threshold, 3);
        assert_eq!(Timing::parse("60,5,1"), None);
    }

    #[test]
    fn a_container_is_restarted_after_threshold_failures_in_a_row_once_its_delay_passed() {
        let mut liveness = Liveness::default();
        let targets = [target("t1")];
        let t0 = Instant::now();
        assert!(
            liveness.due(&targets, t0).is_empty(),
            "probed before its delay"
        );
        let mut at = t0 + Duration::from_secs(20);
        // Fail, pass, then three failures: only the third in a row restarts.
        for (passed, restart) in [
            (false, None),
            (true, None),
            (false, None),
            (false, None),
            (false, Some(3)),
        ] {
            let due = liveness.due(&targets, at);
            assert_eq!(due.len(), 1, "not due at {:?}", at - t0);
            assert!(
                liveness.due(&targets, at).is_empty(),
                "probed twice at once"
            );
            assert_eq!(liveness.record(&targets[0], passed, at), restart);
            assert!(
                liveness
                    .due(&targets, at + Duration::from_secs(4))
                    .is_empty()
            );
            at += Duration::from_secs(5);
        }
        // Started again: its delay starts again.
        let restarted = [target("t2")];
        assert!(liveness.due(&restarted, at).is_empty());
        assert_eq!(
            liveness.due(&restarted, at + Duration::from_secs(20)).len(),
            1
        );
    }

    #[test]
    fn start_times_compare_by_their_value_not_their_text() {
        let a = StartKey::parse("2026-12-07T01:15:05.123Z").unwrap();
        let b = StartKey::parse("2026-12-07T01:15:05.5Z").unwrap();
        let c = StartKey::parse("2026-12-07T01:15:06Z").unwrap();
        assert!(a < b && b < c);
        assert_eq!(StartKey::parse("yesterday"), None);
    }
}
