//! What a running embedded deployment leaves on disk, so that `ps`, `logs`, `predict` and
//! `down` from another terminal can find it: `<root>/<deployment>/state.json` (pid, session,
//! endpoints, containers), `logs/<container>.log` (`<container>@<pod>.log` when pods share a name), and `volumes/`.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::plan::Plan;
use crate::runtime::Endpoint;

/// One container of an embedded deployment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContainerState {
    /// Its pod.
    pub pod: String,
    /// The predictor the pod serves.
    #[serde(default)]
    pub predictor: String,
    /// Its name.
    pub name: String,
    /// The role it plays.
    pub role: String,
    /// Whether it is an init container (finished once ready).
    pub init: bool,
    /// Container port → host port.
    pub ports: Vec<(u16, u16)>,
    /// The local command playing it (`--exec`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exec: Option<String>,
    /// That command's pid, which is also its process group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid: Option<u32>,
}

/// The state file of a deployment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StateFile {
    /// The deployment.
    pub deployment: String,
    /// The session id.
    pub session: String,
    /// The process serving it.
    pub pid: u32,
    /// When that process started (`/proc/<pid>/stat`'s start time, in clock ticks since boot):
    /// with the pid it names the process, so a pid reused by another program is never signalled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid_start: Option<u64>,
    /// The SeldonDeployment file it was started from.
    pub source: PathBuf,
    /// The protocol of its predictors.
    pub protocol: String,
    /// Predictor → the graph's root unit, for TF and v2 paths.
    pub graph_roots: Vec<(String, String)>,
    /// Where requests go.
    pub endpoints: Vec<Endpoint>,
    /// A ready-made `predict` command line.
    pub predict_command: Option<String>,
    /// The URL that command sends to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predict_url: Option<String>,
    /// The equivalent `curl` command line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub curl_command: Option<String>,
    /// The containers.
    pub containers: Vec<ContainerState>,
}

/// How a container of a running embedded deployment fares: what `ps` shows beside the
/// [`StateFile`], rewritten by the serving process whenever it changes (`status.json`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContainerStatus {
    /// Its pod.
    pub pod: String,
    /// Its name.
    pub name: String,
    /// How often it was restarted in place.
    pub restarts: u32,
    /// Whether its readiness probe passes (true without one).
    pub ready: bool,
    /// Why it last stopped, if it ever did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_failure: Option<String>,
    /// The pid of its local command now, if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid: Option<u32>,
}

/// Every container's [`ContainerStatus`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    /// The containers (init containers are not watched).
    pub containers: Vec<ContainerStatus>,
}

impl Status {
    /// The status of `name` in `pod`, if watched.
    #[must_use]
    pub fn of(&self, pod: &str, name: &str) -> Option<&ContainerStatus> {
        self.containers
            .iter()
            .find(|c| c.pod == pod && c.name == name)
    }
}

fn status_path(dir: &Path) -> PathBuf {
    dir.join("status.json")
}

/// Writes `status.json` atomically.
pub fn write_status(dir: &Path, status: &Status) -> Result<(), StateError> {
    let path = status_path(dir);
    let temporary = dir.join(".status.json.tmp");
    let io = |what, path: &Path| {
        let path = path.to_owned();
        move |source| StateError::Io { what, path, source }
    };
    std::fs::create_dir_all(dir).map_err(io("create", dir))?;
    let text = serde_json::to_vec_pretty(status).expect("status serialises to JSON");
    std::fs::write(&temporary, text).map_err(io("write", &temporary))?;
    std::fs::rename(&temporary, &path).map_err(io("rename", &path))
}

