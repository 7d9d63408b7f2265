//! The ingress end to end on the embedded runtime: `up` starts it, lists it first, routes
//! `/seldon/<namespace>/<name>/` by traffic weight, copies to the shadow, and several
//! deployments share it.

use serde_json::Value;

use crate::common::{DownOnDrop, root, run_embedded as run};

/// The count of predictions an engine served, from its Prometheus metrics.
async fn served(client: &reqwest::Client, engine: &str) -> u64 {
    let text = client
        .get(format!("{engine}/prometheus"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .filter(|l| l.starts_with("seldon_api_executor_server_requests_seconds_count"))
        .filter(|l| l.contains("service=\"predictions\""))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
        .sum()
}

fn engine(running: &Value, predictor: &str) -> String {
    running["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["predictor"] == predictor && e["name"] == "engine" && e["protocol"] == "rest")
        .unwrap()["address"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[allow(clippy::too_many_lines)] // one session: up, split, shadow, second deployment, 404
async fn the_ingress_splits_by_traffic_copies_to_the_shadow_and_is_shared() {
    let state = tempfile::tempdir().unwrap();
    let _guard = DownOnDrop(state.path(), "traffic");
    let _second = DownOnDrop(state.path(), "tfserving");
    let (code, stdout, stderr) = run(
        state.path(),
        &[
            "up",
            "--runtime",
            "embedded",
            "-d",
            "-o",
            "json",
            "examples/traffic-split/sdep.yaml",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let all: Value = serde_json::from_str(&stdout).unwrap();
    let running = &all[0];
    let first = &running["endpoints"][0];
    assert_eq!(first["name"], "ingress", "{running}");
    let gateway = first["address"].as_str().unwrap().to_owned();
    assert!(gateway.ends_with("/seldon/default/traffic"), "{gateway}");
    assert!(
        running["curl_command"]
            .as_str()
            .unwrap()
            .contains(&format!("{gateway}/api/v1.0/predictions")),
        "{running}"
    );

    let client = reqwest::Client::new();
    let body = std::fs::read(root().join("examples/traffic-split/request.json")).unwrap();
    let n = 2000u32;
    let mut main = 0u32;
    let mut canary = 0u32;
    for _ in 0..n {
        let reply = client
            .post(format!("{gateway}/api/v1.0/predictions"))
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), 200);
        let predictor = reply.headers()["seldon-predictor"]
            .to_str()
            .unwrap()
            .to_owned();
        let answer: Value = serde_json::from_slice(&reply.bytes().await.unwrap()).unwrap();
        assert!(answer["data"]["ndarray"].is_array(), "{answer}");
        match predictor.as_str() {
            "main" => main += 1,
            "canary" => canary += 1,
            other => panic!("predictor `{other}` answered"),
        }
    }
    assert_eq!(main + canary, n);
    // 75% of 2000: the standard deviation is ~1 point; 5 points is far out.
    let share = f64::from(main) / f64::from(n);
    assert!((0.70..=0.80).contains(&share), "main answered {share}");
    // The engines agree with the headers; the shadow served a copy of every call.
    assert_eq!(
        served(&client, &engine(running, "main")).await,
        u64::from(main)
    );
    assert_eq!(
        served(&client, &engine(running, "canary")).await,
        u64::from(canary)
    );
    let shadow = engine(running, "shadow");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while served(&client, &shadow).await < u64::from(n) && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(served(&client, &shadow).await, u64::from(n));

    // Other protocols' paths go through too (the engine answers TF's status route).
    let base = gateway.trim_end_matches("/seldon/default/traffic");
    let reply = client
        .get(format!("{base}/seldon/default/nosuch/api/v1.0/predictions"))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 404);
    let text = reply.text().await.unwrap();
    assert!(text.contains("routed: default/traffic"), "{text}");

    // A second deployment shares the address.
    let files = tempfile::tempdir().unwrap();
    let model = root().join("examples/tfserving-mnist/models/tf1");
    let sdep = std::fs::read_to_string(root().join("examples/tfserving-mnist/sdep.yaml"))
        .unwrap()
        .replace(
            "modelUri: models/tf1",
            &format!("modelUri: {}", model.display()),
        );
    let file = files.path().join("second.yaml");
    std::fs::write(&file, sdep).unwrap();
    let (code, stdout, stderr) = run(
        state.path(),
        &[
            "up",
            "--runtime",
            "embedded",
            "-d",
            "-o",
            "json",
            file.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let second: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        second[0]["endpoints"][0]["address"],
        format!("{base}/seldon/default/tfserving")
    );
    let reply = client
        .post(format!(
            "{base}/seldon/default/tfserving/api/v1.0/predictions"
        ))
        .header("content-type", "application/json")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    assert_eq!(reply.headers()["seldon-predictor"], "default");

    // `predict NAME` goes through the ingress by default: the calls land on the split.
    let before = served(&client, &engine(running, "main")).await
        + served(&client, &engine(running, "canary")).await;
    let (code, stdout, stderr) = run(
        state.path(),
        &[
            "predict",
            "traffic",
            "--file",
            "examples/traffic-split/request.json",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("\"t:9\""), "{stdout}");
    let after = served(&client, &engine(running, "main")).await
        + served(&client, &engine(running, "canary")).await;
    assert_eq!(after, before + 1);
    let shadow_deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while served(&client, &shadow).await < u64::from(n) + 1
        && std::time::Instant::now() < shadow_deadline
    {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(served(&client, &shadow).await, u64::from(n) + 1);
}
