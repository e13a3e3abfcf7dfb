//! Team patrols across devices: a night team of two, one joining offline
//! with the code alone; per-member parts, the starter ending it for
//! everyone, merged coverage from both tracks recorded through the
//! recorder, the lists (today's, history) and every refusal.

use gridpatrol_core::clock::{Clock, VirtualTime};
use gridpatrol_core::demo;
use gridpatrol_core::geo::{FixOutcome, Recorder};
use gridpatrol_core::model::{DocKind, Location, LocationFix, LocationSource, PatrolKind, Reference, Role, Severity};
use gridpatrol_core::store::{
    Actor, CaseFilter, DeviceStore, NewCase, PatrolHistoryFilter, RemoteApply, StoreError, Viewer,
};
use gridpatrol_core::time::{Millis, china};

const GRID: &str = "QS01-G01";

/// 2026-03-02 21:00 China time: a night patrol.
fn evening() -> Millis {
    use chrono::TimeZone;
    china().with_ymd_and_hms(2026, 3, 2, 21, 0, 0).unwrap().timestamp_millis()
}

struct Device {
    store: DeviceStore,
    time: VirtualTime,
    actor: Actor,
}

fn device(username: &str, seed: u64) -> Device {
    device_with(username, seed, demo::reference())
}

fn device_with(username: &str, seed: u64, reference: Reference) -> Device {
    let (clock, time) = Clock::simulated(evening(), seed);
    let mut store = DeviceStore::open_in_memory(clock).unwrap();
    let u = reference.user_by_name(username).unwrap().clone();
    store.set_viewer(Some(Viewer { user_id: u.id.clone(), scope: reference.scope_of(&u.id) }));
    store.set_reference(reference).unwrap();
    Device { store, time, actor: Actor { user_id: u.id, role: u.role } }
}

/// What a sync would carry: every patrol document of `from` into `to`.
fn exchange(from: &Device, to: &mut Device) {
    for p in from.store.all_patrols().unwrap() {
        let (changes, _) = from.store.changes_since(&p.id, &[]).unwrap();
        let outcome = to.store.apply_remote_changes(&p.id, DocKind::Patrol, &changes, true).unwrap();
        assert!(matches!(outcome, RemoteApply::Applied | RemoteApply::Unchanged), "{outcome:?}");
    }
}

/// Positions along a street of the grid, 6 m apart.
fn street_points(name: &str) -> Vec<(f64, f64)> {
    let r = demo::reference();
    let line = r.grid(GRID).unwrap().street_lines.iter().find(|l| l.name == name).unwrap();
    let coords: Vec<[f64; 2]> = serde_json::from_value(line.geometry["coordinates"].clone()).unwrap();
    let (a, b) = (coords[0], coords[coords.len() - 1]);
    let length_m = ((b[0] - a[0]) * 96_000.0).hypot((b[1] - a[1]) * 111_195.0);
    let n = (length_m / 6.0).ceil() as usize;
    (0..=n)
        .map(|i| {
            let t = i as f64 / n as f64;
            (a[1] + (b[1] - a[1]) * t, a[0] + (b[0] - a[0]) * t)
        })
        .collect()
}

/// Walks a street, one fix every 5 s, through the recorder as the app's
/// task runs it (asking the store each time which part is running).
fn walk(d: &mut Device, street: &str) -> usize {
    d.time.advance(5 * 60_000); // getting there
    let mut recorder = Recorder::default();
    let mut kept = 0;
    for (lat, lon) in street_points(street) {
        d.time.advance(5_000);
        recorder.follow(d.store.running_part(&d.actor.user_id).unwrap());
        let fix = LocationFix { lat, lon, accuracy_m: Some(5.0), source: LocationSource::Gps, at: d.store.now() };
        if let FixOutcome::Keep(p) = recorder.on_fix(&fix) {
            let part = recorder.part().unwrap().to_owned();
            d.store.record_track(&part, &[p]).unwrap();
            kept += 1;
        }
    }
    kept
}

