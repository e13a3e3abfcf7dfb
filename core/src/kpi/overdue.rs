//! Overdue cases (超期): open cases whose current step is past its deadline
//! in working time, as the case stood at a given instant.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::compute::distinct_cases;
use crate::model::{Case, Reference, Scope};
use crate::time::Millis;
use crate::workflow::{SlaState, derive, sla_for};

/// The overdue cases of one grid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct GridOverdue {
    pub grid: String,
    pub name: String,
    pub overdue: u32,
    /// The overdue cases, sorted by id.
    pub cases: Vec<String>,
}

/// Whether `case` was open and past its step deadline at `as_of`, judged
/// on the events recorded up to then (later events are ignored, so a past
/// month's end can be asked about). A case not yet reported is not overdue;
/// neither is one whose category is unknown (no limit applies).
pub fn is_overdue(case: &Case, reference: &Reference, as_of: Millis) -> bool {
    if case.created_at > as_of {
        return false;
    }
    let Some(category) = reference.category(&case.category) else { return false };
    let derived = if case.events.values().all(|e| e.at <= as_of) {
        derive(case)
    } else {
        let mut earlier = case.clone();
        earlier.events.retain(|_, e| e.at <= as_of);
        derive(&earlier)
    };
    derived.status.is_open()
        && sla_for(&derived, category, &reference.calendar).is_some_and(|s| s.state_at(as_of) == SlaState::Red)
}

/// Overdue counts per grid at `as_of`: every grid in `scope` appears, with
/// zero when nothing is overdue; grids are in id order.
pub fn overdue_by_grid(cases: &[Case], reference: &Reference, scope: &Scope, as_of: Millis) -> Vec<GridOverdue> {
    let mut by_grid: BTreeMap<String, Vec<String>> =
        reference.org.grids().filter(|g| scope.sees(&g.id, &[])).map(|g| (g.id.clone(), vec![])).collect();
    for case in distinct_cases(cases) {
        if scope.sees(&case.grid, &case.departments()) && is_overdue(case, reference, as_of) {
            by_grid.entry(case.grid.clone()).or_default().push(case.id.clone());
        }
    }
    by_grid
        .into_iter()
        .map(|(grid, cases)| GridOverdue {
            name: reference.org.unit(&grid).map(|u| u.name.clone()).unwrap_or_else(|| grid.clone()),
            grid,
            overdue: cases.len() as u32,
            cases,
        })
        .collect()
}
