//! The whole pod on gRPC, end to end on the embedded runtime: `up -d` of examples/mnist-grpc
//! (`transport: grpc`), so the engine calls the tfserving proxy's `Model` service and the proxy
//! calls the model server's `PredictionService`; `predict --transport grpc` must give
//! TensorFlow's scores, and REST through the same pod the same numbers.

use serde_json::Value;

use crate::common::{DownOnDrop, root, run_embedded as run};

fn heldout() -> Value {
    let text =
        std::fs::read_to_string(root().join("examples/tfserving-mnist/heldout.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Every score of `answer` (a reply's `data`, as ndarray or tensor) within 1e-5 of `expected`.
fn assert_scores(answer: &Value, expected: &Value, what: &str) {
    let data = &answer["data"];
    let got: Vec<f64> = if let Some(rows) = data["ndarray"].as_array() {
        rows[0]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect()
    } else {
        let values = data["tensor"]["values"]
            .as_array()
            .unwrap_or_else(|| panic!("{what}: {answer}"));
        values.iter().map(|v| v.as_f64().unwrap()).collect()
    };
    let want: Vec<f64> = expected
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!(got.len(), want.len(), "{what}: {answer}");
    for (got, want) in got.iter().zip(&want) {
        assert!(
            (got - want).abs() <= 1e-5,
            "{what}: {got} vs TensorFlow's {want}"
        );
    }
}

/// Something answers on `port`: an HTTP/1.1 request gets an HTTP reply, or an HTTP/2-only
/// (gRPC) server's SETTINGS frame, within 5 s.
fn assert_answers(port: u16, what: &str) {
    use std::io::{Read as _, Write as _};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .unwrap();
    stream
        .write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .unwrap();
    let mut reply = [0u8; 16];
    let read = stream.read(&mut reply);
    assert!(
        matches!(read, Ok(n) if n > 0),
        "{what} (port {port}) is listed but does not answer: {read:?}"
    );
}

/// Every port `ps` lists for `name` is served: a bound but never accepted port would take the
/// connection and then say nothing.
fn assert_every_listed_port_answers(state: &std::path::Path, name: &str) {
    let (code, stdout, stderr) = run(state, &["ps", name, "-o", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let containers: Value = serde_json::from_str(&stdout).unwrap();
    let mut checked = 0;
    for container in containers.as_array().unwrap() {
        for port in container["ports"].as_array().unwrap() {
            let host = u16::try_from(port["host_port"].as_u64().unwrap()).unwrap();
            let what = format!("{} {}", container["container"], port["container_port"]);
            assert_answers(host, &what);
            checked += 1;
        }
    }
    assert!(checked >= 7, "{stdout}");
}

#[test]
#[allow(
    clippy::too_many_lines,
    reason = "one user session: up, predict, feedback and metadata over both transports"
)]
fn a_transport_grpc_deployment_answers_over_grpc_end_to_end_with_tensorflows_scores() {
    let state = tempfile::tempdir().unwrap();
    let guard = DownOnDrop(state.path(), "mnist-grpc");
    let (code, stdout, stderr) = run(
        state.path(),
        &[
            "up",
            "--runtime",
            "embedded",
            "-d",
            "-o",
            "json",
            "examples/mnist-grpc/sdep.yaml",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let running: Value = serde_json::from_str(&stdout).unwrap();
    let endpoints = running[0]["endpoints"].as_array().unwrap();
    assert!(
        endpoints
            .iter()
            .any(|e| e["container"] == "mnist-model" && e["protocol"] == "grpc"),
        "the proxy's gRPC port is served and listed: {stdout}"
    );

    assert_every_listed_port_answers(state.path(), "mnist-grpc");

    let heldout = heldout();
    let expected = &heldout["models"]["tf1"]["scores"];
    for i in [0usize, 3] {
        let input = serde_json::to_string(&vec![&heldout["inputs"][i]]).unwrap();
        for transport in ["grpc", "rest"] {
            let (code, stdout, stderr) = run(
                state.path(),
                &[
                    "predict",
                    "mnist-grpc",
                    "--transport",
                    transport,
                    "--ndarray",
                    &input,
                ],
            );
            assert_eq!(code, 0, "{transport}: {stderr}");
            let answer: Value = serde_json::from_str(&stdout).unwrap();
            assert_scores(
                &answer,
                &expected[i],
                &format!("input {i} over {transport}"),
            );
        }
    }
    let values = heldout["inputs"][5].clone();
    let tensor = serde_json::json!({"shape": [1, 784], "values": values}).to_string();
    let (code, stdout, stderr) = run(
        state.path(),
        &[
            "predict",
            "mnist-grpc",
            "--transport",
            "grpc",
            "--tensor",
            &tensor,
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let answer: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        answer["data"]["tensor"]["shape"],
        serde_json::json!([1, 10]),
        "{answer}"
    );
    assert_scores(&answer, &expected[5], "a tensor over gRPC");

    // A request the model cannot take is a gRPC status with TF's message, and the pod still
    // serves.
    let (code, _, stderr) = run(
        state.path(),
        &[
            "predict",
            "mnist-grpc",
            "--transport",
            "grpc",
            "--ndarray",
            "[[1.0, 2.0]]",
        ],
    );
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("784") || stderr.contains("shape"),
        "{stderr}"
    );
    let input = serde_json::to_string(&vec![&heldout["inputs"][0]]).unwrap();
    let (code, _, stderr) = run(
        state.path(),
        &[
            "predict",
            "mnist-grpc",
            "--transport",
            "grpc",
            "--ndarray",
            &input,
        ],
    );
    assert_eq!(code, 0, "{stderr}");

    // Feedback and the graph's metadata over gRPC too.
    let (code, stdout, stderr) = run(
        state.path(),
        &[
            "feedback",
            "mnist-grpc",
            "--transport",
            "grpc",
            "--json",
            r#"{"reward": 1.0}"#,
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(!stdout.contains("FAILURE"), "{stdout}");
    let (code, stdout, stderr) = run(
        state.path(),
        &["metadata", "mnist-grpc", "--transport", "grpc"],
    );
    assert_eq!(code, 0, "{stderr}");
    let metadata: Value = serde_json::from_str(&stdout).unwrap();
    assert!(metadata["models"]["mnist-model"].is_object(), "{metadata}");
    drop(guard);
}

#[test]
#[ignore = "needs SELDON_LOCAL_CORPUS; run by .ci/run"]
fn the_corpus_mnist_grpc_deployment_runs_over_grpc_with_the_shipped_model() {
    let dir = std::env::var("SELDON_LOCAL_CORPUS").expect("set SELDON_LOCAL_CORPUS to the corpus");
    let source =
        std::path::Path::new(&dir).join("v1.18.2/servers__tfserving__samples__mnist_grpc.yaml");
    let text = std::fs::read_to_string(&source).unwrap();
    let model = root().join("examples/tfserving-mnist/models/tf1");
    let pointed = text.replace(
        "gs://seldon-models/tfserving/mnist-model",
        &model.display().to_string(),
    );
    assert_ne!(
        pointed,
        text,
        "the corpus file's modelUri moved: {}",
        source.display()
    );
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("mnist_grpc.yaml");
    std::fs::write(&file, pointed).unwrap();

    let state = tempfile::tempdir().unwrap();
    let guard = DownOnDrop(state.path(), "tfserving");
    let (code, _, stderr) = run(
        state.path(),
        &["up", "--runtime", "embedded", "-d", file.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{stderr}");
    let heldout = heldout();
    let expected = &heldout["models"]["tf1"]["scores"];
    let input = serde_json::to_string(&vec![&heldout["inputs"][2]]).unwrap();
    for transport in ["grpc", "rest"] {
        let (code, stdout, stderr) = run(
            state.path(),
            &[
                "predict",
                "tfserving",
                "--transport",
                transport,
                "--ndarray",
                &input,
            ],
        );
        assert_eq!(code, 0, "{transport}: {stderr}");
        let answer: Value = serde_json::from_str(&stdout).unwrap();
        assert_scores(
            &answer,
            &expected[2],
            &format!("corpus mnist_grpc over {transport}"),
        );
    }
    drop(guard);
}

/// A stand-in for `seldon-core-microservice` that opens its HTTP port (the readiness probe's)
/// (and its metrics port) at once and its gRPC port a while later, as the real one does from
/// another process.
const LATE_GRPC_MICROSERVICE: &str = r#"#!/usr/bin/env python3
import os, socket, time

def listen(variable):
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", int(os.environ[variable])))
    server.listen()
    return server

http = listen("PREDICTIVE_UNIT_HTTP_SERVICE_PORT")
metrics = listen("PREDICTIVE_UNIT_METRICS_SERVICE_PORT")
time.sleep(1.5)
grpc = listen("PREDICTIVE_UNIT_GRPC_SERVICE_PORT")
time.sleep(600)
"#;

const DOUBLER: &str = "apiVersion: machinelearning.seldon.io/v1
kind: SeldonDeployment
metadata:
  name: late-grpc
spec:
  predictors:
  - name: default
    componentSpecs:
    - spec:
        containers:
        - name: doubler
          image: example/doubler:0.1
    graph:
      name: doubler
      type: MODEL
";

#[test]
fn up_returns_once_a_microservice_unit_also_serves_its_grpc_port() {
    use std::os::unix::fs::PermissionsExt as _;
    let state = tempfile::tempdir().unwrap();
    let guard = DownOnDrop(state.path(), "late-grpc");
    let bin = state.path().join("seldon-core-microservice");
    std::fs::write(&bin, LATE_GRPC_MICROSERVICE).unwrap();
    std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
    let sdep = state.path().join("sdep.yaml");
    std::fs::write(&sdep, DOUBLER).unwrap();
    let exec = format!("doubler={} Doubler --service-type MODEL", bin.display());
    let (code, _, stderr) = run(
        state.path(),
        &["up", "-d", sdep.to_str().unwrap(), "--exec", &exec],
    );
    assert_eq!(code, 0, "{stderr}");
    let (code, stdout, stderr) = run(state.path(), &["ps", "late-grpc", "-o", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let containers: Value = serde_json::from_str(&stdout).unwrap();
    let doubler = containers
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["container"] == "doubler")
        .unwrap_or_else(|| panic!("{stdout}"));
    let ports = doubler["ports"].as_array().unwrap();
    assert!(ports.len() >= 2, "http and grpc: {doubler}");
    // Every port of the unit accepts as soon as `up` has returned: the gRPC one too.
    for port in ports {
        let host = u16::try_from(port["host_port"].as_u64().unwrap()).unwrap();
        assert!(
            std::net::TcpStream::connect(("127.0.0.1", host)).is_ok(),
            "{} is not served right after `up`: {doubler}",
            port["container_port"]
        );
    }
    drop(guard);
}
