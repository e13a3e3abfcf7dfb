//! Real processes, real sockets: a fault proxy between device and server
//! cuts connections at random byte offsets, stalls them and replays
//! requests. Batches and photo uploads still complete, with no loss and no
//! duplicate commit.

use std::collections::HashMap;

use gridpatrol_core::model::PatrolKind;
use gridpatrol_core::store::CaseFilter;
use gridpatrol_tests::proxy::{Chaos, FaultProxy};
use gridpatrol_tests::{Backend, TestDevice, TestServer, fixtures};

async fn chaos_round(backend: Backend, seed: u64) -> (u64, u64, u64) {
    let server = TestServer::start(backend).await;
    let proxy = FaultProxy::start_chaos(&server.url, Chaos { seed, cut: 0.25, stall: 0.2, replay: 0.2 }).await;
    let worker = TestDevice::login(&server, "worker1").await;
    let worker = TestDevice {
        client: gridpatrol_core::sync::client::SyncClient::for_session(&{
            let mut s = worker.session.clone();
            s.server = proxy.url.clone();
            s
        })
        .unwrap()
        .with_chunk_bytes(32 << 10)
        .with_fresh_connections()
        .unwrap(),
        ..worker
    };
    let worker = worker.with_attempts(3);
    let photos = [
        fixtures::photo("gps_DSCN0010.jpg"),
        fixtures::photo("orientation_landscape_3.jpg"),
        fixtures::photo("Canon_40D.jpg"),
    ];
    let grid = worker.grid();
    let actor = worker.actor();
    let patrol = worker.store().start_patrol(&actor, PatrolKind::Night, &grid, vec![]).unwrap();
    let mut ids = Vec::new();
    for i in 0..15 {
        ids.push(worker.report(&format!("夜巡{i}"), &[&photos[i % 3]]));
    }
    worker.store().end_patrol(&actor, &patrol.patrol.id, "").unwrap();
    let mut synced = false;
    for _ in 0..30 {
        if worker.try_sync().await.is_ok_and(|r| r.failures.is_empty()) && worker.store().unsynced().unwrap().cases == 0
        {
            synced = true;
            break;
        }
    }
    let injected = proxy.injected();
    if !synced {
        proxy.calm();
        worker.try_sync().await.expect("a calm network lets the sync finish");
    }
    assert_eq!(worker.store().unsynced().unwrap(), Default::default(), "seed {seed}: all synced");
    // No duplicate commit: one push per document in the audit log.
    let mut pushes: HashMap<String, usize> = HashMap::new();
    for a in server.audit().await {
        if a.action == "push" {
            *pushes.entry(a.subject).or_default() += 1;
        }
    }
    for id in &ids {
        assert_eq!(pushes.get(id), Some(&1), "seed {seed}: case {id} committed {:?} times", pushes.get(id));
    }
    let leader = TestDevice::login(&server, "leader1").await;
    leader.sync_full().await;
    assert_eq!(leader.store().list_cases(&CaseFilter::default(), 0).unwrap().total, 15);
    for id in &ids {
        let (w, l) = (worker.store().get_case(id, None, 0).unwrap(), leader.store().get_case(id, None, 0).unwrap());
        assert_eq!(w.case, l.case, "seed {seed}");
        for p in w.case.photos.values() {
            assert_eq!(worker.store().blob(&p.hash).unwrap(), leader.store().blob(&p.hash).unwrap(), "seed {seed}");
        }
    }
    injected
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_cuts_stalls_and_replays_lose_nothing() {
    let seeds: u64 = std::env::var("GRIDPATROL_CHAOS_SEEDS").ok().and_then(|v| v.parse().ok()).unwrap_or(6);
    let mut total = (0, 0, 0);
    for seed in 1..=seeds {
        for backend in [Backend::Sqlite, Backend::Postgres] {
            let (c, s, r) = chaos_round(backend, seed).await;
            total = (total.0 + c, total.1 + s, total.2 + r);
        }
    }
    println!("chaos: {seeds} seeds × 2 backends, {} cuts, {} stalls, {} replays", total.0, total.1, total.2);
    assert!(total.0 > 0 && total.2 > 0, "faults were injected: {total:?}");
}
