//! The device store on real SQLite files: cases, events, photos, patrols,
//! indexes, chunking and compaction, sync bookkeeping.

mod common;
use common as fixtures;

use gridpatrol_core::demo;
use gridpatrol_core::model::{EventKind, Location, LocationSource, PatrolKind, PhotoRole, Role, Severity, TrackPoint};
use gridpatrol_core::store::{
    Actor, CaseFilter, DeviceStore, NewCase, NewEvent, PhotoPick, StoreError, SyncBookkeeping,
};
use gridpatrol_core::time::now_ms;
use gridpatrol_core::workflow::{CaseStatus, SlaState};

struct Env {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
    store: DeviceStore,
    worker: Actor,
    grid: String,
}

fn actor_of(role: Role) -> Actor {
    let r = demo::reference();
    let u = r.users.iter().find(|u| u.role == role).unwrap();
    Actor { user_id: u.id.clone(), role }
}

fn env() -> Env {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("device.sqlite");
    let mut store = DeviceStore::open(&path).unwrap();
    store.set_reference(demo::reference()).unwrap();
    let worker = actor_of(Role::GridWorker);
    let r = demo::reference();
    let grid = r.org.scope_of(r.user(&worker.user_id).unwrap());
    let grid = match grid {
        gridpatrol_core::model::Scope::Grids { grids } => grids.into_iter().next().unwrap(),
        other => panic!("{other:?}"),
    };
    Env { _dir: dir, path, store, worker, grid }
}