fn case_on(grid: &str, patrol: &str) -> NewCase {
    NewCase {
        grid: grid.into(),
        category: "E0201".into(),
        title: String::new(),
        description: String::new(),
        location: Location {
            lat: Some(30.2773),
            lon: Some(120.1611),
            source: LocationSource::Gps,
            ..Default::default()
        },
        severity: Severity::Normal,
        photos: vec![],
        patrol: Some(patrol.into()),
        handled_on_spot: false,
        history: vec![],
        at: None,
        related: vec![],
        linked_photos: vec![],
    }
}

#[test]
fn a_night_team_joins_offline_by_code_and_both_devices_agree() {
    let mut a = device("worker1", 1);
    let mut b = device("worker2", 2);
    let started = a.store.start_patrol(&a.actor, PatrolKind::Night, GRID, vec!["u-worker2".into()]).unwrap();
    let team = started.patrol.id.clone();
    let code = started.join_code.clone();
    assert_eq!(code.len(), 6);
    assert_eq!(started.members.len(), 1);
    assert_eq!(started.patrol.team, ["u-worker1", "u-worker2"]);

    // The member's phone has never seen the patrol: the code is enough.
    b.time.advance(60_000);
    let typed = format!("{} {}", &code[..3], &code[3..]);
    let joined = b.store.join_patrol_code(&b.actor, &typed).unwrap();
    assert_eq!((joined.patrol.kind, joined.patrol.grid.as_str()), (PatrolKind::Night, GRID));
    assert_eq!(joined.join_code, code);
    assert_eq!(joined.patrol.started_by, "", "the starter is not known yet");
    assert_eq!(joined.members.len(), 1);
    let offline_id = joined.patrol.id.clone();
    assert_ne!(offline_id, team);
    // Joining again is the same part.
    assert_eq!(b.store.join_patrol_code(&b.actor, &code).unwrap().patrol.id, offline_id);
    assert_eq!(b.store.active_patrol(&b.actor.user_id).unwrap().unwrap().id, offline_id);

    // Each records their own street, and finds a case.
    assert!(walk(&mut a, "柳荫路西巷") > 50);
    assert!(walk(&mut b, "柳荫路东巷") > 50);
    let found = b.store.create_case(&b.actor, case_on(GRID, &offline_id)).unwrap();

    exchange(&a, &mut b);
    exchange(&b, &mut a);
    for d in [&a, &b] {
        // Any id of the team reaches the same patrol.
        for id in [&team, &offline_id] {
            let p = d.store.get_patrol(id, d.store.now()).unwrap();
            assert_eq!(p.patrol.id, team);
            assert_eq!(p.patrol.started_by, "u-worker1");
            let members: Vec<&str> = p.members.iter().map(|m| m.user_id.as_str()).collect();
            assert_eq!(members, ["u-worker1", "u-worker2"]);
            assert!(p.members.iter().all(|m| m.track_points > 50 && m.last_fix_at.is_some()));
            let c = p.coverage.as_ref().unwrap();
            let covered: Vec<&str> = c.streets.iter().filter(|s| s.covered).map(|s| s.name.as_str()).collect();
            assert_eq!(covered, ["柳荫路东巷", "柳荫路西巷"], "both tracks count, in walking order");
            assert_eq!((c.covered, c.total), (2, 7));
            assert!(c.share > 0.2 && c.share < 0.5, "share {}", c.share);
            assert!((c.track_length_m - p.members.iter().map(|m| m.track_length_m).sum::<f64>()).abs() < 1.0);
            assert!(p.patrol.ended_at.is_none());
        }
    }
    // The case is the team's, found by the member in their own part.
    assert_eq!(a.store.get_patrol(&team, a.store.now()).unwrap().summary.cases_found, 1);
    let on_patrol = b.store.list_cases(&CaseFilter { patrol: Some(team.clone()), ..Default::default() }, 0).unwrap();
    assert_eq!(on_patrol.items.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), [found.case.id.as_str()]);
    assert_ne!(found.case.links.patrol.as_deref(), Some(team.as_str()), "linked to the finder's own document");

    // The member ends their part; the patrol goes on.
    b.time.advance(60_000);
    let part = b.store.end_part(&b.actor, &team, "东巷无异常").unwrap();
    assert!(part.patrol.ended_at.is_none());
    assert!(part.members[1].ended_at.is_some());
    assert_eq!(b.store.running_part(&b.actor.user_id).unwrap(), None, "the recorder stops");
    assert_eq!(b.store.join_patrol(&b.actor, &team).unwrap_err().code(), "part_ended");
    exchange(&b, &mut a);
    let now = a.store.get_patrol(&team, a.store.now()).unwrap();
    assert!(now.patrol.ended_at.is_none() && now.members[1].ended_at.is_some());
    // The starter ends it; the remarks are merged.
    a.time.advance(120_000);
    let done = a.store.end_patrol(&a.actor, &team, "收队").unwrap();
    assert!(done.patrol.ended_at.is_some());
    assert_eq!(done.patrol.note, "收队；东巷无异常");
    assert_eq!(done.summary.duration_ms, done.patrol.ended_at.unwrap() - done.patrol.started_at);
    assert_eq!(a.store.end_patrol(&a.actor, &team, "").unwrap_err().code(), "patrol_ended");
}

