//! The office's figures and files on a real server, both backends: workers
//! report and patrol, everyone syncs, and the server's dashboard, patrol
//! log, monthly report and case exports equal what the leader's device
//! builds from its copy (the same bytes for the same instant). The server's
//! patrol log is read back cell by cell with calamine and rendered by
//! LibreOffice and poppler (skipped, with the reason printed, where
//! `soffice` or `pdftoppm` is missing). Refusals change nothing but the audit log.

use std::io::Cursor;
use std::time::Duration;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use gridpatrol_core::kpi::Dimension;
use gridpatrol_core::model::{EventKind, PatrolKind, TrackPoint};
use gridpatrol_core::office::{
    CaseExportFormat, Dashboard, DashboardGranularity, DashboardQuery, DataSource, kpi_report_file,
};
use gridpatrol_core::store::{CaseFilter, NewEvent, PhotoPick};
use gridpatrol_core::sync::client::ClientError;
use gridpatrol_core::time::to_china;
use gridpatrol_server::storage::StateDigest;
use gridpatrol_tests::device::sample_case;
use gridpatrol_tests::fixtures::photo;
use gridpatrol_tests::{Backend, TestDevice, TestServer};

const G01: &str = "QS01-G01";

/// Points every ~10 m along the first street of `grid`, from `start` on.
fn walk(server_ref: &gridpatrol_core::model::Reference, grid: &str, start: i64) -> Vec<TrackPoint> {
    let line = &server_ref.grid(grid).unwrap().street_lines[0].geometry["coordinates"];
    let (a, b) = (&line[0], &line[1]);
    let (lon0, lat0, lon1, lat1) =
        (a[0].as_f64().unwrap(), a[1].as_f64().unwrap(), b[0].as_f64().unwrap(), b[1].as_f64().unwrap());
    (0..=60)
        .map(|i| {
            let f = f64::from(i) / 60.0;
            TrackPoint {
                at: start + i64::from(i) * 100,
                lat: lat0 + (lat1 - lat0) * f,
                lon: lon0 + (lon1 - lon0) * f,
                accuracy_m: Some(5.0),
            }
        })
        .collect()
}

/// Two workers' day in G01 and G02: a patrol with a track, a case found
/// on it and handled on the spot (with a photo) and closed, one escalated,
/// one in G02. Returns the ids of the three cases.
async fn workers_day(server: &TestServer) -> Vec<String> {
    let w1 = TestDevice::login(server, "worker1").await;
    let w3 = TestDevice::login(server, "worker3").await;
    let actor = w1.actor();
    let reference = w1.store().reference().unwrap().as_ref().clone();
    let patrol = w1.store().start_patrol(&actor, PatrolKind::Morning, G01, vec![]).unwrap().patrol;
    w1.store().record_track(&patrol.id, &walk(&reference, G01, patrol.started_at)).unwrap();
    let staged = w1.store().stage_photo(&photo("gps_DSCN0010.jpg")).unwrap();
    let mut found = sample_case(G01);
    found.patrol = Some(patrol.id.clone());
    found.handled_on_spot = true;
    found.photos = vec![PhotoPick { hash: staged.hash, role: Default::default() }];
    let found = w1.store().create_case(&actor, found).unwrap().case.id;
    let close =
        NewEvent { kind: EventKind::Closed, note: "已劝离".into(), photos: vec![], department: None, at: None };
    w1.store().append_event(&actor, &found, close).unwrap();
    w1.store().end_patrol(&actor, &patrol.id, "").unwrap();
    let escalated = w1.report("电线杆小广告", &[&photo("orientation_landscape_6.jpg")]);
    let up = NewEvent { kind: EventKind::Escalated, note: String::new(), photos: vec![], department: None, at: None };
    w1.store().append_event(&actor, &escalated, up).unwrap();
    let elsewhere = w3.store().create_case(&w3.actor(), sample_case("QS01-G02")).unwrap().case.id;
    w1.sync().await;
    w3.sync().await;
    vec![found, escalated, elsewhere]
}