fn new_case(grid: &str, category: &str) -> NewCase {
    NewCase {
        grid: grid.into(),
        category: category.into(),
        title: String::new(),
        description: "电线杆上贴满小广告".into(),
        location: Location {
            lat: Some(30.27),
            lon: Some(120.16),
            accuracy_m: Some(8.0),
            source: LocationSource::Gps,
            street: None,
            address: "柳荫路 12 号".into(),
        },
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

/// The server confirms what the device holds of `id` (so another person on
/// this device may change it: nobody's unsynced work is in the way).
fn confirmed(store: &DeviceStore, id: &str) {
    let heads = store.stored_heads(id).unwrap().unwrap();
    store.mark_acked(id, &heads).unwrap();
}

fn step(kind: EventKind) -> NewEvent {
    NewEvent { kind, note: String::new(), photos: vec![], department: None, at: None }
}

#[test]
fn report_list_and_walk_a_case_through_the_loop() {
    let mut e = env();
    let d = e.store.create_case(&e.worker, new_case(&e.grid, "E0201")).unwrap();
    assert_eq!(d.derived.status, CaseStatus::Reported);
    assert_eq!(d.case.title, "非法小广告");
    assert_eq!(d.actions, vec![EventKind::HandledOnSpot, EventKind::Escalated]);
    assert!(d.sla.is_some(), "a reported case has a respond deadline");
    assert!(!d.synced);
    let id = d.case.id.clone();

    let page = e.store.list_cases(&CaseFilter::default(), now_ms()).unwrap();
    assert_eq!(page.total, 1);
    assert_eq!(page.items[0].id, id);
    assert_eq!(page.items[0].status, CaseStatus::Reported);

    e.store.append_event(&e.worker, &id, step(EventKind::Escalated)).unwrap();
    confirmed(&e.store, &id);
    let supervisor = actor_of(Role::StreetLeader);
    let dept = demo::reference().org.departments[0].id.clone();
    let err = e.store.append_event(&supervisor, &id, step(EventKind::Dispatched)).unwrap_err();
    assert_eq!(err.code(), "missing_department");
    let d = e
        .store
        .append_event(&supervisor, &id, NewEvent { department: Some(dept.clone()), ..step(EventKind::Dispatched) })
        .unwrap();
    assert_eq!(d.derived.status, CaseStatus::Dispatched);
    assert_eq!(d.derived.department.as_deref(), Some(dept.as_str()));
    // While the dispatch waits to sync, nobody else on this device changes the case.
    let err = e.store.append_event(&e.worker, &id, step(EventKind::Verified)).unwrap_err();
    assert_eq!(err.code(), "pending_for_other");
    confirmed(&e.store, &id);
    // A grid worker cannot give a department's feedback.
    let err = e.store.append_event(&e.worker, &id, step(EventKind::Handled)).unwrap_err();
    assert_eq!(err.code(), "role_not_permitted");
    let department = Actor { user_id: format!("dept-user-of-{dept}"), role: Role::Department };
    let dept_user = demo::reference().users.into_iter().find(|u| u.units == vec![dept.clone()]).unwrap();
    let department = Actor { user_id: dept_user.id, ..department };
    e.store.append_event(&department, &id, step(EventKind::Handled)).unwrap();
    confirmed(&e.store, &id);
    e.store.append_event(&e.worker, &id, step(EventKind::Verified)).unwrap();
    let d = e.store.append_event(&e.worker, &id, step(EventKind::Closed)).unwrap();
    assert_eq!(d.derived.status, CaseStatus::Closed);
    assert!(d.lookback_due.is_some(), "closing schedules a look-back");
    assert_eq!(d.derived.timeline.len(), 6);

    // Status filters and look-back read the index.
    let closed = CaseFilter { statuses: vec![CaseStatus::Closed], ..Default::default() };
    assert_eq!(e.store.list_cases(&closed, now_ms()).unwrap().total, 1);
    let due = CaseFilter { lookback_due: true, ..Default::default() };
    assert_eq!(e.store.list_cases(&due, now_ms()).unwrap().total, 0);
    assert_eq!(e.store.list_cases(&due, d.lookback_due.unwrap() + 1).unwrap().total, 1);
    let d = e.store.append_event(&e.worker, &id, step(EventKind::Relapsed)).unwrap();
    assert_eq!(d.derived.status, CaseStatus::Relapsed);
}

#[test]
fn bad_input_is_refused_and_nothing_changes() {
    let mut e = env();
    let err = e.store.create_case(&e.worker, new_case(&e.grid, "E9999")).unwrap_err();
    assert_eq!(err.code(), "unknown_category");
    let err = e.store.create_case(&e.worker, new_case("NOPE", "E0201")).unwrap_err();
    assert_eq!(err.code(), "unknown_grid");
    let r = demo::reference();
    let other_grid = r
        .org
        .grids()
        .map(|g| g.id.clone())
        .find(|g| *g != e.grid && !r.scope_of(&e.worker.user_id).sees(g, &[]))
        .unwrap();
    let err = e.store.create_case(&e.worker, new_case(&other_grid, "E0201")).unwrap_err();
    assert_eq!(err.code(), "out_of_scope");
    let with_missing_photo = NewCase {
        photos: vec![PhotoPick { hash: "00".repeat(32), role: PhotoRole::Before }],
        ..new_case(&e.grid, "E0201")
    };
    assert_eq!(e.store.create_case(&e.worker, with_missing_photo).unwrap_err().code(), "not_found");
    // A photo linked by reference must be well formed and the reporter's.
    let linked = |added_by: &str, hash: String| gridpatrol_core::model::PhotoRef {
        thumb: hash.clone(),
        original_sha256: hash.clone(),
        hash,
        role: PhotoRole::Before,
        width: 640,
        height: 480,
        bytes: 1000,
        captured_at: None,
        gps_lat: None,
        gps_lon: None,
        added_by: added_by.into(),
        added_at: 0,
    };
    for bad in [linked("someone-else", "ab".repeat(32)), linked(&e.worker.user_id, "AB".repeat(32))] {
        let new = NewCase { linked_photos: vec![bad], ..new_case(&e.grid, "E0201") };
        assert_eq!(e.store.create_case(&e.worker, new).unwrap_err().code(), "invalid");
    }
    assert_eq!(e.store.list_cases(&CaseFilter::default(), now_ms()).unwrap().total, 0);
    assert!(e.store.dirty_docs().unwrap().is_empty(), "nothing was written");
    let d = e.store.create_case(&e.worker, new_case(&e.grid, "E0201")).unwrap();
    let err = e.store.append_event(&e.worker, &d.case.id, step(EventKind::Closed)).unwrap_err();
    assert_eq!(err.code(), "not_allowed_in_state");
    assert!(matches!(e.store.get_case("missing", None, 0), Err(StoreError::NotFound { .. })));
    assert_eq!(e.store.get_case(&d.case.id, None, now_ms()).unwrap().derived.timeline.len(), 1);
}

#[test]
fn photos_are_kept_and_a_case_is_synced_only_with_all_of_them() {
    let mut e = env();
    let staged = e.store.stage_photo(&fixtures::photo("gps_DSCN0010.jpg")).unwrap();
    assert!(staged.gps_lat.is_some());
    let after = e.store.stage_photo(&fixtures::photo("gps_DSCN0021.jpg")).unwrap();
    let new = NewCase {
        photos: vec![
            PhotoPick { hash: staged.hash.clone(), role: PhotoRole::Before },
            PhotoPick { hash: after.hash.clone(), role: PhotoRole::After },
        ],
        handled_on_spot: true,
        history: vec![],
        ..new_case(&e.grid, "E0201")
    };
    let d = e.store.create_case(&e.worker, new).unwrap();
    assert_eq!(d.derived.status, CaseStatus::Handled);
    assert!(d.derived.handled_on_spot);
    assert_eq!(d.case.photos.len(), 2);
    assert_eq!(e.store.blob(&staged.hash).unwrap().unwrap().len() as u64, staged.bytes);
    assert!(e.store.blob(&staged.thumb).unwrap().is_some());
    let item = &e.store.list_cases(&CaseFilter::default(), now_ms()).unwrap().items[0];
    assert_eq!(item.thumb.as_deref(), Some(staged.thumb.as_str()), "the before photo is the list thumbnail");
    assert_eq!(item.photo_count, 2);

    let unsynced = e.store.unsynced().unwrap();
    assert_eq!((unsynced.cases, unsynced.photos), (1, 4));
    // The document is confirmed, photos are not: still unsynced.
    let dirty = e.store.dirty_docs().unwrap();
    assert_eq!(dirty.len(), 1);
    e.store.mark_acked(&dirty[0].id, &dirty[0].heads).unwrap();
    assert!(e.store.dirty_docs().unwrap().is_empty());
    assert!(!e.store.get_case(&d.case.id, None, now_ms()).unwrap().synced);
    assert_eq!(e.store.unsynced().unwrap().items[0].photos_pending, 4);
    for hash in e.store.pending_blobs().unwrap() {
        e.store.mark_blob_uploaded(&hash).unwrap();
    }
    assert!(e.store.get_case(&d.case.id, None, now_ms()).unwrap().synced);
    assert_eq!(e.store.unsynced().unwrap().cases, 0);
    // Acked heads are kept: a new edit makes it dirty again.
    e.store.append_event(&e.worker, &d.case.id, step(EventKind::Verified)).unwrap();
    let dirty = e.store.dirty_docs().unwrap();
    assert_eq!(dirty.len(), 1);
    assert!(dirty[0].acked_heads.is_some());
}

#[test]
fn a_morning_patrol_from_start_to_summary() {
    let mut e = env();
    let p = e.store.start_patrol(&e.worker, PatrolKind::Morning, &e.grid, vec![]).unwrap();
    assert!(p.streets.len() >= 3);
    let id = p.patrol.id.clone();
    assert!(e.store.start_patrol(&e.worker, PatrolKind::Morning, &e.grid, vec![]).is_err(), "one at a time");
    assert_eq!(e.store.active_patrol(&e.worker.user_id).unwrap().unwrap().id, id);
    e.store.record_track(&id, &[TrackPoint { at: now_ms(), lat: 30.27, lon: 120.16, accuracy_m: Some(5.0) }]).unwrap();
    e.store.record_track(&id, &[TrackPoint { at: now_ms(), lat: 30.271, lon: 120.161, accuracy_m: None }]).unwrap();
    e.store.check_street(&e.worker, &id, &p.streets[0], "").unwrap();
    e.store.check_street(&e.worker, &id, &p.streets[1], "施工围挡").unwrap();
    assert_eq!(e.store.check_street(&e.worker, &id, "不存在路", "").unwrap_err().code(), "invalid");
    let mut handled = new_case(&e.grid, "E0507");
    handled.patrol = Some(id.clone());
    handled.handled_on_spot = true;
    e.store.create_case(&e.worker, handled).unwrap();
    let mut found = new_case(&e.grid, "E0201");
    found.patrol = Some(id.clone());
    e.store.create_case(&e.worker, found).unwrap();
    let done = e.store.end_patrol(&e.worker, &id, "一切正常").unwrap();
    // The tracks are the map's (per member); the detail counts them.
    assert!(done.patrol.track.is_empty());
    assert_eq!(done.members.len(), 1);
    assert_eq!(done.members[0].track_points, 2);
    assert_eq!(done.members[0].ended_at, done.patrol.ended_at);
    assert_eq!(done.summary.streets_checked, 2);
    assert_eq!(done.summary.streets_total, p.streets.len() as u32);
    assert_eq!(done.summary.cases_found, 2);
    assert_eq!(done.summary.cases_handled, 1);
    assert!(done.patrol.ended_at.is_some());
    assert_eq!(e.store.check_street(&e.worker, &id, &p.streets[2], "").unwrap_err().code(), "patrol_ended");
    assert!(e.store.active_patrol(&e.worker.user_id).unwrap().is_none());
    let list = e.store.list_patrols(10).unwrap();
    assert_eq!((list.len(), list[0].cases_found), (1, 2));
}

#[test]
fn chunks_are_appended_then_compacted_and_reload_is_exact() {
    let mut e = env();
    let d = e.store.create_case(&e.worker, new_case(&e.grid, "E0201")).unwrap();
    let id = d.case.id.clone();
    let count = |s: &DeviceStore| -> i64 {
        s.connection().query_row("SELECT COUNT(*) FROM doc_chunks WHERE doc_id = ?1", [&id], |r| r.get(0)).unwrap()
    };
    let leader = actor_of(Role::GridLeader);
    confirmed(&e.store, &id);
    let mut max_chunks = 0;
    for i in 0..60 {
        let kind = if i % 2 == 0 { EventKind::Deferred } else { EventKind::Dispatched };
        let ev = NewEvent {
            department: Some(demo::reference().org.departments[0].id.clone()),
            note: format!("第{i}次"),
            ..step(kind)
        };
        e.store.append_event(&leader, &id, ev).unwrap();
        max_chunks = max_chunks.max(count(&e.store));
    }
    assert!(max_chunks >= 5, "chunks were appended ({max_chunks})");
    assert!(count(&e.store) < max_chunks, "chunks were compacted");
    let before = e.store.get_case(&id, None, now_ms()).unwrap();
    assert_eq!(before.derived.timeline.len(), 61);
    drop(e.store);
    let store = DeviceStore::open(&e.path).unwrap();
    let after = store.get_case(&id, None, now_ms()).unwrap();
    assert_eq!(after.case, before.case);
    assert_eq!(after.derived, before.derived);
}

#[test]
fn lists_read_the_index_not_the_documents() {
    let mut e = env();
    for _ in 0..3 {
        e.store.create_case(&e.worker, new_case(&e.grid, "E0201")).unwrap();
    }
    // Destroy every document: lists and the overview must still work.
    e.store.connection().execute("UPDATE docs SET snapshot = x'00'", []).unwrap();
    e.store.connection().execute("DELETE FROM doc_chunks", []).unwrap();
    let page = e.store.list_cases(&CaseFilter { grid: Some(e.grid.clone()), ..Default::default() }, now_ms()).unwrap();
    assert_eq!(page.total, 3);
    let stats = e.store.grid_stats(now_ms()).unwrap();
    assert_eq!(stats.iter().map(|s| s.open).sum::<u32>(), 3);
    // Loading a document now fails with a clear error, not a panic (on a
    // fresh start: this store still holds the documents it loaded).
    let fresh = DeviceStore::open(&e.path).unwrap();
    let err = fresh.get_case(&page.items[0].id, None, now_ms()).unwrap_err();
    assert_eq!(err.code(), "document_invalid");
}

#[test]
fn sla_colours_follow_working_time() {
    let mut e = env();
    // Reported a week ago: far past any respond limit.
    let old = NewCase { at: Some(now_ms() - 7 * 24 * 3_600_000), ..new_case(&e.grid, "E0201") };
    let d = e.store.create_case(&e.worker, old).unwrap();
    assert_eq!(d.sla_state, Some(SlaState::Red));
    e.store.create_case(&e.worker, new_case(&e.grid, "E0201")).unwrap();
    let overdue = CaseFilter { overdue: true, ..Default::default() };
    let page = e.store.list_cases(&overdue, now_ms()).unwrap();
    assert_eq!(page.total, 1);
    assert_eq!(page.items[0].sla_state, Some(SlaState::Red));
    let stats = e.store.grid_stats(now_ms()).unwrap();
    let g = stats.iter().find(|s| s.grid == e.grid).unwrap();
    assert_eq!((g.open, g.red, g.rating), (2, 1, SlaState::Red));
}

#[test]
fn a_newer_database_is_refused() {
    let e = env();
    e.store.connection().pragma_update(None, "user_version", 99).unwrap();
    drop(e.store);
    let err = DeviceStore::open(&e.path).unwrap_err();
    assert_eq!(err.code(), "newer_database");
}

#[test]
fn past_steps_can_be_entered_with_the_report_but_only_valid_ones() {
    let mut e = env();
    let leader = actor_of(Role::GridLeader);
    let dept = demo::reference().org.departments[0].id.clone();
    let history = vec![
        NewEvent { note: "昨日已提报".into(), ..step(EventKind::Escalated) },
        NewEvent { department: Some(dept.clone()), ..step(EventKind::Dispatched) },
    ];
    let d = e.store.create_case(&leader, NewCase { history, ..new_case(&e.grid, "E0201") }).unwrap();
    assert_eq!(d.derived.status, CaseStatus::Dispatched);
    assert_eq!(d.derived.department.as_deref(), Some(dept.as_str()));
    let kinds: Vec<EventKind> = d.derived.timeline.iter().map(|t| t.event.kind).collect();
    assert_eq!(kinds, vec![EventKind::Reported, EventKind::Escalated, EventKind::Dispatched]);
    // A step the role may not take, or one out of order, refuses the whole report.
    let bad = NewCase { history: vec![step(EventKind::Handled)], ..new_case(&e.grid, "E0201") };
    assert_eq!(e.store.create_case(&e.worker, bad).unwrap_err().code(), "role_not_permitted");
    let out_of_order = NewCase { history: vec![step(EventKind::Closed)], ..new_case(&e.grid, "E0201") };
    assert_eq!(e.store.create_case(&leader, out_of_order).unwrap_err().code(), "not_allowed_in_state");
    assert_eq!(e.store.list_cases(&CaseFilter::default(), now_ms()).unwrap().total, 1);
}