/// Reads `status.json`; missing or unreadable is no status (nothing restarted, all ready).
#[must_use]
pub fn read_status(dir: &Path) -> Option<Status> {
    let bytes = std::fs::read(status_path(dir)).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Why state could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// The filesystem failed.
    #[error("failed to {what} `{}`", path.display())]
    Io {
        /// The operation.
        what: &'static str,
        /// The path.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The file is not ours or is damaged.
    #[error("`{}` is not a seldon-local state file", path.display())]
    Corrupt {
        /// The path.
        path: PathBuf,
        /// The cause.
        #[source]
        source: serde_json::Error,
    },
}

/// The directory of a deployment under the state root.
#[must_use]
pub fn deployment_dir(root: &Path, deployment: &str) -> PathBuf {
    root.join(deployment)
}

/// The log file of a container, by its [`log_stem`].
#[must_use]
pub fn log_path(dir: &Path, stem: &str) -> PathBuf {
    dir.join("logs").join(format!("{stem}.log"))
}

/// The name of a container's log file: the container's name, or `<container>@<pod>` when
/// another pod of the plan has a container of that name (each TF unit's `tfserving`).
#[must_use]
pub fn log_stem(plan: &Plan, pod: &str, container: &str) -> String {
    let pods = plan
        .pods
        .iter()
        .filter(|p| p.all_containers().any(|c| c.name == container))
        .count();
    if pods > 1 {
        format!("{container}@{pod}")
    } else {
        container.to_owned()
    }
}

/// Whether a log stem is container `container`'s (in any pod).
#[must_use]
pub fn stem_is_container(stem: &str, container: &str) -> bool {
    stem.split_once('@').map_or(stem, |(name, _)| name) == container
}

fn state_path(dir: &Path) -> PathBuf {
    dir.join("state.json")
}

/// Writes the state file atomically (a temporary name, then a rename).
pub fn write(dir: &Path, state: &StateFile) -> Result<(), StateError> {
    let path = state_path(dir);
    let temporary = dir.join(".state.json.tmp");
    let io = |what, path: &Path| {
        let path = path.to_owned();
        move |source| StateError::Io { what, path, source }
    };
    std::fs::create_dir_all(dir).map_err(io("create", dir))?;
    let text = serde_json::to_vec_pretty(state).expect("state serialises to JSON");
    std::fs::write(&temporary, text).map_err(io("write", &temporary))?;
    std::fs::rename(&temporary, &path).map_err(io("rename", &path))
}

/// Reads a deployment's state file, `None` when there is none.
pub fn read(dir: &Path) -> Result<Option<StateFile>, StateError> {
    let path = state_path(dir);
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|source| StateError::Corrupt { path, source }),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(StateError::Io {
            what: "read",
            path,
            source,
        }),
    }
}

/// Removes a deployment's state and status files (logs stay for `logs` after `down`).
pub fn remove(dir: &Path) -> Result<(), StateError> {
    let _ = std::fs::remove_file(status_path(dir));
    let path = state_path(dir);
    match std::fs::remove_file(&path) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(StateError::Io {
            what: "remove",
            path,
            source,
        }),
    }
}

/// Every deployment with a readable state file under `root`, by name (a damaged one is in
/// [`damaged`], never an error here: one bad file must not hide the others).
pub fn list(root: &Path) -> Result<Vec<(PathBuf, StateFile)>, StateError> {
    let mut out: Vec<(PathBuf, StateFile)> = scan(root)?
        .into_iter()
        .filter_map(|(dir, state)| Some((dir, state.ok()?)))
        .collect();
    out.sort_by(|a, b| a.1.deployment.cmp(&b.1.deployment));
    Ok(out)
}

/// The deployments under `root` whose state file cannot be read (truncated, garbage): their
/// directory, whose name is the deployment's, and why.
pub fn damaged(root: &Path) -> Result<Vec<(PathBuf, StateError)>, StateError> {
    let mut out: Vec<(PathBuf, StateError)> = scan(root)?
        .into_iter()
        .filter_map(|(dir, state)| Some((dir, state.err()?)))
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// Every directory under `root` with a state file, and that file read.
#[allow(
    clippy::type_complexity,
    reason = "a private helper of `list` and `damaged`"
)]
fn scan(root: &Path) -> Result<Vec<(PathBuf, Result<StateFile, StateError>)>, StateError> {
    let entries = match std::fs::read_dir(root) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(StateError::Io {
                what: "read",
                path: root.to_owned(),
                source,
            });
        }
    };
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let dir = entry.path();
        if !dir.is_dir() {
            continue;
        }
        match read(&dir) {
            Ok(Some(state)) => out.push((dir, Ok(state))),
            Ok(None) => {}
            Err(error) => out.push((dir, Err(error))),
        }
    }
    Ok(out)
}

