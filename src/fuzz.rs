//! Entry points of the fuzz targets (`fuzz/fuzz_targets/*.rs`, run by `scripts/fuzz.sh`): each
//! takes arbitrary bytes through one surface that reads untrusted input, as the server or the
//! command that owns it would. A target may return any error; a panic, an abort (allocation
//! failure), a stack overflow or a hang is a finding. Compiled only with the `fuzzing` feature.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::AtomicBool;

use prost::Message as _;

use crate::components::model_server::bundle::Bundle;
use crate::components::model_server::rest;
use crate::components::model_server::servable::{Servable, TensorSpec};
use crate::components::storage::UnpackLimits;
use crate::components::storage::archive::{ArchiveKind, unpack};
use crate::protocol::grpc::inference::{ModelInferRequest, ModelInferResponse};
use crate::protocol::grpc::lazy::{LazyFeedback, LazyMessage, data_as_tensor};
use crate::protocol::grpc::seldon::protos::{Feedback, SeldonMessage as SeldonProto};
use crate::protocol::grpc::tensorflow::serving::{PredictRequest, PredictResponse};
use crate::protocol::grpc::{json, route, v2 as grpc_v2};
use crate::protocol::seldon::{Meta, PayloadKind, SeldonMessage};
use crate::protocol::tensorflow::ProxyRequest;
use crate::protocol::{tensorflow, tftensor, v2};
use crate::sdep::{self, OperatorConfig, SeldonVersion};

/// The sdep loader, then defaulting, validation and the plan, for both Seldon versions.
pub fn sdep(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(loaded) = sdep::load(text, "fuzz") else {
        return;
    };
    for document in loaded.documents {
        for version in [SeldonVersion::V1_2_1, SeldonVersion::V1_18_2] {
            let config = OperatorConfig::embedded(version);
            if let Ok(validated) = sdep::validate(document.sdep.clone(), &config) {
                let _ = crate::plan::build(&validated);
            }
        }
    }
}

/// The Seldon protocol's JSON: the message, its payload as an array, its wire form, the
/// conversions to the other protocols and the route a router answers.
pub fn seldon_json(data: &[u8]) {
    let _ = crate::protocol::seldon::extract_route(data);
    let _ = tensorflow::chain(data);
    let _ = v2::chain(data);
    let Ok(message) = SeldonMessage::from_slice(data) else {
        return;
    };
    let _ = message.payload_kind();
    if let Ok(Some(array)) = message.array() {
        let _ = array.to_json();
        let _ = v2::Tensor::from_ndarray("x", &array);
    }
    let _ = message.to_wire();
    let _ = v2::request_from_seldon(&message);
}

/// TF Serving's REST predict body, decoded against one of a few signatures (the first byte
/// chooses), as the builtin model server does, asserting its fast path agrees with the general
/// one; and a `tftensor` as the executor reads it.
pub fn tf_json(data: &[u8]) {
    let Some((&choice, body)) = data.split_first() else {
        return;
    };
    // DT_FLOAT 1, DT_DOUBLE 2, DT_INT32 3, DT_STRING 7, DT_INT64 9, DT_BOOL 10.
    let signatures: [&[(&str, i32)]; 4] = [
        &[("x", 1)],
        &[("images", 1), ("keys", 7)],
        &[("a", 3), ("b", 9), ("c", 10)],
        &[("d", 2)],
    ];
    let specs: Vec<TensorSpec> = signatures[usize::from(choice) % signatures.len()]
        .iter()
        .map(|(alias, dtype)| TensorSpec {
            alias: (*alias).to_owned(),
            dtype: *dtype,
            shape: None,
        })
        .collect();
    // The one-pass readers (envelope, then float lists) decide as the `Json` tree does, down
    // to the error and every bit of every value.
    // (An empty document has its own error, before either.)
    let fast = rest::parse_predict(body).and_then(|mut request| request.decode(&specs));
    if !body.iter().all(u8::is_ascii_whitespace) {
        let tree = rest::parse_tree(body).and_then(|mut request| request.decode(&specs));
        assert_eq!(
            format!("{fast:?}"),
            format!("{tree:?}"),
            "fast and tree decodes differ"
        );
    }
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(body)
        && let Ok(array) = tftensor::to_ndarray(&value)
    {
        let _ = tftensor::from_ndarray(&array);
    }
}

