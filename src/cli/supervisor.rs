//! The Docker runtime's supervisor: pods heal as Kubernetes heals them.
//!
//! Docker restarts a crashed container by its restart policy, but not one stopped by hand, and a
//! sandbox it restarts gets a new network namespace the pod's other containers never join. So one
//! background process, `seldon-local component supervisor`, follows Docker's
//! events for seldon-local's containers and mends what [`DockerRuntime::broken`] finds (see
//! `runtime::docker::heal`), with a back-off per container as the kubelet's.
//!
//! Why a host process and not a container: it reaches the daemon however `DOCKER_HOST` names it
//! (a socket mounted into a container would not follow a remote or rootless daemon, and would
//! hand a container root on the host), it outlives no `up` it is not needed by (it exits once no
//! Docker deployment is left), and it is found by a lock it holds for its whole life: one per
//! user and daemon (`$TMPDIR/seldon-local-supervisor-<uid>-<daemon hash>.lock`, not per state
//! root, since every state root sees the same containers). Docker `up` starts it when none holds
//! the lock; a second one started by a racing `up` finds the lock held and exits.
//!
//! It also runs every container's liveness probe from the plan (`runtime::docker::Liveness`),
//! on the operator's timings, and restarts a container that fails it `failureThreshold` times in
//! a row, as the kubelet does.
//!
//! What it never touches: containers being created or removed (`up` and `down` own them; a
//! repair is made only when the same fault is still there a moment after it was seen, by when a
//! `down`'s removal has finished), init containers, and anything not labelled as ours.

use std::collections::HashMap;
use std::fs::{File, OpenOptions, TryLockError};
use std::os::unix::process::CommandExt as _;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use futures_util::StreamExt as _;

use super::{Context, ExitStatus};
use crate::runtime::docker::{BollardApi, DockerApi as _, DockerRuntime, Liveness, Selector};

/// How often the whole state is checked even without an event.
const TICK: Duration = Duration::from_secs(2);
/// How long a fault must persist before it is mended (a `down` removing it is quicker).
const SETTLE: Duration = Duration::from_millis(150);
/// A container mended again within this long backs off.
const BACKOFF_WINDOW: Duration = Duration::from_secs(30);
/// The longest back-off.
const BACKOFF_MAX: Duration = Duration::from_mins(1);

/// Where the supervisor of this user and Docker daemon keeps its lock and log: one per daemon,
/// whatever state root each `up` used, so no container is mended twice.
fn paths() -> (PathBuf, PathBuf) {
    use std::os::unix::fs::MetadataExt as _;
    let uid = std::fs::metadata("/proc/self").map_or(0, |m| m.uid());
    // FNV-1a of the daemon's address: a short stable name.
    let host = super::docker::docker_host();
    let hash = host.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    let stem = std::env::temp_dir().join(format!("seldon-local-supervisor-{uid}-{hash:016x}"));
    (stem.with_extension("lock"), stem.with_extension("log"))
}

fn open_lock() -> Result<(File, PathBuf)> {
    let (path, _) = paths();
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .with_context(|| format!("failed to open `{}`", path.display()))?;
    Ok((file, path))
}

/// Makes sure a supervisor runs for this state root (started in the background when none holds
/// its lock).
pub(crate) fn ensure() -> Result<()> {
    let (file, path) = open_lock()?;
    match file.try_lock() {
        Err(TryLockError::WouldBlock) => return Ok(()),
        Err(TryLockError::Error(error)) => {
            return Err(error).with_context(|| format!("failed to lock `{}`", path.display()));
        }
        Ok(()) => {}
    }
    drop(file);
    let (_, log_path) = paths();
    let log = File::create(&log_path)
        .with_context(|| format!("failed to create `{}`", log_path.display()))?;
    let exe = std::env::current_exe().context("failed to find this executable")?;
    std::process::Command::new(exe)
        .args(["component", "supervisor"])
        .stdin(Stdio::null())
        .stdout(log.try_clone().context("failed to share the log file")?)
        .stderr(log)
        .process_group(0)
        .spawn()
        .context("failed to start the supervisor")?;
    Ok(())
}

