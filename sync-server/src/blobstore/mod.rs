//! Where photo bytes live. An upload in progress is keyed by the device
//! that started it and the hash it will have, so nobody else can append to
//! or spoil it; once complete and verified it is published under its hash,
//! once. [`fs::FsBlobStore`] keeps them in a folder (one server);
//! [`s3::S3BlobStore`] in an S3-compatible bucket (any number of servers).
//! [`open`] picks one from the settings. [`image`] checks bytes as an image.

pub mod fs;
pub mod image;
pub mod s3;

use std::sync::Arc;

use async_trait::async_trait;

use crate::Settings;

/// Why a blob operation failed.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("upload must continue at byte {expected}")]
    OffsetMismatch { expected: u64 },
    #[error("blob storage: {0}")]
    Io(#[from] std::io::Error),
    #[error("blob storage: {0}")]
    Backend(String),
}

/// An upload in progress: whose, and what it will be.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UploadKey {
    pub device_id: String,
    pub hash: String,
}

/// Checks that `hash` is a lowercase hex SHA-256 (so it is also a safe
/// file name: no path traversal).
pub fn valid_hash(hash: &str) -> bool {
    hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Photo bytes. Every write is durable before it returns.
#[async_trait]
pub trait BlobStore: Send + Sync + 'static {
    /// The size of a published blob, if there is one.
    async fn size(&self, hash: &str) -> Result<Option<u64>, BlobError>;
    /// A published blob's bytes.
    async fn get(&self, hash: &str) -> Result<Option<Vec<u8>>, BlobError>;
    /// Bytes received so far for an upload (0 if none).
    async fn partial_len(&self, key: &UploadKey) -> Result<u64, BlobError>;
    /// Appends a chunk at `offset` (which must be what was received so
    /// far); returns the new length.
    async fn append(&self, key: &UploadKey, offset: u64, chunk: &[u8]) -> Result<u64, BlobError>;
    /// The bytes of a finished upload, to verify before publishing.
    async fn read_partial(&self, key: &UploadKey) -> Result<Vec<u8>, BlobError>;
    /// Publishes a verified upload under its hash (a no-op if it exists).
    async fn publish(&self, key: &UploadKey) -> Result<(), BlobError>;
    /// Throws an upload away.
    async fn discard(&self, key: &UploadKey) -> Result<(), BlobError>;
}

/// The blob store `settings` name: `blob_url` (`s3://bucket[/prefix]`) if
/// set, else the folder `blob_dir`.
pub fn open(settings: &Settings) -> Result<Arc<dyn BlobStore>, BlobError> {
    match &settings.blob_url {
        Some(url) => {
            tracing::info!(%url, "photos in an object store");
            Ok(Arc::new(s3::S3BlobStore::open(url, &settings.blob_options)?))
        }
        None => Ok(Arc::new(fs::FsBlobStore::open(&settings.blob_dir)?)),
    }
}
