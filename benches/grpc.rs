//! gRPC next to REST through the whole pod: a 784-float MNIST predict sent to the executor, which
//! calls the tfserving proxy, which calls the builtin model server running the shipped model, at
//! concurrency 1 and 32. Not a test; run it with `scripts/bench-grpc.sh`, which also starts the
//! real Python wrapper (`seldon-core-microservice`, one worker, one thread) as the reference peer
//! and passes `--peer-grpc 127.0.0.1:<port>`.
//!
//! Over REST every hop is JSON (engine and proxy over HTTP/1.1, the proxy calling TF Serving's
//! REST API); over gRPC every hop is protobuf (the proxy calling TF Serving's `PredictionService`
//! with `grpc_endpoint`). The three servers share one runtime thread (`--server-threads N` to
//! change), as `seldon-local component` runs each component on one thread; the load generator
//! runs on its own runtime with one connection per concurrent client.
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::cast_precision_loss)] // a report, not a library

mod common;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;

use base64::Engine as _;
use common::{Stats, bind, measure, measure_rest, pixels, report};
use prost_types::{ListValue, Value, value::Kind};
use seldon_local::components::model_server::manager::{ModelConfig, VersionPolicy};
use seldon_local::components::{executor, model_server, proxy};
use seldon_local::grpc::seldon::model_client::ModelClient;
use seldon_local::grpc::seldon::seldon_client::SeldonClient;
use seldon_local::protocol::ProtocolKind;
use seldon_local::protocol::grpc::seldon::protos::{
    DefaultData, SeldonMessage, default_data, seldon_message,
};
use serde_json::json;
use tonic::transport::Channel;

const REQUESTS_C1: usize = 2000;
const REQUESTS_C32: usize = 6000;

/// The builtin model server with the shipped MNIST model; its REST and gRPC addresses.
async fn start_model_server() -> (SocketAddr, SocketAddr) {
    let (rest, rest_addr) = bind().await;
    let (grpc, grpc_addr) = bind().await;
    let config = model_server::Config {
        models: vec![ModelConfig {
            name: "mnist-model".to_owned(),
            base_path: PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("examples/tfserving-mnist/models/tf1"),
            version_policy: VersionPolicy::Latest { num_versions: 1 },
            version_labels: BTreeMap::new(),
        }],
        poll_interval: None,
        max_body_bytes: 16 << 20,
        events: None,
    };
    tokio::spawn(model_server::serve_all(
        config,
        rest,
        Some(grpc),
        std::future::pending(),
    ));
    (rest_addr, grpc_addr)
}

/// The proxy in front of it (REST and gRPC APIs; TF Serving over gRPC for gRPC requests).
async fn start_proxy(tf_rest: SocketAddr, tf_grpc: SocketAddr) -> (SocketAddr, SocketAddr) {
    let parameters = json!([
        {"name": "rest_endpoint", "value": format!("http://{tf_rest}"), "type": "STRING"},
        {"name": "grpc_endpoint", "value": tf_grpc.to_string(), "type": "STRING"},
        {"name": "model_name", "value": "mnist-model", "type": "STRING"},
        {"name": "signature_name", "value": "predict_images", "type": "STRING"},
        {"name": "model_input", "value": "images", "type": "STRING"},
        {"name": "model_output", "value": "scores", "type": "STRING"},
    ]);
    let config =
        proxy::Config::from_parameters(&parameters.to_string(), Some("mnist-model".into()), None)
            .unwrap();
    let (rest, rest_addr) = bind().await;
    let (grpc, grpc_addr) = bind().await;
    tokio::spawn(proxy::serve(
        config,
        rest,
        Some(grpc),
        None,
        std::future::pending(),
    ));
    (rest_addr, grpc_addr)
}

/// The executor in front of a unit with REST port `http` and gRPC port `grpc`.
async fn start_executor(http: u16, grpc: u16) -> (SocketAddr, SocketAddr) {
    let spec = json!({"name": "default", "graph": {
        "name": "mnist-model", "type": "MODEL",
        "endpoint": {"service_host": "127.0.0.1", "service_port": http, "httpPort": http, "grpcPort": grpc}
    }});
    let encoded = base64::engine::general_purpose::STANDARD.encode(spec.to_string());
    let predictor = executor::Predictor::from_engine_predictor(&encoded).unwrap();
    let config = executor::Config::new("bench", "default", predictor, ProtocolKind::Seldon);
    let (rest, rest_addr) = bind().await;
    let (grpc, grpc_addr) = bind().await;
    tokio::spawn(executor::serve(
        config,
        Some(rest),
        Some(grpc),
        std::future::pending(),
    ));
    (rest_addr, grpc_addr)
}

async fn channel(addr: SocketAddr) -> Channel {
    Channel::from_shared(format!("http://{addr}"))
        .unwrap()
        .tcp_nodelay(true)
        .connect()
        .await
        .unwrap()
}

