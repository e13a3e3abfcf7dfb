//! The dashboard and the case filter over the hand-made month of
//! `office/mod.rs` (its docs tell each case's story): periods and trend,
//! cases by category, ratings and overdue cases for every grid of a scope;
//! the same board from a device's copy; `CaseFilter.ids` in the case list,
//! and the filter over documents (the server's) agreeing with the list.

mod office;

use std::collections::BTreeSet;

use automerge::ActorId;
use gridpatrol_core::codes::ErrorCode;
use gridpatrol_core::demo;
use gridpatrol_core::kpi::{Dimension, PatrolFacts, rate_grids};
use gridpatrol_core::model::{DocKind, Reference, Scope};
use gridpatrol_core::office::{
    Dashboard, DashboardGranularity, DashboardQuery, DataSource, build_dashboard, case_matches,
};
use gridpatrol_core::store::{CaseFilter, DeviceStore, Viewer};
use gridpatrol_core::workflow::{CaseStatus, derive};
use office::*;

fn board(r: &Reference, scope: &Scope, granularity: DashboardGranularity, at: &str, trend: u32) -> Dashboard {
    let query = DashboardQuery { granularity, at: t(at), trend };
    build_dashboard(&cases(), &patrols(), r, scope, &query, t("2026-12-10 12:00")).unwrap()
}

#[test]
fn the_month_on_the_dashboard() {
    let r = demo::reference();
    let d = board(&r, &Scope::All, DashboardGranularity::Month, "2026-12-10 12:00", 3);
    assert_eq!((d.source, d.as_of, d.fallback.as_deref()), (DataSource::Server, Some(t("2026-12-10 12:00")), None));
    assert_eq!(d.period.label, "2026-12");
    let trend: Vec<&str> = d.trend.periods.iter().map(|p| p.label.as_str()).collect();
    assert_eq!(trend, ["2026-10", "2026-11", "2026-12"]);
    assert!(d.trend.rows.iter().all(|r| r.dimension == Dimension::All), "the trend is totals only");
    let dec = d.trend.row("2026-12", Dimension::All, "").unwrap();
    assert_eq!((dec.figures.closure_rate.numerator, dec.figures.closure_rate.denominator), (3, 5));
    assert!(dec.figures.closure_rate.ids.is_empty(), "the trend carries no ids");
    let nov = d.trend.row("2026-11", Dimension::All, "").unwrap();
    assert_eq!(nov.figures.valid_report_rate.denominator, 0);

    // The table has ids, and a row for every grid even without records.
    let all = d.table.row("2026-12", Dimension::All, "").unwrap();
    assert_eq!(all.figures.closure_rate.hit_ids, ["A", "B", "C"]);
    let grids = r.org.grids().count();
    assert_eq!(d.table.rows_of(Dimension::Grid).count(), grids);
    assert!(d.table.rows_of(Dimension::Community).next().is_none());
    assert!(d.table.row("2026-12", Dimension::Department, DEPT).is_some());
    assert!(d.table.row("2026-12", Dimension::Worker, WANG).is_some());

    // All six were reported in December, all E0505: A, B and C are closed
    // now; E (accepted, never dispatched) and F (relapsed) are overdue.
    assert_eq!(d.categories.len(), 1);
    let c = &d.categories[0];
    assert_eq!((c.category.as_str(), c.name.as_str()), ("E0505", "机动车乱停放"));
    assert_eq!((c.reported, c.closed, c.overdue), (6, 3, 2));
    assert_eq!(c.ids, ["A", "B", "C", "D", "E", "F"]);

    // Ratings are monthly, every grid; overdue while the month runs is now.
    assert_eq!(d.rating_period.label, "2026-12");
    assert_eq!(d.ratings, rate_grids(&cases(), &patrols(), &r, &Scope::All, &d.rating_period, t("2026-12-10 12:00")));
    assert_eq!(d.ratings.len(), grids);
    assert_eq!(d.overdue_as_of, t("2026-12-10 12:00"));
    let od = |g: &str| d.overdue.iter().find(|o| o.grid == g).unwrap().cases.clone();
    assert_eq!((od(G01), od(G02)), (vec!["E".to_string()], vec!["F".to_string()]));
    assert_eq!(d.overdue.len(), grids);
}

