//! One conformance suite for the server's storage trait, run against both
//! implementations: SQLite and PostgreSQL.

use std::collections::BTreeSet;
use std::sync::Arc;

use automerge::{AutoCommit, ROOT, transaction::Transactable};
use gridpatrol_core::model::{DocKind, Scope};
use gridpatrol_server::storage::{self, AuditEntry, CommitOutcome, Credentials, Device, DocWrite, Storage};

async fn open(backend: &str) -> (Arc<dyn Storage>, Option<tempfile::TempDir>) {
    match backend {
        "sqlite" => {
            let dir = tempfile::tempdir().unwrap();
            let url = format!("sqlite://{}", dir.path().join("s.sqlite").display());
            (storage::open(&url).await.unwrap(), Some(dir))
        }
        _ => (storage::open(&gridpatrol_tests::server::fresh_pg_database().await).await.unwrap(), None),
    }
}

/// A document with `n` changes, and those changes as (hash, bytes).
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
        user_id: "u".into(),
        device_id: "d".into(),
    }
}

fn grids(g: &[&str]) -> Scope {
    Scope::Grids { grids: g.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>() }
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

    // Credentials and devices.
    let cred = Credentials { user_id: "u1".into(), username: "w".into(), password_hash: "h".into(), disabled: false };
    s.put_credentials(&cred).await.unwrap();
    s.put_credentials(&Credentials { password_hash: "h2".into(), ..cred.clone() }).await.unwrap();
    assert_eq!(s.credentials("w").await.unwrap().unwrap().password_hash, "h2");
    assert!(s.credentials("nobody").await.unwrap().is_none());
    let dev = Device {
        id: "dev1".into(),
        user_id: "u1".into(),
        name: "phone".into(),
        token_hash: "t1".into(),
        created_at: 1,
        revoked: false,
        user_disabled: false,
    };
    s.add_device(&dev).await.unwrap();
    assert_eq!(s.device_by_token("t1").await.unwrap().unwrap(), dev);
    s.put_credentials(&Credentials { disabled: true, ..cred }).await.unwrap();
    assert!(s.device_by_token("t1").await.unwrap().unwrap().user_disabled);
    assert!(s.revoke_device("dev1").await.unwrap());
    assert!(!s.revoke_device("nope").await.unwrap());
    assert!(s.device_by_token("t1").await.unwrap().unwrap().revoked);
    assert_eq!(s.devices().await.unwrap().len(), 1);

    // Commits: new, duplicate new, stale, idempotent changes.
    let (mut doc, changes) = doc_with_changes(3);
    assert_eq!(s.max_seq().await.unwrap(), 0);
    let first = s.commit_doc(&write("a", "G1", None, changes[..2].to_vec())).await.unwrap();
    assert_eq!(first, CommitOutcome::Committed { seq: 1 });
    assert_eq!(s.commit_doc(&write("a", "G1", None, changes[..2].to_vec())).await.unwrap(), CommitOutcome::Conflict);
    assert_eq!(s.commit_doc(&write("a", "G1", Some(7), changes.clone())).await.unwrap(), CommitOutcome::Conflict);
    // Re-sending changes already stored does not duplicate them.
    assert_eq!(
        s.commit_doc(&write("a", "G2", Some(1), changes.clone())).await.unwrap(),
        CommitOutcome::Committed { seq: 2 }
    );
    let pulled = s.changes_since(&["a".into()], 0).await.unwrap();
    assert_eq!(pulled.len(), 3);
    let stored = s.load_doc("a").await.unwrap().unwrap();
    assert_eq!((stored.meta.grid.as_str(), stored.meta.seq, stored.meta.created_seq), ("G2", 2, 1));
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
    let upto = s.max_seq().await.unwrap();
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

    // Blob visibility follows scope.
    let blob = "ab".repeat(32);
    assert!(s.blob_visible(&blob, &dept).await.unwrap());
    assert!(s.blob_visible(&blob, &Scope::All).await.unwrap());
    assert!(!s.blob_visible(&blob, &grids(&["G2"])).await.unwrap());
    assert!(!s.blob_visible(&"cd".repeat(32), &Scope::All).await.unwrap());

    // Compaction keeps every change loadable.
    assert_eq!(s.compaction_candidates(3, 10).await.unwrap(), vec!["a"]);
    s.put_snapshot("a", &loaded.save(), 2).await.unwrap();
    assert!(s.compaction_candidates(1, 10).await.unwrap().iter().all(|id| id != "a"));
    let (_, more) = doc_with_changes(4);
    s.commit_doc(&write("a", "G2", Some(2), more.clone())).await.unwrap();
    let stored = s.load_doc("a").await.unwrap().unwrap();
    let mut after = AutoCommit::load(&stored.bytes).unwrap();
    for h in loaded.get_heads().into_iter().chain(more.iter().map(|(h, _)| automerge::ChangeHash(*h))) {
        assert!(after.get_change_by_hash(&h).is_some(), "change {h} lost across compaction");
    }

    // The audit log holds pushes and refusals, newest first.
    s.record_refusal(&AuditEntry {
        at: 5,
        user_id: "u1".into(),
        device_id: "dev1".into(),
        doc_id: "x".into(),
        action: "refused:out_of_scope".into(),
        detail: "no".into(),
    })
    .await
    .unwrap();
    let audit = s.audit(100).await.unwrap();
    assert_eq!(audit[0].action, "refused:out_of_scope");
    assert!(audit.iter().filter(|a| a.action == "push").count() >= 4);

    // Concurrent commits: unique, dense sequence numbers; exactly one
    // winner among racers on the same document.
    let start = s.max_seq().await.unwrap();
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
        match t.await.unwrap() {
            CommitOutcome::Committed { seq } => assert!(seqs.insert(seq)),
            CommitOutcome::Conflict => panic!("different documents never conflict"),
        }
    }
    assert_eq!(seqs, (start + 1..=start + 16).collect());
    let mut racers = Vec::new();
    for _ in 0..8 {
        let s = s.clone();
        racers.push(tokio::spawn(async move {
            let (_, c) = doc_with_changes(2);
            s.commit_doc(&write("b", "G9", Some(3), c)).await.unwrap()
        }));
    }
    let mut winners = 0;
    for r in racers {
        if matches!(r.await.unwrap(), CommitOutcome::Committed { .. }) {
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
    let err = storage::open("mysql://x").await.err().unwrap();
    assert!(err.to_string().contains("sqlite://"), "{err}");
}
