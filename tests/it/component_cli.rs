//! The hidden `component` subcommand runs the built-in roles from upstream flags and env.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use seldon_local::env;
use serde_json::json;

use crate::support::{
    closed_port, engine_predictor, node, parse, post_json, start_tf, start_unit, tracing_unit,
};

struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn binary() -> Command {
    let mut command = Command::new(assert_cmd::cargo::cargo_bin!("seldon-local"));
    command
        .env_clear()
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    command
}

/// Polls `url` until it answers 200, or fails after a deadline.
async fn wait_live(url: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if let Ok(response) = reqwest::get(url).await
            && response.status() == 200
        {
            return;
        }
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{url} did not come up");
}

#[tokio::test]
async fn component_executor_runs_with_the_operators_args() {
    let model = start_unit("m", tracing_unit("m"), None).await;
    let port = closed_port().await.port();
    let dir = tempfile::tempdir().unwrap();
    let annotations = dir.path().join("annotations");
    std::fs::write(&annotations, "seldon.io/rest-timeout=\"5000\"\n").unwrap();
    let child = binary()
        .env(
            env::ENGINE_PREDICTOR,
            engine_predictor(&node("m", "MODEL", model.addr, vec![])),
        )
        .args([
            "component",
            "executor",
            "--sdep",
            "dep",
            "--namespace",
            "ns",
            "--predictor",
            "default",
        ])
        .args([
            "--http_port",
            &port.to_string(),
            "--grpc_port",
            "5001",
            "--protocol",
            "seldon",
        ])
        .args([
            "--transport",
            "rest",
            "--prometheus_path",
            "/prometheus",
            "--server_type",
            "rpc",
        ])
        .args([
            "--log_work_buffer_size",
            "10000",
            "--log_write_timeout_ms",
            "2000",
            "--full_health_checks=false",
        ])
        .arg("--annotations")
        .arg(&annotations)
        .spawn()
        .unwrap();
    let _guard = KillOnDrop(child);
    let base = format!("http://127.0.0.1:{port}");
    wait_live(&format!("{base}/live")).await;
    let (status, _, body) = post_json(
        &format!("{base}/api/v1.0/predictions"),
        &json!({"jsonData": {}}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(parse(&body)["jsonData"]["trace"], json!(["m:predict"]));
}

#[tokio::test]
async fn component_tfserving_proxy_reads_the_unit_env() {
    let tf = start_tf("mnist-model", 200, json!({"predictions": [[0.5, 0.5]]})).await;
    let port = closed_port().await.port();
    let parameters = json!([
        {"name": "rest_endpoint", "value": format!("http://{}", tf.addr), "type": "STRING"},
        {"name": "model_name", "value": "mnist-model", "type": "STRING"},
    ]);
    let child = binary()
        .env(env::PREDICTIVE_UNIT_PARAMETERS, parameters.to_string())
        .env(env::PREDICTIVE_UNIT_SERVICE_PORT, port.to_string())
        .env(env::PREDICTIVE_UNIT_ID, "mnist-model")
        .env(env::PREDICTIVE_UNIT_IMAGE, "seldonio/tfserving-proxy:1.2.1")
        .args(["component", "tfserving-proxy"])
        .spawn()
        .unwrap();
    let _guard = KillOnDrop(child);
    let base = format!("http://127.0.0.1:{port}");
    wait_live(&format!("{base}/health/ping")).await;
    let (status, _, body) = post_json(
        &format!("{base}/predict"),
        &json!({"data": {"ndarray": [[1, 2]]}}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        parse(&body),
        json!({"data": {"names": ["t:0", "t:1"], "ndarray": [[0.5, 0.5]]},
               "meta": {"requestPath": {"mnist-model": "seldonio/tfserving-proxy:1.2.1"}}})
    );
}

#[test]
fn component_executor_without_engine_predictor_fails_clearly() {
    let output = binary()
        .args([
            "component",
            "executor",
            "--sdep",
            "a",
            "--namespace",
            "b",
            "--predictor",
            "c",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("`ENGINE_PREDICTOR` is not set"), "{stderr}");
}
