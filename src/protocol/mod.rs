//! Wire payloads of the three protocols a SeldonDeployment can speak, and the conversions between
//! them: the Seldon protocol ([`seldon`]), TensorFlow Serving REST ([`tensorflow`]) and the Open
//! Inference Protocol V2 ([`v2`]).
//!
//! Everything here is pure: no IO, no async runtime, no HTTP types. Components decode bytes with
//! these types, call their backend, and encode the answer with them.

pub mod float_text;
pub mod grpc;
pub mod json_scan;
mod ndarray;
pub mod nonfinite;
pub mod seldon;
pub mod tensorflow;
pub mod tftensor;
pub mod v2;

use std::fmt;
use std::str::FromStr;

pub use ndarray::{MAX_ELEMENTS, NdArray, Values, checked_count, float_value};

use seldon::PayloadKind;

/// The `protocol` of a predictor, as the executor's `--protocol` flag spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProtocolKind {
    /// `seldon`: SeldonMessage JSON, unit paths `/predict`, `/route`, ….
    Seldon,
    /// `tensorflow`: TF Serving REST, unit paths `/v1/models/<m>:predict`, ….
    Tensorflow,
    /// `v2` (alias `kfserving`): Open Inference Protocol, unit paths `/v2/models/<m>/infer`, ….
    V2,
}

impl ProtocolKind {
    /// The name used in flags and in CloudEvents headers.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Seldon => "seldon",
            Self::Tensorflow => "tensorflow",
            Self::V2 => "v2",
        }
    }
}

impl fmt::Display for ProtocolKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ProtocolKind {
    type Err = ProtocolError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "" | "seldon" => Ok(Self::Seldon),
            "tensorflow" => Ok(Self::Tensorflow),
            "v2" | "kfserving" => Ok(Self::V2),
            other => Err(ProtocolError::UnknownProtocol(other.to_owned())),
        }
    }
}

/// Why a payload could not be read or converted.
#[derive(Debug, thiserror::Error)]
pub enum ProtocolError {
    /// The bytes were not the expected JSON.
    #[error("failed to parse {what}")]
    Parse {
        /// What was being parsed.
        what: &'static str,
        /// The JSON error.
        #[source]
        source: serde_json::Error,
    },
    /// A SeldonMessage carried none of `data`, `binData`, `strData`, `jsonData`, `customData`.
    #[error(
        "message has no payload: expected one of `data`, `binData`, `strData`, `jsonData`, `customData`"
    )]
    NoPayload,
    /// A SeldonMessage carried more than one payload.
    #[error("message has more than one payload")]
    SeveralPayloads,
    /// Nested lists were not rectangular.
    #[error("nested lists are ragged at depth {depth}")]
    Ragged {
        /// How deep the mismatch was found.
        depth: usize,
    },
    /// A shape did not match the number of values.
    #[error("shape {shape:?} does not match {len} values")]
    ShapeMismatch {
        /// The declared shape.
        shape: Vec<usize>,
        /// How many values there were.
        len: usize,
    },
    /// A shape had a negative dimension.
    #[error("negative dimension `{0}` in shape")]
    NegativeDimension(i64),
    /// A shape bigger than any request may make a server build.
    #[error("shape {shape:?} is too large: a request may describe at most {limit} elements")]
    TooLarge {
        /// The shape as sent.
        shape: Vec<u64>,
        /// The most elements (and nested lists) a request may make.
        limit: usize,
    },
    /// A `tftensor` could not be read.
    #[error("invalid tftensor: {0}")]
    TfTensor(String),
    /// A payload kind that the target protocol cannot carry.
    #[error("{payload:?} payloads cannot be sent to {target}")]
    Unsupported {
        /// The payload kind.
        payload: PayloadKind,
        /// The protocol or server it was meant for.
        target: &'static str,
    },
    /// A TF Serving request was malformed; the message is TF Serving's own.
    #[error("{0}")]
    Tensorflow(String),
    /// A TF Serving reply had no `predictions`.
    #[error("TensorFlow Serving response has no `predictions`")]
    MissingPredictions,
    /// A V2 tensor was malformed.
    #[error("{0}")]
    V2(String),
    /// A router's reply named no child.
    #[error("router reply names no route")]
    NoRoute,
    /// A unit's reply could not be turned into the next unit's request.
    #[error("failed to convert {0} response so it could be chained to new input")]
    Chain(&'static str),
    /// An unknown `--protocol` value.
    #[error("unknown protocol `{0}`, expected `seldon`, `tensorflow`, `v2` or `kfserving`")]
    UnknownProtocol(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocol_names_parse_like_the_executor_flag() {
        for (name, kind) in [
            ("seldon", ProtocolKind::Seldon),
            ("", ProtocolKind::Seldon),
            ("tensorflow", ProtocolKind::Tensorflow),
            ("v2", ProtocolKind::V2),
            ("kfserving", ProtocolKind::V2),
        ] {
            assert_eq!(name.parse::<ProtocolKind>().unwrap(), kind);
        }
        assert!("grpc".parse::<ProtocolKind>().is_err());
    }
}
