//! The duties of patrol writers. A patrol document is one member's: only
//! that member writes it, and only by adding — track points in time order,
//! street checks of their own, cases found — and by ending it once. Who,
//! when, which grid, which kind and which team never change.
//!
//! Team patrols (see `gridpatrol_core::model::team`): the starter's document
//! is started by a role that runs its kind, and only it may be closed for
//! the whole team (once, after or with the starter's own end). A member's
//! document may be of any kind (anyone may join by code), but only as the
//! join code says: its `lead` is the team id the code derives on the day it
//! started (or the day before), its id is derived from that and the member,
//! its kind is the code's; it is never closed.

use automerge::AutoCommit;
use gridpatrol_core::codes::ErrorCode;
use gridpatrol_core::model::team::{JoinCode, candidate_team_ids, member_doc_id};
use gridpatrol_core::model::{PATROL_SCHEMA, Patrol, TrackPoint};

use super::{Accepted, Context, invalid, plausible, shape, strings};
use crate::error::{ServerError, refuse};

/// Track points one patrol may hold (a 12-hour walk at one fix per 5 s is 8,640).
const MAX_TRACK: usize = 20_000;
const MAX_STREETS: usize = 500;
const MAX_CASES: usize = 1000;

pub(super) fn check(
    id: &str,
    before: Option<&AutoCommit>,
    after: &AutoCommit,
    ctx: &Context<'_>,
) -> Result<Accepted, ServerError> {
    let new = Patrol::from_doc(after).map_err(invalid)?;
    if new.id != id {
        return Err(refuse(ErrorCode::WrongId, format!("document claims id {}", new.id)));
    }
    shape::check(after, &new)?;
    bounded(&new)?;
    let old = before.map(Patrol::from_doc).transpose().map_err(invalid)?;
    let who = ctx.who;
    for grid in old.iter().map(|o| &o.grid).chain([&new.grid]) {
        if !who.scope.writes(grid, &[]) {
            return Err(refuse(ErrorCode::OutOfScope, format!("grid {grid} is outside your area")));
        }
    }
    match &old {
        None => started(&new, ctx)?,
        Some(old) => unchanged_header(old, &new, ctx)?,
    }
    let empty = Patrol { track: vec![], streets: Default::default(), cases: Default::default(), ..new.clone() };
    let old = old.as_ref().unwrap_or(&empty);
    track(old, &new, ctx)?;
    for (street, check) in &new.streets {
        match old.streets.get(street) {
            Some(prev) if prev == check => {}
            Some(_) => return Err(refuse(ErrorCode::PatrolRewritten, format!("the check of {street} was changed"))),
            None => {
                if check.by != who.user.id {
                    return Err(refuse(ErrorCode::Impersonation, format!("the check of {street} is not yours")));
                }
                plausible(check.checked_at, new.started_at, ctx, "a street check")?;
            }
        }
    }
    for (case, at) in &old.cases {
        if new.cases.get(case) != Some(at) {
            return Err(refuse(ErrorCode::PatrolRewritten, format!("case {case} was unlinked")));
        }
    }
    Ok(Accepted {
        grid: new.grid,
        departments: vec![],
        status: String::new(),
        blobs: vec![],
        receipts: vec![],
        amended: vec![],
    })
}

fn bounded(p: &Patrol) -> Result<(), ServerError> {
    strings::at_most(&p.note, strings::NOTE, "the note")?;
    strings::at_most(&p.team_code, 12, "the team code")?;
    strings::few(&p.team, strings::LIST, "team members")?;
    strings::few(&p.track, MAX_TRACK, "track points")?;
    if p.streets.len() > MAX_STREETS || p.cases.len() > MAX_CASES {
        return Err(refuse(ErrorCode::TooLarge, "too many streets or cases on one patrol"));
    }
    for s in p.streets.values() {
        strings::at_most(&s.note, strings::NOTE, "a street note")?;
    }
    Ok(())
}

/// A new patrol: started by its pusher, of a kind their role runs, in a
/// grid that exists, with a team of known people.
fn started(p: &Patrol, ctx: &Context<'_>) -> Result<(), ServerError> {
    let who = ctx.who;
    if p.started_by != who.user.id {
        return Err(refuse(ErrorCode::Impersonation, "a new patrol must be started by its pusher"));
    }
    match &p.lead {
        Some(lead) => joined(p, lead)?,
        None if !p.kind.allowed_for(who.user.role) => {
            return Err(refuse(
                ErrorCode::RoleNotPermitted,
                format!("a {:?} does not run {:?} patrols", who.user.role, p.kind),
            ));
        }
        None => {}
    }
    if p.schema > PATROL_SCHEMA {
        return Err(refuse(
            ErrorCode::InvalidDocument,
            format!("patrol schema {} is newer than this server", p.schema),
        ));
    }
    if ctx.reference.grid(&p.grid).is_none() {
        return Err(refuse(ErrorCode::UnknownGrid, format!("unknown grid {}", p.grid)));
    }
    if let Some(m) = p.team.iter().find(|m| ctx.reference.user(m).is_none()) {
        return Err(refuse(ErrorCode::InvalidDocument, format!("unknown team member {m}")));
    }
    if !p.team_code.chars().all(|c| c.is_ascii_digit()) {
        return Err(refuse(ErrorCode::InvalidDocument, "a team code is digits"));
    }
    plausible(p.started_at, ctx.now - 2 * 86_400_000, ctx, "the start")?;
    if let Some(end) = p.ended_at {
        plausible(end, p.started_at, ctx, "the end")?;
    }
    if let Some(closed) = p.closed_at {
        closes(p, closed, p.started_at, ctx)?;
    }
    Ok(())
}

