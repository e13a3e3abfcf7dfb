//! The service's one error type: a stable [`ErrorCode`] from the shared list
//! and a message. It knows nothing of HTTP; [`crate::http`] maps codes to
//! statuses.

use gridpatrol_core::codes::ErrorCode;

use crate::storage::StorageError;

/// Why a request, or one document of it, was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ServerError {
    pub code: ErrorCode,
    pub message: String,
}

impl ServerError {
    /// A refusal with this code.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ServerError { code, message: message.into() }
    }
}

/// Shorthand: `refuse(ErrorCode::OutOfScope, "…")`.
pub fn refuse(code: ErrorCode, message: impl Into<String>) -> ServerError {
    ServerError::new(code, message)
}

impl From<StorageError> for ServerError {
    fn from(e: StorageError) -> Self {
        tracing::error!(error = %e, "storage failure");
        ServerError::new(ErrorCode::StorageUnavailable, "the server cannot reach its storage; try again later")
    }
}

/// Cuts a string from a device to at most `max` characters, with control
/// characters replaced, for logs and the audit.
pub fn bounded(s: &str, max: usize) -> String {
    s.chars().take(max).map(|c| if c.is_control() { '\u{fffd}' } else { c }).collect()
}
