//! End-to-end tests of the model server on real TensorFlow SavedModels, against the outputs
//! TensorFlow itself computed (`scripts/make-mnist-models.sh` made both).
#![allow(clippy::too_many_lines, clippy::cast_precision_loss)] // scenario tests; small counts

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{Value as Json, json};
use tower::ServiceExt as _;

use super::*;

const TOLERANCE: f64 = 1e-5;
const BODY_CAP: usize = 8 << 20;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn mnist_models() -> PathBuf {
    root().join("examples/tfserving-mnist/models")
}

fn model(name: &str, base_path: PathBuf) -> ModelConfig {
    ModelConfig {
        name: name.to_owned(),
        base_path,
        version_policy: VersionPolicy::default(),
        version_labels: BTreeMap::new(),
    }
}

fn loaded(configs: Vec<ModelConfig>) -> Arc<Manager> {
    let manager = Manager::new(configs);
    for event in manager.poll() {
        assert!(matches!(event, Event::Loaded { .. }), "{event:?}");
    }
    Arc::new(manager)
}

async fn call(
    manager: &Arc<Manager>,
    method: &str,
    path: &str,
    body: impl Into<Body>,
) -> (StatusCode, Json) {
    let request = Request::builder()
        .method(method)
        .uri(path)
        .body(body.into())
        .unwrap();
    let response = router(Arc::clone(manager), BODY_CAP)
        .oneshot(request)
        .await
        .unwrap();
    let status = response.status();
    assert_eq!(response.headers()["content-type"], "application/json");
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    let json = serde_json::from_slice(&bytes)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&bytes)));
    (status, json)
}

fn flat(json: &Json) -> Vec<f64> {
    match json {
        Json::Array(items) => items.iter().flat_map(flat).collect(),
        Json::Number(n) => vec![n.as_f64().unwrap()],
        other => panic!("not a number: {other}"),
    }
}