/// A member's document names its team as the join code says.
fn joined(p: &Patrol, lead: &str) -> Result<(), ServerError> {
    let code = JoinCode::parse(&p.team_code)
        .ok_or_else(|| refuse(ErrorCode::InvalidDocument, "a member's patrol carries its team's join code"))?;
    if code.kind != p.kind {
        return Err(refuse(ErrorCode::InvalidDocument, "a member's patrol is of the kind its join code says"));
    }
    if !candidate_team_ids(p.started_at, &p.team_code).iter().any(|t| t == lead) {
        return Err(refuse(ErrorCode::InvalidDocument, "a member's patrol names the team its join code derives"));
    }
    if p.id != member_doc_id(lead, &p.started_by) {
        return Err(refuse(ErrorCode::WrongId, "a member's patrol has the id derived from its team and member"));
    }
    Ok(())
}

/// Closing the patrol for the whole team: the starter's document only,
/// ended, at a plausible time.
fn closes(p: &Patrol, closed: i64, not_before: i64, ctx: &Context<'_>) -> Result<(), ServerError> {
    if p.lead.is_some() {
        return Err(refuse(ErrorCode::PatrolRewritten, "only the starter's patrol closes the team's"));
    }
    if p.ended_at.is_none() {
        return Err(refuse(ErrorCode::InvalidDocument, "a patrol closed for the team has ended"));
    }
    plausible(closed, not_before, ctx, "the close")
}

/// Only the member writes their patrol, and its header never changes.
fn unchanged_header(old: &Patrol, new: &Patrol, ctx: &Context<'_>) -> Result<(), ServerError> {
    if old.started_by != ctx.who.user.id {
        return Err(refuse(ErrorCode::NotAMember, "only its own member writes a patrol"));
    }
    let header = |p: &Patrol| {
        (
            p.schema,
            p.kind,
            p.grid.clone(),
            p.team.clone(),
            p.started_by.clone(),
            p.started_at,
            p.team_code.clone(),
            p.lead.clone(),
        )
    };
    if header(old) != header(new) {
        return Err(refuse(ErrorCode::PatrolRewritten, "who, when, where and with whom a patrol went cannot change"));
    }
    match (old.ended_at, new.ended_at) {
        (Some(a), Some(b)) if a == b => {}
        (Some(_), _) => return Err(refuse(ErrorCode::PatrolRewritten, "an ended patrol stays ended")),
        (None, Some(end)) => plausible(end, old.started_at, ctx, "the end")?,
        (None, None) => {}
    }
    if old.ended_at.is_some() && old.note != new.note {
        return Err(refuse(ErrorCode::PatrolRewritten, "the closing remark of an ended patrol cannot change"));
    }
    match (old.closed_at, new.closed_at) {
        (Some(a), Some(b)) if a == b => {}
        (Some(_), _) => return Err(refuse(ErrorCode::PatrolRewritten, "a closed patrol stays closed")),
        (None, Some(closed)) => closes(new, closed, old.started_at, ctx)?,
        (None, None) => {}
    }
    Ok(())
}

/// The old track is kept as it was; new points follow it in time.
fn track(old: &Patrol, new: &Patrol, ctx: &Context<'_>) -> Result<(), ServerError> {
    if new.track.len() < old.track.len() || new.track[..old.track.len()] != old.track[..] {
        return Err(refuse(ErrorCode::PatrolRewritten, "recorded track points cannot change"));
    }
    let mut last = old.track.last().map_or(new.started_at, |p| p.at);
    for p in &new.track[old.track.len()..] {
        if !valid_point(p) {
            return Err(refuse(ErrorCode::InvalidDocument, "a track point is not a position"));
        }
        plausible(p.at, last, ctx, "a track point")?;
        if let Some(end) = old.ended_at.or(new.ended_at)
            && p.at > end + ctx.limits.max_clock_skew
        {
            return Err(refuse(ErrorCode::PatrolRewritten, "track points after the patrol ended"));
        }
        last = last.max(p.at);
    }
    Ok(())
}

fn valid_point(p: &TrackPoint) -> bool {
    p.lat.is_finite()
        && p.lon.is_finite()
        && (-90.0..=90.0).contains(&p.lat)
        && (-180.0..=180.0).contains(&p.lon)
        && p.accuracy_m.is_none_or(|a| a.is_finite() && a >= 0.0)
}
