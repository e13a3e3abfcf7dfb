//! SLA state of an open case: how much of its step's time limit is used.
//! Green below 80 %, yellow up to 100 %, red beyond.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::calendar::WorkCalendar;
use super::fold::Derived;
use super::rules::Step;
use crate::model::{Category, TimeLimit};
use crate::time::Millis;

/// The colour of a case's SLA.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SlaState {
    Green,
    Yellow,
    Red,
}

/// The deadline of the step a case is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Sla {
    pub step: Step,
    pub started_at: Millis,
    /// 80 % of the limit: from here on the case is yellow.
    pub warn_at: Millis,
    /// 100 % of the limit: from here on the case is red.
    pub deadline: Millis,
}

impl Sla {
    /// The colour at `now`.
    pub fn state_at(&self, now: Millis) -> SlaState {
        if now < self.warn_at {
            SlaState::Green
        } else if now <= self.deadline {
            SlaState::Yellow
        } else {
            SlaState::Red
        }
    }
}

/// The SLA of a case's current step, or `None` when no clock runs
/// (closed, deferred, voided).
pub fn sla_for(derived: &Derived, category: &Category, calendar: &WorkCalendar) -> Option<Sla> {
    let step = derived.status.step()?;
    Some(step_sla(step, derived.since, category, calendar))
}

/// The time limit of `step` for a category.
pub fn step_limit(category: &Category, step: Step) -> TimeLimit {
    match step {
        Step::Respond => category.limits.respond,
        Step::Accept => category.limits.accept,
        Step::Dispatch => category.limits.dispatch,
        Step::Handle => category.limits.handle,
        Step::Verify => category.limits.verify,
    }
}

/// The SLA of `step` entered at `start`, in working time.
pub fn step_sla(step: Step, start: Millis, category: &Category, calendar: &WorkCalendar) -> Sla {
    let minutes = calendar.limit_minutes(step_limit(category, step));
    Sla {
        step,
        started_at: start,
        warn_at: calendar.add_working(start, minutes * 4 / 5),
        deadline: calendar.add_working(start, minutes),
    }
}
