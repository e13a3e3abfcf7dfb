//! Photos: resumable uploads that belong to the device that started them,
//! with a declared size, a per-user quota and an image check before any
//! device can download the result; downloads and status only for those who
//! can see a case that references the photo (or who uploaded it).

use gridpatrol_core::codes::ErrorCode;
use gridpatrol_core::sync::wire::BlobStatus;

use super::SyncService;
use super::audit::Actor;
use crate::auth::AuthUser;
use crate::blobstore::{BlobError, UploadKey, image, valid_hash};
use crate::error::{ServerError, refuse};
use crate::storage::{BlobRecord, Upload};

impl From<BlobError> for ServerError {
    fn from(e: BlobError) -> Self {
        match e {
            BlobError::OffsetMismatch { expected } => {
                refuse(ErrorCode::OffsetMismatch, format!("upload must continue at byte {expected}"))
            }
            other => {
                tracing::error!(error = %other, "blob storage failure");
                refuse(ErrorCode::StorageUnavailable, "the server cannot store photos now; try again later")
            }
        }
    }
}

fn checked_hash(hash: &str) -> Result<(), ServerError> {
    if valid_hash(hash) {
        Ok(())
    } else {
        Err(refuse(ErrorCode::InvalidBlobId, "a photo id is a SHA-256 in lowercase hex"))
    }
}

impl SyncService {
    /// Whether `who` may know about a complete blob: a document in their
    /// scope references it, or they uploaded it.
    async fn may_see(&self, who: &AuthUser, record: &BlobRecord) -> Result<bool, ServerError> {
        Ok(record.user_id == who.user.id || self.storage.blob_visible(&record.hash, &who.scope).await?)
    }

    /// Throws away this device's own partial upload of a photo someone
    /// else finished meanwhile (it would otherwise wait for the janitor).
    async fn drop_partial(&self, who: &AuthUser, hash: &str) -> Result<(), ServerError> {
        if self.storage.upload(&who.device_id, hash).await?.is_some() {
            self.blobs.discard(&UploadKey { device_id: who.device_id.clone(), hash: hash.to_owned() }).await?;
            self.storage.delete_upload(&who.device_id, hash).await?;
        }
        Ok(())
    }

    /// How much of a photo this device has uploaded (or that it is complete,
    /// if the caller may see it).
    pub async fn blob_status(&self, who: &AuthUser, hash: &str) -> Result<BlobStatus, ServerError> {
        checked_hash(hash)?;
        if let Some(record) = self.storage.blob(hash).await?
            && self.may_see(who, &record).await?
        {
            self.drop_partial(who, hash).await?;
            return Ok(BlobStatus { received: record.bytes, complete: true });
        }
        let key = UploadKey { device_id: who.device_id.clone(), hash: hash.to_owned() };
        let received = match self.storage.upload(&who.device_id, hash).await? {
            Some(_) => self.blobs.partial_len(&key).await?,
            None => 0,
        };
        Ok(BlobStatus { received, complete: false })
    }

    /// Appends a chunk of this device's upload of `hash`, declared `total`
    /// bytes long; verifies, checks and publishes it when complete.
    pub async fn blob_append(
        &self,
        who: &AuthUser,
        hash: &str,
        offset: u64,
        total: u64,
        chunk: &[u8],
        chunk_sha256: Option<&str>,
    ) -> Result<BlobStatus, ServerError> {
        let actor = Actor::from(who);
        match self.blob_append_checked(who, hash, offset, total, chunk, chunk_sha256).await {
            Err(e) if e.code == ErrorCode::OffsetMismatch => Err(e),
            Err(e) => Err(self.refused(&actor, hash, e).await),
            ok => ok,
        }
    }

