//! The duties of case writers.
//!
//! - A new case starts with one `Reported` event by its pusher, whose role
//!   may report in that grid (a department never creates a case), in a
//!   known category.
//! - Every new event is the pusher's own, of a kind their role may record,
//!   and possible in the case's state *as its author saw it* (the events it
//!   follows): an honest device offline for a day is never refused for a
//!   race it could not know of — the fold settles races — but nobody can
//!   record a step their own view did not allow.
//! - `department` appears only on a dispatch (naming a known department) or
//!   on a department's own feedback, which counts only while the case is
//!   assigned to that department.
//! - Past events and photos never change; details (title, category,
//!   location…) change only with an `Amended` event by someone who may
//!   correct them in that state.
//! - Device times are plausible: not ahead of the server's clock, never
//!   before the case (or the events they follow).

use std::collections::BTreeMap;

use automerge::AutoCommit;
use gridpatrol_core::codes::ErrorCode;
use gridpatrol_core::model::{CASE_SCHEMA, Case, CaseEvent, EventKind, Role};
use gridpatrol_core::workflow::{CaseStatus, ancestors, derive, may_amend, role_may, transition, validate_log};

use super::{Accepted, Context, invalid, plausible, shape, strings};
use crate::error::{ServerError, refuse};
use crate::storage::Receipt;

pub(super) fn check(
    id: &str,
    before: Option<&AutoCommit>,
    after: &AutoCommit,
    ctx: &Context<'_>,
) -> Result<Accepted, ServerError> {
    let new = Case::from_doc(after).map_err(invalid)?;
    if new.id != id {
        return Err(refuse(ErrorCode::WrongId, format!("document claims id {}", new.id)));
    }
    validate_log(&new.events).map_err(|e| refuse(ErrorCode::BadEventLog, e.to_string()))?;
    shape::check(after, &new)?;
    bounded(&new)?;
    let old = before.map(Case::from_doc).transpose().map_err(invalid)?;
    let who = ctx.who;
    let derived = derive(&new);
    if let Some(old) = &old {
        let holder = derive(old).department;
        if !who.scope.writes(&old.grid, holder.as_slice()) {
            return Err(refuse(ErrorCode::OutOfScope, format!("case {id} is outside your area")));
        }
    }
    if !who.scope.writes(&new.grid, derived.department.as_slice()) {
        return Err(refuse(ErrorCode::OutOfScope, format!("grid {} is outside your area", new.grid)));
    }
    let amended = match &old {
        None => {
            new_case(&new, ctx)?;
            vec![]
        }
        Some(old) => changed_details(old, &new)?,
    };
    let added: Vec<&CaseEvent> =
        new.events.values().filter(|e| old.as_ref().is_none_or(|o| !o.events.contains_key(&e.id))).collect();
    if let Some(old) = &old {
        for (eid, ev) in &old.events {
            match new.events.get(eid) {
                None => return Err(refuse(ErrorCode::EventRewritten, format!("event {eid} was removed"))),
                Some(e) if e != ev => {
                    return Err(refuse(ErrorCode::EventRewritten, format!("event {eid} was changed")));
                }
                Some(_) => {}
            }
        }
        for (hash, p) in &old.photos {
            if new.photos.get(hash) != Some(p) {
                return Err(refuse(ErrorCode::PhotoRewritten, format!("photo {hash} was changed or removed")));
            }
        }
        if !amended.is_empty() && !added.iter().any(|e| e.kind == EventKind::Amended) {
            return Err(refuse(
                ErrorCode::HeaderNotPermitted,
                format!("{} changed without a correction step", amended.join(", ")),
            ));
        }
    }
    for ev in &added {
        event(&new, ev, old.is_none(), ctx)?;
    }
    for (hash, p) in &new.photos {
        let is_new = old.as_ref().is_none_or(|o| !o.photos.contains_key(hash));
        if !crate::blobstore::valid_hash(hash) || !crate::blobstore::valid_hash(&p.thumb) || p.hash != *hash {
            return Err(refuse(ErrorCode::InvalidDocument, format!("photo reference {hash} is malformed")));
        }
        if is_new {
            if p.added_by != who.user.id {
                return Err(refuse(ErrorCode::Impersonation, format!("photo {hash} is not yours")));
            }
            plausible(p.added_at, new.created_at, ctx, "a photo")?;
        }
    }
    Ok(Accepted {
        grid: new.grid.clone(),
        departments: derived.department.into_iter().collect(),
        status: derived.status.as_str().to_owned(),
        blobs: new.photos.values().flat_map(|p| [p.hash.clone(), p.thumb.clone()]).collect(),
        receipts: added.iter().map(|e| Receipt { event_id: e.id.clone(), device_at: e.at }).collect(),
        amended,
    })
}

