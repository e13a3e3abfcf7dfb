//! Scenario 3, our side of the peer workload of `../shared/peers`: the same
//! record shape (15 scalar fields, 3 photo ids, 5 status-history entries),
//! N records and K offline edits, the same three phases: upload until
//! durable on the server, reconnect after K offline edits, an empty second
//! device fetching all N. Our server fsyncs every commit it acknowledges.

use std::time::Instant;

use gridpatrol_core::model::{EventKind, Location, LocationSource, Severity};
use gridpatrol_core::store::{NewCase, NewEvent};
use serde::Serialize;

use super::ms;
use super::server_proc::ServerProc;
use crate::TestDevice;

/// What one run of the peer workload measured (names follow the peers').
#[derive(Debug, Clone, Serialize)]
pub struct PeerWorkload {
    pub n: usize,
    pub create_ms: f64,
    pub upload_ms: f64,
    /// Upload with the device's automatic sync running while it creates
    /// (as the app does online, and as automerge-repo's client does): first
    /// create → all N acknowledged, on a server of its own.
    pub upload_live_ms: f64,
    pub upload_tcp_bytes: u64,
    pub server_peak_rss_phase1: u64,
    pub reconnect_k: usize,
    pub reconnect_sync_ms: f64,
    pub reconnect_tcp_bytes: u64,
    pub reconnect_round_trips: u32,
    pub fetch_ms: f64,
    pub fetch_tcp_bytes: u64,
    pub fetch_bad_docs: usize,
    pub server_peak_rss_phase2: u64,
    pub server_disk_bytes: u64,
}

/// The five status-history steps after the report, all allowed to an admin.
const HISTORY: [EventKind; 4] = [EventKind::Escalated, EventKind::Accepted, EventKind::Dispatched, EventKind::Handled];

fn hex(seed: u64, n: usize) -> String {
    let mut x = seed | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            char::from_digit((x % 16) as u32, 16).unwrap()
        })
        .collect()
}

/// One record: a case with 3 photo references and 5 history entries.
fn record(dev: &TestDevice, i: usize) -> String {
    let actor = dev.actor();
    let grid = "QS01-G01".to_owned();
    let categories = ["E0201", "E0505", "E0507", "E0406", "C0101", "E0104"];
    // Three photo ids, as references: the peers upload no photo bytes.
    let linked_photos = (0..3)
        .map(|p| {
            let hash = gridpatrol_core::photo::sha256_hex(format!("photo-{i}-{p}").as_bytes());
            gridpatrol_core::model::PhotoRef {
                hash: hash.clone(),
                original_sha256: hash.clone(),
                thumb: hash,
                role: Default::default(),
                width: 2048,
                height: 1536,
                bytes: 400_000,
                captured_at: None,
                gps_lat: None,
                gps_lon: None,
                added_by: actor.user_id.clone(),
                added_at: gridpatrol_core::time::now_ms(),
            }
        })
        .collect();
    let new = NewCase {
        grid,
        category: categories[i % categories.len()].into(),
        title: format!("Issue {i} near block {}", i * 7 % 900),
        description: format!("Reported by field crew. Details {}", hex(i as u64, 48)),
        location: Location {
            lat: Some(30.27 + (i % 97) as f64 * 1e-4),
            lon: Some(120.16 + (i % 89) as f64 * 1e-4),
            accuracy_m: Some(5.0),
            source: LocationSource::Gps,
            street: Some("柳荫路".into()),
            address: format!("site-{}", hex(i as u64 + 7, 6)),
        },
        severity: Severity::Normal,
        photos: vec![],
        patrol: None,
        handled_on_spot: false,
        // The five status-history entries come with the record, in one
        // write, as the peers create theirs (补录: steps entered together).
        history: HISTORY
            .iter()
            .map(|&kind| NewEvent {
                kind,
                note: format!("step for issue {i}: {}", hex(i as u64 * 31 + kind as u64, 12)),
                photos: vec![],
                department: (kind == EventKind::Dispatched).then(|| "D-CG".into()),
                at: None,
            })
            .collect(),
        at: None,
        related: vec![],
        // Three photo ids, as references, with the create: one write.
        linked_photos,
    };
    let mut s = dev.store();
    s.create_case(&actor, new).unwrap().case.id
}