/// The state a refusal must leave untouched (the audit aside).
async fn digest(server: &TestServer) -> StateDigest {
    StateDigest { audit: 0, ..server.service().storage().digest().await.unwrap() }
}

fn code(r: Result<impl std::fmt::Debug, ClientError>) -> String {
    r.expect_err("refused").code().to_owned()
}

/// Text of a cell.
fn cell(range: &calamine::Range<Data>, row: u32, col: u32) -> String {
    match range.get_value((row, col)) {
        Some(Data::String(s)) => s.clone(),
        Some(Data::Float(f)) => f.to_string(),
        Some(Data::Empty) | None => String::new(),
        Some(other) => format!("{other:?}"),
    }
}

async fn dashboard_and_reports(backend: Backend) {
    let server = TestServer::start(backend).await;
    let ids = workers_day(&server).await;
    let leader = TestDevice::login(&server, "leader1").await;
    leader.sync().await;
    let now = gridpatrol_core::time::now_ms();
    let query = DashboardQuery { granularity: DashboardGranularity::Month, at: now, trend: 6 };

    // The dashboard: the server's figures are the device's for the same data.
    let on_server = leader.client.dashboard(&query, Duration::from_secs(8)).await.unwrap();
    assert_eq!((on_server.source, on_server.fallback.as_deref()), (DataSource::Server, None));
    let as_of = on_server.as_of.expect("the server says when");
    let on_device = leader.store().office_dashboard(&query, as_of).unwrap();
    // Both through the same JSON text, so floats compare exactly.
    let on_device: Dashboard = serde_json::from_str(&serde_json::to_string(&on_device).unwrap()).unwrap();
    assert_eq!(on_server, on_device);
    let all = on_server.table.row(&on_server.period.label, Dimension::All, "").unwrap();
    let mut reported = ids.clone();
    reported.sort();
    assert_eq!(all.figures.valid_report_rate.ids, reported, "the three cases of the day");
    assert_eq!(all.figures.closure_rate.hit_ids, [ids[0].clone()]);
    assert_eq!(all.figures.self_handled_rate.hit_ids, [ids[0].clone()]);
    let coverage = &all.figures.patrol_coverage;
    let streets = leader.store().reference().unwrap().grid(G01).unwrap().streets.len() as u64;
    assert_eq!(coverage.denominator, streets);
    assert!(coverage.numerator >= 1, "the walked street is covered: {coverage:?}");
    assert_eq!(on_server.table.rows_of(Dimension::Grid).count(), 3, "leader1's three grids");
    assert_eq!(on_server.categories.iter().map(|c| c.reported).sum::<u32>(), 3);

    // The day's patrol log: the same bytes as the device builds.
    let day = to_china(now).format("%Y-%m-%d").to_string();
    let log = leader.client.export_patrol_log(G01, &day).await.unwrap();
    let generated_at = log.generated_at.unwrap();
    assert_eq!(log.file.name, format!("巡查日志-柳荫社区第一网格-{day}.xlsx"));
    let device_log = leader.store().office_patrol_log(G01, &day, generated_at).unwrap();
    assert_eq!(device_log.name, log.file.name);
    assert!(device_log.bytes == log.file.bytes, "the device's log differs from the server's");
    read_back_patrol_log(&log.file.bytes, &day);
    if backend == Backend::Sqlite {
        render_with_libreoffice(&log.file.bytes);
    }

    // The month's report: the server's bytes are the core's over the device's copy.
    let month = to_china(now).format("%Y-%m").to_string();
    let report = leader.client.export_kpi_report(&month).await.unwrap();
    assert_eq!(report.file.name, format!("考核报表-{month}.xlsx"));
    let (cases, patrols) = leader.store().office_records().unwrap();
    let reference = leader.store().reference().unwrap().as_ref().clone();
    let scope = reference.scope_of("u-leader1");
    let rebuilt =
        kpi_report_file(&reference, &scope, &month, &cases, &patrols, report.generated_at.unwrap(), DataSource::Server)
            .unwrap();
    assert!(rebuilt.bytes == report.file.bytes, "the server's report is not the core's");
    let mut wb: Xlsx<_> = open_workbook_from_rs(Cursor::new(report.file.bytes.clone())).unwrap();
    let grids = wb.worksheet_range("网格评级").unwrap();
    let cells: Vec<String> = grids.rows().flatten().map(|c| c.to_string()).collect();
    assert!(cells.iter().any(|c| c == "柳荫社区第一网格"), "{cells:?}");

    // Cases as CSV and GeoJSON, all of them or those behind a figure.
    let all_cases = CaseFilter::default();
    let csv = leader.client.export_cases(CaseExportFormat::Csv, &all_cases).await.unwrap();
    let device_csv = leader.store().office_cases(CaseExportFormat::Csv, &all_cases, now).unwrap();
    assert!(csv.file.bytes == device_csv.bytes);
    assert!(csv.file.bytes.starts_with(gridpatrol_core::export::BOM));
    assert_eq!(String::from_utf8_lossy(&csv.file.bytes).lines().count(), 1 + 3);
    let behind = CaseFilter { ids: Some(vec![ids[0].clone(), "not-a-case".into()]), ..Default::default() };
    let geo = leader.client.export_cases(CaseExportFormat::Geojson, &behind).await.unwrap();
    assert!(geo.file.name.ends_with(".geojson"));
    assert_eq!(geo.file.bytes, leader.store().office_cases(CaseExportFormat::Geojson, &behind, now).unwrap().bytes);
    let fc: serde_json::Value = serde_json::from_slice(&geo.file.bytes).unwrap();
    assert_eq!(fc["features"].as_array().unwrap().len(), 1);
    assert_eq!(fc["features"][0]["properties"]["id"], ids[0].as_str());

    // Refusals change nothing.
    let worker = TestDevice::login(&server, "worker1").await;
    let before = digest(&server).await;
    let audit_before = server.audit().await.len();
    assert_eq!(code(worker.client.dashboard(&query, Duration::from_secs(8)).await), "role_not_permitted");
    let bad = DashboardQuery { trend: 27, ..query };
    assert_eq!(code(leader.client.dashboard(&bad, Duration::from_secs(8)).await), "invalid");
    assert_eq!(code(leader.client.export_patrol_log("QS02-G01", &day).await), "out_of_scope");
    assert_eq!(code(leader.client.export_patrol_log("QS99-G01", &day).await), "unknown_grid");
    assert_eq!(code(leader.client.export_patrol_log(G01, "2026-13-01").await), "invalid");
    assert_eq!(code(leader.client.export_kpi_report("2999-01").await), "invalid");
    assert_eq!(digest(&server).await, before, "a refusal changed the server's state");
    let audit = server.audit().await;
    let added: Vec<&str> = audit[..audit.len() - audit_before].iter().map(|a| a.action.as_str()).collect();
    assert_eq!(
        added,
        [
            "refused:invalid",
            "refused:invalid",
            "refused:unknown_grid",
            "refused:out_of_scope",
            "refused:invalid",
            "refused:role_not_permitted"
        ],
        "newest first: one audited refusal per request"
    );
}

