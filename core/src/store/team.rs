//! A team patrol as the device sees it: the starter's document and the
//! members' documents of one team (see [`crate::model::team`]), merged into
//! one patrol for the screens — the team's end, its members, the street
//! checks and cases of everyone, the coverage of everyone's tracks.

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::Connection;

use super::patrol_index::{self, PatrolRow};
use super::views::{PatrolDetail, PatrolHistoryItem, PatrolMember};
use super::{DeviceStore, StoreError};
use crate::geo::{PatrolCoverage, grid_streets, patrol_coverage};
use crate::model::{PATROL_SCHEMA, Patrol, PatrolSummary, Reference};
use crate::time::Millis;

/// One team's documents as the index lists them: the starter's first (if
/// the device has it), then in joining order. Never empty.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TeamRows {
    /// The team id (what the screens use).
    pub id: String,
    pub rows: Vec<PatrolRow>,
}

impl TeamRows {
    /// Groups index rows by team, keeping their order within each team.
    pub fn group(rows: Vec<PatrolRow>) -> Vec<TeamRows> {
        let mut teams: BTreeMap<String, Vec<PatrolRow>> = BTreeMap::new();
        for r in rows {
            teams.entry(r.team.clone()).or_default().push(r);
        }
        teams
            .into_iter()
            .map(|(id, mut rows)| {
                rows.sort_by(|a, b| {
                    (a.lead.is_some(), a.started_at, &a.id).cmp(&(b.lead.is_some(), b.started_at, &b.id))
                });
                TeamRows { id, rows }
            })
            .collect()
    }

    /// The starter's document, if the device has it.
    pub fn lead(&self) -> Option<&PatrolRow> {
        self.rows.first().filter(|r| r.is_lead())
    }

    /// The document the team's header (grid, kind, code) is read from.
    pub fn head(&self) -> &PatrolRow {
        &self.rows[0]
    }

    /// `user_id`'s own document in the team.
    pub fn member(&self, user_id: &str) -> Option<&PatrolRow> {
        self.rows.iter().find(|r| r.started_by == user_id)
    }

    /// When the team's patrol ended: when the starter ended it for
    /// everyone, or when the last part ended.
    pub fn ended_at(&self) -> Option<Millis> {
        if let Some(closed) = self.lead().and_then(|l| l.closed_at) {
            return Some(closed);
        }
        let ends: Option<Vec<Millis>> = self.rows.iter().map(|r| r.ended_at).collect();
        ends.and_then(|e| e.into_iter().max())
    }

    /// Whether the starter ended it for everyone.
    pub fn closed(&self) -> bool {
        self.lead().is_some_and(|l| l.closed_at.is_some())
    }

    /// The starter, or empty while the device lacks their document.
    pub fn started_by(&self) -> String {
        self.lead().map(|l| l.started_by.clone()).unwrap_or_default()
    }

    /// When the patrol started (the first part, without the starter's).
    pub fn started_at(&self) -> Millis {
        self.lead().map_or_else(|| self.rows.iter().map(|r| r.started_at).min().unwrap_or(0), |l| l.started_at)
    }

    /// Who joined, the starter first.
    pub fn joined(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for r in &self.rows {
            if !out.contains(&r.started_by) {
                out.push(r.started_by.clone());
            }
        }
        out
    }

    /// The team as planned at the start, then whoever else joined.
    pub fn team(&self) -> Vec<String> {
        let mut out = self.head().planned.clone();
        for u in self.joined() {
            if !out.contains(&u) {
                out.push(u);
            }
        }
        out
    }

    /// Whether `user_id` is on the team (joined or planned).
    pub fn involves(&self, user_id: &str) -> bool {
        self.member(user_id).is_some() || self.team().iter().any(|u| u == user_id)
    }

    /// Every member's part.
    pub fn members(&self) -> Vec<PatrolMember> {
        self.rows
            .iter()
            .map(|r| PatrolMember {
                user_id: r.started_by.clone(),
                joined_at: r.started_at,
                ended_at: r.ended_at,
                track_points: r.track_points,
                track_length_m: r.track_length_m,
                last_fix_at: r.last_fix_at,
            })
            .collect()
    }

    /// Streets anyone ticked.
    pub fn checked(&self) -> BTreeSet<&str> {
        self.rows.iter().flat_map(|r| r.checked.iter().map(String::as_str)).collect()
    }

    /// Cases anyone found.
    pub fn found(&self) -> BTreeSet<&str> {
        self.rows.iter().flat_map(|r| r.found.iter().map(String::as_str)).collect()
    }

    /// Every document is confirmed by the server.
    pub fn synced(&self) -> bool {
        self.rows.iter().all(|r| r.synced)
    }

    /// The ids of the team's documents.
    pub fn doc_ids(&self) -> impl Iterator<Item = &str> {
        self.rows.iter().map(|r| r.id.as_str())
    }
}

impl DeviceStore {
    /// The team a patrol id (a team id, a document id, a derived id) belongs to.
    pub(crate) fn team_rows(&self, id: &str) -> Result<TeamRows, StoreError> {
        let not_found = || StoreError::NotFound { kind: "patrol", id: id.to_owned() };
        let team = patrol_index::team_of(&self.conn, id)?.ok_or_else(not_found)?;
        let rows = patrol_index::team_rows(&self.conn, &team)?;
        if rows.is_empty() {
            return Err(not_found());
        }
        Ok(TeamRows { id: team, rows })
    }

