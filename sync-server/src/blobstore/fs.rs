//! Blobs in a folder: `ab/<hash>` when published, `partial/<device>/<hash>`
//! while arriving. Every write is fsynced before it is acknowledged.

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use tokio::io::AsyncWriteExt;
use tokio::sync::Mutex;

use super::{BlobError, BlobStore, UploadKey, valid_hash};

/// A folder of blobs.
#[derive(Debug)]
pub struct FsBlobStore {
    root: PathBuf,
    locks: Vec<Mutex<()>>,
}

impl FsBlobStore {
    /// A store rooted at `root` (created if missing).
    pub fn open(root: &Path) -> std::io::Result<Self> {
        std::fs::create_dir_all(root.join("partial"))?;
        Ok(FsBlobStore { root: root.to_owned(), locks: (0..64).map(|_| Mutex::new(())).collect() })
    }

    fn final_path(&self, hash: &str) -> PathBuf {
        self.root.join(&hash[..2]).join(hash)
    }

    /// Device ids are UUIDs (checked at login); anything else is hashed so
    /// it can never be a path.
    fn partial_path(&self, key: &UploadKey) -> PathBuf {
        let device = if gridpatrol_core::ids::is_valid_id(&key.device_id) {
            key.device_id.clone()
        } else {
            gridpatrol_core::photo::sha256_hex(key.device_id.as_bytes())
        };
        self.root.join("partial").join(device).join(&key.hash)
    }

    fn lock(&self, hash: &str) -> &Mutex<()> {
        let i = usize::from_str_radix(hash.get(..2).unwrap_or("00"), 16).unwrap_or(0) % self.locks.len();
        &self.locks[i]
    }
}

fn checked(hash: &str) -> Result<(), BlobError> {
    if valid_hash(hash) { Ok(()) } else { Err(BlobError::Backend(format!("invalid blob id {hash:?}"))) }
}

async fn len_of(path: &Path) -> Result<Option<u64>, BlobError> {
    match tokio::fs::metadata(path).await {
        Ok(m) => Ok(Some(m.len())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e.into()),
    }
}

async fn sync_dir(dir: &Path) -> Result<(), BlobError> {
    tokio::fs::File::open(dir).await?.sync_all().await?;
    Ok(())
}

#[async_trait]
impl BlobStore for FsBlobStore {
    async fn size(&self, hash: &str) -> Result<Option<u64>, BlobError> {
        checked(hash)?;
        len_of(&self.final_path(hash)).await
    }

    async fn get(&self, hash: &str) -> Result<Option<Vec<u8>>, BlobError> {
        checked(hash)?;
        match tokio::fs::read(self.final_path(hash)).await {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    async fn partial_len(&self, key: &UploadKey) -> Result<u64, BlobError> {
        checked(&key.hash)?;
        Ok(len_of(&self.partial_path(key)).await?.unwrap_or(0))
    }

    async fn append(&self, key: &UploadKey, offset: u64, chunk: &[u8]) -> Result<u64, BlobError> {
        checked(&key.hash)?;
        let _guard = self.lock(&key.hash).lock().await;
        let path = self.partial_path(key);
        let have = len_of(&path).await?.unwrap_or(0);
        if offset != have {
            return Err(BlobError::OffsetMismatch { expected: have });
        }
        let dir = path.parent().expect("has a parent");
        if have == 0 {
            tokio::fs::create_dir_all(dir).await?;
        }
        let mut f = tokio::fs::OpenOptions::new().create(true).append(true).open(&path).await?;
        f.write_all(chunk).await?;
        f.sync_all().await?;
        if have == 0 {
            sync_dir(dir).await?;
        }
        Ok(have + chunk.len() as u64)
    }

    async fn read_partial(&self, key: &UploadKey) -> Result<Vec<u8>, BlobError> {
        checked(&key.hash)?;
        Ok(tokio::fs::read(self.partial_path(key)).await?)
    }

    async fn publish(&self, key: &UploadKey) -> Result<(), BlobError> {
        checked(&key.hash)?;
        let _guard = self.lock(&key.hash).lock().await;
        let done = self.final_path(&key.hash);
        let partial = self.partial_path(key);
        if len_of(&done).await?.is_some() {
            let _ = tokio::fs::remove_file(&partial).await;
            return Ok(());
        }
        let dir = done.parent().expect("has a parent");
        tokio::fs::create_dir_all(dir).await?;
        tokio::fs::rename(&partial, &done).await?;
        sync_dir(dir).await
    }

    async fn discard(&self, key: &UploadKey) -> Result<(), BlobError> {
        checked(&key.hash)?;
        match tokio::fs::remove_file(self.partial_path(key)).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use sha2::{Digest, Sha256};

    use super::*;

    #[tokio::test]
    async fn uploads_are_per_device_resume_and_publish_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = FsBlobStore::open(dir.path()).unwrap();
        let data: Vec<u8> = (0..100_000u32).map(|i| (i * 7) as u8).collect();
        let hash = hex::encode(Sha256::digest(&data));
        let mine = UploadKey { device_id: "0190a000-0000-7000-8000-000000000001".into(), hash: hash.clone() };
        let theirs = UploadKey { device_id: "0190a000-0000-7000-8000-000000000002".into(), hash: hash.clone() };
        assert_eq!(store.append(&mine, 0, &data[..40_000]).await.unwrap(), 40_000);
        // Another device's upload of the same hash is its own.
        assert_eq!(store.partial_len(&theirs).await.unwrap(), 0);
        assert_eq!(store.append(&theirs, 0, b"garbage").await.unwrap(), 7);
        assert_eq!(store.partial_len(&mine).await.unwrap(), 40_000);
        assert!(matches!(
            store.append(&mine, 0, &data[..10]).await,
            Err(BlobError::OffsetMismatch { expected: 40_000 })
        ));
        store.append(&mine, 40_000, &data[40_000..]).await.unwrap();
        assert_eq!(store.read_partial(&mine).await.unwrap(), data);
        store.publish(&mine).await.unwrap();
        assert_eq!(store.get(&hash).await.unwrap().unwrap(), data);
        assert_eq!(store.size(&hash).await.unwrap(), Some(100_000));
        store.discard(&theirs).await.unwrap();
        assert_eq!(store.partial_len(&theirs).await.unwrap(), 0);
        assert!(store.size("../../etc/passwd").await.is_err());
    }
}
