//! The office as the app runs it (`sync::office_app`): the server's
//! dashboard and files while it answers; the device's copy, labelled with
//! its last sync and the reason, when the link is down or the server does
//! not answer within the dashboard's 8 s; the server's refusals are final.

use std::sync::{Arc, Mutex};

use gridpatrol_core::clock::Clock;
use gridpatrol_core::codes::ErrorCode;
use gridpatrol_core::demo::DEMO_PASSWORD;
use gridpatrol_core::kpi::Dimension;
use gridpatrol_core::office::{CaseExportFormat, DashboardGranularity, DashboardQuery, DataSource};
use gridpatrol_core::store::{CaseFilter, DeviceStore, Durability};
use gridpatrol_core::sync::client::SyncClient;
use gridpatrol_core::sync::office_app;
use gridpatrol_core::sync::session;
use gridpatrol_core::time::{now_ms, to_china};
use gridpatrol_tests::proxy::FaultProxy;
use gridpatrol_tests::{Backend, TestDevice, TestServer};

const G01: &str = "QS01-G01";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_first_else_the_device() {
    let server = TestServer::start(Backend::Sqlite).await;
    let worker = TestDevice::login(&server, "worker1").await;
    let id = worker.report("电线杆小广告", &[]);
    worker.sync().await;
    let proxy = FaultProxy::start(&server.url).await;
    let now = now_ms();
    let leader = TestDevice::login_at(&proxy.url, "leader1").await;
    let worker_behind = TestDevice::login_at(&proxy.url, "worker2").await;
    // A phone whose clock runs 100 days ahead: it would build a report of a
    // month the server says has not begun.
    let dir = tempfile::tempdir().unwrap();
    let ahead = Clock::shifted(100 * 86_400_000);
    let ahead = DeviceStore::open_with_clock(&dir.path().join("ahead.sqlite"), Durability::Normal, ahead).unwrap();
    let ahead = Arc::new(Mutex::new(ahead));
    SyncClient::new(&proxy.url).unwrap().login(&ahead, "leader1", DEMO_PASSWORD, "ahead").await.unwrap();
    let later_month = to_china(now + 70 * 86_400_000).format("%Y-%m").to_string();
    leader.sync().await;
    let last_sync = session::load(&leader.store()).unwrap().unwrap().last_sync_at;
    assert!(last_sync.is_some());
    let day = to_china(now).format("%Y-%m-%d").to_string();
    let month = to_china(now).format("%Y-%m").to_string();
    let query = DashboardQuery { granularity: DashboardGranularity::Week, at: now, trend: 8 };
    let reported = |board: &gridpatrol_core::office::Dashboard| {
        board.table.row(&board.period.label, Dimension::All, "").unwrap().figures.valid_report_rate.ids.clone()
    };

    // Online: the server's figures and files.
    let audit_before = server.audit().await.len();
    let board = office_app::dashboard(&leader.store, &query).await.unwrap();
    assert_eq!((board.source, board.fallback.as_deref()), (DataSource::Server, None));
    assert!(board.as_of.is_some_and(|at| at >= now));
    assert_eq!(reported(&board), vec![id.clone()]);
    assert_eq!(board.trend.rows.len(), 8, "eight weeks of trend");
    let (log, source) = office_app::export_patrol_log(&leader.store, G01, &day).await.unwrap();
    assert_eq!(
        (source, log.name.as_str()),
        (DataSource::Server, format!("巡查日志-柳荫社区第一网格-{day}.xlsx").as_str())
    );
    let (_, source) = office_app::export_kpi_report(&leader.store, &month).await.unwrap();
    assert_eq!(source, DataSource::Server);
    assert_eq!(server.audit().await.len(), audit_before, "a served request is not a refusal");

    // The server's refusals are the answer, audited there.
    let e = office_app::export_patrol_log(&leader.store, "QS02-G01", &day).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::OutOfScope);
    let e = office_app::dashboard(&leader.store, &DashboardQuery { trend: 0, ..query }).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Invalid);
    let e = office_app::dashboard(&worker.store, &query).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::RoleNotPermitted);
    let e = office_app::export_kpi_report(&ahead, &later_month).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Invalid, "the server's refusal, not the device's file");
    let audit = server.audit().await;
    let refused: Vec<&str> = audit[..audit.len() - audit_before].iter().map(|a| a.action.as_str()).collect();
    assert_eq!(refused, ["refused:invalid", "refused:role_not_permitted", "refused:invalid", "refused:out_of_scope"]);

    // The link is down: the device's copy, as of its last sync, and why.
    proxy.set_down(true);
    let board = office_app::dashboard(&leader.store, &query).await.unwrap();
    assert_eq!(
        (board.source, board.fallback.as_deref(), board.as_of),
        (DataSource::Device, Some("offline"), last_sync)
    );
    assert_eq!(reported(&board), vec![id.clone()], "the device holds the synced case");
    let (device_log, source) = office_app::export_patrol_log(&leader.store, G01, &day).await.unwrap();
    assert_eq!((source, &device_log.name), (DataSource::Device, &log.name));
    let filter = CaseFilter { ids: Some(vec![id.clone()]), ..Default::default() };
    let (csv, source) = office_app::export_cases(&leader.store, CaseExportFormat::Csv, &filter).await.unwrap();
    assert_eq!(source, DataSource::Device);
    assert_eq!(String::from_utf8_lossy(&csv.bytes).lines().count(), 2, "the header and the case");
    let (_, source) = office_app::export_kpi_report(&ahead, &later_month).await.unwrap();
    assert_eq!(source, DataSource::Device, "offline, the phone's own calendar decides");
    let e = office_app::export_kpi_report(&leader.store, "2999-01").await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Invalid, "the device refuses what the server would");
    let e = office_app::dashboard(&worker_behind.store, &query).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::RoleNotPermitted, "offline, the device checks the role itself");

    // The server does not answer: the device's after the timeout.
    proxy.set_down(false);
    proxy.set_stalled(true);
    let board = office_app::dashboard(&leader.store, &query).await.unwrap();
    assert_eq!((board.source, board.fallback.as_deref()), (DataSource::Device, Some("timeout")));
}
