//! The request logger (`executor/logger` upstream): graph nodes with a `logger` have their
//! requests and responses sent as CloudEvents over HTTP (binary mode, spec 1.0) to the node's
//! `url`, else to `REQUEST_LOGGER_DEFAULT_ENDPOINT`.
//!
//! Upstream's facts kept: `ce-type` `io.seldon.serving.inference.request`, `.response` and
//! `io.seldon.serving.feedback`; `ce-id` a fresh UUID per event; `ce-requestid` the puid;
//! `ce-modelid` the node; `ce-inferenceservicename`, `ce-namespace`, `ce-endpoint` (the
//! predictor) and `ce-protocol`; `ce-source` the executor's URL (`http://<hostname>:<port>/`);
//! the payload's content type (a gzip payload is sent decompressed); `Seldon-Skip-Logging: true`
//! skips a request.
//!
//! One difference on purpose: a full queue drops the event at once (upstream waits up to
//! `--log_write_timeout_ms`), so logging never slows a prediction; events that are dropped or
//! that fail to send are counted and exposed with the executor's metrics.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::http::{HeaderMap, HeaderValue, header};
use bytes::Bytes;
use tokio::sync::{Semaphore, mpsc};

use super::client::Payload;
use super::graph::Node;
use super::metrics::render_labels;

/// `ce-type` of a logged request.
pub const CE_INFERENCE_REQUEST: &str = "io.seldon.serving.inference.request";
/// `ce-type` of a logged response.
pub const CE_INFERENCE_RESPONSE: &str = "io.seldon.serving.inference.response";
/// `ce-type` of logged feedback.
pub const CE_FEEDBACK: &str = "io.seldon.serving.feedback";
/// Upstream's default queue size (`--log_work_buffer_size`).
pub const DEFAULT_QUEUE_SIZE: usize = 10_000;
/// Upstream's default number of workers (`--logger_workers`).
pub const DEFAULT_WORKERS: usize = 10;
/// The header that turns logging off for one request.
pub const SKIP_LOGGING_HEADER: &str = "seldon-skip-logging";
/// Counter of events dropped (label `reason`: `queue_full` or `send_failed`).
pub const DROPPED_METRIC: &str = "seldon_api_executor_logger_dropped_total";
/// Counter of events delivered.
pub const SENT_METRIC: &str = "seldon_api_executor_logger_sent_total";

/// What an event reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogKind {
    /// What a node was given.
    Request,
    /// What a node answered.
    Response,
    /// Feedback sent to a node.
    Feedback,
}

impl LogKind {
    /// The event's `ce-type`.
    #[must_use]
    pub fn ce_type(self) -> &'static str {
        match self {
            Self::Request => CE_INFERENCE_REQUEST,
            Self::Response => CE_INFERENCE_RESPONSE,
            Self::Feedback => CE_FEEDBACK,
        }
    }

    /// Whether a node's `mode` logs this kind (feedback is logged with responses, as upstream).
    #[must_use]
    pub fn logged_by(self, mode: &str) -> bool {
        match self {
            Self::Request => matches!(mode, "request" | "all"),
            Self::Response | Self::Feedback => matches!(mode, "response" | "all"),
        }
    }
}

/// The logger's settings, resolved by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggerConfig {
    /// `REQUEST_LOGGER_DEFAULT_ENDPOINT`: where nodes without a `url` send.
    pub default_endpoint: Option<String>,
    /// `--log_work_buffer_size`.
    pub queue_size: usize,
    /// `--logger_workers`: events in flight at once.
    pub workers: usize,
    /// `ce-source`: the executor's URL.
    pub source: String,
    /// Timeout of one delivery.
    pub timeout: Duration,
}

impl Default for LoggerConfig {
    fn default() -> Self {
        Self {
            default_endpoint: None,
            queue_size: DEFAULT_QUEUE_SIZE,
            workers: DEFAULT_WORKERS,
            source: "http://:8000/".to_owned(),
            timeout: Duration::from_mins(1),
        }
    }
}

#[derive(Debug)]
struct Event {
    url: String,
    kind: LogKind,
    body: Bytes,
    content_type: Option<HeaderValue>,
    content_encoding: Option<HeaderValue>,
    model_id: String,
    request_id: String,
}

/// Who sends: the deployment-wide CloudEvents attributes.
#[derive(Debug, Clone, Default)]
pub struct Sender {
    /// `ce-inferenceservicename`.
    pub deployment: String,
    /// `ce-namespace`.
    pub namespace: String,
    /// `ce-endpoint`.
    pub predictor: String,
    /// `ce-protocol`.
    pub protocol: String,
}

/// The executor's request logger: a bounded queue and the workers that drain it.
#[derive(Debug)]
pub struct RequestLogger {
    config: LoggerConfig,
    sender: Sender,
    queue: mpsc::Sender<Event>,
    receiver: Mutex<Option<mpsc::Receiver<Event>>>,
    sent: Arc<AtomicU64>,
    queue_full: AtomicU64,
    send_failed: Arc<AtomicU64>,
}

