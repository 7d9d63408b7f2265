//! What the loopback benchmarks share: the request, the measuring loop, the in-process engine
//! (executor -> tfserving proxy -> a TF-Serving-compatible responder) and the report line.
//! Each bench is its own crate and uses part of this, hence the `dead_code` allowance.
#![allow(
    dead_code,
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::cast_precision_loss,
    reason = "a report shared by several bench crates, each using part of it"
)]

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::post;
use base64::Engine as _;
use seldon_local::components::{executor, proxy};
use seldon_local::protocol::ProtocolKind;
use serde_json::json;
use tokio::net::TcpListener;

/// Calls each client makes before its latencies count (connections open, caches warm).
pub(crate) const WARMUP: usize = 300;

pub(crate) struct Stats {
    pub(crate) p50: Duration,
    pub(crate) p99: Duration,
    pub(crate) rps: f64,
}

impl Stats {
    fn of(mut latencies: Vec<Duration>, elapsed: Duration) -> Self {
        latencies.sort();
        let at =
            |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
        Self {
            p50: at(0.50),
            p99: at(0.99),
            rps: latencies.len() as f64 / elapsed.as_secs_f64(),
        }
    }
}

/// One MNIST-sized row: 784 floats in [0, 1].
pub(crate) fn pixels() -> Vec<f64> {
    (0..784).map(|i| f64::from(i % 255) / 255.0).collect()
}

pub(crate) async fn bind() -> (TcpListener, SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    (listener, addr)
}

pub(crate) fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// Runs `total` calls from `concurrency` clients, each client made once by `connect` and each
/// call by `call` (which must succeed).
pub(crate) async fn measure<C, Fc, F, Fut>(
    concurrency: usize,
    total: usize,
    connect: Fc,
    call: F,
) -> Stats
where
    C: Send + 'static,
    Fc: Fn() -> Pin<Box<dyn Future<Output = C> + Send>>,
    F: Fn(&mut C) -> Fut + Send + Sync + Clone + 'static,
    Fut: Future<Output = ()> + Send,
{
    let per_client = total / concurrency;
    let mut clients = Vec::new();
    for _ in 0..concurrency {
        clients.push(connect().await);
    }
    let start = Instant::now();
    let tasks: Vec<_> = clients
        .into_iter()
        .map(|mut client| {
            let call = call.clone();
            tokio::spawn(async move {
                for _ in 0..=(WARMUP / concurrency) {
                    call(&mut client).await;
                }
                let mut latencies = Vec::with_capacity(per_client);
                for _ in 0..per_client {
                    let request_start = Instant::now();
                    call(&mut client).await;
                    latencies.push(request_start.elapsed());
                }
                latencies
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(total);
    for task in tasks {
        latencies.extend(task.await.unwrap());
    }
    Stats::of(latencies, start.elapsed())
}

/// `measure` of JSON POSTs to `url`, one keep-alive connection per client; any status but 200
/// stops the run.
pub(crate) async fn measure_rest(url: &str, body: &str, concurrency: usize, total: usize) -> Stats {
    let url = url.to_owned();
    let body = bytes::Bytes::from(body.to_owned());
    measure(
        concurrency,
        total,
        || {
            Box::pin(async {
                reqwest::Client::builder()
                    .tcp_nodelay(true)
                    .build()
                    .unwrap()
            })
        },
        move |client: &mut reqwest::Client| {
            let request = client
                .post(&url)
                .header("content-type", "application/json")
                .body(body.clone());
            let url = url.clone();
            async move {
                let response = request.send().await.unwrap();
                assert_eq!(response.status(), 200, "{url}");
                response.bytes().await.unwrap();
            }
        },
    )
    .await
}

/// One line of the report; with a baseline, the ratios against it.
pub(crate) fn report(
    name: &str,
    concurrency: usize,
    stats: &Stats,
    baseline: Option<(&str, &Stats)>,
) {
    let ratio = baseline.map_or_else(String::new, |(what, b)| {
        format!(
            "  vs {what}: p50 x{:.2} (+{:.0} us)  req/s x{:.2}",
            micros(stats.p50) / micros(b.p50),
            micros(stats.p50) - micros(b.p50),
            stats.rps / b.rps
        )
    });
    println!(
        "{name:<44} c={concurrency:<3} p50 {:>7.0} us  p99 {:>7.0} us  {:>7.0} req/s{ratio}",
        micros(stats.p50),
        micros(stats.p99),
        stats.rps
    );
}

/// The model unit: answers every TF predict with ten class scores.
pub(crate) async fn start_tf_responder() -> SocketAddr {
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

/// The tfserving proxy in front of the TF REST endpoint `tf`.
pub(crate) async fn start_proxy(tf: SocketAddr) -> SocketAddr {
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

/// The executor of a one-model graph whose model is the Seldon REST unit at `unit`.
pub(crate) async fn start_executor(unit: SocketAddr) -> SocketAddr {
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
