//! The sync issue's scenarios, each on both backends: real servers on
//! 127.0.0.1:0, real device stores, real photos, the real HTTP client.

use gridpatrol_core::model::{EventKind, PatrolKind};
use gridpatrol_core::store::{CaseFilter, NewEvent, PhotoPick, SyncBookkeeping};
use gridpatrol_core::workflow::CaseStatus;
use gridpatrol_tests::{Backend, Blobs, TestDevice, TestServer, fixtures};

fn step(kind: EventKind) -> NewEvent {
    NewEvent { kind, note: String::new(), photos: vec![], department: None, at: None }
}

fn all() -> CaseFilter {
    CaseFilter { limit: Some(500), ..Default::default() }
}

/// Scenario 1: A morning patrol: offline patrol + 40 cases with real photos, sync;
/// the leader's device then has all of them, photos byte-identical.
async fn morning_patrol(backend: Backend, blobs: Blobs) {
    let server = TestServer::start_on(backend, blobs, |_| {}).await;
    let worker = TestDevice::login(&server, "worker1").await;
    let photos = fixtures::jpegs();
    let grid = worker.grid();
    let patrol = {
        let actor = worker.actor();
        worker.store().start_patrol(&actor, PatrolKind::Morning, &grid, vec![]).unwrap()
    };
    let mut ids = Vec::new();
    for i in 0..40 {
        let (_, bytes) = &photos[i % photos.len()];
        let id = worker.report(&format!("晨检问题{i}"), &[bytes]);
        ids.push(id);
    }
    {
        let actor = worker.actor();
        let mut s = worker.store();
        for street in patrol.streets.iter().take(3) {
            s.check_street(&actor, &patrol.patrol.id, street, "").unwrap();
        }
        s.end_patrol(&actor, &patrol.patrol.id, "完成").unwrap();
        assert_eq!(s.unsynced().unwrap().cases, 40);
    }
    let report = worker.sync().await;
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    assert_eq!(report.progress.docs_up, 41, "40 cases and the patrol acknowledged");
    let unsynced = worker.store().unsynced().unwrap();
    assert_eq!((unsynced.cases, unsynced.patrols, unsynced.photos), (0, 0, 0), "{unsynced:?}");
    println!(
        "[{backend:?}] morning patrol upload: {} bytes up, {} bytes down, {} round trips, {} photos",
        report.progress.bytes_up, report.progress.bytes_down, report.round_trips, report.progress.photos_up
    );

    let leader = TestDevice::login(&server, "leader1").await;
    let got = leader.sync_full().await;
    assert!(got.failures.is_empty(), "{:?}", got.failures);
    println!("[{backend:?}] leader download: {} bytes down, {} round trips", got.progress.bytes_down, got.round_trips);
    let page = leader.store().list_cases(&all(), 0).unwrap();
    assert_eq!(page.total, 40);
    let mut hashes = Vec::new();
    {
        let w = worker.store();
        let l = leader.store();
        for id in &ids {
            let mine = w.get_case(id, None, 0).unwrap();
            let theirs = l.get_case(id, None, 0).unwrap();
            assert_eq!(mine.case, theirs.case);
            assert_eq!(w.stored_heads(id).unwrap(), l.stored_heads(id).unwrap());
            for p in mine.case.photos.values() {
                assert_eq!(w.blob(&p.hash).unwrap(), l.blob(&p.hash).unwrap(), "photo {} differs", p.hash);
                assert!(l.blob(&p.thumb).unwrap().is_some());
                hashes.push(p.hash.clone());
            }
            assert!(theirs.synced);
        }
        assert_eq!(l.list_patrols(10).unwrap().len(), 1);
    }
    assert_eq!(hashes.len(), 40);
    for h in &hashes {
        assert!(server.photo_stored(h).await, "photo {h} is in the {blobs:?} store");
    }
}