impl RequestLogger {
    /// A logger whose queue holds `config.queue_size` events; nothing is sent until
    /// [`RequestLogger::start`].
    #[must_use]
    pub fn new(config: LoggerConfig, sender: Sender) -> Self {
        let (queue, receiver) = mpsc::channel(config.queue_size.max(1));
        Self {
            config,
            sender,
            queue,
            receiver: Mutex::new(Some(receiver)),
            sent: Arc::default(),
            queue_full: AtomicU64::default(),
            send_failed: Arc::default(),
        }
    }

    /// Starts the workers on the current tokio runtime (once; later calls do nothing).
    pub fn start(&self) -> Result<(), reqwest::Error> {
        let Some(mut receiver) = self
            .receiver
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
        else {
            return Ok(());
        };
        let client = reqwest::Client::builder()
            .tcp_nodelay(true)
            .timeout(self.config.timeout)
            .tls_certs_only(Vec::<reqwest::Certificate>::new())
            .build()?;
        let permits = Arc::new(Semaphore::new(self.config.workers.max(1)));
        let sender = Arc::new(self.sender.clone());
        let source = Arc::<str>::from(self.config.source.as_str());
        let (sent, failed) = (Arc::clone(&self.sent), Arc::clone(&self.send_failed));
        tokio::spawn(async move {
            while let Some(event) = receiver.recv().await {
                let Ok(permit) = Arc::clone(&permits).acquire_owned().await else {
                    return;
                };
                let (client, sender, source) =
                    (client.clone(), Arc::clone(&sender), Arc::clone(&source));
                let (sent, failed) = (Arc::clone(&sent), Arc::clone(&failed));
                tokio::spawn(async move {
                    match deliver(&client, &sender, &source, event).await {
                        Ok(()) => sent.fetch_add(1, Ordering::Relaxed),
                        Err(error) => {
                            tracing::debug!(%error, "failed to send a request-log event");
                            failed.fetch_add(1, Ordering::Relaxed)
                        }
                    };
                    drop(permit);
                });
            }
        });
        Ok(())
    }

    /// Queues an event for `node` if its logger's mode asks for `kind`; never waits.
    pub fn log(&self, node: &Node, kind: LogKind, payload: &Payload, headers: &HeaderMap) {
        if node.logger.is_none() {
            return;
        }
        let skip = headers
            .get(SKIP_LOGGING_HEADER)
            .and_then(|v| v.to_str().ok())
            .is_some_and(skip_requested);
        let puid = headers
            .get("seldon-puid")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        self.log_event(node, kind, payload, puid, skip);
    }

    /// [`RequestLogger::log`] with the puid and the skip header already read (gRPC metadata).
    pub fn log_event(&self, node: &Node, kind: LogKind, payload: &Payload, puid: &str, skip: bool) {
        let Some(mode) = node.logger.as_deref() else {
            return;
        };
        if !kind.logged_by(mode) || skip {
            return;
        }
        let Some(url) = node
            .logger_url
            .clone()
            .or_else(|| self.config.default_endpoint.clone())
        else {
            self.send_failed.fetch_add(1, Ordering::Relaxed);
            return;
        };
        let event = Event {
            url,
            kind,
            body: payload.body.clone(),
            content_type: payload.content_type.clone(),
            content_encoding: payload.content_encoding.clone(),
            model_id: node.name.clone(),
            request_id: puid.to_owned(),
        };
        if self.queue.try_send(event).is_err() {
            self.queue_full.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Events delivered so far.
    #[must_use]
    pub fn sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }

    /// Events dropped so far: (queue full, failed to send).
    #[must_use]
    pub fn dropped(&self) -> (u64, u64) {
        (
            self.queue_full.load(Ordering::Relaxed),
            self.send_failed.load(Ordering::Relaxed),
        )
    }

    /// The logger's counters in the Prometheus text format, with the executor's labels.
    #[must_use]
    pub fn render(&self, labels: &[(&str, String)]) -> String {
        let mut out = String::new();
        let base = render_labels(labels);
        let (full, failed) = self.dropped();
        let _ = writeln!(
            out,
            "# HELP {DROPPED_METRIC} Request-log events dropped (queue full or failed to send)\n\
             # TYPE {DROPPED_METRIC} counter\n\
             {DROPPED_METRIC}{{{base},reason=\"queue_full\"}} {full}\n\
             {DROPPED_METRIC}{{{base},reason=\"send_failed\"}} {failed}\n\
             # HELP {SENT_METRIC} Request-log events delivered\n\
             # TYPE {SENT_METRIC} counter\n\
             {SENT_METRIC}{{{base}}} {}",
            self.sent()
        );
        out
    }
}

/// Whether a `Seldon-Skip-Logging` value turns logging off (Go's `strconv.ParseBool` truths).
#[must_use]
pub fn skip_requested(value: &str) -> bool {
    matches!(value.trim(), "true" | "1" | "t" | "T" | "TRUE" | "True")
}

async fn deliver(
    client: &reqwest::Client,
    sender: &Sender,
    source: &str,
    event: Event,
) -> Result<(), String> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    let mut request = client
        .post(&event.url)
        .header("ce-specversion", "1.0")
        .header("ce-id", uuid::Uuid::new_v4().to_string())
        .header("ce-type", event.kind.ce_type())
        .header("ce-source", source)
        .header("ce-time", rfc3339_millis(now))
        .header("ce-modelid", &event.model_id)
        .header("ce-requestid", &event.request_id)
        .header("ce-inferenceservicename", &sender.deployment)
        .header("ce-namespace", &sender.namespace)
        .header("ce-endpoint", &sender.predictor)
        .header("ce-protocol", &sender.protocol);
    if let Some(content_type) = event.content_type {
        request = request.header(header::CONTENT_TYPE, content_type);
    }
    let body = decompress(event.body, event.content_encoding.as_ref())?;
    let response = request.body(body).send().await.map_err(|e| e.to_string())?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(format!("`{}` answered {}", event.url, response.status()))
    }
}

