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
#[allow(clippy::too_many_lines)] // one story: up, inspect, ps, logs, up again, down
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
    // `up -o json` is an array on both runtimes, one object per deployment.
    let running: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let running = running[0].clone();
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

    // The sandbox shows with `-a`; RESTARTS and AGE come from Docker, and the table fits.
    let ps = seldon_local()
        .args(["ps", "-a", &session.name])
        .output()
        .unwrap();
    assert!(ps.status.success());
    let ps = String::from_utf8(ps.stdout).unwrap();
    assert!(
        ps.contains("classifier") && ps.contains("sandbox") && ps.contains("running"),
        "{ps}"
    );
    assert!(ps.starts_with("DEPLOYMENT "), "{ps}");
    assert!(ps.lines().all(|l| l.chars().count() <= 100), "{ps}");
    let ps = seldon_local().args(["ps", &session.name]).output().unwrap();
    let ps = String::from_utf8(ps.stdout).unwrap();
    assert!(!ps.contains("sandbox"), "{ps}");
    let row = ps.lines().find(|l| l.contains("classifier")).unwrap();
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(&cells[2..5], ["docker", "running", "0"], "{ps}");
    assert!(cells[5].ends_with('s'), "an age in seconds: {ps}");

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
        stderr.contains("init container `prepare` exited with code 2"),
        "{stderr}"
    );
    // Its log is shown once, as it came, not repeated by the error.
    assert!(!stderr.contains("last log lines"), "{stderr}");
    let shown = stderr
        .lines()
        .filter(|l| l.starts_with("prepare | ") && l.contains("no-such-role"))
        .count();
    assert_eq!(shown, 1, "{stderr}");
    assert_nothing_left(&session);
}

