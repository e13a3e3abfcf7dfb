//! The validator, table-driven: every role × event kind × case state is
//! pushed and must be accepted or refused with the right code. The expected
//! answers come from the literal tables below (the domain rules written out
//! by hand), not from the workflow code under test.

use std::collections::BTreeMap;

use automerge::{ActorId, AutoCommit};
use gridpatrol_core::codes::ErrorCode;
use gridpatrol_core::model::*;
use gridpatrol_core::time::{Millis, now_ms};
use gridpatrol_core::workflow::CaseStatus;

use super::*;

const GRID: &str = "QS01-G01";
const DEPT: &str = "D-CG";

/// Who may record each kind (DESIGN.md's roles).
fn role_may(role: Role, kind: EventKind) -> bool {
    use EventKind as E;
    use Role as R;
    let roles: &[Role] = match kind {
        E::Reported | E::Verified | E::Closed | E::ReturnedForRework | E::Amended => {
            &[R::GridWorker, R::GridLeader, R::Supervisor, R::StreetLeader, R::Admin]
        }
        E::HandledOnSpot => &[R::GridWorker, R::GridLeader, R::Admin],
        E::Escalated => &[R::GridWorker, R::GridLeader, R::Supervisor, R::Admin],
        E::Accepted | E::Dispatched | E::Deferred | E::Voided => {
            &[R::GridLeader, R::Supervisor, R::StreetLeader, R::Admin]
        }
        E::Handled => &[R::Department, R::Admin],
        E::EvidenceAdded => &[R::GridWorker, R::GridLeader, R::Supervisor, R::StreetLeader, R::Department, R::Admin],
        E::LookBackPassed | E::Relapsed => &[R::GridWorker, R::GridLeader, R::Supervisor, R::Admin],
    };
    roles.contains(&role)
}

/// Which steps each state allows.
fn allowed_in(state: CaseStatus) -> &'static [EventKind] {
    use CaseStatus as S;
    use EventKind as E;
    match state {
        S::Reported => &[E::HandledOnSpot, E::Escalated, E::Voided, E::Deferred, E::Amended, E::EvidenceAdded],
        S::Escalated => &[E::Accepted, E::Dispatched, E::Voided, E::Deferred, E::Amended, E::EvidenceAdded],
        S::Accepted => &[E::Dispatched, E::Voided, E::Deferred, E::Amended, E::EvidenceAdded],
        S::Dispatched => &[E::Dispatched, E::Handled, E::Voided, E::Deferred, E::Amended, E::EvidenceAdded],
        S::Handled => {
            &[E::Verified, E::Closed, E::ReturnedForRework, E::Voided, E::Deferred, E::Amended, E::EvidenceAdded]
        }
        S::Verified => &[E::Closed, E::ReturnedForRework, E::Voided, E::Deferred, E::Amended, E::EvidenceAdded],
        S::Closed => &[E::LookBackPassed, E::Relapsed, E::Voided, E::Amended, E::EvidenceAdded],
        S::Rework => {
            &[E::HandledOnSpot, E::Dispatched, E::Handled, E::Voided, E::Deferred, E::Amended, E::EvidenceAdded]
        }
        S::Relapsed => &[E::HandledOnSpot, E::Escalated, E::Voided, E::Deferred, E::Amended, E::EvidenceAdded],
        S::Deferred => &[
            E::HandledOnSpot,
            E::Escalated,
            E::Accepted,
            E::Dispatched,
            E::Handled,
            E::Voided,
            E::Amended,
            E::EvidenceAdded,
        ],
        S::Voided => &[],
    }
}