#[test]
fn the_starter_ends_it_for_everyone_and_members_stop_when_they_learn_it() {
    let mut a = device("worker1", 3);
    let mut b = device("worker2", 4);
    let team = a.store.start_patrol(&a.actor, PatrolKind::Night, GRID, vec![]).unwrap().patrol.id;
    exchange(&a, &mut b);
    // Joined from today's list (synced), not by code.
    let today = b.store.patrols_team_today(&b.actor).unwrap();
    assert_eq!(today.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(), [team.as_str()]);
    let joined = b.store.join_patrol(&b.actor, &team).unwrap();
    assert_eq!(joined.members.len(), 2);
    assert_eq!(joined.patrol.team, ["u-worker1", "u-worker2"], "joining adds to the team");
    walk(&mut b, "凤起弄");
    assert!(b.store.running_part(&b.actor.user_id).unwrap().is_some());

    // The starter's phone only knows the starter's part and ends the patrol.
    a.time.advance(600_000);
    let done = a.store.end_patrol(&a.actor, &team, "").unwrap();
    assert!(done.patrol.ended_at.is_some());
    exchange(&a, &mut b);
    // At its next look, the member's recorder finds nothing to record and
    // the member's part is ended.
    assert_eq!(b.store.running_part(&b.actor.user_id).unwrap(), None);
    assert!(b.store.current_patrol(&b.actor).unwrap().is_none());
    let seen = b.store.get_patrol(&team, b.store.now()).unwrap();
    assert_eq!(seen.patrol.ended_at, done.patrol.ended_at);
    assert!(seen.members.iter().all(|m| m.ended_at.is_some()));
    assert!(b.store.patrols_team_today(&b.actor).unwrap().is_empty(), "only running patrols are offered");
    // The member's closing write is theirs to push; and the next patrol may start.
    assert!(b.store.start_patrol(&b.actor, PatrolKind::Morning, GRID, vec![]).is_ok());
}

