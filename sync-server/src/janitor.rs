//! Background upkeep of photos and the login throttle:
//!
//! - every photo the storage records must be in the blob store: one whose
//!   bytes are gone (a lost or restored blob folder) is forgotten, so the
//!   next syncs ask the devices that still hold it to upload it again;
//! - photos in the blob store that documents reference but the storage
//!   does not record (a restored database) are checked and recorded;
//! - uploads untouched for a day are discarded, with their bytes;
//! - old login failures are pruned.

use std::sync::Arc;
use std::time::Duration;

use gridpatrol_core::model::Scope;
use gridpatrol_core::time::Millis;

use crate::blobstore::{UploadKey, image};
use crate::error::ServerError;
use crate::service::SyncService;
use crate::service::audit::Actor;
use crate::storage::BlobRecord;

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Report {
    pub forgotten: u64,
    pub recovered: u64,
    pub stale_uploads: u64,
}

/// One pass.
pub async fn tidy(service: &SyncService, stale_after: Duration) -> Result<Report, ServerError> {
    let storage = service.storage();
    let blobs = service.blob_store();
    let mut report = Report::default();
    let mut after = String::new();
    loop {
        let page = storage.blob_hashes(&after, 1000).await?;
        for hash in &page {
            if blobs.size(hash).await?.is_none() {
                tracing::warn!(%hash, "a recorded photo is missing from the blob store; devices will be asked for it");
                storage.forget_blob(hash).await?;
                report.forgotten += 1;
            }
        }
        match page.last() {
            Some(last) if page.len() == 1000 => after = last.clone(),
            _ => break,
        }
    }
    for hash in storage.wanted_blobs(&Scope::All, 10_000).await? {
        let Some(bytes) = blobs.get(&hash).await? else { continue };
        if gridpatrol_core::photo::sha256_hex(&bytes) != hash {
            continue;
        }
        if let Ok(info) = image::check(&bytes, service.limits().max_image_edge) {
            let record = BlobRecord {
                hash: hash.clone(),
                bytes: bytes.len() as u64,
                width: info.width,
                height: info.height,
                user_id: String::new(),
                device_id: String::new(),
                completed_at: service.now(),
            };
            let line = service.entry(&Actor::cli(), "blob_recovered", &hash, "found in the blob store");
            storage.put_blob(&record, &line).await?;
            report.recovered += 1;
        }
    }
    let before = service.now() - stale_after.as_millis() as Millis;
    for u in storage.stale_uploads(before, 1000).await? {
        blobs.discard(&UploadKey { device_id: u.device_id.clone(), hash: u.hash.clone() }).await?;
        storage.delete_upload(&u.device_id, &u.hash).await?;
        report.stale_uploads += 1;
    }
    storage.prune_login_failures(service.now() - 86_400_000).await?;
    Ok(report)
}

/// Runs [`tidy`] at start and then every `every` (0: only at start).
pub async fn run(service: Arc<SyncService>, every: Duration, stale_after: Duration) {
    loop {
        match tidy(&service, stale_after).await {
            Ok(r) if r != Report::default() => tracing::info!(?r, "tidied photos"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "tidying photos failed; will retry"),
        }
        if every.is_zero() {
            return;
        }
        tokio::time::sleep(every).await;
    }
}
