//! The fold: events in a deterministic total order through the rules.
//!
//! The order is topological over each event's `after` links (an event never
//! comes before one its author had seen), ties broken by device time and
//! then event id. Every replica holding the same set of events computes the
//! same order, so the same status. Nothing is dropped: events that cannot
//! apply stay in the timeline with the reason.
//!
//! Merge rules beyond the transition table:
//! - a rework order that raced a close (its author had not seen the close)
//!   wins: the case goes back to rework and the close is marked superseded;
//! - a relapse after a close reopens the case;
//! - a voided case stays voided.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap, HashSet};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::rules::{CaseStatus, role_may, transition};
use crate::model::{Case, CaseEvent, EventKind};
use crate::time::Millis;

/// What became of one event in the fold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outcome {
    /// It moved the case from one status to another (or kept it).
    Applied { from: CaseStatus, to: CaseStatus },
    /// It could not apply; it stays in the log.
    Ignored { reason: IgnoreReason },
    /// It applied, but a concurrent event undid it.
    Superseded { by: String },
}

/// Why an event did not apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum IgnoreReason {
    /// Not possible in the status the case had at that point of the log.
    NotAllowedInState,
    /// The author's role may not do this.
    RoleNotPermitted,
    /// The case was already voided.
    AfterVoid,
    /// A close that raced a rework order: the rework stands.
    RacedWithRework,
    /// A second `Reported` event.
    DuplicateReport,
    /// Feedback from a department the case is no longer assigned to.
    NotAssigned,
}

/// One event and its outcome, in fold order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct TimelineEntry {
    pub event: CaseEvent,
    pub outcome: Outcome,
}

/// Everything derived from a case's log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Derived {
    pub status: CaseStatus,
    /// When the current status began (device time of the event).
    pub since: Millis,
    /// When the case was last closed, if it is closed.
    pub closed_at: Option<Millis>,
    /// Whether a look-back has passed since the last close.
    pub lookback_passed: bool,
    /// The department currently holding the case.
    pub department: Option<String>,
    /// Whether the last handling was on the spot by the grid worker.
    pub handled_on_spot: bool,
    /// The log in fold order, with outcomes.
    pub timeline: Vec<TimelineEntry>,
    /// Event ids no other event follows: a new event's `after`.
    pub heads: Vec<String>,
}

/// Derives status and timeline from a case's log.
pub fn derive(case: &Case) -> Derived {
    let order = total_order(&case.events);
    let mut d = Derived {
        status: CaseStatus::Reported,
        since: case.created_at,
        closed_at: None,
        lookback_passed: false,
        department: None,
        handled_on_spot: false,
        timeline: Vec::with_capacity(order.len()),
        heads: heads(&case.events),
    };
    let mut seen_report = false;
    let mut closed_by: Option<usize> = None;
    let mut ancestry = Ancestry::new(&case.events);

    for ev in order {
        let outcome = apply(&mut d, ev, &mut seen_report, &mut closed_by, &mut ancestry);
        d.timeline.push(TimelineEntry { event: ev.clone(), outcome });
    }
    d
}

fn apply(
    d: &mut Derived,
    ev: &CaseEvent,
    seen_report: &mut bool,
    closed_by: &mut Option<usize>,
    ancestry: &mut Ancestry<'_>,
) -> Outcome {
    let ignored = |reason| Outcome::Ignored { reason };
    if ev.kind == EventKind::Reported {
        if std::mem::replace(seen_report, true) {
            return ignored(IgnoreReason::DuplicateReport);
        }
        d.since = ev.at;
        return Outcome::Applied { from: d.status, to: d.status };
    }
    if d.status == CaseStatus::Voided {
        return ignored(IgnoreReason::AfterVoid);
    }
    if !role_may(ev.role, ev.kind) {
        return ignored(IgnoreReason::RoleNotPermitted);
    }
    if ev.kind == EventKind::Handled && ev.department.is_some() && ev.department != d.department {
        return ignored(IgnoreReason::NotAssigned);
    }
    let from = d.status;
    // A rework order that had not seen the close re-opens for rework.
    if from == CaseStatus::Closed
        && ev.kind == EventKind::ReturnedForRework
        && let Some(ci) = *closed_by
    {
        let close_id = d.timeline[ci].event.id.clone();
        if !ancestry.is_ancestor(&close_id, &ev.id) {
            d.timeline[ci].outcome = Outcome::Superseded { by: ev.id.clone() };
            enter(d, ev, CaseStatus::Rework);
            *closed_by = None;
            return Outcome::Applied { from, to: CaseStatus::Rework };
        }
    }
    let Some(to) = transition(from, ev.kind) else {
        let raced = ev.kind == EventKind::Closed
            && from == CaseStatus::Rework
            && d.timeline
                .iter()
                .rev()
                .find(|t| t.event.kind == EventKind::ReturnedForRework)
                .is_some_and(|r| !ancestry.is_ancestor(&r.event.id, &ev.id));
        return ignored(if raced { IgnoreReason::RacedWithRework } else { IgnoreReason::NotAllowedInState });
    };
    match ev.kind {
        EventKind::Closed => *closed_by = Some(d.timeline.len()),
        EventKind::Relapsed | EventKind::Voided => *closed_by = None,
        _ => {}
    }
    if ev.kind == EventKind::LookBackPassed {
        d.lookback_passed = true;
    } else if matches!(ev.kind, EventKind::Amended | EventKind::EvidenceAdded) {
        // Corrections and evidence change details, not where the case stands.
    } else {
        enter(d, ev, to);
    }
    Outcome::Applied { from, to }
}

