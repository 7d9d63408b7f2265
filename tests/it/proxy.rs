//! The tfserving proxy in front of a TF-Serving-compatible responder.

use seldon_local::components::proxy::Config;
use seldon_local::protocol::ProtocolKind;
use serde_json::{Value, json};

use crate::support::{closed_port, node, parse, post_json, start_executor, start_proxy, start_tf};

const TEN: [f64; 10] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0];

fn config(tf: std::net::SocketAddr, unit: Option<(&str, &str)>) -> Config {
    let parameters = json!([
        {"name": "signature_name", "value": "predict_images", "type": "STRING"},
        {"name": "rest_endpoint", "value": format!("http://{tf}"), "type": "STRING"},
        {"name": "grpc_endpoint", "value": "0.0.0.0:2000", "type": "STRING"},
        {"name": "model_name", "value": "mnist-model", "type": "STRING"},
    ]);
    Config::from_parameters(
        &parameters.to_string(),
        unit.map(|u| u.0.to_owned()),
        unit.map(|u| u.1.to_owned()),
    )
    .unwrap()
}

fn seed_request() -> Value {
    let pixels: Vec<f64> = (0..784).map(|i| f64::from(i % 255) / 255.0).collect();
    json!({"data": {"ndarray": [pixels]}})
}

#[tokio::test]
async fn the_seed_request_gets_the_upstream_answer() {
    let tf = start_tf("mnist-model", 200, json!({"predictions": [TEN]})).await;
    let proxy = start_proxy(config(tf.addr, None)).await;
    let request = seed_request();
    let (status, headers, body) =
        post_json(&format!("{}/api/v1.0/predictions", proxy.base), &request).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(
        body,
        "{\"data\":{\"names\":[\"t:0\",\"t:1\",\"t:2\",\"t:3\",\"t:4\",\"t:5\",\"t:6\",\"t:7\",\"t:8\",\"t:9\"],\
         \"ndarray\":[[0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,1.0]]},\"meta\":{}}\n"
    );
    let sent: Value = serde_json::from_slice(&tf.calls()[0].body).unwrap();
    assert_eq!(
        sent,
        json!({"instances": request["data"]["ndarray"], "signature_name": "predict_images"})
    );
}

#[tokio::test]
async fn tensor_requests_get_tensor_answers_with_the_request_path() {
    let tf = start_tf("mnist-model", 200, json!({"predictions": [3.5, 4.0]})).await;
    let proxy = start_proxy(config(
        tf.addr,
        Some(("mnist-model", "seldonio/tfserving-proxy:1.18.2")),
    ))
    .await;
    let request = json!({"data": {"tensor": {"shape": [1, 2], "values": [1, 2]}}, "meta": {"puid": "abc", "tags": {"x": 1}}});
    let (status, _, body) = post_json(&format!("{}/predict", proxy.base), &request).await;
    assert_eq!(status, 200);
    assert_eq!(
        parse(&body),
        json!({"data": {"names": ["t:0", "t:1"], "tensor": {"shape": [1, 2], "values": [3.5, 4.0]}},
               "meta": {"puid": "abc", "requestPath": {"mnist-model": "seldonio/tfserving-proxy:1.18.2"}, "tags": {"x": 1}}})
    );
    let sent: Value = serde_json::from_slice(&tf.calls()[0].body).unwrap();
    assert_eq!(sent["instances"], json!([[1, 2]]));
}

#[tokio::test]
async fn tf_errors_become_failure_statuses_with_tf_status() {
    let tf = start_tf(
        "mnist-model",
        404,
        json!({"error": "Servable not found for request: Latest(mnist-model)"}),
    )
    .await;
    let proxy = start_proxy(config(tf.addr, None)).await;
    let (status, _, body) = post_json(&format!("{}/predict", proxy.base), &seed_request()).await;
    assert_eq!(status, 404);
    assert_eq!(
        parse(&body),
        json!({"status": {"code": 404, "info": "Servable not found for request: Latest(mnist-model)",
                          "reason": "MICROSERVICE_BAD_DATA", "status": 1}})
    );
}

