//! Errors as the UI receives them: `{code, message}`, never bare strings.

use gridpatrol_core::office::OfficeError;
use gridpatrol_core::store::StoreError;
use gridpatrol_core::sync::client::ClientError;
use serde::Serialize;

/// An error for the UI: a stable code to translate and a message to show
/// when there is no translation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppError {
    pub code: String,
    pub message: String,
}

impl AppError {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        AppError { code: code.to_owned(), message: message.into() }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        AppError::new(e.code(), e.to_string())
    }
}

impl From<ClientError> for AppError {
    fn from(e: ClientError) -> Self {
        AppError::new(e.code(), e.to_string())
    }
}

impl From<OfficeError> for AppError {
    fn from(e: OfficeError) -> Self {
        AppError::new(e.code.as_str(), e.message)
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for AppError {}

/// What every command returns.
pub type AppResult<T> = Result<T, AppError>;
