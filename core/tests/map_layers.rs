//! The map's one call (grids, streets, buildings, pins, tracks in the
//! display CRS, within the viewer's scope), the duplicate hint and added
//! evidence, the basemap choice, and the reindex an older database gets.

mod common;

use gridpatrol_core::clock::Clock;
use gridpatrol_core::demo;
use gridpatrol_core::geo::{Crs, GeoGeometry, GeoPosition, wgs84_to_gcj02};
use gridpatrol_core::model::{
    BasemapKind, BasemapSettings, EventKind, Location, LocationSource, PatrolKind, PhotoRole, Reference, Severity,
    TrackPoint,
};
use gridpatrol_core::store::{
    Actor, CaseFilter, DeviceStore, MapQuery, NewCase, NewEvent, PhotoPick, SyncBookkeeping, Viewer, archive_basemap,
};
use gridpatrol_core::time::Millis;
use gridpatrol_core::workflow::CaseStatus;

const GRID: &str = "QS01-G01";
/// A spot on 凤起弄.
const SPOT: (f64, f64) = (30.277298, 120.1611);
/// About one metre of latitude, in degrees.
const M: f64 = 1.0 / 111_195.0;

fn actor(r: &Reference, username: &str) -> Actor {
    let u = r.user_by_name(username).unwrap();
    Actor { user_id: u.id.clone(), role: u.role }
}

fn store_for(username: &str) -> (DeviceStore, Actor) {
    let (clock, _) = Clock::simulated(1_772_000_000_000, 21);
    let mut store = DeviceStore::open_in_memory(clock).unwrap();
    let r = demo::reference();
    let a = actor(&r, username);
    store.set_viewer(Some(Viewer { user_id: a.user_id.clone(), scope: r.scope_of(&a.user_id) }));
    store.set_reference(r).unwrap();
    (store, a)
}

fn report(store: &mut DeviceStore, who: &Actor, category: &str, at: Option<(f64, f64)>) -> String {
    let new = NewCase {
        grid: GRID.into(),
        category: category.into(),
        title: String::new(),
        description: String::new(),
        location: Location {
            lat: at.map(|p| p.0),
            lon: at.map(|p| p.1),
            accuracy_m: Some(6.0),
            source: LocationSource::Gps,
            street: None,
            address: "凤起弄".into(),
        },
        severity: Severity::Normal,
        photos: vec![],
        patrol: None,
        handled_on_spot: false,
        history: vec![],
        at: None,
        related: vec![],
        linked_photos: vec![],
    };
    store.create_case(who, new).unwrap().case.id
}

fn step(store: &mut DeviceStore, who: &Actor, id: &str, kind: EventKind) {
    let e = NewEvent { kind, note: String::new(), photos: vec![], department: None, at: None };
    store.append_event(who, id, e).unwrap();
}

fn first_position(g: &GeoGeometry) -> GeoPosition {
    match g {
        GeoGeometry::Point(p) => *p,
        GeoGeometry::LineString(l) => l[0],
        GeoGeometry::MultiLineString(m) => m[0][0],
        GeoGeometry::Polygon(p) => p[0][0],
        GeoGeometry::MultiPolygon(m) => m[0][0][0],
    }
}

