//! Shared gRPC plumbing for the built-in components: the tonic services and clients generated from
//! `proto/` (their messages live in `crate::protocol::grpc`), the server limits every role applies,
//! and serving on a listener the caller bound.
//!
//! Like `http`, this module knows nothing about SeldonDeployments or plans; components implement
//! the generated service traits.

/// Services and clients of `seldon.protos`: `Seldon` (the executor), `Model`, `Router`,
/// `Transformer`, `OutputTransformer`, `Combiner`, `Generic` (the units).
#[allow(
    missing_docs,
    unreachable_pub,
    clippy::all,
    clippy::pedantic,
    clippy::unwrap_used
)]
pub mod seldon {
    include!(concat!(env!("OUT_DIR"), "/services/seldon.protos.rs"));
}

/// Services and clients of `tensorflow.serving`: `PredictionService` and `ModelService`.
#[allow(
    missing_docs,
    unreachable_pub,
    clippy::all,
    clippy::pedantic,
    clippy::unwrap_used
)]
pub mod tfserving {
    include!(concat!(env!("OUT_DIR"), "/services/tensorflow.serving.rs"));
}

/// Service and client of `inference`: `GRPCInferenceService`.
#[allow(
    missing_docs,
    unreachable_pub,
    clippy::all,
    clippy::pedantic,
    clippy::unwrap_used
)]
pub mod inference {
    include!(concat!(env!("OUT_DIR"), "/services/inference.rs"));
}
