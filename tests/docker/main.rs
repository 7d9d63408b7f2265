//! Real-daemon tests: `up`, `ps`, `logs` and `down` against the machine's Docker engine.
//!
//! Behind the `docker-tests` feature. With the feature on and no daemon answering, every test
//! FAILS ("docker-tests enabled but no daemon at …"); nothing is skipped silently. Every image
//! is built locally from the binary under test (`seldon-local image build`); nothing is pulled.
//! Each test runs its own deployment name and session label, and a guard removes everything
//! with that label when the test ends, however it ends; each test also asserts that nothing
//! labelled is left.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::disallowed_methods,
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::unused_self // helpers hang off the session for readability
)]

mod support;

use std::io::{BufRead as _, BufReader};
use std::time::{Duration, Instant};

use support::{Session, assert_nothing_left, builtin_image, seldon_local};

/// A pod whose "custom" container is our own image running `component pause`.
fn pause_sdep(name: &str, readiness: &str, init: &str) -> String {
    format!(
        r#"apiVersion: machinelearning.seldon.io/v1
kind: SeldonDeployment
metadata:
  name: {name}
spec:
  predictors:
  - name: default
    annotations:
      seldon.io/no-engine: "true"
    graph:
      name: classifier
      type: MODEL
    componentSpecs:
    - spec:
        volumes:
        - name: scratch
          emptyDir: {{}}
{init}        containers:
        - name: classifier
          image: {image}
          command: ["/seldon-local", "component", "pause"]
          volumeMounts:
          - name: scratch
            mountPath: /scratch
          readinessProbe:
{readiness}"#,
        image = builtin_image(),
    )
}

const EXEC_PROBE: &str = "            exec:\n              command: [\"true\"]\n";
const TCP_PROBE: &str =
    "            tcpSocket:\n              port: 9000\n            periodSeconds: 1\n";

fn init_container(command: &str) -> String {
    format!(
        "        initContainers:\n        - name: prepare\n          image: {}\n          command: {command}\n          volumeMounts:\n          - name: scratch\n            mountPath: /scratch\n",
        builtin_image()
    )
}

#[test]
fn up_runs_a_custom_pod_ps_and_logs_see_it_and_down_removes_everything() {
    let session = Session::new("pod");
    let file = session.write("sdep.yaml", &pause_sdep(&session.name, EXEC_PROBE, ""));
    let started = Instant::now();
    let output = session.up(&file, &["-o", "json"]).output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    println!("up to ready: {:.1}s", started.elapsed().as_secs_f64());
    let running: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(running["deployment"], session.name.as_str());
    let endpoints = running["endpoints"].as_array().unwrap();
    assert!(
        endpoints.iter().any(|e| e["name"] == "classifier"
            && e["address"]
                .as_str()
                .unwrap()
                .starts_with("http://127.0.0.1:")),
        "{running}"
    );

    // The pod: a sandbox owning ports and aliases, the container joined to it, all labelled.
    let sandbox = session.inspect(&format!("{}-default-0-classifier_sandbox", session.name));
    let labels = &sandbox["Config"]["Labels"];
    assert_eq!(labels["app.kubernetes.io/managed-by"], "seldon-local");
    assert_eq!(labels["seldon-local/deployment"], session.name.as_str());
    assert_eq!(labels["seldon-local/session"], session.id.as_str());
    assert_eq!(
        labels["seldon-local/pod"],
        format!("{}-default-0-classifier", session.name)
    );
    assert_eq!(
        labels["seldon-deployment-id"],
        session.name.as_str(),
        "operator labels"
    );
    let aliases = sandbox["NetworkSettings"]["Networks"][format!("seldon-local_{}", session.name)]
        ["Aliases"]
        .to_string();
    assert!(
        aliases.contains(&format!("{}-default-classifier", session.name)),
        "{aliases}"
    );
    let bindings = sandbox["HostConfig"]["PortBindings"]["9000/tcp"][0]["HostIp"].clone();
    assert_eq!(bindings, "127.0.0.1");
    let container = session.inspect(&format!("{}-default-0-classifier_classifier", session.name));
    assert_eq!(
        container["HostConfig"]["NetworkMode"],
        format!("container:{}", sandbox["Id"].as_str().unwrap()),
        "the container joins the sandbox's network namespace"
    );
    assert_eq!(
        container["HostConfig"]["RestartPolicy"]["Name"],
        "unless-stopped"
    );
    let env = container["Config"]["Env"].to_string();
    assert!(
        env.contains("PREDICTIVE_UNIT_HTTP_SERVICE_PORT=9000"),
        "{env}"
    );

    let ps = seldon_local().args(["ps", &session.name]).output().unwrap();
    assert!(ps.status.success());
    let ps = String::from_utf8(ps.stdout).unwrap();
    assert!(
        ps.contains("classifier") && ps.contains("sandbox") && ps.contains("running"),
        "{ps}"
    );

    let logs = seldon_local()
        .args(["logs", &session.name])
        .output()
        .unwrap();
    assert!(
        logs.status.success(),
        "{}",
        String::from_utf8_lossy(&logs.stderr)
    );

    // `up` again replaces it.
    let again = session.up(&file, &["-o", "json"]).output().unwrap();
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert!(String::from_utf8_lossy(&again.stderr).contains("replacing"));

    for _ in 0..2 {
        let down = seldon_local()
            .args(["down", &session.name])
            .output()
            .unwrap();
        assert!(
            down.status.success(),
            "{}",
            String::from_utf8_lossy(&down.stderr)
        );
    }
    assert_nothing_left(&session);
}

