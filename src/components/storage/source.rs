//! Parsing a `modelUri` into a [`Source`]. Pure: no IO, no environment.

use std::fmt;
use std::path::PathBuf;

use super::error::StorageError;

/// The forms a model URI may take, as listed in "unknown scheme" errors.
pub const KNOWN_SCHEMES: &str = "`gs://`, `s3://`, `https://<account>.blob.core.windows.net/`, \
     `https://`, `http://`, `file://`, `pvc://`, rclone `remote:bucket/path`, absolute or \
     relative local paths";

/// Host suffix of Azure Blob Storage accounts (kfserving's `_BLOB_RE`).
const AZURE_BLOB_HOST: &str = ".blob.core.windows.net";

/// Where a model comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// `gs://bucket/prefix`.
    Gcs {
        /// Bucket name.
        bucket: String,
        /// Object prefix (no leading or trailing slash; empty for the whole bucket).
        prefix: String,
    },
    /// `s3://bucket/prefix`.
    S3 {
        /// Bucket name.
        bucket: String,
        /// Object prefix.
        prefix: String,
    },
    /// rclone's `remote:bucket/prefix`, the remote defined by `RCLONE_CONFIG_<REMOTE>_*`.
    Rclone {
        /// Remote name as written (looked up upper-cased).
        remote: String,
        /// Bucket name.
        bucket: String,
        /// Object prefix.
        prefix: String,
    },
    /// `https://<account>.blob.core.windows.net/<container>/<prefix>` (kfserving's Azure form).
    Azure {
        /// Storage account.
        account: String,
        /// Container.
        container: String,
        /// Blob prefix.
        prefix: String,
    },
    /// `http(s)://…`: one file, or an archive that is unpacked.
    Http {
        /// The full URL (may carry a signed query; shown redacted).
        url: url::Url,
    },
    /// `file://…` or a local path; relative paths are resolved against the config's base dir.
    Local {
        /// The path as written.
        path: PathBuf,
    },
    /// `pvc://claim/path`: a path inside the local directory mapped to `claim`.
    Pvc {
        /// Claim name.
        claim: String,
        /// Path inside the claim (may be empty).
        path: String,
    },
}

impl Source {
    /// Parses a model URI.
    pub fn parse(uri: &str) -> Result<Self, StorageError> {
        let uri = uri.trim();
        if uri.is_empty() {
            return Err(invalid(uri, "the URI is empty"));
        }
        if let Some((scheme, rest)) = uri.split_once("://") {
            return match scheme.to_ascii_lowercase().as_str() {
                "gs" | "gcs" => {
                    let (bucket, prefix) = bucket_and_prefix(uri, rest)?;
                    Ok(Self::Gcs { bucket, prefix })
                }
                "s3" => {
                    let (bucket, prefix) = bucket_and_prefix(uri, rest)?;
                    Ok(Self::S3 { bucket, prefix })
                }
                "http" | "https" => {
                    let url = url::Url::parse(uri)
                        .map_err(|e| invalid(&redact_uri(uri), &e.to_string()))?;
                    let host = url.host_str().unwrap_or_default();
                    if host.is_empty() {
                        return Err(invalid(&redact_uri(uri), "the URL has no host"));
                    }
                    if let Some(account) = host.strip_suffix(AZURE_BLOB_HOST)
                        && url.query().is_none()
                    {
                        let path = url.path().trim_start_matches('/');
                        let (container, prefix) = bucket_and_prefix(uri, path)?;
                        let account = account.to_owned();
                        return Ok(Self::Azure {
                            account,
                            container,
                            prefix,
                        });
                    }
                    Ok(Self::Http { url })
                }
                "file" => {
                    let url = url::Url::parse(uri).map_err(|e| invalid(uri, &e.to_string()))?;
                    let path = url
                        .to_file_path()
                        .map_err(|()| invalid(uri, "not a local file URL"))?;
                    Ok(Self::Local { path })
                }
                "pvc" => {
                    let (claim, path) = rest.split_once('/').unwrap_or((rest, ""));
                    if claim.is_empty() {
                        return Err(invalid(uri, "the claim name is empty"));
                    }
                    Ok(Self::Pvc {
                        claim: claim.to_owned(),
                        path: path.trim_matches('/').to_owned(),
                    })
                }
                _ => Err(StorageError::UnknownScheme {
                    uri: redact_uri(uri),
                    scheme: scheme.to_owned(),
                    known: KNOWN_SCHEMES,
                }),
            };
        }
        if let Some((remote, rest)) = rclone_remote(uri) {
            let (bucket, prefix) = bucket_and_prefix(uri, rest.trim_start_matches('/'))?;
            return Ok(Self::Rclone {
                remote: remote.to_owned(),
                bucket,
                prefix,
            });
        }
        Ok(Self::Local {
            path: PathBuf::from(uri),
        })
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Gcs { bucket, prefix } => write!(f, "gs://{bucket}/{prefix}"),
            Self::S3 { bucket, prefix } => write!(f, "s3://{bucket}/{prefix}"),
            Self::Rclone {
                remote,
                bucket,
                prefix,
            } => write!(f, "{remote}:{bucket}/{prefix}"),
            Self::Azure {
                account,
                container,
                prefix,
            } => {
                write!(f, "https://{account}{AZURE_BLOB_HOST}/{container}/{prefix}")
            }
            Self::Http { url } => f.write_str(&redact_url(url)),
            Self::Local { path } => write!(f, "{}", path.display()),
            Self::Pvc { claim, path } => write!(f, "pvc://{claim}/{path}"),
        }
    }
}

