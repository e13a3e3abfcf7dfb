//! The limits the service enforces, in one place, read from [`Settings`].

use std::time::Duration;

use gridpatrol_core::time::Millis;

use crate::Settings;

/// Every bound on what a device may send or hold.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Documents per push.
    pub max_push_docs: usize,
    /// Documents per pull page.
    pub pull_page_docs: u32,
    /// Documents per Automerge-sync request.
    pub max_doc_sync_docs: usize,
    /// New change bytes for one document in one request.
    pub max_doc_push_bytes: usize,
    /// Stored bytes one document may grow to.
    pub max_doc_bytes: u64,
    /// Photo size, image edge, and what one user may hold.
    pub max_blob_bytes: u64,
    pub max_image_edge: u32,
    pub blob_quota_bytes: u64,
    /// Wrong passwords before a lockout, and its length.
    pub login_max_failures: u32,
    pub login_lockout: Duration,
    /// A token's sliding lifetime.
    pub token_ttl: Duration,
    /// Device clocks: how far ahead, and how far back a report may be dated.
    pub max_clock_skew: Millis,
    pub max_backdate: Millis,
    /// Wanted photos named per sync answer.
    pub wanted_blobs_per_sync: u32,
    /// Memory for loaded hot documents.
    pub doc_cache_bytes: usize,
    /// Sync requests worked on at once.
    pub max_concurrent_syncs: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits::from(&Settings::default())
    }
}

impl From<&Settings> for Limits {
    fn from(s: &Settings) -> Self {
        Limits {
            max_push_docs: s.max_push_docs.max(1),
            pull_page_docs: s.pull_page_docs.max(1),
            max_doc_sync_docs: 200,
            max_doc_push_bytes: s.max_doc_push_bytes,
            max_doc_bytes: s.max_doc_bytes,
            max_blob_bytes: s.max_blob_bytes,
            max_image_edge: s.max_image_edge,
            blob_quota_bytes: s.blob_quota_bytes,
            login_max_failures: s.login_max_failures.max(1),
            login_lockout: Duration::from_secs(s.login_lockout_secs),
            token_ttl: Duration::from_secs(s.token_ttl_secs.max(60)),
            max_clock_skew: s.max_clock_skew_secs as Millis * 1000,
            max_backdate: s.max_backdate_days as Millis * 86_400_000,
            wanted_blobs_per_sync: 100,
            doc_cache_bytes: s.doc_cache_bytes,
            max_concurrent_syncs: s.max_concurrent_syncs.max(1),
        }
    }
}
