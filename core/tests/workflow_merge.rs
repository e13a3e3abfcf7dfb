//! Merge semantics of the case log: concurrent events on forked replicas,
//! merged in any order, give the same log and the same derived status on
//! every replica, and no event is lost. Plus the domain merge rules.

use std::collections::{BTreeMap, BTreeSet};

use automerge::{ActorId, AutoCommit};
use gridpatrol_core::model::{Case, CaseEvent, EventKind, Links, Location, Role, Severity};
use gridpatrol_core::workflow::{CaseStatus, IgnoreReason, Outcome, derive};
use proptest::prelude::*;

const T0: i64 = 1_790_000_000_000;

fn event(id: &str, kind: EventKind, role: Role, at: i64, after: &[&str]) -> CaseEvent {
    CaseEvent {
        id: id.into(),
        kind,
        actor: format!("u-{role:?}"),
        role,
        at,
        after: after.iter().map(|s| s.to_string()).collect(),
        note: String::new(),
        photos: vec![],
        department: (kind == EventKind::Dispatched).then(|| "D-CG".to_string()),
    }
}

fn base_case() -> Case {
    let reported = event("e00", EventKind::Reported, Role::GridWorker, T0, &[]);
    Case {
        schema: 1,
        id: "case-1".into(),
        grid: "G1".into(),
        category: "E0201".into(),
        title: "小广告".into(),
        description: String::new(),
        location: Location::default(),
        severity: Severity::Normal,
        reporter: "u-w".into(),
        created_at: T0,
        photos: BTreeMap::new(),
        links: Links::default(),
        events: BTreeMap::from([(reported.id.clone(), reported)]),
    }
}

/// Appends to a doc the way the store does: `after` = current heads.
fn append(doc: &mut AutoCommit, id: &str, kind: EventKind, role: Role, at: i64) {
    let heads = derive(&Case::from_doc(doc).unwrap()).heads;
    let heads: Vec<&str> = heads.iter().map(String::as_str).collect();
    Case::append_event(doc, &event(id, kind, role, at, &heads)).unwrap();
    doc.commit();
}

fn fork(doc: &mut AutoCommit, n: u8) -> AutoCommit {
    doc.fork().with_actor(ActorId::from(vec![n + 1; 16]))
}

fn status(doc: &AutoCommit) -> CaseStatus {
    derive(&Case::from_doc(doc).unwrap()).status
}

fn outcome_of(doc: &AutoCommit, id: &str) -> Outcome {
    let d = derive(&Case::from_doc(doc).unwrap());
    d.timeline.into_iter().find(|t| t.event.id == id).unwrap().outcome
}

/// Walks a case to `Handled` by a department.
fn handled_doc() -> AutoCommit {
    let mut doc = base_case().to_new_doc(&ActorId::from(vec![9; 16])).unwrap();
    append(&mut doc, "e01", EventKind::Escalated, Role::GridWorker, T0 + 1000);
    append(&mut doc, "e02", EventKind::Dispatched, Role::Supervisor, T0 + 2000);
    append(&mut doc, "e03", EventKind::Handled, Role::Department, T0 + 3000);
    assert_eq!(status(&doc), CaseStatus::Handled);
    doc
}

#[test]
fn a_relapse_after_a_close_reopens_the_case() {
    let mut doc = handled_doc();
    append(&mut doc, "e04", EventKind::Verified, Role::GridWorker, T0 + 4000);
    append(&mut doc, "e05", EventKind::Closed, Role::GridWorker, T0 + 5000);
    assert_eq!(status(&doc), CaseStatus::Closed);
    append(&mut doc, "e06", EventKind::Relapsed, Role::GridWorker, T0 + 6000);
    assert_eq!(status(&doc), CaseStatus::Relapsed);
    assert!(status(&doc).is_open());
    // A look-back that passed concurrently with the relapse does not hide it.
    let mut a = handled_doc();
    append(&mut a, "e04", EventKind::Verified, Role::GridWorker, T0 + 4000);
    append(&mut a, "e05", EventKind::Closed, Role::GridWorker, T0 + 5000);
    let mut b = fork(&mut a, 1);
    append(&mut a, "e06", EventKind::Relapsed, Role::GridWorker, T0 + 6000);
    append(&mut b, "e07", EventKind::LookBackPassed, Role::Supervisor, T0 + 7000);
    a.merge(&mut b).unwrap();
    assert_eq!(status(&a), CaseStatus::Relapsed);
}