/// How to reach each state (steps by the admin), and whether the case is
/// then held by the department.
fn recipe(state: CaseStatus) -> (Vec<EventKind>, bool) {
    use CaseStatus as S;
    use EventKind as E;
    let to_dispatch = vec![E::Escalated, E::Accepted, E::Dispatched];
    let with = |extra: &[EventKind]| [to_dispatch.clone(), extra.to_vec()].concat();
    match state {
        S::Reported => (vec![], false),
        S::Escalated => (vec![E::Escalated], false),
        S::Accepted => (vec![E::Escalated, E::Accepted], false),
        S::Dispatched => (to_dispatch, true),
        S::Handled => (with(&[E::Handled]), true),
        S::Verified => (with(&[E::Handled, E::Verified]), true),
        S::Closed => (with(&[E::Handled, E::Verified, E::Closed]), true),
        S::Rework => (with(&[E::Handled, E::ReturnedForRework]), true),
        S::Relapsed => (with(&[E::Handled, E::Verified, E::Closed, E::Relapsed]), true),
        S::Deferred => (vec![E::Deferred], false),
        S::Voided => (vec![E::Voided], false),
    }
}

const STATES: [CaseStatus; 11] = [
    CaseStatus::Reported,
    CaseStatus::Escalated,
    CaseStatus::Accepted,
    CaseStatus::Dispatched,
    CaseStatus::Handled,
    CaseStatus::Verified,
    CaseStatus::Closed,
    CaseStatus::Rework,
    CaseStatus::Relapsed,
    CaseStatus::Deferred,
    CaseStatus::Voided,
];

fn user(reference: &Reference, username: &str) -> AuthUser {
    let user = reference.user_by_name(username).unwrap().clone();
    AuthUser {
        scope: reference.org.scope_of(&user),
        user,
        device_id: "dev".into(),
        token_hash: String::new(),
        addr: "127.0.0.1".into(),
    }
}

fn username(role: Role) -> &'static str {
    match role {
        Role::GridWorker => "worker1",
        Role::GridLeader => "leader1",
        Role::Supervisor => "supervisor1",
        Role::StreetLeader => "street1",
        Role::Department => "dept-cg",
        Role::Admin => "admin",
    }
}

fn event(kind: EventKind, who: &User, at: Millis, after: Vec<String>, department: Option<&str>) -> CaseEvent {
    CaseEvent {
        id: gridpatrol_core::ids::new_id(),
        kind,
        actor: who.id.clone(),
        role: who.role,
        at,
        after,
        note: String::new(),
        photos: vec![],
        department: department.map(str::to_owned),
    }
}

/// A case reported by worker1, taken to `state` by the admin.
fn case_in(reference: &Reference, state: CaseStatus, t0: Millis) -> (Case, bool) {
    let reporter = reference.user_by_name("worker1").unwrap();
    let admin = reference.user_by_name("admin").unwrap();
    let reported = event(EventKind::Reported, reporter, t0, vec![], None);
    let mut last = reported.id.clone();
    let mut events = BTreeMap::from([(reported.id.clone(), reported)]);
    let (steps, held) = recipe(state);
    for (i, k) in steps.into_iter().enumerate() {
        let dept = (k == EventKind::Dispatched).then_some(DEPT);
        let e = event(k, admin, t0 + 1000 * (i as Millis + 1), vec![last.clone()], dept);
        last = e.id.clone();
        events.insert(e.id.clone(), e);
    }
    let case = Case {
        schema: CASE_SCHEMA,
        id: gridpatrol_core::ids::new_id(),
        grid: GRID.into(),
        category: "E0201".into(),
        title: "小广告".into(),
        description: String::new(),
        location: Location::default(),
        severity: Severity::Normal,
        reporter: reporter.id.clone(),
        created_at: t0,
        photos: BTreeMap::new(),
        links: Links::default(),
        events,
    };
    assert_eq!(gridpatrol_core::workflow::derive(&case).status, state, "recipe for {state:?}");
    (case, held)
}

/// What the hand-written tables say about `role` recording `kind` in `state`.
fn expected(role: Role, kind: EventKind, state: CaseStatus, held_by_dept: bool) -> Option<ErrorCode> {
    let is_reporter = role == Role::GridWorker;
    if role == Role::Department && !held_by_dept {
        return Some(ErrorCode::OutOfScope);
    }
    if kind == EventKind::Reported {
        return Some(ErrorCode::EventRewritten);
    }
    if !role_may(role, kind) {
        return Some(ErrorCode::RoleNotPermitted);
    }
    if !allowed_in(state).contains(&kind) {
        return Some(ErrorCode::NotAllowedInState);
    }
    let may_amend = match role {
        Role::GridWorker => {
            is_reporter && matches!(state, CaseStatus::Reported | CaseStatus::Escalated | CaseStatus::Relapsed)
        }
        Role::Department => false,
        _ => true,
    };
    if kind == EventKind::Amended && !may_amend {
        return Some(ErrorCode::HeaderNotPermitted);
    }
    None
}

