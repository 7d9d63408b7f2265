//! The transfer engine shared by object stores and plain HTTP: open a byte stream at an
//! offset, write it to a staging file, resume after transient failures with backoff, and
//! check size and MD5 at the end.

use std::path::Path;

use bytes::Bytes;
use futures_util::stream::BoxStream;
use futures_util::{StreamExt, TryStreamExt};
use md5::{Digest, Md5};
use object_store::path::Path as ObjectPath;
use object_store::{GetOptions, GetRange, ObjectStore};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_RANGE, ETAG, HeaderMap, IF_RANGE, RANGE};
use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc::UnboundedSender;

use super::Event;
use super::config::RetryPolicy;
use super::error::{BoxError, StorageError, condense, condensed_messages, diagnose, status_of};

/// Where one file's bytes come from.
#[derive(Debug, Clone)]
pub(crate) enum Origin {
    /// An object in a bucket.
    Object {
        store: std::sync::Arc<dyn ObjectStore>,
        path: ObjectPath,
    },
    /// A plain URL.
    Http {
        client: reqwest::Client,
        url: url::Url,
    },
}

/// One file to fetch.
#[derive(Debug, Clone)]
pub(crate) struct Item {
    pub(crate) origin: Origin,
    /// For messages (redacted URL).
    pub(crate) location: String,
    /// For events: the path relative to DEST.
    pub(crate) name: String,
    /// Credential source, for "access denied".
    pub(crate) tried: String,
    pub(crate) size: Option<u64>,
    pub(crate) md5: Option<[u8; 16]>,
    /// The version the listing saw; a resumed read must continue the same version.
    pub(crate) e_tag: Option<String>,
}

/// How a failed attempt should be treated.
#[derive(Debug)]
pub(crate) enum Failure {
    Transient(BoxError),
    NotFound(BoxError),
    Denied(BoxError),
    /// The object changed while we were resuming; start again from zero.
    Changed(BoxError),
    Permanent(BoxError),
    /// Already a storage error (e.g. an unsafe key name).
    Storage(StorageError),
}

impl Failure {
    /// The same failure with its cause condensed for display (see [`condense`]).
    pub(crate) fn condensed(self) -> Self {
        match self {
            Self::Transient(e) => Self::Transient(condense(e.as_ref())),
            Self::NotFound(e) => Self::NotFound(condense(e.as_ref())),
            Self::Denied(e) => Self::Denied(condense(e.as_ref())),
            Self::Changed(e) => Self::Changed(condense(e.as_ref())),
            Self::Permanent(e) => Self::Permanent(condense(e.as_ref())),
            Self::Storage(e) => Self::Storage(e),
        }
    }
}

/// An open byte stream.
struct Opened {
    stream: BoxStream<'static, Result<Bytes, Failure>>,
    /// The server ignored the range and sent the file from the start.
    from_start: bool,
    total: Option<u64>,
    md5: Option<[u8; 16]>,
    e_tag: Option<String>,
}

impl Origin {
    /// Opens the bytes from `offset`; a resumed read (`offset > 0`) is tied to `version` (the
    /// ETag seen so far): object stores answer 412 if it changed, HTTP servers send the whole
    /// new file (`If-Range`).
    async fn open(&self, offset: u64, version: Option<&str>) -> Result<Opened, Failure> {
        let version = version.filter(|_| offset > 0);
        match self {
            Self::Object { store, path } => {
                let options = GetOptions {
                    range: (offset > 0).then_some(GetRange::Offset(offset)),
                    if_match: version.map(str::to_owned),
                    ..GetOptions::default()
                };
                let result = store
                    .get_opts(path, options)
                    .await
                    .map_err(classify_store)?;
                let total = result.meta.size;
                let md5 = result.meta.e_tag.as_deref().and_then(md5_from_etag);
                let e_tag = result.meta.e_tag.clone();
                let from_start = result.range.start == 0;
                let stream = result.into_stream().map_err(classify_store).boxed();
                Ok(Opened {
                    stream,
                    from_start,
                    total: Some(total),
                    md5,
                    e_tag,
                })
            }
            Self::Http { client, url } => {
                let mut request = client.get(url.clone());
                if offset > 0 {
                    request = request.header(RANGE, format!("bytes={offset}-"));
                    if let Some(e_tag) = version.filter(|v| !v.starts_with("W/")) {
                        request = request.header(IF_RANGE, e_tag);
                    }
                }
                let response = request.send().await.map_err(|e| {
                    let e: BoxError = e.without_url().into();
                    // A certificate the client does not trust will not be trusted on retry.
                    match diagnose(e.as_ref(), None) {
                        Some(super::Unreachable::Tls { .. }) => Failure::Permanent(e),
                        _ => Failure::Transient(e),
                    }
                })?;
                let status = response.status();
                if !status.is_success() {
                    return Err(classify_status(status));
                }
                let headers = response.headers();
                let from_start = status != StatusCode::PARTIAL_CONTENT;
                let total = if from_start {
                    response.content_length()
                } else {
                    let (start, total) = content_range(headers);
                    if start != Some(offset) {
                        let err =
                            format!("asked for bytes from {offset}, got a range from {start:?}");
                        return Err(Failure::Changed(err.into()));
                    }
                    total
                };
                let md5 = md5_from_headers(headers);
                let e_tag = headers
                    .get(ETAG)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                let stream = response
                    .bytes_stream()
                    .map_err(|e| Failure::Transient(e.without_url().into()))
                    .boxed();
                Ok(Opened {
                    stream,
                    from_start,
                    total,
                    md5,
                    e_tag,
                })
            }
        }
    }
}

