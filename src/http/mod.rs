//! Shared HTTP server plumbing for the built-in components: serving a router on a listener the
//! caller bound (tests bind `127.0.0.1:0`), reading request bodies under a size cap, and small
//! response builders.
//!
//! This module knows nothing about SeldonDeployments or plans; components own their routes and
//! their error shapes and use only these helpers.

use std::future::Future;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::serve::ListenerExt as _;
use bytes::Bytes;
use http_body_util::{BodyExt as _, LengthLimitError, Limited};
use tokio::net::TcpListener;

/// The default cap on request bodies (32 MiB); a 784-float request is about 10 KiB.
pub const DEFAULT_BODY_LIMIT: usize = 32 * 1024 * 1024;

/// `application/json`.
pub const APPLICATION_JSON: HeaderValue = HeaderValue::from_static("application/json");

/// Why a server stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// The accept loop failed.
    #[error("failed to serve HTTP")]
    Serve(#[source] std::io::Error),
}

/// Serves `router` on `listener` until `shutdown` resolves, then finishes in-flight requests.
/// Accepted sockets get `TCP_NODELAY`, since every exchange here is a small request/response.
pub async fn serve<F>(listener: TcpListener, router: Router, shutdown: F) -> Result<(), HttpError>
where
    F: Future<Output = ()> + Send + 'static,
{
    let listener = listener.tap_io(|tcp| {
        // Best effort: without it replies may wait on Nagle, but they are still correct.
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(HttpError::Serve)
}

/// Why a request body could not be read.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    /// The body was larger than the cap.
    #[error("request body is larger than {limit} bytes")]
    TooLarge {
        /// The cap in bytes.
        limit: usize,
    },
    /// The client's stream failed.
    #[error("failed to read request body")]
    Read(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// Reads a whole body, failing with [`BodyError::TooLarge`] as soon as it exceeds `limit`.
pub async fn read_body(body: Body, limit: usize) -> Result<Bytes, BodyError> {
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(error) if error.is::<LengthLimitError>() => Err(BodyError::TooLarge { limit }),
        Err(error) => Err(BodyError::Read(error)),
    }
}

/// A response with a status, a content type (if any) and a body.
#[must_use]
pub fn response(
    status: StatusCode,
    content_type: Option<HeaderValue>,
    body: impl Into<Body>,
) -> Response {
    let mut response = Response::new(body.into());
    *response.status_mut() = status;
    if let Some(content_type) = content_type {
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, content_type);
    }
    response
}

/// A JSON response.
#[must_use]
pub fn json(status: StatusCode, body: impl Into<Body>) -> Response {
    response(status, Some(APPLICATION_JSON), body)
}

/// An empty response with just a status.
#[must_use]
pub fn empty(status: StatusCode) -> Response {
    response(status, None, Body::empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn bodies_under_the_cap_are_read_and_over_it_are_refused() {
        let ok = read_body(Body::from("hello"), 5).await.unwrap();
        assert_eq!(ok, Bytes::from_static(b"hello"));
        let too_large = read_body(Body::from("hello!"), 5).await;
        assert!(matches!(too_large, Err(BodyError::TooLarge { limit: 5 })));
    }

    #[tokio::test]
    async fn serve_answers_on_the_given_listener_and_stops_on_shutdown() -> anyhow::Result<()> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let router = Router::new().route("/x", axum::routing::get(|| async { "x" }));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(serve(listener, router, async {
            let _ = stopped.await;
        }));
        let body = reqwest::get(format!("http://{addr}/x"))
            .await?
            .text()
            .await?;
        assert_eq!(body, "x");
        stop.send(()).ok();
        server.await??;
        Ok(())
    }
}