#[test]
fn refusals_name_their_reason() {
    let mut a = device("worker1", 5);
    let mut b = device("worker2", 6);
    let code = |e: StoreError| e.code();
    for bad in ["12345", "ABCDEF", "991001", "019001"] {
        assert_eq!(code(b.store.join_patrol_code(&b.actor, bad).unwrap_err()), "join_code_invalid", "{bad}");
    }
    let started = a.store.start_patrol(&a.actor, PatrolKind::Night, GRID, vec![]).unwrap();
    let team = started.patrol.id.clone();
    assert_eq!(code(a.store.start_patrol(&a.actor, PatrolKind::Night, GRID, vec![]).unwrap_err()), "already_in_patrol");
    // A worker of another grid cannot join this grid's patrol.
    let mut other = device("worker5", 7);
    assert_eq!(code(other.store.join_patrol_code(&other.actor, &started.join_code).unwrap_err()), "out_of_scope");
    // Someone on another patrol.
    b.store.start_patrol(&b.actor, PatrolKind::Morning, GRID, vec![]).unwrap();
    exchange(&a, &mut b);
    assert_eq!(code(b.store.join_patrol(&b.actor, &team).unwrap_err()), "already_in_patrol");
    assert_eq!(code(b.store.join_patrol_code(&b.actor, &started.join_code).unwrap_err()), "already_in_patrol");
    // Not on it: no ticks, no ending, no cases on it.
    let street = started.streets[0].clone();
    assert_eq!(code(b.store.check_street(&b.actor, &team, &street, "").unwrap_err()), "not_a_member");
    assert_eq!(code(b.store.end_part(&b.actor, &team, "").unwrap_err()), "not_a_member");
    assert_eq!(code(b.store.end_patrol(&b.actor, &team, "").unwrap_err()), "not_a_member");
    assert_eq!(code(b.store.create_case(&b.actor, case_on(GRID, &team)).unwrap_err()), "not_a_member");
    // A member may not end it for everyone.
    let mine = b.store.active_patrol(&b.actor.user_id).unwrap().unwrap().id;
    b.store.end_patrol(&b.actor, &mine, "").unwrap();
    b.store.join_patrol(&b.actor, &team).unwrap();
    assert_eq!(code(b.store.end_patrol(&b.actor, &team, "").unwrap_err()), "invalid");
    // Ended: nobody joins any more.
    a.store.end_patrol(&a.actor, &team, "").unwrap();
    exchange(&a, &mut b);
    let mut c = device("leader1", 8);
    exchange(&a, &mut c);
    assert_eq!(code(c.store.join_patrol(&c.actor, &team).unwrap_err()), "patrol_ended");
    assert_eq!(code(c.store.join_patrol_code(&c.actor, &started.join_code).unwrap_err()), "patrol_ended");
    assert_eq!(code(a.store.check_street(&a.actor, &team, &street, "").unwrap_err()), "patrol_ended");
}

#[test]
fn ticks_are_notes_once_per_team() {
    let mut a = device("worker1", 9);
    let mut b = device("worker2", 10);
    let started = a.store.start_patrol(&a.actor, PatrolKind::Night, GRID, vec![]).unwrap();
    let team = started.patrol.id.clone();
    exchange(&a, &mut b);
    b.store.join_patrol(&b.actor, &team).unwrap();
    let street = started.streets[2].clone();
    a.store.check_street(&a.actor, &team, &street, "围挡").unwrap();
    exchange(&a, &mut b);
    let after = b.store.check_street(&b.actor, &team, &street, "又看了一遍").unwrap();
    assert_eq!(after.summary.streets_checked, 1);
    assert_eq!(after.patrol.streets[&street].by, "u-worker1", "the first tick is the record");
    let mine = b.store.all_patrols().unwrap().into_iter().find(|p| p.started_by == "u-worker2").unwrap();
    assert!(mine.streets.is_empty(), "nothing written twice");
}