/// Whether the process with this pid runs (Linux `/proc`). One that has exited counts as gone
/// although its pid stays until its parent reaps it: a detached server's parent is init, which
/// may reap late (a second or more in some containers), and `down` must not wait for that.
#[must_use]
pub fn is_alive(pid: u32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    // The state (field 3) follows the command name, which may hold spaces and parentheses.
    let state = stat
        .rfind(')')
        .and_then(|end| stat[end + 1..].split_whitespace().next());
    !matches!(state, Some("Z" | "X"))
}

/// When process `pid` started, in clock ticks since boot (field 22 of `/proc/<pid>/stat`).
#[must_use]
pub fn process_start(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces and parentheses: count from its closing one.
    let after = &stat[stat.rfind(')')? + 1..];
    after.split_whitespace().nth(19)?.parse().ok()
}

/// The file a deployment's serving process keeps open and locked for as long as it lives
/// ([`claim_server`]). Holding it open is the proof that a process is the deployment's server:
/// `down` signals no other (a pid in `state.json` may be stale, or the file damaged).
#[must_use]
pub fn server_lock_path(dir: &Path) -> PathBuf {
    dir.join("server.lock")
}

/// The serving process's hold on [`server_lock_path`]; released when dropped (or when the
/// process dies, however it dies).
#[derive(Debug)]
pub struct ServerLock {
    _file: std::fs::File,
}

/// Why a deployment could not be claimed.
#[derive(Debug, thiserror::Error)]
pub enum ClaimError {
    /// The filesystem failed.
    #[error(transparent)]
    State(#[from] StateError),
    /// Another process serves the deployment.
    #[error("another process{} serves this deployment (it holds `{}`)", pid.map(|p| format!(" (pid {p})")).unwrap_or_default(), path.display())]
    Held {
        /// That process, when it can be found.
        pid: Option<u32>,
        /// The lock file.
        path: PathBuf,
    },
}

/// Makes this process the server of the deployment in `dir`: locks [`server_lock_path`] and
/// writes `session` into it (so that `down` finds the session's `--exec` commands even when
/// `state.json` is damaged).
pub fn claim_server(dir: &Path, session: &str) -> Result<ServerLock, ClaimError> {
    use std::io::Write as _;
    let path = server_lock_path(dir);
    let io = |what, path: &Path| {
        let path = path.to_owned();
        move |source| StateError::Io { what, path, source }
    };
    std::fs::create_dir_all(dir).map_err(io("create", dir))?;
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(io("open", &path))?;
    // A moment's contention is a `ps` testing the lock: try a few times.
    let mut attempts = 0;
    loop {
        match file.try_lock() {
            Ok(()) => break,
            Err(std::fs::TryLockError::WouldBlock) if attempts < 20 => {
                attempts += 1;
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(ClaimError::Held {
                    pid: servers(dir).into_iter().next(),
                    path,
                });
            }
            Err(std::fs::TryLockError::Error(source)) => {
                return Err(StateError::Io {
                    what: "lock",
                    path,
                    source,
                }
                .into());
            }
        }
    }
    file.set_len(0).map_err(io("truncate", &path))?;
    file.write_all(format!("{session}\n").as_bytes())
        .map_err(io("write", &path))?;
    Ok(ServerLock { _file: file })
}

/// The session written into a deployment's server lock by its last server.
#[must_use]
pub fn lock_session(dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(server_lock_path(dir)).ok()?;
    let session = text.lines().next()?.trim();
    (!session.is_empty()).then(|| session.to_owned())
}

/// Whether process `pid` holds the deployment's server lock open (`/proc/<pid>/fd`): the proof
/// that it is the deployment's server. Checked before every signal.
#[must_use]
pub fn holds_server_lock(pid: u32, dir: &Path) -> bool {
    let Some(lock) = lock_identity(dir) else {
        return false;
    };
    has_open(pid, &lock)
}

/// The processes that hold the deployment's server lock open (normally one; none when nothing
/// serves it), found by scanning `/proc`, whatever `state.json` says.
#[must_use]
pub fn servers(dir: &Path) -> Vec<u32> {
    // Nobody holds the lock: nothing serves, and `/proc` need not be scanned.
    if lock_is_free(dir) {
        return Vec::new();
    }
    let Some(lock) = lock_identity(dir) else {
        return Vec::new();
    };
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut pids: Vec<u32> = entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| has_open(*pid, &lock))
        .collect();
    pids.sort_unstable();
    pids
}

