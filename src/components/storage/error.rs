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
    /// The bucket, object or local path does not exist.
    #[error("`{location}` not found")]
    NotFound {
        /// What was looked up.
        location: String,
        /// The cause.
        #[source]
        source: Option<BoxError>,
    },
    /// The store refused the credentials (or their absence).
    #[error("access denied to `{location}` (credentials tried: {tried})")]
    AccessDenied {
        /// What was accessed.
        location: String,
        /// Which credential source was used, never its value.
        tried: String,
        /// The cause.
        #[source]
        source: Option<BoxError>,
    },
    /// Nothing exists under the prefix (upstream would "succeed" with an empty model).
    #[error("no objects found under `{location}`; refusing to provide an empty model")]
    EmptyPrefix {
        /// The prefix URL.
        location: String,
    },
    /// Listing objects failed.
    #[error("failed to list objects under `{location}`")]
    List {
        /// The prefix URL.
        location: String,
        /// The cause.
        #[source]
        source: BoxError,
    },
    /// Downloading one file failed, after retries where the failure was transient.
    #[error("failed to download `{location}` after {attempts} attempt(s)")]
    Download {
        /// The object URL.
        location: String,
        /// Attempts made.
        attempts: u32,
        /// The last cause.
        #[source]
        source: BoxError,
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

impl StorageError {
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