#[test]
fn every_role_kind_and_state() {
    let reference = gridpatrol_core::demo::reference();
    let limits = Limits::default();
    let now = now_ms();
    let mut checked = 0;
    let mut accepted = 0;
    for state in STATES {
        let (case, held) = case_in(&reference, state, now - 3_600_000);
        let before = case.to_new_doc(&ActorId::random()).unwrap();
        let heads = gridpatrol_core::workflow::derive(&case).heads;
        for role in Role::ALL {
            let who = user(&reference, username(role));
            let ctx = Context { who: &who, reference: &reference, now, limits: &limits };
            for kind in EventKind::ALL {
                let dept = match kind {
                    EventKind::Dispatched => Some(DEPT),
                    EventKind::Handled if role == Role::Department => Some(DEPT),
                    _ => None,
                };
                let ev = event(kind, &who.user, now - 1000, heads.clone(), dept);
                let mut after = before.clone().with_actor(ActorId::random());
                Case::append_event(&mut after, &ev).unwrap();
                if kind == EventKind::Amended {
                    autosurgeon::reconcile_prop(&mut after, automerge::ROOT, "title", "更正后的标题").unwrap();
                }
                let got = check(DocKind::Case, &case.id, Some(&before), &after, &ctx).err().map(|e| e.code);
                let want = expected(role, kind, state, held);
                assert_eq!(got, want, "{role:?} recording {kind:?} on a {state:?} case");
                checked += 1;
                accepted += usize::from(got.is_none());
            }
        }
    }
    assert_eq!(checked, STATES.len() * Role::ALL.len() * EventKind::ALL.len());
    assert!(accepted > 100, "only {accepted} accepted: the table is not exercising acceptance");
}

fn new_case_doc(reference: &Reference, reporter: &User, grid: &str, now: Millis) -> (Case, AutoCommit) {
    let (mut case, _) = case_in(reference, CaseStatus::Reported, now - 1000);
    let ev = event(EventKind::Reported, reporter, now - 1000, vec![], None);
    case.events = BTreeMap::from([(ev.id.clone(), ev)]);
    case.reporter = reporter.id.clone();
    case.grid = grid.into();
    let doc = case.to_new_doc(&ActorId::random()).unwrap();
    (case, doc)
}

#[test]
fn new_cases_are_reported_by_reporting_roles_in_known_grids_and_categories() {
    let reference = gridpatrol_core::demo::reference();
    let limits = Limits::default();
    let now = now_ms();
    let check_new = |username: &str, edit: &dyn Fn(&mut Case)| {
        let who = user(&reference, username);
        let ctx = Context { who: &who, reference: &reference, now, limits: &limits };
        let (mut case, _) = new_case_doc(&reference, &who.user, GRID, now);
        edit(&mut case);
        let doc = case.to_new_doc(&ActorId::random()).unwrap();
        check(DocKind::Case, &case.id, None, &doc, &ctx).err().map(|e| e.code)
    };
    assert_eq!(check_new("worker1", &|_| {}), None);
    assert_eq!(check_new("dept-cg", &|c| c.grid = GRID.into()), Some(ErrorCode::OutOfScope));
    assert_eq!(check_new("worker5", &|c| c.grid = GRID.into()), Some(ErrorCode::OutOfScope));
    assert_eq!(check_new("worker1", &|c| c.category = "X9999".into()), Some(ErrorCode::UnknownCategory));
    assert_eq!(check_new("worker1", &|c| c.reporter = "u-worker2".into()), Some(ErrorCode::Impersonation));
    assert_eq!(check_new("worker1", &|c| c.created_at = now + 3_600_000), Some(ErrorCode::ImplausibleTime));
    assert_eq!(check_new("worker1", &|c| c.created_at = now - 400 * 86_400_000), Some(ErrorCode::ImplausibleTime));
    assert_eq!(check_new("worker1", &|c| c.events.clear()), Some(ErrorCode::BadEventLog));
    assert_eq!(check_new("worker1", &|c| c.title = "长".repeat(500)), Some(ErrorCode::TooLarge));
    // A log filed under the wrong keys, or looping, is refused before any fold.
    assert_eq!(
        check_new("worker1", &|c| {
            let (_, e) = c.events.pop_first().unwrap();
            c.events.insert("not-its-id".into(), e);
        }),
        Some(ErrorCode::BadEventLog)
    );
    assert_eq!(
        check_new("worker1", &|c| {
            let id = c.events.keys().next().unwrap().clone();
            c.events.get_mut(&id).unwrap().after = vec![id.clone()];
        }),
        Some(ErrorCode::BadEventLog)
    );
    assert_eq!(
        check_new("worker1", &|c| {
            let first = c.events.values().next().unwrap().clone();
            let w = reference.user_by_name("worker1").unwrap();
            let e = event(EventKind::Escalated, w, first.at + 1, vec!["ghost".into()], None);
            c.events.insert(e.id.clone(), e);
        }),
        Some(ErrorCode::BadEventLog)
    );
}

