//! The case list's filter applied to whole documents (the server has no
//! list index): the same meaning as [`crate::store::DeviceStore::list_cases`],
//! field by field, every field combined by AND.

use crate::model::Case;
use crate::model::Reference;
use crate::store::{CaseFilter, case_timers};
use crate::time::Millis;
use crate::workflow::Derived;

/// Whether `case` (with its `derived` state) passes `filter` at `now`.
/// `unsynced` says whether the holder has unconfirmed changes of it (never
/// on the server). Scope is the caller's to check; `limit` and `offset`
/// are not a matter of matching.
pub fn case_matches(
    filter: &CaseFilter,
    case: &Case,
    derived: &Derived,
    reference: &Reference,
    unsynced: bool,
    now: Millis,
) -> bool {
    let (sla, lookback_due) = case_timers(reference, case, derived);
    let equal = |want: &Option<String>, have: &str| want.as_deref().is_none_or(|w| w == have);
    filter.ids.as_ref().is_none_or(|ids| ids.contains(&case.id))
        && filter.patrol.as_ref().is_none_or(|p| case.links.patrol.as_ref() == Some(p))
        && (filter.statuses.is_empty() || filter.statuses.contains(&derived.status))
        && equal(&filter.grid, &case.grid)
        && equal(&filter.category, &case.category)
        && equal(&filter.reporter, &case.reporter)
        && (!filter.overdue || sla.is_some_and(|s| s.warn_at <= now))
        && (!filter.lookback_due || lookback_due.is_some_and(|d| d <= now))
        && (!filter.unsynced || unsynced)
        && filter.text.as_deref().map(str::trim).filter(|t| !t.is_empty()).is_none_or(|t| {
            let t = t.to_ascii_lowercase();
            case.title.to_ascii_lowercase().contains(&t) || case.location.address.to_ascii_lowercase().contains(&t)
        })
}