fn max_abs_diff(a: &Json, b: &Json) -> f64 {
    let (a, b) = (flat(a), flat(b));
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(&b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

fn argmax(row: &Json) -> usize {
    let row = flat(row);
    (0..row.len())
        .max_by(|&i, &j| row[i].total_cmp(&row[j]))
        .unwrap()
}

#[tokio::test]
async fn shipped_mnist_models_match_tensorflow_on_every_heldout_digit() {
    let heldout: Json = serde_json::from_slice(
        &std::fs::read(root().join("examples/tfserving-mnist/heldout.json")).unwrap(),
    )
    .unwrap();
    let labels: Vec<usize> = heldout["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_u64().unwrap() as usize)
        .collect();
    let inputs = &heldout["inputs"];
    let manager = loaded(vec![
        model("tf1", mnist_models().join("tf1")),
        model("keras", mnist_models().join("keras")),
    ]);
    for name in ["tf1", "keras"] {
        let expected = &heldout["models"][name];
        // The whole held-out set as one batch, row format.
        let body = json!({"signature_name": "predict_images", "instances": inputs}).to_string();
        let (status, answer) = call(
            &manager,
            "POST",
            &format!("/v1/models/{name}:predict"),
            body,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        let scores = &answer["predictions"];
        let diff = max_abs_diff(scores, &expected["scores"]);
        assert!(diff <= TOLERANCE, "{name}: max abs diff {diff}");
        let rows = scores.as_array().unwrap();
        let correct = rows
            .iter()
            .zip(&labels)
            .filter(|(row, l)| argmax(row) == **l)
            .count();
        let accuracy = correct as f64 / labels.len() as f64;
        let tf_accuracy = expected["accuracy"].as_f64().unwrap();
        assert!(
            (accuracy - tf_accuracy).abs() < 1e-9,
            "{name}: {accuracy} vs TF {tf_accuracy}"
        );
        // Batch of one, columnar format, default signature: same numbers.
        let first = json!({"inputs": [inputs[0]]}).to_string();
        let (status, answer) = call(
            &manager,
            "POST",
            &format!("/v1/models/{name}/versions/1:predict"),
            first,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        let diff = max_abs_diff(&answer["outputs"], &json!([expected["scores"][0]]));
        assert!(diff <= TOLERANCE, "{name}: batch of one differs by {diff}");
    }
}

#[tokio::test]
async fn op_zoo_matches_tensorflow_with_several_outputs() {
    let fixture = root().join("tests/fixtures/savedmodel/zoo");
    let expected: Json =
        serde_json::from_slice(&std::fs::read(fixture.join("expected.json")).unwrap()).unwrap();
    let manager = loaded(vec![model("zoo", fixture)]);
    let body = json!({"inputs": expected["inputs"]}).to_string();
    let (status, answer) = call(&manager, "POST", "/v1/models/zoo:predict", body).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    for output in ["attention", "dense"] {
        let diff = max_abs_diff(&answer["outputs"][output], &expected["outputs"][output]);
        assert!(diff <= TOLERANCE, "{output}: max abs diff {diff}");
    }
    // Row format with two inputs and two outputs: one object per batch item.
    let inputs = &expected["inputs"];
    let instances: Vec<Json> = (0..3)
        .map(|i| json!({"image": inputs["image"][i], "seq": inputs["seq"][i]}))
        .collect();
    let body = json!({"instances": instances}).to_string();
    let (status, answer) = call(&manager, "POST", "/v1/models/zoo:predict", body).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let second = &answer["predictions"][1];
    let diff = max_abs_diff(&second["dense"], &expected["outputs"]["dense"][1]);
    assert!(diff <= TOLERANCE, "row dense: {diff}");
}

#[tokio::test]
async fn string_signature_round_trips_b64_bytes() {
    let manager = loaded(vec![model(
        "zoo",
        root().join("tests/fixtures/savedmodel/zoo"),
    )]);
    let body =
        json!({"signature_name": "echo", "instances": [{"b64": "AAEC/w=="}, "text"]}).to_string();
    let (status, answer) = call(&manager, "POST", "/v1/models/zoo:predict", body).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(
        answer,
        json!({"predictions": [{"b64": "AAEC/w=="}, {"b64": "dGV4dA=="}]})
    );
}

#[tokio::test]
async fn status_and_metadata_describe_the_loaded_version() {
    let manager = loaded(vec![model("mnist", mnist_models().join("tf1"))]);
    let (status, answer) = call(&manager, "GET", "/v1/models/mnist", Body::empty()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        answer,
        json!({"model_version_status": [
            {"version": "1", "state": "AVAILABLE", "status": {"error_code": "OK", "error_message": ""}}
        ]})
    );
    let (status, answer) = call(
        &manager,
        "GET",
        "/v1/models/mnist/versions/1/metadata",
        Body::empty(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        answer["model_spec"],
        json!({"name": "mnist", "signature_name": "", "version": "1"})
    );
    let signature = &answer["metadata"]["signature_def"]["signature_def"]["predict_images"];
    assert_eq!(signature["method_name"], "tensorflow/serving/predict");
    assert_eq!(
        signature["inputs"]["images"],
        json!({"dtype": "DT_FLOAT", "name": "images:0", "tensor_shape": {
            "dim": [{"size": "-1", "name": ""}, {"size": "784", "name": ""}], "unknown_rank": false}})
    );
    let (status, answer) = call(
        &manager,
        "GET",
        "/v1/models/mnist/versions/7",
        Body::empty(),
    )
    .await;
    assert_eq!(
        (status, answer),
        (
            StatusCode::NOT_FOUND,
            json!({"error": "Could not find version 7 of model mnist"})
        )
    );
}

#[tokio::test]
async fn bad_requests_get_4xx_json_errors() {
    let manager = loaded(vec![model("mnist", mnist_models().join("tf1"))]);
    let row = |n: usize| json!({"instances": [vec![0.5; n]]}).to_string();
    let deep = format!(
        "{{\"instances\": {}{}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let cases: Vec<(&str, &str, String, u16, &str)> = vec![
        (
            "POST",
            "/v1/models/mnist:predict",
            row(783),
            400,
            "input `images` has shape [1, 783], the signature expects [-1, 784]",
        ),
        (
            "POST",
            "/v1/models/mnist:predict",
            json!({"instances": [vec!["x"; 784]]}).to_string(),
            400,
            "JSON Value: \"x\" is not of expected type: float",
        ),
        (
            "POST",
            "/v1/models/mnist:predict",
            json!({"signature_name": "nope", "inputs": [[1]]}).to_string(),
            400,
            "Serving signature name: \"nope\" not found in signature def",
        ),
        (
            "POST",
            "/v1/models/other:predict",
            row(784),
            404,
            "Servable not found for request: Latest(other)",
        ),
        (
            "POST",
            "/v1/models/mnist/versions/9:predict",
            row(784),
            404,
            "Servable not found for request: Specific(mnist, 9)",
        ),
        (
            "POST",
            "/v1/models/mnist/labels/stable:predict",
            row(784),
            400,
            "Unrecognized servable version label: stable for model mnist",
        ),
        (
            "POST",
            "/v1/models/mnist:predict",
            "{\"instances\": [[1,".to_owned(),
            400,
            "JSON Parse error: ",
        ),
        (
            "POST",
            "/v1/models/mnist:predict",
            deep,
            400,
            "JSON Parse error: recursion limit exceeded",
        ),
        (
            "POST",
            "/v1/models/mnist:predict",
            "x".repeat(BODY_CAP + 1),
            413,
            "request body is over the size limit",
        ),
        (
            "GET",
            "/v1/models/other",
            String::new(),
            404,
            "Could not find any versions of model other",
        ),
        (
            "POST",
            "/v1/models/mnist/metadata",
            String::new(),
            400,
            "Malformed request: POST /v1/models/mnist/metadata",
        ),
        (
            "POST",
            "/v1/models/mnist:classify",
            String::new(),
            501,
            "classify is not supported by the builtin model server",
        ),
    ];
    for (method, path, body, code, message) in cases {
        let (status, answer) = call(&manager, method, path, body).await;
        assert_eq!(status.as_u16(), code, "{path}: {answer}");
        let error = answer["error"]
            .as_str()
            .unwrap_or_else(|| panic!("no error in {answer}"));
        assert!(
            error.starts_with(message),
            "{path}: {error:?} does not start with {message:?}"
        );
    }
}

/// A SavedModel built by hand whose graph uses an op the server does not support.
fn saved_model_with_op(dir: &Path, op: &str) {
    saved_model_with_input_dim(dir, op, -1);
}

/// A SavedModel built by hand: `x` (its one dimension `input_dim`) -> Relu -> `op` -> `y`.
fn saved_model_with_input_dim(dir: &Path, op: &str, input_dim: i64) {
    use prost::Message as _;
    use tract_tensorflow::tfpb::tensorflow::{
        AttrValue, GraphDef, MetaGraphDef, NodeDef, SavedModel, SignatureDef, TensorInfo,
        TensorShapeProto, attr_value, meta_graph_def::MetaInfoDef, tensor_info, tensor_shape_proto,
    };
    let float = AttrValue {
        value: Some(attr_value::Value::Type(1)),
    };
    let node = |name: &str, op: &str, inputs: &[&str]| NodeDef {
        name: name.to_owned(),
        op: op.to_owned(),
        input: inputs.iter().map(|s| (*s).to_owned()).collect(),
        attr: [
            ("dtype".to_owned(), float.clone()),
            ("T".to_owned(), float.clone()),
        ]
        .into(),
        ..NodeDef::default()
    };
    let info = |name: &str, size: i64| TensorInfo {
        dtype: 1,
        tensor_shape: Some(TensorShapeProto {
            dim: vec![tensor_shape_proto::Dim {
                size,
                name: String::new(),
            }],
            unknown_rank: false,
        }),
        encoding: Some(tensor_info::Encoding::Name(name.to_owned())),
    };
    let signature = SignatureDef {
        inputs: [("x".to_owned(), info("x:0", input_dim))].into(),
        outputs: [("y".to_owned(), info("y:0", -1))].into(),
        method_name: "tensorflow/serving/predict".to_owned(),
    };
    let meta = MetaGraphDef {
        meta_info_def: Some(MetaInfoDef {
            tags: vec!["serve".to_owned()],
            ..MetaInfoDef::default()
        }),
        graph_def: Some(GraphDef {
            node: vec![
                node("x", "Placeholder", &[]),
                node("mid", "Relu", &["x"]),
                node("y", op, &["mid"]),
            ],
            ..GraphDef::default()
        }),
        signature_def: [("serving_default".to_owned(), signature)].into(),
        ..MetaGraphDef::default()
    };
    let saved = SavedModel {
        saved_model_schema_version: 1,
        meta_graphs: vec![meta],
    };
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("saved_model.pb"), saved.encode_to_vec()).unwrap();
}

/// Which runs stay on the async worker: none before the first run, and none whose input is far
/// larger than the last one's (the time per value would make it long), whatever the machine's
/// speed.
#[test]
fn a_run_stays_on_the_worker_only_when_its_last_rate_says_it_is_brief() {
    let dir = tempfile::tempdir().unwrap();
    saved_model_with_op(dir.path(), "Tanh");
    let servable = servable::Servable::load(dir.path()).unwrap();
    let signature = servable.signature(None).unwrap();
    let inputs = |n: usize| -> BTreeMap<String, tensor::Tensor> {
        let x = tensor::Tensor {
            shape: vec![n],
            values: tensor::Values::Float(vec![0.5; n]),
        };
        [("x".to_owned(), x)].into()
    };
    assert!(!signature.runs_briefly(&inputs(1)), "unknown cost");
    signature.predict(inputs(2)).unwrap();
    // Any run takes at least a nanosecond: 10^8 values at >= 1/2 ns each are over 100 us.
    assert!(!signature.runs_briefly(&inputs(100_000_000)));
}

/// A run that panics answers with an error naming the panic, whether it ran on the async worker
/// (brief) or on the blocking pool, and the worker goes on to the next run.
#[tokio::test]
async fn a_run_that_panics_is_an_error_inline_and_on_the_pool() {
    for brief in [true, false] {
        let error = super::run_contained(brief, || -> u8 { panic!("kernel assertion") })
            .await
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "the run panicked: kernel assertion",
            "brief: {brief}"
        );
        assert_eq!(super::run_contained(brief, || 7u8).await.unwrap(), 7);
    }
}

/// A graph whose attribute holds no `DataType` (found by the `savedmodel` fuzz target; tract's
/// builder unwraps it) is a load error naming the node, not a panic.
#[test]
fn an_unknown_dtype_attribute_is_a_load_error_naming_the_node() {
    let input = std::fs::read(
        root().join("fuzz/corpus/savedmodel/crash-dabcc9c241aab9e902f2edeaec70425aa869b004"),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    // The fuzz input's first byte picks the variables; the rest is the `saved_model.pb`.
    std::fs::write(dir.path().join("saved_model.pb"), &input[1..]).unwrap();
    let error = servable::Servable::load(dir.path()).unwrap_err();
    let message = error_chain(&error);
    assert!(
        message.contains("has no value or an unknown dtype"),
        "{message}"
    );
}

#[test]
fn unsupported_op_is_a_load_error_naming_op_and_node() {
    let dir = tempfile::tempdir().unwrap();
    saved_model_with_op(dir.path(), "Cumprod");
    let error = servable::Servable::load(dir.path()).unwrap_err();
    assert_eq!(
        error_chain(&error),
        "failed to load signature `serving_default`: unsupported op `Cumprod` in node `y`"
    );
    // The same graph with a supported op loads and runs.
    saved_model_with_op(dir.path(), "Tanh");
    let servable = servable::Servable::load(dir.path()).unwrap();
    let x = tensor::Tensor {
        shape: vec![2],
        values: tensor::Values::Float(vec![-1.0, 0.5]),
    };
    let out = servable
        .signature(None)
        .unwrap()
        .predict([("x".to_owned(), x)].into())
        .unwrap();
    // tract's tanh is an approximation whose last bits depend on the CPU's kernels.
    let tensor::Values::Float(values) = &out[0].1.values else {
        panic!("expected floats, got {:?}", out[0].1.values);
    };
    assert_eq!(values.len(), 2);
    assert!(values[0].abs() < 1e-6, "{values:?}");
    assert!((values[1] - 0.5f32.tanh()).abs() < 1e-6, "{values:?}");
}

#[test]
fn a_signature_dimension_below_minus_one_is_a_load_error_naming_the_input() {
    // The fuzz finding: such a dimension reached tract, whose own check is a debug assertion.
    let dir = tempfile::tempdir().unwrap();
    saved_model_with_input_dim(dir.path(), "Tanh", -7);
    let error = servable::Servable::load(dir.path()).unwrap_err();
    assert_eq!(
        error_chain(&error),
        "failed to load signature `serving_default`: input `x` has a dimension of -7; a size is \
         -1 (any) or at least 0"
    );
}

// ---- a real server on a socket: version reload under load ----

/// One HTTP/1.1 request on a fresh connection; returns status and body.
async fn http(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    body: &str,
) -> std::io::Result<(u16, String)> {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut stream = tokio::net::TcpStream::connect(addr).await?;
    let request = format!(
        "{method} {path} HTTP/1.1\r\nhost: test\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await?;
    let text = String::from_utf8_lossy(&response);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Ok((status, body.to_owned()))
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Publishes a version atomically, as a deployment tool should: write aside, then rename.
fn publish(base: &Path, version: i64, from: impl FnOnce(&Path)) {
    let staging = base.join(format!(".staging-{version}"));
    from(&staging);
    std::fs::rename(&staging, base.join(version.to_string())).unwrap();
}

async fn wait_for(what: &str, deadline: Duration, mut check: impl AsyncFnMut() -> bool) {
    let start = Instant::now();
    while !check().await {
        assert!(start.elapsed() < deadline, "timed out waiting for {what}");
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_versions_are_swapped_in_under_load_and_broken_ones_are_reported() {
    let heldout: Json = serde_json::from_slice(
        &std::fs::read(root().join("examples/tfserving-mnist/heldout.json")).unwrap(),
    )
    .unwrap();
    let request = json!({"signature_name": "predict_images", "instances": [heldout["inputs"][0]]})
        .to_string();
    let tf1_scores = json!([heldout["models"]["tf1"]["scores"][0]]);
    let keras_scores = json!([heldout["models"]["keras"]["scores"][0]]);
    let base = tempfile::tempdir().unwrap();
    publish(base.path(), 1, |d| {
        copy_dir(&mnist_models().join("tf1/1"), d);
    });

    let poll = Duration::from_millis(200);
    let config = Config {
        models: vec![model("mnist", base.path().to_path_buf())],
        poll_interval: Some(poll),
        max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        events: None,
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve(config, listener, async move {
        let _ = stopped.await;
    }));

    // Clients: predict continuously; every answer must be a 200 from v1 or v2.
    let running = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let seen_v2 = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut clients = Vec::new();
    for _ in 0..3 {
        let (running, seen_v2, request) =
            (Arc::clone(&running), Arc::clone(&seen_v2), request.clone());
        let (tf1, keras) = (tf1_scores.clone(), keras_scores.clone());
        clients.push(tokio::spawn(async move {
            let mut count = 0u32;
            while running.load(std::sync::atomic::Ordering::Relaxed) {
                let (status, body) = http(addr, "POST", "/v1/models/mnist:predict", &request)
                    .await
                    .unwrap();
                assert_eq!(status, 200, "request failed during reload: {body}");
                let scores = &serde_json::from_str::<Json>(&body).unwrap()["predictions"];
                if max_abs_diff(scores, &keras) <= TOLERANCE {
                    seen_v2.store(true, std::sync::atomic::Ordering::Relaxed);
                } else {
                    assert!(
                        max_abs_diff(scores, &tf1) <= TOLERANCE,
                        "answer from neither version: {body}"
                    );
                }
                count += 1;
            }
            count
        }));
    }
    wait_for("version 1", Duration::from_secs(30), async || {
        matches!(
            http(addr, "GET", "/v1/models/mnist", "").await,
            Ok((200, _))
        )
    })
    .await;

    let published = Instant::now();
    publish(base.path(), 2, |d| {
        copy_dir(&mnist_models().join("keras/1"), d);
    });
    wait_for(
        "answers from version 2",
        Duration::from_secs(30),
        async || seen_v2.load(std::sync::atomic::Ordering::Relaxed),
    )
    .await;
    let swap = published.elapsed();
    // One poll interval plus the load itself (the Keras model compiles in well under a second).
    assert!(
        swap < poll + Duration::from_secs(3),
        "v2 served only after {swap:?}"
    );

    // A corrupt version 3: reported, and version 2 keeps serving.
    publish(base.path(), 3, |d| {
        std::fs::create_dir_all(d).unwrap();
        std::fs::write(d.join("saved_model.pb"), b"this is not a protobuf").unwrap();
    });
    wait_for(
        "version 3 to be reported",
        Duration::from_secs(30),
        async || {
            let Ok((200, body)) = http(addr, "GET", "/v1/models/mnist/versions/3", "").await else {
                return false;
            };
            let status: Json = serde_json::from_str(&body).unwrap();
            status["model_version_status"][0]["state"] == "END"
        },
    )
    .await;
    let (_, body) = http(addr, "GET", "/v1/models/mnist", "").await.unwrap();
    let status: Json = serde_json::from_str(&body).unwrap();
    let versions = status["model_version_status"].as_array().unwrap();
    assert_eq!(versions[0]["version"], "3");
    assert!(
        versions[0]["status"]["error_message"]
            .as_str()
            .unwrap()
            .contains("is not a SavedModel"),
        "{body}"
    );
    assert_eq!(versions[1]["state"], "AVAILABLE", "{body}");
    let (code, body) = http(addr, "POST", "/v1/models/mnist:predict", &request)
        .await
        .unwrap();
    assert_eq!(code, 200);
    let scores = &serde_json::from_str::<Json>(&body).unwrap()["predictions"];
    assert!(
        max_abs_diff(scores, &keras_scores) <= TOLERANCE,
        "after v3 failed: {body}"
    );

    running.store(false, std::sync::atomic::Ordering::Relaxed);
    let mut total = 0;
    for client in clients {
        total += client.await.unwrap();
    }
    assert!(total > 10, "only {total} requests were made");
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}

#[tokio::test]
async fn start_up_fails_when_a_model_has_no_loadable_version() {
    let base = tempfile::tempdir().unwrap();
    publish(base.path(), 1, |d| saved_model_with_op(d, "Cumprod"));
    let config = Config {
        models: vec![model("broken", base.path().to_path_buf())],
        poll_interval: None,
        max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        events: None,
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let error = serve(config, listener, std::future::pending())
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "failed to load model `broken` version 1: failed to load signature `serving_default`: \
         unsupported op `Cumprod` in node `y`"
    );
}

#[tokio::test]
async fn start_up_fails_when_a_base_path_holds_no_version_directory() {
    let base = tempfile::tempdir().unwrap();
    std::fs::write(base.path().join("hostname"), "box\n").unwrap();
    let config = Config {
        models: vec![model("m", base.path().to_path_buf())],
        poll_interval: Some(Duration::from_secs(1)),
        max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        events: None,
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let error = serve(config, listener, std::future::pending())
        .await
        .unwrap_err();
    assert!(
        matches!(&error, ServeError::NoVersion { model, .. } if model == "m"),
        "{error}"
    );
}

mod grpc_api {
    //! The gRPC API against the shipped MNIST model, with tonic's client over loopback.

    use tonic::Code as GrpcCode;
    use tonic::transport::Channel;

    use super::*;
    use crate::grpc::tfserving::model_service_client::ModelServiceClient;
    use crate::grpc::tfserving::prediction_service_client::PredictionServiceClient;
    use crate::protocol::grpc::tensorflow::serving::{
        ClassificationRequest, GetModelMetadataRequest, GetModelStatusRequest, ModelSpec,
        PredictRequest, SignatureDefMap, model_spec,
    };
    use crate::protocol::grpc::tensorflow::{TensorProto, TensorShapeProto, tensor_shape_proto};
    use prost::Message as _;

    async fn start(max_message_bytes: usize) -> Channel {
        let manager = loaded(vec![model("mnist", mnist_models().join("tf1"))]);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(super::grpc::serve(
            manager,
            max_message_bytes,
            listener,
            std::future::pending(),
        ));
        Channel::from_shared(format!("http://{address}"))
            .unwrap()
            .connect()
            .await
            .unwrap()
    }

    #[allow(clippy::unnecessary_wraps)] // fills an optional field
    fn spec(signature: &str) -> Option<ModelSpec> {
        Some(ModelSpec {
            name: "mnist".to_owned(),
            version_choice: None,
            signature_name: signature.to_owned(),
        })
    }

    fn floats(rows: &[Vec<f32>]) -> TensorProto {
        let dim = |size: usize| tensor_shape_proto::Dim {
            size: i64::try_from(size).unwrap(),
            name: String::new(),
        };
        TensorProto {
            dtype: 1,
            tensor_shape: Some(TensorShapeProto {
                dim: vec![dim(rows.len()), dim(rows[0].len())],
                unknown_rank: false,
            }),
            float_val: rows.iter().flatten().copied().collect(),
            ..TensorProto::default()
        }
    }

    fn heldout() -> Json {
        serde_json::from_slice(
            &std::fs::read(root().join("examples/tfserving-mnist/heldout.json")).unwrap(),
        )
        .unwrap()
    }

    fn row(json: &Json) -> Vec<f32> {
        flat(json).into_iter().map(|x| x as f32).collect()
    }

    #[tokio::test]
    async fn predict_over_grpc_matches_tensorflow_and_metadata_names_the_inputs() {
        let channel = start(BODY_CAP).await;
        let mut client = PredictionServiceClient::new(channel.clone());
        let metadata = client
            .get_model_metadata(GetModelMetadataRequest {
                model_spec: spec(""),
                metadata_field: vec!["signature_def".to_owned()],
            })
            .await
            .unwrap()
            .into_inner();
        let any = &metadata.metadata["signature_def"];
        assert_eq!(
            any.type_url,
            "type.googleapis.com/tensorflow.serving.SignatureDefMap"
        );
        let map = SignatureDefMap::decode(any.value.as_slice()).unwrap();
        let signature = &map.signature_def["predict_images"];
        let input = signature.inputs.keys().next().unwrap().clone();
        let output = signature.outputs.keys().next().unwrap().clone();
        assert_eq!(signature.inputs[&input].dtype, 1, "DT_FLOAT input");

        let heldout = heldout();
        let rows: Vec<Vec<f32>> = heldout["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .take(5)
            .map(row)
            .collect();
        let reply = client
            .predict(PredictRequest {
                model_spec: spec("predict_images"),
                inputs: [(input.clone(), floats(&rows))].into_iter().collect(),
                output_filter: vec![],
            })
            .await
            .unwrap()
            .into_inner();
        let answered = reply.model_spec.unwrap();
        assert_eq!(
            answered.version_choice,
            Some(model_spec::VersionChoice::Version(1))
        );
        let scores = &reply.outputs[&output];
        let expected: Vec<f64> = heldout["models"]["tf1"]["scores"]
            .as_array()
            .unwrap()
            .iter()
            .take(5)
            .flat_map(flat)
            .collect();
        assert_eq!(scores.float_val.len(), expected.len());
        let diff = scores
            .float_val
            .iter()
            .zip(&expected)
            .map(|(a, b)| (f64::from(*a) - b).abs())
            .fold(0.0, f64::max);
        assert!(diff <= TOLERANCE, "max abs diff {diff}");

        let status = ModelServiceClient::new(channel)
            .get_model_status(GetModelStatusRequest {
                model_spec: spec(""),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(status.model_version_status.len(), 1);
        assert_eq!(status.model_version_status[0].version, 1);
        assert_eq!(status.model_version_status[0].state, 30, "AVAILABLE");
    }

    #[tokio::test]
    async fn bad_calls_get_a_status_with_a_message_and_the_server_keeps_serving() {
        let channel = start(64 << 10).await;
        let mut client = PredictionServiceClient::new(channel.clone());
        let predict = |spec, inputs: Vec<(&str, TensorProto)>| PredictRequest {
            model_spec: spec,
            inputs: inputs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
            output_filter: vec![],
        };
        let unknown = ModelSpec {
            name: "nope".to_owned(),
            ..ModelSpec::default()
        };
        let error = client
            .predict(predict(Some(unknown), vec![]))
            .await
            .unwrap_err();
        assert_eq!(error.code(), GrpcCode::NotFound, "{error:?}");
        assert!(error.message().contains("Servable not found"), "{error:?}");

        let error = client.predict(predict(None, vec![])).await.unwrap_err();
        assert_eq!(error.code(), GrpcCode::InvalidArgument, "{error:?}");

        let huge = TensorProto {
            dtype: 1,
            tensor_shape: Some(TensorShapeProto {
                dim: vec![
                    tensor_shape_proto::Dim {
                        size: 1_000_000,
                        name: String::new(),
                    };
                    2
                ],
                unknown_rank: false,
            }),
            float_val: vec![1.0],
            ..TensorProto::default()
        };
        let error = client
            .predict(predict(spec("predict_images"), vec![("images", huge)]))
            .await
            .unwrap_err();
        assert_eq!(error.code(), GrpcCode::InvalidArgument, "{error:?}");
        assert!(error.message().contains("over the limit"), "{error:?}");

        let wrong_dtype = TensorProto {
            dtype: 7,
            tensor_shape: Some(TensorShapeProto::default()),
            string_val: vec![b"x".to_vec()],
            ..TensorProto::default()
        };
        let error = client
            .predict(predict(
                spec("predict_images"),
                vec![("images", wrong_dtype)],
            ))
            .await
            .unwrap_err();
        assert_eq!(error.code(), GrpcCode::InvalidArgument, "{error:?}");

        let too_big = floats(&[vec![0.5; 40_000]]);
        let error = client
            .predict(predict(spec("predict_images"), vec![("images", too_big)]))
            .await
            .unwrap_err();
        // tonic answers OUT_OF_RANGE where gRPC's C++ core says RESOURCE_EXHAUSTED.
        assert_eq!(error.code(), GrpcCode::OutOfRange, "{error:?}");
        assert!(error.message().contains("limit"), "{error:?}");

        let error = client
            .classify(ClassificationRequest::default())
            .await
            .unwrap_err();
        assert_eq!(error.code(), GrpcCode::Unimplemented, "{error:?}");
        assert!(error.message().contains("Predict"), "{error:?}");

        let error = client
            .get_model_metadata(GetModelMetadataRequest {
                model_spec: spec(""),
                metadata_field: vec!["other".to_owned()],
            })
            .await
            .unwrap_err();
        assert_eq!(error.code(), GrpcCode::InvalidArgument, "{error:?}");

        // Still serving.
        let status = ModelServiceClient::new(channel)
            .get_model_status(GetModelStatusRequest {
                model_spec: spec(""),
            })
            .await
            .unwrap();
        assert_eq!(status.into_inner().model_version_status[0].state, 30);
    }
}

/// The REST port runs on the shared connection loop: a client that never finishes its headers,
/// or never sends any, is disconnected after the header timeout instead of holding a socket.
#[tokio::test]
async fn the_rest_port_disconnects_slow_and_idle_clients() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let config = Config {
        models: vec![model("tf1", mnist_models().join("tf1"))],
        poll_interval: None,
        max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        events: None,
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let loaded = load(config).await.unwrap();
    tokio::spawn(loaded.serve_with(
        listener,
        None,
        Duration::from_millis(200),
        std::future::pending(),
    ));
    let mut idle = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut slow = tokio::net::TcpStream::connect(addr).await.unwrap();
    slow.write_all(b"GET /v1/models/tf1 HTTP/1.1\r\nHost: a\r\n")
        .await
        .unwrap();
    for (name, stream) in [("slow", &mut slow), ("idle", &mut idle)] {
        let mut rest = Vec::new();
        let read =
            tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut rest)).await;
        assert!(read.is_ok(), "the {name} connection was held open");
    }
    // A whole request is still answered.
    let mut ok = tokio::net::TcpStream::connect(addr).await.unwrap();
    ok.write_all(b"GET /v1/models/tf1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut reply = String::new();
    ok.read_to_string(&mut reply).await.unwrap();
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
}