/// The V2 (Open Inference Protocol) REST body: the engine's parse and conversion to the Seldon
/// protocol and to gRPC, and the Triton-compatible server's decode with the binary extension
/// (the first two bytes give the JSON header's length when not `0xffff`).
pub fn v2_json(data: &[u8]) {
    let (header, body) = match data {
        [a, b, rest @ ..] => (u16::from_le_bytes([*a, *b]), rest),
        _ => return,
    };
    let header = (header != u16::MAX).then_some(usize::from(header));
    let _ = crate::components::triton::api::decode(body, header);
    if let Ok(request) = serde_json::from_slice::<v2::InferenceRequest>(body) {
        let _ = v2::request_to_seldon(&request);
        let _ = grpc_v2::infer_request(&request, "m");
    }
    if let Ok(response) = serde_json::from_slice::<v2::InferenceResponse>(body) {
        let _ = v2::response_to_seldon(&response, PayloadKind::Tensor);
        for output in &response.outputs {
            let _ = output.to_ndarray();
        }
    }
}

/// The TF Serving proxy: a unit request in any of the shapes the Python wrapper accepts (the
/// first byte picks the content type), converted to TF Serving's body; and a TF Serving reply
/// converted back.
pub fn proxy(data: &[u8]) {
    let Some((&choice, body)) = data.split_first() else {
        return;
    };
    let content_type = [
        Some("application/json"),
        None,
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=b"),
    ][usize::from(choice) % 4];
    let bytes = bytes::Bytes::copy_from_slice(body);
    let message = crate::components::proxy::form::message_bytes(content_type, None, bytes)
        .unwrap_or_else(|_| bytes::Bytes::copy_from_slice(body));
    // What the scanner calls a uniform numeric list is JSON, as serde skips it (no range
    // check: `11e4040` is JSON that no f64 holds, and is forwarded as text like any other), and
    // an array to the general path wherever serde can hold its numbers.
    if crate::protocol::json_scan::uniform_numeric_list(body) {
        assert!(
            serde_json::from_slice::<serde::de::IgnoredAny>(body).is_ok(),
            "a uniform numeric list is not JSON"
        );
        if let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) {
            assert!(
                crate::protocol::NdArray::from_json(&value).is_ok(),
                "a uniform numeric list is not an array: {value}"
            );
        }
    }
    // The one-pass reading of the common envelope reads what the lazy path reads, or declines.
    if let Some(plain) = ProxyRequest::from_plain_envelope(&message) {
        let lazy = ProxyRequest::from_lazy_message(&message).ok();
        assert_eq!(
            Some(plain),
            lazy,
            "from_plain_envelope differs from the lazy path"
        );
    }
    // A list handed to a model server of this process with the body is the list it would read
    // there, and reading it changes nothing else of the request.
    if let Ok((request, meta, floats)) = ProxyRequest::from_slice_reading(&message) {
        assert_eq!(
            ProxyRequest::from_slice(&message).ok(),
            Some((request.clone(), meta)),
            "from_slice_reading differs from from_slice"
        );
        let (body, read) = request.to_body_handing("serving_default", floats);
        if read.is_some() {
            let handed = crate::protocol::tensorflow::plain_predict_with(&body, read);
            let read_there = crate::protocol::tensorflow::plain_predict(&body);
            assert_eq!(
                handed, read_there,
                "a handed list differs from the one read there"
            );
        }
    }
    if let Ok((request, meta)) = ProxyRequest::from_slice(&message) {
        let _ = request.to_body("serving_default");
        let meta = meta.unwrap_or_default();
        // The transcoded reply is the general path's, byte for byte, or the same failure.
        let general = request.reply(body, meta.clone()).map(|m| m.to_wire());
        let fast = request.reply_wire(body, meta);
        assert_eq!(fast.ok(), general.ok(), "reply_wire differs from reply");
        let fixed: &[u8] = br#"{"predictions": [[0.5, 0.5]]}"#;
        let _ = request.reply(fixed, Meta::default());
    }
}

