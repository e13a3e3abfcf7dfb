//! The sync service, independent of HTTP. One concept per file:
//! [`accounts`] (login, tokens, passwords), [`push`] (documents in),
//! [`pull`] (the batched exchange and documents out), [`doc_sync`] (the
//! Automerge sync protocol fallback), [`blobs`] (photos), [`admin`]
//! (operators' actions), [`admin_api`] (the admin screens' operations),
//! [`office`] (dashboard and reports over a scope) and [`audit`] — the one choke point every
//! acceptance and refusal passes, so nothing skips the audit log.
//!
//! The axum layer ([`crate::http`]) and the deterministic simulation in the
//! tests both drive it.

pub mod accounts;
pub mod admin;
pub mod admin_api;
pub mod audit;
pub mod blobs;
pub mod cache;
pub mod doc_sync;
pub mod office;
pub mod pull;
pub mod push;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use gridpatrol_core::clock::Clock;
use gridpatrol_core::codes::ErrorCode;
use gridpatrol_core::model::Reference;
use gridpatrol_core::sync::wire::PROTOCOL_VERSION;
use tokio::sync::RwLock;

use crate::auth::Hasher;
use crate::blobstore::BlobStore;
use crate::error::{ServerError, refuse};
pub use crate::limits::Limits;
use crate::storage::Storage;

/// Counters for tests, benchmarks and operators.
#[derive(Debug, Default)]
pub struct Stats {
    /// Documents loaded from storage (a nothing-changed sync loads none).
    pub docs_loaded: AtomicU64,
    pub sync_requests: AtomicU64,
    pub doc_sync_requests: AtomicU64,
    pub docs_committed: AtomicU64,
    pub refusals: AtomicU64,
    pub commit_conflicts: AtomicU64,
}

/// A snapshot of [`Stats`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StatsSnapshot {
    pub docs_loaded: u64,
    pub sync_requests: u64,
    pub doc_sync_requests: u64,
    pub docs_committed: u64,
    pub refusals: u64,
    pub commit_conflicts: u64,
}

/// The sync service.
pub struct SyncService {
    clock: Clock,
    storage: Arc<dyn Storage>,
    blobs: Arc<dyn BlobStore>,
    limits: Limits,
    hasher: Hasher,
    reference: RwLock<Option<(Instant, u64, Arc<Reference>)>>,
    stats: Stats,
    docs: cache::DocCache,
    /// Admits at most `max_concurrent_syncs` sync requests at once.
    gate: tokio::sync::Semaphore,
}

impl std::fmt::Debug for SyncService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncService").field("limits", &self.limits).field("stats", &self.stats()).finish()
    }
}

/// How long the in-memory reference data is trusted before re-reading
/// (another instance may have imported new data).
const REFERENCE_TTL: Duration = Duration::from_secs(2);

/// The checks every request passes first: protocol version, document count.
pub(crate) fn check_request(version: u32, docs: usize, max_docs: usize) -> Result<(), ServerError> {
    if version != PROTOCOL_VERSION {
        return Err(refuse(
            ErrorCode::UnsupportedVersion,
            format!("protocol version {version} is not supported (this server speaks {PROTOCOL_VERSION})"),
        ));
    }
    if docs > max_docs {
        return Err(refuse(ErrorCode::TooManyDocuments, format!("at most {max_docs} documents per request")));
    }
    Ok(())
}

impl SyncService {
    /// A service over `storage` and `blobs`, hashing at most
    /// `hash_concurrency` passwords at once.
    pub fn new(storage: Arc<dyn Storage>, blobs: Arc<dyn BlobStore>, limits: Limits, hash_concurrency: usize) -> Self {
        SyncService {
            clock: Clock::system(),
            storage,
            blobs,
            limits,
            hasher: Hasher::new(hash_concurrency),
            reference: RwLock::new(None),
            stats: Stats::default(),
            docs: cache::DocCache::new(limits.doc_cache_bytes),
            gate: tokio::sync::Semaphore::new(limits.max_concurrent_syncs),
        }
    }

    /// Reads time from `clock` (the binary's may be shifted for tests; a
    /// simulation's is virtual).
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Uses `hasher` for passwords (simulations use a cheap one).
    pub fn with_hasher(mut self, hasher: Hasher) -> Self {
        self.hasher = hasher;
        self
    }

    /// Waits for a turn to work on a sync request (see
    /// `max_concurrent_syncs`); the turn ends when the permit drops.
    pub(crate) async fn turn(&self) -> tokio::sync::SemaphorePermit<'_> {
        self.gate.acquire().await.expect("the gate is never closed")
    }

    /// The server's time.
    pub fn now(&self) -> gridpatrol_core::time::Millis {
        self.clock.now()
    }

    /// The storage behind the service.
    pub fn storage(&self) -> &Arc<dyn Storage> {
        &self.storage
    }

    /// The blob store behind the service.
    pub fn blob_store(&self) -> &Arc<dyn BlobStore> {
        &self.blobs
    }

    /// The limits in force.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The password hasher (tests hold its permits).
    pub fn hasher(&self) -> &Hasher {
        &self.hasher
    }

    /// The current counters.
    pub fn stats(&self) -> StatsSnapshot {
        let s = &self.stats;
        StatsSnapshot {
            docs_loaded: s.docs_loaded.load(Ordering::Relaxed),
            sync_requests: s.sync_requests.load(Ordering::Relaxed),
            doc_sync_requests: s.doc_sync_requests.load(Ordering::Relaxed),
            docs_committed: s.docs_committed.load(Ordering::Relaxed),
            refusals: s.refusals.load(Ordering::Relaxed),
            commit_conflicts: s.commit_conflicts.load(Ordering::Relaxed),
        }
    }

    /// The reference data and its version (cached briefly).
    pub async fn reference(&self) -> Result<(u64, Arc<Reference>), ServerError> {
        if let Some((at, v, r)) = self.reference.read().await.as_ref()
            && at.elapsed() < REFERENCE_TTL
        {
            return Ok((*v, r.clone()));
        }
        let (v, r) = self
            .storage
            .reference()
            .await?
            .ok_or_else(|| refuse(ErrorCode::NotInitialised, "the server has no organisation data; run import"))?;
        let r = Arc::new(r);
        *self.reference.write().await = Some((Instant::now(), v, r.clone()));
        Ok((v, r))
    }

    /// Forgets the cached reference data (after an import in-process).
    pub async fn invalidate_reference(&self) {
        *self.reference.write().await = None;
    }
}