#[test]
fn the_map_draws_the_viewers_grids_in_the_display_crs() {
    let (mut store, worker) = store_for("worker1");
    let all = MapQuery { crs: Crs::Wgs84, grids: None, cases: None, patrol: None };
    let l = store.map_layers(&all, 0).unwrap();
    let grid = demo::reference().grid(GRID).unwrap().clone();
    assert_eq!(l.grids.features.len(), 1, "a worker's scope is one grid");
    assert_eq!(l.grids.features[0].properties.id, GRID);
    assert_eq!(l.streets.features.len(), grid.street_lines.len());
    assert!(l.streets.features.iter().all(|s| s.properties.grid == GRID));
    assert_eq!(l.buildings.features.len(), 3);
    assert!(l.cases.features.is_empty() && l.tracks.features.is_empty());
    let json = serde_json::to_value(&l).unwrap();
    assert_eq!(json["grids"]["type"], "FeatureCollection");
    assert_eq!(json["streets"]["features"][0]["type"], "Feature");
    assert_eq!(json["streets"]["features"][0]["geometry"]["type"], "LineString");

    // The same layers on a GCJ-02 basemap are shifted, every one of them.
    let shifted = store.map_layers(&MapQuery { crs: Crs::Gcj02, ..all.clone() }, 0).unwrap();
    let plain = first_position(&l.streets.features[0].geometry).0;
    let (lat, lon) = wgs84_to_gcj02(plain[1], plain[0]);
    assert_eq!(first_position(&shifted.streets.features[0].geometry), GeoPosition([lon, lat]));
    assert_ne!(first_position(&shifted.grids.features[0].geometry), first_position(&l.grids.features[0].geometry));
    assert_ne!(
        first_position(&shifted.buildings.features[0].geometry),
        first_position(&l.buildings.features[0].geometry)
    );

    // `[]` is none; grids out of scope are not drawn.
    let none = store.map_layers(&MapQuery { grids: Some(vec![]), ..all.clone() }, 0).unwrap();
    assert!(none.grids.features.is_empty() && none.streets.features.is_empty());
    let other = store.map_layers(&MapQuery { grids: Some(vec!["QS02-G01".into()]), ..all.clone() }, 0).unwrap();
    assert!(other.grids.features.is_empty());
    // A leader sees their three grids.
    let (leader_store, _) = store_for("leader1");
    assert_eq!(leader_store.map_layers(&all, 0).unwrap().grids.features.len(), 3);

    // Pins: cases with a position, filtered as in the list, `closed` grey.
    let open = report(&mut store, &worker, "E0201", Some(SPOT));
    let _nowhere = report(&mut store, &worker, "E0201", None);
    let done = report(&mut store, &worker, "E0507", Some((SPOT.0 + 0.001, SPOT.1)));
    for k in [EventKind::HandledOnSpot, EventKind::Verified, EventKind::Closed] {
        step(&mut store, &worker, &done, k);
    }
    let pins = |f: CaseFilter| {
        let l = store.map_layers(&MapQuery { cases: Some(f), ..all.clone() }, store.now()).unwrap();
        l.cases.features.into_iter().map(|f| (f.properties.id, f.properties.closed)).collect::<Vec<_>>()
    };
    let mut every = pins(CaseFilter { limit: Some(1), ..Default::default() });
    every.sort();
    let mut want = vec![(open.clone(), false), (done.clone(), true)];
    want.sort();
    assert_eq!(every, want, "paging is ignored; no position, no pin");
    assert_eq!(pins(CaseFilter { category: Some("E0201".into()), ..Default::default() }), [(open.clone(), false)]);
    assert_eq!(pins(CaseFilter { ids: Some(vec![]), ..Default::default() }), []);
    let l = store.map_layers(&MapQuery { cases: Some(CaseFilter::default()), crs: Crs::Gcj02, ..all.clone() }, 0);
    let pin = l.unwrap().cases.features.into_iter().find(|f| f.properties.id == open).unwrap();
    let (lat, lon) = wgs84_to_gcj02(SPOT.0, SPOT.1);
    assert_eq!(pin.geometry, GeoGeometry::Point(GeoPosition([lon, lat])));
    assert_eq!(pin.properties.status, CaseStatus::Reported);
}

#[test]
fn a_patrols_tracks_come_per_member_cut_at_gaps() {
    let (mut store, worker) = store_for("worker1");
    let p = store.start_patrol(&worker, PatrolKind::Morning, GRID, vec![]).unwrap();
    let part = store.running_part(&worker.user_id).unwrap().unwrap().doc_id;
    let t0 = store.now();
    let point = |s: Millis, north: f64| TrackPoint {
        at: t0 + s * 1000,
        lat: SPOT.0 + north * M,
        lon: SPOT.1,
        accuracy_m: None,
    };
    // A walk, then (after the app was closed for 20 minutes) another.
    let points = [point(5, 0.0), point(10, 6.0), point(15, 12.0), point(1215, 30.0), point(1220, 36.0)];
    store.record_track(&part, &points).unwrap();
    let mut found = NewCase { patrol: Some(p.patrol.id.clone()), ..blank_case() };
    found.location.lat = Some(SPOT.0);
    found.location.lon = Some(SPOT.1);
    let case = store.create_case(&worker, found).unwrap().case.id;
    let _elsewhere = report(&mut store, &worker, "E0201", Some(SPOT));

    let q = MapQuery {
        crs: Crs::Wgs84,
        grids: Some(vec![GRID.into()]),
        cases: Some(CaseFilter { patrol: Some(p.patrol.id.clone()), ..Default::default() }),
        patrol: Some(p.patrol.id.clone()),
    };
    let l = store.map_layers(&q, store.now()).unwrap();
    assert_eq!(l.tracks.features.len(), 1);
    let t = &l.tracks.features[0];
    assert_eq!(t.properties.user_id, worker.user_id);
    assert_eq!(t.properties.name, "王芳");
    match &t.geometry {
        GeoGeometry::MultiLineString(lines) => assert_eq!(lines.iter().map(Vec::len).collect::<Vec<_>>(), [3, 2]),
        other => panic!("{other:?}"),
    }
    assert_eq!(l.cases.features.iter().map(|f| f.properties.id.as_str()).collect::<Vec<_>>(), [case.as_str()]);
    // An unknown patrol draws no track.
    let unknown = MapQuery { patrol: Some("00000000-0000-4000-8000-000000000000".into()), ..q };
    assert!(store.map_layers(&unknown, 0).unwrap().tracks.features.is_empty());
}