#[test]
fn a_department_follows_the_current_assignment() {
    let reference = gridpatrol_core::demo::reference();
    let limits = Limits::default();
    let now = now_ms();
    let (case, _) = case_in(&reference, CaseStatus::Dispatched, now - 3_600_000);
    let leader = user(&reference, "leader1");
    let mut redispatched = case.clone();
    let heads = gridpatrol_core::workflow::derive(&case).heads;
    let re = event(EventKind::Dispatched, &leader.user, now - 2000, heads, Some("D-SZ"));
    redispatched.events.insert(re.id.clone(), re.clone());
    let before = redispatched.to_new_doc(&ActorId::random()).unwrap();
    // The old department: not its case any more.
    let cg = user(&reference, "dept-cg");
    let ctx = Context { who: &cg, reference: &reference, now, limits: &limits };
    let mut after = before.clone();
    Case::append_event(&mut after, &event(EventKind::Handled, &cg.user, now - 1000, vec![re.id.clone()], Some(DEPT)))
        .unwrap();
    assert_eq!(check(DocKind::Case, &case.id, Some(&before), &after, &ctx).unwrap_err().code, ErrorCode::OutOfScope);
    // The new one may, but only in its own name.
    let sz = user(&reference, "dept-sz");
    let ctx = Context { who: &sz, reference: &reference, now, limits: &limits };
    let mut after = before.clone();
    let own = event(EventKind::Handled, &sz.user, now - 1000, vec![re.id.clone()], Some("D-SZ"));
    Case::append_event(&mut after, &own).unwrap();
    let ok = check(DocKind::Case, &case.id, Some(&before), &after, &ctx).unwrap();
    assert_eq!(ok.departments, vec!["D-SZ".to_string()]);
    let mut after = before.clone();
    Case::append_event(&mut after, &event(EventKind::Handled, &sz.user, now - 1000, vec![re.id.clone()], Some(DEPT)))
        .unwrap();
    assert_eq!(check(DocKind::Case, &case.id, Some(&before), &after, &ctx).unwrap_err().code, ErrorCode::Impersonation);
    // A dispatch to a department that does not exist.
    let ctx = Context { who: &leader, reference: &reference, now, limits: &limits };
    let mut after = before.clone();
    Case::append_event(
        &mut after,
        &event(EventKind::Dispatched, &leader.user, now - 1000, vec![re.id.clone()], Some("D-NOPE")),
    )
    .unwrap();
    assert_eq!(
        check(DocKind::Case, &case.id, Some(&before), &after, &ctx).unwrap_err().code,
        ErrorCode::UnknownDepartment
    );
    // `department` on a step that is not a dispatch or feedback.
    let mut after = before.clone();
    Case::append_event(&mut after, &event(EventKind::Deferred, &leader.user, now - 1000, vec![re.id], Some("D-SZ")))
        .unwrap();
    assert_eq!(
        check(DocKind::Case, &case.id, Some(&before), &after, &ctx).unwrap_err().code,
        ErrorCode::InvalidDocument
    );
}

