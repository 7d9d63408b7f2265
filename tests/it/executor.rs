//! Graph semantics of the executor against real HTTP units on 127.0.0.1.

use std::time::{Duration, Instant};

use seldon_local::protocol::ProtocolKind;
use serde_json::{Value, json};

use crate::support::{
    closed_port, fixed, node, parse, post_json, router_unit, start_executor, start_unit, trace_of,
    tracing_unit,
};

const REQUEST: &str = r#"{"jsonData":{"trace":["client"]}}"#;

fn request() -> Value {
    parse(REQUEST)
}

#[tokio::test]
async fn a_model_is_called_on_predict_and_its_reply_is_passed_through() {
    let model = start_unit(
        "m",
        fixed(
            200,
            r#"{"data":{"names":[],"ndarray":[1.0]},"meta":{"x":"<a&b>"}}"#,
        ),
        None,
    )
    .await;
    let executor = start_executor(
        &node("m", "MODEL", model.addr, vec![]),
        ProtocolKind::Seldon,
        |_| {},
    )
    .await;
    let (status, headers, body) = post_json(
        &format!("{}/api/v1.0/predictions", executor.base),
        &request(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    // Go's json.HTMLEscape is applied to the unit's bytes, nothing else changes.
    assert_eq!(
        body,
        r#"{"data":{"names":[],"ndarray":[1.0]},"meta":{"x":"\u003ca\u0026b\u003e"}}"#
    );
    assert_eq!(headers["content-type"], "application/json");
    let puid = headers["seldon-puid"].to_str().unwrap().to_owned();
    assert_eq!(puid.len(), 36, "a UUIDv4: {puid}");
    let calls = model.calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].path, "/predict");
    assert_eq!(
        &calls[0].body[..],
        REQUEST.as_bytes(),
        "the body is forwarded as sent"
    );
    assert_eq!(calls[0].headers["seldon-puid"], puid.as_str());
    assert_eq!(headers["x-content-type-options"], "nosniff");
    // No origin is allowed unless named (`CORS_ALLOWED_ORIGINS`): a web page cannot post here.
    assert!(
        headers.get("access-control-allow-origin").is_none(),
        "{headers:?}"
    );
    assert_eq!(headers["access-control-allow-methods"], "OPTIONS,POST");
}

#[tokio::test]
async fn client_puid_and_headers_are_forwarded_to_every_unit() {
    let t = start_unit("t", tracing_unit("t"), None).await;
    let m = start_unit("m", tracing_unit("m"), None).await;
    let graph = node(
        "t",
        "TRANSFORMER",
        t.addr,
        vec![node("m", "MODEL", m.addr, vec![])],
    );
    let executor = start_executor(&graph, ProtocolKind::Seldon, |_| {}).await;
    let response = reqwest::Client::new()
        .post(format!("{}/api/v0.1/predictions", executor.base))
        .header("content-type", "application/json")
        .header("seldon-puid", "my-puid")
        .header("authorization", "Bearer x")
        .header("ce-specversion", "1.0")
        .body(REQUEST)
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["seldon-puid"], "my-puid");
    assert_eq!(response.headers()["ce-id"], "my-puid");
    assert_eq!(response.headers()["ce-type"], "seldon.dep.ns.response");
    for unit in [&t, &m] {
        let call = &unit.calls()[0];
        assert_eq!(call.headers["seldon-puid"], "my-puid");
        assert_eq!(call.headers["authorization"], "Bearer x");
        assert_eq!(call.headers["content-type"], "application/json");
    }
}