fn bounded(c: &Case) -> Result<(), ServerError> {
    strings::at_most(&c.title, strings::TITLE, "the title")?;
    strings::at_most(&c.description, strings::DESCRIPTION, "the description")?;
    strings::at_most(&c.location.address, strings::ADDRESS, "the address")?;
    strings::few(&c.links.related, strings::LIST, "related cases")?;
    for e in c.events.values() {
        strings::at_most(&e.note, strings::NOTE, "a note")?;
        strings::few(&e.photos, strings::LIST, "photos in one step")?;
        strings::few(&e.after, strings::LIST, "links of one step")?;
    }
    let finite = |v: Option<f64>| v.is_none_or(f64::is_finite);
    if !finite(c.location.lat) || !finite(c.location.lon) || !finite(c.location.accuracy_m) {
        return Err(refuse(ErrorCode::InvalidDocument, "coordinates must be numbers"));
    }
    Ok(())
}

/// A new case: reported by its pusher, in a grid and category that exist.
fn new_case(c: &Case, ctx: &Context<'_>) -> Result<(), ServerError> {
    let who = ctx.who;
    if c.reporter != who.user.id {
        return Err(refuse(ErrorCode::Impersonation, "a new case must be reported by its pusher"));
    }
    if !role_may(who.user.role, EventKind::Reported) {
        return Err(refuse(ErrorCode::RoleNotPermitted, format!("a {:?} may not report cases", who.user.role)));
    }
    if c.schema > CASE_SCHEMA {
        return Err(refuse(ErrorCode::InvalidDocument, format!("case schema {} is newer than this server", c.schema)));
    }
    if ctx.reference.grid(&c.grid).is_none() {
        return Err(refuse(ErrorCode::UnknownGrid, format!("unknown grid {}", c.grid)));
    }
    if ctx.reference.category(&c.category).is_none() {
        return Err(refuse(ErrorCode::UnknownCategory, format!("unknown category {}", c.category)));
    }
    let reports: Vec<&CaseEvent> = c.events.values().filter(|e| e.kind == EventKind::Reported).collect();
    match reports.as_slice() {
        [r] if r.after.is_empty() => plausible(r.at, c.created_at, ctx, "the report")?,
        _ => return Err(refuse(ErrorCode::BadEventLog, "a new case starts with exactly one report")),
    }
    plausible(c.created_at, ctx.now - ctx.limits.max_backdate, ctx, "the case")?;
    Ok(())
}

/// The details a change corrected; who and when a case was reported never change.
fn changed_details(old: &Case, new: &Case) -> Result<Vec<&'static str>, ServerError> {
    if (old.reporter.as_str(), old.created_at, old.schema) != (new.reporter.as_str(), new.created_at, new.schema) {
        return Err(refuse(ErrorCode::CaseRewritten, "who reported a case, and when, cannot change"));
    }
    let mut changed = Vec::new();
    let mut note = |differs: bool, name| {
        if differs {
            changed.push(name)
        }
    };
    note(old.grid != new.grid, "grid");
    note(old.category != new.category, "category");
    note(old.title != new.title, "title");
    note(old.description != new.description, "description");
    note(old.location != new.location, "location");
    note(old.severity != new.severity, "severity");
    note(old.links.patrol != new.links.patrol, "patrol");
    // Linking a related case only adds information; unlinking is a correction.
    note(old.links.related.iter().any(|r| !new.links.related.contains(r)), "related");
    Ok(changed)
}

