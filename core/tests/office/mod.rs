//! A hand-made month in 柳荫社区 (the demo office, December 2026) for the
//! KPI, rating and export tests. Every expected figure in those tests is
//! computed by hand from the stories below; the module docs of
//! `gridpatrol_core::kpi` give the formulas.
//!
//! Category E0505 机动车乱停放: respond 2h, accept 1h, dispatch 1h,
//! handle 4h, verify 4h (working hours: 08:30–12:00, 13:30–17:30, Mon–Fri),
//! look-back 3 calendar days. 2026-12-04 is a Friday.
//!
//! - A (G01, 王芳): reported Fri 15:00, dispatched Fri 16:30 to D-CG; the
//!   4 working-hour handle limit ends Mon 11:30 (1 h on Friday, 3 h on
//!   Monday); handled Mon 11:20, verified 14:00, closed 14:10. All on time.
//! - B (G01, 李娜): dispatched Fri 16:40 (limit Mon 11:40), handled Mon
//!   13:40: late. Sent back 14:00, handled again 15:00, closed 15:30.
//! - C (G01, 王芳): handled on the spot Tue Dec 1 and closed; relapsed
//!   Dec 3 (within 3 days), handled on the spot and closed again.
//! - D (G01, 李娜): a duplicate, voided.
//! - E (G01, 王芳): accepted Wed Dec 2 10:00, never dispatched: overdue
//!   from 11:00.
//! - F (G02, 张伟): handled on the spot and closed Dec 1, relapsed Dec 8
//!   (after the look-back window), still open: overdue from Dec 8 11:00.

#![allow(dead_code)]

use std::collections::BTreeMap;

use gridpatrol_core::kpi::PatrolFacts;
use gridpatrol_core::model::{Case, CaseEvent, EventKind, Links, Location, LocationSource, PatrolKind, Role, Severity};

pub const G01: &str = "QS01-G01";
pub const G02: &str = "QS01-G02";
pub const WANG: &str = "u-worker1";
pub const LI: &str = "u-worker2";
pub const ZHANG: &str = "u-worker3";
pub const SUPERVISOR: &str = "u-supervisor1";
pub const LEADER: &str = "u-leader1";
pub const DEPT_USER: &str = "u-dept-cg";
pub const DEPT: &str = "D-CG";

/// An instant in China Standard Time, `2026-12-04 15:00`.
pub fn t(s: &str) -> i64 {
    chrono::DateTime::parse_from_str(&format!("{s} +0800"), "%Y-%m-%d %H:%M %z").unwrap().timestamp_millis()
}

/// A case with a linear event log (each event has seen the one before).
pub struct CaseBuilder {
    case: Case,
    last: String,
}

impl CaseBuilder {
    pub fn new(id: &str, grid: &str, reporter: &str, at: &str) -> Self {
        let at = t(at);
        let first = format!("{id}-e00");
        let reported = CaseEvent {
            id: first.clone(),
            kind: EventKind::Reported,
            actor: reporter.into(),
            role: Role::GridWorker,
            at,
            after: vec![],
            note: String::new(),
            photos: vec![],
            department: None,
        };
        let case = Case {
            schema: 1,
            id: id.into(),
            grid: grid.into(),
            category: "E0505".into(),
            title: format!("机动车乱停放 {id}"),
            description: "占用消防通道".into(),
            location: Location {
                lat: Some(30.2741),
                lon: Some(120.1551),
                accuracy_m: Some(6.0),
                source: LocationSource::Gps,
                street: Some("柳荫路".into()),
                address: format!("柳荫路 {} 号门口", id.len() + 10),
            },
            severity: Severity::Normal,
            reporter: reporter.into(),
            created_at: at,
            photos: BTreeMap::new(),
            links: Links::default(),
            events: BTreeMap::from([(first.clone(), reported)]),
        };
        CaseBuilder { case, last: first }
    }

    pub fn event(mut self, kind: EventKind, actor: &str, role: Role, at: &str) -> Self {
        let id = format!("{}-e{:02}", self.case.id, self.case.events.len());
        let ev = CaseEvent {
            id: id.clone(),
            kind,
            actor: actor.into(),
            role,
            at: t(at),
            after: vec![self.last.clone()],
            note: String::new(),
            photos: vec![],
            department: (kind == EventKind::Dispatched).then(|| DEPT.to_string()),
        };
        self.case.events.insert(id.clone(), ev);
        self.last = id;
        self
    }

