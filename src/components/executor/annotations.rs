//! The pod's downward-API annotations file (`/etc/podinfo/annotations`): `key="value"` lines with
//! Go-quoted values, and the settings the executor takes from it.

use std::collections::BTreeMap;
use std::time::Duration;

/// The annotation holding the per-call REST timeout in milliseconds.
pub const REST_TIMEOUT: &str = "seldon.io/rest-timeout";

/// The annotation holding the per-call gRPC timeout in milliseconds.
pub const GRPC_TIMEOUT: &str = "seldon.io/grpc-timeout";

/// The annotation holding the largest gRPC message, in bytes, received or sent.
pub const GRPC_MAX_MESSAGE_SIZE: &str = "seldon.io/grpc-max-message-size";

/// Where Kubernetes mounts the annotations file in the executor's container.
pub const DEFAULT_PATH: &str = "/etc/podinfo/annotations";

/// The per-call timeout used when the annotation is absent. Upstream has none at all; a unit
/// that never answers would hold the request forever, so seldon-local bounds it.
pub const DEFAULT_UNIT_TIMEOUT: Duration = Duration::from_mins(1);

/// Why the annotations could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnnotationError {
    /// A line had no `=`.
    #[error("line {line}: expected `key=\"value\"`")]
    Malformed {
        /// 1-based line number.
        line: usize,
    },
    /// The timeout was not a positive integer.
    #[error("annotation `{REST_TIMEOUT}`: `{value}` is not a positive number of milliseconds")]
    Timeout {
        /// The value found.
        value: String,
    },
    /// A gRPC setting was not a positive integer.
    #[error("annotation `{name}`: `{value}` is not a positive integer")]
    Positive {
        /// The annotation.
        name: &'static str,
        /// The value found.
        value: String,
    },
}

/// Parses the file's text. Values may be quoted (`"…"`, with Go escapes) or bare.
pub fn parse(text: &str) -> Result<BTreeMap<String, String>, AnnotationError> {
    let mut out = BTreeMap::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let (key, value) = line
            .split_once('=')
            .ok_or(AnnotationError::Malformed { line: index + 1 })?;
        out.insert(key.trim().to_owned(), unquote(value.trim()));
    }
    Ok(out)
}

fn unquote(value: &str) -> String {
    let Some(inner) = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) else {
        return value.to_owned();
    };
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

/// The per-call timeout: the annotation if present, else [`DEFAULT_UNIT_TIMEOUT`].
pub fn unit_timeout(annotations: &BTreeMap<String, String>) -> Result<Duration, AnnotationError> {
    match annotations.get(REST_TIMEOUT) {
        None => Ok(DEFAULT_UNIT_TIMEOUT),
        Some(value) => match value.trim().parse::<u64>() {
            Ok(ms) if ms > 0 => Ok(Duration::from_millis(ms)),
            _ => Err(AnnotationError::Timeout {
                value: value.clone(),
            }),
        },
    }
}

fn positive(
    annotations: &BTreeMap<String, String>,
    name: &'static str,
) -> Result<Option<u64>, AnnotationError> {
    match annotations.get(name) {
        None => Ok(None),
        Some(value) => match value.trim().parse::<u64>() {
            Ok(n) if n > 0 => Ok(Some(n)),
            _ => Err(AnnotationError::Positive {
                name,
                value: value.clone(),
            }),
        },
    }
}

/// The per-call gRPC timeout: `seldon.io/grpc-timeout` if present, else `default`.
pub fn grpc_timeout(
    annotations: &BTreeMap<String, String>,
    default: Duration,
) -> Result<Duration, AnnotationError> {
    Ok(positive(annotations, GRPC_TIMEOUT)?.map_or(default, Duration::from_millis))
}

/// The gRPC message cap: `seldon.io/grpc-max-message-size` if present, else `default`.
pub fn grpc_max_message_size(
    annotations: &BTreeMap<String, String>,
    default: usize,
) -> Result<usize, AnnotationError> {
    Ok(positive(annotations, GRPC_MAX_MESSAGE_SIZE)?
        .map_or(default, |n| usize::try_from(n).unwrap_or(usize::MAX)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn downward_api_lines_are_parsed() {
        let text = "prometheus.io/path=\"/prometheus\"\nseldon.io/rest-timeout=\"1500\"\nx=\"a\\\"b\"\n\nbare=1\n";
        let parsed = parse(text).unwrap();
        assert_eq!(parsed["prometheus.io/path"], "/prometheus");
        assert_eq!(parsed["x"], "a\"b");
        assert_eq!(parsed["bare"], "1");
        assert_eq!(unit_timeout(&parsed).unwrap(), Duration::from_millis(1500));
        assert_eq!(
            parse("novalue\n"),
            Err(AnnotationError::Malformed { line: 1 })
        );
    }

    #[test]
    fn timeout_defaults_and_rejects_nonsense() {
        assert_eq!(
            unit_timeout(&BTreeMap::new()).unwrap(),
            DEFAULT_UNIT_TIMEOUT
        );
        for bad in ["abc", "0", "-5"] {
            let map = BTreeMap::from([(REST_TIMEOUT.to_owned(), bad.to_owned())]);
            assert!(unit_timeout(&map).is_err(), "{bad}");
        }
    }

    #[test]
    fn grpc_settings_default_and_reject_nonsense() {
        let none = BTreeMap::new();
        assert_eq!(
            grpc_timeout(&none, Duration::from_secs(7)).unwrap(),
            Duration::from_secs(7)
        );
        assert_eq!(grpc_max_message_size(&none, 10).unwrap(), 10);
        let set =
            parse("seldon.io/grpc-timeout=\"250\"\nseldon.io/grpc-max-message-size=\"1000\"\n")
                .unwrap();
        assert_eq!(
            grpc_timeout(&set, Duration::ZERO).unwrap(),
            Duration::from_millis(250)
        );
        assert_eq!(grpc_max_message_size(&set, 10).unwrap(), 1000);
        let bad = parse("seldon.io/grpc-max-message-size=\"-1\"\n").unwrap();
        assert!(grpc_max_message_size(&bad, 10).is_err());
    }
}