/// Whether a deployment's server runs (some process holds its server lock).
#[must_use]
pub fn is_serving(dir: &Path) -> bool {
    !servers(dir).is_empty()
}

/// Whether no process holds the server lock (tried, and released at once).
fn lock_is_free(dir: &Path) -> bool {
    match std::fs::File::open(server_lock_path(dir)) {
        Ok(file) => file.try_lock_shared().is_ok(),
        Err(_) => true,
    }
}

/// The lock file's path, device and inode.
fn lock_identity(dir: &Path) -> Option<(PathBuf, u64, u64)> {
    use std::os::unix::fs::MetadataExt as _;
    let path = std::fs::canonicalize(server_lock_path(dir)).ok()?;
    let meta = std::fs::metadata(&path).ok()?;
    Some((path, meta.dev(), meta.ino()))
}

fn has_open(pid: u32, (path, dev, ino): &(PathBuf, u64, u64)) -> bool {
    use std::os::unix::fs::MetadataExt as _;
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return false;
    };
    fds.flatten().any(|fd| {
        std::fs::read_link(fd.path()).is_ok_and(|target| target == *path)
            && std::fs::metadata(fd.path()).is_ok_and(|m| m.dev() == *dev && m.ino() == *ino)
    })
}

#[cfg(test)]
mod state_tests {
    use super::*;

    #[test]
    fn only_the_process_holding_the_server_lock_is_the_server() {
        let root = tempfile::tempdir().unwrap();
        let dir = deployment_dir(root.path(), "d");
        // A state file naming a live process proves nothing: only the lock does.
        write(&dir, &sample()).unwrap();
        assert!(!is_serving(&dir));
        assert!(!holds_server_lock(std::process::id(), &dir));
        let lock = claim_server(&dir, "s1").unwrap();
        assert_eq!(servers(&dir), [std::process::id()]);
        assert!(holds_server_lock(std::process::id(), &dir));
        assert_eq!(lock_session(&dir).as_deref(), Some("s1"));
        // A second claim while it is held is refused, naming the holder.
        let error = claim_server(&dir, "s2").unwrap_err().to_string();
        assert!(
            error.starts_with(&format!(
                "another process (pid {}) serves this deployment",
                std::process::id()
            )),
            "{error}"
        );
        drop(lock);
        assert!(!is_serving(&dir));
        let _again = claim_server(&dir, "s3").unwrap();
        assert_eq!(lock_session(&dir).as_deref(), Some("s3"));
    }

    #[test]
    fn a_damaged_state_file_does_not_hide_the_others() {
        let root = tempfile::tempdir().unwrap();
        write(&deployment_dir(root.path(), "good"), &sample()).unwrap();
        let bad = deployment_dir(root.path(), "bad");
        std::fs::create_dir_all(&bad).unwrap();
        std::fs::write(bad.join("state.json"), "{\"deployment\": \"bad\", \"ses").unwrap();
        assert_eq!(list(root.path()).unwrap().len(), 1);
        let damaged = damaged(root.path()).unwrap();
        assert_eq!(damaged.len(), 1);
        assert_eq!(damaged[0].0, bad);
    }