    pub fn build(self) -> Case {
        self.case
    }
}

/// The six cases of the month.
pub fn cases() -> Vec<Case> {
    use EventKind::*;
    use Role::{Department, GridLeader, GridWorker, Supervisor};
    vec![
        CaseBuilder::new("A", G01, WANG, "2026-12-04 15:00")
            .event(Escalated, WANG, GridWorker, "2026-12-04 15:30")
            .event(Accepted, SUPERVISOR, Supervisor, "2026-12-04 16:00")
            .event(Dispatched, SUPERVISOR, Supervisor, "2026-12-04 16:30")
            .event(Handled, DEPT_USER, Department, "2026-12-07 11:20")
            .event(Verified, WANG, GridWorker, "2026-12-07 14:00")
            .event(Closed, WANG, GridWorker, "2026-12-07 14:10")
            .build(),
        CaseBuilder::new("B", G01, LI, "2026-12-04 16:00")
            .event(Escalated, LI, GridWorker, "2026-12-04 16:10")
            .event(Accepted, SUPERVISOR, Supervisor, "2026-12-04 16:20")
            .event(Dispatched, SUPERVISOR, Supervisor, "2026-12-04 16:40")
            .event(Handled, DEPT_USER, Department, "2026-12-07 13:40")
            .event(ReturnedForRework, LI, GridWorker, "2026-12-07 14:00")
            .event(Handled, DEPT_USER, Department, "2026-12-07 15:00")
            .event(Closed, LI, GridWorker, "2026-12-07 15:30")
            .build(),
        CaseBuilder::new("C", G01, WANG, "2026-12-01 09:00")
            .event(HandledOnSpot, WANG, GridWorker, "2026-12-01 09:05")
            .event(Closed, WANG, GridWorker, "2026-12-01 09:10")
            .event(Relapsed, WANG, GridWorker, "2026-12-03 10:00")
            .event(HandledOnSpot, WANG, GridWorker, "2026-12-03 10:10")
            .event(Closed, WANG, GridWorker, "2026-12-03 10:20")
            .build(),
        CaseBuilder::new("D", G01, LI, "2026-12-02 10:00")
            .event(Voided, LEADER, GridLeader, "2026-12-02 10:30")
            .build(),
        CaseBuilder::new("E", G01, WANG, "2026-12-02 09:00")
            .event(Escalated, WANG, GridWorker, "2026-12-02 09:30")
            .event(Accepted, SUPERVISOR, Supervisor, "2026-12-02 10:00")
            .build(),
        CaseBuilder::new("F", G02, ZHANG, "2026-12-01 09:00")
            .event(HandledOnSpot, ZHANG, GridWorker, "2026-12-01 09:10")
            .event(Closed, ZHANG, GridWorker, "2026-12-01 09:20")
            .event(Relapsed, ZHANG, GridWorker, "2026-12-08 09:00")
            .build(),
    ]
}

/// Two patrols: a morning walk in G01 by 王芳 and 李娜 (5 of 6 streets),
/// one in G02 by 张伟 (4 of 4).
pub fn patrols() -> Vec<PatrolFacts> {
    vec![
        PatrolFacts {
            id: "P1".into(),
            grid: G01.into(),
            kind: PatrolKind::Morning,
            team: vec![WANG.into(), LI.into()],
            started_at: t("2026-12-04 06:00"),
            ended_at: Some(t("2026-12-04 08:00")),
            streets_total: 6,
            streets_covered: 5,
            track_length_m: 2300.0,
            cases_found: 2,
        },
        PatrolFacts {
            id: "P2".into(),
            grid: G02.into(),
            kind: PatrolKind::Night,
            team: vec![ZHANG.into()],
            started_at: t("2026-12-08 20:00"),
            ended_at: Some(t("2026-12-08 21:30")),
            streets_total: 4,
            streets_covered: 4,
            track_length_m: 1800.5,
            cases_found: 0,
        },
    ]
}
