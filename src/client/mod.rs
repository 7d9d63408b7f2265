//! The prediction client behind `predict`, `feedback` and `metadata`: builds request bodies
//! for each protocol, sends them with keep-alive connections, and runs load (`--repeat`,
//! `--concurrency`, `--duration`) with latency statistics.
//!
//! It does not print: the CLI renders responses and reports.

mod grpc;
mod load;
mod payload;

pub use grpc::{GrpcCall, GrpcClient, feedback as grpc_feedback, seldon_message, v2_request};

pub use load::{LoadReport, LoadSettings, run_load};
pub use payload::{
    Input, Protocol, Request, feedback_path, metadata_path, predict_body, predict_path,
};

use std::time::{Duration, Instant};

use bytes::Bytes;

/// Why a request could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The input is not valid for the chosen protocol.
    #[error("invalid input: {0}")]
    Input(String),
    /// The HTTP client could not be built.
    #[error("failed to build the HTTP client")]
    Build(#[source] reqwest::Error),
    /// The request failed before an answer arrived.
    #[error("failed to send `{method} {url}`")]
    Send {
        method: &'static str,
        url: String,
        #[source]
        source: reqwest::Error,
    },
}

/// An answer.
#[derive(Debug, Clone)]
pub struct Response {
    /// HTTP status.
    pub status: u16,
    /// Body bytes.
    pub body: Bytes,
    /// Time from sending to the last body byte.
    pub elapsed: Duration,
    /// The gRPC status code, for gRPC calls (`status` is then 200 for OK and 0 otherwise, and
    /// the body of a failure is the status message).
    pub grpc: Option<tonic::Code>,
}

impl Response {
    /// Whether the status is 2xx.
    #[must_use]
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// A keep-alive HTTP client for one endpoint.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
}

impl Client {
    /// A client for `base` (e.g. `http://127.0.0.1:8000`), with a per-request timeout.
    pub fn new(base: &str, timeout: Duration, connections: usize) -> Result<Self, ClientError> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .pool_max_idle_per_host(connections.max(1))
            .tcp_nodelay(true)
            .build()
            .map_err(ClientError::Build)?;
        Ok(Self {
            http,
            base: base.trim_end_matches('/').to_owned(),
        })
    }

    /// The full URL of a path.
    #[must_use]
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Sends one request and reads the whole answer.
    pub async fn send(&self, request: &Request) -> Result<Response, ClientError> {
        let url = self.url(&request.path);
        let started = Instant::now();
        let builder = match &request.body {
            Some(body) => self
                .http
                .post(&url)
                .header("content-type", "application/json")
                .body(body.clone()),
            None => self.http.get(&url),
        };
        let method = if request.body.is_some() {
            "POST"
        } else {
            "GET"
        };
        let fail = |source| ClientError::Send {
            method,
            url: url.clone(),
            source,
        };
        let response = builder.send().await.map_err(fail)?;
        let status = response.status().as_u16();
        let body = response.bytes().await.map_err(fail)?;
        Ok(Response {
            status,
            body,
            elapsed: started.elapsed(),
            grpc: None,
        })
    }
}

/// A request ready to send again and again: over REST or gRPC.
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)] // one per command or load-mode client, never in bulk
pub enum Sender {
    /// An HTTP request.
    Rest(Client, Request),
    /// A gRPC call.
    Grpc(GrpcClient, GrpcCall),
}

impl Sender {
    /// Sends the request once.
    pub async fn send(&self) -> Result<Response, ClientError> {
        match self {
            Self::Rest(client, request) => client.send(request).await,
            Self::Grpc(client, call) => client.send(call).await,
        }
    }

    /// Where it goes, for messages.
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            Self::Rest(client, request) => client.url(&request.path),
            Self::Grpc(client, _) => client.address().to_owned(),
        }
    }
}
