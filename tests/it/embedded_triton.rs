//! The builtin Triton-compatible server on the embedded runtime: the shipped `simple` example
//! (`implementation: TRITON_SERVER`, `protocol: v2`) comes up with no Triton image, answers V2
//! directly and through the engine, and refuses bad input in Triton's error shape.

use serde_json::{Value, json};

use crate::common::{DownOnDrop, run_embedded as run};

/// A plain HTTP/1.1 request on 127.0.0.1: status and body.
fn http(
    port: u16,
    method: &str,
    path: &str,
    body: &[u8],
    headers: &[(&str, String)],
) -> (u16, Vec<u8>) {
    use std::fmt::Write as _;
    use std::io::{Read as _, Write as _};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        write!(head, "{name}: {value}\r\n").unwrap();
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply).unwrap();
    let split = reply.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let status = String::from_utf8_lossy(&reply[9..12]).parse().unwrap();
    (status, reply[split + 4..].to_vec())
}

fn json_of(body: &[u8]) -> Value {
    serde_json::from_slice(body)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(body)))
}

fn host_port(containers: &Value, container: &str, port: u64) -> u16 {
    containers
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["container"] == container)
        .and_then(|c| {
            c["ports"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["container_port"] == port)
        })
        .unwrap_or_else(|| panic!("{container}:{port} in {containers}"))["host_port"]
        .as_u64()
        .unwrap() as u16
}

fn request() -> Value {
    let a: Vec<i32> = (0..16).collect();
    let b: Vec<i32> = vec![1; 16];
    json!({"inputs": [
        {"name": "INPUT0", "datatype": "INT32", "shape": [1, 16], "data": a},
        {"name": "INPUT1", "datatype": "INT32", "shape": [1, 16], "data": b},
    ]})
}

