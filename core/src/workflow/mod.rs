//! The case workflow. A case's status is never stored: it is derived by
//! folding the event log, in a deterministic total order, through the rules.
//! Two devices that saw the same events derive the same status.
//!
//! - [`rules`]: which event moves which status where, and who may do it.
//! - [`fold`]: the total order and the fold itself, with the merge rules.
//! - [`calendar`]: working time (hours, days, holidays).
//! - [`sla`]: deadlines per step and the green / yellow / red SLA state.

pub mod calendar;
pub mod fold;
pub mod log;
pub mod rules;
pub mod sla;

pub use calendar::WorkCalendar;
pub use fold::{Derived, IgnoreReason, Outcome, TimelineEntry, derive};
pub use log::{LogError, ancestors, validate_log};
pub use rules::{CaseStatus, Step, WorkflowError, allowed_actions, check_append, may_amend, role_may, transition};
pub use sla::{Sla, SlaState, sla_for, step_limit, step_sla};
