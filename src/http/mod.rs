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
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt as _, LengthLimitError, Limited};
use tokio::net::TcpListener;
use tower::ServiceExt as _;
use tracing::Instrument as _;

pub mod local;

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

/// How long a client has to send a request's head, counted from the connection's accept or its
/// previous response: a connection idle or trickling for longer is closed (slow-loris clients
/// would otherwise hold sockets forever).
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(30);

/// Serves `router` on `listener` until `shutdown` resolves, then finishes in-flight requests.
/// Accepted sockets get `TCP_NODELAY`, since every exchange here is a small request/response.
pub async fn serve<F>(listener: TcpListener, router: Router, shutdown: F) -> Result<(), HttpError>
where
    F: Future<Output = ()> + Send + 'static,
{
    serve_with(listener, router, HEADER_TIMEOUT, shutdown).await
}

/// [`serve`] with the given header (and idle) timeout.
pub async fn serve_with<F>(
    listener: TcpListener,
    router: Router,
    header_timeout: Duration,
    shutdown: F,
) -> Result<(), HttpError>
where
    F: Future<Output = ()> + Send + 'static,
{
    serve_inner(listener, router, None, header_timeout, shutdown).await
}

/// [`serve`] over TLS: the handshake must finish within the header timeout too, so a client
/// that opens a connection and sends nothing, or half a `ClientHello`, is closed after it and
/// never stalls the accept loop (each handshake runs in its connection's own task).
pub async fn serve_tls<F>(
    listener: TcpListener,
    router: Router,
    acceptor: tokio_rustls::TlsAcceptor,
    header_timeout: Duration,
    shutdown: F,
) -> Result<(), HttpError>
where
    F: Future<Output = ()> + Send + 'static,
{
    serve_inner(listener, router, Some(acceptor), header_timeout, shutdown).await
}

async fn serve_inner<F>(
    listener: TcpListener,
    router: Router,
    tls: Option<tokio_rustls::TlsAcceptor>,
    header_timeout: Duration,
    shutdown: F,
) -> Result<(), HttpError>
where
    F: Future<Output = ()> + Send + 'static,
{
    use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
    use hyper_util::server::conn::auto::Builder;
    use hyper_util::service::TowerToHyperService;
    // Connections hold a receiver; shutdown drops the sender, and waits for every receiver.
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(());
    let (done_tx, done_rx) = tokio::sync::watch::channel(());
    // Plain HTTP servers take in-process calls too, for as long as they accept connections.
    let registration = match (&tls, listener.local_addr()) {
        (None, Ok(addr)) => Some(local::register(addr, &router)),
        _ => None,
    };
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => accepted,
        };
        let Ok((tcp, _)) = accepted else {
            // Out of file descriptors and the like: wait and go on, as axum does.
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        // Best effort: without it replies may wait on Nagle, but they are still correct.
        let _ = tcp.set_nodelay(true);
        let service = TowerToHyperService::new(router.clone().map_request(
            |request: axum::http::Request<hyper::body::Incoming>| request.map(Body::new),
        ));
        let mut stop = stop_rx.clone();
        let done = done_rx.clone();
        let tls = tls.clone();
        tokio::spawn(async move {
            // hyper's header timer starts at the first byte: a client that sends none is
            // timed here, and dropped at shutdown (which would otherwise wait for its timeout).
            let mut byte = [0u8; 1];
            let first = tokio::select! {
                first = tokio::time::timeout(header_timeout, tcp.peek(&mut byte)) => first,
                _ = stop.changed() => {
                    drop(done);
                    return;
                }
            };
            if !matches!(first, Ok(Ok(1..))) {
                drop(done);
                return;
            }
            let mut builder = Builder::new(TokioExecutor::new());
            builder
                .http1()
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout);
            match tls {
                None => {
                    let connection =
                        builder.serve_connection_with_upgrades(TokioIo::new(tcp), service);
                    tokio::pin!(connection);
                    tokio::select! {
                        _ = connection.as_mut() => {}
                        _ = stop.changed() => {
                            connection.as_mut().graceful_shutdown();
                            let _ = connection.await;
                        }
                    }
                }
                Some(acceptor) => {
                    // A handshake that never finishes (or is refused) closes the connection.
                    let handshake = tokio::select! {
                        handshake = tokio::time::timeout(header_timeout, acceptor.accept(tcp)) => handshake,
                        _ = stop.changed() => {
                            drop(done);
                            return;
                        }
                    };
                    let Ok(Ok(stream)) = handshake else {
                        drop(done);
                        return;
                    };
                    let connection =
                        builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
                    tokio::pin!(connection);
                    tokio::select! {
                        _ = connection.as_mut() => {}
                        _ = stop.changed() => {
                            connection.as_mut().graceful_shutdown();
                            let _ = connection.await;
                        }
                    }
                }
            }
            drop(done);
        }
        // Handlers log in the server's span (its container's log), as in-process calls do.
        .in_current_span());
    }
    drop(registration);
    drop(listener);
    drop(stop_tx);
    drop(done_rx);
    done_tx.closed().await;
    Ok(())
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
    async fn a_client_that_never_finishes_its_headers_is_disconnected() -> anyhow::Result<()> {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let router = Router::new().route("/x", axum::routing::get(|| async { "x" }));
        tokio::spawn(serve_with(
            listener,
            router,
            Duration::from_millis(200),
            std::future::pending(),
        ));
        let mut idle = tokio::net::TcpStream::connect(addr).await?;
        let mut slow = tokio::net::TcpStream::connect(addr).await?;
        slow.write_all(b"GET /x HTTP/1.1\r\nHost: a\r\n").await?;
        for (name, stream) in [("slow", &mut slow), ("idle", &mut idle)] {
            let mut rest = Vec::new();
            // Closed by the server (EOF or reset), well before this test's own bound.
            let read =
                tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut rest)).await;
            assert!(read.is_ok(), "the {name} connection was held open");
        }
        Ok(())
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
