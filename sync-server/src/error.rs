//! API errors: an HTTP status, a stable code and a message.

use crate::blobs::BlobError;
use crate::storage::StorageError;

/// An error answered to a client as `{code, message}`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ApiError {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        ApiError { status, code, message: message.into() }
    }
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(400, code, message)
    }
    pub fn unauthorized(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(401, code, message)
    }
    pub fn forbidden(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(403, code, message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(404, "not_found", message)
    }
}

impl From<StorageError> for ApiError {
    fn from(e: StorageError) -> Self {
        tracing::error!(error = %e, "storage failure");
        ApiError::new(503, "storage_unavailable", "the server cannot reach its storage; try again later")
    }
}

impl From<BlobError> for ApiError {
    fn from(e: BlobError) -> Self {
        match e {
            BlobError::InvalidHash => ApiError::bad_request("invalid_blob_id", e.to_string()),
            BlobError::OffsetMismatch { .. } => ApiError::new(409, "offset_mismatch", e.to_string()),
            BlobError::TooLarge { .. } => ApiError::new(413, "blob_too_large", e.to_string()),
            BlobError::HashMismatch => ApiError::bad_request("hash_mismatch", e.to_string()),
            BlobError::ChunkHashMismatch => ApiError::bad_request("chunk_hash_mismatch", e.to_string()),
            BlobError::Io(io) => {
                tracing::error!(error = %io, "blob storage failure");
                ApiError::new(503, "storage_unavailable", "the server cannot write photos now; try again later")
            }
        }
    }
}
