//! Hostile and broken input against a real server: each case asserts a
//! clear error code and that nothing changed on the server.

use std::collections::BTreeMap;

use automerge::{ActorId, AutoCommit};
use gridpatrol_core::model::{Case, CaseEvent, DocKind, EventKind, Links, Location, Role, Severity};
use gridpatrol_core::sync::wire::{
    self, DocPush, DocSyncMessage, DocSyncRequest, PROTOCOL_VERSION, SyncRequest, SyncResponse,
};
use gridpatrol_tests::{Backend, TestDevice, TestServer, fixtures};
use serde_bytes::ByteBuf;

struct Api {
    http: reqwest::Client,
    url: String,
}

struct Answer {
    status: u16,
    code: String,
    body: Vec<u8>,
}

impl Api {
    fn new(server: &TestServer) -> Self {
        Api { http: reqwest::Client::new(), url: format!("{}/v1", server.url) }
    }

    async fn send(&self, rb: reqwest::RequestBuilder) -> Answer {
        let resp = rb.send().await.expect("server answers");
        let status = resp.status().as_u16();
        let body = resp.bytes().await.unwrap().to_vec();
        let code = serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v["code"].as_str().map(str::to_owned))
            .unwrap_or_default();
        Answer { status, code, body }
    }

    async fn post_cbor(&self, path: &str, token: Option<&str>, body: Vec<u8>) -> Answer {
        let mut rb = self.http.post(format!("{}{path}", self.url)).header("content-type", wire::CBOR).body(body);
        if let Some(t) = token {
            rb = rb.bearer_auth(t);
        }
        self.send(rb).await
    }

    async fn sync(&self, token: &str, req: &SyncRequest) -> SyncResponse {
        let a = self.post_cbor("/sync", Some(token), wire::encode(req)).await;
        assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
        wire::decode(&a.body).unwrap()
    }
}

fn push(id: &str, kind: DocKind, changes: Vec<Vec<u8>>) -> DocPush {
    DocPush { id: id.into(), kind, heads: vec![], changes: changes.into_iter().map(ByteBuf::from).collect() }
}

fn request(pushes: Vec<DocPush>) -> SyncRequest {
    SyncRequest {
        version: PROTOCOL_VERSION,
        cursor: Default::default(),
        acked: Default::default(),
        reference_version: u64::MAX,
        push: pushes,
    }
}

fn changes_of(doc: &mut AutoCommit) -> Vec<Vec<u8>> {
    doc.get_changes(&[]).into_iter().map(|c| c.raw_bytes().to_vec()).collect()
}

fn case_for(id: &str, grid: &str, reporter: &str, role: Role) -> Case {
    let ev = CaseEvent {
        id: gridpatrol_core::ids::new_id(),
        kind: EventKind::Reported,
        actor: reporter.into(),
        role,
        at: 1,
        after: vec![],
        note: String::new(),
        photos: vec![],
        department: None,
    };
    Case {
        schema: 1,
        id: id.into(),
        grid: grid.into(),
        category: "E0201".into(),
        title: "t".into(),
        description: String::new(),
        location: Location::default(),
        severity: Severity::Normal,
        reporter: reporter.into(),
        created_at: 1,
        photos: BTreeMap::new(),
        links: Links::default(),
        events: BTreeMap::from([(ev.id.clone(), ev)]),
    }
}

