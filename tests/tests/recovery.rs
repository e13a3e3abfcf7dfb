//! Recovery paths: a server restored from a backup (in whatever order the
//! devices come back, with or without its photo folder), and a device whose
//! acknowledged heads the server does not have (the Automerge sync protocol
//! repairs it). Nothing the server acknowledged is lost. Both backends.

use gridpatrol_core::model::EventKind;
use gridpatrol_core::store::{CaseFilter, NewEvent, SyncBookkeeping};
use gridpatrol_core::workflow::CaseStatus;
use gridpatrol_tests::{Backend, Blobs, TestDevice, TestServer};

fn step(kind: EventKind, note: &str) -> NewEvent {
    NewEvent { kind, note: note.into(), photos: vec![], department: None, at: None }
}

/// The case list on a device, by title.
fn titles(d: &TestDevice) -> Vec<String> {
    let mut t: Vec<String> = d
        .store()
        .list_cases(&CaseFilter { limit: Some(500), ..Default::default() }, 0)
        .unwrap()
        .items
        .into_iter()
        .map(|c| c.title)
        .collect();
    t.sort();
    t
}

/// A restore, and then *another* device pushes past the first one's cursor
/// before it comes back: the first device's acknowledged work would be
/// skipped by a plain "cursor ahead of the server" check. Its cursor's
/// commit tag is from the lost history, so it resyncs and nothing is lost.
async fn restore_then_others_push_past(backend: Backend) {
    let mut server = TestServer::start(backend).await;
    let a = TestDevice::login(&server, "worker1").await;
    let first: Vec<String> = (0..3).map(|i| a.report(&format!("备份前{i}"), &[])).collect();
    a.sync().await;
    let backup = server.backup().await;

    // After the backup: an escalation and a new case reach the server and are acknowledged.
    {
        let actor = a.actor();
        a.store().append_event(&actor, &first[0], step(EventKind::Escalated, "")).unwrap();
    }
    let late = a.report("备份后", &[]);
    a.sync().await;
    assert!(a.store().dirty_docs().unwrap().is_empty(), "all acknowledged");
    let a_cursor = gridpatrol_core::sync::engine::cursor(&a.store()).unwrap();

    server.restore(&backup, false).await;
    // Another device of the same grid pushes more than was lost.
    let b = TestDevice::login(&server, "worker2").await;
    for i in 0..6 {
        b.report(&format!("恢复后{i}"), &[]);
    }
    b.sync().await;
    let head = server.service().storage().head().await.unwrap();
    assert!(head.seq >= a_cursor.seq, "the server is past the first device's cursor ({} ≥ {})", head.seq, a_cursor.seq);

    // The first device comes back.
    let report = a.sync().await;
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    a.sync().await;
    let leader = TestDevice::login(&server, "leader1").await;
    leader.sync().await;
    let seen = titles(&leader);
    assert_eq!(seen.len(), 10, "{seen:?}");
    assert!(leader.store().get_case(&late, None, 0).is_ok(), "the acknowledged case the backup lacked is back");
    assert_eq!(leader.store().get_case(&first[0], None, 0).unwrap().derived.status, CaseStatus::Escalated);
    assert_eq!(titles(&a), seen, "the first device has the other's cases too");
}

/// A restore with the photo folder lost: the server notices the photos it
/// records but no longer holds, and the devices that still have them upload
/// them again.
async fn restore_with_the_photo_folder_lost(backend: Backend, blobs: Blobs) {
    let mut server = TestServer::start_on(backend, blobs, |_| {}).await;
    let worker = TestDevice::login(&server, "worker1").await;
    let id = worker.report("井盖缺失", &[&gridpatrol_tests::fixtures::photo("gps_DSCN0021.jpg")]);
    worker.sync().await;
    let photo = worker.store().get_case(&id, None, 0).unwrap().case.photos.values().next().unwrap().clone();
    let original = worker.store().blob(&photo.hash).unwrap().unwrap();
    let backup = server.backup().await;

    assert!(server.photo_stored(&photo.hash).await);
    server.restore(&backup, true).await;
    assert!(!server.photo_stored(&photo.hash).await, "the {blobs:?} store lost the photo");
    let leader = TestDevice::login(&server, "leader1").await;
    leader.sync().await;
    assert!(!leader.client.fetch_blob(&leader.store, &photo.hash).await.unwrap(), "the photo is gone from the server");
    assert!(worker.store().get_case(&id, None, 0).unwrap().synced, "the device still believes it synced");

    let report = worker.sync().await;
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    assert!(
        report.progress.photos_up >= 2,
        "the photo and its thumbnail went up again ({})",
        report.progress.photos_up
    );
    assert!(leader.client.fetch_blob(&leader.store, &photo.hash).await.unwrap(), "the leader can open it again");
    assert_eq!(leader.store().blob(&photo.hash).unwrap().unwrap(), original, "byte for byte");
    assert!(server.photo_stored(&photo.hash).await, "back in the {blobs:?} store");
    leader.sync().await;
    assert!(server.service().storage().wanted_blobs(&gridpatrol_core::model::Scope::All, 10).await.unwrap().is_empty());
}

mod sqlite {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn restore_then_others_push_past() {
        super::restore_then_others_push_past(Backend::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn restore_with_the_photo_folder_lost() {
        super::restore_with_the_photo_folder_lost(Backend::Sqlite, Blobs::Folder).await;
    }
}

mod postgres {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn restore_then_others_push_past() {
        super::restore_then_others_push_past(Backend::Postgres).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn restore_with_the_photo_folder_lost() {
        super::restore_with_the_photo_folder_lost(Backend::Postgres, Blobs::Folder).await;
    }
}

mod postgres_s3 {
    use super::*;

