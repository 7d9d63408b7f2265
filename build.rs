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
    Ok(())
}
