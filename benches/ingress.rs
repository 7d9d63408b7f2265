//! Latency and throughput of a 784-float Seldon predict: straight to an engine (the built-in
//! executor in front of the tfserving proxy and a TF-Serving-compatible responder) versus through
//! the ingress, at concurrency 1 and 32. Not a test; run it with `scripts/bench-ingress.sh`.
//!
//! The engine's components share one runtime thread, as `seldon-local component` runs each on one
//! thread; the ingress runs on a current-thread runtime of its own, as `component ingress` does in
//! its own process. The load generator runs on a third runtime with one connection per client.
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::cast_precision_loss)] // a report, not a library

mod common;

use std::net::SocketAddr;
use std::sync::Arc;

use common::{measure_rest, pixels, report, start_executor, start_proxy, start_tf_responder};
use seldon_local::components::ingress::{self, FixedRoutes, Route, Routes, Target};
use serde_json::json;
use tokio::net::TcpListener;

const REQUESTS_C1: usize = 3000;
const REQUESTS_C32: usize = 6000;

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
            let direct = measure_rest(&direct_url, &body, c, total).await;
            report("engine direct", c, &direct, None);
            let one = measure_rest(&one_url, &body, c, total).await;
            report(
                "ingress -> engine",
                c,
                &one,
                Some(("engine direct", &direct)),
            );
            let split = measure_rest(&split_url, &body, c, total).await;
            report(
                "ingress 75/25 -> two engines",
                c,
                &split,
                Some(("engine direct", &direct)),
            );
        }
    });
}