fn blank_case() -> NewCase {
    NewCase {
        grid: GRID.into(),
        category: "E0201".into(),
        title: String::new(),
        description: String::new(),
        location: Location::default(),
        severity: Severity::Normal,
        photos: vec![],
        patrol: None,
        handled_on_spot: false,
        history: vec![],
        at: None,
        related: vec![],
        linked_photos: vec![],
    }
}

#[test]
fn the_duplicate_hint_finds_the_same_problem_nearby_offline() {
    let (mut store, worker) = store_for("worker1");
    let r = demo::reference();
    let leader = actor(&r, "leader1");
    let near = report(&mut store, &worker, "E0201", Some((SPOT.0 + 20.0 * M, SPOT.1)));
    let nearest = report(&mut store, &worker, "E0201", Some((SPOT.0 - 8.0 * M, SPOT.1)));
    let _far = report(&mut store, &worker, "E0201", Some((SPOT.0 + 80.0 * M, SPOT.1)));
    let _other_kind = report(&mut store, &worker, "E0507", Some(SPOT));
    let relapsing = report(&mut store, &worker, "E0201", Some((SPOT.0, SPOT.1 + 30.0 * M)));
    for k in [EventKind::HandledOnSpot, EventKind::Verified, EventKind::Closed] {
        step(&mut store, &worker, &relapsing, k);
    }
    let voided = report(&mut store, &worker, "E0201", Some((SPOT.0 + 5.0 * M, SPOT.1)));
    let heads = store.stored_heads(&voided).unwrap().unwrap();
    store.mark_acked(&voided, &heads).unwrap();
    step(&mut store, &leader, &voided, EventKind::Voided);

    let hint = store.cases_nearby("E0201", SPOT.0, SPOT.1, 50.0, store.now()).unwrap();
    let ids: Vec<(&str, bool)> = hint.iter().map(|n| (n.id.as_str(), n.relapse_window)).collect();
    assert_eq!(ids, [(nearest.as_str(), false), (near.as_str(), false), (relapsing.as_str(), true)]);
    assert!((hint[0].distance_m - 8.0).abs() < 0.5, "{}", hint[0].distance_m);
    assert!(hint.windows(2).all(|w| w[0].distance_m <= w[1].distance_m));
    assert_eq!(hint[2].status, CaseStatus::Closed);
    // Once the look-back window is over, a closed case is no longer hinted.
    let later = store.now() + 400 * 86_400_000;
    assert!(store.cases_nearby("E0201", SPOT.0, SPOT.1, 50.0, later).unwrap().iter().all(|n| n.id != relapsing));
    assert!(store.cases_nearby("E0201", SPOT.0, SPOT.1, f64::NAN, 0).is_err());

    // "Report anyway" links the cases the hint showed.
    let mut again = blank_case();
    again.related = vec![near.clone(), nearest.clone(), near.clone()];
    let linked = store.create_case(&worker, again).unwrap();
    assert_eq!(linked.case.links.related, [near.clone(), nearest.clone()]);
    let mut bad = blank_case();
    bad.related = vec!["../etc".into()];
    assert_eq!(store.create_case(&worker, bad).unwrap_err().code(), "invalid");
}

#[test]
fn evidence_is_added_without_changing_the_status() {
    let (mut store, worker) = store_for("worker2");
    let id = report(&mut store, &worker, "E0201", Some(SPOT));
    let staged = store.stage_photo(&common::photo("gps_DSCN0010.jpg")).unwrap();
    // The UI sends the photos as evidence; any role sent is taken as evidence.
    let pick = PhotoPick { hash: staged.hash.clone(), role: PhotoRole::Before };
    let d = store.add_evidence(&worker, &id, "隔壁也有", &[pick]).unwrap();
    assert_eq!(d.derived.status, CaseStatus::Reported);
    let ev = d.case.events.values().find(|e| e.kind == EventKind::EvidenceAdded).unwrap();
    assert_eq!((ev.note.as_str(), ev.photos.as_slice()), ("隔壁也有", &[staged.hash.clone()][..]));
    assert_eq!(d.case.photos[&staged.hash].role, PhotoRole::Evidence);
    assert!(!d.actions.contains(&EventKind::EvidenceAdded), "never one of the workflow buttons");
    assert!(store.add_evidence(&worker, &id, "只写一句", &[]).is_ok());
    assert_eq!(store.add_evidence(&worker, &id, "  ", &[]).unwrap_err().code(), "invalid");
    // Never on a voided case.
    let r = demo::reference();
    let heads = store.stored_heads(&id).unwrap().unwrap();
    store.mark_acked(&id, &heads).unwrap();
    step(&mut store, &actor(&r, "leader1"), &id, EventKind::Voided);
    let heads = store.stored_heads(&id).unwrap().unwrap();
    store.mark_acked(&id, &heads).unwrap();
    assert_eq!(store.add_evidence(&worker, &id, "还在", &[]).unwrap_err().code(), "not_allowed_in_state");
}

