//! One conformance suite for the server's storage trait, run against both
//! implementations: SQLite and PostgreSQL.

use std::collections::BTreeSet;
use std::sync::Arc;

use automerge::{AutoCommit, ROOT, transaction::Transactable};
use gridpatrol_core::model::{DocKind, Scope};
use gridpatrol_server::storage::{
    self, AuditEntry, AuditQuery, BlobRecord, CommitOutcome, CommitRef, Credentials, Device, DocWrite, Receipt,
    Storage, Token, Upload,
};

async fn open(backend: &str) -> (Arc<dyn Storage>, Option<tempfile::TempDir>) {
    match backend {
        "sqlite" => {
            let dir = tempfile::tempdir().unwrap();
            let url = format!("sqlite://{}", dir.path().join("s.sqlite").display());
            (storage::open(&url, None).await.unwrap(), Some(dir))
        }
        _ => (storage::open(&gridpatrol_tests::server::fresh_pg_database().await, None).await.unwrap(), None),
    }
}

/// Changes as the storage takes them: (hash, raw bytes).
type Changes = Vec<([u8; 32], Vec<u8>)>;

fn doc_with_changes(n: usize) -> (AutoCommit, Changes) {
    let mut doc = AutoCommit::new();
    for i in 0..n {
        doc.put(ROOT, format!("k{i}"), i as i64).unwrap();
        doc.commit();
    }
    let changes = doc.get_changes(&[]).into_iter().map(|c| (c.hash().0, c.raw_bytes().to_vec())).collect();
    (doc, changes)
}

fn line(action: &str, subject: &str) -> AuditEntry {
    AuditEntry {
        at: 5,
        user_id: "u".into(),
        device_id: "d".into(),
        addr: "10.0.0.1".into(),
        action: action.into(),
        subject: subject.into(),
        detail: String::new(),
    }
}

fn write(id: &str, grid: &str, expected: Option<u64>, changes: Changes) -> DocWrite {
    DocWrite {
        id: id.into(),
        kind: DocKind::Case,
        grid: grid.into(),
        departments: vec![],
        status: "reported".into(),
        expected_seq: expected,
        changes,
        blobs: vec![],
        receipts: vec![],
        audit: line("push", id),
    }
}

fn grids(g: &[&str]) -> Scope {
    Scope::Grids { grids: g.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>() }
}

fn seq(o: CommitOutcome) -> u64 {
    match o {
        CommitOutcome::Committed(c) => c.seq,
        CommitOutcome::Conflict => panic!("conflict"),
    }
}

async fn accounts(s: &dyn Storage) {
    let cred = Credentials {
        user_id: "u1".into(),
        username: "w".into(),
        password_hash: "h".into(),
        disabled: false,
        must_change: true,
    };
    s.put_credentials(&cred).await.unwrap();
    s.put_credentials(&Credentials { password_hash: "h2".into(), ..cred.clone() }).await.unwrap();
    assert_eq!(s.credentials("w").await.unwrap().unwrap().password_hash, "h2");
    assert!(s.credentials("w").await.unwrap().unwrap().must_change);
    assert!(s.credentials("nobody").await.unwrap().is_none());

    let dev =
        Device { id: "dev1".into(), first_user: "u1".into(), name: "phone".into(), created_at: 1, revoked_at: None };
    s.register_device(&dev).await.unwrap();
    // A second registration (another user's login) changes nothing.
    s.register_device(&Device { first_user: "u2".into(), name: "other".into(), ..dev.clone() }).await.unwrap();
    assert_eq!(s.device("dev1").await.unwrap().unwrap(), dev);
    let token = |hash: &str, user: &str| Token {
        hash: hash.into(),
        device_id: "dev1".into(),
        user_id: user.into(),
        created_at: 1,
        last_used_at: 1,
        expires_at: 100,
        revoked_at: None,
    };
    s.add_token(&token("t1", "u1")).await.unwrap();
    s.add_token(&token("t2", "u2")).await.unwrap();
    let info = s.token("t1").await.unwrap().unwrap();
    assert!(!info.device_revoked && !info.user_disabled);
    assert!(s.token("t2").await.unwrap().unwrap().user_disabled, "a token of a user without credentials is dead");
    s.touch_token("t1", 50, 150).await.unwrap();
    s.touch_token("t1", 60, 120).await.unwrap();
    let t = s.token("t1").await.unwrap().unwrap().token;
    assert_eq!((t.last_used_at, t.expires_at), (60, 150), "expiry only moves forward");
    s.put_credentials(&Credentials { disabled: true, ..cred.clone() }).await.unwrap();
    assert!(s.token("t1").await.unwrap().unwrap().user_disabled);
    s.put_credentials(&cred).await.unwrap();
    assert!(s.revoke_token("t1", 70).await.unwrap());
    assert!(!s.revoke_token("t1", 71).await.unwrap(), "once");
    assert_eq!(s.token("t1").await.unwrap().unwrap().token.revoked_at, Some(70));
    s.add_token(&token("t3", "u1")).await.unwrap();
    assert_eq!(s.revoke_user_tokens("u1", 80).await.unwrap(), 1);
    assert!(s.revoke_device("dev1", 90).await.unwrap());
    assert!(!s.revoke_device("nope", 90).await.unwrap());
    assert!(s.token("t2").await.unwrap().unwrap().device_revoked);
    assert_eq!(s.tokens_of_device("dev1").await.unwrap().iter().filter(|t| t.revoked_at.is_none()).count(), 0);
    // A later registration never un-revokes.
    s.register_device(&dev).await.unwrap();
    assert_eq!(s.device("dev1").await.unwrap().unwrap().revoked_at, Some(90));
    assert_eq!(s.devices().await.unwrap().len(), 1);

    // The throttle: per user name and address, locked at the limit.
    assert!(s.login_failures("w", "1.1.1.1").await.unwrap().is_none());
    for i in 1..=2 {
        let f = s.record_login_failure("w", "1.1.1.1", 1000, 3, 60_000).await.unwrap();
        assert_eq!((f.failures, f.locked_until), (i, None));
    }
    let f = s.record_login_failure("w", "1.1.1.1", 1000, 3, 60_000).await.unwrap();
    assert_eq!(f.locked_until, Some(61_000));
    assert!(s.login_failures("w", "2.2.2.2").await.unwrap().is_none(), "another address is not locked");
    s.clear_login_failures("w", "1.1.1.1").await.unwrap();
    assert!(s.login_failures("w", "1.1.1.1").await.unwrap().is_none());
    s.record_login_failure("w", "3.3.3.3", 10, 3, 60_000).await.unwrap();
    assert_eq!(s.prune_login_failures(100).await.unwrap(), 1);
}