/// The server's log, cell by cell: the title, the patrol and the cases.
fn read_back_patrol_log(bytes: &[u8], day: &str) {
    let mut wb: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes.to_vec())).unwrap();
    assert_eq!(wb.sheet_names(), ["巡查记录", "发现问题"]);
    let p = wb.worksheet_range("巡查记录").unwrap();
    assert_eq!(cell(&p, 0, 0), format!("柳荫社区第一网格 巡查日志 {day}"));
    assert!(cell(&p, 1, 0).contains("巡查 1 次"), "{}", cell(&p, 1, 0));
    assert_eq!((cell(&p, 3, 0), cell(&p, 3, 1), cell(&p, 3, 2)), ("1".into(), "晨检".into(), "王芳".into()));
    assert_eq!(cell(&p, 3, 9), "1", "one case found on the patrol");
    let c = wb.worksheet_range("发现问题").unwrap();
    let statuses: Vec<String> = (3..5).map(|r| cell(&c, r, 6)).collect();
    assert_eq!(statuses, ["已结案", "已提报"]);
    assert_eq!((cell(&c, 3, 7), cell(&c, 4, 7)), ("王芳".into(), "王芳".into()));
    assert!(cell(&c, 3, 2).contains("机动车乱停放"), "{}", cell(&c, 3, 2));
    let pictures = wb.pictures().unwrap_or_default();
    assert_eq!(pictures.len(), 2, "both cases print their thumbnail");
    assert!(pictures.iter().all(|(ext, data)| ext == "jpeg" || ext == "jpg" || data.starts_with(&[0xFF, 0xD8])));
}

