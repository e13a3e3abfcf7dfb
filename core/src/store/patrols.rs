//! The patrol half of the facade: start, record, check streets, end one's
//! part or the whole patrol, read. A patrol is a team's (one person's
//! alone is a team of one): every write goes to the caller's own document
//! in the team; reads merge the team (see [`super::team`]).

use std::collections::BTreeMap;

use rusqlite::{Connection, OptionalExtension};

use super::patrol_index::{self, PatrolRow};
use super::team::TeamRows;
use super::views::{Actor, PatrolDetail, PatrolListItem};
use super::{DeviceStore, StoreError, docs};
use crate::model::team::{JoinCode, NONCES, duty_day, team_id};
use crate::model::{DocKind, PATROL_SCHEMA, Patrol, PatrolKind, PatrolSummary, Reference, StreetCheck, TrackPoint};
use crate::time::Millis;

impl DeviceStore {
    /// Starts a patrol of `grid`; `team` is who is planned to come (night
    /// teams). A user is on at most one running patrol.
    pub fn start_patrol(
        &mut self,
        actor: &Actor,
        kind: PatrolKind,
        grid: &str,
        team: Vec<String>,
    ) -> Result<PatrolDetail, StoreError> {
        let reference = self.reference()?.clone();
        if !kind.allowed_for(actor.role) {
            return Err(StoreError::Invalid(format!("a {:?} does not run {kind:?} patrols", actor.role)));
        }
        reference.grid(grid).ok_or_else(|| StoreError::UnknownGrid(grid.to_owned()))?;
        if !reference.scope_of(&actor.user_id).writes(grid, &[]) {
            return Err(StoreError::OutOfScope(grid.to_owned()));
        }
        self.refuse_if_running(&actor.user_id, None)?;
        let mut members = vec![actor.user_id.clone()];
        for m in team {
            if reference.user(&m).is_none() {
                return Err(StoreError::Invalid(format!("unknown team member {m}")));
            }
            if !members.contains(&m) {
                members.push(m);
            }
        }
        let now = self.now();
        let patrol = Patrol {
            schema: PATROL_SCHEMA,
            id: self.clock.new_id(),
            kind,
            grid: grid.to_owned(),
            team: members,
            team_code: self.fresh_join_code(&reference, grid, kind, now)?,
            lead: None,
            started_by: actor.user_id.clone(),
            started_at: now,
            ended_at: None,
            closed_at: None,
            track: vec![],
            streets: BTreeMap::new(),
            cases: BTreeMap::new(),
            note: String::new(),
        };
        self.insert_patrol(&reference, &patrol, &actor.user_id)?;
        self.get_patrol(&patrol.id, now)
    }

    /// The running patrol this user is on (their part not ended), as a list
    /// row whose id is the team's.
    pub fn active_patrol(&self, user_id: &str) -> Result<Option<PatrolListItem>, StoreError> {
        for row in patrol_index::running_rows(&self.conn, user_id)? {
            let team = self.team_rows(&row.id)?;
            if team.ended_at().is_none() {
                let h = self.team_item(&team, self.now())?;
                return Ok(Some(PatrolListItem {
                    id: h.id,
                    grid: h.grid,
                    kind: h.kind,
                    started_by: h.started_by,
                    started_at: h.started_at,
                    ended_at: h.ended_at,
                    streets_checked: h.streets_checked,
                    streets_total: h.streets_total,
                    cases_found: h.cases_found,
                }));
            }
        }
        Ok(None)
    }

    /// The running patrol this user is on, in full; ends first the parts of
    /// patrols their starter has ended meanwhile.
    pub fn current_patrol(&mut self, actor: &Actor) -> Result<Option<PatrolDetail>, StoreError> {
        self.end_parts_of_ended_teams(&actor.user_id)?;
        match self.active_patrol(&actor.user_id)? {
            Some(p) => Ok(Some(self.get_patrol(&p.id, self.now())?)),
            None => Ok(None),
        }
    }

    /// Appends recorded positions to a patrol document's track.
    pub fn record_track(&mut self, patrol_id: &str, points: &[TrackPoint]) -> Result<(), StoreError> {
        self.edit_patrol(patrol_id, false, |doc| Patrol::push_track(doc, points).map_err(Into::into))?;
        Ok(())
    }

