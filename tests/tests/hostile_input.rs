//! Hostile and broken input against a real server, on both backends. Each
//! attack gets a clear error code and changes nothing: the test compares
//! every table a request could touch (documents, changes, devices, tokens,
//! credentials, photos, uploads, receipts, reference data), the blob
//! folder, and the audit log, which may only gain the refusal itself.

use std::collections::BTreeMap;
use std::path::Path;

use automerge::{ActorId, AutoCommit, ROOT, transaction::Transactable};
use gridpatrol_core::model::{
    Case, CaseEvent, DocKind, EventKind, Links, Location, Patrol, Role, Severity, TrackPoint,
};
use gridpatrol_core::sync::wire::{
    self, DocPush, DocSyncMessage, DocSyncRequest, DocSyncResponse, PROTOCOL_VERSION, SyncRequest, SyncResponse,
};
use gridpatrol_server::storage::StateDigest;
use gridpatrol_tests::api::{Answer, Api};
use gridpatrol_tests::{Backend, TestDevice, TestServer, bombs, fixtures};
use serde_bytes::ByteBuf;

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

fn changes_since(doc: &mut AutoCommit, heads: &[automerge::ChangeHash]) -> Vec<Vec<u8>> {
    doc.get_changes(heads).into_iter().map(|c| c.raw_bytes().to_vec()).collect()
}

fn event(kind: EventKind, actor: &str, role: Role, after: Vec<String>) -> CaseEvent {
    CaseEvent {
        id: gridpatrol_core::ids::new_id(),
        kind,
        actor: actor.into(),
        role,
        at: gridpatrol_core::time::now_ms() - 1000,
        after,
        note: String::new(),
        photos: vec![],
        department: None,
    }
}

fn case_for(id: &str, grid: &str, reporter: &str, role: Role) -> Case {
    let ev = event(EventKind::Reported, reporter, role, vec![]);
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
        created_at: ev.at,
        photos: BTreeMap::new(),
        links: Links::default(),
        events: BTreeMap::from([(ev.id.clone(), ev)]),
    }
}

fn jpeg(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x % 251) as u8, (y % 241) as u8, 90]));
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 60).encode_image(&img).unwrap();
    out
}

/// Every file under the blob folder with its size.
fn blob_files(dir: &Path) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((p.strip_prefix(dir).unwrap().display().to_string(), e.metadata().unwrap().len()));
            }
        }
    }
    out.sort();
    out
}

/// Everything a request could change.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Snapshot {
    digest: StateDigest,
    blobs: Vec<(String, u64)>,
}

async fn snapshot(server: &TestServer) -> Snapshot {
    let mut digest = server.service().storage().digest().await.unwrap();
    digest.audit = 0;
    Snapshot { digest, blobs: blob_files(&server.settings.blob_dir) }
}

/// The attacks, with the state to compare against after each.
struct Catalogue {
    server: TestServer,
    before: Snapshot,
    audit_len: usize,
    tried: usize,
}

impl Catalogue {
    /// Nothing changed; the audit gained at most the refusal `code` (or
    /// nothing, for refusals before anyone is known).
    async fn unchanged(&mut self, code: &str) {
        self.tried += 1;
        let now = snapshot(&self.server).await;
        assert_eq!(now, self.before, "state changed after {code}");
        let audit = self.server.audit().await;
        let new: Vec<_> = audit[..audit.len() - self.audit_len].iter().map(|a| a.action.clone()).collect();
        assert!(
            new.is_empty() || new == [format!("refused:{code}")],
            "after {code} the audit gained {new:?}, not just the refusal"
        );
        self.audit_len = audit.len();
    }

    async fn expect(&mut self, a: Answer, status: u16, code: &str) {
        assert_eq!((a.status, a.code.as_str()), (status, code), "{}", String::from_utf8_lossy(&a.body));
        self.unchanged(code).await;
    }

