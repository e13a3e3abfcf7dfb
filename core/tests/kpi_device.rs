//! The device's copy gives the same KPIs as the records it was sent: the
//! office month is stored in a real device store the way sync stores
//! documents from the server, read back with `all_cases`/`all_patrols`, and
//! computed again. Same records in, same table and same rating out.

mod office;

use std::collections::BTreeMap;

use automerge::ActorId;
use gridpatrol_core::demo;
use gridpatrol_core::kpi::{KpiQuery, PatrolFacts, Period, compute_kpis, rate_grids};
use gridpatrol_core::model::{DocKind, Patrol, PatrolKind, Scope, StreetCheck, TrackPoint};
use gridpatrol_core::store::DeviceStore;
use office::*;

fn patrol_doc() -> Patrol {
    let r = demo::reference();
    let streets = r.grid(G01).unwrap().streets.clone();
    let check =
        |i: i64| StreetCheck { checked_at: t("2026-12-04 06:00") + i * 60_000, by: WANG.into(), note: String::new() };
    Patrol {
        schema: 1,
        id: "P1".into(),
        kind: PatrolKind::Morning,
        grid: G01.into(),
        team: vec![WANG.into(), LI.into()],
        team_code: "482913".into(),
        lead: None,
        started_by: WANG.into(),
        started_at: t("2026-12-04 06:00"),
        ended_at: Some(t("2026-12-04 08:00")),
        closed_at: None,
        track: (0..4)
            .map(|i| TrackPoint {
                at: t("2026-12-04 06:00") + i * 60_000,
                lat: 30.27 + 0.001 * i as f64,
                lon: 120.15,
                accuracy_m: None,
            })
            .collect(),
        streets: streets
            .iter()
            .take(streets.len() - 1)
            .enumerate()
            .map(|(i, s)| (s.clone(), check(i as i64)))
            .collect::<BTreeMap<_, _>>(),
        cases: BTreeMap::from([("A".to_string(), t("2026-12-04 15:00"))]),
        note: String::new(),
    }
}

#[test]
fn a_device_copy_computes_the_same_figures() {
    let r = demo::reference();
    let dir = tempfile::tempdir().unwrap();
    let mut store = DeviceStore::open(&dir.path().join("device.sqlite")).unwrap();
    store.set_reference(r.clone()).unwrap();
    let server_cases = cases();
    let server_patrol = patrol_doc();
    let actor = ActorId::from(vec![7u8; 16]);
    for case in &server_cases {
        let mut doc = case.to_new_doc(&actor).unwrap();
        store.save_remote_doc(&case.id, DocKind::Case, &mut doc, None).unwrap();
    }
    let mut doc = server_patrol.to_new_doc(&actor).unwrap();
    store.save_remote_doc("P1", DocKind::Patrol, &mut doc, None).unwrap();

    let device_cases = store.all_cases().unwrap();
    assert_eq!(device_cases.len(), server_cases.len());
    let device_patrols: Vec<PatrolFacts> =
        store.all_patrols().unwrap().iter().map(|p| PatrolFacts::from_checklist(p, &r)).collect();
    let server_patrols = vec![PatrolFacts::from_checklist(&server_patrol, &r)];
    let streets = r.grid(G01).unwrap().streets.len() as u32;
    assert_eq!((server_patrols[0].streets_covered, server_patrols[0].streets_total), (streets - 1, streets));
    assert!((server_patrols[0].track_length_m - 333.6).abs() < 1.0, "{}", server_patrols[0].track_length_m);

    let month = Period::month(2026, 12).unwrap();
    let query = KpiQuery::new(
        vec![month.clone(), Period::week(chrono::NaiveDate::from_ymd_opt(2026, 12, 7).unwrap())],
        Scope::All,
    );
    let on_server = compute_kpis(&server_cases, &server_patrols, &r, &query);
    let on_device = compute_kpis(&device_cases, &device_patrols, &r, &query);
    assert_eq!(on_server, on_device);
    let now = t("2026-12-10 12:00");
    assert_eq!(
        rate_grids(&server_cases, &server_patrols, &r, &Scope::All, &month, now),
        rate_grids(&device_cases, &device_patrols, &r, &Scope::All, &month, now)
    );
    // And the figures are the hand-computed ones, not two equal wrong ones.
    let all = on_device.row("2026-12", gridpatrol_core::kpi::Dimension::All, "").unwrap();
    assert_eq!((all.figures.closure_rate.numerator, all.figures.closure_rate.denominator), (3, 5));
    assert_eq!(
        (all.figures.patrol_coverage.numerator, all.figures.patrol_coverage.denominator),
        (u64::from(streets) - 1, u64::from(streets))
    );
}