fn classify_status(status: StatusCode) -> Failure {
    let err: BoxError = format!("the server answered {status}").into();
    match status.as_u16() {
        404 | 410 => Failure::NotFound(err),
        401 | 403 => Failure::Denied(err),
        408 | 429 | 500..=599 => Failure::Transient(err),
        _ => Failure::Permanent(err),
    }
}

/// Sorts an `object_store` error into what we do next.
pub(crate) fn classify_store(err: object_store::Error) -> Failure {
    use object_store::Error as E;
    if let Some(name) = bad_key_in_chain(&err) {
        return Failure::Storage(StorageError::UnsafeEntry {
            name,
            reason: "the object key is not a safe relative path",
        });
    }
    match err {
        E::NotFound { .. } => Failure::NotFound(err.into()),
        E::PermissionDenied { .. } | E::Unauthenticated { .. } => Failure::Denied(err.into()),
        E::Precondition { .. } => Failure::Changed(err.into()),
        E::Generic { .. } => match status_of(&err) {
            Some(404) => Failure::NotFound(err.into()),
            Some(401 | 403) => Failure::Denied(err.into()),
            Some(408 | 429 | 500..=599) => Failure::Transient(err.into()),
            None if http_error_in_chain(&err) => Failure::Transient(err.into()),
            Some(_) | None => Failure::Permanent(err.into()),
        },
        _ => Failure::Permanent(err.into()),
    }
}

fn chain<'a>(
    err: &'a (dyn std::error::Error + 'static),
) -> impl Iterator<Item = &'a (dyn std::error::Error + 'static)> {
    std::iter::successors(Some(err), |e| e.source())
}

