//! Decompression and allocation bombs against the server as a separate
//! process, with its peak resident memory read from /proc around each: no
//! request under the body limit may make it grow by more than 64 MiB. Each
//! bomb is refused with its code, and the server keeps serving.

use gridpatrol_core::model::DocKind;
use gridpatrol_core::sync::wire::{
    self, DocPush, DocSyncMessage, DocSyncRequest, DocSyncResponse, PROTOCOL_VERSION, SyncRequest,
};
use gridpatrol_tests::api::Api;
use gridpatrol_tests::bench::server_proc::ServerProc;
use gridpatrol_tests::{TestDevice, bombs};
use serde_bytes::ByteBuf;

const LIMIT: u64 = 64 << 20;

fn doc_sync(message: Vec<u8>) -> Vec<u8> {
    wire::encode(&DocSyncRequest {
        version: PROTOCOL_VERSION,
        docs: vec![DocSyncMessage {
            id: gridpatrol_core::ids::new_id(),
            kind: DocKind::Case,
            message: ByteBuf::from(message),
        }],
    })
}

fn push(changes: Vec<Vec<u8>>) -> Vec<u8> {
    wire::encode(&SyncRequest {
        version: PROTOCOL_VERSION,
        push: vec![DocPush {
            id: gridpatrol_core::ids::new_id(),
            kind: DocKind::Case,
            heads: vec![],
            changes: changes.into_iter().map(ByteBuf::from).collect(),
        }],
        ..Default::default()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bombs_are_refused_within_64_mib() {
    let server = ServerProc::start().await;
    let api = Api::new(&server.direct_url);
    let worker = TestDevice::login_at(&server.direct_url, "worker1").await;
    let token = worker.session.token.clone();
    worker.report("热身", &[]);
    worker.sync().await;

    let gigabyte = bombs::deflated_zeros(1 << 30);
    let mut saved = automerge::AutoCommit::new();
    automerge::transaction::Transactable::put(&mut saved, automerge::ROOT, "k", "v").unwrap();
    let fuzz_bundle = std::fs::read(
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../fuzz/regressions/doc_ingest-automerge-bundle-oom.bin"),
    )
    .unwrap();
    let cases: Vec<(&str, &str, Vec<u8>, &str)> = vec![
        (
            "1 MB deflate stream → 1 GiB, as a compressed change in a push",
            "/sync",
            push(vec![bombs::chunk(2, &gigabyte)]),
            "too_large",
        ),
        (
            "document with a 1 GiB deflated column, in a sync message",
            "/sync/docs",
            doc_sync(bombs::sync_message(&[bombs::document_with_huge_column_from(&gigabyte)], None)),
            "too_large",
        ),
        (
            "compressed change → 1 GiB, in a sync message",
            "/sync/docs",
            doc_sync(bombs::sync_message(&[bombs::chunk(2, &gigabyte)], None)),
            "too_large",
        ),
        (
            "bundle chunk in a sync message",
            "/sync/docs",
            doc_sync(bombs::sync_message(&[bombs::bundle_of(&saved.save())], None)),
            "chunk_refused",
        ),
        (
            "the fuzzer's 120-byte bundle, in a sync message",
            "/sync/docs",
            doc_sync(bombs::sync_message(&[fuzz_bundle], None)),
            "chunk_refused",
        ),
        (
            "2^32 operations in six bytes of run-length encoding",
            "/sync/docs",
            doc_sync(bombs::sync_message(&[bombs::document_with_row_bomb(1 << 32)], None)),
            "too_large",
        ),
        (
            "bloom filter asking for 2^31 probes",
            "/sync/docs",
            doc_sync(bombs::sync_message(&[], Some((1, 10, 1 << 31)))),
            "chunk_refused",
        ),
    ];
    let mut figures = Vec::new();
    for (what, path, body, code) in cases {
        assert!(body.len() < 16 << 20, "{what} is under the body limit ({} bytes)", body.len());
        server.reset_peak();
        let base = server.rss();
        let a = api.post_cbor(path, Some(&token), body.clone()).await;
        let grew = server.peak_rss().saturating_sub(base);
        assert_eq!(a.status, 200, "{what}: {}", String::from_utf8_lossy(&a.body));
        let refused = if path == "/sync" {
            wire::decode::<gridpatrol_core::sync::wire::SyncResponse>(&a.body).unwrap().refused
        } else {
            wire::decode::<DocSyncResponse>(&a.body).unwrap().refused
        };
        assert_eq!(refused.first().map(|r| r.code.as_str()), Some(code), "{what}: {refused:?}");
        println!(
            "{what}: {} KiB on the wire, peak RSS +{:.1} MiB, refused {code}",
            body.len() / 1024,
            grew as f64 / 1048576.0
        );
        assert!(grew <= LIMIT, "{what}: the server grew by {} MiB", grew >> 20);
        figures.push((what, grew));
    }
    // Still serving.
    assert!(worker.sync().await.failures.is_empty());
    assert_eq!(figures.len(), 7);
}