    /// The photo bucket is lost instead of the folder.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn restore_with_the_photo_folder_lost() {
        if gridpatrol_tests::s3::moto_available() {
            super::restore_with_the_photo_folder_lost(Backend::Postgres, Blobs::S3).await;
        }
    }
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

/// Uploads abandoned for a day are discarded with their bytes; finished
/// photos and fresh uploads stay.
async fn stale_uploads_are_cleaned_up(blobs: Blobs) {
    let server = TestServer::start_on(Backend::Sqlite, blobs, |_| {}).await;
    let worker = TestDevice::login(&server, "worker1").await;
    let photo = gridpatrol_tests::fixtures::photo("gps_DSCN0042.jpg");
    let staged = worker.store().stage_photo(&photo).unwrap();
    let bytes = worker.store().blob(&staged.hash).unwrap().unwrap();
    let half = worker.client.clone().with_chunk_bytes(bytes.len() / 2);
    // Half an upload, then the phone goes away.
    let api = gridpatrol_tests::api::Api::new(&server.url);
    let put = api
        .http
        .put(format!("{}/blobs/{}?offset=0&total={}", api.url, staged.hash, bytes.len()))
        .bearer_auth(&worker.session.token)
        .body(bytes[..bytes.len() / 2].to_vec());
    assert_eq!(api.send(put).await.status, 200);
    let _ = half;
    assert_eq!(server.service().storage().digest().await.unwrap().uploads, 1);
    assert_eq!(server.partial_objects().await, 1, "half an upload in the {blobs:?} store");
    let tidy = |age| gridpatrol_server::janitor::tidy(server.service(), std::time::Duration::from_millis(age));
    assert_eq!(tidy(86_400_000).await.unwrap().stale_uploads, 0, "a fresh upload stays");
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    assert_eq!(tidy(10).await.unwrap().stale_uploads, 1);
    assert_eq!(server.service().storage().digest().await.unwrap().uploads, 0);
    assert_eq!(server.partial_objects().await, 0, "its bytes are gone");
    // The device starts again from zero and finishes.
    let status = worker.client.upload_blob(&staged.hash, &bytes).await.unwrap();
    assert_eq!(status, bytes.len() as u64);
    assert!(server.photo_stored(&staged.hash).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stale_uploads_are_cleaned_up_in_the_folder() {
    stale_uploads_are_cleaned_up(Blobs::Folder).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stale_uploads_are_cleaned_up_in_s3() {
    if gridpatrol_tests::s3::moto_available() {
        stale_uploads_are_cleaned_up(Blobs::S3).await;
    }
}

/// Half an upload from one phone, the whole photo from another phone of the
/// same worker: the first phone's half is dropped as soon as it asks, not a
/// day later by the janitor.
async fn a_partial_of_a_photo_finished_elsewhere_is_dropped(blobs: Blobs) {
    let server = TestServer::start_on(Backend::Sqlite, blobs, |_| {}).await;
    let (first, second) = (TestDevice::login(&server, "worker1").await, TestDevice::login(&server, "worker1").await);
    let staged = first.store().stage_photo(&gridpatrol_tests::fixtures::photo("gps_DSCN0010.jpg")).unwrap();
    let bytes = first.store().blob(&staged.hash).unwrap().unwrap();
    let api = gridpatrol_tests::api::Api::new(&server.url);
    let half = api
        .http
        .put(format!("{}/blobs/{}?offset=0&total={}", api.url, staged.hash, bytes.len()))
        .bearer_auth(&first.session.token)
        .body(bytes[..bytes.len() / 2].to_vec());
    assert_eq!(api.send(half).await.status, 200);
    assert_eq!(server.partial_objects().await, 1);
    assert_eq!(second.client.upload_blob(&staged.hash, &bytes).await.unwrap(), bytes.len() as u64);
    let status = api
        .send(api.http.get(format!("{}/blobs/{}/status", api.url, staged.hash)).bearer_auth(&first.session.token))
        .await;
    let status: gridpatrol_core::sync::wire::BlobStatus = serde_json::from_slice(&status.body).unwrap();
    assert!(status.complete);
    assert_eq!(server.partial_objects().await, 0, "the first phone's half is gone from the {blobs:?} store");
    assert_eq!(server.service().storage().digest().await.unwrap().uploads, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partial_of_a_photo_finished_elsewhere_is_dropped_from_the_folder() {
    a_partial_of_a_photo_finished_elsewhere_is_dropped(Blobs::Folder).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partial_of_a_photo_finished_elsewhere_is_dropped_from_s3() {
    if gridpatrol_tests::s3::moto_available() {
        a_partial_of_a_photo_finished_elsewhere_is_dropped(Blobs::S3).await;
    }
}

/// The server records when each accepted step arrived.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_accepted_step_has_its_receipt_time() {
    let server = TestServer::start(Backend::Sqlite).await;
    let worker = TestDevice::login(&server, "worker1").await;
    let id = worker.report("收到时间", &[]);
    {
        let actor = worker.actor();
        worker.store().append_event(&actor, &id, step(EventKind::Escalated, "请处理")).unwrap();
    }
    let before = gridpatrol_core::time::now_ms();
    worker.sync().await;
    let receipts = server.service().storage().receipts(&id).await.unwrap();
    let case = worker.store().get_case(&id, None, 0).unwrap().case;
    assert_eq!(receipts.len(), case.events.len(), "{receipts:?}");
    assert!(receipts.iter().all(|(e, at)| case.events.contains_key(e) && *at >= before));
}