#[test]
#[allow(
    clippy::too_many_lines,
    reason = "one session: up, metadata, JSON and binary infer, every bad input, down"
)]
fn the_triton_simple_example_runs_embedded_and_answers_v2() {
    let state = tempfile::tempdir().unwrap();
    let guard = DownOnDrop(state.path(), "triton");
    let (code, _, stderr) = run(
        state.path(),
        &[
            "up",
            "--runtime",
            "embedded",
            "-d",
            "examples/triton-simple/sdep.yaml",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let (code, stdout, stderr) = run(state.path(), &["ps", "triton", "-o", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let containers: Value = serde_json::from_str(&stdout).unwrap();
    let triton = host_port(&containers, "simple", 9000);
    let engine = host_port(&containers, "seldon-container-engine", 8000);

    let (status, _) = http(triton, "GET", "/v2/health/ready", b"", &[]);
    assert_eq!(status, 200);
    let (status, body) = http(triton, "GET", "/v2/models/simple", b"", &[]);
    assert_eq!(status, 200);
    assert_eq!(
        json_of(&body)["inputs"][0],
        json!({"name": "INPUT0", "datatype": "INT32", "shape": [-1, 16]})
    );

    let sums: Vec<i32> = (1..17).collect();
    let diffs: Vec<i32> = (-1..15).collect();
    for port in [triton, engine] {
        let body = request().to_string();
        let (status, reply) = http(
            port,
            "POST",
            "/v2/models/simple/infer",
            body.as_bytes(),
            &[],
        );
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&reply));
        let reply = json_of(&reply);
        assert_eq!(reply["model_name"], "simple");
        assert_eq!(reply["outputs"][0]["name"], "OUTPUT0");
        assert_eq!(reply["outputs"][0]["data"], json!(sums));
        assert_eq!(reply["outputs"][1]["data"], json!(diffs));
    }

    // The binary data extension: INPUT0 as raw bytes, OUTPUT1 asked back as raw bytes.
    let mut header = request();
    header["inputs"][0] = json!({"name": "INPUT0", "datatype": "INT32", "shape": [1, 16],
        "parameters": {"binary_data_size": 64}});
    header["outputs"] = json!([{"name": "OUTPUT1", "parameters": {"binary_data": true}}]);
    let header = header.to_string();
    let mut body = header.clone().into_bytes();
    for i in 0..16i32 {
        body.extend_from_slice(&i.to_le_bytes());
    }
    let length = [("Inference-Header-Content-Length", header.len().to_string())];
    let (status, reply) = http(triton, "POST", "/v2/models/simple/infer", &body, &length);
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&reply));
    let blob = &reply[reply.len() - 64..];
    let got: Vec<i32> = blob
        .chunks_exact(4)
        .map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    assert_eq!(got, diffs);

    // Bad input answers 400 with Triton's `{"error": ...}`.
    let mut wrong_type = request();
    wrong_type["inputs"][0]["datatype"] = json!("FP32");
    let mut wrong_shape = request();
    wrong_shape["inputs"][0]["shape"] = json!([1, 15]);
    for (path, body, needle) in [
        (
            "/v2/models/simple/infer",
            wrong_type.to_string(),
            "data-type is 'FP32'",
        ),
        (
            "/v2/models/simple/infer",
            wrong_shape.to_string(),
            "unexpected shape",
        ),
        (
            "/v2/models/nothing/infer",
            request().to_string(),
            "unknown model",
        ),
        (
            "/v2/models/simple/versions/7/infer",
            request().to_string(),
            "version 7",
        ),
    ] {
        let (status, reply) = http(triton, "POST", path, body.as_bytes(), &[]);
        assert_eq!(status, 400, "{path}");
        let error = json_of(&reply)["error"].as_str().unwrap().to_owned();
        assert!(error.contains(needle), "{path}: {error}");
    }

    // Malformed binary framing: a header length that is not a number, one past the body, and
    // a blob shorter than the shape needs.
    let too_long = [(
        "Inference-Header-Content-Length",
        (body.len() + 1).to_string(),
    )];
    let not_a_number = [("Inference-Header-Content-Length", "ten".to_owned())];
    let mut short = header.clone().into_bytes();
    short.extend_from_slice(&[0; 60]);
    for (body, headers, needle) in [
        (&body, &not_a_number[..], "unable to parse"),
        (&body, &too_long[..], "holds only"),
        (&short, &length[..], "unexpected end of binary data"),
    ] {
        let (status, reply) = http(triton, "POST", "/v2/models/simple/infer", body, headers);
        assert_eq!(status, 400, "{needle}");
        let error = json_of(&reply)["error"].as_str().unwrap().to_owned();
        assert!(error.contains(needle), "{needle}: {error}");
    }
    drop(guard);
}

#[test]
fn a_triton_repository_whose_model_cannot_load_fails_up_and_is_never_ready() {
    let state = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    let version = files.path().join("models/broken/1");
    std::fs::create_dir_all(&version).unwrap();
    std::fs::write(version.join("model.onnx"), b"not an onnx graph").unwrap();
    let sdep = files.path().join("broken.yaml");
    std::fs::write(
        &sdep,
        format!(
            "apiVersion: machinelearning.seldon.io/v1\nkind: SeldonDeployment\n\
             metadata:\n  name: broken\nspec:\n  protocol: v2\n  predictors:\n  - name: default\n\
             \x20   graph:\n      name: broken\n      implementation: TRITON_SERVER\n\
             \x20     modelUri: {}\n",
            files.path().join("models").display()
        ),
    )
    .unwrap();
    let _guard = DownOnDrop(state.path(), "broken");
    let (code, _, stderr) = run(
        state.path(),
        &["up", "--runtime", "embedded", "-d", sdep.to_str().unwrap()],
    );
    assert_ne!(code, 0, "{stderr}");
    assert!(
        stderr.contains("failed to load model `broken` version 1"),
        "{stderr}"
    );
    assert!(!stderr.contains("is ready"), "{stderr}");
    let (_, stdout, _) = run(state.path(), &["ps"]);
    assert!(!stdout.contains("broken"), "{stdout}");
}
