//! Recovery paths: a server restored from a backup, and a device whose
//! acknowledged heads the server does not have (the Automerge sync
//! protocol repairs it). Nothing recorded is lost.

use gridpatrol_core::model::EventKind;
use gridpatrol_core::store::{CaseFilter, NewEvent, SyncBookkeeping};
use gridpatrol_core::workflow::CaseStatus;
use gridpatrol_tests::{Backend, TestDevice, TestServer};

fn step(kind: EventKind, note: &str) -> NewEvent {
    NewEvent { kind, note: note.into(), photos: vec![], department: None, at: None }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_restored_from_an_old_backup_gets_everything_back() {
    let mut server = TestServer::start(Backend::Sqlite).await;
    let worker = TestDevice::login(&server, "worker1").await;
    let first: Vec<String> = (0..3).map(|i| worker.report(&format!("备份前{i}"), &[])).collect();
    worker.sync().await;
    let db = server.settings.database_url.trim_start_matches("sqlite://").to_owned();
    let backup = format!("{db}.backup");
    rusqlite::Connection::open(&db).unwrap().execute("VACUUM INTO ?1", [&backup]).unwrap();

    // After the backup: an escalation and a new case reach the server.
    {
        let actor = worker.actor();
        worker.store().append_event(&actor, &first[0], step(EventKind::Escalated, "")).unwrap();
    }
    let late = worker.report("备份后", &[]);
    worker.sync().await;
    assert!(worker.store().dirty_docs().unwrap().is_empty());

    // The server is restored from the old backup and restarted.
    server
        .restart_after(|| {
            for suffix in ["-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{db}{suffix}"));
            }
            std::fs::copy(&backup, &db).unwrap();
        })
        .await;
    let leader = TestDevice::login(&server, "leader1").await;
    leader.sync().await;
    assert_eq!(leader.store().list_cases(&CaseFilter::default(), 0).unwrap().total, 3, "the backup has three cases");

    // The worker's next sync notices and sends everything again.
    let report = worker.sync().await;
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    leader.sync().await;
    let l = leader.store();
    assert_eq!(l.list_cases(&CaseFilter::default(), 0).unwrap().total, 4);
    assert!(l.get_case(&late, None, 0).is_ok(), "the case the backup lacked is back");
    assert_eq!(l.get_case(&first[0], None, 0).unwrap().derived.status, CaseStatus::Escalated);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heads_the_server_lacks_are_repaired_with_the_automerge_sync_protocol() {
    let server = TestServer::start(Backend::Sqlite).await;
    let worker = TestDevice::login(&server, "worker1").await;
    let id = worker.report("链条", &[]);
    worker.sync().await;
    {
        let actor = worker.actor();
        let mut s = worker.store();
        s.append_event(&actor, &id, step(EventKind::Escalated, "第一步")).unwrap();
        // A wrong acknowledgement: the device believes the server has it.
        let heads = s.stored_heads(&id).unwrap().unwrap();
        s.mark_acked(&id, &heads).unwrap();
        s.append_event(&actor, &id, step(EventKind::Deferred, "第二步")).unwrap_err(); // a worker may not defer
        let photo = s.stage_photo(&gridpatrol_tests::fixtures::photo("gps_DSCN0042.jpg")).unwrap();
        let pick =
            gridpatrol_core::store::PhotoPick { hash: photo.hash, role: gridpatrol_core::model::PhotoRole::Evidence };
        s.attach_photos(&actor, &id, &[pick]).unwrap();
    }
    let report = worker.sync().await;
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    assert!(report.round_trips >= 2, "the sync protocol ran ({} round trips)", report.round_trips);
    assert!(worker.store().dirty_docs().unwrap().is_empty());
    let leader = TestDevice::login(&server, "leader1").await;
    leader.sync().await;
    let c = leader.store().get_case(&id, None, 0).unwrap();
    assert_eq!(c.derived.status, CaseStatus::Escalated, "the change behind the wrong acknowledgement arrived");
    assert_eq!(c.case.photos.len(), 1);
    assert_eq!(worker.store().stored_heads(&id).unwrap(), leader.store().stored_heads(&id).unwrap());
}
