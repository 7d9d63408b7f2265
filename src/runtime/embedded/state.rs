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

/// Removes a deployment's state file (logs stay for `logs` after `down`).
pub fn remove(dir: &Path) -> Result<(), StateError> {
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

/// Every deployment with a state file under `root`, by name.
pub fn list(root: &Path) -> Result<Vec<(PathBuf, StateFile)>, StateError> {
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
        if let Some(state) = read(&dir)? {
            out.push((dir, state));
        }
    }
    out.sort_by(|a, b| a.1.deployment.cmp(&b.1.deployment));
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

/// Whether the process that serves `state` still runs: its pid is alive and is the same process
/// (the recorded start time matches; a state file without one needs a seldon-local command line).
/// A pid reused by an unrelated program is not ours and must never be signalled.
#[must_use]
pub fn is_serving(state: &StateFile) -> bool {
    if !is_alive(state.pid) {
        return false;
    }
    match state.pid_start {
        Some(start) => process_start(state.pid) == Some(start),
        None => std::fs::read(format!("/proc/{}/cmdline", state.pid))
            .is_ok_and(|cmdline| cmdline.windows(12).any(|w| w == b"seldon-local")),
    }
}

#[cfg(test)]
mod state_tests {
    use super::*;

    #[test]
    fn a_live_pid_that_started_at_another_time_is_not_the_server() {
        let mut state = sample();
        assert!(is_serving(&state), "this very process serves the sample");
        state.pid_start = state.pid_start.map(|t| t + 1);
        assert!(!is_serving(&state), "a reused pid is someone else");
        // Without a start time, only a seldon-local command line counts.
        state.pid_start = None;
        let ours = std::fs::read(format!("/proc/{}/cmdline", state.pid))
            .unwrap()
            .windows(12)
            .any(|w| w == b"seldon-local");
        assert_eq!(is_serving(&state), ours);
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