/// Scenario 2: Two devices change the same case offline: both actions are kept and
/// every device derives the same status.
async fn concurrent_offline_edits(backend: Backend, blobs: Blobs) {
    let server = TestServer::start_on(backend, blobs, |_| {}).await;
    let worker = TestDevice::login(&server, "worker1").await;
    let worker2 = TestDevice::login(&server, "worker2").await;
    let id = worker.report("楼道堆物", &[&fixtures::photo("gps_DSCN0010.jpg")]);
    worker.sync().await;
    worker2.sync().await;
    // Offline: worker escalates; worker2 adds a photo and a note (a defer
    // is not theirs to make, so a look at the photo goes in as evidence).
    {
        let actor = worker.actor();
        worker.store().append_event(&actor, &id, step(EventKind::Escalated)).unwrap();
    }
    {
        let actor = worker2.actor();
        let mut s = worker2.store();
        let photo = s.stage_photo(&fixtures::photo("gps_DSCN0021.jpg")).unwrap();
        s.attach_photos(
            &actor,
            &id,
            &[PhotoPick { hash: photo.hash, role: gridpatrol_core::model::PhotoRole::Evidence }],
        )
        .unwrap();
        s.append_event(&actor, &id, NewEvent { note: "堆物已清理一半".into(), ..step(EventKind::HandledOnSpot) })
            .unwrap();
    }
    worker.sync().await;
    worker2.sync().await;
    worker.sync().await;
    let leader = TestDevice::login(&server, "leader1").await;
    leader.sync().await;
    let a = worker.store().get_case(&id, None, 0).unwrap();
    let b = worker2.store().get_case(&id, None, 0).unwrap();
    let c = leader.store().get_case(&id, None, 0).unwrap();
    assert_eq!(a.derived, b.derived);
    assert_eq!(a.derived, c.derived);
    assert_eq!(a.case.photos.len(), 2);
    let kinds: Vec<EventKind> = a.derived.timeline.iter().map(|t| t.event.kind).collect();
    assert!(kinds.contains(&EventKind::Escalated) && kinds.contains(&EventKind::HandledOnSpot), "{kinds:?}");
    assert!(a.derived.timeline.iter().any(|t| t.event.note == "堆物已清理一半"));
    // Whichever applied second was ignored in the fold, but it is in the log.
    assert!(matches!(a.derived.status, CaseStatus::Escalated | CaseStatus::Handled));
}

/// Scenario 3: Scope: a worker never receives another grid's cases and cannot write
/// them; a department sees only what was dispatched to it.
async fn scope_is_enforced(backend: Backend, blobs: Blobs) {
    let server = TestServer::start_on(backend, blobs, |_| {}).await;
    let w1 = TestDevice::login(&server, "worker1").await; // QS01-G01
    let w3 = TestDevice::login(&server, "worker3").await; // QS01-G02
    let mine = w1.report("第一网格的问题", &[]);
    let theirs = w3.report("第二网格的问题", &[]);
    let dispatched = w3.report("要派遣的问题", &[]);
    w1.sync().await;
    w3.sync().await;
    w1.sync().await;
    let w1_ids: Vec<String> = w1.store().list_cases(&all(), 0).unwrap().items.into_iter().map(|c| c.id).collect();
    assert_eq!(w1_ids, vec![mine.clone()]);

    // worker1 forges a case in worker3's grid: refused, the rest applied.
    let forged = {
        let actor = w1.actor();
        let mut s = w1.store();
        let reference = (**s.reference().unwrap()).clone();
        let mut r = reference.clone();
        // Pretend on the device that worker1 may write QS01-G02.
        r.users.iter_mut().find(|u| u.username == "worker1").unwrap().units.push("QS01-G02".into());
        s.set_reference(r).unwrap();
        let mut new = gridpatrol_tests::device::sample_case("QS01-G02");
        new.title = "越界".into();
        let id = s.create_case(&actor, new).unwrap().case.id;
        s.set_reference(reference).unwrap();
        id
    };
    {
        let actor = w1.actor();
        w1.store().append_event(&actor, &mine, step(EventKind::Escalated)).unwrap();
    }
    let report = w1.sync().await;
    assert_eq!(report.failures.len(), 1, "{:?}", report.failures);
    assert_eq!(report.failures[0].item, forged);
    assert_eq!(report.failures[0].code, "out_of_scope");
    assert!(w1.store().dirty_docs().unwrap().iter().any(|d| d.id == forged), "refused work stays on the device");
    let leader = TestDevice::login(&server, "leader1").await;
    leader.sync().await;
    assert!(leader.store().get_case(&forged, None, 0).is_err(), "the forged case never reached anyone");
    assert_eq!(leader.store().get_case(&mine, None, 0).unwrap().derived.status, CaseStatus::Escalated);
    let audit = server.audit().await;
    assert!(audit.iter().any(|a| a.subject == forged && a.action == "refused:out_of_scope"), "refusal recorded");

    // Department: sees nothing until a case is dispatched to it.
    let dept = TestDevice::login(&server, "dept-cg").await;
    dept.sync().await;
    assert_eq!(dept.store().list_cases(&all(), 0).unwrap().total, 0);
    let street = TestDevice::login(&server, "street1").await;
    street.sync().await;
    {
        let actor = w3.actor();
        w3.store().append_event(&actor, &dispatched, step(EventKind::Escalated)).unwrap();
    }
    w3.sync().await;
    street.sync().await;
    {
        let actor = street.actor();
        let ev = NewEvent { department: Some("D-CG".into()), ..step(EventKind::Dispatched) };
        street.store().append_event(&actor, &dispatched, ev).unwrap();
    }
    street.sync().await;
    dept.sync().await;
    let dept_ids: Vec<String> = dept.store().list_cases(&all(), 0).unwrap().items.into_iter().map(|c| c.id).collect();
    assert_eq!(dept_ids, vec![dispatched.clone()]);
    assert!(dept.store().get_case(&theirs, None, 0).is_err());
    // The department handles it; everyone sees the feedback.
    {
        let actor = dept.actor();
        dept.store().append_event(&actor, &dispatched, step(EventKind::Handled)).unwrap();
    }
    let r = dept.sync().await;
    assert!(r.failures.is_empty(), "{:?}", r.failures);
    w3.sync().await;
    assert_eq!(w3.store().get_case(&dispatched, None, 0).unwrap().derived.status, CaseStatus::Handled);
}