/// A key that `object_store` refused to parse (`..`, `.`, empty segments, control chars).
fn bad_key_in_chain(err: &(dyn std::error::Error + 'static)) -> Option<String> {
    chain(err).find_map(|e| match e.downcast_ref::<object_store::path::Error>()? {
        object_store::path::Error::BadSegment { path, .. }
        | object_store::path::Error::EmptySegment { path } => Some(path.clone()),
        _ => None,
    })
}

fn http_error_in_chain(err: &(dyn std::error::Error + 'static)) -> bool {
    chain(err).any(|e| e.is::<object_store::client::HttpError>() || e.is::<reqwest::Error>())
}

/// S3 and GCS (XML API) `ETag`s of single-part objects are the hex MD5 of the content.
fn md5_from_etag(etag: &str) -> Option<[u8; 16]> {
    let hex = etag.trim_start_matches("W/").trim_matches('"');
    if hex.len() != 32 {
        return None;
    }
    let mut out = [0u8; 16];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

/// `Content-MD5` (RFC 1864) or GCS's `x-goog-hash: md5=…`, both base64.
fn md5_from_headers(headers: &HeaderMap) -> Option<[u8; 16]> {
    use base64::Engine;
    let from_b64 = |v: &str| {
        base64::engine::general_purpose::STANDARD
            .decode(v.trim())
            .ok()?
            .try_into()
            .ok()
    };
    if let Some(v) = headers.get("content-md5").and_then(|v| v.to_str().ok()) {
        return from_b64(v);
    }
    headers
        .get_all("x-goog-hash")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find_map(|part| part.trim().strip_prefix("md5=").and_then(from_b64))
}

/// `Content-Range: bytes <start>-<end>/<total>` → (start, total).
fn content_range(headers: &HeaderMap) -> (Option<u64>, Option<u64>) {
    let Some(value) = headers.get(CONTENT_RANGE).and_then(|v| v.to_str().ok()) else {
        return (None, None);
    };
    let Some((range, total)) = value
        .trim()
        .strip_prefix("bytes ")
        .and_then(|v| v.split_once('/'))
    else {
        return (None, None);
    };
    let start = range
        .split_once('-')
        .and_then(|(start, _)| start.trim().parse().ok());
    (start, total.trim().parse().ok())
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// Downloads `item` to `path`, retrying transient failures and resuming where possible.
/// Returns the number of bytes written.
pub(crate) async fn download(
    item: &Item,
    path: &Path,
    policy: &RetryPolicy,
    events: &UnboundedSender<Event>,
) -> Result<u64, StorageError> {
    let mut file = tokio::fs::File::create(path)
        .await
        .map_err(|e| StorageError::io("create", path, e))?;
    let mut state = Progress {
        written: 0,
        hasher: Md5::new(),
        total: item.size,
        md5: item.md5,
        e_tag: item.e_tag.clone(),
    };
    let mut attempt = 1;
    loop {
        let result = transfer(
            item,
            &mut file,
            path,
            &mut state,
            attempt > 1,
            policy,
            events,
        )
        .await;
        let failure = match result {
            Ok(()) => break,
            Err(Attempt::Storage(err)) => return Err(err),
            Err(Attempt::Failed(failure)) => failure,
        };
        let source = match failure {
            Failure::Transient(source) | Failure::Changed(source) if attempt < policy.attempts => {
                source
            }
            other => return Err(final_error(item, attempt, other)),
        };
        let delay = policy.backoff(attempt);
        tracing::debug!(file = %item.name, attempt, ?delay, "retrying after a transient failure");
        let _ = events.send(Event::Retrying {
            name: item.name.clone(),
            attempt: attempt + 1,
            delay,
            reason: diagnose(source.as_ref(), host_of(item).as_deref())
                .map_or_else(|| render_chain(source.as_ref()), |cause| cause.to_string()),
        });
        tokio::time::sleep(delay).await;
        attempt += 1;
    }
    file.flush()
        .await
        .map_err(|e| StorageError::io("write", path, e))?;
    file.sync_data()
        .await
        .map_err(|e| StorageError::io("write", path, e))?;
    if let Some(expected) = state.total
        && expected != state.written
    {
        return Err(StorageError::SizeMismatch {
            location: item.location.clone(),
            expected,
            actual: state.written,
        });
    }
    if let Some(expected) = state.md5 {
        let actual: [u8; 16] = state.hasher.finalize().into();
        if actual != expected {
            return Err(StorageError::ChecksumMismatch {
                location: item.location.clone(),
                expected: hex(&expected),
                actual: hex(&actual),
            });
        }
    }
    Ok(state.written)
}

/// `host[:port]` of a plain URL (object stores name theirs in their errors).
fn host_of(item: &Item) -> Option<String> {
    match &item.origin {
        Origin::Http { url, .. } => url.host_str().map(|h| match url.port() {
            Some(port) => format!("{h}:{port}"),
            None => h.to_owned(),
        }),
        Origin::Object { .. } => None,
    }
}

fn final_error(item: &Item, attempts: u32, failure: Failure) -> StorageError {
    let host = host_of(item);
    if let Failure::Transient(e) | Failure::Permanent(e) = &failure
        && let Some(problem) = diagnose(e.as_ref(), host.as_deref())
    {
        return StorageError::Unreachable {
            location: item.location.clone(),
            problem,
        };
    }
    let failure = failure.condensed();
    match failure {
        Failure::NotFound(cause) => StorageError::NotFound {
            location: item.location.clone(),
            cause: Some(cause),
        },
        Failure::Denied(cause) => StorageError::AccessDenied {
            location: item.location.clone(),
            tried: item.tried.clone(),
            cause: Some(cause),
        },
        Failure::Storage(err) => err,
        Failure::Transient(cause) | Failure::Changed(cause) | Failure::Permanent(cause) => {
            StorageError::Download {
                location: item.location.clone(),
                attempts,
                cause,
            }
        }
    }
}

/// `a: b: c` from an error and its sources, for retry events.
pub(crate) fn render_chain(err: &(dyn std::error::Error + 'static)) -> String {
    condensed_messages(err).join(": ")
}

struct Progress {
    written: u64,
    hasher: Md5,
    total: Option<u64>,
    md5: Option<[u8; 16]>,
    e_tag: Option<String>,
}

enum Attempt {
    Failed(Failure),
    Storage(StorageError),
}

impl From<Failure> for Attempt {
    fn from(failure: Failure) -> Self {
        match failure {
            Failure::Storage(err) => Self::Storage(err),
            other => Self::Failed(other),
        }
    }
}

async fn transfer(
    item: &Item,
    file: &mut tokio::fs::File,
    path: &Path,
    state: &mut Progress,
    resume: bool,
    policy: &RetryPolicy,
    events: &UnboundedSender<Event>,
) -> Result<(), Attempt> {
    use tokio::io::AsyncSeekExt;
    if resume && state.written > 0 && state.total == Some(state.written) {
        // Everything had arrived when the connection broke; asking for more would be refused.
        return Ok(());
    }
    let opened = match item
        .origin
        .open(state.written, state.e_tag.as_deref())
        .await
    {
        Err(Failure::Changed(source)) => {
            // The object changed under us: what we have is stale, start over.
            restart(file, path, state, events).await?;
            return Err(Attempt::Failed(Failure::Changed(source)));
        }
        other => other?,
    };
    if opened.from_start && state.written > 0 {
        restart(file, path, state, events).await?;
    }
    if opened.from_start {
        file.seek(std::io::SeekFrom::Start(0))
            .await
            .map_err(|e| Attempt::Storage(StorageError::io("write", path, e)))?;
    }
    if opened.from_start {
        // A whole response describes exactly what we are about to receive, even if the
        // object changed since it was listed.
        state.total = opened.total.or(state.total);
        state.md5 = opened.md5.or(item.md5);
        state.e_tag = opened.e_tag.or(state.e_tag.take());
    } else {
        state.total = state.total.or(opened.total);
        state.md5 = state.md5.or(opened.md5);
    }
    if item.size.is_none()
        && let (Some(bytes), Origin::Http { .. }) = (state.total, &item.origin)
    {
        // A plain URL is one file whose size only its response tells: the total is known now.
        let _ = events.send(Event::Planned {
            files: 1,
            bytes: Some(bytes),
        });
    }
    let mut stream = opened.stream;
    loop {
        let next = tokio::time::timeout(policy.idle_timeout, stream.next())
            .await
            .map_err(|_| {
                Failure::Transient(format!("no data received for {:?}", policy.idle_timeout).into())
            })?;
        let Some(chunk) = next else { return Ok(()) };
        let chunk = chunk?;
        if let Some(total) = state.total
            && state.written + chunk.len() as u64 > total
        {
            return Err(Attempt::Storage(StorageError::SizeMismatch {
                location: item.location.clone(),
                expected: total,
                actual: state.written + chunk.len() as u64,
            }));
        }
        file.write_all(&chunk)
            .await
            .map_err(|e| Attempt::Storage(StorageError::io("write", path, e)))?;
        state.hasher.update(&chunk);
        state.written += chunk.len() as u64;
        let _ = events.send(Event::Bytes {
            bytes: chunk.len() as u64,
        });
    }
}

async fn restart(
    file: &mut tokio::fs::File,
    path: &Path,
    state: &mut Progress,
    events: &UnboundedSender<Event>,
) -> Result<(), Attempt> {
    use tokio::io::AsyncSeekExt;
    file.set_len(0)
        .await
        .map_err(|e| Attempt::Storage(StorageError::io("truncate", path, e)))?;
    file.seek(std::io::SeekFrom::Start(0))
        .await
        .map_err(|e| Attempt::Storage(StorageError::io("write", path, e)))?;
    if state.written > 0 {
        let _ = events.send(Event::Discarded {
            bytes: state.written,
        });
    }
    state.written = 0;
    state.hasher = Md5::new();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags_that_are_md5_hex_are_used_as_checksums() {
        let md5 = md5_from_etag("\"0cc175b9c0f1b6a831c399e269772661\"").unwrap();
        assert_eq!(hex(&md5), "0cc175b9c0f1b6a831c399e269772661");
        assert_eq!(
            md5_from_etag("\"0cc175b9c0f1b6a831c399e269772661-3\""),
            None
        );
        assert_eq!(md5_from_etag("CJjZ0tbl0fUCEAE="), None);
    }

    #[test]
    fn md5_headers_are_read() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-goog-hash",
            "crc32c=n03x6A==, md5=DMF1ucDxtqgxw5niaXcmYQ=="
                .parse()
                .unwrap(),
        );
        assert_eq!(
            hex(&md5_from_headers(&headers).unwrap()),
            "0cc175b9c0f1b6a831c399e269772661"
        );
        headers.insert("content-md5", "DMF1ucDxtqgxw5niaXcmYQ==".parse().unwrap());
        assert!(md5_from_headers(&headers).is_some());
    }

    #[test]
    fn content_ranges_are_parsed() {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_RANGE, "bytes 100-199/200".parse().unwrap());
        assert_eq!(content_range(&headers), (Some(100), Some(200)));
        headers.insert(CONTENT_RANGE, "bytes 0-9/*".parse().unwrap());
        assert_eq!(content_range(&headers), (Some(0), None));
        assert_eq!(content_range(&HeaderMap::new()), (None, None));
    }

    #[test]
    fn statuses_are_classified() {
        assert!(matches!(
            classify_status(StatusCode::NOT_FOUND),
            Failure::NotFound(_)
        ));
        assert!(matches!(
            classify_status(StatusCode::FORBIDDEN),
            Failure::Denied(_)
        ));
        assert!(matches!(
            classify_status(StatusCode::BAD_GATEWAY),
            Failure::Transient(_)
        ));
        assert!(matches!(
            classify_status(StatusCode::BAD_REQUEST),
            Failure::Permanent(_)
        ));
    }
}