async fn engine_grpc_stats(
    addr: SocketAddr,
    message: SeldonMessage,
    concurrency: usize,
    total: usize,
) -> Stats {
    measure(
        concurrency,
        total,
        move || Box::pin(async move { SeldonClient::new(channel(addr).await) }),
        move |client: &mut SeldonClient<Channel>| {
            let mut client = client.clone();
            let message = message.clone();
            async move {
                client.predict(message).await.unwrap();
            }
        },
    )
    .await
}

async fn unit_grpc_stats(
    addr: SocketAddr,
    message: SeldonMessage,
    concurrency: usize,
    total: usize,
) -> Stats {
    measure(
        concurrency,
        total,
        move || Box::pin(async move { ModelClient::new(channel(addr).await) }),
        move |client: &mut ModelClient<Channel>| {
            let mut client = client.clone();
            let message = message.clone();
            async move {
                client.predict(message).await.unwrap();
            }
        },
    )
    .await
}

fn ndarray_message(pixels: &[f64]) -> SeldonMessage {
    let row = Value {
        kind: Some(Kind::ListValue(ListValue {
            values: pixels
                .iter()
                .map(|&x| Value {
                    kind: Some(Kind::NumberValue(x)),
                })
                .collect(),
        })),
    };
    SeldonMessage {
        data_oneof: Some(seldon_message::DataOneof::Data(DefaultData {
            names: Vec::new(),
            data_oneof: Some(default_data::DataOneof::Ndarray(ListValue {
                values: vec![row],
            })),
        })),
        ..SeldonMessage::default()
    }
}

fn tensor_message(pixels: &[f64]) -> SeldonMessage {
    SeldonMessage {
        data_oneof: Some(seldon_message::DataOneof::Data(DefaultData {
            names: Vec::new(),
            data_oneof: Some(default_data::DataOneof::Tensor(
                seldon_local::protocol::grpc::seldon::protos::Tensor {
                    shape: vec![1, 784],
                    values: pixels.to_vec(),
                },
            )),
        })),
        ..SeldonMessage::default()
    }
}

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let server_threads: usize = arg(&args, "--server-threads").map_or(1, |n| n.parse().unwrap());
    let peer: Option<SocketAddr> = arg(&args, "--peer-grpc").map(|a| a.parse().unwrap());

    let servers = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(server_threads)
        .enable_all()
        .build()
        .unwrap();
    let (engine_rest, engine_grpc, proxy_grpc) = servers.block_on(async {
        let (tf_rest, tf_grpc) = start_model_server().await;
        let (proxy_rest, proxy_grpc) = start_proxy(tf_rest, tf_grpc).await;
        let (engine_rest, engine_grpc) = start_executor(proxy_rest.port(), proxy_grpc.port()).await;
        (engine_rest, engine_grpc, proxy_grpc)
    });

    let load = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let pixels = pixels();
    let rest_body = json!({"data": {"ndarray": [pixels]}}).to_string();
    let rest_tensor =
        json!({"data": {"tensor": {"shape": [1, 784], "values": pixels}}}).to_string();
    let rest_url = format!("http://{engine_rest}/api/v1.0/predictions");
    println!(
        "784-float MNIST predict through executor + tfserving proxy + builtin model server (the shipped model); {} cores, servers on {server_threads} thread(s), one run",
        std::thread::available_parallelism().map_or(0, usize::from)
    );
    load.block_on(async {
        for (c, total) in [(1, REQUESTS_C1), (32, REQUESTS_C32)] {
            let rest = measure_rest(&rest_url, &rest_body, c, total).await;
            report("REST  engine+proxy+model server (ndarray)", c, &rest, None);
            let grpc = engine_grpc_stats(engine_grpc, ndarray_message(&pixels), c, total).await;
            report(
                "gRPC  engine+proxy+model server (ndarray)",
                c,
                &grpc,
                Some(("REST", &rest)),
            );
            let unit = unit_grpc_stats(proxy_grpc, ndarray_message(&pixels), c, total).await;
            report(
                "  of which: proxy+model server (ndarray)",
                c,
                &unit,
                Some(("the whole pod", &grpc)),
            );
            let rest_t = measure_rest(&rest_url, &rest_tensor, c, total).await;
            report("REST  engine+proxy+model server (tensor)", c, &rest_t, None);
            let grpc_t = engine_grpc_stats(engine_grpc, tensor_message(&pixels), c, total).await;
            report(
                "gRPC  engine+proxy+model server (tensor)",
                c,
                &grpc_t,
                Some(("REST", &rest_t)),
            );
            if let Some(peer) = peer {
                let total = total / 2;
                let python = unit_grpc_stats(peer, ndarray_message(&pixels), c, total).await;
                report("gRPC  Python wrapper unit alone (reference)", c, &python, None);
                println!(
                    "{:<44} c={c:<3} our whole pod over gRPC on {server_threads} thread(s) vs the Python unit on 1: req/s per core x{:.1}",
                    "",
                    (grpc.rps / server_threads as f64) / python.rps
                );
            }
        }
    });
}
