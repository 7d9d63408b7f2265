//! The executor's request logger against the builtin sink, in-process on 127.0.0.1.

use std::time::{Duration, Instant};

use seldon_local::components::request_sink::{self, StoredEvent};
use seldon_local::protocol::ProtocolKind;
use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::support::{closed_port, fixed, node, post_json, start_executor, start_unit};

struct Sink {
    url: String,
    dir: tempfile::TempDir,
    _stop: oneshot::Sender<()>,
}

async fn start_sink() -> Sink {
    let dir = tempfile::tempdir().unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let path = dir.path().to_owned();
    tokio::spawn(async move {
        request_sink::run(path, listener, async {
            let _ = stopped.await;
        })
        .await
        .unwrap();
    });
    Sink {
        url: format!("http://{addr}/"),
        dir,
        _stop: stop,
    }
}

/// Waits until the sink holds `count` events for `dep` (or the deadline passes).
async fn events(sink: &Sink, count: usize) -> Vec<StoredEvent> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let events = request_sink::read_events(sink.dir.path(), "dep", 0).unwrap();
        if events.len() >= count || Instant::now() > deadline {
            return events;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn after_n_predictions_the_sink_holds_n_requests_and_n_responses() {
    let model = start_unit("m", fixed(200, r#"{"data":{"ndarray":[7]}}"#), None).await;
    let sink = start_sink().await;
    let mut graph = node("m", "MODEL", model.addr, vec![]);
    graph["logger"] = json!({"mode": "all"});
    let default = sink.url.clone();
    let executor = start_executor(&graph, ProtocolKind::Seldon, move |c| {
        c.logger.default_endpoint = Some(default);
    })
    .await;
    let n: usize = 7;
    let mut puids = Vec::new();
    for i in 0..n {
        let (status, headers, body) = post_json(
            &format!("{}/api/v1.0/predictions", executor.base),
            &json!({"data": {"ndarray": [i]}}),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        puids.push(headers["seldon-puid"].to_str().unwrap().to_owned());
    }
    let events = events(&sink, 2 * n).await;
    // Nothing more arrives later.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(
        request_sink::read_events(sink.dir.path(), "dep", 0)
            .unwrap()
            .len(),
        2 * n
    );
    let requests: Vec<_> = events
        .iter()
        .filter(|e| e.attribute("type") == "io.seldon.serving.inference.request")
        .collect();
    let responses: Vec<_> = events
        .iter()
        .filter(|e| e.attribute("type") == "io.seldon.serving.inference.response")
        .collect();
    assert_eq!((requests.len(), responses.len()), (n, n));
    for event in &events {
        assert_eq!(event.attribute("specversion"), "1.0");
        assert_eq!(event.attribute("id").len(), 36, "a UUID: {event:?}");
        assert_eq!(event.attribute("modelid"), "m");
        assert_eq!(event.attribute("inferenceservicename"), "dep");
        assert_eq!(event.attribute("namespace"), "ns");
        assert_eq!(event.attribute("endpoint"), "default");
        assert_eq!(event.attribute("protocol"), "seldon");
        assert!(!event.attribute("source").is_empty());
        assert!(
            puids.iter().any(|p| p == event.attribute("requestid")),
            "{event:?}"
        );
        assert_eq!(event.headers["content-type"], "application/json");
    }
    for (i, puid) in puids.iter().enumerate() {
        let request = requests
            .iter()
            .find(|e| e.attribute("requestid") == puid)
            .unwrap();
        assert_eq!(request.data, json!({"data": {"ndarray": [i]}}));
        let response = responses
            .iter()
            .find(|e| e.attribute("requestid") == puid)
            .unwrap();
        assert_eq!(response.data, json!({"data": {"ndarray": [7]}}));
    }
    // The metrics count every event as sent, none dropped.
    let text = reqwest::get(format!("{}/metrics", executor.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains(&format!("seldon_api_executor_logger_sent_total{{deployment_name=\"dep\",predictor_name=\"default\",predictor_version=\"\"}} {}", 2 * n)),
        "{text}"
    );
}

#[tokio::test]
async fn with_the_sink_down_predictions_succeed_and_the_drops_are_counted() {
    let model = start_unit("m", fixed(200, r#"{"data":{"ndarray":[7]}}"#), None).await;
    let down = closed_port().await;
    let mut graph = node("m", "MODEL", model.addr, vec![]);
    graph["logger"] = json!({"mode": "request", "url": format!("http://{down}/")});
    let executor = start_executor(&graph, ProtocolKind::Seldon, |_| {}).await;
    let n: usize = 20;
    let started = Instant::now();
    for _ in 0..n {
        let (status, _, body) = post_json(
            &format!("{}/api/v1.0/predictions", executor.base),
            &json!({"data": {"ndarray": [1]}}),
        )
        .await;
        assert_eq!(status, 200, "{body}");
    }
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    let want = format!(
        "seldon_api_executor_logger_dropped_total{{deployment_name=\"dep\",predictor_name=\"default\",predictor_version=\"\",reason=\"send_failed\"}} {n}"
    );
    loop {
        let text = reqwest::get(format!("{}/metrics", executor.base))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if text.contains(&want) {
            break;
        }
        assert!(Instant::now() < deadline, "missing `{want}` in\n{text}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn the_skip_logging_header_and_the_mode_are_honoured() {
    let model = start_unit("m", fixed(200, r#"{"data":{"ndarray":[7]}}"#), None).await;
    let sink = start_sink().await;
    let mut graph = node("m", "MODEL", model.addr, vec![]);
    graph["logger"] = json!({"mode": "response", "url": sink.url});
    let executor = start_executor(&graph, ProtocolKind::Seldon, |_| {}).await;
    let client = reqwest::Client::new();
    for skip in [true, false] {
        let mut request = client
            .post(format!("{}/api/v1.0/predictions", executor.base))
            .header("content-type", "application/json")
            .body(r#"{"data":{"ndarray":[1]}}"#);
        if skip {
            request = request.header("Seldon-Skip-Logging", "true");
        }
        assert_eq!(request.send().await.unwrap().status(), 200);
    }
    let events = events(&sink, 1).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let events_now = request_sink::read_events(sink.dir.path(), "dep", 0).unwrap();
    assert_eq!(events_now.len(), 1, "{events_now:?}");
    assert_eq!(
        events[0].attribute("type"),
        "io.seldon.serving.inference.response"
    );
}

/// The tfserving example with `logger: {mode: all}` on its node and no `url`, so the executor
/// sends to the operator's default broker.
fn logged_example(dir: &std::path::Path) -> std::path::PathBuf {
    let models = crate::common::root().join("examples/tfserving-mnist/models/tf1");
    let text = format!(
        "apiVersion: machinelearning.seldon.io/v1\nkind: SeldonDeployment\nmetadata:\n  name: logged\n\
         spec:\n  predictors:\n  - name: default\n    graph:\n      name: mnist-model\n\
         \x20     implementation: TENSORFLOW_SERVER\n      modelUri: {}\n      logger:\n        mode: all\n\
         \x20     parameters:\n      - name: signature_name\n        type: STRING\n        value: predict_images\n\
         \x20     - name: model_name\n        type: STRING\n        value: mnist-model\n",
        models.display()
    );
    let path = dir.join("logged.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn up_starts_the_sink_and_logs_requests_shows_each_request_and_response() {
    use crate::common::{DownOnDrop, run_embedded as run};
    let state = tempfile::tempdir().unwrap();
    let file = logged_example(state.path());
    let _guard = DownOnDrop(state.path(), "logged");
    let (code, _, stderr) = run(
        state.path(),
        &["up", "--runtime", "embedded", "-d", file.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{stderr}");
    let (code, stdout, _) = run(state.path(), &["ps", "logged"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("request-logger"), "{stdout}");
    let n = 5;
    let pixels = serde_json::to_string(&vec![vec![0.5; 784]]).unwrap();
    for _ in 0..n {
        let (code, _, stderr) = run(state.path(), &["predict", "logged", "--ndarray", &pixels]);
        assert_eq!(code, 0, "{stderr}");
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    let events = loop {
        let (code, stdout, stderr) = run(
            state.path(),
            &["logs", "logged", "--requests", "-o", "json"],
        );
        assert_eq!(code, 0, "{stderr}");
        let events: Vec<StoredEvent> = stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        if events.len() >= 2 * n || Instant::now() > deadline {
            break events;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let count = |kind: &str| {
        events
            .iter()
            .filter(|e| e.attribute("type") == format!("io.seldon.serving.inference.{kind}"))
            .count()
    };
    assert_eq!((count("request"), count("response")), (n, n), "{events:?}");
    assert!(
        events
            .iter()
            .all(|e| e.attribute("inferenceservicename") == "logged")
    );
    let (code, stdout, _) = run(state.path(), &["logs", "logged", "--requests"]);
    assert_eq!(code, 0);
    assert_eq!(stdout.lines().count(), 2 * n, "{stdout}");
    assert!(
        stdout.lines().all(|l| l.contains(" mnist-model ")),
        "{stdout}"
    );
}

#[tokio::test]
async fn feedback_is_logged_as_a_feedback_event() {
    let model = start_unit("m", fixed(200, r#"{"data":{"ndarray":[]}}"#), None).await;
    let sink = start_sink().await;
    let mut graph = node("m", "MODEL", model.addr, vec![]);
    graph["logger"] = json!({"mode": "all", "url": sink.url});
    let executor = start_executor(&graph, ProtocolKind::Seldon, |_| {}).await;
    let (status, _, body) = post_json(
        &format!("{}/api/v1.0/feedback", executor.base),
        &json!({"request": {"data": {"ndarray": [1]}}, "reward": 1.0}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let events = events(&sink, 1).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(
        request_sink::read_events(sink.dir.path(), "dep", 0)
            .unwrap()
            .len(),
        1
    );
    assert_eq!(events[0].attribute("type"), "io.seldon.serving.feedback");
    assert_eq!(events[0].data["reward"], 1.0);
}
