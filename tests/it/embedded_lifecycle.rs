//! `down` and `ps` of embedded deployments whose state file lies: a stale pid (reused by an
//! unrelated program) is never signalled and the real server still stops; a truncated or
//! garbage state file still lets `ps` and `down` work, finding the server by its lock and the
//! `--exec` commands by the session marker, and saying what was done.

use std::path::Path;
use std::process::{Child, Command};

use serde_json::Value;

use crate::common::{DownOnDrop, run_embedded as run};

const SDEP: &str = "examples/mnist-graph/sdep.yaml";
const SCALE: &str = "scale=python3 units/scale.py";
const MEAN: &str = "mean=python3 units/mean.py";

/// Whether `pid` runs (a zombie runs nothing and holds no port).
fn alive(pid: u64) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        !stat
            .rsplit(')')
            .next()
            .unwrap_or("")
            .trim_start()
            .starts_with('Z')
    })
}

fn state_of(state: &Path) -> Value {
    let text = std::fs::read_to_string(state.join("mnist-graph/state.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The serving pid, the units' pids and the host ports of a running deployment.
fn running(state: &Path) -> (u64, Vec<u64>, Vec<u64>) {
    let value = state_of(state);
    let containers = value["containers"].as_array().unwrap();
    let units = containers
        .iter()
        .filter_map(|c| c["pid"].as_u64())
        .collect();
    let ports = containers
        .iter()
        .flat_map(|c| c["ports"].as_array().unwrap())
        .map(|p| p[1].as_u64().unwrap())
        .collect();
    (value["pid"].as_u64().unwrap(), units, ports)
}

fn up(state: &Path) {
    let (code, _, stderr) = run(state, &["up", "-d", SDEP, "--exec", SCALE, "--exec", MEAN]);
    assert_eq!(code, 0, "{stderr}");
}

fn bound(port: u64) -> bool {
    std::net::TcpStream::connect(("127.0.0.1", u16::try_from(port).unwrap())).is_ok()
}

/// An unrelated program, killed when dropped.
struct Bystander(Child);

impl Drop for Bystander {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `/proc/<pid>/stat`'s start time, as the state file records it.
fn start_time(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    stat[stat.rfind(')').unwrap() + 1..]
        .split_whitespace()
        .nth(19)
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn down_with_a_stale_pid_leaves_the_unrelated_process_and_stops_the_real_server() {
    let state = tempfile::tempdir().unwrap();
    let guard = DownOnDrop(state.path(), "mnist-graph");
    up(state.path());
    let (server, units, ports) = running(state.path());
    // The pid in the state file now names another program, as after a reuse, down to its
    // start time.
    let bystander = Bystander(Command::new("sleep").arg("600").spawn().unwrap());
    let other = bystander.0.id();
    let mut value = state_of(state.path());
    value["pid"] = other.into();
    value["pid_start"] = start_time(other).into();
    std::fs::write(
        state.path().join("mnist-graph/state.json"),
        serde_json::to_vec(&value).unwrap(),
    )
    .unwrap();

    let (code, _, stderr) = run(state.path(), &["ps", "mnist-graph"]);
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = run(state.path(), &["down", "mnist-graph"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        alive(u64::from(other)),
        "`down` signalled an unrelated process"
    );
    assert!(
        stderr.contains(&format!(
            "pid {other} in `mnist-graph`'s state is not its server"
        )),
        "{stderr}"
    );
    assert!(!alive(server), "the real server still runs");
    assert!(
        units.iter().all(|&pid| !alive(pid)),
        "a unit outlived `down`"
    );
    assert!(ports.iter().all(|&port| !bound(port)), "a port is held");
    drop(guard);
}

#[test]
fn a_garbage_state_file_still_lets_ps_and_down_stop_the_server_and_its_units() {
    for damage in [
        &b"{\"deployment\": \"mnist-gr"[..],
        b"\x00\xffnot json at all",
    ] {
        let state = tempfile::tempdir().unwrap();
        let guard = DownOnDrop(state.path(), "mnist-graph");
        up(state.path());
        let (server, units, ports) = running(state.path());
        std::fs::write(state.path().join("mnist-graph/state.json"), damage).unwrap();

        let (code, _, stderr) = run(state.path(), &["ps"]);
        assert_eq!(code, 0, "{stderr}");
        assert!(
            stderr.contains("is not a seldon-local state file")
                && stderr.contains(&format!("its server runs (pid {server})"))
                && stderr.contains("`seldon-local down mnist-graph` stops it"),
            "{stderr}"
        );
        let (code, _, stderr) = run(state.path(), &["down", "mnist-graph"]);
        assert_eq!(code, 0, "{stderr}");
        assert!(
            stderr.contains(&format!("stopped `mnist-graph`'s server (pid {server})")),
            "{stderr}"
        );
        assert!(!alive(server), "the server still runs");
        assert!(
            units.iter().all(|&pid| !alive(pid)),
            "a unit outlived `down`"
        );
        assert!(ports.iter().all(|&port| !bound(port)), "a port is held");
        let (code, stdout, stderr) = run(state.path(), &["ps"]);
        assert_eq!(code, 0, "{stderr}");
        assert!(!stdout.contains("mnist-graph"), "{stdout}");
        drop(guard);
    }
}

#[test]
fn a_garbage_state_file_of_a_killed_server_still_lets_down_stop_its_units() {
    let state = tempfile::tempdir().unwrap();
    let guard = DownOnDrop(state.path(), "mnist-graph");
    up(state.path());
    let (server, units, _) = running(state.path());
    Command::new("kill")
        .args(["-KILL", &server.to_string()])
        .status()
        .unwrap();
    while alive(server) {
        std::thread::yield_now();
    }
    std::fs::write(state.path().join("mnist-graph/state.json"), "garbage").unwrap();
    assert!(units.iter().all(|&pid| alive(pid)), "orphans to clean up");
    let (code, _, stderr) = run(state.path(), &["down", "mnist-graph"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("stopped nothing: no process served `mnist-graph`")
            && stderr.contains("stopped the local commands `mnist-graph` left behind"),
        "{stderr}"
    );
    assert!(units.iter().all(|&pid| !alive(pid)), "`down` left a unit");
    drop(guard);
}

/// The pid `up -d` reports for its background process.
fn background_pid(stderr: &str) -> u64 {
    let at = stderr.find("in the background (pid ").unwrap() + "in the background (pid ".len();
    stderr[at..].split(')').next().unwrap().parse().unwrap()
}

#[test]
fn two_concurrent_ups_of_one_name_leave_one_server_that_down_stops() {
    let state = tempfile::tempdir().unwrap();
    let guard = DownOnDrop(state.path(), "tfserving");
    let children: Vec<std::process::Child> = (0..2)
        .map(|_| {
            let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_seldon-local"));
            for (key, _) in std::env::vars_os() {
                if key.to_string_lossy().starts_with("SELDON_LOCAL_") {
                    command.env_remove(key);
                }
            }
            command
                .env("SELDON_LOCAL_STATE_DIR", state.path())
                .env("SELDON_LOCAL_INGRESS_PORT", "0")
                .env("NO_COLOR", "1")
                .current_dir(crate::common::root())
                .args([
                    "up",
                    "--runtime",
                    "embedded",
                    "-d",
                    "examples/tfserving-mnist/sdep.yaml",
                ])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped());
            command.spawn().unwrap()
        })
        .collect();
    let stderrs: Vec<String> = children
        .into_iter()
        .map(|c| {
            let output = c.wait_with_output().unwrap();
            let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
            assert!(output.status.success(), "{stderr}");
            stderr
        })
        .collect();
    assert!(
        stderrs
            .iter()
            .any(|e| e.contains("waiting for another `up` of `tfserving`")),
        "{stderrs:?}"
    );
    let servers: Vec<u64> = stderrs.iter().map(|e| background_pid(e)).collect();
    let live: Vec<u64> = servers.iter().copied().filter(|&p| alive(p)).collect();
    assert_eq!(live.len(), 1, "one server of {servers:?}");
    let (code, _, stderr) = run(
        state.path(),
        &[
            "predict",
            "tfserving",
            "--file",
            "examples/tfserving-mnist/request.json",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = run(state.path(), &["down", "tfserving"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        servers.iter().all(|&p| !alive(p)),
        "a server outlived `down`"
    );
    drop(guard);
}

/// `ps -o json`'s row of a container: (restarts, ready).
fn ps_row(state: &Path, container: &str) -> (u64, bool) {
    let (code, stdout, stderr) = run(state, &["ps", "-o", "json", "mnist-graph"]);
    assert_eq!(code, 0, "{stderr}");
    let rows: Value = serde_json::from_str(&stdout).unwrap();
    let row = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["container"] == container)
        .unwrap_or_else(|| panic!("no `{container}` in {stdout}"));
    (row["restarts"].as_u64().unwrap(), row["ready"] == true)
}

#[test]
fn a_unit_that_dies_is_restarted_in_place_serves_again_and_ps_counts_it() {
    let state = tempfile::tempdir().unwrap();
    let guard = DownOnDrop(state.path(), "mnist-graph");
    up(state.path());
    let (server, units, _) = running(state.path());
    assert_eq!(ps_row(state.path(), "scale"), (0, true));
    let input = std::fs::read_to_string("examples/mnist-graph/request.json").unwrap();
    let input: Value = serde_json::from_str(&input).unwrap();
    let input = input["data"]["ndarray"].to_string();
    let predict = || {
        run(
            state.path(),
            &["predict", "mnist-graph", "--ndarray", &input],
        )
    };
    assert_eq!(predict().0, 0);
    // The `scale` unit's process group dies, as a crashed container does.
    let scale = state_of(state.path())["containers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "scale")
        .and_then(|c| c["pid"].as_u64())
        .unwrap();
    assert!(units.contains(&scale));
    Command::new("kill")
        .args(["-KILL", "--", &format!("-{scale}")])
        .status()
        .unwrap();
    let began = std::time::Instant::now();
    let mut back = None;
    while began.elapsed() < std::time::Duration::from_secs(30) {
        if ps_row(state.path(), "scale").0 == 1 && predict().0 == 0 {
            back = Some(began.elapsed());
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(
        back.is_some(),
        "the unit was not restarted and serving within 30 s"
    );
    assert!(
        alive(server),
        "the deployment's server went down with its unit"
    );
    assert_eq!(ps_row(state.path(), "scale").0, 1);
    assert_eq!(ps_row(state.path(), "mean").0, 0);
    let (code, stdout, _) = run(state.path(), &["logs", "mnist-graph", "-c", "scale"]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains("container `scale` exited") || stdout.contains("container `scale` failed"),
        "the restart is not in the container's log:\n{stdout}"
    );
    drop(guard);
}
