//! What one case contributes to the KPIs: a list of samples, each one
//! record counted in the denominator of one metric, with whether it also
//! counts in the numerator, when it happened and whom it is attributed to.
//!
//! The samples come from the case's derived timeline (only events that
//! applied; a close superseded by a racing rework order never happened),
//! so every replica holding the same events gets the same samples.

use crate::model::{Case, Category, EventKind, Reference};
use crate::time::{DAY, Millis};
use crate::workflow::{CaseStatus, Derived, Outcome, WorkCalendar, step_sla};

use super::figure::Metric;

/// One record counted by one metric.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Sample {
    pub metric: Metric,
    /// When it happened: decides the period it belongs to.
    pub at: Millis,
    /// Counted in the numerator too.
    pub hit: bool,
    /// The users it is attributed to.
    pub workers: Vec<String>,
    /// The departments it is attributed to.
    pub departments: Vec<String>,
}

/// The samples of one case (see the module docs of [`crate::kpi`]).
pub(crate) fn case_samples(case: &Case, derived: &Derived, reference: &Reference) -> Vec<Sample> {
    let voided = derived.status == CaseStatus::Voided;
    let category = reference.category(&case.category);
    let applied: Vec<_> = derived
        .timeline
        .iter()
        .filter_map(|t| match t.outcome {
            Outcome::Applied { from, to } => Some((&t.event, from, to)),
            _ => None,
        })
        .collect();
    let reported_at =
        applied.iter().find(|(e, _, _)| e.kind == EventKind::Reported).map(|(e, _, _)| e.at).unwrap_or(case.created_at);
    let reporter = vec![case.reporter.clone()];
    let case_departments = case.departments();
    let self_handled = applied.iter().any(|(e, _, _)| e.kind == EventKind::HandledOnSpot);

    let mut out = vec![
        Sample {
            metric: Metric::ValidReportRate,
            at: reported_at,
            hit: !voided,
            workers: reporter.clone(),
            departments: vec![],
        },
        Sample {
            metric: Metric::SelfHandledRate,
            at: reported_at,
            hit: self_handled,
            workers: reporter.clone(),
            departments: vec![],
        },
    ];
    // A voided case was never a real problem: it counts only as a report.
    if voided {
        return out;
    }
    let clock = Clock { category, calendar: &reference.calendar };
    let mut w = Walk::starting(reported_at);
    for (ev, _from, to) in applied {
        if ev.kind == EventKind::Reported || ev.kind == EventKind::LookBackPassed {
            continue;
        }
        // The event ends the time the case spent in `w.status`.
        let step_on_time = clock.on_time(w.status, w.since, ev.at);
        w.overran |= step_on_time == Some(false);
        match ev.kind {
            EventKind::Accepted | EventKind::Dispatched | EventKind::HandledOnSpot if !w.accepted => {
                w.accepted = true;
                let closed = derived.status == CaseStatus::Closed;
                out.push(case_sample(Metric::ClosureRate, ev.at, closed, &reporter, &case_departments));
            }
            _ => {}
        }
        match ev.kind {
            EventKind::Dispatched => w.department = ev.department.clone(),
            EventKind::Handled | EventKind::HandledOnSpot => {
                let by_department = ev.kind == EventKind::Handled;
                let departments: Vec<String> =
                    if by_department { w.department.iter().cloned().collect() } else { vec![] };
                w.handling = Some(out.len());
                out.push(Sample {
                    metric: Metric::ReworkRate,
                    at: ev.at,
                    hit: false,
                    workers: vec![ev.actor.clone()],
                    departments: departments.clone(),
                });
                if by_department && let Some(on_time) = step_on_time {
                    out.push(Sample {
                        metric: Metric::OnTimeHandleRate,
                        at: ev.at,
                        hit: on_time,
                        workers: vec![ev.actor.clone()],
                        departments,
                    });
                }
                w.verify_from = by_department.then_some(ev.at);
            }
            _ => {}
        }
        if matches!(ev.kind, EventKind::Verified | EventKind::Closed | EventKind::ReturnedForRework)
            && let Some(handled_at) = w.verify_from.take()
            && let Some(on_time) = clock.verified_on_time(handled_at, ev.at)
        {
            out.push(Sample {
                metric: Metric::OnTimeVerifyRate,
                at: ev.at,
                hit: on_time,
                workers: vec![ev.actor.clone()],
                departments: vec![],
            });
        }
        match ev.kind {
            EventKind::ReturnedForRework => {
                if let Some(i) = w.handling.take() {
                    out[i].hit = true;
                }
            }
            EventKind::Closed => {
                w.handling = None;
                if category.is_some() {
                    out.push(case_sample(Metric::OnTimeClosureRate, ev.at, !w.overran, &reporter, &case_departments));
                    w.close = Some((out.len(), ev.at));
                    out.push(case_sample(Metric::RelapseRate, ev.at, false, &reporter, &case_departments));
                }
            }
            EventKind::Relapsed => {
                if let (Some((i, closed_at)), Some(c)) = (w.close.take(), category) {
                    out[i].hit = ev.at - closed_at <= i64::from(c.lookback_days) * DAY;
                }
                // A relapse reopens the case: its clock starts again.
                w.overran = false;
            }
            _ => {}
        }
        w.status = to;
        w.since = ev.at;
    }
    out
}

fn case_sample(metric: Metric, at: Millis, hit: bool, workers: &[String], departments: &[String]) -> Sample {
    Sample { metric, at, hit, workers: workers.to_vec(), departments: departments.to_vec() }
}

/// The state carried along the timeline.
#[derive(Debug)]
struct Walk {
    status: CaseStatus,
    /// When the current status began.
    since: Millis,
    /// A step deadline passed since the case was reported or reopened.
    overran: bool,
    /// The case entered handling (立案, dispatch or handled on the spot).
    accepted: bool,
    /// The department holding the case.
    department: Option<String>,
    /// The rework sample of the last handling, until it is verified.
    handling: Option<usize>,
    /// When a department's feedback started a verification.
    verify_from: Option<Millis>,
    /// The relapse sample of the last close and when it closed.
    close: Option<(usize, Millis)>,
}

impl Walk {
    fn starting(reported_at: Millis) -> Self {
        Walk {
            status: CaseStatus::Reported,
            since: reported_at,
            overran: false,
            accepted: false,
            department: None,
            handling: None,
            verify_from: None,
            close: None,
        }
    }
}

/// Step deadlines of a case's category in working time.
struct Clock<'a> {
    category: Option<&'a Category>,
    calendar: &'a WorkCalendar,
}

impl Clock<'_> {
    /// Whether leaving `status` (entered at `since`) at `at` met its step's
    /// limit; `None` when no clock runs in that status or the category is
    /// unknown.
    fn on_time(&self, status: CaseStatus, since: Millis, at: Millis) -> Option<bool> {
        let step = status.step()?;
        let category = self.category?;
        Some(at <= step_sla(step, since, category, self.calendar).deadline)
    }

    /// Whether a verification at `at` of feedback given at `handled_at` met
    /// the verify step's limit.
    fn verified_on_time(&self, handled_at: Millis, at: Millis) -> Option<bool> {
        self.on_time(CaseStatus::Handled, handled_at, at)
    }
}
