//! A graph end to end on the embedded runtime, through the binary: examples/mnist-graph, a
//! transformer (`scale`) in front of a combiner (`mean`) over two TF Serving models, each in a
//! pod of its own. `scale` and `mean` are the example's small Python units, played by
//! `--exec`; the models by the builtin roles. The answer must be the mean of TensorFlow's own
//! scores for the two models, with every unit's meta; the units' processes must be gone after
//! `down`, even when the serving process was killed hard.

use std::path::Path;

use serde_json::{Value, json};

use crate::common::{DownOnDrop, root, run_embedded as run};

const SDEP: &str = "examples/mnist-graph/sdep.yaml";
const SCALE: &str = "scale=python3 units/scale.py";
const MEAN: &str = "mean=python3 units/mean.py";

fn heldout() -> Value {
    let text =
        std::fs::read_to_string(root().join("examples/tfserving-mnist/heldout.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn alive(pid: u64) -> bool {
    // A zombie is gone for our purpose: it runs nothing and holds no port.
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        !stat
            .rsplit(')')
            .next()
            .unwrap_or("")
            .trim_start()
            .starts_with('Z')
    })
}

fn unit_pids(state: &Path) -> Vec<u64> {
    let text = std::fs::read_to_string(state.join("mnist-graph/state.json")).unwrap();
    let state: Value = serde_json::from_str(&text).unwrap();
    state["containers"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["pid"].as_u64())
        .collect()
}

/// The held-out digits as raw 0-255 pixels.
fn raw_pixels(heldout: &Value, digits: &[usize]) -> Vec<Vec<f64>> {
    digits
        .iter()
        .map(|&i| {
            heldout["inputs"][i]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap() * 255.0)
                .collect()
        })
        .collect()
}

/// Each row of `answer` is the mean of TensorFlow's scores of the two models for its digit.
fn assert_mean_of_both_models(answer: &Value, heldout: &Value, digits: &[usize]) {
    let rows = answer["data"]["ndarray"].as_array().unwrap();
    assert_eq!(rows.len(), digits.len(), "{answer}");
    for (row, &i) in rows.iter().zip(digits) {
        let tf1 = heldout["models"]["tf1"]["scores"][i].as_array().unwrap();
        let keras = heldout["models"]["keras"]["scores"][i].as_array().unwrap();
        for (k, got) in row.as_array().unwrap().iter().enumerate() {
            let want = f64::midpoint(tf1[k].as_f64().unwrap(), keras[k].as_f64().unwrap());
            let got = got.as_f64().unwrap();
            assert!(
                (got - want).abs() <= 1e-5,
                "digit {i}, class {k}: {got} vs {want}"
            );
        }
    }
}