#[tokio::test]
async fn bad_requests_and_a_missing_tf_serving_are_unit_errors() {
    let down = closed_port().await;
    let proxy = start_proxy(config(down, None)).await;
    let (status, _, body) = post_json(&format!("{}/predict", proxy.base), &seed_request()).await;
    assert_eq!(status, 500);
    assert_eq!(
        parse(&body)["status"]["reason"],
        "MICROSERVICE_INTERNAL_ERROR"
    );
    for (request, want) in [
        (json!({"strData": "hello"}), 500),
        (json!({"meta": {}}), 400),
        (json!({"data": {"ndarray": [[1, 2], [3]]}}), 400),
        (json!([1, 2]), 400),
    ] {
        let (status, _, body) = post_json(&format!("{}/predict", proxy.base), &request).await;
        assert_eq!(status, want, "{request}: {body}");
        assert_eq!(parse(&body)["status"]["status"], 1);
    }
    let response = reqwest::Client::new()
        .post(format!("{}/predict", proxy.base))
        .body("not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(
        parse(&response.text().await.unwrap())["status"]["info"],
        "Can't find JSON in data"
    );
}

#[tokio::test]
async fn health_and_metadata_are_served() {
    let tf = start_tf("mnist-model", 200, json!({"predictions": [1]})).await;
    let proxy = start_proxy(config(
        tf.addr,
        Some(("mnist-model", "seldonio/tfserving-proxy:1.18.2")),
    ))
    .await;
    let ping = reqwest::get(format!("{}/health/ping", proxy.base))
        .await
        .unwrap();
    assert_eq!(ping.text().await.unwrap(), "pong");
    let status = reqwest::get(format!("{}/health/status", proxy.base))
        .await
        .unwrap();
    assert_eq!(
        parse(&status.text().await.unwrap()),
        json!({"meta": {"requestPath": {"mnist-model": "seldonio/tfserving-proxy:1.18.2"}}, "strData": "healthy"})
    );
    let metadata = reqwest::get(format!("{}/metadata", proxy.base))
        .await
        .unwrap();
    assert_eq!(
        parse(&metadata.text().await.unwrap()),
        json!({"custom": {}, "inputs": [], "name": "seldonio/tfserving-proxy", "outputs": [], "platform": "", "versions": ["1.18.2"]})
    );
}

