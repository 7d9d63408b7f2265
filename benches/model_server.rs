//! Predict throughput and latency of the builtin model server, batch 1 and 32, both in-process
//! (the engine alone, comparable to calling the `SavedModel` from Python) and over REST on a
//! loopback socket with a keep-alive client. Prints one JSON object per line;
//! `scripts/bench-model-server.sh` runs it next to TensorFlow and prints the ratios.
//!
//! Usage: `cargo bench --bench model_server -- [MODEL_BASE_PATH] [SECONDS_PER_CASE]`
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::cast_precision_loss)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use seldon_local::components::model_server::servable::Servable;
use seldon_local::components::model_server::tensor::{Tensor, Values};
use seldon_local::components::model_server::{
    Config, DEFAULT_MAX_BODY_BYTES, ModelConfig, VersionPolicy, serve,
};
use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, AsyncWriteExt as _, BufReader};

const SIGNATURE: &str = "predict_images";

fn main() {
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let base = args.next().map_or_else(
        || root.join("examples/tfserving-mnist/models/keras"),
        PathBuf::from,
    );
    let seconds: f64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(3.0);
    let per_case = Duration::from_secs_f64(seconds);
    let heldout: serde_json::Value = serde_json::from_slice(
        &std::fs::read(root.join("examples/tfserving-mnist/heldout.json")).unwrap(),
    )
    .unwrap();
    let rows: Vec<Vec<f32>> = heldout["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap() as f32)
                .collect()
        })
        .collect();

    let version = std::fs::read_dir(&base)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i64>().ok())
        .max()
        .unwrap();
    let servable = Servable::load(&base.join(version.to_string())).unwrap();
    let signature = servable.signature(Some(SIGNATURE)).unwrap();
    check_against_tensorflow(&base, &heldout, &rows, signature);
    for batch in [1usize, 32] {
        let input = Tensor {
            shape: vec![batch, 784],
            values: Values::Float(rows.iter().take(batch).flatten().copied().collect()),
        };
        let mut latencies = Vec::new();
        let start = Instant::now();
        while start.elapsed() < per_case {
            let t = Instant::now();
            let inputs = BTreeMap::from([("images".to_owned(), input.clone())]);
            std::hint::black_box(signature.predict(inputs).unwrap());
            latencies.push(t.elapsed());
        }
        report("engine", batch, start.elapsed(), &mut latencies);
    }

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let config = Config {
            models: vec![ModelConfig {
                name: "mnist".to_owned(),
                base_path: base.clone(),
                version_policy: VersionPolicy::default(),
                version_labels: BTreeMap::new(),
            }],
            poll_interval: None,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            events: None,
        };
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(serve(config, listener, async move {
            let _ = stopped.await;
        }));
        let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        stream.set_nodelay(true).unwrap();
        let mut stream = BufReader::new(stream);
        for batch in [1usize, 32] {
            let instances: Vec<&Vec<f32>> = rows.iter().take(batch).collect();
            let body = serde_json::json!({"signature_name": SIGNATURE, "instances": instances})
                .to_string();
            let request = format!(
                "POST /v1/models/mnist:predict HTTP/1.1\r\nhost: bench\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                body.len()
            );
            let mut latencies = Vec::new();
            let start = Instant::now();
            while start.elapsed() < per_case {
                let t = Instant::now();
                stream.get_mut().write_all(request.as_bytes()).await.unwrap();
                let status = read_response(&mut stream).await;
                assert_eq!(status, 200);
                latencies.push(t.elapsed());
            }
            report("rest", batch, start.elapsed(), &mut latencies);
        }
        stop.send(()).unwrap();
        drop(stream);
        server.await.unwrap().unwrap();
    });
}

/// Accuracy on the held-out digits and max |ours - TF| over all their scores, printed next to
/// TensorFlow's accuracy (recorded by `scripts/make-mnist-models.sh`).
fn check_against_tensorflow(
    base: &std::path::Path,
    heldout: &serde_json::Value,
    rows: &[Vec<f32>],
    signature: &seldon_local::components::model_server::servable::Signature,
) {
    let name = base.file_name().unwrap().to_str().unwrap();
    let Some(expected) = heldout["models"].get(name) else {
        return; // not one of the shipped models: nothing to compare with
    };
    let input = Tensor {
        shape: vec![rows.len(), 784],
        values: Values::Float(rows.iter().flatten().copied().collect()),
    };
    let outputs = signature
        .predict(BTreeMap::from([("images".to_owned(), input)]))
        .unwrap();
    let Values::Float(scores) = &outputs[0].1.values else {
        panic!("scores are not float")
    };
    let tf: Vec<f64> = expected["scores"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r.as_array().unwrap().iter().map(|v| v.as_f64().unwrap()))
        .collect();
    let max_abs_diff = scores
        .iter()
        .zip(&tf)
        .map(|(a, b)| (f64::from(*a) - b).abs())
        .fold(0.0, f64::max);
    let labels = heldout["labels"].as_array().unwrap();
    let correct = scores
        .chunks(10)
        .zip(labels)
        .filter(|(row, label)| {
            let best = (0..10).max_by(|&i, &j| row[i].total_cmp(&row[j])).unwrap();
            best as u64 == label.as_u64().unwrap()
        })
        .count();
    println!(
        "{}",
        serde_json::json!({
            "runtime": "seldon-local",
            "mode": "accuracy",
            "model": name,
            "heldout": labels.len(),
            "accuracy": correct as f64 / labels.len() as f64,
            "tensorflow_accuracy": expected["accuracy"],
            "max_abs_diff": max_abs_diff,
        })
    );
}

/// Reads one HTTP/1.1 response with a content-length body; returns the status.
async fn read_response(stream: &mut BufReader<tokio::net::TcpStream>) -> u16 {
    let mut line = String::new();
    stream.read_line(&mut line).await.unwrap();
    let status = line.split(' ').nth(1).unwrap().parse().unwrap();
    let mut length = 0;
    loop {
        line.clear();
        stream.read_line(&mut line).await.unwrap();
        if line == "\r\n" {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap();
        }
    }
    let mut body = vec![0; length];
    stream.read_exact(&mut body).await.unwrap();
    status
}

fn report(mode: &str, batch: usize, elapsed: Duration, latencies: &mut [Duration]) {
    latencies.sort_unstable();
    let n = latencies.len();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "{}",
        serde_json::json!({
            "runtime": "seldon-local",
            "mode": mode,
            "batch": batch,
            "requests": n,
            "requests_per_s": n as f64 / elapsed.as_secs_f64(),
            "p50_ms": ms(latencies[n / 2]),
            "p99_ms": ms(latencies[(n * 99 / 100).min(n - 1)]),
        })
    );
}
