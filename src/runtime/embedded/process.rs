//! Containers played by a local command (`--exec NAME=COMMAND`): the user's own unit, run as a
//! child process with the container's env (ports rewritten to host ports), its output logged
//! line by line in the container's span, and its whole process group stopped with it.
//!
//! The command runs under `sh -c` in its own process group, in the sdep file's directory; the
//! container's args, if any, follow it as `"$@"`. Each child carries [`SESSION_MARKER`] in its
//! env, so that `down` can tell a child of ours from an unrelated process that reused its pid.

use std::collections::{BTreeMap, VecDeque};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use tokio::io::{AsyncBufReadExt as _, AsyncRead, BufReader};

use super::RoleFuture;
use super::localize::LocalContainer;
use crate::runtime::Cancel;

/// The env variable that marks a child of an embedded deployment; its value is the session.
pub const SESSION_MARKER: &str = crate::env::SELDON_LOCAL_EMBEDDED_SESSION;

/// How long a command has to exit after SIGTERM before its group is killed.
const GRACE: Duration = Duration::from_secs(5);

/// How many of its last output lines a failed command's error quotes.
const TAIL: usize = 20;

/// (pod, container) → pid (also its process group) of the commands started, for the state
/// file. One `--exec` may play a container name that several pods have.
pub type Pids = Arc<Mutex<BTreeMap<(String, String), u32>>>;

/// Runs `container`'s local command until it exits or `stop` fires.
pub fn launch(
    container: LocalContainer,
    dir: PathBuf,
    session: String,
    pids: Pids,
    stop: Cancel,
) -> RoleFuture {
    Box::pin(async move { run(&container, &dir, &session, &pids, &stop).await })
}

/// The process group of a running command: killed when dropped (an aborted task), so nothing
/// outlives the deployment.
struct Group(Option<Pid>);

impl Group {
    fn signal(&self, signal: Signal) {
        if let Some(pid) = self.0 {
            let _ = killpg(pid, signal);
        }
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        self.signal(Signal::SIGKILL);
    }
}

async fn run(
    container: &LocalContainer,
    dir: &Path,
    session: &str,
    pids: &Pids,
    stop: &Cancel,
) -> Result<(), String> {
    let Some(command) = &container.exec else {
        return Err(format!(
            "container `{}` has no local command",
            container.name
        ));
    };
    let script = if container.args.is_empty() {
        command.clone()
    } else {
        format!("{command} \"$@\"")
    };
    let mut child = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(&script)
        .arg("sh")
        .args(&container.args)
        .envs(&container.env)
        .env(SESSION_MARKER, session)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true)
        .spawn()
        .map_err(|error| format!("failed to start `{command}`: {error}"))?;
    let pid = child.id();
    let mut group = Group(pid.and_then(|p| i32::try_from(p).ok()).map(Pid::from_raw));
    if let Some(pid) = pid {
        pids.lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert((container.pod.clone(), container.name.clone()), pid);
        tracing::info!(pid, "started `{command}`");
    }
    let tail = Mutex::new(VecDeque::with_capacity(TAIL));
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    let output = async { tokio::join!(relay(stdout, &tail), relay(stderr, &tail)) };
    let exited = async {
        // Read the output to its end first, so that the last lines are logged and quoted.
        output.await;
        child.wait().await
    };
    tokio::pin!(exited);
    let status = tokio::select! {
        status = &mut exited => status,
        () = stop.cancelled() => {
            group.signal(Signal::SIGTERM);
            if let Ok(status) = tokio::time::timeout(GRACE, &mut exited).await {
                status
            } else {
                group.signal(Signal::SIGKILL);
                exited.await
            }
        }
    };
    // The leader is reaped. Stragglers of its group are killed now (Linux does not reuse the id
    // while the group has members); after that the group is signalled no more.
    group.signal(Signal::SIGKILL);
    group.0 = None;
    let status = status.map_err(|error| format!("failed to wait for `{command}`: {error}"))?;
    if stop.is_cancelled() || status.success() {
        return Ok(());
    }
    let lines: Vec<String> = tail
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .drain(..)
        .collect();
    Err(if lines.is_empty() {
        format!("`{command}` exited ({status})")
    } else {
        format!(
            "`{command}` exited ({status}); its last lines:\n{}",
            lines.join("\n")
        )
    })
}

/// Logs each line of `stream` and keeps the last [`TAIL`] of them.
async fn relay(stream: Option<impl AsyncRead + Unpin>, tail: &Mutex<VecDeque<String>>) {
    let Some(stream) = stream else { return };
    let mut lines = BufReader::new(stream).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        tracing::info!("{line}");
        let mut tail = tail
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if tail.len() == TAIL {
            tail.pop_front();
        }
        tail.push_back(line);
    }
}

/// Whether `pid` is a command started by session `session` (its env carries the marker).
#[must_use]
pub fn is_ours(pid: u32, session: &str) -> bool {
    let Ok(environ) = std::fs::read(format!("/proc/{pid}/environ")) else {
        return false;
    };
    let wanted = format!("{SESSION_MARKER}={session}");
    environ
        .split(|b| *b == 0)
        .any(|entry| entry == wanted.as_bytes())
}

/// The process groups led by a command of session `session` (found by the marker in their env,
/// scanning `/proc`): how `down` finds the commands of a deployment whose state file is
/// damaged.
#[must_use]
pub fn session_groups(session: &str) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut groups: Vec<u32> = entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| is_ours(*pid, session))
        .filter_map(group_of)
        .filter(|group| Some(*group) != group_of(std::process::id()))
        .collect();
    groups.sort_unstable();
    groups.dedup();
    groups
}

/// The process group of `pid` (field 5 of `/proc/<pid>/stat`).
fn group_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat[stat.rfind(')')? + 1..]
        .split_whitespace()
        .nth(2)?
        .parse()
        .ok()
}

/// Whether process group `group` has a live member of session `session` (its leader may have
/// exited while the rest of the group runs; Linux reuses no id while a group has members).
fn group_is_ours(group: u32, session: &str) -> bool {
    if is_ours(group, session) {
        return true;
    }
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return false;
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .any(|pid| group_of(pid) == Some(group) && is_ours(pid, session))
}

/// Stops the command groups a deployment left behind (its serving process was killed hard):
/// SIGTERM, then SIGKILL after `grace`. Only pids that are ours are touched, checked again
/// before every signal (a pid may be reused while we wait). Returns the groups signalled.
#[allow(
    clippy::must_use_candidate,
    reason = "callers may only want the stopping"
)]
pub fn stop_orphans(pids: &[u32], session: &str, grace: Duration) -> Vec<u32> {
    let signal = |pid: u32, signal: Signal| {
        if group_is_ours(pid, session)
            && let Ok(raw) = i32::try_from(pid)
        {
            let _ = killpg(Pid::from_raw(raw), signal);
        }
    };
    let ours: Vec<u32> = pids
        .iter()
        .copied()
        .filter(|pid| group_is_ours(*pid, session))
        .collect();
    for pid in &ours {
        signal(*pid, Signal::SIGTERM);
    }
    let deadline = std::time::Instant::now() + grace;
    while std::time::Instant::now() < deadline
        && ours.iter().any(|pid| group_is_ours(*pid, session))
    {
        std::thread::sleep(Duration::from_millis(20));
    }
    for pid in &ours {
        signal(*pid, Signal::SIGKILL);
    }
    ours
}
