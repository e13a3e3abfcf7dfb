//! The patrol half of the facade: start, track, check streets, end.

use std::collections::BTreeMap;

use rusqlite::{Connection, OptionalExtension};

use super::index;
use super::views::{Actor, PatrolDetail, PatrolListItem};
use super::{DeviceStore, StoreError, docs};
use crate::model::{DocKind, PATROL_SCHEMA, Patrol, PatrolKind, PatrolSummary, Reference, StreetCheck, TrackPoint};
use crate::time::Millis;

impl DeviceStore {
    /// Starts a patrol of `grid`. A user has at most one patrol in progress.
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
        if let Some(active) = self.active_patrol(&actor.user_id)? {
            return Err(StoreError::Invalid(format!("patrol {} is still in progress", active.id)));
        }
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
            team_code: team_code(&self.clock.new_id()),
            lead: None,
            started_by: actor.user_id.clone(),
            started_at: now,
            ended_at: None,
            track: vec![],
            streets: BTreeMap::new(),
            cases: BTreeMap::new(),
            note: String::new(),
        };
        let mut doc = patrol.to_new_doc(&self.actor)?;
        let tx = self.conn.savepoint()?;
        docs::insert(&tx, &self.cache, &patrol.id, DocKind::Patrol, &mut doc, Some(&actor.user_id), now)?;
        reindex_patrol(&tx, &reference, &patrol, now)?;
        tx.commit()?;
        self.get_patrol(&patrol.id, now)
    }

    /// The patrol this user started and has not ended, if any.
    pub fn active_patrol(&self, user_id: &str) -> Result<Option<PatrolListItem>, StoreError> {
        let id: Option<String> = self
            .conn
            .prepare_cached(
                "SELECT id FROM patrols WHERE started_by = ?1 AND ended_at IS NULL ORDER BY started_at DESC LIMIT 1",
            )?
            .query_row([user_id], |r| r.get(0))
            .optional()?;
        Ok(match id {
            Some(id) => index::list_patrols(&self.conn, None, u32::MAX)?.into_iter().find(|p| p.id == id),
            None => None,
        })
    }

    /// Appends recorded positions to a patrol's track.
    pub fn record_track(&mut self, patrol_id: &str, points: &[TrackPoint]) -> Result<(), StoreError> {
        self.edit_patrol(patrol_id, |doc| Patrol::push_track(doc, points).map_err(Into::into))?;
        Ok(())
    }

    /// Ticks a street of the patrol's grid off the checklist.
    pub fn check_street(
        &mut self,
        actor: &Actor,
        patrol_id: &str,
        street: &str,
        note: &str,
    ) -> Result<PatrolDetail, StoreError> {
        let streets = self.grid_streets_of(patrol_id)?;
        if !streets.iter().any(|s| s == street) {
            return Err(StoreError::Invalid(format!("{street} is not a street of this grid")));
        }
        let check = StreetCheck { checked_at: self.now(), by: actor.user_id.clone(), note: note.to_owned() };
        // A street is ticked once: the first tick is the record.
        if Patrol::from_doc(&self.load_doc(patrol_id, "patrol")?)?.streets.contains_key(street) {
            return self.get_patrol(patrol_id, self.now());
        }
        self.edit_patrol(patrol_id, |doc| Patrol::check_street(doc, street, &check).map_err(Into::into))
    }

    /// Ends a patrol with a closing remark; returns its summary.
    pub fn end_patrol(&mut self, actor: &Actor, patrol_id: &str, note: &str) -> Result<PatrolDetail, StoreError> {
        let _ = actor;
        let now = self.now();
        self.edit_patrol(patrol_id, |doc| Patrol::end(doc, now, note).map_err(Into::into))
    }

    /// A patrol with its summary.
    pub fn get_patrol(&self, patrol_id: &str, now: Millis) -> Result<PatrolDetail, StoreError> {
        let patrol = Patrol::from_doc(&self.load_doc(patrol_id, "patrol")?)?;
        let reference = self.reference()?;
        Ok(PatrolDetail {
            summary: summarize(&self.conn, reference, &patrol, now)?,
            streets: reference.grid(&patrol.grid).map(|g| g.streets.clone()).unwrap_or_default(),
            synced: index::is_synced(&self.conn, patrol_id)?,
            patrol,
        })
    }

    /// Recent patrols, newest first.
    pub fn list_patrols(&self, limit: u32) -> Result<Vec<PatrolListItem>, StoreError> {
        index::list_patrols(&self.conn, self.viewer(), limit)
    }

    fn grid_streets_of(&self, patrol_id: &str) -> Result<Vec<String>, StoreError> {
        let grid: String = self
            .conn
            .prepare_cached("SELECT grid FROM patrols WHERE id = ?1")?
            .query_row([patrol_id], |r| r.get(0))
            .optional()?
            .ok_or_else(|| StoreError::NotFound { kind: "patrol", id: patrol_id.into() })?;
        Ok(self.reference()?.grid(&grid).map(|g| g.streets.clone()).unwrap_or_default())
    }

    /// Loads a patrol that is still in progress, applies `edit`, persists.
    fn edit_patrol(
        &mut self,
        patrol_id: &str,
        edit: impl FnOnce(&mut automerge::AutoCommit) -> Result<(), StoreError>,
    ) -> Result<PatrolDetail, StoreError> {
        let reference = self.reference()?.clone();
        let mut doc = self.load_doc(patrol_id, "patrol")?;
        let owner = {
            let p = Patrol::from_doc(&doc)?;
            if p.ended_at.is_some() {
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
        self.get_patrol(patrol_id, now)
    }
}

/// A six-digit join code from a fresh id.
fn team_code(id: &str) -> String {
    let n = u128::from_str_radix(&id.replace('-', "")[20..], 16).unwrap_or(0);
    format!("{:06}", n % 1_000_000)
}

/// A patrol's summary: time walked, streets checked, cases found/handled.
fn summarize(
    conn: &rusqlite::Connection,
    reference: &Reference,
    p: &Patrol,
    now: Millis,
) -> Result<PatrolSummary, StoreError> {
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

/// Rewrites a patrol's index row from the document.
pub(crate) fn reindex_patrol(
    tx: &Connection,
    reference: &Reference,
    patrol: &Patrol,
    now: Millis,
) -> Result<(), StoreError> {
    let summary = summarize(tx, reference, patrol, now)?;
    index::upsert_patrol(tx, patrol, &summary)
}