    /// Ticks a street of the patrol's grid off the checklist (a note now;
    /// coverage is the evidence). A street is ticked once for the team.
    pub fn check_street(
        &mut self,
        actor: &Actor,
        patrol_id: &str,
        street: &str,
        note: &str,
    ) -> Result<PatrolDetail, StoreError> {
        let team = self.team_rows(patrol_id)?;
        let own = running_part_of(&team, &actor.user_id)?.id.clone();
        let streets = self.reference()?.grid(&team.head().grid).map(|g| g.streets.clone()).unwrap_or_default();
        if !streets.iter().any(|s| s == street) {
            return Err(StoreError::Invalid(format!("{street} is not a street of this grid")));
        }
        if !team.checked().contains(street) {
            let check = StreetCheck { checked_at: self.now(), by: actor.user_id.clone(), note: note.to_owned() };
            self.edit_patrol(&own, false, |doc| Patrol::check_street(doc, street, &check).map_err(Into::into))?;
        }
        self.get_patrol(patrol_id, self.now())
    }

    /// Ends the caller's part with their remark; the patrol ends when the
    /// last part does.
    pub fn end_part(&mut self, actor: &Actor, patrol_id: &str, note: &str) -> Result<PatrolDetail, StoreError> {
        let team = self.team_rows(patrol_id)?;
        let own = running_part_of(&team, &actor.user_id)?.id.clone();
        let now = self.now();
        self.edit_patrol(&own, false, |doc| Patrol::end(doc, now, note).map_err(Into::into))?;
        self.get_patrol(patrol_id, now)
    }

    /// Ends the patrol for the whole team (the starter only); members'
    /// devices end their parts when they learn it. A patrol of one ends so.
    pub fn end_patrol(&mut self, actor: &Actor, patrol_id: &str, note: &str) -> Result<PatrolDetail, StoreError> {
        let team = self.team_rows(patrol_id)?;
        if team.ended_at().is_some() {
            return Err(StoreError::PatrolEnded);
        }
        let lead = match team.lead() {
            Some(l) if l.started_by == actor.user_id => l.clone(),
            _ if team.member(&actor.user_id).is_some() => {
                return Err(StoreError::Invalid("only the starter ends the patrol for everyone".into()));
            }
            _ => return Err(StoreError::NotAMember),
        };
        let now = self.now();
        self.edit_patrol(&lead.id, true, |doc| {
            if lead.ended_at.is_none() {
                Patrol::end(doc, now, note)?;
            }
            Patrol::close(doc, now).map_err(Into::into)
        })?;
        self.get_patrol(patrol_id, now)
    }

    /// A patrol (by its team id, or any of its documents' ids), merged over
    /// its team, with summary, coverage and members.
    pub fn get_patrol(&self, patrol_id: &str, now: Millis) -> Result<PatrolDetail, StoreError> {
        let team = self.team_rows(patrol_id)?;
        if let Some(v) = self.viewer()
            && !v.scope.sees(&team.head().grid, &[])
            && !team.involves(&v.user_id)
        {
            return Err(StoreError::NotFound { kind: "patrol", id: patrol_id.to_owned() });
        }
        self.team_detail(&team, now)
    }

    /// Recent patrol documents (every member's part), newest first.
    pub fn list_patrols(&self, limit: u32) -> Result<Vec<PatrolListItem>, StoreError> {
        patrol_index::list_patrols(&self.conn, self.viewer(), limit)
    }

    /// Refuses with `already_in_patrol` if the user is on a running patrol
    /// other than `except` (parts of ended teams are ended first).
    pub(crate) fn refuse_if_running(&mut self, user_id: &str, except: Option<&str>) -> Result<(), StoreError> {
        self.end_parts_of_ended_teams(user_id)?;
        if let Some(active) = self.active_patrol(user_id)?
            && Some(active.id.as_str()) != except
        {
            return Err(StoreError::AlreadyInPatrol(active.id));
        }
        Ok(())
    }

    /// Ends the user's running parts of patrols that ended without them
    /// (the starter ended it for everyone): at the time the device learnt it.
    pub(crate) fn end_parts_of_ended_teams(&mut self, user_id: &str) -> Result<(), StoreError> {
        for row in patrol_index::running_rows(&self.conn, user_id)? {
            if self.team_rows(&row.id)?.closed() {
                let now = self.now();
                tracing::info!(patrol = row.id, "the starter ended the patrol; ending this member's part");
                self.edit_patrol(&row.id, false, |doc| Patrol::end(doc, now, "").map_err(Into::into))?;
            }
        }
        Ok(())
    }

