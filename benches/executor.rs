//! Latency and throughput of a 784-float predict: straight to a model unit versus through the
//! built-in executor and tfserving proxy, at concurrency 1 and 32. Not a test; run it with
//! `scripts/bench-executor.sh`, which also starts a `seldon-core-microservice` reference peer and
//! passes `--peer http://127.0.0.1:<port>`.
//!
//! Everything except the peer runs in this process on loopback: a TF-Serving-compatible responder
//! (the model unit), the proxy in front of it, and the executor in front of the proxy. The load
//! generator runs on its own runtime and keeps one connection per concurrent client. The servers
//! share one runtime thread (`--server-threads N` to change), as `seldon-local component` runs each
//! component on one thread.
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::cast_precision_loss)] // a report, not a library

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::post;
use base64::Engine as _;
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

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let server_threads: usize = args
        .iter()
        .position(|a| a == "--server-threads")
        .and_then(|i| args.get(i + 1))
        .map_or(1, |n| n.parse().unwrap());
    let peer = args
        .iter()
        .position(|a| a == "--peer")
        .and_then(|i| args.get(i + 1))
        .cloned();

    let servers = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(server_threads)
        .enable_all()
        .build()
        .unwrap();
    let (tf, proxy_addr, executor_only, executor_addr, peer_executor) = servers.block_on(async {
        let tf = start_tf_responder().await;
        let proxy_addr = start_proxy(tf).await;
        let executor_only = start_executor(tf).await;
        let executor_addr = start_executor(proxy_addr).await;
        let peer_executor = match &peer {
            Some(url) => {
                let addr: SocketAddr = url.trim_start_matches("http://").parse().unwrap();
                Some(start_executor(addr).await)
            }
            None => None,
        };
        (tf, proxy_addr, executor_only, executor_addr, peer_executor)
    });

    let load = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let pixels = pixels();
    let tf_body = json!({"instances": [pixels]}).to_string();
    let seldon_body = json!({"data": {"ndarray": [pixels]}}).to_string();
    println!(
        "784-float predict, {} cores, one run",
        std::thread::available_parallelism().map_or(0, usize::from)
    );
    let tf_url = format!("http://{tf}/v1/models/mnist-model:predict");
    let through_url = format!("http://{executor_addr}/api/v1.0/predictions");
    let proxy_url = format!("http://{proxy_addr}/predict");
    let executor_url = format!("http://{executor_only}/api/v1.0/predictions");
    let peer_urls = peer.zip(peer_executor).map(|(peer, executor)| {
        (
            format!("{peer}/predict"),
            format!("http://{executor}/api/v1.0/predictions"),
        )
    });
    load.block_on(async {
        for (c, total) in [(1, REQUESTS_C1), (32, REQUESTS_C32)] {
            let direct = scenario(
                "model unit (TF REST) direct",
                &tf_url,
                &tf_body,
                c,
                total,
                None,
            )
            .await;
            let seldon = |name, url| scenario(name, url, &seldon_body, c, total, Some(&direct));
            seldon("executor + proxy + model unit", &through_url).await;
            seldon("  of which: proxy + model unit", &proxy_url).await;
            seldon("  of which: executor + model unit", &executor_url).await;
            if let Some((peer, through)) = &peer_urls {
                let total = total / 3;
                let name = "seldon-core-microservice direct";
                let direct = scenario(name, peer, &seldon_body, c, total, None).await;
                let name = "executor + seldon-core-microservice";
                scenario(name, through, &seldon_body, c, total, Some(&direct)).await;
            }
        }
    });
}

async fn scenario(
    name: &str,
    url: &str,
    body: &str,
    concurrency: usize,
    total: usize,
    baseline: Option<&Stats>,
) -> Stats {
    let stats = measure(url, body, concurrency, total).await;
    report(name, concurrency, &stats, baseline);
    stats
}
