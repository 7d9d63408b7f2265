//! TF Serving's error model: a status code and a message, rendered as `{"error": "..."}` with
//! the HTTP status of `http_server.cc`'s `ToHTTPStatusCode`.

/// The `absl::StatusCode`s the server produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    InvalidArgument,
    NotFound,
    FailedPrecondition,
    Unimplemented,
    Unavailable,
    Internal,
    /// Not a TF status: the request body is over the server's cap (HTTP 413).
    PayloadTooLarge,
}

impl Code {
    /// The HTTP status TF Serving answers with.
    #[must_use]
    pub fn http_status(self) -> u16 {
        match self {
            Self::InvalidArgument | Self::FailedPrecondition => 400,
            Self::NotFound => 404,
            Self::PayloadTooLarge => 413,
            Self::Unimplemented => 501,
            Self::Unavailable => 503,
            Self::Internal => 500,
        }
    }

    /// The name printed in model status (`error_code`).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::InvalidArgument => "INVALID_ARGUMENT",
            Self::NotFound => "NOT_FOUND",
            Self::FailedPrecondition => "FAILED_PRECONDITION",
            Self::Unimplemented => "UNIMPLEMENTED",
            Self::Unavailable => "UNAVAILABLE",
            Self::Internal => "INTERNAL",
            Self::PayloadTooLarge => "RESOURCE_EXHAUSTED",
        }
    }
}

/// An error answered to a client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    pub code: Code,
    pub message: String,
}

impl ApiError {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(Code::InvalidArgument, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(Code::NotFound, message)
    }
}