#[test]
fn the_graph_example_answers_with_the_mean_of_both_models_and_every_units_meta() {
    let state = tempfile::tempdir().unwrap();
    let guard = DownOnDrop(state.path(), "mnist-graph");
    let (code, stdout, stderr) = run(
        state.path(),
        &[
            "up", "-d", "-o", "json", SDEP, "--exec", SCALE, "--exec", MEAN,
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("embedded (`--exec` runs local commands)"),
        "{stderr}"
    );
    let running: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(running[0]["deployment"], "mnist-graph");

    // Raw pixels in, two digits in one request: `scale` divides by 255, both models score,
    // `mean` averages.
    let heldout = heldout();
    let digits = [3usize, 11];
    let raw = raw_pixels(&heldout, &digits);
    let input = serde_json::to_string(&raw).unwrap();
    let (code, stdout, stderr) = run(
        state.path(),
        &["predict", "mnist-graph", "--ndarray", &input],
    );
    assert_eq!(code, 0, "{stderr}");
    let answer: Value = serde_json::from_str(&stdout).unwrap();
    assert_mean_of_both_models(&answer, &heldout, &digits);
    assert_eq!(
        answer["meta"]["tags"],
        json!({"scaled_by": 255.0, "combined": 2}),
        "{answer}"
    );
    let path = answer["meta"]["requestPath"].as_object().unwrap();
    assert_eq!(path["scale"], "seldon-local-examples/scale:0.1", "{answer}");
    assert_eq!(path["mean"], "seldon-local-examples/mean:0.1", "{answer}");
    assert!(
        path.contains_key("tf1") && path.contains_key("keras"),
        "{answer}"
    );

    // A tensor in gives a tensor out, through every unit.
    let tensor = json!({"shape": [1, 784], "values": raw[0]}).to_string();
    let (code, stdout, stderr) = run(
        state.path(),
        &["predict", "mnist-graph", "--tensor", &tensor],
    );
    assert_eq!(code, 0, "{stderr}");
    let answer: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        answer["data"]["tensor"]["shape"],
        json!([1, 10]),
        "{answer}"
    );

    // A unit's refusal comes back in the Seldon error shape, and `predict` exits 1.
    let (code, stdout, _) = run(
        state.path(),
        &[
            "predict",
            "mnist-graph",
            "--json",
            r#"{"strData": "seven"}"#,
        ],
    );
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("expected data.ndarray or data.tensor"),
        "{stdout}"
    );

    let (code, stdout, _) = run(state.path(), &["ps", "-a", "-o", "json", "mnist-graph"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("local command"), "{stdout}");
    assert_eq!(
        stdout.matches("tfserving-model-initializer").count(),
        2,
        "{stdout}"
    );

    let (code, stdout, stderr) = run(state.path(), &["logs", "mnist-graph", "-c", "scale"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("scale serving on 127.0.0.1:"), "{stdout}");
    assert!(stdout.contains("POST /transform-input"), "{stdout}");
    // Each TF unit's `tfserving` keeps a log of its own, prefixed with its pod's own part.
    let (code, stdout, stderr) = run(state.path(), &["logs", "mnist-graph", "-c", "tfserving"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("tfserving@tf1   | "), "{stdout}");
    assert!(stdout.contains("tfserving@keras | "), "{stdout}");
    // Prefixes stay short: the longest is the initializer's, with its pod.
    let (code, stdout, stderr) = run(state.path(), &["logs", "mnist-graph"]);
    assert_eq!(code, 0, "{stderr}");
    let widest = stdout.lines().filter_map(|l| l.find(" | ")).max().unwrap();
    assert!(widest <= 34, "prefixes of {widest} characters: {stdout}");

    let pids = unit_pids(state.path());
    assert_eq!(pids.len(), 2, "one pid per local command");
    assert!(pids.iter().all(|&pid| alive(pid)));
    drop(guard);
    assert!(
        pids.iter().all(|&pid| !alive(pid)),
        "a unit outlived `down`"
    );
}

#[test]
fn units_outlive_a_killed_serving_process_only_until_down() {
    let state = tempfile::tempdir().unwrap();
    let guard = DownOnDrop(state.path(), "mnist-graph");
    let (code, _, stderr) = run(
        state.path(),
        &["up", "-d", SDEP, "--exec", SCALE, "--exec", MEAN],
    );
    assert_eq!(code, 0, "{stderr}");
    let text = std::fs::read_to_string(state.path().join("mnist-graph/state.json")).unwrap();
    let server = serde_json::from_str::<Value>(&text).unwrap()["pid"]
        .as_u64()
        .unwrap();
    let pids = unit_pids(state.path());
    std::process::Command::new("kill")
        .args(["-KILL", &server.to_string()])
        .status()
        .unwrap();
    while alive(server) {
        std::thread::yield_now();
    }
    assert!(pids.iter().all(|&pid| alive(pid)), "orphans to clean up");
    let (code, _, stderr) = run(state.path(), &["down", "mnist-graph"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(pids.iter().all(|&pid| !alive(pid)), "`down` left a unit");
    drop(guard);
}

#[test]
fn a_unit_without_a_local_command_is_named_with_the_flag_that_plays_it() {
    let state = tempfile::tempdir().unwrap();
    let (code, _, stderr) = run(
        state.path(),
        &["up", "--runtime", "embedded", SDEP, "--exec", SCALE],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains(
            "container `mean` of pod `mnist-graph-default-0-scale-mean` runs \
             `seldon-local-examples/mean:0.1`"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("`--exec mean=COMMAND`"), "{stderr}");
}

#[test]
fn exec_of_a_container_that_does_not_exist_lists_the_ones_that_do() {
    let state = tempfile::tempdir().unwrap();
    let (code, _, stderr) = run(state.path(), &["up", SDEP, "--exec", "nosuch=true"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("no container `nosuch` in `examples/mnist-graph/sdep.yaml`"),
        "{stderr}"
    );
    assert!(stderr.contains("`scale`"), "{stderr}");
    let (code, _, stderr) = run(
        state.path(),
        &["up", "--runtime", "docker", SDEP, "--exec", SCALE],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("only the embedded runtime"), "{stderr}");
}

#[test]
fn a_unit_that_exits_fails_up_with_its_last_lines_and_leaves_nothing() {
    let state = tempfile::tempdir().unwrap();
    let (code, _, stderr) = run(
        state.path(),
        &[
            "up",
            SDEP,
            "--exec",
            "scale=echo no module named numpy >&2; exit 3",
            "--exec",
            MEAN,
        ],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("exit status: 3"), "{stderr}");
    assert!(stderr.contains("no module named numpy"), "{stderr}");
    assert!(!state.path().join("mnist-graph/state.json").exists());
}

#[test]
fn sigterm_in_the_foreground_stops_every_unit_and_removes_the_state() {
    use std::io::BufRead as _;
    let state = tempfile::tempdir().unwrap();
    let guard = DownOnDrop(state.path(), "mnist-graph");
    let mut up = std::process::Command::new(assert_cmd::cargo::cargo_bin("seldon-local"))
        .current_dir(root())
        .env_remove("SELDON_LOCAL_RUNTIME")
        .env("SELDON_LOCAL_STATE_DIR", state.path())
        .env("SELDON_LOCAL_INGRESS_PORT", "0")
        .env("NO_COLOR", "1")
        .args(["up", SDEP, "--exec", SCALE, "--exec", MEAN])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = std::io::BufReader::new(up.stderr.take().unwrap());
    let mut seen = String::new();
    let mut line = String::new();
    while !line.contains("serving in the foreground") {
        line.clear();
        assert!(stderr.read_line(&mut line).unwrap() > 0, "{seen}");
        seen.push_str(&line);
    }
    let pids = unit_pids(state.path());
    assert_eq!(pids.len(), 2);
    std::process::Command::new("kill")
        .args(["-TERM", &up.id().to_string()])
        .status()
        .unwrap();
    std::io::Read::read_to_string(&mut stderr, &mut seen).unwrap();
    let status = up.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{seen}");
    assert!(seen.contains("stopped every container"), "{seen}");
    assert!(pids.iter().all(|&pid| !alive(pid)), "a unit outlived `up`");
    assert!(!state.path().join("mnist-graph/state.json").exists());
    drop(guard);
}

#[test]
fn one_exec_plays_a_container_name_in_every_pod_that_has_it_and_down_stops_them_all() {
    let state = tempfile::tempdir().unwrap();
    let guard = DownOnDrop(state.path(), "mnist-graph");
    // Each TF unit's `tfserving` (no readiness probe) played by a stand-in that prints the
    // args it was given, then waits.
    let (code, _, stderr) = run(
        state.path(),
        &[
            "up",
            "-d",
            SDEP,
            "--exec",
            SCALE,
            "--exec",
            MEAN,
            "--exec",
            r#"tfserving=echo "$@"; exec sleep 600 #"#,
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let pids = unit_pids(state.path());
    assert_eq!(pids.len(), 4, "scale, mean and two tfserving: {pids:?}");
    let mut distinct = pids.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), 4, "{pids:?}");
    assert!(pids.iter().all(|&pid| alive(pid)));
    // Its flags name host ports and the volume's directory, not the pod's.
    let (code, stdout, stderr) = run(state.path(), &["logs", "mnist-graph", "-c", "tfserving"]);
    assert_eq!(code, 0, "{stderr}");
    for pod in ["tf1", "keras"] {
        let line = stdout
            .lines()
            .find(|l| {
                l.starts_with(&format!("tfserving@{pod} "))
                    && l.contains(&format!("--model_name={pod}"))
            })
            .unwrap_or_else(|| panic!("no args of {pod}'s tfserving: {stdout}"));
        assert!(!line.contains("--rest_api_port=2001"), "{line}");
        assert!(!line.contains("=/mnt/models"), "{line}");
        assert!(line.contains("/volumes/"), "{line}");
    }
    drop(guard);
    assert!(pids.iter().all(|&pid| !alive(pid)), "`down` left a command");
}
