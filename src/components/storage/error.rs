//! The storage error: one variant per failed operation, naming the object involved.
//! Messages never contain credentials: URLs are shown redacted and secrets are [`Secret`]s.
//!
//! [`Secret`]: super::Secret

use std::path::PathBuf;

/// A boxed cause from a client library.
pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Why fetching a model failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StorageError {
    /// The URI's scheme is not one we can fetch.
    #[error("unsupported scheme `{scheme}` in model URI `{uri}`; known forms: {known}")]
    UnknownScheme {
        /// The URI (redacted).
        uri: String,
        /// The scheme found.
        scheme: String,
        /// The supported forms.
        known: &'static str,
    },
    /// The URI does not parse.
    #[error("invalid model URI `{uri}`: {reason}")]
    InvalidUri {
        /// The URI (redacted).
        uri: String,
        /// What is wrong.
        reason: String,
    },
    /// A `pvc://` claim has no local directory.
    #[error(
        "persistent volume claim `{claim}` is not mapped to a local directory; \
         map it with `--pvc {claim}=<dir>`"
    )]
    UnmappedPvc {
        /// The claim name.
        claim: String,
    },
    /// An rclone remote is used but not defined.
    #[error(
        "rclone remote `{remote}` is not configured; define it with `RCLONE_CONFIG_{upper}_TYPE` \
         and its options"
    )]
    RcloneRemoteNotConfigured {
        /// The remote as written.
        remote: String,
        /// The remote upper-cased, as in the variable names.
        upper: String,
    },
    /// An rclone remote has a type we do not support.
    #[error(
        "rclone remote `{remote}` has type `{kind}`; supported types: `s3`, `google cloud storage`"
    )]
    UnsupportedRcloneType {
        /// The remote.
        remote: String,
        /// Its `type`.
        kind: String,
    },
    /// The object-store client could not be configured.
    #[error("failed to configure the client for `{location}`")]
    Configure {
        /// The bucket URL.
        location: String,
        /// The cause.
        #[source]
        source: BoxError,
    },
    /// The server could not be reached, or not trusted: the cause is named, in one line.
    #[error("cannot fetch `{location}`: {problem}")]
    Unreachable {
        /// What was fetched (redacted URL).
        location: String,
        /// Why, read from the client's error chain.
        problem: Unreachable,
    },
    /// The bucket, object or local path does not exist.
    #[error("`{location}` not found{}", status_note(cause.as_deref()))]
    NotFound {
        /// What was looked up.
        location: String,
        /// The cause (its HTTP status is shown, not its text: object stores repeat the URL).
        cause: Option<BoxError>,
    },
    /// The store refused the credentials (or their absence).
    #[error(
        "access denied to `{location}`{} (credentials tried: {tried})",
        status_note(cause.as_deref())
    )]
    AccessDenied {
        /// What was accessed.
        location: String,
        /// Which credential source was used, never its value.
        tried: String,
        /// The cause (its HTTP status is shown).
        cause: Option<BoxError>,
    },
    /// Nothing exists under the prefix (upstream would "succeed" with an empty model).
    #[error("no objects found under `{location}`; refusing to provide an empty model")]
    EmptyPrefix {
        /// The prefix URL.
        location: String,
    },
    /// Listing objects failed.
    #[error("failed to list objects under `{location}`: {}", root_cause(cause.as_ref()))]
    List {
        /// The prefix URL.
        location: String,
        /// The cause (its innermost message is shown).
        cause: BoxError,
    },
    /// Downloading one file failed, after retries where the failure was transient.
    #[error(
        "failed to download `{location}` after {attempts} attempt(s): {}",
        root_cause(cause.as_ref())
    )]
    Download {
        /// The object URL.
        location: String,
        /// Attempts made.
        attempts: u32,
        /// The last cause (its innermost message is shown).
        cause: BoxError,
    },
    /// A file's size differs from what the store announced.
    #[error("`{location}` is {actual} bytes but the store announced {expected}")]
    SizeMismatch {
        /// The object URL.
        location: String,
        /// Announced size.
        expected: u64,
        /// Received size.
        actual: u64,
    },
    /// A file's MD5 differs from what the store announced.
    #[error("`{location}` has MD5 {actual} but the store announced {expected}")]
    ChecksumMismatch {
        /// The object URL.
        location: String,
        /// Announced digest (hex).
        expected: String,
        /// Computed digest (hex).
        actual: String,
    },
    /// An object key, archive entry or local entry would escape DEST or is not a plain file.
    #[error("refusing entry `{name}`: {reason}")]
    UnsafeEntry {
        /// The entry name as the source gave it.
        name: String,
        /// Why it is refused.
        reason: &'static str,
    },
    /// An archive expands to more than its limit allows.
    #[error(
        "archive `{archive}` expands to more than {limit} {what}; raise `--max-unpacked-{what}` if that is expected"
    )]
    UnpackLimit {
        /// The archive URL or name.
        archive: String,
        /// `bytes` or `entries`.
        what: &'static str,
        /// The limit.
        limit: u64,
    },
    /// An archive could not be read.
    #[error("failed to unpack archive `{archive}`")]
    Unpack {
        /// The archive URL or name.
        archive: String,
        /// The cause.
        #[source]
        source: BoxError,
    },
    /// The destination file system is full.
    #[error("no space left on the device holding `{path}`")]
    DiskFull {
        /// The file being written.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The fetch was dropped before it finished (Ctrl-C, shutdown).
    #[error("the fetch was cancelled")]
    Cancelled,
    /// A local file operation failed.
    #[error("failed to {op} `{path}`")]
    Io {
        /// The operation, e.g. "create directory".
        op: &'static str,
        /// The path.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

/// Why a server could not be reached or trusted.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Unreachable {
    /// The host name did not resolve.
    Dns {
        /// The host.
        host: String,
    },
    /// Nothing listens at the address.
    Refused {
        /// `host:port` or the host.
        host: String,
    },
    /// The TLS handshake failed (an unknown issuer, a name mismatch, an expired certificate).
    Tls {
        /// The host.
        host: String,
        /// The verifier's reason.
        reason: String,
    },
    /// Connecting or reading took too long.
    Timeout {
        /// The host.
        host: String,
    },
}

impl std::fmt::Display for Unreachable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Dns { host } => write!(f, "DNS lookup of `{host}` failed"),
            Self::Refused { host } => write!(f, "connection to `{host}` refused"),
            Self::Tls { host, reason } => {
                write!(f, "TLS handshake with `{host}` failed: {reason}")
            }
            Self::Timeout { host } => write!(f, "`{host}` did not answer in time"),
        }
    }
}