#[test]
fn the_basemap_is_none_or_one_of_the_options() {
    let (mut store, _) = store_for("worker1");
    let tianditu = BasemapSettings {
        kind: BasemapKind::Online,
        crs: Crs::Cgcs2000,
        url: Some("https://t0.tianditu.gov.cn/DataServer?T=vec_w&x={x}&y={y}&l={z}&tk=KEY".into()),
        attribution: "天地图".into(),
        name: "天地图矢量".into(),
    };
    let mut r = demo::reference();
    r.map.basemaps.push(tianditu.clone());
    store.set_reference(r).unwrap();
    let archive = archive_basemap("qingshi.gcj02.pmtiles", "tiles://localhost/qingshi.gcj02.pmtiles".into()).unwrap();
    let archives = [archive.clone()];
    assert_eq!(store.basemap_options(&archives).unwrap(), [tianditu.clone(), archive.clone()]);
    assert_eq!(store.basemap(&archives).unwrap(), BasemapSettings::none(), "none until one is picked");
    // The label does not matter, the source does; what is stored is the option.
    let picked = store.set_basemap(&BasemapSettings { name: "x".into(), ..archive.clone() }, &archives).unwrap();
    assert_eq!(picked, archive);
    assert_eq!(store.basemap(&archives).unwrap(), archive);
    let stranger = BasemapSettings { url: Some("https://evil.example/{z}/{x}/{y}.png".into()), ..tianditu.clone() };
    assert_eq!(store.set_basemap(&stranger, &archives).unwrap_err().code(), "invalid");
    // The archive was deleted from the device: back to none.
    assert_eq!(store.basemap(&[]).unwrap(), BasemapSettings::none());
    let none = BasemapSettings { crs: Crs::Gcj02, ..BasemapSettings::none() };
    assert_eq!(store.set_basemap(&none, &archives).unwrap(), BasemapSettings::none());
}

#[test]
fn an_older_database_is_reindexed_once_for_the_map() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("device.sqlite");
    let (case, patrol) = {
        let mut store = DeviceStore::open(&path).unwrap();
        let r = demo::reference();
        store.set_reference(r.clone()).unwrap();
        let worker = actor(&r, "worker1");
        let case = report(&mut store, &worker, "E0201", Some(SPOT));
        let patrol = store.start_patrol(&worker, PatrolKind::Night, GRID, vec![]).unwrap().patrol.id;
        // Back to schema 3, as an older app left it.
        store
            .connection()
            .execute_batch(
                "DROP INDEX cases_patrol; DROP INDEX patrols_team; DROP INDEX patrols_derived; DROP INDEX patrols_running;
                 DROP TABLE team_coverage;
                 ALTER TABLE cases DROP COLUMN lat; ALTER TABLE cases DROP COLUMN lon;
                 ALTER TABLE patrols DROP COLUMN lead; ALTER TABLE patrols DROP COLUMN derived;
                 ALTER TABLE patrols DROP COLUMN team; ALTER TABLE patrols DROP COLUMN closed_at;
                 ALTER TABLE patrols DROP COLUMN team_code; ALTER TABLE patrols DROP COLUMN planned;
                 ALTER TABLE patrols DROP COLUMN checked; ALTER TABLE patrols DROP COLUMN found;
                 ALTER TABLE patrols DROP COLUMN note; ALTER TABLE patrols DROP COLUMN track_points;
                 ALTER TABLE patrols DROP COLUMN track_length_m; ALTER TABLE patrols DROP COLUMN first_fix_at;
                 ALTER TABLE patrols DROP COLUMN last_fix_at; PRAGMA user_version = 3;",
            )
            .unwrap();
        (case, patrol)
    };
    let store = DeviceStore::open(&path).unwrap();
    let hint = store.cases_nearby("E0201", SPOT.0, SPOT.1, 10.0, store.now()).unwrap();
    assert_eq!(hint.iter().map(|n| n.id.as_str()).collect::<Vec<_>>(), [case.as_str()]);
    let p = store.get_patrol(&patrol, store.now()).unwrap();
    assert_eq!(p.join_code.len(), 6);
    assert_eq!(p.members.len(), 1);
}