#[test]
fn a_storage_initializer_failing_on_a_bad_model_uri_names_it() {
    let session = Session::new("baduri");
    let sdep = std::fs::read_to_string(support::root().join("examples/tfserving-mnist/sdep.yaml"))
        .unwrap()
        .replace("name: tfserving", &format!("name: {}", session.name))
        .replace(
            "modelUri: models/tf1",
            "modelUri: gs://seldon-local-no-such-bucket/model",
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

/// An `up` killed outright cleans up nothing itself: `down` removes what it left, by label, and
/// the lock it held died with it (the next `up` does not wait).
#[test]
fn down_removes_what_a_sigkilled_up_left_and_its_lock_is_gone() {
    let session = Session::new("sigkill-ready");
    let sdep = pause_sdep(&session.name, TCP_PROBE, "");
    let (code, stderr) = interrupt_when(&session, &sdep, "waiting", "-KILL");
    assert_eq!(code, None, "{stderr}");
    let (containers, networks, _) = session.labelled();
    assert!(
        !containers.is_empty() && !networks.is_empty(),
        "a killed `up` leaves its objects"
    );
    let down = seldon_local()
        .args(["down", &session.name])
        .output()
        .unwrap();
    assert!(down.status.success());
    assert_nothing_left(&session);
    let file = session.write("again.yaml", &pause_sdep(&session.name, EXEC_PROBE, ""));
    let again = session.up(&file, &[]).output().unwrap();
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(again.status.success(), "{stderr}");
    assert!(!stderr.contains("waiting for another `up`"), "{stderr}");
    seldon_local()
        .args(["down", &session.name])
        .assert()
        .success();
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
/// played by seldon-local's image from the operator's exact args and env, predicting through
/// the engine what TensorFlow computed. The example's `modelUri` is the shipped SavedModel,
/// relative to the example; the test's copy lives elsewhere, so it names it absolutely.
#[allow(clippy::too_many_lines)] // one end-to-end story, read top to bottom
fn the_seed_runs_with_builtin_images(seldon_version: &str) {
    let session = Session::new(&format!("seed{}", seldon_version.replace('.', "")));
    let heldout = heldout();
    let file = with_the_shipped_model(&session, "examples/tfserving-mnist/sdep.yaml", "models/tf1");
    let version = ["--seldon-version", seldon_version];
    let started = Instant::now();
    let output = session
        .up(
            &file,
            &[&version[..], &["--images", "builtin", "-o", "json"]].concat(),
        )
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let up_to_ready = started.elapsed();
    // `up -o json` is an array on both runtimes, one object per deployment.
    let running: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let running = running[0].clone();
    let endpoint = |name: &str| {
        running["endpoints"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == name && e["protocol"] == "rest")
            .unwrap_or_else(|| panic!("no `{name}` REST endpoint: {running}"))["address"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (engine, tf_server) = (endpoint("engine"), endpoint("tensorflow-server"));

    // Every container plays its role from the operator's args and env, exactly (inspected
    // through Docker): our image adds only `component <role>` and the listen address.
    let plan = seldon_local()
        .args(["render", "--show", "plan", "-o", "json"])
        .args(version)
        .arg(&file)
        .output()
        .unwrap();
    assert!(plan.status.success());
    let plan: serde_json::Value = serde_json::from_slice(&plan.stdout).unwrap();
    let pod = &plan["pods"][0];
    let pod_name = pod["name"].as_str().unwrap();
    let containers: Vec<&serde_json::Value> = pod["init_containers"]
        .as_array()
        .unwrap()
        .iter()
        .chain(pod["containers"].as_array().unwrap())
        .collect();
    let mut roles = Vec::new();
    for container in containers {
        let name = container["name"].as_str().unwrap();
        let config = session.inspect(&format!("{pod_name}_{name}"))["Config"].clone();
        let role = match container["role"]["kind"].as_str().unwrap() {
            "tensorflow-server" => "tensorflow-model-server",
            role => role,
        };
        roles.push(role.to_owned());
        assert_eq!(
            config["Entrypoint"],
            serde_json::json!(["/seldon-local", "component", role]),
            "{name}"
        );
        let strings = |v: &serde_json::Value| -> Vec<String> {
            v.as_array().map_or_else(Vec::new, |a| {
                a.iter().map(|s| s.as_str().unwrap().to_owned()).collect()
            })
        };
        let args: Vec<String> =
            [strings(&container["command"]), strings(&container["args"])].concat();
        assert_eq!(strings(&config["Cmd"]), args, "{name}: the operator's args");
        let mut env: Vec<String> = container["env"].as_array().map_or_else(Vec::new, |env| {
            env.iter()
                .map(|e| {
                    format!(
                        "{}={}",
                        e["name"].as_str().unwrap(),
                        e["value"]["literal"].as_str().unwrap()
                    )
                })
                .collect()
        });
        env.push("SELDON_LOCAL_BIND=0.0.0.0".to_owned());
        let actual: Vec<String> = strings(&config["Env"])
            .into_iter()
            .filter(|e| !e.starts_with("PATH="))
            .collect();
        assert_eq!(actual, env, "{name}: the operator's env");
    }
    roles.sort();
    assert_eq!(
        roles,
        [
            "executor",
            "storage-initializer",
            "tensorflow-model-server",
            "tfserving-proxy"
        ]
    );
    let proxy = session.inspect(&format!("{pod_name}_mnist-model"))["Config"]["Env"].to_string();
    assert!(proxy.contains("PREDICTIVE_UNIT_PARAMETERS="), "{proxy}");
    let executor = session.inspect(&format!("{pod_name}_seldon-container-engine"))["Config"]["Env"]
        .to_string();
    assert!(executor.contains("ENGINE_PREDICTOR="), "{executor}");

    // Nothing in the operator's pod makes readiness wait for the model (the proxy's probe is a
    // TCP connect), so wait for TF Serving's own status as a client would.
    let deadline = Instant::now() + Duration::from_mins(1);
    let status = format!("{tf_server}/v1/models/mnist-model");
    while !support::get(&status)
        .is_some_and(|(code, body)| code == 200 && body.contains("AVAILABLE"))
    {
        assert!(Instant::now() < deadline, "model never became available");
        std::thread::sleep(Duration::from_millis(100)); // poll interval
    }

    // One digit with `predict --ndarray`, then every held-out digit in one request.
    let inputs = heldout["inputs"].as_array().unwrap();
    let expected = heldout["models"]["tf1"]["scores"].as_array().unwrap();
    let predict = seldon_local()
        .args(["predict", "--endpoint", &engine, "--ndarray"])
        .arg(serde_json::json!([inputs[0]]).to_string())
        .output()
        .unwrap();
    assert!(
        predict.status.success(),
        "{}",
        String::from_utf8_lossy(&predict.stderr)
    );
    let one: serde_json::Value = serde_json::from_slice(&predict.stdout).unwrap();
    let body = serde_json::json!({"data": {"ndarray": inputs}}).to_string();
    let all = support::post(&format!("{engine}/api/v1.0/predictions"), &body);
    let mut max_diff = 0.0_f64;
    for (response, rows) in [(&one, &expected[..1]), (&all, &expected[..])] {
        let scores = response["data"]["ndarray"]
            .as_array()
            .unwrap_or_else(|| panic!("{response}"));
        assert_eq!(scores.len(), rows.len());
        for (got, want) in scores.iter().zip(rows) {
            let (got, want) = (got.as_array().unwrap(), want.as_array().unwrap());
            assert_eq!(got.len(), want.len());
            for (g, w) in got.iter().zip(want) {
                max_diff = max_diff.max((g.as_f64().unwrap() - w.as_f64().unwrap()).abs());
            }
        }
    }
    println!(
        "seed {seldon_version}: up to ready in {:.1}s; {} held-out digits, max |score - TensorFlow's| = {max_diff:.2e}",
        up_to_ready.as_secs_f64(),
        inputs.len()
    );
    assert!(max_diff <= 1e-5, "max abs diff {max_diff}");

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

#[test]
fn the_seed_runs_with_builtin_images_and_predicts_through_the_engine() {
    the_seed_runs_with_builtin_images("1.18.2");
}

#[test]
fn the_seed_runs_with_builtin_images_as_seldon_1_2_1_made_it() {
    the_seed_runs_with_builtin_images("1.2.1");
}

/// The held-out digits and TensorFlow's scores for them.
fn heldout() -> serde_json::Value {
    let path = support::root().join("examples/tfserving-mnist/heldout.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Writes `source` (an sdep named `tfserving`) into the session, renamed after it, with
/// `model_uri` pointing at the shipped MNIST SavedModel by its absolute path (the copy lives
/// elsewhere than the original, so a relative path would not find it).
fn with_the_shipped_model(session: &Session, source: &str, model_uri: &str) -> std::path::PathBuf {
    let root = support::root();
    let model = root
        .join("examples/tfserving-mnist/models/tf1")
        .canonicalize()
        .expect("the shipped MNIST SavedModel");
    let sdep = std::fs::read_to_string(root.join(source))
        .unwrap()
        .replace("name: tfserving", &format!("name: {}", session.name))
        .replace(
            &format!("modelUri: {model_uri}"),
            &format!("modelUri: file://{}", model.display()),
        );
    session.write("sdep.yaml", &sdep)
}

/// `predict NAME` reads the protocol and the graph's root from the labels: a deployment that
/// speaks the tensorflow protocol is called on `/v1/models/<root>:predict` with no
/// `--protocol` or `--model`.
#[test]
fn a_tensorflow_protocol_deployment_is_predicted_by_name_in_its_protocol() {
    let session = Session::new("tfproto");
    let file = with_the_shipped_model(
        &session,
        "tests/fixtures/sdep/tensorflow-protocol.yaml",
        "gs://seldon-models/tfserving/mnist-model",
    );
    let output = session
        .up(&file, &["--images", "builtin"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let heldout = heldout();
    let body = serde_json::json!({
        "signature_name": "predict_images",
        "instances": [heldout["inputs"][0]],
    })
    .to_string();
    // Readiness does not wait for the model to load (no probe does): retry until it answers.
    let deadline = Instant::now() + Duration::from_mins(1);
    let answer = loop {
        let predict = seldon_local()
            .args(["predict", &session.name, "--json", &body])
            .output()
            .unwrap();
        if predict.status.success() {
            break serde_json::from_slice::<serde_json::Value>(&predict.stdout).unwrap();
        }
        assert!(
            Instant::now() < deadline,
            "{}{}",
            String::from_utf8_lossy(&predict.stdout),
            String::from_utf8_lossy(&predict.stderr)
        );
        std::thread::sleep(Duration::from_millis(100)); // poll interval
    };
    let scores = answer["predictions"][0]
        .as_array()
        .unwrap_or_else(|| panic!("not a TF Serving answer: {answer}"));
    let expected = heldout["models"]["tf1"]["scores"][0].as_array().unwrap();
    for (got, want) in scores.iter().zip(expected) {
        assert!((got.as_f64().unwrap() - want.as_f64().unwrap()).abs() <= 1e-5);
    }
    seldon_local()
        .args(["down", &session.name])
        .assert()
        .success();
    assert_nothing_left(&session);
}

/// A CA and a certificate for `host` signed by it: (CA PEM, leaf chain PEM, leaf key PEM).
fn private_ca_for(host: &str) -> (String, String, String) {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::from_params(&ca_params, &ca_key);
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec![host.to_owned()])
        .unwrap()
        .signed_by(&leaf_key, &issuer)
        .unwrap();
    (
        ca.pem(),
        format!("{}{}", leaf.pem(), ca.pem()),
        leaf_key.serialize_pem(),
    )
}

/// `up` of the seed with its `modelUri` served by a file server on the deployment's network
/// (our image's `component serve-files`, started once `up` has made the network), over http
/// or https with a private CA given the way a user gives one: `SSL_CERT_FILE`. The init
/// container fetches and unpacks the archive and the engine answers with TensorFlow's scores.
fn the_seed_fetches_its_model_from_a_server_on_its_network(scheme: &str) {
    let session = Session::new(&format!("remote{scheme}"));
    let srv = session.dir().join("srv");
    std::fs::create_dir(&srv).unwrap();
    let tar = std::process::Command::new("tar")
        .arg("czf")
        .arg(srv.join("mnist.tar.gz"))
        .arg("-C")
        .arg(support::root().join("examples/tfserving-mnist/models/tf1"))
        .arg("1")
        .status()
        .unwrap();
    assert!(tar.success());
    let sdep = std::fs::read_to_string(support::root().join("examples/tfserving-mnist/sdep.yaml"))
        .unwrap()
        .replace("name: tfserving", &format!("name: {}", session.name))
        .replace(
            "modelUri: models/tf1",
            &format!("modelUri: {scheme}://models:8080/mnist.tar.gz"),
        );
    let file = session.write("sdep.yaml", &sdep);
    let mut up = session.up(&file, &["--images", "builtin", "-o", "json"]);
    let tls = if scheme == "https" {
        let (ca, chain, key) = private_ca_for("models");
        std::fs::write(srv.join("chain.pem"), chain).unwrap();
        std::fs::write(srv.join("key.pem"), key).unwrap();
        let ca_file = session.write("ca.pem", &ca);
        up.env("SSL_CERT_FILE", ca_file);
        Some(("chain.pem", "key.pem"))
    } else {
        None
    };
    let child = up
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    support::serve_files_on_the_network(&session, "models", &srv, tls);
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        !stderr.contains("progress: "),
        "progress lines are drawn as a bar, not printed: {stderr}"
    );
    // `up -o json` is an array of deployments on both runtimes.
    let running: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let engine = running[0]["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "engine" && e["protocol"] == "rest")
        .unwrap()["address"]
        .as_str()
        .unwrap()
        .to_owned();
    let heldout = heldout();
    let input = &heldout["inputs"][0];
    let want = heldout["models"]["tf1"]["scores"][0].as_array().unwrap();
    let body = serde_json::json!({"data": {"ndarray": [input]}}).to_string();
    // The model loads after readiness (no probe waits for it): retry until it answers.
    let deadline = Instant::now() + Duration::from_mins(1);
    let answer = loop {
        let predict = seldon_local()
            .args(["predict", "--endpoint", &engine, "--json", &body])
            .output()
            .unwrap();
        if predict.status.success() {
            break serde_json::from_slice::<serde_json::Value>(&predict.stdout).unwrap();
        }
        assert!(
            Instant::now() < deadline,
            "{}",
            String::from_utf8_lossy(&predict.stderr)
        );
        std::thread::sleep(Duration::from_millis(100)); // poll interval
    };
    let got = answer["data"]["ndarray"][0]
        .as_array()
        .unwrap_or_else(|| panic!("{answer}"));
    for (g, w) in got.iter().zip(want) {
        assert!(
            (g.as_f64().unwrap() - w.as_f64().unwrap()).abs() <= 1e-5,
            "{answer}"
        );
    }
    seldon_local()
        .args(["down", &session.name])
        .assert()
        .success();
    assert_nothing_left(&session);
}

#[test]
fn the_seed_fetches_its_model_over_http_from_a_server_on_its_network() {
    the_seed_fetches_its_model_from_a_server_on_its_network("http");
}

#[test]
fn the_seed_fetches_its_model_over_https_with_a_private_ca_from_ssl_cert_file() {
    the_seed_fetches_its_model_from_a_server_on_its_network("https");
}

/// The seed as the article has it (`gs://seldon-models/…`), on a machine that cannot reach
/// Google: `up` fails within 5 s (measured), the cause is one line naming DNS, the hint
/// suggests a local `modelUri`, and nothing about credentials is said.
#[test]
fn the_seeds_gs_uri_offline_fails_fast_with_one_line_and_the_local_path_hint() {
    let session = Session::new("gsoffline");
    let sdep = std::fs::read_to_string(support::root().join("examples/tfserving-mnist/sdep.yaml"))
        .unwrap()
        .replace("name: tfserving", &format!("name: {}", session.name))
        .replace(
            "modelUri: models/tf1",
            "modelUri: gs://seldon-models/tfserving/mnist-model",
        );
    let file = session.write("sdep.yaml", &sdep);
    let started = Instant::now();
    let output = session
        .up(&file, &["--images", "builtin"])
        .output()
        .unwrap();
    let took = started.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(took < Duration::from_secs(5), "took {took:?}: {stderr}");
    let causes: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("error: cannot fetch `gs://seldon-models/tfserving/mnist-model`"))
        .collect();
    assert_eq!(causes.len(), 1, "the cause once: {stderr}");
    assert!(causes[0].len() <= 160, "one short line: {}", causes[0]);
    assert!(
        causes[0].ends_with("DNS lookup of `storage.googleapis.com` failed"),
        "{stderr}"
    );
    assert!(stderr.contains("modelUri: file://"), "{stderr}");
    assert!(!stderr.to_lowercase().contains("credential"), "{stderr}");
    assert_nothing_left(&session);
}

/// A name is one deployment: `up` on one runtime replaces the other runtime's deployment of
/// that name, saying so, and `ps` shows only the one that runs. `up`'s reader going away
/// (`up | head -2`) neither crashes it nor loses the deployment.
#[test]
fn up_replaces_the_other_runtimes_deployment_of_that_name() {
    let session = Session::new("onename");
    let file = with_the_shipped_model(&session, "examples/tfserving-mnist/sdep.yaml", "models/tf1");
    let state = tempfile::tempdir().unwrap();
    let up = |extra: &[&str]| {
        let mut command = session.up(&file, extra);
        command.env("SELDON_LOCAL_STATE_DIR", state.path());
        command
    };
    let runtimes = || -> Vec<String> {
        let output = seldon_local()
            .env("SELDON_LOCAL_STATE_DIR", state.path())
            .args(["ps", "-o", "json", &session.name])
            .output()
            .unwrap();
        let rows: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        let mut runtimes: Vec<String> = rows
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["runtime"].as_str().unwrap().to_owned())
            .collect();
        runtimes.dedup();
        runtimes
    };

    // `up | head -c 0`: stdout is closed before anything is printed.
    let mut child = up(&["--images", "builtin"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(runtimes(), ["docker"]);

    let output = up(&["--runtime", "embedded", "-d"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!("replacing `{}` (docker)", session.name)),
        "{stderr}"
    );
    assert_eq!(runtimes(), ["embedded"]);

    let output = up(&["--runtime", "docker", "--images", "builtin"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!("replacing `{}` (embedded)", session.name)),
        "{stderr}"
    );
    assert_eq!(runtimes(), ["docker"]);

    let down = seldon_local()
        .env("SELDON_LOCAL_STATE_DIR", state.path())
        .args(["down", &session.name])
        .output()
        .unwrap();
    assert!(down.status.success());
    assert_nothing_left(&session);
}

/// Two `up`s of one name at once, on Docker then on the embedded runtime: the second waits for
/// the first (saying so) and replaces it, leaving exactly one deployment that answers; `down`
/// then leaves nothing labelled.
#[test]
fn two_concurrent_ups_of_one_name_leave_one_working_deployment() {
    let session = Session::new("concurrent");
    let file = with_the_shipped_model(&session, "examples/tfserving-mnist/sdep.yaml", "models/tf1");
    let state = tempfile::tempdir().unwrap();
    for runtime in [
        &["--runtime", "docker", "--images", "builtin"][..],
        &["--runtime", "embedded", "-d"],
    ] {
        let children: Vec<std::process::Child> = ["a", "b"]
            .iter()
            .map(|suffix| {
                session
                    .up(&file, runtime)
                    .env("SELDON_LOCAL_STATE_DIR", state.path())
                    .env("SELDON_LOCAL_SESSION", format!("{}-{suffix}", session.id))
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        let outputs: Vec<std::process::Output> = children
            .into_iter()
            .map(|c| c.wait_with_output().unwrap())
            .collect();
        let stderrs: Vec<String> = outputs
            .iter()
            .map(|o| String::from_utf8_lossy(&o.stderr).into_owned())
            .collect();
        for (output, stderr) in outputs.iter().zip(&stderrs) {
            assert!(output.status.success(), "{runtime:?}: {stderr}");
        }
        assert!(
            stderrs
                .iter()
                .any(|e| e.contains(&format!("waiting for another `up` of `{}`", session.name))),
            "{runtime:?}: one waited for the other: {stderrs:?}"
        );
        let (sessions, networks) = support::deployment_objects(&session);
        if runtime[1] == "docker" {
            assert_eq!(networks, 1, "one network");
            let mut distinct = sessions.clone();
            distinct.sort();
            distinct.dedup();
            assert_eq!(distinct.len(), 1, "one session's containers: {sessions:?}");
        } else {
            assert!(
                sessions.is_empty() && networks == 0,
                "the Docker one was replaced"
            );
            let ps = seldon_local()
                .env("SELDON_LOCAL_STATE_DIR", state.path())
                .args(["ps", "-o", "json", &session.name])
                .output()
                .unwrap();
            let rows: serde_json::Value = serde_json::from_slice(&ps.stdout).unwrap();
            assert!(
                rows.as_array()
                    .unwrap()
                    .iter()
                    .all(|r| r["runtime"] == "embedded" && r["state"] != "exited"),
                "{rows}"
            );
        }
        let predict = seldon_local()
            .env("SELDON_LOCAL_STATE_DIR", state.path())
            .args([
                "predict",
                &session.name,
                "--file",
                "examples/tfserving-mnist/request.json",
            ])
            .output()
            .unwrap();
        assert!(
            predict.status.success(),
            "{runtime:?}: {}",
            String::from_utf8_lossy(&predict.stderr)
        );
    }
    let down = seldon_local()
        .env("SELDON_LOCAL_STATE_DIR", state.path())
        .args(["down", &session.name])
        .output()
        .unwrap();
    assert!(down.status.success());
    assert_nothing_left(&session);
}

/// Pods heal as on Kubernetes: after `docker kill` of each container of the deployment in turn,
/// then of each pod's sandbox, the deployment answers again within 5 s, at the same address.
#[test]
fn after_docker_kill_of_a_container_or_a_sandbox_the_deployment_serves_again_within_5s() {
    let session = Session::new("heal");
    let file = with_the_shipped_model(&session, "examples/tfserving-mnist/sdep.yaml", "models/tf1");
    let output = session
        .up(&file, &["--images", "builtin"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let predicts = || {
        seldon_local()
            .args([
                "predict",
                &session.name,
                "--file",
                "examples/tfserving-mnist/request.json",
            ])
            .output()
            .unwrap()
            .status
            .success()
    };
    assert!(predicts());
    let mut victims = session.containers("container");
    victims.extend(session.containers("sandbox"));
    assert!(victims.len() >= 3, "{victims:?}");
    for victim in victims {
        session.kill(&victim);
        let killed = Instant::now();
        // It is down (not restarted by Docker's policy)...
        assert_ne!(
            session.inspect(&victim)["State"]["Running"],
            true,
            "{victim}"
        );
        // ...and the supervisor brings the pod back.
        while !predicts() {
            assert!(
                killed.elapsed() < Duration::from_secs(5),
                "not serving 5 s after `docker kill {victim}`"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        println!(
            "`docker kill {victim}`: serving again after {:.2}s",
            killed.elapsed().as_secs_f64()
        );
        assert_eq!(
            session.inspect(&victim)["State"]["Running"],
            true,
            "{victim}"
        );
    }
    seldon_local()
        .args(["down", &session.name])
        .assert()
        .success();
    assert_nothing_left(&session);
}

/// `logs -f` keeps following a container that restarts: the lines of its next run arrive.
#[test]
fn logs_follow_a_container_through_a_restart() {
    let session = Session::new("follow");
    let file = with_the_shipped_model(&session, "examples/tfserving-mnist/sdep.yaml", "models/tf1");
    let output = session
        .up(&file, &["--images", "builtin"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut follower = std::process::Command::new(env!("CARGO_BIN_EXE_seldon-local"))
        .args(["logs", &session.name, "-c", "tfserving", "-f"])
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = follower.stdout.take().unwrap();
    let (lines, received) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        use std::io::BufRead as _;
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let serving = |received: &std::sync::mpsc::Receiver<String>| {
        let deadline = Instant::now() + Duration::from_mins(1);
        while let Ok(line) =
            received.recv_timeout(deadline.saturating_duration_since(Instant::now()))
        {
            if line.contains("Serving TensorFlow Serving REST API") {
                return true;
            }
        }
        false
    };
    assert!(serving(&received), "the first run's lines");
    session.restart(&format!("{}-default-0-mnist-model_tfserving", session.name));
    assert!(serving(&received), "no lines from the restarted container");
    assert!(follower.try_wait().unwrap().is_none(), "`logs -f` ended");
    let _ = follower.kill();
    let _ = follower.wait();
    let down = seldon_local()
        .args(["down", &session.name])
        .output()
        .unwrap();
    assert!(down.status.success());
    assert_nothing_left(&session);
}

/// The model server in our image serves TF Serving's gRPC API on the port `up` publishes:
/// GetModelStatus reports the version AVAILABLE and Predict gives TensorFlow's scores.
#[test]
#[allow(clippy::too_many_lines)] // one story: up, wait for the model, predict, down
fn the_model_server_answers_tf_serving_grpc_on_docker() {
    use seldon_local::grpc::tfserving::model_service_client::ModelServiceClient;
    use seldon_local::grpc::tfserving::prediction_service_client::PredictionServiceClient;
    use seldon_local::protocol::grpc::tensorflow::serving::{
        GetModelStatusRequest, ModelSpec, PredictRequest,
    };
    use seldon_local::protocol::grpc::tensorflow::{
        TensorProto, TensorShapeProto, tensor_shape_proto,
    };

    let session = Session::new("tfgrpc");
    let file = with_the_shipped_model(&session, "examples/tfserving-mnist/sdep.yaml", "models/tf1");
    let output = session
        .up(&file, &["--images", "builtin", "-o", "json"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let running: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let address = running[0]["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["container"] == "tfserving" && e["protocol"] == "grpc")
        .unwrap_or_else(|| panic!("no gRPC endpoint of the model server: {running}"))["address"]
        .as_str()
        .unwrap()
        .to_owned();
    let heldout = heldout();
    let pixels: Vec<f32> = heldout["inputs"][0]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap() as f32)
        .collect();
    let spec = |signature: &str| ModelSpec {
        name: "mnist-model".to_owned(),
        version_choice: None,
        signature_name: signature.to_owned(),
    };
    let scores = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let endpoint = format!("http://{address}");
            // Readiness does not wait for the model to load: poll its status until AVAILABLE.
            let deadline = Instant::now() + Duration::from_mins(1);
            let channel = loop {
                let attempt = async {
                    let channel = tonic::transport::Channel::from_shared(endpoint.clone())
                        .unwrap()
                        .connect()
                        .await
                        .ok()?;
                    let status = ModelServiceClient::new(channel.clone())
                        .get_model_status(GetModelStatusRequest {
                            model_spec: Some(spec("")),
                        })
                        .await
                        .ok()?
                        .into_inner();
                    (status.model_version_status.first()?.state == 30).then_some(channel)
                };
                if let Some(channel) = attempt.await {
                    break channel;
                }
                assert!(
                    Instant::now() < deadline,
                    "the model never became AVAILABLE"
                );
                tokio::time::sleep(Duration::from_millis(100)).await; // poll interval
            };
            let dim = |size: i64| tensor_shape_proto::Dim {
                size,
                name: String::new(),
            };
            let input = TensorProto {
                dtype: 1,
                tensor_shape: Some(TensorShapeProto {
                    dim: vec![dim(1), dim(784)],
                    unknown_rank: false,
                }),
                float_val: pixels,
                ..TensorProto::default()
            };
            let reply = PredictionServiceClient::new(channel)
                .predict(PredictRequest {
                    model_spec: Some(spec("predict_images")),
                    inputs: [("images".to_owned(), input)].into_iter().collect(),
                    output_filter: vec![],
                })
                .await
                .unwrap()
                .into_inner();
            reply.outputs["scores"].float_val.clone()
        });
    let expected = heldout["models"]["tf1"]["scores"][0].as_array().unwrap();
    assert_eq!(scores.len(), expected.len());
    for (got, want) in scores.iter().zip(expected) {
        assert!((f64::from(*got) - want.as_f64().unwrap()).abs() <= 1e-5);
    }
    seldon_local()
        .args(["down", &session.name])
        .assert()
        .success();
    assert_nothing_left(&session);
}

/// A node with `logger: {mode: all}` and no `url`: `up` starts the request-log sink as the
/// default broker on the deployment's network, every prediction's request and response reach
/// it, `logs --requests` shows them; stopping the sink fails no prediction and the executor
/// counts the drops. The proxy's metrics port, as `ps` lists it, answers.
#[test]
#[allow(
    clippy::too_many_lines,
    reason = "one user session: up, predict, logs, stop the sink, down"
)]
fn the_request_log_reaches_the_sink_and_the_unit_metrics_port_answers() {
    let session = Session::new("reqlog");
    let file = with_the_shipped_model(&session, "examples/tfserving-mnist/sdep.yaml", "models/tf1");
    let sdep = std::fs::read_to_string(&file).unwrap().replace(
        "      name: mnist-model\n",
        "      name: mnist-model\n      logger:\n        mode: all\n",
    );
    let file = session.write("sdep.yaml", &sdep);
    let output = session
        .up(&file, &["--images", "builtin"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let ps = seldon_local()
        .args(["ps", &session.name, "-o", "json"])
        .output()
        .unwrap();
    let rows: serde_json::Value = serde_json::from_slice(&ps.stdout).unwrap();
    let port = |container: &str, port: u64| {
        rows.as_array()
            .unwrap()
            .iter()
            .find(|r| r["container"] == container)
            .and_then(|r| {
                r["ports"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|p| p["container_port"] == port)
            })
            .unwrap_or_else(|| panic!("no port {port} of `{container}`: {rows}"))["host_port"]
            .as_u64()
            .unwrap()
    };
    let (metrics, engine) = (
        port("mnist-model", 6000),
        port("seldon-container-engine", 8000),
    );
    let (status, _) = support::get(&format!("http://127.0.0.1:{metrics}/prometheus")).unwrap();
    assert_eq!(status, 200);
    let pixels = serde_json::to_string(&vec![vec![0.5; 784]]).unwrap();
    let predict = || {
        let deadline = Instant::now() + Duration::from_mins(1);
        loop {
            let output = seldon_local()
                .args(["predict", &session.name, "--ndarray", &pixels])
                .output()
                .unwrap();
            if output.status.success() {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{}",
                String::from_utf8_lossy(&output.stderr)
            );
            std::thread::sleep(Duration::from_millis(100)); // poll interval
        }
    };
    let n = 4;
    for _ in 0..n {
        predict();
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    let lines = loop {
        let output = seldon_local()
            .args(["logs", &session.name, "--requests", "-o", "json"])
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let text = String::from_utf8(output.stdout).unwrap();
        if text.lines().count() >= 2 * n || Instant::now() > deadline {
            break text;
        }
        std::thread::sleep(Duration::from_millis(100)); // poll interval
    };
    let kinds: Vec<String> = lines
        .lines()
        .map(|l| {
            let event: serde_json::Value = serde_json::from_str(l).unwrap();
            event["headers"]["ce-type"].as_str().unwrap().to_owned()
        })
        .collect();
    let count = |kind: &str| kinds.iter().filter(|k| k.ends_with(kind)).count();
    assert_eq!((count(".request"), count(".response")), (n, n), "{lines}");

    // The sink is gone: predictions still succeed, the executor counts what it could not send.
    // (Removed, not stopped: like the kubelet, the supervisor starts a stopped container again.)
    let stop = std::process::Command::new("docker")
        .args([
            "rm",
            "-f",
            &format!("{}-request-logger_request-logger", session.name),
        ])
        .output()
        .unwrap();
    assert!(
        stop.status.success(),
        "{}",
        String::from_utf8_lossy(&stop.stderr)
    );
    for _ in 0..n {
        predict();
    }
    let want = format!("reason=\"send_failed\"}} {}", 2 * n);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (_, text) = support::get(&format!("http://127.0.0.1:{engine}/prometheus")).unwrap();
        if text.contains(&want) {
            break;
        }
        assert!(Instant::now() < deadline, "missing `{want}` in\n{text}");
        std::thread::sleep(Duration::from_millis(100)); // poll interval
    }
    seldon_local()
        .args(["down", &session.name])
        .assert()
        .success();
    assert_nothing_left(&session);
}

/// `TRITON_SERVER` with seldon-local's image: the operator's `tritonserver` args played by the
/// builtin Triton-compatible server, answering V2 directly and through the engine.
#[test]
fn the_triton_simple_example_runs_with_builtin_images() {
    let session = Session::new("triton");
    let repository = support::root()
        .join("examples/triton-simple/models")
        .canonicalize()
        .expect("the shipped Triton repository");
    let sdep = std::fs::read_to_string(support::root().join("examples/triton-simple/sdep.yaml"))
        .unwrap()
        .replace("name: triton", &format!("name: {}", session.name))
        .replace(
            "modelUri: models",
            &format!("modelUri: file://{}", repository.display()),
        );
    let file = session.write("sdep.yaml", &sdep);
    let output = session
        .up(&file, &["--images", "builtin", "-o", "json"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let running: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let endpoint = |name: &str| {
        running[0]["endpoints"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == name && e["protocol"] == "rest")
            .unwrap_or_else(|| panic!("no `{name}` REST endpoint: {running}"))["address"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let body = serde_json::json!({"inputs": [
        {"name": "INPUT0", "datatype": "INT32", "shape": [1, 16], "data": (0..16).collect::<Vec<i32>>()},
        {"name": "INPUT1", "datatype": "INT32", "shape": [1, 16], "data": vec![1; 16]},
    ]})
    .to_string();
    for base in [endpoint("simple"), endpoint("engine")] {
        let answer = support::post(&format!("{base}/v2/models/simple/infer"), &body);
        assert_eq!(
            answer["outputs"][0]["data"],
            serde_json::json!((1..17).collect::<Vec<i32>>()),
            "{base}: {answer}"
        );
        assert_eq!(
            answer["outputs"][1]["data"],
            serde_json::json!((-1..15).collect::<Vec<i32>>()),
            "{base}: {answer}"
        );
    }
    seldon_local()
        .args(["down", &session.name])
        .assert()
        .success();
    assert_nothing_left(&session);
}