/// One new event, judged in its author's view of the case.
fn event(case: &Case, ev: &CaseEvent, creating: bool, ctx: &Context<'_>) -> Result<(), ServerError> {
    let who = ctx.who;
    if ev.actor != who.user.id || ev.role != who.user.role {
        return Err(refuse(ErrorCode::Impersonation, format!("event {} is not yours", ev.id)));
    }
    if ev.kind == EventKind::Reported {
        return if creating { Ok(()) } else { Err(refuse(ErrorCode::EventRewritten, "a case is reported once")) };
    }
    if !role_may(who.user.role, ev.kind) {
        return Err(refuse(ErrorCode::RoleNotPermitted, format!("a {:?} may not record {:?}", who.user.role, ev.kind)));
    }
    let seen = view(case, ev);
    let status = seen.status;
    if transition(status, ev.kind).is_none() {
        return Err(refuse(
            ErrorCode::NotAllowedInState,
            format!("{:?} is not possible while the case is {status:?}", ev.kind),
        ));
    }
    department(ev, &seen, ctx)?;
    if ev.kind == EventKind::Amended && !may_amend(who.user.role, case.reporter == who.user.id, status) {
        return Err(refuse(ErrorCode::HeaderNotPermitted, format!("you may not correct a case that is {status:?}")));
    }
    // Device clocks disagree: a step may look older than the steps it
    // follows, but never older than the case itself (beyond the skew).
    plausible(ev.at, case.created_at, ctx, "a step")?;
    if let Some(p) = ev.photos.iter().find(|p| !case.photos.contains_key(*p)) {
        return Err(refuse(ErrorCode::InvalidDocument, format!("step {} names a photo the case lacks ({p})", ev.id)));
    }
    Ok(())
}

/// The case as the author of `ev` saw it: the fold of the events it follows.
fn view(case: &Case, ev: &CaseEvent) -> gridpatrol_core::workflow::Derived {
    let seen = ancestors(&case.events, &ev.id);
    let events: BTreeMap<String, CaseEvent> =
        case.events.iter().filter(|(k, _)| seen.contains(k.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect();
    derive(&Case { events, ..case.clone() })
}

/// Where `department` may appear, and whose feedback counts.
fn department(ev: &CaseEvent, seen: &gridpatrol_core::workflow::Derived, ctx: &Context<'_>) -> Result<(), ServerError> {
    let known = |d: &str| ctx.reference.org.departments.iter().any(|x| x.id == d);
    match (ev.kind, &ev.department) {
        (EventKind::Dispatched, Some(d)) if known(d) => Ok(()),
        (EventKind::Dispatched, Some(d)) => {
            Err(refuse(ErrorCode::UnknownDepartment, format!("unknown department {d}")))
        }
        (EventKind::Dispatched, None) => Err(refuse(ErrorCode::UnknownDepartment, "a dispatch names its department")),
        (EventKind::Handled, d) if ctx.who.user.role == Role::Department => {
            let own = match &ctx.who.scope {
                gridpatrol_core::model::Scope::Department { department } => department,
                _ => return Err(refuse(ErrorCode::OutOfScope, "a department user without a department")),
            };
            if d.as_ref() != Some(own) {
                return Err(refuse(ErrorCode::Impersonation, "feedback names your own department"));
            }
            if seen.department.as_ref() != Some(own) || seen.status == CaseStatus::Voided {
                return Err(refuse(ErrorCode::NotAssigned, "the case is not assigned to your department"));
            }
            Ok(())
        }
        (EventKind::Handled, Some(d)) if !known(d) => {
            Err(refuse(ErrorCode::UnknownDepartment, format!("unknown department {d}")))
        }
        (EventKind::Handled, _) | (_, None) => Ok(()),
        (_, Some(_)) => Err(refuse(ErrorCode::InvalidDocument, "only a dispatch or feedback names a department")),
    }
}
