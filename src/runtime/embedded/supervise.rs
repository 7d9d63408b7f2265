//! What kubelet does for a pod's containers, done for the embedded runtime's roles: a role
//! whose task ends (an error, a panic, or a return) once the deployment is up is restarted in
//! place with back-off, and its liveness and readiness probes run in this process on the
//! plan's timings. A failed liveness probe restarts the role; a failed readiness probe marks
//! it not ready. Restart counts and readiness go to `status.json` ([`state::Status`]), which
//! `ps` reads.
//!
//! Kubernetes restarts a failed container at once the first time, then waits 10 s, doubling
//! to 5 min, and forgets the back-off after 10 min of running. A role here is a task on
//! 127.0.0.1, with no image to pull and nothing to schedule: it starts in milliseconds, so a
//! 10 s wait would be nearly all of its time to serve again. The first restart is immediate
//! here too, then [`FIRST_BACKOFF`] (1 s) doubles up to [`MAX_BACKOFF`] (60 s), which still
//! keeps a role that fails at once from spinning a core, and [`RESET_AFTER`] (2 min, twice
//! the cap as in Kubernetes) of running forgets it. The Docker supervisor restarts on the same
//! schedule.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::FutureExt as _;
use tokio::net::TcpSocket;

use super::localize::LocalContainer;
use super::{RoleFuture, process, state};
use crate::plan::Probe;
use crate::runtime::{Cancel, Events, RuntimeEvent};

/// The wait before a failed role's second restart (the first is immediate).
pub(crate) const FIRST_BACKOFF: Duration = Duration::from_secs(1);
/// The longest wait between restarts.
pub(crate) const MAX_BACKOFF: Duration = Duration::from_mins(1);
/// A role that ran this long before failing starts again from [`FIRST_BACKOFF`].
pub(crate) const RESET_AFTER: Duration = Duration::from_mins(2);
/// How long a role stopped by a failed liveness probe has to finish before it is dropped (a
/// local command is then killed): the Docker supervisor's restart grace too. Kubernetes gives
/// the pod's termination grace (30 s by default); a hung role would use all of it.
const LIVENESS_GRACE: Duration = Duration::from_secs(2);

/// How often a running role's status is written again if it changed.
const REFRESH: Duration = Duration::from_secs(1);

/// The deployment's containers as the supervisors see them, written to `status.json` on every
/// change.
#[derive(Clone)]
pub(crate) struct Board {
    dir: PathBuf,
    containers: Arc<Mutex<BTreeMap<(String, String), state::ContainerStatus>>>,
    pids: process::Pids,
    /// Off while `up` starts the deployment: a role that fails then fails the `up`, with its
    /// error, as before any restart.
    restarting: Arc<tokio::sync::watch::Sender<bool>>,
    events: Events,
    /// What `status.json` holds now.
    written: Arc<Mutex<Option<state::Status>>>,
}

impl Board {
    pub(crate) fn new(dir: PathBuf, pids: process::Pids, events: Events) -> Self {
        Self {
            dir,
            containers: Arc::default(),
            pids,
            restarting: Arc::new(tokio::sync::watch::channel(false).0),
            events,
            written: Arc::default(),
        }
    }

    /// Adds a container, ready (until its probe says otherwise), never restarted.
    pub(crate) fn watch(&self, container: &LocalContainer) {
        self.lock().insert(
            (container.pod.clone(), container.name.clone()),
            state::ContainerStatus {
                pod: container.pod.clone(),
                name: container.name.clone(),
                restarts: 0,
                ready: true,
                last_failure: None,
                pid: None,
            },
        );
    }

    /// From now on failed roles are restarted; writes the first `status.json`.
    pub(crate) fn start_restarting(&self) {
        self.restarting.send_replace(true);
        self.write();
    }

    fn restarting(&self) -> bool {
        *self.restarting.borrow()
    }

    /// Resolves once the deployment is up (at once if it is).
    async fn up(&self) {
        let mut up = self.restarting.subscribe();
        // The sender lives as long as `self`.
        let _ = up.wait_for(|up| *up).await;
    }

    fn is_ready(&self, container: &LocalContainer) -> bool {
        self.lock()
            .get(&(container.pod.clone(), container.name.clone()))
            .is_some_and(|c| c.ready)
    }

