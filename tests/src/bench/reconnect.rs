//! Scenario 2: reconnects. A device with many documents in scope syncs
//! when nothing changed, and after a few offline edits: round trips, bytes
//! on the wire, time, documents the server loaded.

use std::time::Instant;

use gridpatrol_core::model::EventKind;
use gridpatrol_core::store::NewEvent;
use serde::Serialize;

use super::ms;
use super::server_proc::ServerProc;
use crate::TestDevice;

/// One reconnect measurement.
#[derive(Debug, Clone, Serialize)]
pub struct Reconnect {
    pub docs_in_scope: usize,
    pub edits: usize,
    pub round_trips: u32,
    pub wire_bytes: u64,
    pub body_bytes: u64,
    pub ms: f64,
    pub server_docs_loaded: u64,
}

async fn docs_loaded(server: &ServerProc, admin: &TestDevice) -> u64 {
    let stats: serde_json::Value = reqwest::Client::new()
        .get(format!("{}/v1/stats", server.direct_url))
        .bearer_auth(&admin.session.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    stats["docs_loaded"].as_u64().unwrap()
}

/// `docs` documents synced, then `edits` of them edited offline, then one
/// reconnect measured (`edits = 0`: nothing changed).
pub async fn run(docs: usize, edits: usize) -> Reconnect {
    let server = ServerProc::start().await;
    let admin = TestDevice::login_at(&server.direct_url, "admin").await;
    let dev = TestDevice::login_at(&server.url, "worker1").await;
    let grid = dev.grid();
    let actor = dev.actor();
    let ids: Vec<String> = {
        let mut s = dev.store();
        (0..docs)
            .map(|i| {
                let mut new = crate::device::sample_case(&grid);
                new.title = format!("问题{i}");
                s.create_case(&actor, new).unwrap().case.id
            })
            .collect()
    };
    dev.sync().await;
    for id in ids.iter().step_by((docs / edits.max(1)).max(1)).take(edits) {
        let ev =
            NewEvent { kind: EventKind::Escalated, note: "提报".into(), photos: vec![], department: None, at: None };
        dev.store().append_event(&actor, id, ev).unwrap();
    }
    let loaded0 = docs_loaded(&server, &admin).await;
    let wire0 = server.wire();
    let t = Instant::now();
    let report = dev.sync().await;
    let took = t.elapsed();
    let wire1 = server.wire();
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    assert_eq!(report.progress.docs_up as usize, edits, "every edit acknowledged");
    Reconnect {
        docs_in_scope: docs,
        edits,
        round_trips: report.round_trips,
        wire_bytes: (wire1.0 - wire0.0) + (wire1.1 - wire0.1),
        body_bytes: report.progress.bytes_up + report.progress.bytes_down,
        ms: ms(took),
        server_docs_loaded: docs_loaded(&server, &admin).await - loaded0,
    }
}
