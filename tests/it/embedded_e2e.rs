//! End to end on the embedded runtime, through the binary as a user runs it: `up -d` of the
//! shipped MNIST example, `predict` by name against TensorFlow's own scores, `ps`, `logs`,
//! `down`. No Docker involved.

use serde_json::Value;

use crate::common::{DownOnDrop, root, run_embedded as run};

fn heldout() -> Value {
    let text =
        std::fs::read_to_string(root().join("examples/tfserving-mnist/heldout.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
#[allow(clippy::too_many_lines)] // one user session: up, predict, ps, logs, complete, down
fn the_mnist_example_runs_embedded_and_answers_with_tensorflows_scores() {
    let state = tempfile::tempdir().unwrap();
    let guard = DownOnDrop(state.path(), "tfserving");
    let (code, stdout, stderr) = run(
        state.path(),
        &[
            "up",
            "--runtime",
            "embedded",
            "-d",
            "-o",
            "json",
            "examples/tfserving-mnist/sdep.yaml",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let running: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(running[0]["deployment"], "tfserving");

    // The lines `up` prints to try it work as printed: by name (no port), with the example's
    // request file, and the same with curl.
    let command = running[0]["predict_command"].as_str().unwrap();
    assert_eq!(
        command,
        "seldon-local predict tfserving --file examples/tfserving-mnist/request.json"
    );
    let (code, stdout, stderr) = run_shell(state.path(), command);
    assert_eq!(code, 0, "{command}: {stderr}");
    assert!(stdout.contains("\"t:9\""), "{stdout}");
    let curl = running[0]["curl_command"].as_str().unwrap();
    let (code, stdout, stderr) = run_shell(state.path(), curl);
    assert_eq!(code, 0, "{curl}: {stderr}");
    assert!(stdout.contains("\"t:9\""), "{curl}: {stdout}");

    let heldout = heldout();
    let expected = &heldout["models"]["tf1"]["scores"];
    for i in [0usize, 1, 7] {
        let input = serde_json::to_string(&vec![&heldout["inputs"][i]]).unwrap();
        let (code, stdout, stderr) =
            run(state.path(), &["predict", "tfserving", "--ndarray", &input]);
        assert_eq!(code, 0, "{stderr}");
        let answer: Value = serde_json::from_str(&stdout).unwrap();
        let names: Vec<String> = (0..10).map(|k| format!("t:{k}")).collect();
        assert_eq!(answer["data"]["names"], serde_json::json!(names));
        let scores = answer["data"]["ndarray"][0].as_array().unwrap();
        for (got, want) in scores.iter().zip(expected[i].as_array().unwrap()) {
            let (got, want) = (got.as_f64().unwrap(), want.as_f64().unwrap());
            assert!(
                (got - want).abs() <= 1e-5,
                "input {i}: {got} vs TensorFlow's {want}"
            );
        }
    }

    let values: Vec<f64> = heldout["inputs"][0]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    let tensor = serde_json::json!({"shape": [1, 784], "values": values}).to_string();
    let (code, stdout, stderr) = run(state.path(), &["predict", "tfserving", "--tensor", &tensor]);
    assert_eq!(code, 0, "{stderr}");
    let answer: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        answer["data"]["tensor"]["shape"],
        serde_json::json!([1, 10]),
        "{answer}"
    );

    // The unit's metrics port, as `ps` lists it, answers with the wrapper's exposition.
    let (code, stdout, _) = run(state.path(), &["ps", "tfserving", "-o", "json"]);
    assert_eq!(code, 0);
    let containers: Value = serde_json::from_str(&stdout).unwrap();
    let proxy = containers
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["container"] == "mnist-model")
        .unwrap();
    let metrics = proxy["ports"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["container_port"] == 6000)
        .unwrap()["host_port"]
        .as_u64()
        .unwrap();
    for path in ["/prometheus", "/metrics"] {
        let reply = http_get(metrics as u16, path);
        assert!(reply.starts_with("HTTP/1.1 200"), "{path}: {reply}");
    }

    // The default table leaves the finished init container out; `-a` shows it.
    let (code, stdout, _) = run(state.path(), &["ps", "tfserving"]);
    assert_eq!(code, 0);
    assert!(!stdout.contains("tfserving-model-initializer"), "{stdout}");
    let (code, stdout, _) = run(state.path(), &["ps", "-a", "tfserving"]);
    assert_eq!(code, 0);
    for container in [
        "tfserving-model-initializer",
        "mnist-model",
        "tfserving",
        "seldon-container-engine",
    ] {
        assert!(stdout.contains(container), "{stdout}");
    }

    let (code, stdout, stderr) = run(
        state.path(),
        &["logs", "tfserving", "-c", "seldon-container-engine"],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("executor serving"), "{stdout}");

    // `--since` is honoured on the embedded runtime: nothing was written in the future, and
    // `--timestamps` shows when each line was written.
    let (code, stdout, stderr) = run(
        state.path(),
        &["logs", "tfserving", "--since", "4000000000"],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    let (code, stdout, stderr) = run(
        state.path(),
        &[
            "logs",
            "tfserving",
            "-c",
            "seldon-container-engine",
            "--since",
            "1h",
            "--timestamps",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let first = stdout.lines().next().unwrap();
    let stamp = first
        .split(" | ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap();
    assert!(stamp.len() == 24 && stamp.ends_with('Z'), "{first}");

    // Bash completes `down <TAB>` with the running deployment, before the flags.
    let offered = crate::cli::bash_complete(state.path(), &["seldon-local", "down", ""]);
    assert_eq!(
        offered.first().map(String::as_str),
        Some("tfserving"),
        "{offered:?}"
    );

    drop(guard);
    // Gone: `ps NAME` says so and exits 1, as `predict` and `logs` do.
    let (code, stdout, stderr) = run(state.path(), &["ps", "tfserving"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        stderr.starts_with("error: no deployment `tfserving` is running\n"),
        "{stderr}"
    );
    assert!(!state.path().join("tfserving/state.json").exists());
    assert!(!state.path().join("tfserving/volumes").exists());
}

/// Runs a command line as a user pastes it into a shell, `seldon-local` on the PATH.
/// A plain HTTP/1.1 GET on 127.0.0.1, the whole reply as text.
fn http_get(port: u16, path: &str) -> String {
    use std::io::{Read as _, Write as _};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    reply
}

fn run_shell(state: &std::path::Path, line: &str) -> (i32, String, String) {
    let bin = assert_cmd::cargo::cargo_bin("seldon-local");
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let output = std::process::Command::new("sh")
        .args(["-c", line])
        .env("PATH", path)
        .env("SELDON_LOCAL_STATE_DIR", state)
        .current_dir(root())
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

#[test]
fn up_detached_reads_the_document_from_stdin_once_and_survives_a_closed_stdout() {
    let state = tempfile::tempdir().unwrap();
    let guard = DownOnDrop(state.path(), "tfserving");
    let sdep = std::fs::read_to_string(root().join("examples/tfserving-mnist/sdep.yaml")).unwrap();
    // `cat sdep.yaml | seldon-local up -d - | head -1`, from the example's directory.
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("seldon-local"))
        .args(["up", "--runtime", "embedded", "-d", "-"])
        .env("SELDON_LOCAL_STATE_DIR", state.path())
        .env("SELDON_LOCAL_INGRESS_PORT", "0")
        .env("NO_COLOR", "1")
        .current_dir(root().join("examples/tfserving-mnist"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write as _;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(sdep.as_bytes()).unwrap();
    }
    drop(child.stdout.take()); // the reader went away before anything was printed
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("ready in the background"), "{stderr}");
    let (code, stdout, stderr) = run(state.path(), &["ps", "tfserving"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("ready"), "the deployment is gone: {stdout}");
    // From stdin, the request file is the current directory's.
    let state_json = std::fs::read_to_string(state.path().join("tfserving/state.json")).unwrap();
    assert!(
        state_json.contains("seldon-local predict tfserving --file request.json"),
        "{state_json}"
    );
    drop(guard);
}

#[test]
fn a_deployment_that_is_not_running_gets_a_one_line_error_with_a_hint() {
    let state = tempfile::tempdir().unwrap();
    let (code, _, stderr) = run(state.path(), &["predict", "nosuch", "--ndarray", "[[1]]"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.starts_with("error: no deployment `nosuch` is running\n"),
        "{stderr}"
    );
    assert!(
        stderr.contains("hint: start it with `seldon-local up FILE`"),
        "{stderr}"
    );
}

#[test]
fn with_several_deployments_commands_ask_for_a_name_and_logs_name_the_deployment() {
    let state = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    let model = root().join("examples/tfserving-mnist/models/tf1");
    let sdep = std::fs::read_to_string(root().join("examples/tfserving-mnist/sdep.yaml"))
        .unwrap()
        .replace(
            "modelUri: models/tf1",
            &format!("modelUri: {}", model.display()),
        );
    let mut guards = Vec::new();
    for name in ["first", "second"] {
        let file = files.path().join(format!("{name}.yaml"));
        std::fs::write(
            &file,
            sdep.replace("name: tfserving", &format!("name: {name}")),
        )
        .unwrap();
        guards.push(DownOnDrop(state.path(), name));
        let (code, _, stderr) = run(
            state.path(),
            &["up", "--runtime", "embedded", "-d", file.to_str().unwrap()],
        );
        assert_eq!(code, 0, "{stderr}");
    }
    let (code, _, stderr) = run(state.path(), &["predict", "--ndarray", "[[1]]"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains(
            "several deployments are running: `first` (embedded), `second` (embedded); name one"
        ),
        "{stderr}"
    );
    let (code, stdout, stderr) = run(state.path(), &["logs", "-c", "seldon-container-engine"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("first/seldon-container-engine  | "),
        "{stdout}"
    );
    assert!(
        stdout.contains("second/seldon-container-engine | "),
        "{stdout}"
    );
    let (code, stdout, stderr) = run(state.path(), &["predict", "second", "--ndarray", "[[1]]"]);
    assert_eq!(
        code, 1,
        "a 784-feature model refuses one feature: {stdout} {stderr}"
    );
    drop(guards);
}

#[test]
fn a_model_uri_naming_a_file_with_no_model_is_not_reported_ready() {
    let state = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    let model = files.path().join("hostname");
    std::fs::write(&model, "box\n").unwrap();
    let sdep = files.path().join("nomodel.yaml");
    std::fs::write(
        &sdep,
        format!(
            "apiVersion: machinelearning.seldon.io/v1\nkind: SeldonDeployment\n\
             metadata:\n  name: nomodel\nspec:\n  predictors:\n  - name: default\n    graph:\n\
             \x20     name: m\n      implementation: TENSORFLOW_SERVER\n      modelUri: file://{}\n",
            model.display()
        ),
    )
    .unwrap();
    let _guard = DownOnDrop(state.path(), "nomodel");
    let (code, _, stderr) = run(
        state.path(),
        &["up", "--runtime", "embedded", "-d", sdep.to_str().unwrap()],
    );
    assert_ne!(code, 0, "{stderr}");
    assert!(
        stderr.contains("model `m` has no version to serve"),
        "{stderr}"
    );
    let (_, stdout, _) = run(state.path(), &["ps"]);
    assert!(!stdout.contains("nomodel"), "{stdout}");
}
