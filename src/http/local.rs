//! In-process hops: a server of this process, found by the loopback address a client was given,
//! answers that client's request through its router directly, without the socket.
//!
//! The embedded runtime plays every role of a deployment in one process, so the executor's call
//! to the proxy and the proxy's call to the model server would each cost a loopback TCP round
//! trip, two HTTP codecs and two context switches: as much CPU as the model server's own
//! request. [`serve`](super::serve) registers every plain-HTTP server it runs under its port
//! (`register`); a client that is allowed to ([`find`]) hands its request to that router as
//! the server's connection would, and falls back to the socket when no server of this process
//! holds the port (then it gets the socket's own answer, such as "connection refused").
//!
//! What the server sees is what a connection would give it: an HTTP/1.1 request in origin form
//! with the `Host`, `Accept` and `Content-Length` headers a client adds, run in the server's
//! tracing span (its container's log). What the client sees is the router's response, as the
//! client reads it from a socket: the caller keeps its own timeout and its cap on reply bodies,
//! and a handler that panics closes the "connection" (an error, not a panic in the caller).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, PoisonError, RwLock};

use axum::Router;
use axum::body::{Body, HttpBody as _};
use axum::http::{HeaderValue, Method, Request, Response, Version, header};
use futures_util::FutureExt as _;
use tower::ServiceExt as _;
use tracing::Instrument as _;

/// What a client's HTTP stack says when the server drops a connection mid-request (hyper's
/// text, after reqwest's cause): the in-process answer to a handler that panicked.
pub const CLOSED: &str = "client error (SendRequest): connection closed before message completed";

/// A server of this process that serves plain HTTP on a port.
struct Entry {
    id: u64,
    ip: IpAddr,
    router: Router,
    span: tracing::Span,
    calls: Arc<AtomicU64>,
}

/// Servers by port: one process holds a port once, whatever its address.
static SERVERS: LazyLock<RwLock<HashMap<u16, Entry>>> = LazyLock::new(RwLock::default);
static NEXT_ID: AtomicU64 = AtomicU64::new(0);

/// A server's place in the registry, for as long as it accepts connections; dropped, it
/// leaves (unless a newer server of the same port has taken it over).
#[derive(Debug)]
pub(crate) struct Registration {
    port: u16,
    id: u64,
}

impl Drop for Registration {
    fn drop(&mut self) {
        let mut servers = SERVERS.write().unwrap_or_else(PoisonError::into_inner);
        if servers
            .get(&self.port)
            .is_some_and(|entry| entry.id == self.id)
        {
            servers.remove(&self.port);
        }
    }
}

/// Registers the server that `router` plays on `addr`, in the current tracing span (where its
/// handlers log).
pub(crate) fn register(addr: SocketAddr, router: &Router) -> Registration {
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    let entry = Entry {
        id,
        ip: addr.ip(),
        router: router.clone(),
        span: tracing::Span::current(),
        calls: Arc::default(),
    };
    SERVERS
        .write()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(addr.port(), entry);
    Registration {
        port: addr.port(),
        id,
    }
}

/// The server of this process that a client given `host:port` would reach, if any: the host
/// must name the loopback interface and the server must listen on it.
#[must_use]
pub fn find(host: &str, port: u16) -> Option<LocalServer> {
    let loopback = match host {
        "localhost" => true,
        _ => host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback()),
    };
    if !loopback {
        return None;
    }
    let servers = SERVERS.read().unwrap_or_else(PoisonError::into_inner);
    let entry = servers
        .get(&port)
        .filter(|entry| entry.ip.is_loopback() || entry.ip.is_unspecified())?;
    Some(LocalServer {
        router: entry.router.clone(),
        span: entry.span.clone(),
        calls: Arc::clone(&entry.calls),
        authority: HeaderValue::from_str(&format!("{host}:{port}")).ok()?,
    })
}

/// A handler that panicked: the connection closed before the response came.
#[derive(Debug, thiserror::Error)]
#[error("connection closed before message completed")]
pub struct Closed;

/// A server of this process, ready to take one request.
#[derive(Debug, Clone)]
pub struct LocalServer {
    router: Router,
    span: tracing::Span,
    calls: Arc<AtomicU64>,
    authority: HeaderValue,
}

/// How many requests the server of this process on `port` has answered in-process (tests
/// check that a hop skipped the socket).
#[must_use]
pub fn calls_served(port: u16) -> u64 {
    SERVERS
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .get(&port)
        .map_or(0, |entry| entry.calls.load(Ordering::Relaxed))
}

impl LocalServer {
    /// Has the server answer `request` (whose URI is the path and query) as it would over a
    /// fresh connection: the client's default headers added, its handlers in its own span.
    pub async fn send(&self, mut request: Request<Body>) -> Result<Response<Body>, Closed> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        *request.version_mut() = Version::HTTP_11;
        let length = request.body().size_hint().exact();
        let sends_body = !matches!(*request.method(), Method::GET | Method::HEAD);
        let headers = request.headers_mut();
        headers
            .entry(header::HOST)
            .or_insert_with(|| self.authority.clone());
        headers
            .entry(header::ACCEPT)
            .or_insert(HeaderValue::from_static("*/*"));
        if let Some(length) = length.filter(|n| *n > 0 || sends_body) {
            headers
                .entry(header::CONTENT_LENGTH)
                .or_insert_with(|| HeaderValue::from(length));
        }
        let call = self.router.clone().oneshot(request);
        match AssertUnwindSafe(call)
            .catch_unwind()
            .instrument(self.span.clone())
            .await
        {
            Ok(Ok(response)) => Ok(response),
            Ok(Err(infallible)) => match infallible {},
            Err(_) => Err(Closed),
        }
    }
}

/// Why an in-process exchange ([`LocalServer::exchange`]) gave no whole reply. Each client words
/// these as its socket path does.
#[derive(Debug)]
pub enum Exchange {
    /// The handler panicked: over a socket, the connection closed before the reply ([`CLOSED`]).
    Closed,
    /// The reply is larger than the client's cap (declared so, or found so while read).
    TooLarge,
    /// The reply's body failed while read.
    Read(Box<dyn std::error::Error + Send + Sync>),
}

impl LocalServer {
    /// [`Self::send`], then the reply read whole up to `limit` bytes: a reply that declares more
    /// fails before its body is read, as a client reading the socket fails on the header.
    pub async fn exchange(
        &self,
        request: Request<Body>,
        limit: usize,
    ) -> Result<(axum::http::response::Parts, axum::body::Bytes), Exchange> {
        let response = self
            .send(request)
            .await
            .map_err(|Closed| Exchange::Closed)?;
        if content_length(&response).is_some_and(|len| len > limit as u64) {
            return Err(Exchange::TooLarge);
        }
        let (parts, body) = response.into_parts();
        match super::read_body(body, limit).await {
            Ok(body) => Ok((parts, body)),
            Err(super::BodyError::TooLarge { .. }) => Err(Exchange::TooLarge),
            Err(super::BodyError::Read(cause)) => Err(Exchange::Read(cause)),
        }
    }
}

/// The size a response declares, as its `Content-Length` would on the wire.
#[must_use]
pub fn content_length(response: &Response<Body>) -> Option<u64> {
    response
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse().ok())
        .or_else(|| response.body().size_hint().exact())
}