/// The event's data as sent: a gzip-encoded payload is decompressed first, as upstream does.
fn decompress(body: Bytes, encoding: Option<&HeaderValue>) -> Result<Bytes, String> {
    use std::io::Read as _;
    match encoding.map(|e| e.to_str().unwrap_or_default().trim().to_ascii_lowercase()) {
        Some(encoding) if encoding == "gzip" => {
            let mut out = Vec::new();
            flate2::read::GzDecoder::new(&body[..])
                .read_to_end(&mut out)
                .map_err(|e| format!("failed to decompress a gzip payload: {e}"))?;
            Ok(Bytes::from(out))
        }
        _ => Ok(body),
    }
}

/// `2026-01-02T03:04:05.678Z` (UTC).
#[must_use]
pub fn rfc3339_millis(unix_millis: u64) -> String {
    let seconds = unix_millis / 1000;
    let days = i64::try_from(seconds / 86400).unwrap_or(0);
    let in_day = seconds % 86400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        in_day / 3600,
        in_day % 3600 / 60,
        in_day % 60,
        unix_millis % 1000
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_select_the_kinds_logged() {
        assert!(LogKind::Request.logged_by("all") && LogKind::Request.logged_by("request"));
        assert!(!LogKind::Request.logged_by("response"));
        assert!(LogKind::Response.logged_by("response") && !LogKind::Response.logged_by("request"));
        assert!(LogKind::Feedback.logged_by("all"));
    }

    #[test]
    fn gzip_payloads_are_sent_decompressed() {
        use std::io::Write as _;
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(b"{\"a\":1}").unwrap();
        let zipped = Bytes::from(encoder.finish().unwrap());
        let gzip = HeaderValue::from_static("gzip");
        assert_eq!(&decompress(zipped, Some(&gzip)).unwrap()[..], b"{\"a\":1}");
        assert_eq!(
            &decompress(Bytes::from_static(b"x"), None).unwrap()[..],
            b"x"
        );
        assert!(decompress(Bytes::from_static(b"x"), Some(&gzip)).is_err());
    }

    #[test]
    fn timestamps_are_rfc3339() {
        assert_eq!(rfc3339_millis(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            rfc3339_millis(1_796_281_876_123),
            "2026-12-03T07:11:16.123Z"
        );
    }

    #[tokio::test]
    async fn a_full_queue_drops_at_once_and_counts() {
        let node = super::super::graph::Predictor::from_json(
            br#"{"name":"p","graph":{"name":"m","logger":{"mode":"all","url":"http://127.0.0.1:9/"}}}"#,
        )
        .unwrap()
        .graph;
        let logger = RequestLogger::new(
            LoggerConfig {
                queue_size: 2,
                ..LoggerConfig::default()
            },
            Sender::default(),
        );
        let mut headers = HeaderMap::new();
        for _ in 0..5 {
            logger.log(&node, LogKind::Request, &Payload::default(), &headers);
        }
        assert_eq!(logger.dropped(), (3, 0));
        headers.insert(SKIP_LOGGING_HEADER, HeaderValue::from_static("true"));
        logger.log(&node, LogKind::Request, &Payload::default(), &headers);
        assert_eq!(logger.dropped(), (3, 0), "skipped, not dropped");
        let text = logger.render(&[("deployment_name", "d".to_owned())]);
        assert!(
            text.contains(
                "seldon_api_executor_logger_dropped_total{deployment_name=\"d\",reason=\"queue_full\"} 3"
            ),
            "{text}"
        );
    }
}
