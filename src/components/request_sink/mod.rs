//! The request-log sink: where the executor's request logger sends when a node's `logger` has no
//! `url` (the operator's default, `http://default-broker`). It takes CloudEvents over HTTP in
//! binary mode, appends each to `<dir>/<deployment>.jsonl` (the deployment from
//! `ce-inferenceservicename`), and serves them back for `seldon-local logs NAME --requests`.
//!
//! Each stored line keeps the event's `ce-*` headers and content type as received, and its data
//! (as JSON when it is JSON, else as text, else base64), so the event can be rebuilt and checked.

use std::collections::BTreeMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Body;
use axum::extract::{Query, State as AxumState};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post};
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::io::AsyncWriteExt as _;
use tokio::net::TcpListener;
use tokio::sync::Mutex;

use crate::http::{self, HttpError};

/// The port the sink listens on in a container (`http://default-broker` has no port).
pub const CONTAINER_PORT: u16 = 80;

/// Why the sink failed.
#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    /// The store directory could not be created.
    #[error("failed to create `{}`", path.display())]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The server stopped with an error.
    #[error(transparent)]
    Serve(#[from] HttpError),
}

/// One stored event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredEvent {
    /// When the sink received it (milliseconds since the Unix epoch).
    pub received_ms: u64,
    /// The `ce-*` headers and `content-type`, lower-case, as received.
    pub headers: BTreeMap<String, String>,
    /// The data: JSON when it parses, else a string.
    pub data: Value,
    /// Whether `data` is the base64 of bytes that were not UTF-8.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub data_base64: bool,
}

impl StoredEvent {
    /// A `ce-*` attribute.
    #[must_use]
    pub fn attribute(&self, name: &str) -> &str {
        self.headers
            .get(&format!("ce-{name}"))
            .map_or("", String::as_str)
    }
}

/// Shared state of a running sink.
#[derive(Debug)]
pub struct State {
    dir: PathBuf,
    body_limit: usize,
    write: Mutex<()>,
}

/// The deployment's file name part: letters, digits, `-`, `_` and `.` (others become `_`).
#[must_use]
pub fn file_name(deployment: &str) -> String {
    let safe: String = deployment
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let safe = safe.trim_start_matches('.');
    format!("{}.jsonl", if safe.is_empty() { "_" } else { safe })
}

/// Reads the events stored for a deployment, from line `after` on.
pub fn read_events(
    dir: &Path,
    deployment: &str,
    after: usize,
) -> std::io::Result<Vec<StoredEvent>> {
    let text = match std::fs::read_to_string(dir.join(file_name(deployment))) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(error) => return Err(error),
    };
    Ok(text
        .lines()
        .skip(after)
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect())
}

/// The sink's routes: `POST` anywhere stores an event; `GET /events?deployment=&after=` lists
/// them as JSON lines; `GET /ready` for probes.
pub fn router(state: Arc<State>) -> Router {
    Router::new()
        .route("/ready", get(|| async { http::empty(StatusCode::OK) }))
        .route("/events", get(events))
        .route("/", post(store))
        .fallback(post(store))
        .with_state(state)
}

/// Serves the sink on `listener`, storing under `dir`, until `shutdown` resolves.
pub async fn run<F>(dir: PathBuf, listener: TcpListener, shutdown: F) -> Result<(), SinkError>
where
    F: Future<Output = ()> + Send + 'static,
{
    std::fs::create_dir_all(&dir).map_err(|source| SinkError::CreateDir {
        path: dir.clone(),
        source,
    })?;
    let state = Arc::new(State {
        dir,
        body_limit: http::DEFAULT_BODY_LIMIT,
        write: Mutex::new(()),
    });
    http::serve(listener, router(state), shutdown).await?;
    Ok(())
}

fn bad_request(message: &str) -> Response {
    http::response(
        StatusCode::BAD_REQUEST,
        Some(HeaderValue::from_static("text/plain; charset=utf-8")),
        format!("{message}\n"),
    )
}

async fn store(
    AxumState(state): AxumState<Arc<State>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let bytes = match http::read_body(body, state.body_limit).await {
        Ok(bytes) => bytes,
        Err(error) => return bad_request(&error.to_string()),
    };
    let mut kept = BTreeMap::new();
    for (name, value) in &headers {
        let name = name.as_str();
        if (name.starts_with("ce-") || name == header::CONTENT_TYPE.as_str())
            && let Ok(value) = value.to_str()
        {
            kept.insert(name.to_owned(), value.to_owned());
        }
    }
    for required in ["ce-specversion", "ce-id", "ce-type", "ce-source"] {
        if !kept.contains_key(required) {
            return bad_request(&format!(
                "not a CloudEvent in binary mode: no `{required}` header"
            ));
        }
    }
    let (data, data_base64) = match serde_json::from_slice::<Value>(&bytes) {
        Ok(value) => (value, false),
        Err(_) => match String::from_utf8(bytes.to_vec()) {
            Ok(text) => (Value::String(text), false),
            Err(_) => (
                Value::String(base64::engine::general_purpose::STANDARD.encode(&bytes)),
                true,
            ),
        },
    };
    let event = StoredEvent {
        received_ms: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64),
        headers: kept,
        data,
        data_base64,
    };
    let deployment = event.attribute("inferenceservicename").to_owned();
    let mut line = serde_json::to_vec(&event).expect("an event always serialises");
    line.push(b'\n');
    let path = state.dir.join(file_name(&deployment));
    let _guard = state.write.lock().await;
    let written = async {
        let mut file = tokio::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .await?;
        file.write_all(&line).await?;
        file.flush().await
    }
    .await;
    match written {
        Ok(()) => http::empty(StatusCode::ACCEPTED),
        Err(error) => {
            tracing::warn!(path = %path.display(), %error, "failed to store a request-log event");
            http::response(
                StatusCode::INTERNAL_SERVER_ERROR,
                Some(HeaderValue::from_static("text/plain; charset=utf-8")),
                format!("failed to store the event: {error}\n"),
            )
        }
    }
}

#[derive(Deserialize)]
struct EventsQuery {
    deployment: String,
    #[serde(default)]
    after: usize,
}

async fn events(
    AxumState(state): AxumState<Arc<State>>,
    Query(query): Query<EventsQuery>,
) -> Response {
    let dir = state.dir.clone();
    let read =
        tokio::task::spawn_blocking(move || read_events(&dir, &query.deployment, query.after))
            .await;
    match read {
        Ok(Ok(events)) => {
            let mut body = Vec::new();
            for event in events {
                serde_json::to_writer(&mut body, &event).expect("an event always serialises");
                body.push(b'\n');
            }
            http::response(
                StatusCode::OK,
                Some(HeaderValue::from_static("application/x-ndjson")),
                body,
            )
        }
        Ok(Err(error)) => http::response(
            StatusCode::INTERNAL_SERVER_ERROR,
            Some(HeaderValue::from_static("text/plain; charset=utf-8")),
            format!("failed to read the events: {error}\n"),
        ),
        Err(_) => http::empty(StatusCode::INTERNAL_SERVER_ERROR),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_safe() {
        assert_eq!(file_name("tfserving"), "tfserving.jsonl");
        assert_eq!(file_name("../x/y"), "_x_y.jsonl");
        assert_eq!(file_name(""), "_.jsonl");
    }
}