/// A URL without user info, query or fragment, which may carry credentials (signed URLs).
#[must_use]
pub(crate) fn redact_url(url: &url::Url) -> String {
    let mut shown = url.clone();
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    let redacted = shown.query().is_some() || shown.fragment().is_some();
    shown.set_query(None);
    shown.set_fragment(None);
    let mut text = shown.to_string();
    if redacted || url.password().is_some() || !url.username().is_empty() {
        text.push_str(" (credentials redacted)");
    }
    text
}

/// [`redact_url`] for text that may not parse: drops everything from `?` and any user info.
fn redact_uri(uri: &str) -> String {
    if let Ok(url) = url::Url::parse(uri)
        && url.has_host()
    {
        return redact_url(&url);
    }
    let base = uri.split(['?', '#']).next().unwrap_or_default();
    match base.split_once("://") {
        Some((scheme, rest)) => match rest.split_once('@') {
            Some((_, host)) => format!("{scheme}://{host}"),
            None => base.to_owned(),
        },
        None => base.to_owned(),
    }
}

/// rclone's `remote:path` form: a remote name (letters, digits, `_`, `-`, `.`, `+`, `@`,
/// space; not starting with `-` or space) followed by a colon. `C:\…`-style one-letter
/// prefixes are not special: seldon-local runs on Unix.
fn rclone_remote(uri: &str) -> Option<(&str, &str)> {
    let (remote, rest) = uri.split_once(':')?;
    let valid = !remote.is_empty()
        && !remote.starts_with(['-', ' '])
        && remote
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-.+@ ".contains(c));
    valid.then_some((remote, rest))
}

fn bucket_and_prefix(uri: &str, rest: &str) -> Result<(String, String), StorageError> {
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    if bucket.is_empty() {
        return Err(invalid(uri, "the bucket name is empty"));
    }
    Ok((bucket.to_owned(), prefix.trim_matches('/').to_owned()))
}

fn invalid(uri: &str, reason: &str) -> StorageError {
    StorageError::InvalidUri {
        uri: uri.to_owned(),
        reason: reason.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gcs(bucket: &str, prefix: &str) -> Source {
        Source::Gcs {
            bucket: bucket.into(),
            prefix: prefix.into(),
        }
    }

    #[test]
    fn uris_parse_into_sources() {
        let cases: Vec<(&str, Source)> = vec![
            (
                "gs://seldon-models/sklearn/iris",
                gcs("seldon-models", "sklearn/iris"),
            ),
            (
                "gs://seldon-models/sklearn/iris/",
                gcs("seldon-models", "sklearn/iris"),
            ),
            ("gs://bucket", gcs("bucket", "")),
            (
                "s3://models/a/b",
                Source::S3 {
                    bucket: "models".into(),
                    prefix: "a/b".into(),
                },
            ),
            (
                "minio:models/a/b",
                Source::Rclone {
                    remote: "minio".into(),
                    bucket: "models".into(),
                    prefix: "a/b".into(),
                },
            ),
            (
                "gs:seldon-models/iris",
                Source::Rclone {
                    remote: "gs".into(),
                    bucket: "seldon-models".into(),
                    prefix: "iris".into(),
                },
            ),
            (
                "file:///mnt/models/iris",
                Source::Local {
                    path: "/mnt/models/iris".into(),
                },
            ),
            (
                "/abs/model",
                Source::Local {
                    path: "/abs/model".into(),
                },
            ),
            (
                "./rel/model",
                Source::Local {
                    path: "./rel/model".into(),
                },
            ),
            (
                "rel/model",
                Source::Local {
                    path: "rel/model".into(),
                },
            ),
            (
                "pvc://claim/some/path",
                Source::Pvc {
                    claim: "claim".into(),
                    path: "some/path".into(),
                },
            ),
            (
                "pvc://claim",
                Source::Pvc {
                    claim: "claim".into(),
                    path: String::new(),
                },
            ),
        ];
        for (uri, expected) in cases {
            assert_eq!(Source::parse(uri).unwrap(), expected, "{uri}");
        }
        assert!(matches!(
            Source::parse("https://example.com/model.tar.gz").unwrap(),
            Source::Http { .. }
        ));
        assert_eq!(
            Source::parse("https://acct.blob.core.windows.net/models/iris/").unwrap(),
            Source::Azure {
                account: "acct".into(),
                container: "models".into(),
                prefix: "iris".into()
            }
        );
        // A SAS URL names one blob with its token: plain HTTPS.
        assert!(matches!(
            Source::parse("https://acct.blob.core.windows.net/c/m.bin?sv=1&sig=x").unwrap(),
            Source::Http { .. }
        ));
    }

    #[test]
    fn unknown_scheme_lists_the_known_ones() {
        let err = Source::parse("ftp://host/model").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("`ftp`"), "{text}");
        for known in [
            "gs://",
            "s3://",
            "https://",
            "file://",
            "pvc://",
            "remote:bucket/path",
        ] {
            assert!(text.contains(known), "{text} lacks {known}");
        }
    }

    #[test]
    fn malformed_uris_are_rejected() {
        for uri in ["", "gs://", "s3:///prefix", "pvc://", "https://"] {
            assert!(
                matches!(Source::parse(uri), Err(StorageError::InvalidUri { .. })),
                "{uri}"
            );
        }
    }

    #[test]
    fn urls_are_shown_without_credentials() {
        let source = Source::parse("https://user:pa55@host/m.tgz?X-Amz-Signature=s3cr3t").unwrap();
        let shown = source.to_string();
        assert!(
            !shown.contains("s3cr3t") && !shown.contains("pa55"),
            "{shown}"
        );
        assert!(shown.starts_with("https://host/m.tgz"), "{shown}");
        let err = Source::parse("ftp://user:pa55@host/m?token=s3cr3t")
            .unwrap_err()
            .to_string();
        assert!(!err.contains("s3cr3t") && !err.contains("pa55"), "{err}");
    }
}
