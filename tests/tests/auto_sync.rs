//! The device syncs by itself: work recorded with the link down reaches the
//! server once the link is back, with nobody pressing a button; "network is
//! back" retries at once instead of waiting out the back-off; a device the
//! administrator revoked keeps only the work the server never confirmed.

use std::sync::Arc;
use std::time::Duration;

use gridpatrol_core::store::CaseFilter;
use gridpatrol_core::sync::auto::{AutoSync, Connect, Hooks};
use gridpatrol_core::sync::client::{RetryPolicy, SyncClient};
use gridpatrol_core::sync::schedule::{AutoSyncStatus, ScheduleSettings};
use gridpatrol_core::sync::session::Session;
use gridpatrol_server::service::audit::Actor;
use gridpatrol_tests::proxy::FaultProxy;
use gridpatrol_tests::{Backend, TestDevice, TestServer};

/// One try per request, so a down link fails the run quickly.
fn connect() -> Connect {
    Arc::new(|s: &Session| {
        Ok(SyncClient::for_session(s)?.with_fresh_connections()?.with_retry(RetryPolicy {
            attempts: 1,
            first_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(10),
        }))
    })
}

/// Waits (polling) until `f` holds of the status; panics after `secs`.
async fn until(auto: &AutoSync, secs: u64, what: &str, f: impl Fn(&AutoSyncStatus) -> bool) -> AutoSyncStatus {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        let s = auto.status();
        if f(&s) {
            return s;
        }
        assert!(tokio::time::Instant::now() < deadline, "waited {secs} s for {what}; status {s:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn server_cases(server: &TestServer) -> usize {
    let leader = TestDevice::login(server, "leader1").await;
    leader.sync_full().await;
    leader.store().list_cases(&CaseFilter::default(), 0).unwrap().total as usize
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn work_recorded_offline_reaches_the_server_without_a_button() {
    let server = TestServer::start(Backend::Sqlite).await;
    let proxy = FaultProxy::start(&server.url).await;
    let worker = TestDevice::login_at(&proxy.url, "worker1").await;
    proxy.set_down(true);
    let settings =
        ScheduleSettings { periodic_ms: 60_000, debounce_ms: 50, first_backoff_ms: 100, max_backoff_ms: 400 };
    let auto = AutoSync::start(worker.store.clone(), settings, connect(), Hooks::default());

    let ids: Vec<String> = (0..3).map(|i| worker.report(&format!("离线记录{i}"), &[])).collect();
    auto.saved();
    let s = until(&auto, 20, "two failed runs", |s| s.failures_in_a_row >= 2).await;
    assert_eq!(s.last_error.as_ref().map(|e| e.code.as_str()), Some("offline"));
    assert_eq!(worker.store().unsynced().unwrap().cases, 3, "nothing confirmed while the link is down");
    assert_eq!(server_cases(&server).await, 0);

    proxy.set_down(false);
    let s = until(&auto, 20, "a good run after the link came back", |s| s.last_ok_at.is_some()).await;
    assert_eq!(s.failures_in_a_row, 0);
    assert!(s.last_error.is_none(), "the error is cleared once a run passes");
    assert_eq!(worker.store().unsynced().unwrap(), Default::default(), "everything confirmed");
    assert_eq!(server_cases(&server).await, 3);
    let next = s.next_at.expect("a periodic run is planned");
    assert!(next > s.last_ok_at.unwrap(), "the next run is in the future");
    for id in &ids {
        assert!(worker.store().get_case(id, None, 0).is_ok());
    }

    // "Sync now" waits for a run that includes the latest save.
    let late = worker.report("刚记的", &[]);
    let report = auto.run_now().await.expect("sync now passes");
    assert!(report.progress.docs_up >= 1, "{report:?}");
    assert_eq!(worker.store().unsynced().unwrap().cases, 0);
    assert_eq!(server_cases(&server).await, 4, "{late} arrived");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn network_back_retries_at_once_instead_of_waiting_out_the_backoff() {
    let server = TestServer::start(Backend::Sqlite).await;
    let proxy = FaultProxy::start(&server.url).await;
    let worker = TestDevice::login_at(&proxy.url, "worker2").await;
    proxy.set_down(true);
    // A back-off of ten minutes: only `network_up` can bring the run forward.
    let settings =
        ScheduleSettings { periodic_ms: 600_000, debounce_ms: 10, first_backoff_ms: 600_000, max_backoff_ms: 600_000 };
    let auto = AutoSync::start(worker.store.clone(), settings, connect(), Hooks::default());
    worker.report("井盖破损", &[]);
    let failed = until(&auto, 20, "a failed run", |s| s.failures_in_a_row >= 1 && !s.running).await;
    let next = failed.next_at.expect("a retry is planned");
    assert!(next - failed.last_error.as_ref().unwrap().at >= 600_000, "the retry waits out the back-off");

    proxy.set_down(false);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(auto.status().failures_in_a_row, failed.failures_in_a_row, "no run before the back-off ends");
    assert_eq!(worker.store().unsynced().unwrap().cases, 1);
    auto.network_up();
    until(&auto, 20, "a good run after network_up", |s| s.last_ok_at.is_some()).await;
    assert_eq!(worker.store().unsynced().unwrap().cases, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_device_keeps_only_unconfirmed_work() {
    let server = TestServer::start(Backend::Sqlite).await;
    let worker = TestDevice::login(&server, "worker3").await;
    let confirmed = worker.report("已上传", &[&gridpatrol_tests::fixtures::photo("Canon_40D.jpg")]);
    worker.sync().await;
    let pending = worker.report("未上传", &[]);
    let device = worker.store().device_id().to_owned();
    server.service().revoke_device(&Actor::cli(), &device).await.unwrap();

    let revoked = Arc::new(std::sync::Mutex::new(None));
    let seen = revoked.clone();
    let hooks = Hooks { revoked: Arc::new(move |r| *seen.lock().unwrap() = Some(*r)), ..Hooks::default() };
    let auto = AutoSync::start(worker.store.clone(), ScheduleSettings::default(), connect(), hooks);
    let outcome = auto.run_now().await;
    assert_eq!(outcome.unwrap_err().code, "device_revoked");
    let report = revoked.lock().unwrap().expect("the app is told");
    assert_eq!((report.kept_docs, report.removed_photos), (1, 1), "{report:?}");
    assert!(report.removed_docs >= 1, "{report:?}");
    let store = worker.store();
    assert!(store.get_case(&confirmed, None, 0).is_err(), "confirmed work is wiped");
    assert!(store.get_case(&pending, None, 0).is_ok(), "unconfirmed work is kept for its author");
    assert_eq!(auto.status().last_error.unwrap().code, "device_revoked");
}