#[test]
fn details_change_only_with_a_correction_and_times_are_plausible() {
    let reference = gridpatrol_core::demo::reference();
    let limits = Limits::default();
    let now = now_ms();
    let (case, _) = case_in(&reference, CaseStatus::Escalated, now - 3_600_000);
    let before = case.to_new_doc(&ActorId::random()).unwrap();
    let heads = gridpatrol_core::workflow::derive(&case).heads;
    let worker = user(&reference, "worker1");
    let ctx = Context { who: &worker, reference: &reference, now, limits: &limits };
    let mut after = before.clone();
    autosurgeon::reconcile_prop(&mut after, automerge::ROOT, "category", "E0505").unwrap();
    assert_eq!(
        check(DocKind::Case, &case.id, Some(&before), &after, &ctx).unwrap_err().code,
        ErrorCode::HeaderNotPermitted
    );
    Case::append_event(&mut after, &event(EventKind::Amended, &worker.user, now - 10, heads.clone(), None)).unwrap();
    assert_eq!(check(DocKind::Case, &case.id, Some(&before), &after, &ctx).unwrap().amended, vec!["category"]);
    let mut after = before.clone();
    autosurgeon::reconcile_prop(&mut after, automerge::ROOT, "reporter", "u-worker2").unwrap();
    assert_eq!(check(DocKind::Case, &case.id, Some(&before), &after, &ctx).unwrap_err().code, ErrorCode::CaseRewritten);
    // A step from the future, and one before the case existed.
    let leader = user(&reference, "leader1");
    let ctx = Context { who: &leader, reference: &reference, now, limits: &limits };
    for at in [now + 3_600_000, case.created_at - 3_600_000] {
        let mut after = before.clone();
        Case::append_event(&mut after, &event(EventKind::Accepted, &leader.user, at, heads.clone(), None)).unwrap();
        assert_eq!(
            check(DocKind::Case, &case.id, Some(&before), &after, &ctx).unwrap_err().code,
            ErrorCode::ImplausibleTime,
            "at {at}"
        );
    }
    // A smuggled field.
    let mut after = before.clone();
    automerge::transaction::Transactable::put(&mut after, automerge::ROOT, "payload", "x").unwrap();
    assert_eq!(check(DocKind::Case, &case.id, Some(&before), &after, &ctx).unwrap_err().code, ErrorCode::UnknownField);
}

fn patrol(reference: &Reference, username: &str, now: Millis) -> Patrol {
    let u = reference.user_by_name(username).unwrap();
    Patrol {
        schema: PATROL_SCHEMA,
        id: gridpatrol_core::ids::new_id(),
        kind: PatrolKind::Night,
        grid: GRID.into(),
        team: vec![u.id.clone(), "u-worker2".into()],
        team_code: "123456".into(),
        lead: None,
        started_by: u.id.clone(),
        started_at: now - 3_600_000,
        ended_at: None,
        closed_at: None,
        track: vec![TrackPoint { at: now - 3_000_000, lat: 30.276, lon: 120.16, accuracy_m: Some(5.0) }],
        streets: BTreeMap::new(),
        cases: BTreeMap::new(),
        note: String::new(),
    }
}