#[test]
fn a_close_racing_a_rework_order_does_not_silently_win() {
    for (close_at, rework_at) in [(T0 + 5000, T0 + 6000), (T0 + 6000, T0 + 5000)] {
        let mut a = handled_doc();
        let mut b = fork(&mut a, 1);
        append(&mut a, "close", EventKind::Closed, Role::GridLeader, close_at);
        append(&mut b, "rework", EventKind::ReturnedForRework, Role::Supervisor, rework_at);
        let mut ab = a.fork();
        ab.merge(&mut b).unwrap();
        let mut ba = b.fork();
        ba.merge(&mut a).unwrap();
        for merged in [&ab, &ba] {
            assert_eq!(status(merged), CaseStatus::Rework, "close at {close_at}, rework at {rework_at}");
            // The close is still in the log, marked for what happened to it.
            match outcome_of(merged, "close") {
                Outcome::Superseded { by } => assert_eq!(by, "rework"),
                Outcome::Ignored { reason } => assert_eq!(reason, IgnoreReason::RacedWithRework),
                other => panic!("close was {other:?}"),
            }
        }
    }
    // A rework ordered after seeing the close is not allowed (use relapse).
    let mut doc = handled_doc();
    append(&mut doc, "close", EventKind::Closed, Role::GridLeader, T0 + 5000);
    append(&mut doc, "late", EventKind::ReturnedForRework, Role::Supervisor, T0 + 6000);
    assert_eq!(status(&doc), CaseStatus::Closed);
}

#[test]
fn a_voided_case_stays_voided() {
    let mut a = handled_doc();
    let mut b = fork(&mut a, 1);
    let mut c = fork(&mut a, 2);
    append(&mut a, "void", EventKind::Voided, Role::GridLeader, T0 + 5000);
    append(&mut b, "v", EventKind::Verified, Role::GridWorker, T0 + 9000);
    append(&mut b, "cl", EventKind::Closed, Role::GridWorker, T0 + 9500);
    append(&mut c, "rw", EventKind::ReturnedForRework, Role::Supervisor, T0 + 4000);
    for order in [[0, 1, 2], [2, 1, 0], [1, 0, 2]] {
        let docs = [&a, &b, &c];
        let mut m = docs[order[0]].clone();
        m.merge(&mut docs[order[1]].clone()).unwrap();
        m.merge(&mut docs[order[2]].clone()).unwrap();
        assert_eq!(status(&m), CaseStatus::Voided);
        // Nothing after the void applied, but all of it is kept.
        assert_eq!(Case::from_doc(&m).unwrap().events.len(), 4 + 4);
    }
    // Later events on a voided case are kept and ignored.
    append(&mut a, "after", EventKind::Escalated, Role::GridWorker, T0 + 10_000);
    assert_eq!(status(&a), CaseStatus::Voided);
    assert_eq!(outcome_of(&a, "after"), Outcome::Ignored { reason: IgnoreReason::AfterVoid });
}

#[test]
fn events_by_roles_that_may_not_take_them_are_ignored() {
    let mut doc = base_case().to_new_doc(&ActorId::from(vec![9; 16])).unwrap();
    append(&mut doc, "x", EventKind::Handled, Role::GridWorker, T0 + 1);
    append(&mut doc, "y", EventKind::Escalated, Role::Department, T0 + 2);
    assert_eq!(status(&doc), CaseStatus::Reported);
    assert_eq!(outcome_of(&doc, "y"), Outcome::Ignored { reason: IgnoreReason::RoleNotPermitted });
}

