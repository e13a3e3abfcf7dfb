//! What the app shows about sync: the session, live progress, the report.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::model::Role;
use crate::time::Millis;

/// The logged-in user on this device (kept offline after login).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SessionInfo {
    pub server: String,
    pub user_id: String,
    pub username: String,
    pub name: String,
    pub role: Role,
    pub device_id: String,
    /// When the last sync finished successfully.
    pub last_sync_at: Option<Millis>,
}

/// Which part of a sync is running.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SyncPhase {
    Documents,
    PhotosUp,
    PhotosDown,
    Done,
}

/// Live progress of a sync, for the progress bar.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct SyncProgress {
    pub phase: Option<SyncPhase>,
    pub docs_up: u32,
    pub docs_up_total: u32,
    pub docs_down: u32,
    pub photos_up: u32,
    pub photos_up_total: u32,
    pub photos_down: u32,
    pub photos_down_total: u32,
    pub bytes_up: u64,
    pub bytes_down: u64,
}

/// One item that did not sync, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SyncFailure {
    /// A document id or a photo hash.
    pub item: String,
    pub code: String,
    pub message: String,
}

/// What a finished sync did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct SyncReport {
    pub progress: SyncProgress,
    pub round_trips: u32,
    pub failures: Vec<SyncFailure>,
    pub finished_at: Millis,
}