/// `component supervisor`: follows Docker's events and mends pods until no Docker deployment has
/// been left for `idle_exit`.
pub(crate) fn run(idle_exit: Option<Duration>, ctx: &Context) -> Result<ExitStatus> {
    let (file, path) = open_lock()?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            ctx.printer
                .status("exiting", "another supervisor runs for this state root");
            return Ok(ExitStatus::Success);
        }
        Err(TryLockError::Error(error)) => {
            return Err(error).with_context(|| format!("failed to lock `{}`", path.display()));
        }
    }
    let _held = file;
    super::block_on(async {
        let runtime = super::docker::connect(ctx).await?;
        ctx.printer
            .status("supervising", "seldon-local's Docker deployments");
        let mut backoff: HashMap<String, (Instant, Duration)> = HashMap::new();
        let mut idle_since: Option<Instant> = None;
        let mut events = runtime.api().container_events(&Selector::All);
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                .context("failed to listen for SIGTERM")?;
        let live = liveness(&runtime, ctx);
        tokio::pin!(live);
        loop {
            tokio::select! {
                event = events.next() => {
                    // The stream broke (daemon restarted): follow it again, checking meanwhile.
                    if !matches!(event, Some(Ok(_))) {
                        tokio::time::sleep(TICK).await;
                        events = runtime.api().container_events(&Selector::All);
                    }
                }
                () = tokio::time::sleep(TICK) => {}
                _ = terminate.recv() => return Ok(ExitStatus::Success),
                () = &mut live => {}
            }
            match runtime.deployments().await {
                Ok(names) if names.is_empty() => {
                    let since = *idle_since.get_or_insert_with(Instant::now);
                    if idle_exit.is_some_and(|limit| since.elapsed() >= limit) {
                        ctx.printer
                            .status("exiting", "no Docker deployment is left");
                        return Ok(ExitStatus::Success);
                    }
                    continue;
                }
                Ok(_) => idle_since = None,
                Err(error) => {
                    ctx.printer.warning(format!("{error:#}"));
                    continue;
                }
            }
            if let Err(error) = mend(&runtime, &mut backoff, ctx).await {
                ctx.printer.warning(format!("{error:#}"));
            }
        }
    })
}

/// How often the liveness probes' schedule is looked at.
const LIVENESS_TICK: Duration = Duration::from_millis(250);
/// How often running containers and their probes are listed again.
const LIVENESS_LIST: Duration = Duration::from_secs(1);

/// Runs every running container's liveness probe on its timings, each probe in a task of its
/// own (an engine's may take 60 s), and restarts a container that failed it enough times in a
/// row. Never returns.
async fn liveness(runtime: &DockerRuntime<BollardApi>, ctx: &Context) {
    let mut schedule = Liveness::default();
    let mut targets = Vec::new();
    let mut listed: Option<Instant> = None;
    let mut probes = tokio::task::JoinSet::new();
    loop {
        if listed.is_none_or(|at| at.elapsed() >= LIVENESS_LIST) {
            listed = Some(Instant::now());
            match runtime.live_targets(&Selector::All).await {
                Ok(now) => targets = now,
                Err(error) => ctx.printer.warning(format!("{error:#}")),
            }
        }
        for target in schedule.due(&targets, Instant::now()) {
            let target = target.clone();
            probes.spawn(async move {
                let began = Instant::now();
                let passed = target.passes().await;
                (target, passed, began)
            });
        }
        tokio::select! {
            Some(Ok((target, passed, began))) = probes.join_next() => {
                if let Some(failures) = schedule.record(&target, passed, began) {
                    match runtime.restart_unlive(&target.container).await {
                        Ok(()) => ctx.printer.status(
                            "healed",
                            format!(
                                "`{}` failed its liveness probe ({}) {failures} times in a row: restarted it",
                                target.container, target.probe
                            ),
                        ),
                        Err(error) => ctx.printer.warning(format!(
                            "failed to restart `{}` after its liveness probe failed: {error:#}",
                            target.container
                        )),
                    }
                }
            }
            () = tokio::time::sleep(LIVENESS_TICK) => {}
        }
    }
}

/// Mends what is broken now and still broken a moment later, each container at most as often
/// as its back-off allows.
async fn mend(
    runtime: &DockerRuntime<BollardApi>,
    backoff: &mut HashMap<String, (Instant, Duration)>,
    ctx: &Context,
) -> Result<()> {
    let seen = runtime.broken(&Selector::All).await?;
    if seen.is_empty() {
        return Ok(());
    }
    tokio::time::sleep(SETTLE).await;
    let now = runtime.broken(&Selector::All).await?;
    for repair in now.iter().filter(|r| seen.contains(r)) {
        let name = repair.container().to_owned();
        if let Some((last, delay)) = backoff.get(&name)
            && last.elapsed() < *delay
        {
            continue;
        }
        let delay = match backoff.get(&name) {
            Some((last, delay)) if last.elapsed() < BACKOFF_WINDOW => {
                (*delay * 2).clamp(Duration::from_secs(1), BACKOFF_MAX)
            }
            _ => Duration::ZERO,
        };
        backoff.insert(name, (Instant::now(), delay));
        match runtime.repair(repair).await {
            Ok(()) => ctx.printer.status("healed", repair),
            Err(error) => ctx
                .printer
                .warning(format!("failed to mend: {repair}: {error:#}")),
        }
    }
    Ok(())
}