    /// The team's patrol, merged, with its summary, coverage and members.
    pub(crate) fn team_detail(&self, team: &TeamRows, now: Millis) -> Result<PatrolDetail, StoreError> {
        let reference = self.reference()?.clone();
        let docs = self.team_docs(team)?;
        let coverage = self.coverage_of(&reference, team, Some(&docs))?;
        let patrol = merged(team, docs);
        let streets: Vec<String> = reference.grid(&patrol.grid).map(|g| g.streets.clone()).unwrap_or_default();
        let summary = PatrolSummary {
            duration_ms: patrol.ended_at.unwrap_or(now).saturating_sub(patrol.started_at).max(0),
            streets_checked: streets.iter().filter(|s| patrol.streets.contains_key(*s)).count() as u32,
            streets_total: streets.len() as u32,
            cases_found: patrol.cases.len() as u32,
            cases_handled: handled_on_team(&self.conn, team)?,
        };
        Ok(PatrolDetail {
            summary,
            streets,
            synced: team.synced(),
            coverage,
            join_code: team.head().team_code.clone(),
            members: team.members(),
            patrol,
        })
    }

    /// A row of the patrol lists (history, today's), from the index and the
    /// coverage as computed once per change.
    pub(crate) fn team_item(&self, team: &TeamRows, now: Millis) -> Result<PatrolHistoryItem, StoreError> {
        let reference = self.reference()?.clone();
        let coverage = self.coverage_of(&reference, team, None)?;
        let head = team.head();
        let streets: Vec<String> = reference.grid(&head.grid).map(|g| g.streets.clone()).unwrap_or_default();
        let checked = team.checked();
        let started_at = team.started_at();
        Ok(PatrolHistoryItem {
            id: team.id.clone(),
            grid: head.grid.clone(),
            kind: head.kind,
            started_by: team.started_by(),
            started_at,
            ended_at: team.ended_at(),
            team: team.joined(),
            cases_found: team.found().len() as u32,
            streets_checked: streets.iter().filter(|s| checked.contains(s.as_str())).count() as u32,
            streets_total: streets.len() as u32,
            streets_covered: coverage.as_ref().map(|c| c.covered),
            coverage_share: coverage.as_ref().map(|c| c.share),
            track_length_m: team.rows.iter().map(|r| r.track_length_m).sum(),
            duration_ms: team.ended_at().unwrap_or(now).saturating_sub(started_at).max(0),
            synced: team.synced(),
        })
    }

    /// Every document of the team, hydrated, in the team's order.
    pub(crate) fn team_docs(&self, team: &TeamRows) -> Result<Vec<Patrol>, StoreError> {
        team.doc_ids().map(|id| Patrol::from_doc(&self.load_doc(id, "patrol")?).map_err(Into::into)).collect()
    }

    /// The team's street coverage, from the cache or computed (from `docs`
    /// when the caller has them loaded) and cached. `None` when the grid's
    /// streets have no geometry.
    fn coverage_of(
        &self,
        reference: &Reference,
        team: &TeamRows,
        docs: Option<&[Patrol]>,
    ) -> Result<Option<PatrolCoverage>, StoreError> {
        if let Some(cached) = patrol_index::cached_coverage(&self.conn, &team.id)? {
            return Ok(cached);
        }
        let streets = match reference.grid(&team.head().grid).map(grid_streets) {
            Some(Ok(s)) => s,
            Some(Err(e)) => {
                tracing::warn!(error = %e, "a grid's street geometry cannot be read; no coverage");
                vec![]
            }
            None => vec![],
        };
        let coverage = if streets.is_empty() {
            None
        } else {
            let loaded;
            let docs = match docs {
                Some(d) => d,
                None => {
                    loaded = self.team_docs(team)?;
                    &loaded
                }
            };
            let tracks: Vec<&[crate::model::TrackPoint]> = docs.iter().map(|p| p.track.as_slice()).collect();
            Some(patrol_coverage(&streets, &tracks, &reference.map.coverage))
        };
        patrol_index::store_coverage(&self.conn, &team.id, &coverage)?;
        Ok(coverage)
    }
}

/// The team's patrol as one document: the starter's header (or the first
/// member's, with no starter, while the device lacks the starter's), the
/// team's end, everyone's checks (the first tick of a street counts), cases
/// and notes; no track (the map shows the tracks per member).
fn merged(team: &TeamRows, docs: Vec<Patrol>) -> Patrol {
    let ended_at = team.ended_at();
    let mut docs = docs.into_iter();
    let first = docs.next().expect("a team has a document");
    let lead = team.lead().is_some();
    let mut out = Patrol {
        schema: PATROL_SCHEMA,
        id: team.id.clone(),
        team: team.team(),
        lead: None,
        started_by: if lead { first.started_by.clone() } else { String::new() },
        started_at: team.started_at(),
        ended_at,
        closed_at: if lead { first.closed_at } else { None },
        track: vec![],
        ..first.clone()
    };
    let mut notes: Vec<String> = vec![first.note.clone()];
    for p in docs {
        for (street, check) in p.streets {
            match out.streets.get(&street) {
                Some(c) if c.checked_at <= check.checked_at => {}
                _ => {
                    out.streets.insert(street, check);
                }
            }
        }
        for (case, at) in p.cases {
            let e = out.cases.entry(case).or_insert(at);
            *e = (*e).min(at);
        }
        notes.push(p.note);
    }
    out.note = notes.into_iter().filter(|n| !n.trim().is_empty()).collect::<Vec<_>>().join("；");
    out
}

/// Cases found by the team that were handled (on the spot or after).
fn handled_on_team(conn: &Connection, team: &TeamRows) -> Result<u32, StoreError> {
    let ids = serde_json::to_string(&team.doc_ids().collect::<Vec<_>>()).unwrap_or_else(|_| "[]".into());
    Ok(conn
        .prepare_cached(
            "SELECT COUNT(*) FROM cases WHERE patrol_id IN (SELECT value FROM json_each(?1))
             AND status IN ('handled', 'verified', 'closed')",
        )?
        .query_row([ids], |r| r.get(0))?)
}