async fn blobs(s: &dyn Storage) {
    let hash = "ab".repeat(32);
    let up = Upload {
        device_id: "dev1".into(),
        hash: hash.clone(),
        user_id: "u1".into(),
        total: 1000,
        started_at: 10,
        updated_at: 10,
    };
    s.put_upload(&up).await.unwrap();
    s.put_upload(&Upload { updated_at: 20, total: 5, ..up.clone() }).await.unwrap();
    let got = s.upload("dev1", &hash).await.unwrap().unwrap();
    assert_eq!((got.total, got.updated_at), (1000, 20), "the declared size never changes");
    assert!(s.upload("dev2", &hash).await.unwrap().is_none(), "uploads are per device");
    assert_eq!(s.usage("u1").await.unwrap(), 1000);
    assert_eq!(s.stale_uploads(15, 10).await.unwrap().len(), 0);
    assert_eq!(s.stale_uploads(25, 10).await.unwrap().len(), 1);
    let record = BlobRecord {
        hash: hash.clone(),
        bytes: 1000,
        width: 64,
        height: 48,
        user_id: "u1".into(),
        device_id: "dev1".into(),
        completed_at: 30,
    };
    s.put_blob(&record, &line("blob", &hash)).await.unwrap();
    assert_eq!(s.blob(&hash).await.unwrap().unwrap(), record);
    assert!(s.upload("dev1", &hash).await.unwrap().is_none(), "a finished upload ends");
    assert_eq!(s.usage("u1").await.unwrap(), 1000);
    assert_eq!(s.blob_hashes("", 10).await.unwrap(), vec![hash.clone()]);
    assert!(s.blob_hashes(&hash, 10).await.unwrap().is_empty());
    s.forget_blob(&hash).await.unwrap();
    assert!(s.blob(&hash).await.unwrap().is_none());
    s.delete_upload("dev1", &hash).await.unwrap();
}