/// Scenario 6: Reconnect with 10,000 documents in scope and nothing changed: one
/// round trip, a few hundred bytes, no document loaded by the server.
async fn reconnect_nothing_changed(backend: Backend, blobs: Blobs) {
    let server = TestServer::start_on(backend, blobs, |_| {}).await;
    let worker = TestDevice::login(&server, "worker1").await;
    {
        let actor = worker.actor();
        let grid = worker.grid();
        let mut s = worker.store();
        for i in 0..10_000 {
            let mut new = gridpatrol_tests::device::sample_case(&grid);
            new.title = format!("历史问题{i}");
            s.create_case(&actor, new).unwrap();
        }
    }
    let first = worker.sync().await;
    assert!(first.failures.is_empty());
    assert_eq!(first.progress.docs_up, 10_000);
    let before = server.stats();
    let again = worker.sync().await;
    let after = server.stats();
    assert_eq!(again.round_trips, 1);
    assert_eq!(after.docs_loaded, before.docs_loaded, "no document loaded");
    let bytes = again.progress.bytes_up + again.progress.bytes_down;
    assert!(bytes < 1024, "{bytes} bytes");
    println!(
        "[{backend:?}] nothing-changed reconnect with 10,000 docs: {} round trip, {} bytes up, {} bytes down",
        again.round_trips, again.progress.bytes_up, again.progress.bytes_down
    );
}

macro_rules! on_both_backends {
    ($($name:ident),*) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name(gridpatrol_tests::Backend::Sqlite, gridpatrol_tests::Blobs::Folder).await }) *
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name(gridpatrol_tests::Backend::Postgres, gridpatrol_tests::Blobs::Folder).await }) *
        }
    };
}

/// The photo scenarios again with photos in S3 (a real moto server).
macro_rules! with_photos_in_s3 {
    ($($name:ident),*) => {
        mod postgres_s3 {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                if gridpatrol_tests::s3::moto_available() {
                    super::$name(gridpatrol_tests::Backend::Postgres, gridpatrol_tests::Blobs::S3).await
                }
            }) *
        }
    };
}

on_both_backends!(morning_patrol, concurrent_offline_edits, scope_is_enforced, reconnect_nothing_changed);
with_photos_in_s3!(morning_patrol, concurrent_offline_edits);