#[tokio::test]
async fn executor_and_proxy_serve_the_seed_deployment_end_to_end() {
    let tf = start_tf("mnist-model", 200, json!({"predictions": [TEN]})).await;
    let proxy = start_proxy(config(
        tf.addr,
        Some(("mnist-model", "seldonio/tfserving-proxy:1.18.2")),
    ))
    .await;
    let proxy_addr: std::net::SocketAddr =
        proxy.base.trim_start_matches("http://").parse().unwrap();
    let mut graph = node("mnist-model", "MODEL", proxy_addr, vec![]);
    graph["implementation"] = json!("TENSORFLOW_SERVER");
    let executor = start_executor(&graph, ProtocolKind::Seldon, |_| {}).await;
    let (status, _, body) = post_json(
        &format!("{}/api/v1.0/predictions", executor.base),
        &seed_request(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let json = parse(&body);
    assert_eq!(json["data"]["names"].as_array().unwrap().len(), 10);
    assert_eq!(json["data"]["ndarray"], json!([TEN]));
    assert_eq!(
        json["meta"],
        json!({"requestPath": {"mnist-model": "seldonio/tfserving-proxy:1.18.2"}})
    );
}

#[tokio::test]
async fn form_bodies_reach_the_proxy_through_the_executor_as_the_wrapper_reads_them() {
    let tf = start_tf("mnist-model", 200, json!({"predictions": [[0.25, 0.75]]})).await;
    let proxy = start_proxy(config(tf.addr, None)).await;
    let proxy_addr: std::net::SocketAddr =
        proxy.base.trim_start_matches("http://").parse().unwrap();
    let graph = node("mnist-model", "MODEL", proxy_addr, vec![]);
    let executor = start_executor(&graph, ProtocolKind::Seldon, |_| {}).await;
    let message = json!({"data": {"ndarray": [[1, 2]]}}).to_string();
    let form = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("json", &message)
        .finish();
    let multipart = "--b0\r\nContent-Disposition: form-data; name=\"data\"\r\n\r\n\
                     {\"ndarray\":[[1,2]]}\r\n--b0--\r\n";
    let client = reqwest::Client::new();
    for (base, path, content_type, body) in [
        (
            &executor.base,
            "/api/v1.0/predictions",
            "application/x-www-form-urlencoded",
            form.clone(),
        ),
        (
            &executor.base,
            "/api/v1.0/predictions",
            "multipart/form-data; boundary=b0",
            multipart.to_owned(),
        ),
        (
            &proxy.base,
            "/predict",
            "application/x-www-form-urlencoded",
            form.clone(),
        ),
        (
            &proxy.base,
            "/transform-input",
            "application/x-www-form-urlencoded",
            form.clone(),
        ),
    ] {
        let response = client
            .post(format!("{base}{path}"))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{path} {content_type}");
        let reply = parse(&response.text().await.unwrap());
        let want = if path == "/transform-input" {
            json!([[1, 2]])
        } else {
            json!([[0.25, 0.75]])
        };
        assert_eq!(
            reply["data"]["ndarray"], want,
            "{path} {content_type}: {reply}"
        );
    }
    // The unit got the instances the form carried, each time it was asked to predict.
    let calls = tf.calls();
    assert_eq!(calls.len(), 3);
    for call in calls {
        let sent: Value = serde_json::from_slice(&call.body).unwrap();
        assert_eq!(sent["instances"], json!([[1, 2]]));
    }
    // A form with a broken message is the wrapper's bad-data error, through the executor too.
    let response = client
        .post(format!("{}/api/v1.0/predictions", executor.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("json=%7Bnot")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(
        parse(&response.text().await.unwrap())["status"]["info"],
        "Can't find JSON in data"
    );
}

#[tokio::test]
async fn the_executor_forwards_a_form_body_and_its_content_type_unchanged() {
    let unit = crate::support::start_unit(
        "m",
        crate::support::fixed(200, r#"{"data":{"ndarray":[1]}}"#),
        None,
    )
    .await;
    let executor = start_executor(
        &node("m", "MODEL", unit.addr, vec![]),
        ProtocolKind::Seldon,
        |_| {},
    )
    .await;
    let response = reqwest::Client::new()
        .post(format!("{}/api/v1.0/predictions", executor.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("json=%7B%22strData%22%3A%22x%22%7D")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let calls = unit.calls();
    assert_eq!(&calls[0].body[..], b"json=%7B%22strData%22%3A%22x%22%7D");
    assert_eq!(
        calls[0].headers["content-type"],
        "application/x-www-form-urlencoded"
    );
}

/// An input above float32's range makes the shipped MNIST model answer NaN, which TF Serving
/// writes as a bare `NaN`: the proxy passes it through, as upstream's does, instead of a 500.
#[tokio::test]
async fn a_model_answering_nan_is_passed_through_not_a_500() {
    let addr = crate::support::start_mnist_model_server().await;
    let proxy = start_proxy(config(addr, None)).await;
    for (kind, request) in [
        ("ndarray", json!({"data": {"ndarray": [vec![3.5e38; 784]]}})),
        (
            "tensor",
            json!({"data": {"tensor": {"shape": [1, 784], "values": vec![3.5e38; 784]}}}),
        ),
    ] {
        let (status, _, body) =
            post_json(&format!("{}/api/v1.0/predictions", proxy.base), &request).await;
        assert_eq!(status, 200, "{kind}: {body}");
        assert!(
            body.contains("[NaN,NaN,NaN,NaN,NaN,NaN,NaN,NaN,NaN,NaN]"),
            "{kind}: {body}"
        );
    }
}
