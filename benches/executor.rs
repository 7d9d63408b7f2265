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

mod common;

use std::net::SocketAddr;

use common::{
    Stats, measure_rest, pixels, report, start_executor, start_proxy, start_tf_responder,
};
use serde_json::json;

const REQUESTS_C1: usize = 3000;
const REQUESTS_C32: usize = 6000;

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
    let stats = measure_rest(url, body, concurrency, total).await;
    report(name, concurrency, &stats, baseline.map(|b| ("direct", b)));
    stats
}
