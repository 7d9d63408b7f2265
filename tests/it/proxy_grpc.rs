//! The tfserving proxy's gRPC API (the Seldon `Model` service) in front of the builtin model
//! server serving the shipped MNIST model over REST and gRPC, in process: every payload kind
//! against TensorFlow's scores, the REST bridge without `grpc_endpoint`, and bad input.

use std::collections::BTreeMap;
use std::time::Duration;

use prost::Message as _;
use seldon_local::components::model_server::manager::{ModelConfig, VersionPolicy};
use seldon_local::components::model_server::{self, Config as ServerConfig};
use seldon_local::components::proxy::{self, Config};
use seldon_local::grpc::seldon::model_client::ModelClient;
use seldon_local::grpc::seldon::transformer_client::TransformerClient;
use seldon_local::protocol::grpc::seldon::protos::{
    DefaultData, Feedback, SeldonMessage, Tensor, default_data, seldon_message,
};
use seldon_local::protocol::grpc::tensorflow::serving::{
    ModelSpec, PredictRequest, PredictResponse,
};
use seldon_local::protocol::grpc::tensorflow::{TensorProto, TensorShapeProto, tensor_shape_proto};
use serde_json::Value;
use tokio::net::TcpListener;
use tonic::transport::Channel;
use tonic::{Code, Request, Response, Status};

use crate::common::root;

const IMAGE: &str = "seldonio/tfserving-proxy:1.18.2";

fn heldout() -> Value {
    serde_json::from_slice(
        &std::fs::read(root().join("examples/tfserving-mnist/heldout.json")).unwrap(),
    )
    .unwrap()
}

fn input(i: usize) -> Vec<f64> {
    heldout()["inputs"][i]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect()
}

fn expected(i: usize) -> Vec<f64> {
    heldout()["models"]["tf1"]["scores"][i]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect()
}

fn assert_close(got: &[f64], want: &[f64], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}");
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).abs() <= 1e-5, "{what}: {g} vs TensorFlow's {w}");
    }
}