/// Phase 1 again, the way the app works online: the automatic sync (no
/// debounce) runs while the records are created on another thread, and
/// the clock stops when the server has acknowledged all N.
async fn live_upload(n: usize) -> f64 {
    use gridpatrol_core::store::SyncBookkeeping;
    use gridpatrol_core::sync::auto::{AutoSync, Hooks, default_connect};
    use gridpatrol_core::sync::schedule::ScheduleSettings;

    let server = ServerProc::start().await;
    let dev = std::sync::Arc::new(TestDevice::login_at(&server.url, "admin").await);
    let settings =
        ScheduleSettings { periodic_ms: 3_600_000, debounce_ms: 0, first_backoff_ms: 50, max_backoff_ms: 500 };
    let auto = AutoSync::start(dev.store.clone(), settings, default_connect(), Hooks::default());
    let t = Instant::now();
    let (d, a) = (dev.clone(), auto.clone());
    tokio::task::spawn_blocking(move || {
        for i in 0..n {
            record(&d, i);
            a.saved();
        }
    })
    .await
    .expect("creating thread");
    auto.run_now().await.expect("the last automatic sync succeeds");
    let took = ms(t.elapsed());
    let user = dev.session.user.id.clone();
    assert!(dev.store().dirty_docs_of(&user).unwrap().is_empty(), "every record acknowledged");
    took
}

/// Runs the three phases once.
pub async fn run(n: usize, k: usize) -> PeerWorkload {
    let server = ServerProc::start().await;
    let a = TestDevice::login_at(&server.url, "admin").await;
    server.reset_peak();

    // Phase 1: create N records, upload until durable on the server.
    let w0 = server.wire();
    let t = Instant::now();
    let ids: Vec<String> = (0..n).map(|i| record(&a, i)).collect();
    let create_ms = ms(t.elapsed());
    let profiler = server.profile_hook();
    let r = a.sync().await;
    drop(profiler);
    assert!(r.failures.is_empty(), "{:?}", r.failures);
    let upload_ms = ms(t.elapsed());
    let w1 = server.wire();
    let rss1 = server.peak_rss();

    // Phase 2: K offline edits (status change + one more history entry).
    server.reset_peak();
    for id in ids.iter().take(k) {
        let ev = NewEvent {
            kind: EventKind::Verified,
            note: "verified on site".into(),
            photos: vec![],
            department: None,
            at: None,
        };
        let actor = a.actor();
        a.store().append_event(&actor, id, ev).unwrap();
    }
    let t = Instant::now();
    let rr = a.sync().await;
    let reconnect_sync_ms = ms(t.elapsed());
    assert_eq!(rr.progress.docs_up as usize, k);
    let w2 = server.wire();

    // Phase 3: an empty device fetches all N.
    let b = TestDevice::login_at(&server.url, "admin").await;
    let w3 = server.wire();
    let t = Instant::now();
    let r = b.sync().await;
    let fetch_ms = ms(t.elapsed());
    assert!(r.failures.is_empty(), "{:?}", r.failures);
    let w4 = server.wire();
    let bad = ids
        .iter()
        .filter(|id| {
            let (ha, hb) = (a.store().stored_heads(id).unwrap(), b.store().stored_heads(id).unwrap());
            ha.is_none() || ha != hb || b.store().get_case(id, None, 0).map(|c| c.case.events.len() < 5).unwrap_or(true)
        })
        .count();
    PeerWorkload {
        n,
        create_ms,
        upload_ms,
        upload_live_ms: live_upload(n).await,
        upload_tcp_bytes: (w1.0 - w0.0) + (w1.1 - w0.1),
        server_peak_rss_phase1: rss1,
        reconnect_k: k,
        reconnect_sync_ms,
        reconnect_tcp_bytes: (w2.0 - w1.0) + (w2.1 - w1.1),
        reconnect_round_trips: rr.round_trips,
        fetch_ms,
        fetch_tcp_bytes: (w4.0 - w3.0) + (w4.1 - w3.1),
        fetch_bad_docs: bad,
        server_peak_rss_phase2: server.peak_rss(),
        server_disk_bytes: server.disk_bytes(),
    }
}
