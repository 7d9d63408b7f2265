//! The protobuf messages of the three gRPC APIs seldon-local serves and calls, generated at build
//! time from `proto/` (see `build.rs`), and their proto3 JSON mapping ([`json`]).
//!
//! Module nesting mirrors the proto packages, because the generated code refers to other packages
//! by relative paths: `seldon::protos` (`seldon.protos`), `tensorflow` and `tensorflow::serving`,
//! `inference`. The well-known `google.protobuf` types are `prost_types`'. The services built on
//! these messages live in `crate::grpc`, which may use tonic; this module stays pure.

pub mod json;
pub mod lazy;
pub mod route;
pub mod v2;

/// Seldon's `seldon.protos` package.
pub mod seldon {
    /// `seldon.protos`: `SeldonMessage`, `Feedback`, `SeldonMessageList`, the metadata messages.
    #[allow(
        missing_docs,
        unreachable_pub,
        clippy::all,
        clippy::pedantic,
        clippy::unwrap_used
    )]
    pub mod protos {
        include!(concat!(env!("OUT_DIR"), "/messages/seldon.protos.rs"));
    }
}

/// TensorFlow's `tensorflow` package: `TensorProto`, `DataType`, `SignatureDef`, `Example`.
#[allow(
    missing_docs,
    unreachable_pub,
    clippy::all,
    clippy::pedantic,
    clippy::unwrap_used
)]
pub mod tensorflow {
    include!(concat!(env!("OUT_DIR"), "/messages/tensorflow.rs"));

    /// TF Serving's `tensorflow.serving` package: `PredictRequest`, `ModelSpec`, the metadata
    /// and status messages.
    pub mod serving {
        include!(concat!(env!("OUT_DIR"), "/messages/tensorflow.serving.rs"));
    }
}

/// The Open Inference Protocol's `inference` package.
#[allow(
    missing_docs,
    unreachable_pub,
    clippy::all,
    clippy::pedantic,
    clippy::unwrap_used
)]
pub mod inference {
    include!(concat!(env!("OUT_DIR"), "/messages/inference.rs"));
}

/// The encoded `FileDescriptorSet` of every message above, for reflection and the JSON mapping.
pub const DESCRIPTORS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/descriptors.bin"));