/// The innermost message of a chain, for one-line messages.
fn root_cause(err: &(dyn std::error::Error + Send + Sync + 'static)) -> String {
    condensed_messages(err).pop().unwrap_or_default()
}

/// ` (HTTP 404)` when the cause carries a status, for one-line messages.
fn status_note(source: Option<&(dyn std::error::Error + Send + Sync + 'static)>) -> String {
    source
        .and_then(|e| status_of(e as &(dyn std::error::Error + 'static)))
        .map(|code| format!(" (HTTP {code})"))
        .unwrap_or_default()
}

/// The HTTP status named in an error chain: ours ("the server answered 404 Not Found") or
/// `object_store`'s ("… status code: 404 Not Found …"), which keeps its error type private.
pub(crate) fn status_of(err: &(dyn std::error::Error + 'static)) -> Option<u16> {
    std::iter::successors(Some(err), |e| e.source()).find_map(|e| {
        let text = e.to_string();
        let rest = text
            .split_once("status code: ")
            .or_else(|| text.split_once("the server answered "))?
            .1;
        rest.get(..3)?.parse().ok()
    })
}

/// Reads why a request failed from a client's error chain: DNS, refused, TLS or a timeout.
/// `host` is the server the request went to, when the caller knows it; otherwise the first
/// URL in the chain names it.
pub(crate) fn diagnose(
    err: &(dyn std::error::Error + 'static),
    host: Option<&str>,
) -> Option<Unreachable> {
    let texts: Vec<String> = std::iter::successors(Some(err), |e| e.source())
        .map(ToString::to_string)
        .collect();
    let io_kind = std::iter::successors(Some(err), |e| e.source())
        .find_map(|e| e.downcast_ref::<std::io::Error>().map(std::io::Error::kind));
    let host = host
        .map(str::to_owned)
        .or_else(|| texts.iter().find_map(|t| host_in(t)))
        .unwrap_or_else(|| "the server".to_owned());
    let any = |needles: &[&str]| {
        texts.iter().any(|t| {
            let t = t.to_lowercase();
            needles.iter().any(|n| t.contains(n))
        })
    };
    if any(&[
        "dns error",
        "failed to lookup address",
        "error resolving",
        "name or service not known",
    ]) {
        return Some(Unreachable::Dns { host });
    }
    if io_kind == Some(std::io::ErrorKind::ConnectionRefused) || any(&["connection refused"]) {
        return Some(Unreachable::Refused { host });
    }
    if let Some(reason) = texts.iter().find_map(|t| tls_reason(t)) {
        return Some(Unreachable::Tls { host, reason });
    }
    if io_kind == Some(std::io::ErrorKind::TimedOut) || any(&["timed out", "operation timeout"]) {
        return Some(Unreachable::Timeout { host });
    }
    None
}

/// The host of the first `http(s)://` URL in `text`.
fn host_in(text: &str) -> Option<String> {
    let start = text.find("https://").or_else(|| text.find("http://"))?;
    let url = text[start..].split_whitespace().next()?;
    let parsed = url::Url::parse(url.trim_end_matches([',', ')', ';'])).ok()?;
    let host = parsed.host_str()?.to_owned();
    Some(match parsed.port() {
        Some(port) => format!("{host}:{port}"),
        None => host,
    })
}

/// A TLS failure's reason as rustls states it ("invalid peer certificate: UnknownIssuer").
fn tls_reason(text: &str) -> Option<String> {
    let lower = text.to_lowercase();
    let at = lower
        .find("invalid peer certificate")
        .or_else(|| lower.find("peer is incompatible"))
        .or_else(|| lower.find("received fatal alert"))
        .or_else(|| lower.find("certificate"))?;
    let reason = text[at..].lines().next().unwrap_or_default().trim();
    Some(match reason {
        r if r.contains("UnknownIssuer") => {
            "the certificate's issuer is not trusted (UnknownIssuer)".to_owned()
        }
        r => r.to_owned(),
    })
}

impl StorageError {
    /// What the user can do about it, when the error says enough to suggest something.
    #[must_use]
    pub fn hint(&self) -> Option<String> {
        const LOCAL: &str = "point `modelUri` at a local copy: `modelUri: file:///path/to/model` \
             or a directory beside the SeldonDeployment file";
        match self {
            Self::Unreachable {
                problem:
                    Unreachable::Dns { .. } | Unreachable::Refused { .. } | Unreachable::Timeout { .. },
                ..
            } => Some(format!("offline or firewalled? {LOCAL}")),
            Self::Unreachable {
                problem: Unreachable::Tls { .. },
                ..
            } => Some(
                "for a private CA, set `SSL_CERT_FILE` to its PEM file (added to the built-in \
                 roots)"
                    .to_owned(),
            ),
            Self::AccessDenied { .. } => Some(
                "check the credentials the storage initializer gets (`envSecretRefName`; \
                 embedded: your environment)"
                    .to_owned(),
            ),
            Self::NotFound { .. } | Self::EmptyPrefix { .. } => {
                Some("check the bucket and path in `modelUri`".to_owned())
            }
            Self::List { .. } | Self::Download { .. } => Some(LOCAL.to_owned()),
            _ => None,
        }
    }

    /// Wraps an IO error on `path`, recognising a full disk.
    pub(crate) fn io(op: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        let path = path.into();
        if is_disk_full(&source) {
            Self::DiskFull { path, source }
        } else {
            Self::Io { op, path, source }
        }
    }
}

/// The messages of `err` and its sources with the repetition client libraries put in them
/// removed: many embed their source's text in their own message ("list failed: connection
/// refused" above "connection refused"), which chain rendering would print twice.
pub(crate) fn condensed_messages(err: &(dyn std::error::Error + 'static)) -> Vec<String> {
    let texts: Vec<String> = std::iter::successors(Some(err), |e| e.source())
        .map(ToString::to_string)
        .collect();
    let mut out: Vec<String> = Vec::new();
    for (i, text) in texts.iter().enumerate() {
        let mut own = text.as_str();
        if let Some(stripped) = texts
            .get(i + 1)
            .and_then(|next| own.strip_suffix(next.as_str()))
        {
            own = stripped.trim_end().trim_end_matches([':', '-']).trim_end();
        }
        if !own.is_empty() && out.last().is_none_or(|last| last != own) {
            out.push(own.to_owned());
        }
    }
    out
}

/// `err` as a chain of plain messages, condensed as by [`condensed_messages`].
pub(crate) fn condense(err: &(dyn std::error::Error + 'static)) -> BoxError {
    let mut messages = condensed_messages(err);
    let last = messages.pop().unwrap_or_default();
    let mut link = Message {
        text: last,
        source: None,
    };
    while let Some(text) = messages.pop() {
        link = Message {
            text,
            source: Some(Box::new(link)),
        };
    }
    Box::new(link)
}

/// One message of a condensed chain.
#[derive(Debug)]
struct Message {
    text: String,
    source: Option<Box<Message>>,
}

impl std::fmt::Display for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

impl std::error::Error for Message {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|m| m as &(dyn std::error::Error + 'static))
    }
}

/// `ENOSPC`/`EDQUOT` in their std spelling.
fn is_disk_full(err: &std::io::Error) -> bool {
    matches!(
        err.kind(),
        std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("list failed: {0}")]
    struct Outer(#[source] Inner);
    #[derive(Debug, thiserror::Error)]
    #[error("HTTP error: {0}")]
    struct Inner(#[source] std::io::Error);

    #[test]
    fn repeated_text_in_error_chains_is_condensed() {
        let err = Outer(Inner(std::io::Error::other("connection refused")));
        assert_eq!(
            condensed_messages(&err),
            ["list failed", "HTTP error", "connection refused"]
        );
        let condensed = condense(&err);
        let rendered: Vec<String> =
            std::iter::successors(Some(condensed.as_ref() as &dyn std::error::Error), |e| {
                e.source()
            })
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            rendered,
            ["list failed", "HTTP error", "connection refused"]
        );
    }

    #[derive(Debug, thiserror::Error)]
    #[error(
        "Error performing GET https://storage.googleapis.com/seldon%2Dmodels?list-type=2 in 1.5s, after 4 retries"
    )]
    struct Gcs(#[source] std::io::Error);

    #[test]
    fn causes_are_read_from_the_chain_with_the_host_the_request_went_to() {
        let dns = Gcs(std::io::Error::other(
            "dns error: failed to lookup address information",
        ));
        assert_eq!(
            diagnose(&dns, None),
            Some(Unreachable::Dns {
                host: "storage.googleapis.com".to_owned()
            })
        );
        let refused = Outer(Inner(std::io::ErrorKind::ConnectionRefused.into()));
        assert_eq!(
            diagnose(&refused, Some("127.0.0.1:9")),
            Some(Unreachable::Refused {
                host: "127.0.0.1:9".to_owned()
            })
        );
        let tls = Outer(Inner(std::io::Error::other(
            "invalid peer certificate: UnknownIssuer",
        )));
        let Some(Unreachable::Tls { reason, .. }) = diagnose(&tls, Some("h")) else {
            panic!("not TLS");
        };
        assert!(reason.contains("not trusted"), "{reason}");
        let timeout = Outer(Inner(std::io::ErrorKind::TimedOut.into()));
        assert!(matches!(
            diagnose(&timeout, None),
            Some(Unreachable::Timeout { .. })
        ));
        let other = Outer(Inner(std::io::Error::other("HTTP/2 protocol error")));
        assert_eq!(diagnose(&other, None), None);
    }

    #[test]
    fn an_offline_gs_uri_is_one_line_and_hints_at_a_local_path_not_credentials() {
        let err = StorageError::Unreachable {
            location: "gs://seldon-models/tfserving/mnist-model".to_owned(),
            problem: Unreachable::Dns {
                host: "storage.googleapis.com".to_owned(),
            },
        };
        let text = err.to_string();
        assert_eq!(
            text,
            "cannot fetch `gs://seldon-models/tfserving/mnist-model`: DNS lookup of \
             `storage.googleapis.com` failed"
        );
        assert!(
            std::error::Error::source(&err).is_none(),
            "one line, no chain"
        );
        let hint = err.hint().unwrap();
        assert!(hint.contains("modelUri: file://"), "{hint}");
        assert!(!hint.contains("credential"), "{hint}");
    }

    #[test]
    fn enospc_is_reported_as_disk_full() {
        let err = StorageError::io("write", "/m/f", std::io::Error::from_raw_os_error(28));
        assert!(matches!(err, StorageError::DiskFull { .. }), "{err:?}");
        assert_eq!(
            err.to_string(),
            "no space left on the device holding `/m/f`"
        );
        let err = StorageError::io("write", "/m/f", std::io::Error::from_raw_os_error(13));
        assert_eq!(err.to_string(), "failed to write `/m/f`");
    }
}