/// The server's visible state: the sequence number and the audit length
/// of pushes (refusals are audited on purpose and not counted).
async fn state(server: &TestServer) -> (u64, usize) {
    let seq = server.service().storage().head().await.unwrap().seq;
    let pushes = server.audit().await.iter().filter(|a| a.action == "push").count();
    (seq, pushes)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_input_gets_clear_errors_and_changes_nothing() {
    let server = TestServer::start_with(Backend::Sqlite, |s| {
        s.max_body_bytes = 2 << 20;
        s.max_push_docs = 50;
        s.login_max_failures = 3;
    })
    .await;
    let api = Api::new(&server);
    let worker = TestDevice::login(&server, "worker1").await;
    let token = worker.session.token.clone();
    let me = worker.session.user.id.clone();
    // A real case with a photo, synced, so there is something to attack.
    let real = worker.report("真实问题", &[&fixtures::photo("gps_DSCN0010.jpg")]);
    worker.sync().await;
    let mut tried = 0usize;
    let mut before = state(&server).await;

    macro_rules! expect {
        ($answer:expr, $status:expr, $code:expr) => {{
            let a = $answer;
            tried += 1;
            assert_eq!((a.status, a.code.as_str()), ($status, $code), "{}", String::from_utf8_lossy(&a.body));
            assert_eq!(state(&server).await, before, "state changed after {}", $code);
        }};
    }
    macro_rules! refused {
        ($resp:expr, $code:expr) => {{
            let r: SyncResponse = $resp;
            tried += 1;
            assert!(r.acks.is_empty(), "acked: {:?}", r.acks);
            assert_eq!(r.refused.len(), 1, "{:?}", r.refused);
            assert_eq!(r.refused[0].code, $code, "{:?}", r.refused);
            assert_eq!(state(&server).await, before, "state changed after {}", $code);
        }};
    }

    // ---- authentication ----
    let empty = wire::encode(&request(vec![]));
    expect!(api.post_cbor("/sync", None, empty.clone()).await, 401, "missing_token");
    expect!(api.post_cbor("/sync", Some("not-a-token"), empty.clone()).await, 401, "invalid_token");
    expect!(
        api.send(api.http.post(format!("{}/sync", api.url)).header("authorization", "Basic abc").body(empty.clone()))
            .await,
        401,
        "invalid_token"
    );
    expect!(api.post_cbor("/sync", Some(&"x".repeat(10_000)), empty.clone()).await, 401, "invalid_token");
    let login = |u: &str, p: &str| serde_json::json!({"username": u, "password": p, "device_id": uuid::Uuid::new_v4().to_string(), "device_name": "x"});
    expect!(
        api.send(api.http.post(format!("{}/login", api.url)).json(&login("worker1", "wrong"))).await,
        401,
        "wrong_credentials"
    );
    expect!(
        api.send(api.http.post(format!("{}/login", api.url)).json(&login("nobody", "x"))).await,
        401,
        "wrong_credentials"
    );
    expect!(api.send(api.http.post(format!("{}/login", api.url)).body("{not json")).await, 400, "malformed_body");
    let mut bad_dev = login("worker2", "gridpatrol");
    bad_dev["device_id"] = "../../etc".into();
    expect!(api.send(api.http.post(format!("{}/login", api.url)).json(&bad_dev)).await, 400, "invalid_device_id");
    // Guessing: after three wrong passwords even the right one waits.
    for _ in 0..2 {
        api.send(api.http.post(format!("{}/login", api.url)).json(&login("worker2", "guess"))).await;
    }
    expect!(
        api.send(api.http.post(format!("{}/login", api.url)).json(&login("worker2", "guess"))).await,
        401,
        "wrong_credentials"
    );
    expect!(
        api.send(api.http.post(format!("{}/login", api.url)).json(&login("worker2", "gridpatrol"))).await,
        429,
        "too_many_attempts"
    );
    expect!(api.send(api.http.get(format!("{}/stats", api.url)).bearer_auth(&token)).await, 403, "admin_only");

    // ---- protocol ----
    expect!(
        api.send(
            api.http
                .post(format!("{}/sync", api.url))
                .bearer_auth(&token)
                .header("content-type", "application/json")
                .body("{}")
        )
        .await,
        415,
        "unsupported_content_type"
    );
    expect!(api.post_cbor("/sync", Some(&token), b"\xff\x00garbage".to_vec()).await, 400, "malformed_body");
    expect!(api.post_cbor("/sync", Some(&token), empty[..empty.len() - 1].to_vec()).await, 400, "malformed_body");
    expect!(api.post_cbor("/sync", Some(&token), vec![0x81; 50_000]).await, 400, "malformed_body");
    let wrong_version = SyncRequest { version: 99, ..request(vec![]) };
    expect!(api.post_cbor("/sync", Some(&token), wire::encode(&wrong_version)).await, 400, "unsupported_version");
    let many: Vec<DocPush> = (0..51).map(|_| push(&gridpatrol_core::ids::new_id(), DocKind::Case, vec![])).collect();
    expect!(api.post_cbor("/sync", Some(&token), wire::encode(&request(many))).await, 413, "too_many_documents");
    let huge = vec![0u8; 3 << 20];
    let a = api.post_cbor("/sync", Some(&token), huge).await;
    tried += 1;
    assert_eq!(a.status, 413);
    assert_eq!(state(&server).await, before);
    let bad_docsync = DocSyncRequest { version: 7, docs: vec![] };
    expect!(api.post_cbor("/sync/docs", Some(&token), wire::encode(&bad_docsync)).await, 400, "unsupported_version");

    // Unknown fields are ignored (forward compatibility), nothing applied.
    #[derive(serde::Serialize)]
    struct Extra {
        version: u32,
        cursor: u64,
        reference_version: u64,
        push: Vec<DocPush>,
        shiny_new_field: String,
    }
    let extra = Extra { version: 1, cursor: 0, reference_version: u64::MAX, push: vec![], shiny_new_field: "x".into() };
    let a = api.post_cbor("/sync", Some(&token), wire::encode(&extra)).await;
    tried += 1;
    assert_eq!(a.status, 200);
    assert_eq!(state(&server).await, before);

    // ---- documents ----
    let id = gridpatrol_core::ids::new_id();
    refused!(
        api.sync(&token, &request(vec![push(&id, DocKind::Case, vec![b"garbage".to_vec()])])).await,
        "malformed_automerge"
    );
    let mut good = case_for(&id, &worker.grid(), &me, Role::GridWorker).to_new_doc(&ActorId::random()).unwrap();
    let good_changes = changes_of(&mut good);
    let truncated: Vec<Vec<u8>> = good_changes.iter().map(|c| c[..c.len() / 2].to_vec()).collect();
    refused!(api.sync(&token, &request(vec![push(&id, DocKind::Case, truncated)])).await, "malformed_automerge");
    let mut flipped = good_changes.clone();
    let n = flipped[0].len();
    flipped[0][n - 3] ^= 0xFF;
    refused!(api.sync(&token, &request(vec![push(&id, DocKind::Case, flipped)])).await, "malformed_automerge");
    refused!(
        api.sync(&token, &request(vec![push("../../etc/passwd", DocKind::Case, good_changes.clone())])).await,
        "invalid_id"
    );
    let other = gridpatrol_core::ids::new_id();
    refused!(api.sync(&token, &request(vec![push(&other, DocKind::Case, good_changes.clone())])).await, "wrong_id");
    refused!(api.sync(&token, &request(vec![push(&id, DocKind::Patrol, good_changes.clone())])).await, "wrong_kind");
    let mut not_a_case = AutoCommit::new();
    automerge::transaction::Transactable::put(&mut not_a_case, automerge::ROOT, "hello", "world").unwrap();
    refused!(
        api.sync(&token, &request(vec![push(&id, DocKind::Case, changes_of(&mut not_a_case))])).await,
        "invalid_document"
    );
    // Inputs the fuzzer found that make Automerge itself panic: refused,
    // and the server keeps serving.
    let fuzz_dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/regressions");
    for name in [
        "doc_ingest-automerge-import-ops-panic.bin",
        "doc_ingest-hexane-rle-decoder-panic.bin",
        "doc_ingest-automerge-bundle-oom.bin",
    ] {
        let bytes = std::fs::read(fuzz_dir.join(name)).unwrap();
        refused!(
            api.sync(&token, &request(vec![push(&id, DocKind::Case, vec![bytes.clone()])])).await,
            "malformed_automerge"
        );
        let peek = DocSyncRequest {
            version: 1,
            docs: vec![DocSyncMessage { id: id.clone(), kind: DocKind::Case, message: ByteBuf::from(bytes) }],
        };
        let a = api.post_cbor("/sync/docs", Some(&token), wire::encode(&peek)).await;
        tried += 1;
        let r: wire::DocSyncResponse = wire::decode(&a.body).unwrap();
        assert_eq!(r.refused[0].code, "malformed_automerge", "{:?}", r.refused);
        assert_eq!(state(&server).await, before);
    }
    // Another grid, someone else's name, a role the pusher does not have.
    let mut far = case_for(&id, "QS03-G01", &me, Role::GridWorker).to_new_doc(&ActorId::random()).unwrap();
    refused!(api.sync(&token, &request(vec![push(&id, DocKind::Case, changes_of(&mut far))])).await, "out_of_scope");
    let mut forged =
        case_for(&id, &worker.grid(), "u-worker2", Role::GridWorker).to_new_doc(&ActorId::random()).unwrap();
    refused!(
        api.sync(&token, &request(vec![push(&id, DocKind::Case, changes_of(&mut forged))])).await,
        "impersonation"
    );
    let mut promoted = case_for(&id, &worker.grid(), &me, Role::Admin).to_new_doc(&ActorId::random()).unwrap();
    refused!(
        api.sync(&token, &request(vec![push(&id, DocKind::Case, changes_of(&mut promoted))])).await,
        "impersonation"
    );
    // Changes whose history the server lacks.
    let mut base = case_for(&id, &worker.grid(), &me, Role::GridWorker).to_new_doc(&ActorId::random()).unwrap();
    base.get_heads();
    let head0 = base.get_heads();
    automerge::transaction::Transactable::put(&mut base, automerge::ROOT, "title", "x").unwrap();
    let tail: Vec<Vec<u8>> = base.get_changes(&head0).into_iter().map(|c| c.raw_bytes().to_vec()).collect();
    refused!(api.sync(&token, &request(vec![push(&id, DocKind::Case, tail)])).await, "missing_deps");

    // Rewriting the past of a real case: an event, a photo.
    let (mut doc, _) = worker.store().doc_for_sync(&real).unwrap();
    let acked = doc.get_heads();
    let c = Case::from_doc(&doc).unwrap();
    let (eid, mut ev) = c.events.iter().next().map(|(k, v)| (k.clone(), v.clone())).unwrap();
    ev.note = "改写历史".into();
    Case::append_event(&mut doc, &ev).unwrap();
    let rewrite: Vec<Vec<u8>> = doc.get_changes(&acked).into_iter().map(|c| c.raw_bytes().to_vec()).collect();
    assert_eq!(eid, ev.id);
    refused!(api.sync(&token, &request(vec![push(&real, DocKind::Case, rewrite)])).await, "event_rewritten");
    let (mut doc, _) = worker.store().doc_for_sync(&real).unwrap();
    let mut p = c.photos.values().next().unwrap().clone();
    p.role = gridpatrol_core::model::PhotoRole::After;
    Case::add_photo(&mut doc, &p).unwrap();
    let rewrite: Vec<Vec<u8>> = doc.get_changes(&acked).into_iter().map(|c| c.raw_bytes().to_vec()).collect();
    refused!(api.sync(&token, &request(vec![push(&real, DocKind::Case, rewrite)])).await, "photo_rewritten");

    // A refused document does not stop the rest of the batch.
    let fine_id = gridpatrol_core::ids::new_id();
    let mut fine = case_for(&fine_id, &worker.grid(), &me, Role::GridWorker).to_new_doc(&ActorId::random()).unwrap();
    let batch = request(vec![
        push(&id, DocKind::Case, vec![b"junk".to_vec()]),
        push(&fine_id, DocKind::Case, changes_of(&mut fine)),
    ]);
    let r = api.sync(&token, &batch).await;
    tried += 1;
    assert_eq!((r.acks.len(), r.refused.len()), (1, 1));
    assert_eq!(r.acks[0].id, fine_id);
    // A replayed request is idempotent: acknowledged, nothing new stored.
    let after_first = state(&server).await;
    let r = api.sync(&token, &request(vec![push(&fine_id, DocKind::Case, changes_of(&mut fine))])).await;
    tried += 1;
    assert_eq!(r.acks.len(), 1);
    assert_eq!(state(&server).await, after_first, "a replay stored nothing");
    before = after_first;

    // ---- reading outside the scope ----
    let far_worker = TestDevice::login(&server, "worker9").await;
    let photo = c.photos.values().next().unwrap();
    let a = api
        .send(api.http.get(format!("{}/blobs/{}", api.url, photo.hash)).bearer_auth(&far_worker.session.token))
        .await;
    tried += 1;
    assert_eq!((a.status, a.code.as_str()), (404, "not_found"));
    let a = api.send(api.http.get(format!("{}/blobs/{}", api.url, photo.hash)).bearer_auth(&token)).await;
    assert_eq!(a.status, 200, "the owner's area may read it");
    let (mut real_doc, _) = worker.store().doc_for_sync(&real).unwrap();
    let msg =
        automerge::sync::SyncDoc::generate_sync_message(&real_doc.sync(), &mut automerge::sync::State::new()).unwrap();
    let peek = DocSyncRequest {
        version: 1,
        docs: vec![DocSyncMessage { id: real.clone(), kind: DocKind::Case, message: ByteBuf::from(msg.encode()) }],
    };
    let dept = TestDevice::login(&server, "dept-cg").await;
    let a = api.post_cbor("/sync/docs", Some(&dept.session.token), wire::encode(&peek)).await;
    tried += 1;
    let r: wire::DocSyncResponse = wire::decode(&a.body).unwrap();
    assert!(r.docs.is_empty() && r.refused[0].code == "out_of_scope", "{:?}", r.refused);
    dept.sync().await;
    assert_eq!(dept.store().list_cases(&Default::default(), 0).unwrap().total, 0, "nothing dispatched, nothing seen");

    // ---- photos ----
    let blob = |h: &str, q: &str| format!("{}/blobs/{h}{q}", api.url);
    for bad in ["..%2F..%2Fetc%2Fpasswd", "abc", &"G".repeat(64), &"A".repeat(64)] {
        expect!(api.send(api.http.get(blob(bad, "/status")).bearer_auth(&token)).await, 400, "invalid_blob_id");
    }
    let data = b"not really a photo".to_vec();
    let h = gridpatrol_core::photo::sha256_hex(&data);
    expect!(
        api.send(
            api.http
                .put(blob(&h, "?offset=0&total=18"))
                .bearer_auth(&token)
                .header("x-chunk-sha256", "00".repeat(32))
                .body(data.clone())
        )
        .await,
        400,
        "chunk_hash_mismatch"
    );
    let wrong = gridpatrol_core::photo::sha256_hex(b"other");
    expect!(
        api.send(api.http.put(blob(&wrong, "?offset=0&total=18")).bearer_auth(&token).body(data.clone())).await,
        400,
        "hash_mismatch"
    );
    let a = api.send(api.http.put(blob(&h, "?offset=5&total=18")).bearer_auth(&token).body(data.clone())).await;
    tried += 1;
    assert_eq!(a.status, 409, "a chunk past the end is told where to resume");
    expect!(
        api.send(api.http.put(blob(&h, "?offset=0&total=999999999999")).bearer_auth(&token).body(data.clone())).await,
        413,
        "blob_too_large"
    );
    expect!(
        api.send(api.http.put(blob(&h, "?offset=0&total=4")).bearer_auth(&token).body(data.clone())).await,
        413,
        "blob_too_large"
    );
    expect!(api.send(api.http.get(blob(&h, "")).bearer_auth(&token)).await, 404, "not_found");

    // ---- revoked devices and disabled users ----
    let victim = TestDevice::login(&server, "worker5").await;
    let victim_id = victim.store().device_id().to_owned();
    server.service().storage().revoke_device(&victim_id, 1).await.unwrap();
    expect!(api.post_cbor("/sync", Some(&victim.session.token), empty.clone()).await, 401, "device_revoked");
    let other_dev = TestDevice::login(&server, "worker6").await;
    let mut cred = server.service().storage().credentials("worker6").await.unwrap().unwrap();
    cred.disabled = true;
    server.service().storage().put_credentials(&cred).await.unwrap();
    expect!(api.post_cbor("/sync", Some(&other_dev.session.token), empty.clone()).await, 403, "user_disabled");
    expect!(
        api.send(api.http.post(format!("{}/login", api.url)).json(&login("worker6", "gridpatrol"))).await,
        403,
        "user_disabled"
    );

    // The server still serves everyone else.
    let leader = TestDevice::login(&server, "leader1").await;
    let r = leader.sync().await;
    assert!(r.failures.is_empty());
    assert!(leader.store().get_case(&real, None, 0).is_ok());
    println!("hostile inputs tried: {tried}");
    assert!(tried >= 40, "{tried} hostile inputs");
}
