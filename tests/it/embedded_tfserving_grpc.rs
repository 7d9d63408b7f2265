//! End to end on the embedded runtime over gRPC: `up -d` of examples/tfserving-grpc
//! (`protocol: tensorflow`, `transport: grpc`), TF Serving's `PredictionService` on the engine's
//! gRPC address, the engine calling the builtin model server over gRPC; the answers equal the REST
//! ones (`predict` with the example's request file) and TensorFlow's own scores.

use std::collections::HashMap;

use seldon_local::grpc::tfserving::model_service_client::ModelServiceClient;
use seldon_local::grpc::tfserving::prediction_service_client::PredictionServiceClient;
use seldon_local::protocol::grpc::tensorflow::serving::{
    GetModelStatusRequest, ModelSpec, PredictRequest,
};
use seldon_local::protocol::grpc::tensorflow::{TensorProto, TensorShapeProto, tensor_shape_proto};
use serde_json::Value;

use crate::common::{DownOnDrop, root, run_embedded as run};

fn images(request: &Value) -> TensorProto {
    let rows = request["instances"].as_array().unwrap();
    #[allow(clippy::cast_possible_truncation)] // the images are f32 data
    let values: Vec<f32> = rows
        .iter()
        .flat_map(|row| row.as_array().unwrap().iter())
        .map(|v| v.as_f64().unwrap() as f32)
        .collect();
    let dim = |size: usize| tensor_shape_proto::Dim {
        size: i64::try_from(size).unwrap(),
        ..Default::default()
    };
    TensorProto {
        dtype: 1, // DT_FLOAT
        tensor_shape: Some(TensorShapeProto {
            dim: vec![dim(rows.len()), dim(values.len() / rows.len())],
            unknown_rank: false,
        }),
        float_val: values,
        ..TensorProto::default()
    }
}

#[test]
#[allow(
    clippy::too_many_lines,
    reason = "one user session: up, REST predict, gRPC predict and status, compare"
)]
fn the_grpc_example_predicts_over_grpc_end_to_end_like_rest() {
    let state = tempfile::tempdir().unwrap();
    let guard = DownOnDrop(state.path(), "grpc-tfserving");
    let (code, stdout, stderr) = run(
        state.path(),
        &[
            "up",
            "--runtime",
            "embedded",
            "-d",
            "-o",
            "json",
            "examples/tfserving-grpc/sdep.yaml",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let running: Value = serde_json::from_str(&stdout).unwrap();
    let engine = running[0]["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "engine" && e["protocol"] == "grpc")
        .and_then(|e| e["address"].as_str())
        .unwrap()
        .to_owned();

    // REST, as `up` prints it.
    let command = running[0]["predict_command"].as_str().unwrap();
    assert_eq!(
        command,
        "seldon-local predict grpc-tfserving --file examples/tfserving-grpc/request.json"
    );
    let (code, stdout, stderr) = run(
        state.path(),
        &[
            "predict",
            "grpc-tfserving",
            "--file",
            "examples/tfserving-grpc/request.json",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let rest: Value = serde_json::from_str(&stdout).unwrap();
    let rest_scores: Vec<f64> = rest["predictions"][0]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();

    let request: Value = serde_json::from_slice(
        &std::fs::read(root().join("examples/tfserving-grpc/request.json")).unwrap(),
    )
    .unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (scores, state_code) = runtime.block_on(async {
        let channel = tonic::transport::Endpoint::from_shared(format!("http://{engine}"))
            .unwrap()
            .connect()
            .await
            .unwrap();
        let spec = Some(ModelSpec {
            name: "mnist-model".into(),
            signature_name: "predict_images".into(),
            ..ModelSpec::default()
        });
        let reply = PredictionServiceClient::new(channel.clone())
            .predict(PredictRequest {
                model_spec: spec.clone(),
                inputs: HashMap::from([("images".to_owned(), images(&request))]),
                ..PredictRequest::default()
            })
            .await
            .unwrap()
            .into_inner();
        let status = ModelServiceClient::new(channel)
            .get_model_status(GetModelStatusRequest { model_spec: spec })
            .await
            .unwrap()
            .into_inner();
        (
            reply.outputs["scores"].float_val.clone(),
            status.model_version_status[0].state,
        )
    });
    assert_eq!(state_code, 30, "the model is not AVAILABLE");
    assert_eq!(scores.len(), 10);
    assert_eq!(rest_scores.len(), 10);
    let heldout: Value = serde_json::from_slice(
        &std::fs::read(root().join("examples/tfserving-mnist/heldout.json")).unwrap(),
    )
    .unwrap();
    let tensorflow = heldout["models"]["tf1"]["scores"][0].as_array().unwrap();
    for ((grpc, rest), tf) in scores.iter().zip(&rest_scores).zip(tensorflow) {
        let grpc = f64::from(*grpc);
        assert!((grpc - rest).abs() <= 1e-6, "gRPC {grpc} vs REST {rest}");
        assert!(
            (grpc - tf.as_f64().unwrap()).abs() <= 1e-5,
            "gRPC {grpc} vs TensorFlow {tf}"
        );
    }

    // `predict --transport grpc` with the same REST request file: typed by the signature that
    // `GetModelMetadata` gives, answered as REST answers, on the engine and on the unit.
    for unit in [None, Some("mnist-model")] {
        let mut args = vec![
            "predict",
            "grpc-tfserving",
            "--transport",
            "grpc",
            "--file",
            "examples/tfserving-grpc/request.json",
        ];
        args.extend(unit.map(|u| ["--unit", u]).into_iter().flatten());
        let (code, stdout, stderr) = run(state.path(), &args);
        assert_eq!(code, 0, "{unit:?}: {stderr}");
        let answer: Value = serde_json::from_str(&stdout).unwrap();
        assert_eq!(
            answer, rest,
            "{unit:?}: gRPC and REST print the same answer"
        );
    }
    let (code, stdout, stderr) = run(
        state.path(),
        &["metadata", "grpc-tfserving", "--transport", "grpc"],
    );
    assert_eq!(code, 0, "{stderr}");
    let metadata: Value = serde_json::from_str(&stdout).unwrap();
    let inputs = &metadata["metadata"]["signature_def"]["signatureDef"]["predict_images"]["inputs"];
    assert_eq!(inputs["images"]["dtype"], "DT_FLOAT", "{metadata}");
    // An input the signature cannot take: TF's message as the gRPC status, exit 1.
    let (code, _, stderr) = run(
        state.path(),
        &[
            "predict",
            "grpc-tfserving",
            "--transport",
            "grpc",
            "--json",
            r#"{"signature_name": "predict_images", "instances": [[1.0, 2.0]]}"#,
        ],
    );
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("784"), "{stderr}");
    drop(guard);
}
