//! Latency and throughput of a 784-float Seldon predict: straight to an engine (the built-in
//! executor in front of the tfserving proxy and a TF-Serving-compatible responder) versus through
//! the ingress, at concurrency 1 and 32. Not a test; run it with `scripts/bench-ingress.sh`.
//!
//! The engine's components share one runtime thread, as `seldon-local component` runs each on one
//! thread; the ingress runs on a current-thread runtime of its own, as `component ingress` does in
//! its own process. The load generator runs on a third runtime with one connection per client.
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::cast_precision_loss)] // a report, not a library

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::post;
use base64::Engine as _;
use seldon_local::components::ingress::{self, FixedRoutes, Route, Routes, Target};
use seldon_local::components::{executor, proxy};
use seldon_local::protocol::ProtocolKind;
use serde_json::json;
use tokio::net::TcpListener;

const WARMUP: usize = 300;
const REQUESTS_C1: usize = 3000;
const REQUESTS_C32: usize = 6000;

struct Stats {
    p50: Duration,
    p99: Duration,
    rps: f64,
}

fn pixels() -> Vec<f64> {
    (0..784).map(|i| f64::from(i % 255) / 255.0).collect()
}

async fn bind() -> (TcpListener, SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    (listener, addr)
}

/// The model unit: answers every TF predict with ten class scores.
async fn start_tf_responder() -> SocketAddr {
    let reply =
        json!({"predictions": [[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]]}).to_string();
    let router = Router::new().fallback(post(move || {
        let reply = reply.clone();
        async move { ([("content-type", "application/json")], reply) }
    }));
    let (listener, addr) = bind().await;
    tokio::spawn(seldon_local::http::serve(
        listener,
        router,
        std::future::pending(),
    ));
    addr
}

async fn start_proxy(tf: SocketAddr) -> SocketAddr {
    let parameters = json!([
        {"name": "rest_endpoint", "value": format!("http://{tf}"), "type": "STRING"},
        {"name": "model_name", "value": "mnist-model", "type": "STRING"},
    ]);
    let config =
        proxy::Config::from_parameters(&parameters.to_string(), Some("mnist-model".into()), None)
            .unwrap();
    let (listener, addr) = bind().await;
    tokio::spawn(proxy::serve(
        config,
        listener,
        None,
        None,
        std::future::pending(),
    ));
    addr
}

async fn start_executor(unit: SocketAddr) -> SocketAddr {
    let spec = json!({"name": "default", "graph": {
        "name": "mnist-model", "type": "MODEL",
        "endpoint": {"service_host": "127.0.0.1", "service_port": unit.port(), "httpPort": unit.port()}
    }});
    let encoded = base64::engine::general_purpose::STANDARD.encode(spec.to_string());
    let predictor = executor::Predictor::from_engine_predictor(&encoded).unwrap();
    let config = executor::Config::new("bench", "default", predictor, ProtocolKind::Seldon);
    let (listener, addr) = bind().await;
    tokio::spawn(executor::run(config, listener, std::future::pending()));
    addr
}

async fn measure(url: &str, body: &str, concurrency: usize, total: usize) -> Stats {
    let per_client = total / concurrency;
    let start = Instant::now();
    let clients = (0..concurrency).map(|_| {
        let url = url.to_owned();
        let body = bytes::Bytes::from(body.to_owned());
        tokio::spawn(async move {
            let client = reqwest::Client::builder()
                .tcp_nodelay(true)
                .build()
                .unwrap();
            let send = |client: &reqwest::Client| {
                client
                    .post(&url)
                    .header("content-type", "application/json")
                    .body(body.clone())
                    .send()
            };
            for _ in 0..=(WARMUP / concurrency) {
                let response = send(&client).await.unwrap();
                assert_eq!(response.status(), 200, "{url}");
                response.bytes().await.unwrap();
            }
            let mut latencies = Vec::with_capacity(per_client);
            for _ in 0..per_client {
                let request_start = Instant::now();
                let response = send(&client).await.unwrap();
                assert_eq!(response.status(), 200);
                response.bytes().await.unwrap();
                latencies.push(request_start.elapsed());
            }
            latencies
        })
    });
    let mut latencies = Vec::with_capacity(total);
    for client in clients.collect::<Vec<_>>() {
        latencies.extend(client.await.unwrap());
    }
    let elapsed = start.elapsed();
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
    Stats {
        p50: at(0.50),
        p99: at(0.99),
        rps: latencies.len() as f64 / elapsed.as_secs_f64(),
    }
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn report(name: &str, concurrency: usize, stats: &Stats, baseline: Option<&Stats>) {
    let ratio = baseline.map_or_else(String::new, |b| {
        format!(
            "  p50 x{:.2} (+{:.0} us)  req/s x{:.2}",
            micros(stats.p50) / micros(b.p50),
            micros(stats.p50) - micros(b.p50),
            stats.rps / b.rps
        )
    });
    println!(
        "{name:<36} c={concurrency:<3} p50 {:>8.0} us  p99 {:>8.0} us  {:>8.0} req/s{ratio}",
        micros(stats.p50),
        micros(stats.p99),
        stats.rps
    );
}

/// The ingress on a thread and runtime of its own, routing `default/one` to one engine and
/// `default/split` 75/25 across two.
fn start_ingress(one: SocketAddr, other: SocketAddr) -> SocketAddr {
    let target = |name: &str, addr: SocketAddr, weight| Target {
        predictor: name.to_owned(),
        rest: format!("http://{addr}"),
        grpc: None,
        weight,
        shadow: false,
        ready: true,
    };
    let mut routes = Routes::default();
    routes.insert(Route::new("default", "one", vec![target("main", one, 0)]));
    routes.insert(Route::new(
        "default",
        "split",
        vec![target("main", one, 75), target("canary", other, 25)],
    ));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = TcpListener::from_std(listener).unwrap();
            ingress::run(
                ingress::Config::default(),
                Arc::new(FixedRoutes(routes)),
                listener,
                std::future::pending(),
            )
            .await
            .unwrap();
        });
    });
    addr
}

fn main() {
    let servers = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let (engine, other) = servers.block_on(async {
        let tf = start_tf_responder().await;
        let proxy_addr = start_proxy(tf).await;
        (
            start_executor(proxy_addr).await,
            start_executor(proxy_addr).await,
        )
    });
    let ingress = start_ingress(engine, other);
    let load = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let body = json!({"data": {"ndarray": [pixels()]}}).to_string();
    println!(
        "784-float Seldon predict, {} cores, one run",
        std::thread::available_parallelism().map_or(0, usize::from)
    );
    let direct_url = format!("http://{engine}/api/v1.0/predictions");
    let one_url = format!("http://{ingress}/seldon/default/one/api/v1.0/predictions");
    let split_url = format!("http://{ingress}/seldon/default/split/api/v1.0/predictions");
    load.block_on(async {
        for (c, total) in [(1, REQUESTS_C1), (32, REQUESTS_C32)] {
            let direct = measure(&direct_url, &body, c, total).await;
            report("engine direct", c, &direct, None);
            let one = measure(&one_url, &body, c, total).await;
            report("ingress -> engine", c, &one, Some(&direct));
            let split = measure(&split_url, &body, c, total).await;
            report("ingress 75/25 -> two engines", c, &split, Some(&direct));
        }
    });
}