    fn sample() -> StateFile {
        StateFile {
            deployment: "d".into(),
            session: "s".into(),
            pid: std::process::id(),
            pid_start: process_start(std::process::id()),
            source: "x.yaml".into(),
            protocol: "seldon".into(),
            graph_roots: vec![("p".into(), "m".into())],
            endpoints: Vec::new(),
            predict_command: None,
            predict_url: None,
            curl_command: None,
            containers: vec![ContainerState {
                pod: "p".into(),
                predictor: "p".into(),
                name: "c".into(),
                role: "executor".into(),
                init: false,
                ports: vec![(8000, 40000)],
                exec: None,
                pid: None,
            }],
        }
    }

    #[test]
    fn an_exited_process_is_gone_before_it_is_reaped() {
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while is_alive(pid) {
            assert!(std::time::Instant::now() < deadline, "`true` did not exit");
            std::thread::yield_now();
        }
        // Not reaped yet: the pid is still in /proc, as a zombie.
        assert!(Path::new("/proc").join(pid.to_string()).exists());
        child.wait().unwrap();
        assert!(!is_alive(pid));
    }

    #[test]
    fn state_round_trips_and_lists_by_name() {
        let root = tempfile::tempdir().unwrap();
        let dir = deployment_dir(root.path(), "d");
        write(&dir, &sample()).unwrap();
        assert_eq!(read(&dir).unwrap(), Some(sample()));
        std::fs::write(root.path().join("notes.txt"), "not a deployment").unwrap();
        assert_eq!(list(root.path()).unwrap().len(), 1);
        assert!(is_alive(sample().pid));
        remove(&dir).unwrap();
        assert_eq!(read(&dir).unwrap(), None);
        remove(&dir).unwrap();
    }

    #[test]
    fn a_damaged_state_file_is_an_error_naming_it() {
        let root = tempfile::tempdir().unwrap();
        std::fs::write(root.path().join("state.json"), "{").unwrap();
        let error = read(root.path()).unwrap_err().to_string();
        assert!(
            error.ends_with("state.json` is not a seldon-local state file"),
            "{error}"
        );
    }
}

/// `2026-01-02T03:04:05.678Z`: how embedded log lines start (UTC, as Docker's timestamps).
#[must_use]
pub fn format_timestamp(unix_millis: u64) -> String {
    let seconds = unix_millis / 1000;
    let days = i64::try_from(seconds / 86400).unwrap_or(0);
    let in_day = seconds % 86400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        in_day / 3600,
        in_day % 3600 / 60,
        in_day % 60,
        unix_millis % 1000
    )
}

/// A log line's leading timestamp (as Unix seconds) and the rest; `None` when it has none.
#[must_use]
pub fn split_timestamp(line: &str) -> (Option<u64>, &str) {
    let Some((stamp, rest)) = line.split_once(' ') else {
        return (None, line);
    };
    let parse = || -> Option<u64> {
        let bytes = stamp.as_bytes();
        if stamp.len() != 24 || bytes[4] != b'-' || bytes[10] != b'T' || bytes[23] != b'Z' {
            return None;
        }
        let num = |r: std::ops::Range<usize>| stamp.get(r)?.parse::<i64>().ok();
        let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
        // Howard Hinnant's days_from_civil.
        let y = if month <= 2 { year - 1 } else { year };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = if month > 2 { month - 3 } else { month + 9 };
        let doy = (153 * mp + 2) / 5 + day - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let days = era * 146_097 + doe - 719_468;
        u64::try_from(days * 86400 + hour * 3600 + minute * 60 + second).ok()
    };
    match parse() {
        Some(seconds) => (Some(seconds), rest),
        None => (None, line),
    }
}

#[cfg(test)]
mod timestamp_tests {
    use super::*;

    #[test]
    fn timestamps_round_trip() {
        assert_eq!(format_timestamp(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            format_timestamp(1_764_697_407_123),
            "2025-12-02T17:43:27.123Z"
        );
        assert_eq!(
            split_timestamp("2025-12-02T17:43:27.123Z INFO hello"),
            (Some(1_764_697_407), "INFO hello")
        );
        assert_eq!(split_timestamp("INFO hello"), (None, "INFO hello"));
    }
}