    async fn blob_append_checked(
        &self,
        who: &AuthUser,
        hash: &str,
        offset: u64,
        total: u64,
        chunk: &[u8],
        chunk_sha256: Option<&str>,
    ) -> Result<BlobStatus, ServerError> {
        checked_hash(hash)?;
        if total > self.limits.max_blob_bytes || total == 0 {
            return Err(refuse(
                ErrorCode::BlobTooLarge,
                format!("a photo is 1 to {} bytes", self.limits.max_blob_bytes),
            ));
        }
        if let Some(expected) = chunk_sha256
            && gridpatrol_core::photo::sha256_hex(chunk) != expected.to_ascii_lowercase()
        {
            return Err(refuse(ErrorCode::ChunkHashMismatch, "the chunk does not match its x-chunk-sha256"));
        }
        if let Some(record) = self.storage.blob(hash).await?
            && self.may_see(who, &record).await?
        {
            self.drop_partial(who, hash).await?;
            return Ok(BlobStatus { received: record.bytes, complete: true });
        }
        let now = self.now();
        let key = UploadKey { device_id: who.device_id.clone(), hash: hash.to_owned() };
        let upload = match self.storage.upload(&who.device_id, hash).await? {
            Some(u) if u.total != total => {
                return Err(refuse(ErrorCode::SizeMismatch, format!("this upload was declared as {} bytes", u.total)));
            }
            Some(u) => u,
            None => {
                if offset != 0 {
                    return Err(refuse(ErrorCode::OffsetMismatch, "upload must continue at byte 0"));
                }
                let used = self.storage.usage(&who.user.id).await?;
                if used + total > self.limits.blob_quota_bytes {
                    return Err(refuse(
                        ErrorCode::QuotaExceeded,
                        format!("{used} of {} bytes used", self.limits.blob_quota_bytes),
                    ));
                }
                // A stale partial of an upload this device abandoned earlier.
                self.blobs.discard(&key).await?;
                Upload {
                    device_id: who.device_id.clone(),
                    hash: hash.to_owned(),
                    user_id: who.user.id.clone(),
                    total,
                    started_at: now,
                    updated_at: now,
                }
            }
        };
        if offset + chunk.len() as u64 > total {
            return Err(refuse(ErrorCode::SizeMismatch, "the chunk runs past the declared size"));
        }
        self.storage.put_upload(&Upload { updated_at: now, ..upload }).await?;
        let received = self.blobs.append(&key, offset, chunk).await?;
        if received < total {
            return Ok(BlobStatus { received, complete: false });
        }
        self.finish(who, &key, total).await
    }

    /// Verifies a complete upload (hash, image), then publishes and records it.
    async fn finish(&self, who: &AuthUser, key: &UploadKey, total: u64) -> Result<BlobStatus, ServerError> {
        let bytes = self.blobs.read_partial(key).await?;
        let verdict = if gridpatrol_core::photo::sha256_hex(&bytes) != key.hash {
            Err(refuse(ErrorCode::HashMismatch, "the uploaded bytes do not match their SHA-256"))
        } else {
            image::check(&bytes, self.limits.max_image_edge)
        };
        let info = match verdict {
            Ok(info) => info,
            Err(e) => {
                self.blobs.discard(key).await?;
                self.storage.delete_upload(&key.device_id, &key.hash).await?;
                return Err(e);
            }
        };
        self.blobs.publish(key).await?;
        let record = BlobRecord {
            hash: key.hash.clone(),
            bytes: total,
            width: info.width,
            height: info.height,
            user_id: who.user.id.clone(),
            device_id: who.device_id.clone(),
            completed_at: self.now(),
        };
        let line =
            self.entry(&Actor::from(who), "blob", &key.hash, &format!("{total} bytes, {}×{}", info.width, info.height));
        self.storage.put_blob(&record, &line).await?;
        Ok(BlobStatus { received: total, complete: true })
    }

    /// A photo's bytes, for someone who may see it.
    pub async fn blob_get(&self, who: &AuthUser, hash: &str) -> Result<Vec<u8>, ServerError> {
        checked_hash(hash)?;
        let not_found = || refuse(ErrorCode::NotFound, format!("no photo {hash} in your area"));
        let record = self.storage.blob(hash).await?.ok_or_else(not_found)?;
        if !self.may_see(who, &record).await? {
            return Err(not_found());
        }
        self.blobs.get(hash).await?.ok_or_else(not_found)
    }
}
