//! Joining a team patrol: from the synced list of the day's patrols, or
//! offline with the join code alone (see [`crate::model::team`]); and the
//! part the track recorder writes to.

use std::collections::BTreeMap;

use super::patrol_index;
use super::team::TeamRows;
use super::views::{Actor, PatrolDetail};
use super::{DeviceStore, StoreError};
use crate::geo::RunningPart;
use crate::model::team::{JoinCode, candidate_team_ids, member_doc_id};
use crate::model::{PATROL_SCHEMA, Patrol, PatrolKind};

impl DeviceStore {
    /// Joins a running patrol the device knows (from today's list).
    pub fn join_patrol(&mut self, actor: &Actor, patrol_id: &str) -> Result<PatrolDetail, StoreError> {
        let team = self.team_rows(patrol_id)?;
        self.join_team(actor, &team)
    }

    /// Joins with the code read off the starter's phone. Works offline: a
    /// device that has not seen the starter's patrol derives its team from
    /// the code (grid, kind, today's duty day) and writes the member's part.
    pub fn join_patrol_code(&mut self, actor: &Actor, code: &str) -> Result<PatrolDetail, StoreError> {
        let code: String = code.chars().filter(|c| !c.is_whitespace() && !"-._·".contains(*c)).collect();
        let invalid = || StoreError::JoinCodeInvalid(code.clone());
        let parsed = JoinCode::parse(&code).ok_or_else(invalid)?;
        let reference = self.reference()?.clone();
        let grid = parsed.grid(&reference).ok_or_else(invalid)?.id.clone();
        let now = self.now();
        let candidates = candidate_team_ids(now, &code);
        for derived in &candidates {
            if patrol_index::team_of(&self.conn, derived)?.is_some() {
                let team = self.team_rows(derived)?;
                if team.head().team_code == code {
                    return self.join_team(actor, &team);
                }
            }
        }
        // Not seen on this device: the starter's document will follow at a sync.
        self.refuse_if_running(&actor.user_id, None)?;
        let [today, _] = candidates;
        self.add_member_doc(actor, &today, parsed.kind, &grid, &code, vec![])?;
        self.get_patrol(&today, now)
    }

    /// The part of `user_id` the track recorder writes to, with its last
    /// point; parts of patrols their starter ended are ended first.
    pub fn running_part(&mut self, user_id: &str) -> Result<Option<RunningPart>, StoreError> {
        self.end_parts_of_ended_teams(user_id)?;
        for row in patrol_index::running_rows(&self.conn, user_id)? {
            if self.team_rows(&row.id)?.ended_at().is_none() {
                let doc = Patrol::from_doc(&self.load_doc(&row.id, "patrol")?)?;
                let last = doc.track.iter().max_by_key(|p| p.at).copied();
                return Ok(Some(RunningPart { doc_id: row.id, last }));
            }
        }
        Ok(None)
    }

    fn join_team(&mut self, actor: &Actor, team: &TeamRows) -> Result<PatrolDetail, StoreError> {
        if team.ended_at().is_some() {
            return Err(StoreError::PatrolEnded);
        }
        if let Some(own) = team.member(&actor.user_id) {
            return match own.ended_at {
                Some(_) => Err(StoreError::PartEnded),
                None => self.get_patrol(&team.id, self.now()),
            };
        }
        self.refuse_if_running(&actor.user_id, Some(&team.id))?;
        let head = team.head().clone();
        let derived = head.derived.clone().ok_or_else(|| StoreError::JoinCodeInvalid(head.team_code.clone()))?;
        self.add_member_doc(actor, &derived, head.kind, &head.grid, &head.team_code, team.team())?;
        self.get_patrol(&team.id, self.now())
    }

    /// Writes the caller's own document of the team with derived id `derived`.
    fn add_member_doc(
        &mut self,
        actor: &Actor,
        derived: &str,
        kind: PatrolKind,
        grid: &str,
        code: &str,
        planned: Vec<String>,
    ) -> Result<(), StoreError> {
        let reference = self.reference()?.clone();
        if !reference.scope_of(&actor.user_id).writes(grid, &[]) {
            return Err(StoreError::OutOfScope(grid.to_owned()));
        }
        let mut team = planned;
        if !team.contains(&actor.user_id) {
            team.push(actor.user_id.clone());
        }
        let patrol = Patrol {
            schema: PATROL_SCHEMA,
            id: member_doc_id(derived, &actor.user_id),
            kind,
            grid: grid.to_owned(),
            team,
            team_code: code.to_owned(),
            lead: Some(derived.to_owned()),
            started_by: actor.user_id.clone(),
            started_at: self.now(),
            ended_at: None,
            closed_at: None,
            track: vec![],
            streets: BTreeMap::new(),
            cases: BTreeMap::new(),
            note: String::new(),
        };
        if patrol_index::patrol_row(&self.conn, &patrol.id)?.is_some() {
            return Err(StoreError::PartEnded);
        }
        self.insert_patrol(&reference, &patrol, &actor.user_id)
    }
}