/// Moves the case into `to` because of `ev`.
fn enter(d: &mut Derived, ev: &CaseEvent, to: CaseStatus) {
    match ev.kind {
        EventKind::Dispatched => d.department = ev.department.clone(),
        EventKind::HandledOnSpot => d.handled_on_spot = true,
        EventKind::Handled => d.handled_on_spot = false,
        _ => {}
    }
    if to == CaseStatus::Closed {
        d.closed_at = Some(ev.at);
        d.lookback_passed = false;
    } else if to != CaseStatus::Voided {
        d.closed_at = None;
    }
    d.status = to;
    d.since = ev.at;
}

/// Events in topological order over `after`, ties by (device time, id).
/// Dangling links are ignored; a cycle (only hostile data makes one) is
/// broken at its smallest event, so the order stays total and deterministic.
pub fn total_order(events: &BTreeMap<String, CaseEvent>) -> Vec<&CaseEvent> {
    let mut pending: HashMap<&str, usize> = HashMap::with_capacity(events.len());
    let mut followers: HashMap<&str, Vec<&str>> = HashMap::new();
    for (id, ev) in events {
        let deps: BTreeSet<&str> =
            ev.after.iter().map(String::as_str).filter(|a| *a != id && events.contains_key(*a)).collect();
        pending.insert(id, deps.len());
        for a in deps {
            followers.entry(a).or_default().push(id);
        }
    }
    let key = |id: &str| Reverse((events[id].at, id.to_owned()));
    let mut ready: BinaryHeap<Reverse<(Millis, String)>> =
        pending.iter().filter(|(_, n)| **n == 0).map(|(id, _)| key(id)).collect();
    let mut out = Vec::with_capacity(events.len());
    let mut done: HashSet<String> = HashSet::with_capacity(events.len());
    while out.len() < events.len() {
        let next = match ready.pop() {
            Some(Reverse((_, id))) => id,
            // A cycle: release the smallest remaining event.
            None => events
                .iter()
                .filter(|(k, _)| !done.contains(*k))
                .min_by(|a, b| (a.1.at, a.0).cmp(&(b.1.at, b.0)))
                .map(|(k, _)| k.clone())
                .expect("events remain"),
        };
        if !done.insert(next.clone()) {
            continue;
        }
        let ev = &events[&next];
        out.push(ev);
        for f in followers.get(next.as_str()).into_iter().flatten() {
            let n = pending.get_mut(f).expect("known");
            *n = n.saturating_sub(1);
            if *n == 0 && !done.contains(*f) {
                ready.push(key(f));
            }
        }
    }
    out
}

/// The events no other event lists in `after`.
fn heads(events: &BTreeMap<String, CaseEvent>) -> Vec<String> {
    let followed: HashSet<&str> = events.values().flat_map(|e| e.after.iter().map(String::as_str)).collect();
    events.keys().filter(|id| !followed.contains(id.as_str())).cloned().collect()
}

/// Answers "had the author of B seen A?" over the `after` links.
struct Ancestry<'a> {
    events: &'a BTreeMap<String, CaseEvent>,
    memo: HashMap<String, HashSet<&'a str>>,
}

impl<'a> Ancestry<'a> {
    fn new(events: &'a BTreeMap<String, CaseEvent>) -> Self {
        Ancestry { events, memo: HashMap::new() }
    }

    fn is_ancestor(&mut self, a: &str, b: &str) -> bool {
        if !self.memo.contains_key(b) {
            let mut seen: HashSet<&'a str> = HashSet::new();
            let mut stack: Vec<&'a str> =
                self.events.get(b).map(|e| e.after.iter().map(String::as_str).collect()).unwrap_or_default();
            while let Some(x) = stack.pop() {
                if seen.insert(x)
                    && let Some(e) = self.events.get(x)
                {
                    stack.extend(e.after.iter().map(String::as_str));
                }
            }
            self.memo.insert(b.to_owned(), seen);
        }
        self.memo[b].contains(a)
    }
}