/// The gRPC messages seldon-local decodes (prost) and what it makes of them.
pub fn grpc(data: &[u8]) {
    if let Ok(message) = SeldonProto::decode(data) {
        let _ = route::route_of(&message);
        let _ = json::to_json(&message);
    }
    if let Ok(lazy) = LazyMessage::decode(data) {
        let _ = lazy.decode_payload();
        if let Some(crate::protocol::grpc::lazy::Payload::Data(bytes)) = &lazy.payload {
            let _ = data_as_tensor(bytes);
        }
    }
    let _ = data_as_tensor(data);
    if let Ok(feedback) = LazyFeedback::decode(data) {
        let _ = route::feedback_route(&feedback, "node");
    }
    let _ = Feedback::decode(data);
    if let Ok(request) = PredictRequest::decode(data) {
        let _ = json::to_json(&request);
    }
    let _ = PredictResponse::decode(data);
    if let Ok(request) = ModelInferRequest::decode(data) {
        let _ = crate::components::triton::grpc::decode(&request);
    }
    if let Ok(response) = ModelInferResponse::decode(data) {
        let _ = grpc_v2::infer_response(&response);
    }
}

/// A scratch directory per fuzzing process.
fn scratch() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("seldon-local-fuzz-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        dir
    })
}

/// A SavedModel: the bytes are `saved_model.pb`, next to the MNIST example's checkpoint when
/// the first byte is odd (so signatures resolve variables), without one otherwise.
pub fn savedmodel(data: &[u8]) {
    let Some((&choice, pb)) = data.split_first() else {
        return;
    };
    let dir = scratch().join(if choice % 2 == 1 { "with" } else { "without" });
    let variables = dir.join("variables");
    if choice % 2 == 1 && !variables.exists() {
        let source = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("examples/tfserving-mnist/models/tf1/1/variables");
        let _ = std::fs::create_dir_all(&variables);
        for name in ["variables.index", "variables.data-00000-of-00001"] {
            let _ = std::fs::copy(source.join(name), variables.join(name));
        }
    }
    let _ = std::fs::create_dir_all(&dir);
    if std::fs::write(dir.join("saved_model.pb"), pb).is_ok() {
        // libFuzzer's panic hook aborts on any panic, but the loader contains a panic of
        // tract's graph builders to the one model (`servable::compile`), as the server does in
        // production: let such panics unwind, and count only one that escapes the loader.
        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let loaded = std::panic::catch_unwind(|| Servable::load(&dir));
        std::panic::set_hook(hook);
        assert!(loaded.is_ok(), "a panic escaped Servable::load");
    }
}

/// A TF checkpoint (tensor bundle): the first four bytes give the index's length, the index
/// follows, the rest is the data shard; every tensor the index names is read.
pub fn checkpoint(data: &[u8]) {
    let Some((len, rest)) = data.split_first_chunk::<4>() else {
        return;
    };
    let len = usize::try_from(u32::from_le_bytes(*len)).unwrap_or(usize::MAX);
    let (index, shard) = rest.split_at(len.min(rest.len()));
    let dir = scratch().join("checkpoint");
    let _ = std::fs::create_dir_all(&dir);
    let prefix = dir.join("variables");
    if std::fs::write(dir.join("variables.index"), index).is_err()
        || std::fs::write(dir.join("variables.data-00000-of-00001"), shard).is_err()
    {
        return;
    }
    if let Ok(bundle) = Bundle::open(&prefix) {
        let keys: Vec<String> = bundle.keys().map(str::to_owned).collect();
        for key in keys {
            let _ = bundle.read(&key);
        }
    }
}

/// The storage initializer's archive extractor, with limits small enough for a fuzzer (1 MiB,
/// 1,000 entries): the first byte picks tar, tar.gz or zip.
pub fn archive(data: &[u8]) {
    let Some((&choice, bytes)) = data.split_first() else {
        return;
    };
    let kind = [ArchiveKind::Tar, ArchiveKind::TarGz, ArchiveKind::Zip][usize::from(choice) % 3];
    let dir = scratch().join("archive");
    let file = scratch().join("archive.bin");
    let _ = std::fs::remove_dir_all(&dir);
    if std::fs::create_dir_all(&dir).is_err() || std::fs::write(&file, bytes).is_err() {
        return;
    }
    let limits = UnpackLimits {
        max_bytes: 1 << 20,
        max_entries: 1000,
    };
    let _ = unpack(kind, &file, "fuzz", &dir, limits, &AtomicBool::new(false));
}