    fn lock(
        &self,
    ) -> std::sync::MutexGuard<'_, BTreeMap<(String, String), state::ContainerStatus>> {
        self.containers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A copy of every container's status.
    pub(crate) fn status(&self) -> state::Status {
        let pids = self
            .pids
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        state::Status {
            containers: self
                .lock()
                .values()
                .cloned()
                .map(|mut c| {
                    c.pid = pids.get(&(c.pod.clone(), c.name.clone())).copied();
                    c
                })
                .collect(),
        }
    }

    fn update(&self, container: &LocalContainer, change: impl FnOnce(&mut state::ContainerStatus)) {
        if let Some(status) = self
            .lock()
            .get_mut(&(container.pod.clone(), container.name.clone()))
        {
            change(status);
        }
        if self.restarting() {
            self.write();
        }
    }

    /// Writes `status.json` if it changed (a local command's pid changes on a restart).
    fn write(&self) {
        let status = self.status();
        let mut written = self
            .written
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if written.as_ref() == Some(&status) {
            return;
        }
        match state::write_status(&self.dir, &status) {
            Ok(()) => *written = Some(status),
            Err(error) => self.events.emit(RuntimeEvent::Warning {
                message: format!("{error:#}"),
            }),
        }
    }
}

/// Starts one run of a role: its container, the sockets of its ports, and the run's stop.
pub(crate) type Launch =
    Arc<dyn Fn(&LocalContainer, BTreeMap<u16, TcpSocket>, Cancel) -> RoleFuture + Send + Sync>;

/// Plays `container` until `stop` fires: the first run on `listeners`, each later one on its
/// ports bound again. Before [`Board::start_restarting`] a run that ends ends this too, with
/// its outcome; after it, the role is restarted with back-off, and its probes run.
pub(crate) async fn supervise(
    launch: Launch,
    container: LocalContainer,
    listeners: BTreeMap<u16, TcpSocket>,
    board: Board,
    stop: Cancel,
) -> Result<(), String> {
    let mut listeners = Some(listeners);
    // `None`: the next restart is the first (since the last reset), made at once.
    let mut backoff: Option<Duration> = None;
    loop {
        let started = Instant::now();
        let sockets = match listeners.take() {
            Some(sockets) => Ok(sockets),
            None => rebind(&container),
        };
        let outcome = match sockets {
            Ok(sockets) => run_once(&launch, &container, sockets, &board, &stop).await,
            Err(error) => Err(error),
        };
        if stop.is_cancelled() || !board.restarting() {
            return outcome;
        }
        let why = match &outcome {
            Ok(()) => "exited".to_owned(),
            Err(message) => format!("failed: {message}"),
        };
        if started.elapsed() >= RESET_AFTER {
            backoff = None;
        }
        let wait = backoff.unwrap_or(Duration::ZERO);
        let mut restarts = 0;
        board.update(&container, |status| {
            status.restarts += 1;
            status.ready = false;
            status.last_failure = Some(why.clone());
            restarts = status.restarts;
        });
        // In the container's span: its log file says why and when it comes back.
        tracing::warn!(
            restarts,
            "container `{}` {why}; restarting it in {:.1}s",
            container.name,
            wait.as_secs_f64()
        );
        tokio::select! {
            () = stop.cancelled() => return Ok(()),
            () = tokio::time::sleep(wait) => {}
        }
        backoff = Some(backoff.map_or(FIRST_BACKOFF, |b| (b * 2).min(MAX_BACKOFF)));
        tracing::info!(restarts, "restarting container `{}`", container.name);
    }
}