#[test]
fn empty_dirs_are_writable_by_uid_8888_and_podinfo_is_written() {
    let session = Session::new("vol");
    let file = session.write("sdep.yaml", &pause_sdep(&session.name, EXEC_PROBE, ""));
    let output = session.up(&file, &[]).output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let pod = format!("{}-default-0-classifier", session.name);
    let scratch = session.archive(&format!("{pod}_classifier"), "/scratch");
    assert_eq!(scratch[0], ("scratch/".to_owned(), 0o777, Vec::new()));
    let podinfo = session.archive(&format!("{pod}_classifier"), "/etc/podinfo/annotations");
    let text = String::from_utf8(podinfo[0].2.clone()).unwrap();
    assert!(text.contains("prometheus.io/scrape=\"true\""), "{text}");
    seldon_local()
        .args(["down", &session.name])
        .assert()
        .success();
    assert_nothing_left(&session);
}

#[test]
fn a_failing_init_container_stops_up_with_its_name_code_and_logs() {
    let session = Session::new("initfail");
    let init = init_container(r#"["/seldon-local", "component", "no-such-role"]"#);
    let file = session.write("sdep.yaml", &pause_sdep(&session.name, EXEC_PROBE, &init));
    let output = session.up(&file, &[]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("init container `prepare` exited with code 2; last log lines:"),
        "{stderr}"
    );
    assert!(stderr.contains("no-such-role"), "{stderr}");
    assert_nothing_left(&session);
}

#[test]
fn a_storage_initializer_failing_on_a_bad_model_uri_names_it() {
    let session = Session::new("baduri");
    let sdep = std::fs::read_to_string(support::root().join("examples/tfserving-mnist/sdep.yaml"))
        .unwrap()
        .replace("name: tfserving", &format!("name: {}", session.name))
        .replace(
            "gs://seldon-models/tfserving/mnist-model",
            "gs://seldon-local-no-such-bucket/model",
        );
    let file = session.write("sdep.yaml", &sdep);
    let output = session
        .up(&file, &["--images", "builtin", "--timeout", "60"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("init container `tfserving-model-initializer` exited with code"),
        "{stderr}"
    );
    assert_nothing_left(&session);
}

#[test]
fn a_readiness_timeout_names_the_container_and_leaves_nothing() {
    let session = Session::new("timeout");
    let file = session.write("sdep.yaml", &pause_sdep(&session.name, TCP_PROBE, ""));
    let output = session.up(&file, &["--timeout", "3"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(
            "timed out after 3s waiting for container `classifier` to be ready (TCP :9000)"
        ),
        "{stderr}"
    );
    assert_nothing_left(&session);
}

#[test]
fn a_container_that_keeps_exiting_fails_up_with_its_logs() {
    let session = Session::new("crash");
    let sdep = pause_sdep(&session.name, TCP_PROBE, "").replace(
        r#"command: ["/seldon-local", "component", "pause"]"#,
        r#"command: ["/seldon-local", "component", "no-such-role"]"#,
    );
    let file = session.write("sdep.yaml", &sdep);
    let started = Instant::now();
    let output = session.up(&file, &["--timeout", "120"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("container `classifier` keeps exiting (exit code 2"),
        "{stderr}"
    );
    assert!(stderr.contains("no-such-role"), "{stderr}");
    assert!(
        started.elapsed() < Duration::from_mins(1),
        "did not wait for the deadline"
    );
    assert_nothing_left(&session);
}

/// Starts `up`, waits for a stderr line containing `marker`, sends `signal`, returns the exit.
fn interrupt_when(
    session: &Session,
    sdep: &str,
    marker: &str,
    signal: &str,
) -> (Option<i32>, String) {
    let file = session.write("sdep.yaml", sdep);
    let mut child = session
        .up(&file, &["--timeout", "120"])
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut seen = String::new();
    let mut reader = BufReader::new(stderr);
    let mut line = String::new();
    let deadline = Instant::now() + Duration::from_mins(1);
    while Instant::now() < deadline {
        line.clear();
        if reader.read_line(&mut line).unwrap() == 0 {
            break;
        }
        seen.push_str(&line);
        if line.contains(marker) {
            let status = std::process::Command::new("kill")
                .args([signal, &child.id().to_string()])
                .status()
                .unwrap();
            assert!(status.success());
            break;
        }
    }
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut reader, &mut rest).unwrap();
    seen.push_str(&rest);
    let status = child.wait().unwrap();
    (status.code(), seen)
}

#[test]
fn sigint_during_an_init_container_removes_everything_and_exits_130() {
    let session = Session::new("sigint-init");
    let init = init_container(r#"["/seldon-local", "component", "pause"]"#);
    let sdep = pause_sdep(&session.name, EXEC_PROBE, &init);
    let (code, stderr) = interrupt_when(&session, &sdep, "init ", "-INT");
    assert_eq!(code, Some(130), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert_nothing_left(&session);
}

#[test]
fn sigint_during_readiness_removes_everything_and_exits_130() {
    let session = Session::new("sigint-ready");
    let sdep = pause_sdep(&session.name, TCP_PROBE, "");
    let (code, stderr) = interrupt_when(&session, &sdep, "waiting", "-INT");
    assert_eq!(code, Some(130), "{stderr}");
    assert_nothing_left(&session);
}

#[test]
fn sigterm_during_readiness_removes_everything_and_exits_143() {
    let session = Session::new("sigterm-ready");
    let sdep = pause_sdep(&session.name, TCP_PROBE, "");
    let (code, stderr) = interrupt_when(&session, &sdep, "waiting", "-TERM");
    assert_eq!(code, Some(143), "{stderr}");
    assert_nothing_left(&session);
}

#[test]
fn down_of_nothing_succeeds() {
    let session = Session::new("nothing");
    for _ in 0..2 {
        let output = seldon_local()
            .args(["down", &session.name])
            .output()
            .unwrap();
        assert!(output.status.success());
        assert!(String::from_utf8_lossy(&output.stderr).contains("nothing to remove"));
    }
    assert_nothing_left(&session);
}

/// The seed end to end: storage initializer, TF server, tfserving proxy and executor, all
/// played by seldon-local's image, predicting through the engine.
///
/// Needs the roles of issues 3 (executor, tfserving-proxy), 4 (tensorflow-model-server and the
/// MNIST SavedModel under `examples/tfserving-mnist/models`) and 5 (storage-initializer):
/// remove the `ignore` when they are merged.
#[test]
#[ignore = "needs the executor, proxy, TF server and storage-initializer roles (issues 3, 4, 5)"]
fn the_seed_runs_with_builtin_images_and_predicts_through_the_engine() {
    let session = Session::new("seed");
    let root = support::root();
    let model = root.join("examples/tfserving-mnist/models/tf1");
    let heldout: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("examples/tfserving-mnist/heldout.json"))
            .expect("examples/tfserving-mnist/heldout.json (issue 4)"),
    )
    .unwrap();
    assert!(model.is_dir(), "missing {} (issue 4)", model.display());
    let sdep = std::fs::read_to_string(root.join("examples/tfserving-mnist/sdep.yaml"))
        .unwrap()
        .replace("name: tfserving", &format!("name: {}", session.name))
        .replace(
            "gs://seldon-models/tfserving/mnist-model",
            &format!("file://{}", model.display()),
        );
    let file = session.write("sdep.yaml", &sdep);
    let started = Instant::now();
    let output = session
        .up(&file, &["--images", "builtin", "-o", "json"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    println!(
        "seed: up to ready in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    let running: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let engine = running["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "engine" && e["protocol"] == "rest")
        .expect("an engine REST endpoint")["address"]
        .as_str()
        .unwrap()
        .to_owned();

    // The operator's contract, inspected through Docker.
    let pod = format!("{}-default-0-mnist-model", session.name);
    let proxy = session.inspect(&format!("{pod}_mnist-model"))["Config"]["Env"].to_string();
    assert!(proxy.contains("PREDICTIVE_UNIT_PARAMETERS="), "{proxy}");
    let executor = session.inspect(&format!("{pod}_seldon-container-engine"))["Config"].clone();
    assert!(executor["Env"].to_string().contains("ENGINE_PREDICTOR="));
    assert_eq!(executor["Entrypoint"][2], "executor");
    let server = session.inspect(&format!("{pod}_tfserving"))["Config"]["Cmd"].to_string();
    assert!(server.contains("--model_base_path=/mnt/models"), "{server}");

    let input = &heldout["inputs"][0];
    let expected = heldout["models"]["tf1"]["scores"][0].as_array().unwrap();
    let body = serde_json::json!({"data": {"ndarray": [input]}}).to_string();
    let response = support::post(&format!("{engine}/api/v1.0/predictions"), &body);
    let scores = response["data"]["ndarray"][0]
        .as_array()
        .unwrap_or_else(|| panic!("{response}"));
    assert_eq!(scores.len(), expected.len());
    for (got, want) in scores.iter().zip(expected) {
        let (got, want) = (got.as_f64().unwrap(), want.as_f64().unwrap());
        assert!((got - want).abs() <= 1e-5, "{got} vs {want}: {response}");
    }

    let logs = seldon_local()
        .args(["logs", &session.name])
        .output()
        .unwrap();
    let logs = String::from_utf8_lossy(&logs.stdout);
    for container in [
        "tfserving-model-initializer",
        "mnist-model",
        "tfserving",
        "seldon-container-engine",
    ] {
        assert!(
            logs.lines()
                .any(|l| l.starts_with(&format!("{container} "))),
            "no lines from `{container}`:\n{logs}"
        );
    }
    seldon_local()
        .args(["down", &session.name])
        .assert()
        .success();
    assert_nothing_left(&session);
}