/// Renders the log with LibreOffice (to PDF: the headless build has no
/// working PNG export for spreadsheets) and its first page to PNG with
/// poppler's `pdftoppm`, and checks it is a picture with something on it;
/// kept in `$GRIDPATROL_EXPORT_DIR` if set. Skipped, with the reason
/// printed, where either program is missing.
fn render_with_libreoffice(bytes: &[u8]) {
    let (Ok(soffice), Ok(pdftoppm)) = (which("soffice"), which("pdftoppm")) else {
        println!("skipped the LibreOffice rendering: soffice or pdftoppm (poppler-utils) is not installed");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let xlsx = dir.path().join("patrol-log.xlsx");
    std::fs::write(&xlsx, bytes).unwrap();
    let profile = format!("-env:UserInstallation=file://{}", dir.path().join("profile").display());
    let out = std::process::Command::new(soffice)
        .args([profile.as_str(), "--headless", "--convert-to", "pdf", "--outdir"])
        .arg(dir.path())
        .arg(&xlsx)
        .output()
        .unwrap();
    let pdf = dir.path().join("patrol-log.pdf");
    assert!(pdf.exists(), "soffice made no PDF: {}", String::from_utf8_lossy(&out.stderr));
    let out = std::process::Command::new(pdftoppm)
        .args(["-png", "-r", "110", "-f", "1", "-singlefile"])
        .arg(&pdf)
        .arg(dir.path().join("patrol-log"))
        .output()
        .unwrap();
    let png = dir.path().join("patrol-log.png");
    assert!(png.exists(), "pdftoppm made no PNG: {}", String::from_utf8_lossy(&out.stderr));
    let img = image::open(&png).unwrap().to_rgb8();
    assert!(img.width() > 400 && img.height() > 100, "{}×{}", img.width(), img.height());
    let dark = img.pixels().filter(|p| p.0.iter().all(|&c| c < 128)).count();
    assert!(dark > 1000, "the rendering is blank ({dark} dark pixels)");
    if let Ok(keep) = std::env::var("GRIDPATROL_EXPORT_DIR") {
        std::fs::create_dir_all(&keep).unwrap();
        std::fs::copy(&png, std::path::Path::new(&keep).join("patrol-log.png")).unwrap();
        std::fs::copy(&xlsx, std::path::Path::new(&keep).join("patrol-log.xlsx")).unwrap();
    }
}

fn which(program: &str) -> Result<std::path::PathBuf, ()> {
    std::env::var_os("PATH")
        .and_then(|paths| std::env::split_paths(&paths).map(|d| d.join(program)).find(|p| p.is_file()))
        .ok_or(())
}

mod sqlite {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn dashboard_and_reports() {
        super::dashboard_and_reports(super::Backend::Sqlite).await;
    }
}

mod postgres {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn dashboard_and_reports() {
        super::dashboard_and_reports(super::Backend::Postgres).await;
    }
}