    async fn refused(&mut self, r: SyncResponse, code: &str) {
        assert!(r.acks.is_empty(), "acked: {:?}", r.acks);
        assert_eq!(r.refused.len(), 1, "{:?}", r.refused);
        assert_eq!(r.refused[0].code, code, "{:?}", r.refused);
        self.unchanged(code).await;
    }

    async fn doc_sync_refused(&mut self, a: Answer, code: &str) {
        assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
        let r: DocSyncResponse = wire::decode(&a.body).unwrap();
        assert!(r.docs.is_empty(), "answered {:?}", r.docs);
        assert_eq!(r.refused.first().map(|r| r.code.as_str()), Some(code), "{:?}", r.refused);
        self.unchanged(code).await;
    }

    /// Accepts what just changed as the new baseline.
    async fn rebase(&mut self) {
        self.before = snapshot(&self.server).await;
        self.audit_len = self.server.audit().await.len();
    }
}

fn doc_sync(id: &str, kind: DocKind, message: Vec<u8>) -> Vec<u8> {
    wire::encode(&DocSyncRequest {
        version: PROTOCOL_VERSION,
        docs: vec![DocSyncMessage { id: id.into(), kind, message: ByteBuf::from(message) }],
    })
}

async fn catalogue(backend: Backend) {
    let server = TestServer::start_with(backend, |s| {
        s.max_body_bytes = 2 << 20;
        s.max_push_docs = 50;
        s.login_max_failures = 3;
        s.max_doc_push_bytes = 256 << 10;
        s.max_doc_bytes = 96 << 10;
        s.max_blob_bytes = 4 << 20;
        s.blob_quota_bytes = 3 << 20;
        s.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    })
    .await;
    let api = Api::new(&server.url);
    let worker = TestDevice::login(&server, "worker1").await;
    let token = worker.session.token.clone();
    let me = worker.session.user.id.clone();
    let grid = worker.grid();
    // A real case with a photo, synced, so there is something to attack.
    let real = worker.report("真实问题", &[&fixtures::photo("gps_DSCN0010.jpg")]);
    worker.sync().await;
    let leader = TestDevice::login(&server, "leader1").await;
    let dept = TestDevice::login(&server, "dept-cg").await;
    let far_worker = TestDevice::login(&server, "worker9").await;
    let before = snapshot(&server).await;
    let audit_len = server.audit().await.len();
    let mut c = Catalogue { server, before, audit_len, tried: 0 };

    // ---- authentication ----
    let empty = wire::encode(&request(vec![]));
    c.expect(api.post_cbor("/sync", None, empty.clone()).await, 401, "missing_token").await;
    c.expect(api.post_cbor("/sync", Some("not-a-token"), empty.clone()).await, 401, "invalid_token").await;
    let basic = api.http.post(format!("{}/sync", api.url)).header("authorization", "Basic abc").body(empty.clone());
    c.expect(api.send(basic).await, 401, "invalid_token").await;
    c.expect(api.post_cbor("/sync", Some(&"x".repeat(10_000)), empty.clone()).await, 401, "invalid_token").await;
    let dev_id = uuid::Uuid::new_v4().to_string();
    c.expect(api.login(&Api::login_body("worker1", "wrong", &dev_id)).await, 401, "wrong_credentials").await;
    c.expect(api.login(&Api::login_body("nobody", "x", &dev_id)).await, 401, "wrong_credentials").await;
    let not_json = api.http.post(format!("{}/login", api.url)).body("{not json");
    c.expect(api.send(not_json).await, 400, "malformed_body").await;
    c.expect(api.login(&Api::login_body("worker2", "gridpatrol", "../../etc")).await, 400, "invalid_device_id").await;
    c.expect(api.login(&Api::login_body(&"w".repeat(5000), "x", &dev_id)).await, 401, "wrong_credentials").await;
    let stats = api.http.get(format!("{}/stats", api.url)).bearer_auth(&token);
    c.expect(api.send(stats).await, 403, "admin_only").await;

    // ---- protocol ----
    let json = api
        .http
        .post(format!("{}/sync", api.url))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{}");
    c.expect(api.send(json).await, 415, "unsupported_content_type").await;
    c.expect(api.post_cbor("/sync", Some(&token), b"\xff\x00garbage".to_vec()).await, 400, "malformed_body").await;
    c.expect(api.post_cbor("/sync", Some(&token), empty[..empty.len() - 1].to_vec()).await, 400, "malformed_body")
        .await;
    c.expect(api.post_cbor("/sync", Some(&token), vec![0x81; 50_000]).await, 400, "malformed_body").await;
    let wrong_version = SyncRequest { version: 1, ..request(vec![]) };
    c.expect(api.post_cbor("/sync", Some(&token), wire::encode(&wrong_version)).await, 400, "unsupported_version")
        .await;
    let many: Vec<DocPush> = (0..51).map(|_| push(&gridpatrol_core::ids::new_id(), DocKind::Case, vec![])).collect();
    c.expect(api.post_cbor("/sync", Some(&token), wire::encode(&request(many))).await, 413, "too_many_documents").await;
    c.expect(api.post_cbor("/sync", Some(&token), vec![0u8; 3 << 20]).await, 413, "body_too_large").await;
    let bad_docsync = DocSyncRequest { version: 7, docs: vec![] };
    c.expect(api.post_cbor("/sync/docs", Some(&token), wire::encode(&bad_docsync)).await, 400, "unsupported_version")
        .await;

    // ---- documents that do not parse ----
    let id = gridpatrol_core::ids::new_id();
    c.refused(
        api.sync(&token, &request(vec![push(&id, DocKind::Case, vec![b"garbage".to_vec()])])).await,
        "malformed_automerge",
    )
    .await;
    let mut good = case_for(&id, &grid, &me, Role::GridWorker).to_new_doc(&ActorId::random()).unwrap();
    let good_changes = changes_of(&mut good);
    let truncated: Vec<Vec<u8>> = good_changes.iter().map(|c| c[..c.len() / 2].to_vec()).collect();
    c.refused(api.sync(&token, &request(vec![push(&id, DocKind::Case, truncated)])).await, "malformed_automerge").await;
    let mut flipped = good_changes.clone();
    let n = flipped[0].len();
    flipped[0][n - 3] ^= 0xFF;
    c.refused(api.sync(&token, &request(vec![push(&id, DocKind::Case, flipped)])).await, "malformed_automerge").await;
    c.refused(
        api.sync(&token, &request(vec![push("../../etc/passwd", DocKind::Case, good_changes.clone())])).await,
        "invalid_id",
    )
    .await;
    let other = gridpatrol_core::ids::new_id();
    c.refused(api.sync(&token, &request(vec![push(&other, DocKind::Case, good_changes.clone())])).await, "wrong_id")
        .await;
    c.refused(api.sync(&token, &request(vec![push(&id, DocKind::Patrol, good_changes.clone())])).await, "wrong_kind")
        .await;
    let mut not_a_case = AutoCommit::new();
    not_a_case.put(ROOT, "hello", "world").unwrap();
    c.refused(
        api.sync(&token, &request(vec![push(&id, DocKind::Case, changes_of(&mut not_a_case))])).await,
        "invalid_document",
    )
    .await;
    // Inputs the fuzzer found that make Automerge itself panic, or allocate
    // gigabytes: refused, and the server keeps serving.
    let fuzz_dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/regressions");
    for (name, code) in [
        ("doc_ingest-automerge-import-ops-panic.bin", "malformed_automerge"),
        ("doc_ingest-hexane-rle-decoder-panic.bin", "malformed_automerge"),
        ("doc_ingest-automerge-bundle-oom.bin", "chunk_refused"),
    ] {
        let bytes = std::fs::read(fuzz_dir.join(name)).unwrap();
        let r = api.sync(&token, &request(vec![push(&id, DocKind::Case, vec![bytes.clone()])])).await;
        assert_eq!(r.refused.len(), 1, "{name}");
        assert!(
            ["malformed_automerge", "chunk_refused", "too_large"].contains(&r.refused[0].code.as_str()),
            "{name}: {:?}",
            r.refused
        );
        let code_seen = r.refused[0].code.clone();
        c.unchanged(&code_seen).await;
        let a = api.post_cbor("/sync/docs", Some(&token), doc_sync(&id, DocKind::Case, bytes)).await;
        c.doc_sync_refused(a, "malformed_automerge").await;
        let _ = code;
    }

    // ---- bombs: small on the wire, huge if Automerge expanded them ----
    let deflate_bomb = bombs::deflate_bomb(64 << 20);
    c.refused(
        api.sync(&token, &request(vec![push(&id, DocKind::Case, vec![deflate_bomb.clone()])])).await,
        "too_large",
    )
    .await;
    let mut saved = good.clone();
    let bundle = bombs::bundle_of(&saved.save());
    let a = api
        .post_cbor("/sync/docs", Some(&token), doc_sync(&id, DocKind::Case, bombs::sync_message(&[bundle], None)))
        .await;
    c.doc_sync_refused(a, "chunk_refused").await;
    let huge_column = bombs::document_with_huge_column(64 << 20);
    let a = api
        .post_cbor("/sync/docs", Some(&token), doc_sync(&id, DocKind::Case, bombs::sync_message(&[huge_column], None)))
        .await;
    c.doc_sync_refused(a, "too_large").await;
    let rows = bombs::document_with_row_bomb(1 << 32);
    let a = api
        .post_cbor("/sync/docs", Some(&token), doc_sync(&id, DocKind::Case, bombs::sync_message(&[rows], None)))
        .await;
    c.doc_sync_refused(a, "too_large").await;
    let probes = bombs::sync_message(&[], Some((1, 10, 1 << 30)));
    let a = api.post_cbor("/sync/docs", Some(&token), doc_sync(&id, DocKind::Case, probes)).await;
    c.doc_sync_refused(a, "chunk_refused").await;
    let in_sync = bombs::sync_message(&[bombs::deflate_bomb(64 << 20)], None);
    let a = api.post_cbor("/sync/docs", Some(&token), doc_sync(&id, DocKind::Case, in_sync)).await;
    c.doc_sync_refused(a, "too_large").await;
    // Too many change bytes for one document in one push.
    let heavy = vec![good_changes[0].clone(); 1000];
    c.refused(api.sync(&token, &request(vec![push(&id, DocKind::Case, heavy)])).await, "too_large").await;

    // ---- documents that parse but break the rules ----
    let refuse_case = |case: Case| {
        let mut doc = case.to_new_doc(&ActorId::random()).unwrap();
        request(vec![push(&case.id, DocKind::Case, changes_of(&mut doc))])
    };
    c.refused(api.sync(&token, &refuse_case(case_for(&id, "QS03-G01", &me, Role::GridWorker))).await, "out_of_scope")
        .await;
    c.refused(
        api.sync(&token, &refuse_case(case_for(&id, &grid, "u-worker2", Role::GridWorker))).await,
        "impersonation",
    )
    .await;
    c.refused(api.sync(&token, &refuse_case(case_for(&id, &grid, &me, Role::Admin))).await, "impersonation").await;
    let mut unknown = case_for(&id, &grid, &me, Role::GridWorker);
    unknown.category = "X9999".into();
    c.refused(api.sync(&token, &refuse_case(unknown)).await, "unknown_category").await;
    let mut future = case_for(&id, &grid, &me, Role::GridWorker);
    future.created_at += 86_400_000;
    future.events.values_mut().for_each(|e| e.at += 86_400_000);
    c.refused(api.sync(&token, &refuse_case(future)).await, "implausible_time").await;
    let mut rekeyed = case_for(&id, &grid, &me, Role::GridWorker);
    let (_, e) = rekeyed.events.pop_first().unwrap();
    rekeyed.events.insert(gridpatrol_core::ids::new_id(), e);
    c.refused(api.sync(&token, &refuse_case(rekeyed)).await, "bad_event_log").await;
    let mut dangling = case_for(&id, &grid, &me, Role::GridWorker);
    let e = event(EventKind::Escalated, &me, Role::GridWorker, vec![gridpatrol_core::ids::new_id()]);
    dangling.events.insert(e.id.clone(), e);
    c.refused(api.sync(&token, &refuse_case(dangling)).await, "bad_event_log").await;
    let mut cyclic = case_for(&id, &grid, &me, Role::GridWorker);
    let (mut a, mut b) = (
        event(EventKind::Escalated, &me, Role::GridWorker, vec![]),
        event(EventKind::Escalated, &me, Role::GridWorker, vec![]),
    );
    a.after = vec![b.id.clone()];
    b.after = vec![a.id.clone()];
    cyclic.events.extend([(a.id.clone(), a), (b.id.clone(), b)]);
    c.refused(api.sync(&token, &refuse_case(cyclic)).await, "bad_event_log").await;
    let mut smuggled = case_for(&id, &grid, &me, Role::GridWorker).to_new_doc(&ActorId::random()).unwrap();
    smuggled.put(ROOT, "payload", "carried to every phone").unwrap();
    c.refused(
        api.sync(&token, &request(vec![push(&id, DocKind::Case, changes_of(&mut smuggled))])).await,
        "unknown_field",
    )
    .await;
    // A department never creates a case.
    let dept_user = dept.session.user.id.clone();
    c.refused(
        api.sync(&dept.session.token, &refuse_case(case_for(&id, &grid, &dept_user, Role::Department))).await,
        "out_of_scope",
    )
    .await;
    // Changes whose history the server lacks.
    let mut base = case_for(&id, &grid, &me, Role::GridWorker).to_new_doc(&ActorId::random()).unwrap();
    let head0 = base.get_heads();
    base.put(ROOT, "title", "x").unwrap();
    let tail = changes_since(&mut base, &head0);
    c.refused(api.sync(&token, &request(vec![push(&id, DocKind::Case, tail)])).await, "missing_deps").await;

    // ---- rewriting a real case ----
    let (mut doc, _) = worker.store().doc_for_sync(&real).unwrap();
    let acked = doc.get_heads();
    let case = Case::from_doc(&doc).unwrap();
    let heads = gridpatrol_core::workflow::derive(&case).heads;
    let mut ev = case.events.values().next().unwrap().clone();
    ev.note = "改写历史".into();
    Case::append_event(&mut doc, &ev).unwrap();
    c.refused(
        api.sync(&token, &request(vec![push(&real, DocKind::Case, changes_since(&mut doc, &acked))])).await,
        "event_rewritten",
    )
    .await;
    let (mut doc, _) = worker.store().doc_for_sync(&real).unwrap();
    let mut p = case.photos.values().next().unwrap().clone();
    p.role = gridpatrol_core::model::PhotoRole::After;
    Case::add_photo(&mut doc, &p).unwrap();
    c.refused(
        api.sync(&token, &request(vec![push(&real, DocKind::Case, changes_since(&mut doc, &acked))])).await,
        "photo_rewritten",
    )
    .await;
    let (mut doc, _) = worker.store().doc_for_sync(&real).unwrap();
    autosurgeon::reconcile_prop(&mut doc, ROOT, "category", "E0505").unwrap();
    c.refused(
        api.sync(&token, &request(vec![push(&real, DocKind::Case, changes_since(&mut doc, &acked))])).await,
        "header_not_permitted",
    )
    .await;
    // Steps beyond the writer's duty, on the real case.
    let step = |kind: EventKind, who: &TestDevice, department: Option<&str>| {
        let (mut doc, _) = worker.store().doc_for_sync(&real).unwrap();
        let mut e = event(kind, &who.session.user.id, who.session.user.role, heads.clone());
        e.department = department.map(str::to_owned);
        Case::append_event(&mut doc, &e).unwrap();
        request(vec![push(&real, DocKind::Case, changes_since(&mut doc, &acked))])
    };
    c.refused(api.sync(&token, &step(EventKind::Dispatched, &worker, Some("D-CG"))).await, "role_not_permitted").await;
    c.refused(api.sync(&token, &step(EventKind::Closed, &worker, None)).await, "not_allowed_in_state").await;
    c.refused(
        api.sync(&leader.session.token, &step(EventKind::Escalated, &leader, Some("D-CG"))).await,
        "invalid_document",
    )
    .await;
    c.refused(
        api.sync(&leader.session.token, &step(EventKind::Dispatched, &leader, Some("D-NOPE"))).await,
        "not_allowed_in_state",
    )
    .await;
    c.refused(api.sync(&dept.session.token, &step(EventKind::Handled, &dept, Some("D-CG"))).await, "out_of_scope")
        .await;

    // ---- patrols ----
    let patrol = {
        let actor = worker.actor();
        worker.store().start_patrol(&actor, gridpatrol_core::model::PatrolKind::Morning, &grid, vec![]).unwrap().patrol
    };
    worker.sync().await;
    c.rebase().await;
    let (mut pdoc, _) = worker.store().doc_for_sync(&patrol.id).unwrap();
    let pheads = pdoc.get_heads();
    let point = TrackPoint { at: gridpatrol_core::time::now_ms(), lat: 30.276, lon: 120.16, accuracy_m: Some(4.0) };
    Patrol::push_track(&mut pdoc, &[point]).unwrap();
    let added = changes_since(&mut pdoc, &pheads);
    let other = TestDevice::login(&c.server, "worker2").await;
    c.rebase().await;
    c.refused(
        api.sync(&other.session.token, &request(vec![push(&patrol.id, DocKind::Patrol, added)])).await,
        "not_a_member",
    )
    .await;
    let (mut pdoc, _) = worker.store().doc_for_sync(&patrol.id).unwrap();
    autosurgeon::reconcile_prop(&mut pdoc, ROOT, "team", vec!["u-worker1", "u-worker3"]).unwrap();
    c.refused(
        api.sync(&token, &request(vec![push(&patrol.id, DocKind::Patrol, changes_since(&mut pdoc, &pheads))])).await,
        "patrol_rewritten",
    )
    .await;
    // A patrol that grows past the document limit, push by push.
    let (mut pdoc, _) = worker.store().doc_for_sync(&patrol.id).unwrap();
    let mut heads_now = pheads.clone();
    let mut grew = false;
    for round in 0..40 {
        let pts: Vec<TrackPoint> = (0..200)
            .map(|i| TrackPoint {
                at: point.at + round * 200 + i,
                lat: 30.27 + i as f64 * 1e-6,
                lon: 120.16,
                accuracy_m: Some(3.0),
            })
            .collect();
        Patrol::push_track(&mut pdoc, &pts).unwrap();
        let mut push_one = push(&patrol.id, DocKind::Patrol, changes_since(&mut pdoc, &heads_now));
        push_one.heads = wire::to_wire(&pdoc.get_heads());
        let r = api.sync(&token, &request(vec![push_one])).await;
        if let Some(refusal) = r.refused.first() {
            assert_eq!(refusal.code, "too_large", "{:?}", r.refused);
            grew = true;
            break;
        }
        heads_now = pdoc.get_heads();
    }
    assert!(grew, "the patrol never hit the document size limit");
    c.rebase().await;

    // ---- a refused document does not stop the rest of the batch ----
    let fine_id = gridpatrol_core::ids::new_id();
    let mut fine = case_for(&fine_id, &grid, &me, Role::GridWorker).to_new_doc(&ActorId::random()).unwrap();
    let batch = request(vec![
        push(&id, DocKind::Case, vec![b"junk".to_vec()]),
        push(&fine_id, DocKind::Case, changes_of(&mut fine)),
    ]);
    let r = api.sync(&token, &batch).await;
    c.tried += 1;
    assert_eq!((r.acks.len(), r.refused.len()), (1, 1));
    assert_eq!(r.acks[0].id, fine_id);
    c.rebase().await;
    // A replayed request is idempotent: acknowledged, nothing new stored.
    let r = api.sync(&token, &request(vec![push(&fine_id, DocKind::Case, changes_of(&mut fine))])).await;
    assert_eq!(r.acks.len(), 1);
    c.unchanged("replay").await;

    // ---- reading outside the scope ----
    let photo = case.photos.values().next().unwrap().clone();
    let far = api.http.get(format!("{}/blobs/{}", api.url, photo.hash)).bearer_auth(&far_worker.session.token);
    c.expect(api.send(far).await, 404, "not_found").await;
    let far_status =
        api.http.get(format!("{}/blobs/{}/status", api.url, photo.hash)).bearer_auth(&far_worker.session.token);
    let a = api.send(far_status).await;
    assert_eq!(a.status, 200);
    let s: wire::BlobStatus = serde_json::from_slice(&a.body).unwrap();
    assert_eq!(s, wire::BlobStatus { received: 0, complete: false }, "the status says nothing to outsiders");
    let own = api.send(api.http.get(format!("{}/blobs/{}", api.url, photo.hash)).bearer_auth(&token)).await;
    assert_eq!(own.status, 200, "the owner's area may read it");
    let (mut real_doc, _) = worker.store().doc_for_sync(&real).unwrap();
    let msg =
        automerge::sync::SyncDoc::generate_sync_message(&real_doc.sync(), &mut automerge::sync::State::new()).unwrap();
    let a = api.post_cbor("/sync/docs", Some(&dept.session.token), doc_sync(&real, DocKind::Case, msg.encode())).await;
    c.doc_sync_refused(a, "out_of_scope").await;
    dept.sync().await;
    assert_eq!(dept.store().list_cases(&Default::default(), 0).unwrap().total, 0, "nothing dispatched, nothing seen");
    c.rebase().await;

    // ---- photos ----
    let blob = |h: &str, q: &str| format!("{}/blobs/{h}{q}", api.url);
    for bad in ["..%2F..%2Fetc%2Fpasswd", "abc", &"G".repeat(64), &"A".repeat(64)] {
        c.expect(api.send(api.http.get(blob(bad, "/status")).bearer_auth(&token)).await, 400, "invalid_blob_id").await;
    }
    let put = |h: &str, offset: u64, total: u64, body: Vec<u8>, who: &str| {
        api.http.put(blob(h, &format!("?offset={offset}&total={total}"))).bearer_auth(who.to_owned()).body(body)
    };
    let data = b"not really a photo".to_vec();
    let h = gridpatrol_core::photo::sha256_hex(&data);
    let bad_chunk = put(&h, 0, 18, data.clone(), &token).header("x-chunk-sha256", "00".repeat(32));
    c.expect(api.send(bad_chunk).await, 400, "chunk_hash_mismatch").await;
    let wrong = gridpatrol_core::photo::sha256_hex(b"other");
    c.expect(api.send(put(&wrong, 0, 18, data.clone(), &token)).await, 400, "hash_mismatch").await;
    c.expect(api.send(put(&h, 0, 18, data.clone(), &token)).await, 400, "invalid_image").await;
    let mut png = Vec::new();
    image::RgbImage::new(8, 8).write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
    let hp = gridpatrol_core::photo::sha256_hex(&png);
    c.expect(api.send(put(&hp, 0, png.len() as u64, png.clone(), &token)).await, 400, "invalid_image").await;
    let wide = jpeg(3000, 20);
    let hw = gridpatrol_core::photo::sha256_hex(&wide);
    c.expect(api.send(put(&hw, 0, wide.len() as u64, wide.clone(), &token)).await, 400, "invalid_image").await;
    let a = api.send(put(&h, 5, 18, data.clone(), &token)).await;
    assert_eq!(a.status, 409, "a chunk past the end is told where to resume");
    c.unchanged("offset_mismatch").await;
    c.expect(api.send(put(&h, 0, 999_999_999_999, data.clone(), &token)).await, 413, "blob_too_large").await;
    c.expect(api.send(put(&h, 0, 4, data.clone(), &token)).await, 400, "size_mismatch").await;
    c.expect(api.send(api.http.get(blob(&h, "")).bearer_auth(&token)).await, 404, "not_found").await;
    c.expect(api.send(put(&h, 0, 3_500_000, data[..4].to_vec(), &token)).await, 507, "quota_exceeded").await;
    // An upload in progress belongs to its device: another's chunks never touch it.
    let photo2 = jpeg(600, 400);
    let h2 = gridpatrol_core::photo::sha256_hex(&photo2);
    let total = photo2.len() as u64;
    let a = api.send(put(&h2, 0, total, photo2[..1000].to_vec(), &token)).await;
    assert_eq!(a.status, 200);
    c.rebase().await;
    c.expect(api.send(put(&h2, 0, total + 7, photo2[..1000].to_vec(), &token)).await, 400, "size_mismatch").await;
    let mine_before = blob_files(&c.server.settings.blob_dir);
    let theirs = api.send(put(&h2, 0, total, b"sabotage".repeat(10), &other.session.token)).await;
    assert_eq!(theirs.status, 200, "another device starts an upload of its own");
    let status = api.send(api.http.get(blob(&h2, "/status")).bearer_auth(&token)).await;
    let s: wire::BlobStatus = serde_json::from_slice(&status.body).unwrap();
    assert_eq!(s.received, 1000, "my upload is as I left it");
    let mine: Vec<_> =
        blob_files(&c.server.settings.blob_dir).into_iter().filter(|f| mine_before.contains(f)).collect();
    assert_eq!(mine, mine_before, "none of my bytes changed");
    let done = api.send(put(&h2, 1000, total, photo2[1000..].to_vec(), &token)).await;
    let s: wire::BlobStatus = serde_json::from_slice(&done.body).unwrap();
    assert!(s.complete, "{}", String::from_utf8_lossy(&done.body));
    c.tried += 1;
    c.rebase().await;

    // ---- revoked devices and disabled users ----
    let cli = gridpatrol_server::service::audit::Actor::cli();
    let victim = TestDevice::login(&c.server, "worker5").await;
    let victim_id = victim.store().device_id().to_owned();
    c.server.service().revoke_device(&cli, &victim_id).await.unwrap();
    c.rebase().await;
    c.expect(api.post_cbor("/sync", Some(&victim.session.token), empty.clone()).await, 401, "device_revoked").await;
    c.expect(api.login(&Api::login_body("worker5", "gridpatrol", &victim_id)).await, 401, "device_revoked").await;
    let other_dev = TestDevice::login(&c.server, "worker6").await;
    c.server.service().set_disabled(&cli, "worker6", true).await.unwrap();
    c.rebase().await;
    c.expect(api.post_cbor("/sync", Some(&other_dev.session.token), empty.clone()).await, 403, "user_disabled").await;
    c.expect(api.login(&Api::login_body("worker6", "gridpatrol", &dev_id)).await, 403, "user_disabled").await;

    // ---- guessing: locked per user name and address ----
    let from = |addr: &str, password: &str| {
        api.http
            .post(format!("{}/login", api.url))
            .header("x-forwarded-for", addr)
            .json(&Api::login_body("worker2", password, &dev_id))
    };
    for _ in 0..3 {
        let a = api.send(from("10.0.0.66", "guess")).await;
        assert_eq!(a.code, "wrong_credentials");
    }
    c.rebase().await;
    c.expect(api.send(from("10.0.0.66", "gridpatrol")).await, 429, "too_many_attempts").await;
    let elsewhere = api.send(from("10.0.0.7", "gridpatrol")).await;
    assert_eq!(elsewhere.status, 200, "the real user, from another address, is not locked out");

    // The server still serves everyone else.
    let r = leader.sync().await;
    assert!(r.failures.is_empty(), "{:?}", r.failures);
    assert!(leader.store().get_case(&real, None, 0).is_ok());
    println!("hostile inputs tried on {backend:?}: {}", c.tried);
    assert!(c.tried >= 70, "{} hostile inputs", c.tried);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_refuses_hostile_input_and_changes_nothing() {
    catalogue(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_refuses_hostile_input_and_changes_nothing() {
    catalogue(Backend::Postgres).await;
}