#[test]
fn only_the_member_adds_to_a_patrol_and_nothing_is_rewritten() {
    let reference = gridpatrol_core::demo::reference();
    let limits = Limits::default();
    let now = now_ms();
    let p = patrol(&reference, "worker1", now);
    let before = p.to_new_doc(&ActorId::random()).unwrap();
    let owner = user(&reference, "worker1");
    let mate = user(&reference, "worker2");
    let leader = user(&reference, "leader1");
    let point = TrackPoint { at: now - 2_000_000, lat: 30.2761, lon: 120.1601, accuracy_m: Some(4.0) };
    let code = |who: &AuthUser, after: &AutoCommit| {
        let ctx = Context { who, reference: &reference, now, limits: &limits };
        check(DocKind::Patrol, &p.id, Some(&before), after, &ctx).err().map(|e| e.code)
    };
    let mut after = before.clone();
    Patrol::push_track(&mut after, &[point]).unwrap();
    assert_eq!(code(&owner, &after), None);
    assert_eq!(code(&mate, &after), Some(ErrorCode::NotAMember), "a team mate writes their own document");
    assert_eq!(code(&leader, &after), Some(ErrorCode::NotAMember));
    let mut rewritten = before.clone();
    autosurgeon::reconcile_prop(&mut rewritten, automerge::ROOT, "track", vec![point]).unwrap();
    assert_eq!(code(&owner, &rewritten), Some(ErrorCode::PatrolRewritten));
    let mut team = before.clone();
    Patrol::add_member(&mut team, "u-worker3").unwrap();
    assert_eq!(code(&owner, &team), Some(ErrorCode::PatrolRewritten));
    let mut early = before.clone();
    Patrol::push_track(&mut early, &[TrackPoint { at: now - 9_000_000, ..point }]).unwrap();
    assert_eq!(code(&owner, &early), Some(ErrorCode::ImplausibleTime));
    let mut ended = before.clone();
    Patrol::end(&mut ended, now - 1000, "收工").unwrap();
    assert_eq!(code(&owner, &ended), None);
    // A check in someone else's name.
    let mut check_other = before.clone();
    Patrol::check_street(
        &mut check_other,
        "柳荫路",
        &StreetCheck { checked_at: now - 1000, by: "u-worker2".into(), note: String::new() },
    )
    .unwrap();
    assert_eq!(code(&owner, &check_other), Some(ErrorCode::Impersonation));
    // A department never starts a patrol; a worker never starts a supervision.
    let dept = user(&reference, "dept-cg");
    let p2 = Patrol {
        started_by: dept.user.id.clone(),
        team: vec![dept.user.id.clone()],
        ..patrol(&reference, "worker1", now)
    };
    let doc = p2.to_new_doc(&ActorId::random()).unwrap();
    assert!(
        check(
            DocKind::Patrol,
            &p2.id,
            None,
            &doc,
            &Context { who: &dept, reference: &reference, now, limits: &limits }
        )
        .is_err()
    );
    let p3 = Patrol { kind: PatrolKind::Supervision, ..patrol(&reference, "worker1", now) };
    let doc = p3.to_new_doc(&ActorId::random()).unwrap();
    assert_eq!(
        check(
            DocKind::Patrol,
            &p3.id,
            None,
            &doc,
            &Context { who: &owner, reference: &reference, now, limits: &limits }
        )
        .unwrap_err()
        .code,
        ErrorCode::RoleNotPermitted
    );
}

/// A member's own document of a team patrol, as the device writes it when
/// joining with `code` (any kind: anyone may join).
fn member_patrol(reference: &Reference, username: &str, kind: PatrolKind, now: Millis) -> Patrol {
    use gridpatrol_core::model::team::{JoinCode, duty_day, member_doc_id, team_id};
    let u = reference.user_by_name(username).unwrap();
    let code = JoinCode::new(reference, GRID, kind, 482).unwrap().format();
    let started_at = now - 3_000_000;
    let lead = team_id(duty_day(started_at), &code);
    Patrol {
        id: member_doc_id(&lead, &u.id),
        kind,
        team: vec![u.id.clone()],
        team_code: code,
        lead: Some(lead),
        started_by: u.id.clone(),
        started_at,
        track: vec![],
        ..patrol(reference, username, now)
    }
}

