//! Photo blobs: resumable, offset-based upload verified by SHA-256, stored
//! once per hash. [`FsBlobStore`] keeps them in a folder; an S3-compatible
//! store can implement [`BlobStore`] later.

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use gridpatrol_core::sync::wire::BlobStatus;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;
use tokio::sync::Mutex;

/// Why a blob operation failed.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("a blob id must be 64 lowercase hex digits (a SHA-256)")]
    InvalidHash,
    #[error("upload must continue at byte {expected}")]
    OffsetMismatch { expected: u64 },
    #[error("blob is larger than the limit of {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("the uploaded bytes do not match their SHA-256")]
    HashMismatch,
    #[error("the chunk does not match its x-chunk-sha256")]
    ChunkHashMismatch,
    #[error("blob storage: {0}")]
    Io(#[from] std::io::Error),
}

/// Where photo bytes live.
#[async_trait]
pub trait BlobStore: Send + Sync + 'static {
    /// How much of the blob has arrived.
    async fn status(&self, hash: &str) -> Result<BlobStatus, BlobError>;
    /// Appends a chunk at `offset` of a blob of `total` bytes; verifies and
    /// publishes it when complete. Re-sending a finished blob is a no-op.
    async fn append(&self, hash: &str, offset: u64, total: u64, chunk: &[u8]) -> Result<BlobStatus, BlobError>;
    /// The blob's bytes, if complete.
    async fn get(&self, hash: &str) -> Result<Option<Vec<u8>>, BlobError>;
}

/// Checks that `hash` is a lowercase hex SHA-256 (so it is also a safe
/// file name: no path traversal).
pub fn valid_hash(hash: &str) -> bool {
    hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Blobs in a folder: `ab/<hash>` when complete, `partial/<hash>` while
/// arriving. Every write is fsynced before it is acknowledged.
#[derive(Debug)]
pub struct FsBlobStore {
    root: PathBuf,
    max_bytes: u64,
    locks: Vec<Mutex<()>>,
}

impl FsBlobStore {
    /// A store rooted at `root` (created if missing).
    pub fn open(root: &Path, max_bytes: u64) -> std::io::Result<Self> {
        std::fs::create_dir_all(root.join("partial"))?;
        Ok(FsBlobStore { root: root.to_owned(), max_bytes, locks: (0..64).map(|_| Mutex::new(())).collect() })
    }

    fn final_path(&self, hash: &str) -> PathBuf {
        self.root.join(&hash[..2]).join(hash)
    }

    fn partial_path(&self, hash: &str) -> PathBuf {
        self.root.join("partial").join(hash)
    }

    fn lock(&self, hash: &str) -> &Mutex<()> {
        let i = usize::from_str_radix(&hash[..2], 16).unwrap_or(0) % self.locks.len();
        &self.locks[i]
    }
}

async fn len_of(path: &Path) -> Result<Option<u64>, BlobError> {
    match tokio::fs::metadata(path).await {
        Ok(m) => Ok(Some(m.len())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e.into()),
    }
}

#[async_trait]
impl BlobStore for FsBlobStore {
    async fn status(&self, hash: &str) -> Result<BlobStatus, BlobError> {
        if !valid_hash(hash) {
            return Err(BlobError::InvalidHash);
        }
        if let Some(len) = len_of(&self.final_path(hash)).await? {
            return Ok(BlobStatus { received: len, complete: true });
        }
        Ok(BlobStatus { received: len_of(&self.partial_path(hash)).await?.unwrap_or(0), complete: false })
    }

    async fn append(&self, hash: &str, offset: u64, total: u64, chunk: &[u8]) -> Result<BlobStatus, BlobError> {
        if !valid_hash(hash) {
            return Err(BlobError::InvalidHash);
        }
        if total > self.max_bytes {
            return Err(BlobError::TooLarge { limit: self.max_bytes });
        }
        let _guard = self.lock(hash).lock().await;
        let done = self.final_path(hash);
        if let Some(len) = len_of(&done).await? {
            return Ok(BlobStatus { received: len, complete: true });
        }
        let partial = self.partial_path(hash);
        let have = len_of(&partial).await?.unwrap_or(0);
        if offset != have {
            return Err(BlobError::OffsetMismatch { expected: have });
        }
        if offset + chunk.len() as u64 > total {
            return Err(BlobError::TooLarge { limit: total });
        }
        let mut f = tokio::fs::OpenOptions::new().create(true).append(true).open(&partial).await?;
        f.write_all(chunk).await?;
        f.sync_all().await?;
        let received = have + chunk.len() as u64;
        if received < total {
            return Ok(BlobStatus { received, complete: false });
        }
        let bytes = tokio::fs::read(&partial).await?;
        if hex::encode(Sha256::digest(&bytes)) != hash {
            tokio::fs::remove_file(&partial).await?;
            return Err(BlobError::HashMismatch);
        }
        let dir = done.parent().expect("has a parent");
        tokio::fs::create_dir_all(dir).await?;
        tokio::fs::rename(&partial, &done).await?;
        tokio::fs::File::open(dir).await?.sync_all().await?;
        Ok(BlobStatus { received, complete: true })
    }

    async fn get(&self, hash: &str) -> Result<Option<Vec<u8>>, BlobError> {
        if !valid_hash(hash) {
            return Err(BlobError::InvalidHash);
        }
        match tokio::fs::read(self.final_path(hash)).await {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn uploads_resume_verify_and_deduplicate() {
        let dir = tempfile::tempdir().unwrap();
        let store = FsBlobStore::open(dir.path(), 1 << 20).unwrap();
        let data: Vec<u8> = (0..100_000u32).map(|i| (i * 7) as u8).collect();
        let hash = hex::encode(Sha256::digest(&data));
        let total = data.len() as u64;
        assert_eq!(store.status(&hash).await.unwrap(), BlobStatus { received: 0, complete: false });
        store.append(&hash, 0, total, &data[..40_000]).await.unwrap();
        // A retried first chunk is told where to continue.
        match store.append(&hash, 0, total, &data[..40_000]).await {
            Err(BlobError::OffsetMismatch { expected: 40_000 }) => {}
            other => panic!("{other:?}"),
        }
        let s = store.append(&hash, 40_000, total, &data[40_000..]).await.unwrap();
        assert!(s.complete);
        assert_eq!(store.get(&hash).await.unwrap().unwrap(), data);
        // Uploading again is a no-op.
        assert!(store.append(&hash, 0, total, &data).await.unwrap().complete);
        // Wrong bytes under a hash are refused and not kept.
        let other = hex::encode(Sha256::digest(b"other"));
        assert!(matches!(store.append(&other, 0, 5, b"wrong").await, Err(BlobError::HashMismatch)));
        assert_eq!(store.status(&other).await.unwrap().received, 0);
        for bad in ["../../etc/passwd", "ABCDEF", &"g".repeat(64), &hash.to_uppercase()] {
            assert!(matches!(store.status(bad).await, Err(BlobError::InvalidHash)), "{bad}");
        }
        assert!(matches!(store.append(&other, 0, 2 << 20, b"x").await, Err(BlobError::TooLarge { .. })));
    }
}