    /// Stores a patrol document the caller made.
    pub(crate) fn insert_patrol(
        &mut self,
        reference: &Reference,
        patrol: &Patrol,
        author: &str,
    ) -> Result<(), StoreError> {
        let now = self.now();
        let mut doc = patrol.to_new_doc(&self.actor)?;
        let tx = self.conn.savepoint()?;
        docs::insert(&tx, &self.cache, &patrol.id, DocKind::Patrol, &mut doc, Some(author), now)?;
        reindex_patrol(&tx, reference, patrol, now)?;
        tx.commit()?;
        Ok(())
    }

    /// A join code for a new patrol, unused by the teams this device knows
    /// of that day.
    fn fresh_join_code(
        &self,
        reference: &Reference,
        grid: &str,
        kind: PatrolKind,
        now: Millis,
    ) -> Result<String, StoreError> {
        let seed = u16::from_str_radix(&self.clock.new_id().replace('-', "")[28..32], 16).unwrap_or(0);
        let day = duty_day(now);
        let mut used = self.conn.prepare_cached("SELECT 1 FROM patrols WHERE derived = ?1")?;
        for k in 0..NONCES {
            let code = JoinCode::new(reference, grid, kind, (seed % NONCES + k) % NONCES)
                .ok_or_else(|| StoreError::UnknownGrid(grid.to_owned()))?
                .format();
            if used.query_row([team_id(day, &code)], |_| Ok(())).optional()?.is_none() {
                return Ok(code);
            }
        }
        Err(StoreError::Invalid(format!("every join code of {grid} is taken today")))
    }

    /// Loads one of the caller's own patrol documents, applies `edit`,
    /// persists. An ended part is refused unless `ended_ok`.
    fn edit_patrol(
        &mut self,
        patrol_id: &str,
        ended_ok: bool,
        edit: impl FnOnce(&mut automerge::AutoCommit) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let reference = self.reference()?.clone();
        let mut doc = self.load_doc(patrol_id, "patrol")?;
        let owner = {
            let p = Patrol::from_doc(&doc)?;
            if p.ended_at.is_some() && !ended_ok {
                return Err(StoreError::PatrolEnded);
            }
            p.started_by
        };
        // Only its own member writes a patrol (the server refuses anyone else).
        self.check_not_pending_for_other(patrol_id, &owner)?;
        let before = doc.get_heads();
        edit(&mut doc)?;
        let patrol = Patrol::from_doc(&doc)?;
        let now = self.now();
        let tx = self.conn.savepoint()?;
        docs::append(&tx, &self.cache, patrol_id, &mut doc, &before, Some(&owner), now)?;
        reindex_patrol(&tx, &reference, &patrol, now)?;
        tx.commit()?;
        Ok(())
    }
}

/// The caller's own document in a running team patrol, or why they cannot
/// write to it.
pub(crate) fn running_part_of<'a>(team: &'a TeamRows, user_id: &str) -> Result<&'a PatrolRow, StoreError> {
    let own = team.member(user_id).ok_or(StoreError::NotAMember)?;
    if team.ended_at().is_some() {
        return Err(StoreError::PatrolEnded);
    }
    if own.ended_at.is_some() {
        return Err(StoreError::PartEnded);
    }
    Ok(own)
}

/// One document's summary: time walked, streets checked, cases found/handled.
fn summarize(conn: &Connection, reference: &Reference, p: &Patrol, now: Millis) -> Result<PatrolSummary, StoreError> {
    let streets: Vec<String> = reference.grid(&p.grid).map(|g| g.streets.clone()).unwrap_or_default();
    let handled: u32 = conn
        .prepare_cached(
            "SELECT COUNT(*) FROM cases WHERE patrol_id = ?1 AND status IN ('handled', 'verified', 'closed')",
        )?
        .query_row([&p.id], |r| r.get(0))?;
    Ok(PatrolSummary {
        duration_ms: p.ended_at.unwrap_or(now).saturating_sub(p.started_at).max(0),
        streets_checked: streets.iter().filter(|s| p.streets.contains_key(*s)).count() as u32,
        streets_total: streets.len() as u32,
        cases_found: p.cases.len() as u32,
        cases_handled: handled,
    })
}

/// Rewrites a patrol document's index row from the document.
pub(crate) fn reindex_patrol(
    tx: &Connection,
    reference: &Reference,
    patrol: &Patrol,
    now: Millis,
) -> Result<(), StoreError> {
    let summary = summarize(tx, reference, patrol, now)?;
    patrol_index::upsert_patrol(tx, patrol, &summary)
}