async fn conformance(backend: &str) {
    let (s, _dir) = open(backend).await;
    s.migrate().await.unwrap(); // idempotent

    // Reference data is versioned.
    assert!(s.reference().await.unwrap().is_none());
    let r = gridpatrol_core::demo::reference();
    assert_eq!(s.put_reference(&r).await.unwrap(), 1);
    assert_eq!(s.put_reference(&r).await.unwrap(), 2);
    assert_eq!(s.reference().await.unwrap().unwrap(), (2, r));

    accounts(s.as_ref()).await;
    blobs(s.as_ref()).await;

    // Commits: new, duplicate new, stale, idempotent changes; each with a tag.
    let (mut doc, changes) = doc_with_changes(3);
    assert_eq!(s.head().await.unwrap(), CommitRef::default());
    let first = match s.commit_doc(&write("a", "G1", None, changes[..2].to_vec())).await.unwrap() {
        CommitOutcome::Committed(c) => c,
        other => panic!("{other:?}"),
    };
    assert_eq!(first.seq, 1);
    assert_ne!(first.tag, 0);
    assert_eq!(s.head().await.unwrap(), first);
    assert_eq!(s.commit_tag(1).await.unwrap(), Some(first.tag));
    assert_eq!(s.commit_tag(2).await.unwrap(), None);
    assert_eq!(s.commit_doc(&write("a", "G1", None, changes[..2].to_vec())).await.unwrap(), CommitOutcome::Conflict);
    assert_eq!(s.commit_doc(&write("a", "G1", Some(7), changes.clone())).await.unwrap(), CommitOutcome::Conflict);
    // Re-sending changes already stored does not duplicate them; receipts are kept.
    let mut w = write("a", "G2", Some(1), changes.clone());
    w.receipts = vec![Receipt { event_id: "e1".into(), device_at: 42 }];
    assert_eq!(seq(s.commit_doc(&w).await.unwrap()), 2);
    let receipts = s.receipts("a").await.unwrap();
    assert_eq!(receipts.len(), 1);
    assert_eq!(receipts[0].0, "e1");
    assert_eq!(receipts[0].1, w.audit.at, "received when the commit was audited");
    let pulled = s.changes_since(&["a".into()], 0).await.unwrap();
    assert_eq!(pulled.len(), 3);
    let stored = s.load_doc("a").await.unwrap().unwrap();
    assert_eq!((stored.meta.grid.as_str(), stored.meta.seq, stored.meta.created_seq), ("G2", 2, 1));
    let total: u64 = changes.iter().map(|(_, b)| b.len() as u64).sum();
    assert_eq!(stored.meta.bytes, total, "the document's size counts each change once");
    let mut loaded = AutoCommit::load(&stored.bytes).unwrap();
    assert_eq!(loaded.get_heads(), doc.get_heads());
    assert!(s.load_doc("missing").await.unwrap().is_none());

    // Only changes after the cursor.
    assert_eq!(s.changes_since(&["a".into()], 1).await.unwrap().len(), 1);

    // Scope filters and the cursor window.
    let (_, c2) = doc_with_changes(1);
    let mut dept_write = write("b", "G9", None, c2);
    dept_write.departments = vec!["D1".into()];
    dept_write.blobs = vec!["ab".repeat(32)];
    s.commit_doc(&dept_write).await.unwrap();
    let upto = s.head().await.unwrap().seq;
    assert_eq!(upto, 3);
    let ids = |v: Vec<gridpatrol_server::storage::DocMeta>| v.into_iter().map(|m| m.id).collect::<Vec<_>>();
    assert_eq!(ids(s.changed_since(0, upto, &Scope::All, 10).await.unwrap()), vec!["a", "b"]);
    assert_eq!(ids(s.changed_since(0, upto, &grids(&["G2"]), 10).await.unwrap()), vec!["a"]);
    assert_eq!(ids(s.changed_since(0, upto, &grids(&["G1"]), 10).await.unwrap()), Vec::<String>::new());
    let dept = Scope::Department { department: "D1".into() };
    assert_eq!(ids(s.changed_since(0, upto, &dept, 10).await.unwrap()), vec!["b"]);
    assert_eq!(ids(s.changed_since(2, upto, &Scope::All, 10).await.unwrap()), vec!["b"]);
    assert_eq!(ids(s.changed_since(0, 2, &Scope::All, 10).await.unwrap()), vec!["a"]);
    assert_eq!(ids(s.changed_since(0, upto, &Scope::All, 1).await.unwrap()), vec!["a"]);
    let metas = s.doc_metas(&["b".into(), "zz".into()]).await.unwrap();
    assert_eq!(metas.len(), 1);
    assert_eq!(metas[0].departments, vec!["D1"]);
    // A re-dispatch replaces the department.
    let (_, c3) = doc_with_changes(2);
    let mut moved = write("b", "G9", Some(3), c3);
    moved.departments = vec!["D2".into()];
    s.commit_doc(&moved).await.unwrap();
    assert_eq!(s.doc_metas(&["b".into()]).await.unwrap()[0].departments, vec!["D2"]);
    assert!(ids(s.changed_since(0, 10, &dept, 10).await.unwrap()).is_empty(), "the old department no longer sees it");

    // Blob visibility follows scope; a blob referenced but not held is wanted.
    let blob = "ab".repeat(32);
    let d2 = Scope::Department { department: "D2".into() };
    assert!(s.blob_visible(&blob, &d2).await.unwrap());
    assert!(!s.blob_visible(&blob, &dept).await.unwrap());
    assert!(s.blob_visible(&blob, &Scope::All).await.unwrap());
    assert!(!s.blob_visible(&blob, &grids(&["G2"])).await.unwrap());
    assert!(!s.blob_visible(&"cd".repeat(32), &Scope::All).await.unwrap());
    assert_eq!(s.wanted_blobs(&Scope::All, 10).await.unwrap(), vec![blob.clone()]);
    assert!(s.wanted_blobs(&grids(&["G2"]), 10).await.unwrap().is_empty());

    // Compaction keeps every change loadable.
    assert!(s.compaction_candidates(3, 10).await.unwrap().contains(&"a".to_string()));
    s.put_snapshot("a", &loaded.save(), 2).await.unwrap();
    assert!(s.compaction_candidates(1, 10).await.unwrap().iter().all(|id| id != "a"));
    let (_, more) = doc_with_changes(4);
    s.commit_doc(&write("a", "G2", Some(2), more.clone())).await.unwrap();
    let stored = s.load_doc("a").await.unwrap().unwrap();
    let mut after = AutoCommit::load(&stored.bytes).unwrap();
    for h in loaded.get_heads().into_iter().chain(more.iter().map(|(h, _)| automerge::ChangeHash(*h))) {
        assert!(after.get_change_by_hash(&h).is_some(), "change {h} lost across compaction");
    }

    // The audit log: pushes in their commits' transactions, refusals, filters.
    s.audit_write(&line("refused:out_of_scope", "x")).await.unwrap();
    let all = s.audit(&AuditQuery { limit: 100, ..Default::default() }).await.unwrap();
    assert_eq!(all[0].action, "refused:out_of_scope");
    assert_eq!(all[0].addr, "10.0.0.1");
    assert!(all.iter().filter(|a| a.action == "push").count() >= 4);
    let refused = s
        .audit(&AuditQuery { action_prefix: Some("refused:".into()), limit: 100, ..Default::default() })
        .await
        .unwrap();
    assert_eq!(refused.len(), 1);
    let none = s.audit(&AuditQuery { user_id: Some("nobody".into()), limit: 100, ..Default::default() }).await.unwrap();
    assert!(none.is_empty());
    let window = s.audit(&AuditQuery { since: Some(6), limit: 100, ..Default::default() }).await.unwrap();
    assert!(window.is_empty(), "every line here is at 5");

    let digest = s.digest().await.unwrap();
    assert_eq!((digest.seq, digest.docs, digest.devices, digest.reference_version), (5, 2, 1, 2));
    assert_eq!(digest.live_tokens, 0);

    // Concurrent commits: unique, dense sequence numbers; exactly one
    // winner among racers on the same document.
    let start = s.head().await.unwrap().seq;
    let mut tasks = Vec::new();
    for i in 0..16 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            let (_, c) = doc_with_changes(1);
            s.commit_doc(&write(&format!("c{i}"), "G1", None, c)).await.unwrap()
        }));
    }
    let mut seqs = BTreeSet::new();
    for t in tasks {
        assert!(seqs.insert(seq(t.await.unwrap())));
    }
    assert_eq!(seqs, (start + 1..=start + 16).collect());
    let mut racers = Vec::new();
    let current = s.doc_metas(&["b".into()]).await.unwrap()[0].seq;
    for _ in 0..8 {
        let s = s.clone();
        racers.push(tokio::spawn(async move {
            let (_, c) = doc_with_changes(3);
            s.commit_doc(&write("b", "G9", Some(current), c)).await.unwrap()
        }));
    }
    let mut winners = 0;
    for r in racers {
        if matches!(r.await.unwrap(), CommitOutcome::Committed(_)) {
            winners += 1;
        }
    }
    assert_eq!(winners, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_conforms() {
    conformance("sqlite").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_conforms() {
    conformance("postgres").await;
}

#[tokio::test]
async fn a_bad_url_is_a_clear_error() {
    let err = storage::open("mysql://x", None).await.err().unwrap();
    assert!(err.to_string().contains("sqlite://"), "{err}");
}

/// A database made by the first release (schema v1, tokens in `devices`)
/// is adopted and migrated: its devices keep their tokens.
#[tokio::test]
async fn a_first_release_sqlite_database_is_migrated() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.sqlite");
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch(gridpatrol_server::storage::migrations::MIGRATIONS[0].sqlite).unwrap();
        c.execute_batch(
            "INSERT INTO devices VALUES ('dev1', 'u1', 'phone', 'tokhash', 5, 0);
             INSERT INTO credentials VALUES ('u1', 'w', 'h', 0);
             PRAGMA user_version = 1;",
        )
        .unwrap();
    }
    let s = storage::open(&format!("sqlite://{}", path.display()), None).await.unwrap();
    let t = s.token("tokhash").await.unwrap().expect("the old token survives");
    assert_eq!((t.token.device_id.as_str(), t.token.user_id.as_str()), ("dev1", "u1"));
    assert!(!t.device_revoked && !t.user_disabled);
    assert_eq!(s.device("dev1").await.unwrap().unwrap().first_user, "u1");
}