#[tokio::test]
async fn transformer_model_and_output_transformer_run_in_order() {
    let t = start_unit("t", tracing_unit("t"), None).await;
    let m = start_unit("m", tracing_unit("m"), None).await;
    let o = start_unit("o", tracing_unit("o"), None).await;
    let graph = node(
        "t",
        "TRANSFORMER",
        t.addr,
        vec![node(
            "o",
            "OUTPUT_TRANSFORMER",
            o.addr,
            vec![node("m", "MODEL", m.addr, vec![])],
        )],
    );
    let executor = start_executor(&graph, ProtocolKind::Seldon, |_| {}).await;
    let (status, _, body) = post_json(
        &format!("{}/api/v1.0/predictions", executor.base),
        &request(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        trace_of(&body),
        [
            "client",
            "t:transform-input",
            "m:predict",
            "o:transform-output"
        ]
    );
    assert_eq!(o.paths(), ["/transform-output"]);
}

#[tokio::test]
async fn methods_override_the_node_type() {
    let x = start_unit("x", tracing_unit("x"), None).await;
    let mut graph = node("x", "MODEL", x.addr, vec![]);
    graph["methods"] = json!(["TRANSFORM_INPUT", "TRANSFORM_OUTPUT"]);
    let executor = start_executor(&graph, ProtocolKind::Seldon, |_| {}).await;
    let (_, _, body) = post_json(
        &format!("{}/api/v1.0/predictions", executor.base),
        &request(),
    )
    .await;
    assert_eq!(
        trace_of(&body),
        ["client", "x:transform-input", "x:transform-output"]
    );
}

/// A router with children `a` and `b` answering `route`; returns the executor's answer and the
/// paths each child saw.
async fn route_with(route: i64) -> (u16, String, Vec<String>, Vec<String>) {
    let r = start_unit("r", router_unit("r", route), None).await;
    let a = start_unit("a", tracing_unit("a"), None).await;
    let b = start_unit("b", tracing_unit("b"), None).await;
    let graph = node(
        "r",
        "ROUTER",
        r.addr,
        vec![
            node("a", "MODEL", a.addr, vec![]),
            node("b", "MODEL", b.addr, vec![]),
        ],
    );
    let executor = start_executor(&graph, ProtocolKind::Seldon, |_| {}).await;
    let (status, _, body) = post_json(
        &format!("{}/api/v1.0/predictions", executor.base),
        &request(),
    )
    .await;
    // The executor survives whatever the router said.
    let (again, _, _) = post_json(
        &format!("{}/api/v1.0/predictions", executor.base),
        &request(),
    )
    .await;
    assert_eq!(again, status);
    assert_eq!(r.paths().first().map(String::as_str), Some("/route"));
    (status, body, a.paths(), b.paths())
}

#[tokio::test]
async fn router_index_selects_one_child() {
    let (status, body, a, b) = route_with(1).await;
    assert_eq!(status, 200);
    assert_eq!(trace_of(&body), ["client", "b:predict"]);
    assert!(a.is_empty());
    assert_eq!(b, ["/predict", "/predict"]);

    let (_, body, a, b) = route_with(0).await;
    assert_eq!(trace_of(&body), ["client", "a:predict"]);
    assert!(b.is_empty() && a.len() == 2);
}

#[tokio::test]
async fn router_minus_one_sends_to_all_children_and_returns_the_first() {
    let (status, body, a, b) = route_with(-1).await;
    assert_eq!(status, 200);
    assert_eq!(trace_of(&body), ["client", "a:predict"]);
    assert_eq!((a.len(), b.len()), (2, 2));
}

#[tokio::test]
async fn router_minus_two_returns_the_request_unchanged() {
    let (status, body, a, b) = route_with(-2).await;
    assert_eq!(status, 200);
    assert_eq!(body, REQUEST);
    assert!(a.is_empty() && b.is_empty());
}

#[tokio::test]
async fn out_of_range_routes_are_a_clean_error() {
    for route in [2, -3] {
        let (status, body, a, b) = route_with(route).await;
        assert_eq!(status, 500, "{body}");
        let status_json = &parse(&body)["status"];
        assert_eq!(status_json["status"], "FAILURE");
        assert_eq!(status_json["reason"], "ENGINE_INVALID_ROUTING");
        assert_eq!(
            status_json["info"],
            format!("router `r` returned route {route} but has 2 children")
        );
        assert!(a.is_empty() && b.is_empty());
    }
}

#[tokio::test]
async fn a_combiner_aggregates_three_children_in_order() {
    let c = start_unit("c", tracing_unit("c"), None).await;
    let children: Vec<_> = futures_join(["a", "b", "d"]).await;
    let graph = node(
        "c",
        "COMBINER",
        c.addr,
        children
            .iter()
            .map(|u| node(&u.name, "MODEL", u.addr, vec![]))
            .collect(),
    );
    let executor = start_executor(&graph, ProtocolKind::Seldon, |_| {}).await;
    let (status, _, body) = post_json(
        &format!("{}/api/v1.0/predictions", executor.base),
        &request(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        trace_of(&body),
        ["c:aggregate[client,a:predict|client,b:predict|client,d:predict]"]
    );
    let aggregate = &c.calls()[0];
    assert_eq!(aggregate.path, "/aggregate");
    let list: Vec<Value> = serde_json::from_slice(&aggregate.body).unwrap();
    assert_eq!(list.len(), 3);
}

async fn futures_join(names: [&str; 3]) -> Vec<crate::support::Unit> {
    let mut units = Vec::new();
    for name in names {
        units.push(start_unit(name, tracing_unit(name), None).await);
    }
    units
}

#[tokio::test]
async fn unit_errors_pass_through_with_their_status_and_body() {
    for (status, body) in [
        (
            400,
            r#"{"status":{"code":-1,"info":"Can't find JSON in data","reason":"MICROSERVICE_BAD_DATA","status":1}}"#,
        ),
        (409, r#"{"conflict":true}"#),
        (
            500,
            r#"{"status":{"code":-1,"info":"boom","reason":"MICROSERVICE_INTERNAL_ERROR","status":1}}"#,
        ),
        (503, "unavailable"),
    ] {
        let t = start_unit("t", tracing_unit("t"), None).await;
        let m = start_unit("m", fixed(status, body), None).await;
        let graph = node(
            "t",
            "TRANSFORMER",
            t.addr,
            vec![node("m", "MODEL", m.addr, vec![])],
        );
        let executor = start_executor(&graph, ProtocolKind::Seldon, |_| {}).await;
        let (got, _, text) = post_json(
            &format!("{}/api/v1.0/predictions", executor.base),
            &request(),
        )
        .await;
        assert_eq!((got, text.as_str()), (status, body));
    }
}

#[tokio::test]
async fn a_unit_that_is_down_is_a_500_failure_status() {
    let down = closed_port().await;
    let executor = start_executor(
        &node("m", "MODEL", down, vec![]),
        ProtocolKind::Seldon,
        |_| {},
    )
    .await;
    let (status, _, body) = post_json(
        &format!("{}/api/v1.0/predictions", executor.base),
        &request(),
    )
    .await;
    assert_eq!(status, 500);
    let json = parse(&body);
    assert_eq!(json["status"]["code"], 500);
    assert_eq!(json["status"]["status"], "FAILURE");
    let info = json["status"]["info"].as_str().unwrap();
    assert!(
        info.starts_with(&format!("Post \"http://{down}/predict\": ")),
        "{info}"
    );
    let ready = reqwest::get(format!("{}/ready", executor.base))
        .await
        .unwrap();
    assert_eq!(ready.status(), 503);
}

#[tokio::test]
async fn a_unit_that_is_too_slow_times_out() {
    let slow = start_unit("m", tracing_unit("m"), Some(Duration::from_secs(10))).await;
    let executor = start_executor(
        &node("m", "MODEL", slow.addr, vec![]),
        ProtocolKind::Seldon,
        |c| {
            c.unit_timeout = Duration::from_millis(200);
        },
    )
    .await;
    let started = Instant::now();
    let (status, _, body) = post_json(
        &format!("{}/api/v1.0/predictions", executor.base),
        &request(),
    )
    .await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(status, 500);
    let info = parse(&body)["status"]["info"].as_str().unwrap().to_owned();
    assert!(info.contains("timeout after 200 ms"), "{info}");
}

#[tokio::test]
async fn a_body_over_the_cap_is_413_and_reaches_no_unit() {
    let m = start_unit("m", tracing_unit("m"), None).await;
    let executor = start_executor(
        &node("m", "MODEL", m.addr, vec![]),
        ProtocolKind::Seldon,
        |c| {
            c.body_limit = 1024;
        },
    )
    .await;
    let big = json!({"jsonData": {"pad": "x".repeat(2048)}});
    let (status, _, body) =
        post_json(&format!("{}/api/v1.0/predictions", executor.base), &big).await;
    assert_eq!(status, 413);
    assert_eq!(parse(&body)["status"]["status"], "FAILURE");
    assert!(m.calls().is_empty());
    let small = post_json(
        &format!("{}/api/v1.0/predictions", executor.base),
        &request(),
    )
    .await;
    assert_eq!(small.0, 200);
}

#[tokio::test]
async fn feedback_follows_the_routing_of_the_response() {
    let r = start_unit("r", router_unit("r", 0), None).await;
    let a = start_unit("a", tracing_unit("a"), None).await;
    let b = start_unit("b", tracing_unit("b"), None).await;
    let graph = node(
        "r",
        "ROUTER",
        r.addr,
        vec![
            node("a", "MODEL", a.addr, vec![]),
            node("b", "MODEL", b.addr, vec![]),
        ],
    );
    let executor = start_executor(&graph, ProtocolKind::Seldon, |_| {}).await;
    let feedback = json!({
        "request": {"data": {"ndarray": [[1]]}},
        "response": {"data": {"ndarray": [[1]]}, "meta": {"routing": {"r": 1}}},
        "reward": 1.0
    });
    let (status, _, body) =
        post_json(&format!("{}/api/v1.0/feedback", executor.base), &feedback).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(trace_of(&body), ["r:send-feedback"], "the root's reply");
    assert!(a.calls().is_empty());
    assert_eq!(b.paths(), ["/send-feedback"]);
    assert_eq!(r.paths(), ["/send-feedback"]);
    assert_eq!(
        parse(std::str::from_utf8(&b.calls()[0].body).unwrap()),
        feedback
    );
}

#[tokio::test]
async fn feedback_without_routing_goes_to_every_child() {
    let t = start_unit("t", tracing_unit("t"), None).await;
    let a = start_unit("a", tracing_unit("a"), None).await;
    let graph = node(
        "t",
        "TRANSFORMER",
        t.addr,
        vec![node("a", "MODEL", a.addr, vec![])],
    );
    let executor = start_executor(&graph, ProtocolKind::Seldon, |_| {}).await;
    let feedback = json!({"request": {"data": {"ndarray": [[1]]}}, "reward": 0.5});
    let (status, _, body) =
        post_json(&format!("{}/api/v1.0/feedback", executor.base), &feedback).await;
    assert_eq!(status, 200);
    // A transformer takes no feedback, so the root echoes the request.
    assert_eq!(parse(&body), feedback);
    assert!(t.calls().is_empty());
    assert_eq!(a.paths(), ["/send-feedback"]);
}

#[tokio::test]
async fn tensorflow_protocol_chains_and_overrides_the_model_name() {
    let t = start_unit("t", fixed(200, r#"{"predictions":[[1.0,2.0]]}"#), None).await;
    let m = start_unit("m", fixed(200, r#"{"predictions":[[3.0]]}"#), None).await;
    let graph = node(
        "t",
        "TRANSFORMER",
        t.addr,
        vec![node("m", "MODEL", m.addr, vec![])],
    );
    let executor = start_executor(&graph, ProtocolKind::Tensorflow, |_| {}).await;
    let (status, _, body) = post_json(
        &format!("{}/v1/models/mymodel:predict", executor.base),
        &json!({"instances": [[0.0]]}),
    )
    .await;
    assert_eq!((status, body.as_str()), (200, r#"{"predictions":[[3.0]]}"#));
    assert_eq!(t.paths(), ["/v1/models/mymodel:predict"]);
    assert_eq!(m.paths(), ["/v1/models/mymodel:predict"]);
    assert_eq!(&m.calls()[0].body[..], br#"{"instances":[[1.0,2.0]]}"#);
    // Without a model in the URL each node uses its own name.
    let (status, _, _) = post_json(
        &format!("{}/v1/models:predict", executor.base),
        &json!({"instances": [1]}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(m.paths()[1], "/v1/models/m:predict");
}

#[tokio::test]
async fn v2_protocol_renames_outputs_to_inputs_between_units() {
    let t = start_unit("t", fixed(200, r#"{"model_name":"t","outputs":[{"name":"o","shape":[1],"datatype":"FP32","data":[1]}]}"#), None).await;
    let m = start_unit("m", fixed(200, r#"{"model_name":"m","outputs":[]}"#), None).await;
    let graph = node(
        "t",
        "TRANSFORMER",
        t.addr,
        vec![node("m", "MODEL", m.addr, vec![])],
    );
    let executor = start_executor(&graph, ProtocolKind::V2, |_| {}).await;
    let (status, _, _) = post_json(
        &format!("{}/v2/models/x/infer", executor.base),
        &json!({"inputs": [{"name": "i", "shape": [1], "datatype": "FP32", "data": [0]}]}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(m.paths(), ["/v2/models/x/infer"]);
    let chained: Value = serde_json::from_slice(&m.calls()[0].body).unwrap();
    assert_eq!(chained["inputs"][0]["name"], "o");
    assert!(chained.get("outputs").is_none());
}

#[tokio::test]
async fn status_metadata_readiness_and_metrics_are_served() {
    let m = start_unit(
        "m",
        fixed(
            200,
            r#"{"name":"m","inputs":[{"messagetype":"tensor"}],"outputs":[]}"#,
        ),
        None,
    )
    .await;
    let executor = start_executor(
        &node("m", "MODEL", m.addr, vec![]),
        ProtocolKind::Seldon,
        |c| {
            c.prometheus_path = "/prometheus".into();
        },
    )
    .await;
    let get = |path: &str| {
        let url = format!("{}{path}", executor.base);
        async move {
            let response = reqwest::get(url).await.unwrap();
            (response.status().as_u16(), response.text().await.unwrap())
        }
    };
    assert_eq!(get("/ready").await.0, 200);
    assert_eq!(get("/live").await.0, 200);
    assert_eq!(get("/api/v1.0/health/status").await.0, 200);
    let (status, body) = get("/api/v1.0/status/m").await;
    assert_eq!(status, 200);
    assert_eq!(parse(&body)["name"], "m");
    let (status, body) = get("/api/v1.0/metadata/nope").await;
    assert_eq!(status, 500);
    assert_eq!(parse(&body)["status"]["info"], "Failed to find model nope");
    let (status, body) = get("/api/v1.0/metadata").await;
    assert_eq!(status, 200);
    assert_eq!(
        parse(&body),
        json!({"name": "default", "models": {"m": {"name": "m", "inputs": [{"messagetype": "tensor"}], "outputs": []}},
               "graphinputs": [{"messagetype": "tensor"}], "graphoutputs": []})
    );
    let _ = post_json(
        &format!("{}/api/v1.0/predictions", executor.base),
        &request(),
    )
    .await;
    let (status, metrics) = get("/prometheus").await;
    assert_eq!(status, 200);
    assert!(
        metrics.contains(r#"seldon_api_executor_server_requests_seconds_count{code="200",deployment_name="dep",method="post",predictor_name="default",predictor_version="",service="predictions"} 1"#),
        "{metrics}"
    );
    assert!(metrics.contains(r#"model_name="m""#) && metrics.contains(r#"service="/predict""#));
    assert_eq!(get("/metrics").await.0, 404);
}

#[tokio::test]
async fn unknown_paths_are_404_and_wrong_methods_405() {
    let m = start_unit("m", tracing_unit("m"), None).await;
    let executor = start_executor(
        &node("m", "MODEL", m.addr, vec![]),
        ProtocolKind::Seldon,
        |_| {},
    )
    .await;
    let response = reqwest::get(format!("{}/api/v1.0/predictions", executor.base))
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
    assert!(response.headers().get("seldon-puid").is_none());
    let response = reqwest::get(format!("{}/nope", executor.base))
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    assert_eq!(response.text().await.unwrap(), "404 page not found\n");
    let response = reqwest::Client::new()
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/api/v1.0/predictions", executor.base),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["access-control-allow-methods"],
        "OPTIONS,POST"
    );
    assert!(m.calls().is_empty());
}

#[tokio::test]
async fn routing_injection_writes_meta_routing() {
    let r = start_unit("r", router_unit("r", 1), None).await;
    let a = start_unit("a", tracing_unit("a"), None).await;
    let b = start_unit("b", tracing_unit("b"), None).await;
    let graph = node(
        "r",
        "ROUTER",
        r.addr,
        vec![
            node("a", "MODEL", a.addr, vec![]),
            node("b", "MODEL", b.addr, vec![]),
        ],
    );
    let executor =
        start_executor(&graph, ProtocolKind::Seldon, |c| c.routing_injection = true).await;
    let (_, _, body) = post_json(
        &format!("{}/api/v1.0/predictions", executor.base),
        &request(),
    )
    .await;
    assert_eq!(parse(&body)["meta"]["routing"], json!({"b": -1, "r": 1}));
}

#[tokio::test]
async fn only_an_origin_named_by_cors_allowed_origins_is_allowed() {
    let model = start_unit("m", fixed(200, r#"{"data":{"ndarray":[1.0]}}"#), None).await;
    let executor = start_executor(
        &node("m", "MODEL", model.addr, vec![]),
        ProtocolKind::Seldon,
        |config| {
            config.cors =
                seldon_local::components::executor::Cors::new(Some("http://localhost:3000"), None)
                    .unwrap();
        },
    )
    .await;
    let (status, headers, _) = post_json(
        &format!("{}/api/v1.0/predictions", executor.base),
        &request(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        headers["access-control-allow-origin"],
        "http://localhost:3000"
    );
}
