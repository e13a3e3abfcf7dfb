//! Sync under faults, on both backends: connections cut in the middle of a
//! batch and of a photo upload, and server restarts between requests and
//! between the two halves of a photo upload. Retries complete the work
//! with no duplicate and no loss.

use gridpatrol_core::store::CaseFilter;
use gridpatrol_tests::proxy::{Direction, FaultProxy};
use gridpatrol_tests::{Backend, Blobs, TestDevice, TestServer, fixtures};

fn all() -> CaseFilter {
    CaseFilter { limit: Some(500), ..Default::default() }
}

/// Pushes per document recorded by the server (a duplicate shows as two).
async fn pushes_per_doc(server: &TestServer) -> std::collections::HashMap<String, usize> {
    let mut out = std::collections::HashMap::new();
    for a in server.audit().await {
        if a.action == "push" {
            *out.entry(a.subject).or_insert(0) += 1;
        }
    }
    out
}

/// Scenario 4a: The connection drops mid-request and mid-response of a batch.
async fn batch_survives_cut_connections(backend: Backend, blobs: Blobs) {
    let server = TestServer::start_on(backend, blobs, |_| {}).await;
    let proxy = FaultProxy::start(&server.url).await;
    let worker = TestDevice::login_at(&proxy.url, "worker1").await;
    let ids: Vec<String> = (0..20).map(|i| worker.report(&format!("问题{i}"), &[])).collect();
    // First attempt: the request is cut half-way (the server never sees it
    // whole); second: the response is cut after the server applied it.
    proxy.cut(Direction::Up, 600);
    proxy.cut(Direction::Down, 150);
    let report = worker.sync().await;
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    assert_eq!(proxy.cuts(), 2, "both faults fired");
    assert_eq!(worker.store().unsynced().unwrap().cases, 0);
    let pushes = pushes_per_doc(&server).await;
    for id in &ids {
        assert_eq!(pushes.get(id), Some(&1), "case {id} committed exactly once");
    }
    let leader = TestDevice::login(&server, "leader1").await;
    leader.sync().await;
    let got = leader.store().list_cases(&all(), 0).unwrap();
    assert_eq!(got.total, 20);
    for id in &ids {
        assert_eq!(worker.store().stored_heads(id).unwrap(), leader.store().stored_heads(id).unwrap());
    }
}

/// Scenario 4b: The connection drops in the middle of a photo upload; the next sync
/// resumes from where the server stopped, not from the start.
async fn photo_upload_resumes_after_a_cut(backend: Backend, blobs: Blobs) {
    let server = TestServer::start_on(backend, blobs, |_| {}).await;
    let proxy = FaultProxy::start(&server.url).await;
    let worker = TestDevice::login_at(&proxy.url, "worker1").await.with_attempts(1).with_chunk_bytes(64 << 10);
    let id = worker.report("大照片", &[&fixtures::photo("mobile_HMD_Nokia_8.3_5G.jpg")]);
    let photo = worker.store().get_case(&id, None, 0).unwrap().case.photos.into_values().next().unwrap();
    let size = photo.bytes;
    assert!(size > 300_000, "{size}");
    let (up0, _) = proxy.bytes();
    proxy.cut(Direction::Up, size / 2);
    let err = worker.try_sync().await.expect_err("the cut ends this sync");
    assert_eq!(err.code(), "offline");
    assert_eq!(worker.store().unsynced().unwrap().cases, 1, "nothing is lost or marked done");
    let report = worker.try_sync().await.expect("the next sync finishes");
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    let (up1, _) = proxy.bytes();
    let sent = up1 - up0;
    assert!(sent < size + size / 2, "resumed: {sent} bytes sent for a {size}-byte photo");
    let leader = TestDevice::login(&server, "leader1").await;
    leader.sync_full().await;
    assert_eq!(leader.store().blob(&photo.hash).unwrap(), worker.store().blob(&photo.hash).unwrap());
    assert!(server.photo_stored(&photo.hash).await, "the photo is in the {blobs:?} store");
    println!("[{backend:?}, {blobs:?}] photo of {size} bytes uploaded with {sent} bytes across a cut");
}

/// Scenario 5: The server restarts between requests, and between the two halves of
/// a photo upload.
async fn server_restarts(backend: Backend, blobs: Blobs) {
    let mut server = TestServer::start_on(backend, blobs, |_| {}).await;
    let proxy = FaultProxy::start(&server.url).await;
    let worker = TestDevice::login_at(&proxy.url, "worker1").await.with_attempts(1).with_chunk_bytes(64 << 10);
    let leader = TestDevice::login(&server, "leader1").await;
    for i in 0..10 {
        worker.report(&format!("重启前{i}"), &[]);
    }
    worker.sync().await;
    server.restart().await;
    for i in 0..5 {
        worker.report(&format!("重启后{i}"), &[]);
    }
    worker.sync().await;
    let leader = TestDevice::login_at(&server.url, &leader.session.user.username).await;
    leader.sync().await;
    assert_eq!(leader.store().list_cases(&all(), 0).unwrap().total, 15);

    // Half a photo, a restart, the other half.
    let id = worker.report("重启中的照片", &[&fixtures::photo("hdr_canon_hdr_NO.jpg")]);
    let photo = worker.store().get_case(&id, None, 0).unwrap().case.photos.into_values().next().unwrap();
    proxy.cut(Direction::Up, photo.bytes / 2);
    worker.try_sync().await.expect_err("cut half-way");
    server.restart().await;
    let (before, _) = proxy.bytes();
    let report = worker.try_sync().await.expect("continues after the restart");
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    let (after, _) = proxy.bytes();
    assert!(
        after - before < photo.bytes,
        "only the second half was sent again ({} of {})",
        after - before,
        photo.bytes
    );
    leader.sync_full().await;
    assert_eq!(leader.store().list_cases(&all(), 0).unwrap().total, 16);
    assert_eq!(leader.store().blob(&photo.hash).unwrap(), worker.store().blob(&photo.hash).unwrap());
    assert!(server.photo_stored(&photo.hash).await, "the photo is in the {blobs:?} store");
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

on_both_backends!(batch_survives_cut_connections, photo_upload_resumes_after_a_cut, server_restarts);
with_photos_in_s3!(photo_upload_resumes_after_a_cut, server_restarts);
