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

/// The `seldon.protos` services over `protocol::grpc::lazy`'s messages, whose payloads stay
/// encoded: what the executor serves and calls, so it never decodes the data it only forwards.
#[allow(
    missing_docs,
    unreachable_pub,
    clippy::all,
    clippy::pedantic,
    clippy::unwrap_used
)]
pub mod lazy {
    include!(concat!(
        env!("OUT_DIR"),
        "/lazy_services/seldon.protos.Seldon.rs"
    ));
    include!(concat!(
        env!("OUT_DIR"),
        "/lazy_services/seldon.protos.Model.rs"
    ));
    include!(concat!(
        env!("OUT_DIR"),
        "/lazy_services/seldon.protos.Router.rs"
    ));
    include!(concat!(
        env!("OUT_DIR"),
        "/lazy_services/seldon.protos.Transformer.rs"
    ));
    include!(concat!(
        env!("OUT_DIR"),
        "/lazy_services/seldon.protos.OutputTransformer.rs"
    ));
    include!(concat!(
        env!("OUT_DIR"),
        "/lazy_services/seldon.protos.Combiner.rs"
    ));
}

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use tonic::service::Routes;

/// `routes` answering every method they do not serve, of a known service or not, with
/// UNIMPLEMENTED naming the method and `server`: tonic alone answers UNIMPLEMENTED with no
/// message, which leaves a client's user guessing.
#[must_use]
pub fn with_unknown_method_answer(routes: Routes, server_name: &'static str) -> Routes {
    let layered = routes.into_axum_router().layer(axum::middleware::from_fn(
        move |request: Request, next: Next| async move {
            let method = request.uri().path().to_owned();
            let mut response: Response = next.run(request).await;
            let headers = response.headers_mut();
            let unimplemented = headers
                .get("grpc-status")
                .is_some_and(|status| status == "12");
            if unimplemented && !headers.contains_key("grpc-message") {
                let message = format!("{server_name} does not serve the gRPC method {method}");
                // Method paths are ASCII; anything else is left out rather than encoded.
                let printable: String = message
                    .chars()
                    .filter(|c| (' '..='~').contains(c) && *c != '%')
                    .collect();
                if let Ok(value) = HeaderValue::from_str(&printable) {
                    headers.insert("grpc-message", value);
                }
            }
            response
        },
    ));
    Routes::from(layered)
}
