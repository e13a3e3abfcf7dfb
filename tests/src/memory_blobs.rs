//! Photos in memory, for simulations that start thousands of servers (the
//! product keeps them in a folder or an object store).

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use gridpatrol_server::blobstore::{BlobError, BlobStore, UploadKey};

/// A [`BlobStore`] in a map.
#[derive(Debug, Default)]
pub struct MemoryBlobStore {
    done: Mutex<HashMap<String, Vec<u8>>>,
    partial: Mutex<HashMap<UploadKey, Vec<u8>>>,
}

#[async_trait]
impl BlobStore for MemoryBlobStore {
    async fn size(&self, hash: &str) -> Result<Option<u64>, BlobError> {
        Ok(self.done.lock().unwrap().get(hash).map(|b| b.len() as u64))
    }

    async fn get(&self, hash: &str) -> Result<Option<Vec<u8>>, BlobError> {
        Ok(self.done.lock().unwrap().get(hash).cloned())
    }

    async fn partial_len(&self, key: &UploadKey) -> Result<u64, BlobError> {
        Ok(self.partial.lock().unwrap().get(key).map_or(0, |b| b.len() as u64))
    }

    async fn append(&self, key: &UploadKey, offset: u64, chunk: &[u8]) -> Result<u64, BlobError> {
        let mut partial = self.partial.lock().unwrap();
        let have = partial.entry(key.clone()).or_default();
        if offset != have.len() as u64 {
            return Err(BlobError::OffsetMismatch { expected: have.len() as u64 });
        }
        have.extend_from_slice(chunk);
        Ok(have.len() as u64)
    }

    async fn read_partial(&self, key: &UploadKey) -> Result<Vec<u8>, BlobError> {
        Ok(self.partial.lock().unwrap().get(key).cloned().unwrap_or_default())
    }

    async fn publish(&self, key: &UploadKey) -> Result<(), BlobError> {
        let bytes = self.partial.lock().unwrap().remove(key).unwrap_or_default();
        self.done.lock().unwrap().entry(key.hash.clone()).or_insert(bytes);
        Ok(())
    }

    async fn discard(&self, key: &UploadKey) -> Result<(), BlobError> {
        self.partial.lock().unwrap().remove(key);
        Ok(())
    }
}
