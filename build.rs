//! Compiles the interface definitions in `proto/` with protox (pure Rust: nothing to install) into
//! `OUT_DIR`: the messages (prost, included by `src/protocol/grpc/`), the services (tonic,
//! included by `src/grpc/`, referring to those messages) and the encoded descriptor set (for the
//! proto3 JSON mapping).

use std::path::PathBuf;

const PROTOS: &[&str] = &[
    "seldon/prediction.proto",
    "tensorflow/serving/apis.proto",
    "inference/grpc_service.proto",
];

/// Where each proto package's messages live in the crate.
const PACKAGES: &[(&str, &str)] = &[
    (".seldon.protos", "crate::protocol::grpc::seldon::protos"),
    (
        ".tensorflow.serving",
        "crate::protocol::grpc::tensorflow::serving",
    ),
    (".tensorflow", "crate::protocol::grpc::tensorflow"),
    (".inference", "crate::protocol::grpc::inference"),
];

// A build script learns where to write from cargo's environment; there is no `cli` to ask.
#[allow(clippy::disallowed_methods)]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=proto");
    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    let descriptors = protox::compile(PROTOS, ["proto"])?;
    std::fs::write(
        out.join("descriptors.bin"),
        prost::Message::encode_to_vec(&descriptors),
    )?;

    let messages = out.join("messages");
    std::fs::create_dir_all(&messages)?;
    prost_build::Config::new()
        .out_dir(&messages)
        .enable_type_names()
        .compile_fds(descriptors.clone())?;

    let services = out.join("services");
    std::fs::create_dir_all(&services)?;
    let mut builder = tonic_prost_build::configure()
        .out_dir(&services)
        .build_client(true)
        .build_server(true)
        .build_transport(false);
    for (package, path) in PACKAGES {
        builder = builder.extern_path(*package, *path);
    }
    builder.compile_fds(descriptors)?;

    let lazy = out.join("lazy_services");
    std::fs::create_dir_all(&lazy)?;
    tonic_prost_build::manual::Builder::new()
        .out_dir(&lazy)
        .build_client(true)
        .build_server(true)
        .build_transport(false)
        .compile(&lazy_services());
    Ok(())
}

/// The `seldon.protos` services the executor serves and calls, over the hand-written messages of
/// `protocol::grpc::lazy` (payloads kept as bytes): the same paths and wire format as the
/// generated ones.
fn lazy_services() -> Vec<tonic_prost_build::manual::Service> {
    use tonic_prost_build::manual::{Method, Service};
    const LAZY: &str = "crate::protocol::grpc::lazy";
    const PROTOS: &str = "crate::protocol::grpc::seldon::protos";
    let message = format!("{LAZY}::LazyMessage");
    let method = |name: &str, route: &str, input: &str, output: &str| {
        Method::builder()
            .name(name)
            .route_name(route)
            .input_type(input)
            .output_type(output)
            .codec_path("tonic_prost::ProstCodec")
            .build()
    };
    let predict = |name: &str, route: &str| method(name, route, &message, &message);
    let feedback = || {
        method(
            "send_feedback",
            "SendFeedback",
            &format!("{LAZY}::LazyFeedback"),
            &message,
        )
    };
    let service = |name: &str, methods: Vec<Method>| {
        methods
            .into_iter()
            .fold(
                Service::builder().name(name).package("seldon.protos"),
                tonic_prost_build::manual::ServiceBuilder::method,
            )
            .build()
    };
    vec![
        service(
            "Seldon",
            vec![
                predict("predict", "Predict"),
                feedback(),
                method(
                    "model_metadata",
                    "ModelMetadata",
                    &format!("{PROTOS}::SeldonModelMetadataRequest"),
                    &format!("{PROTOS}::SeldonModelMetadata"),
                ),
                method(
                    "graph_metadata",
                    "GraphMetadata",
                    &format!("{LAZY}::Empty"),
                    &format!("{PROTOS}::SeldonGraphMetadata"),
                ),
            ],
        ),
        service(
            "Model",
            vec![
                predict("predict", "Predict"),
                feedback(),
                method(
                    "metadata",
                    "Metadata",
                    &format!("{LAZY}::Empty"),
                    &format!("{PROTOS}::SeldonModelMetadata"),
                ),
            ],
        ),
        service("Router", vec![predict("route", "Route"), feedback()]),
        service(
            "Transformer",
            vec![predict("transform_input", "TransformInput")],
        ),
        service(
            "OutputTransformer",
            vec![predict("transform_output", "TransformOutput")],
        ),
        service(
            "Combiner",
            vec![method(
                "aggregate",
                "Aggregate",
                &format!("{LAZY}::LazyMessageList"),
                &message,
            )],
        ),
    ]
}