/// One run of the role, with its probes once the deployment is up: ends when the role does,
/// when its liveness probe fails (an error), or when `stop` fires (after the role finished).
async fn run_once(
    launch: &Launch,
    container: &LocalContainer,
    sockets: BTreeMap<u16, TcpSocket>,
    board: &Board,
    stop: &Cancel,
) -> Result<(), String> {
    let (kill, run_stop) = Cancel::new();
    let run = std::panic::AssertUnwindSafe(launch(container, sockets, run_stop))
        .catch_unwind()
        .map(|outcome| outcome.unwrap_or_else(|panic| Err(panic_message(&*panic))));
    tokio::pin!(run);
    // Probes start once the deployment is up: until then `up` waits for readiness itself,
    // and a role that fails fails the `up`.
    let live = async {
        board.up().await;
        match &container.liveness {
            Some(probe) => failed(probe).await,
            None => std::future::pending().await,
        }
    };
    let ready = async {
        board.up().await;
        if let Some(probe) = &container.readiness {
            track_readiness(probe, container, board).await;
        } else {
            board.update(container, |status| status.ready = true);
            std::future::pending::<()>().await;
        }
    };
    // A restarted local command's pid reaches `status.json` within a second.
    let refresh = async {
        board.up().await;
        loop {
            tokio::time::sleep(REFRESH).await;
            board.write();
        }
    };
    tokio::select! {
        outcome = &mut run => outcome,
        () = refresh => unreachable!("the status is refreshed for as long as the role runs"),
        () = stop.cancelled() => {
            kill.cancel();
            run.await
        }
        message = live => {
            kill.cancel();
            let _ = tokio::time::timeout(LIVENESS_GRACE, &mut run).await;
            Err(message)
        }
        () = ready => unreachable!("readiness is tracked for as long as the role runs"),
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    let text = panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("a panic");
    format!("panicked: {text}")
}

/// Binds the container's host ports again for a restart (the last run released them).
fn rebind(container: &LocalContainer) -> Result<BTreeMap<u16, TcpSocket>, String> {
    if container.is_process() {
        // It binds its ports itself; they are held, shared, as for its first run, where they
        // can be (its last run may have left a child listening that `down` will reap).
        return Ok(container
            .ports
            .iter()
            .filter_map(|&(port, host)| {
                let socket = TcpSocket::new_v4().ok()?;
                super::share(&socket).ok()?;
                socket
                    .bind(std::net::SocketAddr::from(([127, 0, 0, 1], host)))
                    .ok()?;
                Some((port, socket))
            })
            .collect());
    }
    container
        .ports
        .iter()
        .map(|&(port, host)| {
            let socket = TcpSocket::new_v4()
                .and_then(|socket| {
                    // Connections of the last run may linger in TIME_WAIT on the port.
                    socket.set_reuseaddr(true)?;
                    socket.bind(std::net::SocketAddr::from(([127, 0, 0, 1], host)))?;
                    Ok(socket)
                })
                .map_err(|error| format!("failed to bind 127.0.0.1:{host} again: {error}"))?;
            Ok((port, socket))
        })
        .collect()
}

/// Resolves, with what failed, once `probe` failed `failure_threshold` times in a row, checked
/// every `period_seconds` after `initial_delay_seconds`, as kubelet does.
async fn failed(probe: &Probe) -> String {
    tokio::time::sleep(Duration::from_secs(u64::from(probe.initial_delay_seconds))).await;
    let threshold = probe.failure_threshold.max(1);
    let mut failures = 0;
    loop {
        let tick = tokio::time::sleep(period(probe));
        if super::check(probe).await {
            failures = 0;
        } else {
            failures += 1;
            if failures >= threshold {
                return format!(
                    "liveness probe ({}) failed {failures} times in a row",
                    super::describe(probe)
                );
            }
        }
        tick.await;
    }
}

/// Marks the container not ready after `failure_threshold` failures in a row and ready again
/// after a success; never resolves.
async fn track_readiness(probe: &Probe, container: &LocalContainer, board: &Board) {
    let threshold = probe.failure_threshold.max(1);
    let mut failures = 0;
    let mut ready = board.is_ready(container);
    loop {
        let tick = tokio::time::sleep(period(probe));
        if super::check(probe).await {
            failures = 0;
            if !ready {
                ready = true;
                board.update(container, |status| status.ready = true);
                tracing::info!("container `{}` is ready", container.name);
            }
        } else {
            failures += 1;
            if failures >= threshold && ready {
                ready = false;
                board.update(container, |status| status.ready = false);
                tracing::warn!(
                    "container `{}` is not ready: readiness probe ({}) failed {failures} times in a row",
                    container.name,
                    super::describe(probe)
                );
            }
        }
        tick.await;
    }
}

fn period(probe: &Probe) -> Duration {
    Duration::from_secs(u64::from(probe.period_seconds.max(1)))
}