#[test]
fn a_member_writes_their_own_part_of_a_team_patrol_as_the_code_says() {
    let reference = gridpatrol_core::demo::reference();
    let limits = Limits::default();
    let now = now_ms();
    let mate = user(&reference, "worker2");
    let code = |who: &AuthUser, p: &Patrol, before: Option<&AutoCommit>, after: &AutoCommit| {
        let ctx = Context { who, reference: &reference, now, limits: &limits };
        check(DocKind::Patrol, &p.id, before, after, &ctx).err().map(|e| e.code)
    };
    let new = |p: &Patrol| p.to_new_doc(&ActorId::random()).unwrap();
    // A grid worker never starts a special campaign, but joins one.
    let special = member_patrol(&reference, "worker2", PatrolKind::Special, now);
    assert_eq!(code(&mate, &special, None, &new(&special)), None);
    let as_lead = Patrol { lead: None, ..special.clone() };
    assert_eq!(code(&mate, &as_lead, None, &new(&as_lead)), Some(ErrorCode::RoleNotPermitted));
    // Only as the code says: the id, the team, the kind.
    let wrong_id = Patrol { id: gridpatrol_core::ids::new_id(), ..special.clone() };
    assert_eq!(code(&mate, &wrong_id, None, &new(&wrong_id)), Some(ErrorCode::WrongId));
    let other_team = Patrol { lead: Some(gridpatrol_core::ids::new_id()), ..special.clone() };
    assert_eq!(code(&mate, &other_team, None, &new(&other_team)), Some(ErrorCode::InvalidDocument));
    let other_kind = Patrol { kind: PatrolKind::Night, ..special.clone() };
    assert_eq!(code(&mate, &other_kind, None, &new(&other_kind)), Some(ErrorCode::InvalidDocument));
    let no_code = Patrol { team_code: "12".into(), ..special.clone() };
    assert_eq!(code(&mate, &no_code, None, &new(&no_code)), Some(ErrorCode::InvalidDocument));
    // Someone else's part.
    assert_eq!(code(&user(&reference, "worker1"), &special, None, &new(&special)), Some(ErrorCode::Impersonation));
    // A member adds to their part and ends it, but never closes the team's.
    let before = new(&special);
    let mut after = before.clone();
    let point = TrackPoint { at: now - 2_000_000, lat: 30.2761, lon: 120.1601, accuracy_m: Some(4.0) };
    Patrol::push_track(&mut after, &[point]).unwrap();
    Patrol::end(&mut after, now - 1000, "东巷无异常").unwrap();
    assert_eq!(code(&mate, &special, Some(&before), &after), None);
    let mut closed = after.clone();
    Patrol::close(&mut closed, now - 500).unwrap();
    assert_eq!(code(&mate, &special, Some(&after), &closed), Some(ErrorCode::PatrolRewritten));
    let closed_at_once = Patrol { closed_at: Some(now - 500), ended_at: Some(now - 600), ..special.clone() };
    assert_eq!(code(&mate, &closed_at_once, None, &new(&closed_at_once)), Some(ErrorCode::PatrolRewritten));
}

#[test]
fn the_starter_closes_the_team_patrol_once() {
    let reference = gridpatrol_core::demo::reference();
    let limits = Limits::default();
    let now = now_ms();
    let owner = user(&reference, "worker1");
    let p = patrol(&reference, "worker1", now);
    let code = |before: &AutoCommit, after: &AutoCommit| {
        let ctx = Context { who: &owner, reference: &reference, now, limits: &limits };
        check(DocKind::Patrol, &p.id, Some(before), after, &ctx).err().map(|e| e.code)
    };
    let running = p.to_new_doc(&ActorId::random()).unwrap();
    // Closing needs the starter's own end, with it or before it.
    let mut closed_only = running.clone();
    Patrol::close(&mut closed_only, now - 1000).unwrap();
    assert_eq!(code(&running, &closed_only), Some(ErrorCode::InvalidDocument));
    let mut ended = running.clone();
    Patrol::end(&mut ended, now - 2000, "").unwrap();
    let mut closed = ended.clone();
    Patrol::close(&mut closed, now - 1000).unwrap();
    assert_eq!(code(&running, &closed), None, "ended and closed in one push");
    assert_eq!(code(&ended, &closed), None, "closed after the starter's part ended");
    let mut reclosed = closed.clone();
    Patrol::close(&mut reclosed, now - 10).unwrap();
    assert_eq!(code(&closed, &reclosed), Some(ErrorCode::PatrolRewritten));
    let mut future = ended.clone();
    Patrol::close(&mut future, now + 3_600_000).unwrap();
    assert_eq!(code(&ended, &future), Some(ErrorCode::ImplausibleTime));
}
