//! Warnings and notes are data: the pure stages return them and `output` prints them.

use std::fmt;

use super::FieldPath;

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Fatal for the document.
    Error,
    /// Something the user most likely wants to fix; fatal under `--strict`.
    Warning,
    /// Information: what seldon-local carries but does not act on.
    Note,
}

/// One message about the input, optionally pointing at a field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// How serious it is.
    pub severity: Severity,
    /// The field it is about, if any.
    pub path: Option<FieldPath>,
    /// What is wrong, lowercase, no trailing period.
    pub message: String,
}

impl Diagnostic {
    /// A warning about a field.
    #[must_use]
    pub fn warning(path: FieldPath, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            path: Some(path),
            message: message.into(),
        }
    }

    /// A note about a field.
    #[must_use]
    pub fn note(path: FieldPath, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Note,
            path: Some(path),
            message: message.into(),
        }
    }

    /// A warning about the document as a whole.
    #[must_use]
    pub fn general(message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            path: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.path {
            Some(path) => write!(f, "{path}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}
