//! Scenario 4, memory bounded by settings: a server holding many stored
//! documents (100,000 by default, written straight into its database while
//! it is stopped) is started again; its memory at rest, then its peak
//! during an end-of-day sync storm of many devices, then at rest again.
//! What a request loads is bounded by the admission gate and the hot-
//! document cache (an LRU by bytes), not by what is stored.

use std::time::{Duration, Instant};

use gridpatrol_core::clock::Clock;
use gridpatrol_core::model::DocKind;
use gridpatrol_core::store::DeviceStore;
use gridpatrol_server::storage::{AuditEntry, DocWrite};
use serde::Serialize;

use super::ms;
use super::server_proc::ServerProc;

/// What one run measured.
#[derive(Debug, Clone, Serialize)]
pub struct MemoryBound {
    pub stored_docs: usize,
    pub seed_ms: f64,
    /// Resident memory after the restart, before any request.
    pub rss_at_rest: u64,
    pub storm_devices: usize,
    pub storm_ms: f64,
    pub rss_peak_storm: u64,
    /// Resident memory two seconds after the storm.
    pub rss_after: u64,
    /// The hot-document cache's setting (the server's default).
    pub doc_cache_bytes: usize,
}

/// The grid the stored documents are indexed under: one no demo user but
/// the administrator sees, so the storm's devices never pull them.
const SEED_GRID: &str = "BENCH-SEED";

/// Writes `n` case documents into the server's database as one device
/// would have pushed them (one change each).
async fn seed(db_url: &str, n: usize) {
    let storage = gridpatrol_server::storage::open(db_url, None).await.expect("open the server's database");
    let mut maker = DeviceStore::open_in_memory(Clock::system()).expect("a scratch store");
    maker.set_reference(gridpatrol_core::demo::reference()).expect("demo reference");
    let admin = crate::device::demo_user(gridpatrol_core::model::Role::Admin);
    let actor = gridpatrol_core::store::Actor { user_id: admin.id.clone(), role: admin.role };
    let grid = "QS01-G01";
    let mut batch = Vec::new();
    for i in 0..n {
        let mut new = crate::device::sample_case(grid);
        new.title = format!("stored case {i}");
        let id = maker.create_case(&actor, new).expect("case").case.id;
        let (changes, _) = maker.changes_since(&id, &[]).expect("its change");
        batch.push(DocWrite {
            id: id.clone(),
            kind: DocKind::Case,
            grid: SEED_GRID.into(),
            departments: vec![],
            status: "reported".into(),
            expected_seq: None,
            changes: changes
                .into_iter()
                .map(|b| (automerge::Change::from_bytes(b.clone()).expect("a change").hash().0, b))
                .collect(),
            blobs: vec![],
            receipts: vec![],
            audit: AuditEntry {
                at: gridpatrol_core::time::now_ms(),
                user_id: admin.id.clone(),
                device_id: "bench-seed".into(),
                addr: "local".into(),
                action: "push".into(),
                subject: id,
                detail: "seeded by the benchmark".into(),
            },
        });
        if batch.len() == 2000 || i + 1 == n {
            storage.commit_docs(&batch).await.expect("seed commit");
            batch.clear();
            // The scratch store only makes documents: keep it small.
            maker = DeviceStore::open_in_memory(Clock::system()).expect("a scratch store");
            maker.set_reference(gridpatrol_core::demo::reference()).expect("demo reference");
        }
    }
}

/// Seeds `docs`, restarts the server, and lets `devices` devices return
/// from their morning (40 cases each) at once.
pub async fn run(docs: usize, devices: usize) -> MemoryBound {
    let mut server = ServerProc::start().await;
    server.kill9();
    let t = Instant::now();
    seed(&server.db_url, docs).await;
    let seed_ms = ms(t.elapsed());
    server.restart().await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_at_rest = server.rss();
    let storm = super::end_of_day::storm_on(&server, devices, 40, 0).await;
    assert_eq!(storm.lost, 0, "documents lost in the storm: {storm:?}");
    tokio::time::sleep(Duration::from_secs(2)).await;
    MemoryBound {
        stored_docs: docs,
        seed_ms,
        rss_at_rest,
        storm_devices: devices,
        storm_ms: storm.total_ms,
        rss_peak_storm: storm.server_peak_rss,
        rss_after: server.rss(),
        doc_cache_bytes: gridpatrol_server::Settings::default().doc_cache_bytes,
    }
}
