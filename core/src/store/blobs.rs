//! Photos on the device: ingest into content-addressed blobs, and reading
//! them back for display and upload.

use std::sync::Mutex;

use rusqlite::{OptionalExtension, params};

use super::views::{PhotoPick, StagedPhoto};
use super::{DeviceStore, StoreError};
use crate::model::PhotoRef;
use crate::photo::{IngestLimits, IngestedPhoto, ingest};
use crate::time::Millis;

/// Stages a photo without holding the store while it is decoded, resized
/// and encoded (hundreds of milliseconds for a 12 MP photo): lists,
/// thumbnails and sync go on meanwhile; only the inserts take the lock.
pub fn stage_photo_shared(store: &Mutex<DeviceStore>, file: &[u8]) -> Result<StagedPhoto, StoreError> {
    let lock = || store.lock().unwrap_or_else(|p| p.into_inner());
    let limits = lock().ingest_limits();
    let photo = ingest(file, &limits)?;
    lock().keep_photo(photo)
}

impl DeviceStore {
    /// Ingests a photo file (orientation, EXIF, resize, thumbnail) and keeps
    /// the result on the device, ready to attach to a case. Idempotent: the
    /// same file gives the same hash.
    /// Holds the store for the whole decode: where others share the store,
    /// use [`stage_photo_shared`].
    pub fn stage_photo(&self, file: &[u8]) -> Result<StagedPhoto, StoreError> {
        self.keep_photo(ingest(file, &self.limits)?)
    }

    /// What ingest may accept on this device.
    pub fn ingest_limits(&self) -> IngestLimits {
        self.limits
    }

    /// Keeps an ingested photo (only the inserts: fast).
    pub fn keep_photo(&self, p: IngestedPhoto) -> Result<StagedPhoto, StoreError> {
        let now = self.now();
        let tx = self.conn.unchecked_transaction()?;
        for (hash, data) in [(&p.sha256, &p.jpeg), (&p.thumb_sha256, &p.thumb)] {
            tx.prepare_cached("INSERT OR IGNORE INTO blobs (hash, data, uploaded, created_at) VALUES (?1, ?2, 0, ?3)")?
                .execute(params![hash, data, now])?;
        }
        tx.prepare_cached(
            "INSERT OR IGNORE INTO photos (hash, thumb, original_sha256, width, height, bytes, captured_at,
                gps_lat, gps_lon, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?
        .execute(params![
            p.sha256,
            p.thumb_sha256,
            p.original_sha256,
            p.width,
            p.height,
            p.jpeg.len() as i64,
            p.metadata.captured_at,
            p.metadata.gps_lat,
            p.metadata.gps_lon,
            now
        ])?;
        tx.commit()?;
        Ok(StagedPhoto {
            hash: p.sha256,
            thumb: p.thumb_sha256,
            width: p.width,
            height: p.height,
            bytes: p.jpeg.len() as u64,
            captured_at: p.metadata.captured_at,
            gps_lat: p.metadata.gps_lat,
            gps_lon: p.metadata.gps_lon,
            warnings: p.warnings,
        })
    }

    /// The bytes of a blob (a photo or a thumbnail), if the device holds it.
    pub fn blob(&self, hash: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT data FROM blobs WHERE hash = ?1")?
            .query_row([hash], |r| r.get(0))
            .optional()?)
    }

    /// Builds the reference for a staged photo; the photo becomes `by`'s
    /// to upload.
    pub(crate) fn photo_ref(&self, pick: &PhotoPick, by: &str, at: Millis) -> Result<PhotoRef, StoreError> {
        self.conn
            .prepare_cached(
                "UPDATE blobs SET owner = ?2 WHERE owner IS NULL AND uploaded = 0
                 AND (hash = ?1 OR hash = (SELECT thumb FROM photos WHERE hash = ?1))",
            )?
            .execute(params![pick.hash, by])?;
        self.conn
            .prepare_cached(
                "SELECT thumb, original_sha256, width, height, bytes, captured_at, gps_lat, gps_lon
                 FROM photos WHERE hash = ?1",
            )?
            .query_row([&pick.hash], |r| {
                Ok(PhotoRef {
                    hash: pick.hash.clone(),
                    thumb: r.get(0)?,
                    original_sha256: r.get(1)?,
                    width: r.get(2)?,
                    height: r.get(3)?,
                    bytes: r.get::<_, i64>(4)? as u64,
                    captured_at: r.get(5)?,
                    gps_lat: r.get(6)?,
                    gps_lon: r.get(7)?,
                    role: pick.role,
                    added_by: by.to_owned(),
                    added_at: at,
                })
            })
            .optional()?
            .ok_or_else(|| StoreError::NotFound { kind: "photo", id: pick.hash.clone() })
    }
}
