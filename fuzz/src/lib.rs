//! The bodies of the fuzz targets, shared with the regression test
//! (`tests/tests/fuzz_regressions.rs` runs every input in `regressions/`).
//! Each must return normally on any input: errors are fine, panics are not.

use automerge::AutoCommit;
use gridpatrol_core::model::{Case, DocKind, Patrol, Role, Scope, User};
use gridpatrol_core::photo::{IngestLimits, ingest};
use gridpatrol_core::sync::wire::{self, DocSyncRequest, LoginRequest, SyncRequest, SyncResponse};
use gridpatrol_server::auth::AuthUser;

/// The protocol decoder: every message type from arbitrary bytes.
pub fn wire_decode(data: &[u8]) {
    let _ = wire::decode::<SyncRequest>(data);
    let _ = wire::decode::<SyncResponse>(data);
    let _ = wire::decode::<DocSyncRequest>(data);
    let _ = serde_json::from_slice::<LoginRequest>(data);
    if let Ok(req) = wire::decode::<SyncRequest>(data) {
        // Whatever decodes must encode and decode again to the same thing.
        assert_eq!(wire::decode::<SyncRequest>(&wire::encode(&req)).unwrap(), req);
    }
}

/// Server-side document ingest: bytes as a document and as changes,
/// hydrated, validated for a grid worker, and folded.
pub fn doc_ingest(data: &[u8]) {
    let who = AuthUser {
        user: User {
            id: "u-worker1".into(),
            username: "worker1".into(),
            name: "w".into(),
            role: Role::GridWorker,
            units: vec!["QS01-G01".into()],
        },
        device_id: "d".into(),
        scope: Scope::Grids { grids: ["QS01-G01".to_string()].into() },
        token_hash: String::new(),
        addr: "fuzz".into(),
    };
    let reference = gridpatrol_core::demo::reference();
    let limits = gridpatrol_server::limits::Limits::default();
    let ctx = gridpatrol_server::duty::Context {
        who: &who,
        reference: &reference,
        now: gridpatrol_core::time::now_ms(),
        limits: &limits,
    };
    let id = "00000000-0000-7000-8000-000000000000";
    let mut docs = Vec::new();
    if let Ok(doc) =
        gridpatrol_core::model::untrusted::load(data, &mut gridpatrol_core::model::untrusted::Budget::document())
    {
        docs.push(doc);
    }
    if let Ok(change) = gridpatrol_core::model::untrusted::parse_change(
        data,
        &mut gridpatrol_core::model::untrusted::Budget::document(),
    ) {
        let mut doc = AutoCommit::new();
        if gridpatrol_core::model::untrusted::apply_changes(&mut doc, vec![change]).is_ok() {
            docs.push(doc);
        }
    }
    for doc in docs {
        for kind in [DocKind::Case, DocKind::Patrol] {
            let _ = gridpatrol_server::duty::check(kind, id, None, &doc, &ctx);
        }
        if let Ok(case) = Case::from_doc(&doc) {
            let _ = gridpatrol_core::workflow::derive(&case);
        }
        let _ = Patrol::from_doc(&doc);
    }
}

/// Photo ingest with small limits (so the fuzzer explores, not waits).
pub fn photo_ingest(data: &[u8]) {
    let limits = IngestLimits { max_input_bytes: 1 << 20, max_pixels: 4_000_000, ..IngestLimits::default() };
    let _ = ingest(data, &limits);
}