/// The model server (REST, gRPC) with the shipped model as `mnist-model`.
async fn start_model_server() -> (String, String) {
    let rest = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let grpc = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addrs = (
        format!("http://{}", rest.local_addr().unwrap()),
        grpc.local_addr().unwrap().to_string(),
    );
    let config = ServerConfig {
        models: vec![ModelConfig {
            name: "mnist-model".to_owned(),
            base_path: root().join("examples/tfserving-mnist/models/tf1"),
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
    addrs
}

/// The proxy in front of it, gRPC to TF Serving when `over_grpc`; its gRPC address.
async fn start_proxy(over_grpc: bool, extra: &str) -> String {
    let (rest, grpc) = start_model_server().await;
    let grpc_endpoint = if over_grpc {
        format!(r#",{{"name":"grpc_endpoint","value":"{grpc}","type":"STRING"}}"#)
    } else {
        String::new()
    };
    let parameters = format!(
        r#"[{{"name":"rest_endpoint","value":"{rest}","type":"STRING"}},
            {{"name":"model_name","value":"mnist-model","type":"STRING"}},
            {{"name":"signature_name","value":"predict_images","type":"STRING"}}{grpc_endpoint}{extra}]"#
    );
    let mut config = Config::from_parameters(
        &parameters,
        Some("mnist-model".to_owned()),
        Some(IMAGE.to_owned()),
    )
    .unwrap();
    config.body_limit = 1 << 20;
    config.timeout = Duration::from_secs(30);
    let rest = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap().to_string();
    tokio::spawn(proxy::serve(
        config,
        rest,
        Some(listener),
        None,
        std::future::pending(),
    ));
    address
}

async fn client(address: &str) -> ModelClient<Channel> {
    let channel = Channel::from_shared(format!("http://{address}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    ModelClient::new(channel)
}

fn with_data(data: default_data::DataOneof) -> SeldonMessage {
    SeldonMessage {
        data_oneof: Some(seldon_message::DataOneof::Data(DefaultData {
            names: Vec::new(),
            data_oneof: Some(data),
        })),
        ..SeldonMessage::default()
    }
}

fn tensor_message(rows: &[Vec<f64>]) -> SeldonMessage {
    with_data(default_data::DataOneof::Tensor(Tensor {
        shape: vec![i32::try_from(rows.len()).unwrap(), 784],
        values: rows.iter().flatten().copied().collect(),
    }))
}

fn ndarray_message(rows: &[Vec<f64>]) -> SeldonMessage {
    use prost_types::{ListValue, Value as PValue, value::Kind};
    let row = |r: &Vec<f64>| PValue {
        kind: Some(Kind::ListValue(ListValue {
            values: r
                .iter()
                .map(|&x| PValue {
                    kind: Some(Kind::NumberValue(x)),
                })
                .collect(),
        })),
    };
    with_data(default_data::DataOneof::Ndarray(ListValue {
        values: rows.iter().map(row).collect(),
    }))
}

fn data_of(message: &SeldonMessage) -> &default_data::DataOneof {
    match &message.data_oneof {
        Some(seldon_message::DataOneof::Data(data)) => data.data_oneof.as_ref().unwrap(),
        other => panic!("no data: {other:?}"),
    }
}

/// Rows of an ndarray or tensor reply.
fn rows_of(message: &SeldonMessage) -> Vec<Vec<f64>> {
    use prost_types::value::Kind;
    match data_of(message) {
        default_data::DataOneof::Tensor(t) => {
            let width = usize::try_from(t.shape[1]).unwrap();
            t.values.chunks(width).map(<[f64]>::to_vec).collect()
        }
        default_data::DataOneof::Ndarray(list) => list
            .values
            .iter()
            .map(|row| match &row.kind {
                Some(Kind::ListValue(r)) => r
                    .values
                    .iter()
                    .map(|v| match v.kind {
                        Some(Kind::NumberValue(x)) => x,
                        _ => panic!("not a number"),
                    })
                    .collect(),
                _ => panic!("not a row"),
            })
            .collect(),
        default_data::DataOneof::Tftensor(_) => panic!("a tftensor"),
    }
}

fn float_proto(rows: &[Vec<f64>]) -> TensorProto {
    let dim = |size: usize| tensor_shape_proto::Dim {
        size: i64::try_from(size).unwrap(),
        name: String::new(),
    };
    TensorProto {
        dtype: 1,
        tensor_shape: Some(TensorShapeProto {
            dim: vec![dim(rows.len()), dim(784)],
            unknown_rank: false,
        }),
        #[allow(clippy::cast_possible_truncation)]
        float_val: rows.iter().flatten().map(|&x| x as f32).collect(),
        ..TensorProto::default()
    }
}

#[tokio::test]
async fn ndarray_tensor_and_tftensor_get_tensorflows_scores_over_grpc_both_ways() {
    let address = start_proxy(true, "").await;
    let mut client = client(&address).await;
    let rows = vec![input(0), input(1)];
    let reply = client
        .predict(ndarray_message(&rows))
        .await
        .unwrap()
        .into_inner();
    assert!(matches!(
        data_of(&reply),
        default_data::DataOneof::Ndarray(_)
    ));
    let got = rows_of(&reply);
    assert_close(&got[0], &expected(0), "ndarray row 0");
    assert_close(
        &got[1],
        &expected(1),
        "ndarray row 1 (a batch keeps its rows)",
    );
    assert_eq!(
        reply
            .meta
            .unwrap()
            .request_path
            .get("mnist-model")
            .map(String::as_str),
        Some(IMAGE)
    );

    let reply = client
        .predict(tensor_message(&[input(2)]))
        .await
        .unwrap()
        .into_inner();
    assert!(matches!(data_of(&reply), default_data::DataOneof::Tensor(t) if t.shape == [1, 10]));
    assert_close(&rows_of(&reply)[0], &expected(2), "tensor");

    let message = with_data(default_data::DataOneof::Tftensor(float_proto(&[input(3)])));
    let reply = client.predict(message).await.unwrap().into_inner();
    let default_data::DataOneof::Tftensor(scores) = data_of(&reply) else {
        panic!("a tftensor request gets a tftensor")
    };
    let got: Vec<f64> = scores.float_val.iter().map(|&x| f64::from(x)).collect();
    assert_close(&got, &expected(3), "tftensor");
}

#[tokio::test]
async fn custom_data_carries_a_packed_predict_request_and_gets_a_packed_response() {
    let address = start_proxy(true, "").await;
    let mut request = PredictRequest {
        model_spec: Some(ModelSpec {
            name: "mnist-model".to_owned(),
            signature_name: "predict_images".to_owned(),
            ..ModelSpec::default()
        }),
        ..PredictRequest::default()
    };
    request
        .inputs
        .insert("images".to_owned(), float_proto(&[input(4)]));
    let message = SeldonMessage {
        data_oneof: Some(seldon_message::DataOneof::CustomData(prost_types::Any {
            type_url: "type.googleapis.com/tensorflow.serving.PredictRequest".to_owned(),
            value: request.encode_to_vec(),
        })),
        ..SeldonMessage::default()
    };
    let reply = client(&address)
        .await
        .predict(message)
        .await
        .unwrap()
        .into_inner();
    let Some(seldon_message::DataOneof::CustomData(any)) = reply.data_oneof else {
        panic!("customData in, customData out")
    };
    assert!(any.type_url.ends_with("tensorflow.serving.PredictResponse"));
    let response = PredictResponse::decode(any.value.as_slice()).unwrap();
    let got: Vec<f64> = response.outputs["scores"]
        .float_val
        .iter()
        .map(|&x| f64::from(x))
        .collect();
    assert_close(&got, &expected(4), "customData");
}

#[tokio::test]
async fn without_grpc_endpoint_grpc_goes_through_the_rest_path() {
    let address = start_proxy(false, "").await;
    let reply = client(&address)
        .await
        .predict(ndarray_message(&[input(5)]))
        .await
        .unwrap()
        .into_inner();
    assert_close(&rows_of(&reply)[0], &expected(5), "over REST");
    let Some(seldon_message::DataOneof::Data(data)) = &reply.data_oneof else {
        panic!()
    };
    // The REST path's names, as the REST proxy answers.
    assert_eq!(data.names.first().map(String::as_str), Some("t:0"));
}

#[tokio::test]
async fn feedback_metadata_and_transform_input_are_served() {
    let address = start_proxy(true, "").await;
    let mut model = client(&address).await;
    let feedback = Feedback {
        request: Some(tensor_message(&[input(0)])),
        reward: 1.0,
        ..Feedback::default()
    };
    let reply = model.send_feedback(feedback).await.unwrap().into_inner();
    assert!(matches!(data_of(&reply), default_data::DataOneof::Tensor(t) if t.shape == [0]));
    let metadata = model.metadata(()).await.unwrap().into_inner();
    assert_eq!(metadata.name, "seldonio/tfserving-proxy");
    assert_eq!(metadata.versions, ["1.18.2"]);
    let channel = Channel::from_shared(format!("http://{address}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let message = tensor_message(&[vec![0.5; 784]]);
    let reply = TransformerClient::new(channel)
        .transform_input(message.clone())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(reply.data_oneof, message.data_oneof);
}

async fn raw_call(address: &str, path: &'static str, body: Vec<u8>) -> Status {
    let channel = tonic::transport::Endpoint::from_shared(format!("http://{address}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut grpc = tonic::client::Grpc::new(channel);
    grpc.ready().await.unwrap();
    let result: Result<Response<Vec<u8>>, Status> = grpc
        .unary(
            Request::new(body),
            tonic::codegen::http::uri::PathAndQuery::from_static(path),
            crate::executor_grpc::RawCodec,
        )
        .await;
    result.unwrap_err()
}

#[tokio::test]
async fn bad_input_gets_statuses_with_messages_and_the_proxy_still_serves() {
    let address = start_proxy(true, "").await;
    let mut model = client(&address).await;
    let text = SeldonMessage {
        data_oneof: Some(seldon_message::DataOneof::StrData("hi".to_owned())),
        ..SeldonMessage::default()
    };
    let status = model.predict(text).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(status.message().contains("strData"), "{status:?}");

    // The wrong shape: TF Serving's own error, passed on with its code.
    let status = model
        .predict(ndarray_message(&[vec![1.0, 2.0]]))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    assert!(!status.message().is_empty());

    let ragged = ndarray_message(&[vec![1.0, 2.0], vec![3.0]]);
    let status = model.predict(ragged).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(status.message().contains("ragged"), "{status:?}");

    let status = raw_call(
        &address,
        "/seldon.protos.Model/Predict",
        vec![0x2a, 0x7f, 0x01],
    )
    .await;
    assert_eq!(status.code(), Code::Internal, "{status:?}");
    assert!(!status.message().is_empty());
    let status = raw_call(&address, "/seldon.protos.Router/Route", vec![]).await;
    assert_eq!(status.code(), Code::Unimplemented);
    assert!(status.message().contains("tfserving proxy"), "{status:?}");

    // Over the 1 MiB cap.
    let status = model
        .predict(tensor_message(&vec![vec![0.5; 784]; 200]))
        .await
        .unwrap_err();
    assert!(
        matches!(status.code(), Code::OutOfRange | Code::ResourceExhausted),
        "{status:?}"
    );

    let reply = model
        .predict(tensor_message(&[input(6)]))
        .await
        .unwrap()
        .into_inner();
    assert_close(&rows_of(&reply)[0], &expected(6), "after the bad calls");
}

#[tokio::test]
async fn a_dead_tf_serving_is_unavailable_naming_the_model() {
    let closed = crate::support::closed_port().await;
    let parameters = format!(
        r#"[{{"name":"rest_endpoint","value":"http://{closed}","type":"STRING"}},
            {{"name":"grpc_endpoint","value":"{closed}","type":"STRING"}},
            {{"name":"model_input","value":"images","type":"STRING"}},
            {{"name":"model_output","value":"scores","type":"STRING"}},
            {{"name":"model_name","value":"mnist-model","type":"STRING"}}]"#
    );
    let config = Config::from_parameters(&parameters, None, None).unwrap();
    let rest = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap().to_string();
    tokio::spawn(proxy::serve(
        config,
        rest,
        Some(listener),
        None,
        std::future::pending(),
    ));
    let status = client(&address)
        .await
        .predict(tensor_message(&[input(0)]))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unavailable, "{status:?}");
    assert!(status.message().contains("mnist-model"), "{status:?}");
}