#[test]
fn history_shows_leaders_their_grids_and_workers_their_own() {
    let mut a = device("worker1", 11);
    let mut w3 = device("worker3", 12);
    let mut leader = device("leader1", 13);
    let night = a.store.start_patrol(&a.actor, PatrolKind::Night, GRID, vec![]).unwrap().patrol.id;
    walk(&mut a, "柳荫路西巷");
    a.store.end_patrol(&a.actor, &night, "").unwrap();
    a.time.advance(10 * 3_600_000); // the next morning
    let morning = a.store.start_patrol(&a.actor, PatrolKind::Morning, GRID, vec![]).unwrap().patrol.id;
    w3.time.advance(3_600_000);
    let other = w3.store.start_patrol(&w3.actor, PatrolKind::Morning, "QS01-G02", vec![]).unwrap().patrol.id;
    exchange(&a, &mut leader);
    exchange(&w3, &mut leader);

    let all = |d: &Device| {
        d.store
            .patrol_history(&d.actor, &PatrolHistoryFilter::default())
            .unwrap()
            .into_iter()
            .map(|p| p.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(all(&leader), [morning.clone(), other.clone(), night.clone()], "newest first");
    assert_eq!(all(&a), [morning.clone(), night.clone()]);
    let all_items = |d: &Device| d.store.patrol_history(&d.actor, &PatrolHistoryFilter::default()).unwrap();
    let only = |f: PatrolHistoryFilter| leader.store.patrol_history(&leader.actor, &f).unwrap();
    let nights = only(PatrolHistoryFilter { kind: Some(PatrolKind::Night), ..Default::default() });
    assert_eq!(nights.len(), 1);
    let n = &nights[0];
    assert_eq!(
        (n.id.as_str(), n.started_by.as_str(), n.team.as_slice()),
        (night.as_str(), "u-worker1", &["u-worker1".to_string()][..])
    );
    assert_eq!(n.streets_covered, Some(1));
    assert!(n.coverage_share.unwrap() > 0.1 && n.track_length_m > 300.0 && n.ended_at.is_some());
    assert!(n.synced, "the leader's copy came from the server");
    assert!(!all_items(&a)[1].synced, "the worker's own is not pushed yet");
    assert_eq!(only(PatrolHistoryFilter { day: Some("2026-03-02".into()), ..Default::default() }).len(), 2);
    assert_eq!(only(PatrolHistoryFilter { day: Some("2026-03-03".into()), ..Default::default() }).len(), 1);
    assert_eq!(only(PatrolHistoryFilter { grid: Some("QS01-G02".into()), ..Default::default() })[0].id, other);
    // A grid worker of another grid sees none of them (not even on the leader's device).
    let mut w4 = device("worker4", 14);
    exchange(&a, &mut w4);
    assert!(all(&w4).is_empty());
}

#[test]
fn a_grid_without_street_geometry_has_no_coverage_only_ticks() {
    let mut reference = demo::reference();
    for u in &mut reference.org.units {
        u.street_lines.clear();
    }
    let mut a = device_with("worker1", 15, reference);
    let p = a.store.start_patrol(&a.actor, PatrolKind::Morning, GRID, vec![]).unwrap();
    assert!(p.coverage.is_none());
    walk(&mut a, "凤起弄");
    let item = &a.store.patrol_history(&a.actor, &PatrolHistoryFilter::default()).unwrap()[0];
    assert_eq!((item.streets_covered, item.coverage_share), (None, None));
    assert!(item.track_length_m > 300.0);
    assert_eq!(a.actor.role, Role::GridWorker);
}

#[test]
fn the_recorder_carries_on_after_a_restart() {
    use gridpatrol_core::store::Durability;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("device.sqlite");
    let (clock, time) = Clock::simulated(evening(), 16);
    let r = demo::reference();
    let u = r.user_by_name("worker1").unwrap().clone();
    let actor = Actor { user_id: u.id.clone(), role: u.role };
    let points = street_points("竹竿巷");
    let fix = |i: usize, at: Millis| {
        let (lat, lon) = points[i];
        LocationFix { lat, lon, accuracy_m: Some(5.0), source: LocationSource::Gps, at }
    };
    let part = {
        let mut store = DeviceStore::open_with_clock(&path, Durability::Full, clock.clone()).unwrap();
        store.set_reference(r.clone()).unwrap();
        store.start_patrol(&actor, PatrolKind::Morning, GRID, vec![]).unwrap();
        let mut recorder = Recorder::default();
        for i in 0..10 {
            time.advance(5_000);
            recorder.follow(store.running_part(&actor.user_id).unwrap());
            if let FixOutcome::Keep(p) = recorder.on_fix(&fix(i, store.now())) {
                store.record_track(recorder.part().unwrap(), &[p]).unwrap();
            }
        }
        recorder.part().unwrap().to_owned()
    };
    // The app was killed; it starts again half a minute later with a new recorder.
    time.advance(30_000);
    let mut store = DeviceStore::open_with_clock(&path, Durability::Full, clock).unwrap();
    let mut recorder = Recorder::default();
    let running = store.running_part(&actor.user_id).unwrap().unwrap();
    assert_eq!(running.doc_id, part);
    assert_eq!(running.last.map(|p| p.lat), Some(points[9].0), "the stored track is the state");
    recorder.follow(Some(running));
    // The source repeats its last fix from before the restart: not a new point.
    assert!(matches!(recorder.on_fix(&fix(9, store.now())), FixOutcome::Drop(_)));
    for i in 10..20 {
        time.advance(5_000);
        recorder.follow(store.running_part(&actor.user_id).unwrap());
        if let FixOutcome::Keep(p) = recorder.on_fix(&fix(i, store.now())) {
            store.record_track(&part, &[p]).unwrap();
        }
    }
    let p = store.get_patrol(&part, store.now()).unwrap();
    assert_eq!(p.members[0].track_points, 20);
}