#[test]
fn weeks_past_periods_and_bad_queries() {
    let r = demo::reference();
    // Thursday Dec 10 is in W50 (Mon Dec 7 – Sun Dec 13); nothing was
    // reported that week, so no category row; B's rework and handling were.
    let d = board(&r, &Scope::All, DashboardGranularity::Week, "2026-12-10 12:00", 2);
    assert_eq!(
        (d.period.label.as_str(), d.period.from, d.period.to),
        ("2026-W50", t("2026-12-07 00:00"), t("2026-12-14 00:00"))
    );
    let trend: Vec<&str> = d.trend.periods.iter().map(|p| p.label.as_str()).collect();
    assert_eq!(trend, ["2026-W49", "2026-W50"]);
    assert!(d.categories.is_empty());
    let w50 = d.table.row("2026-W50", Dimension::All, "").unwrap();
    assert_eq!(w50.figures.rework_rate.hit_ids, ["B"]);
    assert_eq!(d.rating_period.label, "2026-12", "ratings stay monthly on the weekly view");

    // A past month: overdue is taken at its last millisecond.
    let nov = board(&r, &Scope::All, DashboardGranularity::Month, "2026-11-15 09:00", 1);
    assert_eq!(nov.period.label, "2026-11");
    assert_eq!(nov.overdue_as_of, t("2026-12-01 00:00") - 1);
    assert!(nov.overdue.iter().all(|o| o.overdue == 0));
    assert!(nov.categories.is_empty());
    assert_eq!(nov.rating_period.label, "2026-11");

    for trend in [0, 27] {
        let q = DashboardQuery { granularity: DashboardGranularity::Month, at: t("2026-12-10 12:00"), trend };
        let e = build_dashboard(&cases(), &patrols(), &r, &Scope::All, &q, t("2026-12-10 12:00")).unwrap_err();
        assert_eq!(e.code, ErrorCode::Invalid, "trend {trend}");
    }
    let day = serde_json::from_str::<DashboardQuery>(r#"{"granularity":"day","at":0,"trend":8}"#);
    assert!(day.is_err(), "`day` is not a dashboard granularity");
}

#[test]
fn a_scope_without_records_still_lists_its_grids() {
    let r = demo::reference();
    let g04: BTreeSet<String> = r.org.grids_under("QS04");
    let scope = Scope::Grids { grids: g04.clone() };
    let d = board(&r, &scope, DashboardGranularity::Month, "2026-12-10 12:00", 6);
    let rows: BTreeSet<String> = d.table.rows_of(Dimension::Grid).map(|r| r.key.clone()).collect();
    assert_eq!(rows, g04);
    assert_eq!(d.ratings.iter().map(|r| r.grid.clone()).collect::<BTreeSet<_>>(), g04);
    assert!(d.categories.is_empty());
    assert_eq!(d.table.row("2026-12", Dimension::All, "").unwrap().figures.valid_report_rate.denominator, 0);
}

/// A device store holding the month as synced documents, shown to `user`.
fn device(user: &str) -> (tempfile::TempDir, DeviceStore) {
    let r = demo::reference();
    let dir = tempfile::tempdir().unwrap();
    let mut store = DeviceStore::open(&dir.path().join("device.sqlite")).unwrap();
    store.set_reference(r.clone()).unwrap();
    let actor = ActorId::from(vec![7u8; 16]);
    for case in &cases() {
        let mut doc = case.to_new_doc(&actor).unwrap();
        store.save_remote_doc(&case.id, DocKind::Case, &mut doc, None).unwrap();
    }
    store.set_viewer(Some(Viewer { user_id: user.into(), scope: r.scope_of(user) }));
    (dir, store)
}

#[test]
fn the_device_builds_the_same_board_for_leaders_only() {
    let r = demo::reference();
    let (_dir, store) = device(LEADER);
    let query = DashboardQuery { granularity: DashboardGranularity::Month, at: t("2026-12-10 12:00"), trend: 6 };
    let now = t("2026-12-10 12:00");
    let on_device =
        store.office_dashboard(&query, now).unwrap().from_device(Some(now - 3_600_000), Some("offline".into()));
    let patrols: Vec<PatrolFacts> = vec![];
    let expected = build_dashboard(&cases(), &patrols, &r, &r.scope_of(LEADER), &query, now).unwrap();
    assert_eq!(
        (on_device.source, on_device.as_of, on_device.fallback.as_deref()),
        (DataSource::Device, Some(now - 3_600_000), Some("offline"))
    );
    assert_eq!(on_device.from_device(expected.as_of, None), Dashboard { source: DataSource::Device, ..expected });

    let (_dir, worker) = device(WANG);
    assert_eq!(worker.office_dashboard(&query, now).unwrap_err().code, ErrorCode::RoleNotPermitted);
    let (_dir, mut nobody) = device(WANG);
    nobody.set_viewer(None);
    assert_eq!(nobody.office_dashboard(&query, now).unwrap_err().code, ErrorCode::NotLoggedIn);
}

fn listed(store: &DeviceStore, filter: &CaseFilter, now: i64) -> Vec<String> {
    let mut ids: Vec<String> = store.list_cases(filter, now).unwrap().items.into_iter().map(|i| i.id).collect();
    ids.sort();
    ids
}

#[test]
fn the_ids_filter_and_the_filter_over_documents() {
    let r = demo::reference();
    let (_dir, store) = device(SUPERVISOR);
    let now = t("2026-12-10 12:00");
    let ids = |v: &[&str]| Some(v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
    let page = store.list_cases(&CaseFilter { ids: ids(&["A", "C", "not-here"]), ..Default::default() }, now).unwrap();
    assert_eq!(page.total, 2, "ids the device does not hold are simply missing");
    assert_eq!(
        listed(&store, &CaseFilter { ids: ids(&["A", "C", "not-here"]), ..Default::default() }, now),
        ["A", "C"]
    );
    assert_eq!(store.list_cases(&CaseFilter { ids: ids(&[]), ..Default::default() }, now).unwrap().total, 0);
    let closed_of = CaseFilter { ids: ids(&["A", "E", "F"]), statuses: vec![CaseStatus::Closed], ..Default::default() };
    assert_eq!(listed(&store, &closed_of, now), ["A"], "ids AND statuses");
    // A grid leader of G01–G03 and a worker of G01 see only their grids.
    let (_dir, worker3) = device(ZHANG);
    assert_eq!(listed(&worker3, &CaseFilter { ids: ids(&["A", "F"]), ..Default::default() }, now), ["F"]);

    // The server's filter over documents agrees with the list, field by field.
    let filters = vec![
        CaseFilter::default(),
        CaseFilter { ids: ids(&["A", "C", "not-here"]), ..Default::default() },
        CaseFilter { ids: ids(&[]), ..Default::default() },
        closed_of,
        CaseFilter { grid: Some(G02.into()), ..Default::default() },
        CaseFilter { reporter: Some(LI.into()), ..Default::default() },
        CaseFilter {
            category: Some("E0505".into()),
            statuses: vec![CaseStatus::Accepted, CaseStatus::Relapsed],
            ..Default::default()
        },
        CaseFilter { overdue: true, ..Default::default() },
        CaseFilter { lookback_due: true, ..Default::default() },
        CaseFilter { text: Some("  a  ".into()), ..Default::default() },
        CaseFilter { text: Some("柳荫路 11".into()), ..Default::default() },
        CaseFilter { unsynced: true, ..Default::default() },
    ];
    for f in &filters {
        let mut matched: Vec<String> =
            cases().iter().filter(|c| case_matches(f, c, &derive(c), &r, false, now)).map(|c| c.id.clone()).collect();
        matched.sort();
        assert_eq!(matched, listed(&store, f, now), "{f:?}");
    }
    assert_eq!(listed(&store, &CaseFilter { overdue: true, ..Default::default() }, now), ["E", "F"]);
    assert_eq!(
        listed(&store, &CaseFilter { lookback_due: true, ..Default::default() }, t("2026-12-20 12:00")),
        ["A", "B", "C"]
    );
}