#[test]
fn causality_beats_skewed_clocks() {
    // Device B's clock is an hour behind, but it had seen the escalation.
    let mut a = base_case().to_new_doc(&ActorId::from(vec![9; 16])).unwrap();
    append(&mut a, "esc", EventKind::Escalated, Role::GridWorker, T0 + 3_600_000);
    let mut b = fork(&mut a, 1);
    append(&mut b, "acc", EventKind::Accepted, Role::Supervisor, T0 + 60_000);
    assert_eq!(status(&b), CaseStatus::Accepted);
}

#[test]
fn a_hostile_cycle_in_after_links_still_folds() {
    let mut case = base_case();
    for (id, after) in [("a", "b"), ("b", "a")] {
        case.events.insert(id.into(), event(id, EventKind::Escalated, Role::GridWorker, T0 + 5, &[after]));
    }
    let d = derive(&case);
    assert_eq!(d.timeline.len(), 3);
    assert_eq!(d.status, CaseStatus::Escalated);
}

// ---- properties ----------------------------------------------------------

#[derive(Debug, Clone)]
enum Op {
    /// Replica appends an event.
    Append { replica: usize, kind: usize, role: usize, dt: i64 },
    /// Replica `to` merges replica `from`.
    Merge { from: usize, to: usize },
}

fn op(replicas: usize) -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..replicas, 1..EventKind::ALL.len(), 0..Role::ALL.len(), -5_000i64..50_000)
            .prop_map(|(replica, kind, role, dt)| Op::Append { replica, kind, role, dt }),
        1 => (0..replicas, 0..replicas).prop_map(|(from, to)| Op::Merge { from, to }),
    ]
}

fn scenario() -> impl Strategy<Value = (usize, Vec<Op>, Vec<usize>)> {
    (2usize..6).prop_flat_map(|n| {
        (Just(n), prop::collection::vec(op(n), 1..40), Just((0..n).collect::<Vec<_>>()).prop_shuffle())
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn any_concurrent_history_converges_without_loss((n, ops, order) in scenario()) {
        let mut origin = base_case().to_new_doc(&ActorId::from(vec![0xAA; 16])).unwrap();
        let mut replicas: Vec<AutoCommit> = (0..n).map(|i| fork(&mut origin, i as u8)).collect();
        let mut created: BTreeSet<String> = BTreeSet::from(["e00".to_string()]);
        for (i, op) in ops.iter().enumerate() {
            match *op {
                Op::Append { replica, kind, role, dt } => {
                    let id = format!("ev{i:03}");
                    append(&mut replicas[replica], &id, EventKind::ALL[kind], Role::ALL[role], T0 + dt);
                    created.insert(id);
                }
                Op::Merge { from, to } if from != to => {
                    let mut src = replicas[from].clone();
                    replicas[to].merge(&mut src).unwrap();
                }
                Op::Merge { .. } => {}
            }
        }
        // Merge everything into each replica, each in its own order.
        let mut finals = Vec::new();
        for start in 0..n {
            let mut m = replicas[order[start]].clone();
            for k in 0..n {
                let mut other = replicas[order[(start + k) % n]].clone();
                m.merge(&mut other).unwrap();
            }
            finals.push(m);
        }
        let first = derive(&Case::from_doc(&finals[0]).unwrap());
        let ids: BTreeSet<String> = first.timeline.iter().map(|t| t.event.id.clone()).collect();
        prop_assert_eq!(&ids, &created, "events lost or invented");
        for m in &finals[1..] {
            let d = derive(&Case::from_doc(m).unwrap());
            prop_assert_eq!(d.status, first.status);
            prop_assert_eq!(&d.timeline, &first.timeline);
        }
    }
}
