//! The patrol index: one row per patrol document (a member's part), with
//! its team, so that team lists (history, today's patrols) never load a
//! document; and each team's street coverage, computed once per change.

use rusqlite::{Connection, OptionalExtension, Row, params, params_from_iter, types::Value};

use super::StoreError;
use super::index::{parse_enum, viewer_clause};
use super::users::Viewer;
use super::views::PatrolListItem;
use crate::geo::{PatrolCoverage, distance_m};
use crate::model::team::{duty_day, team_id};
use crate::model::{Patrol, PatrolKind, PatrolSummary, TrackPoint};
use crate::time::Millis;

/// What the index keeps of one patrol document.
#[derive(Debug, Clone, PartialEq)]
pub struct PatrolRow {
    pub id: String,
    /// For a member's document: the team's derived id it names.
    pub lead: Option<String>,
    /// The team's derived id (from the join code).
    pub derived: Option<String>,
    /// The team: the starter's document id, or the derived id while the
    /// device has not seen the starter's document.
    pub team: String,
    pub grid: String,
    pub kind: PatrolKind,
    /// The member whose part this is.
    pub started_by: String,
    pub started_at: Millis,
    pub ended_at: Option<Millis>,
    pub closed_at: Option<Millis>,
    pub team_code: String,
    /// The team as declared in this document.
    pub planned: Vec<String>,
    /// Streets this member ticked.
    pub checked: Vec<String>,
    /// Cases this member found.
    pub found: Vec<String>,
    pub note: String,
    pub track_points: u32,
    pub track_length_m: f64,
    pub first_fix_at: Option<Millis>,
    pub last_fix_at: Option<Millis>,
    /// Confirmed by the server.
    pub synced: bool,
}

impl PatrolRow {
    /// Whether this is the starter's document.
    pub fn is_lead(&self) -> bool {
        self.lead.is_none()
    }
}

/// A track's length along its points in time order (m).
pub fn track_length_m(track: &[TrackPoint]) -> f64 {
    let mut pts: Vec<&TrackPoint> = track.iter().collect();
    pts.sort_by_key(|p| p.at);
    pts.windows(2).map(|w| distance_m(w[0], w[1])).filter(|d| d.is_finite()).sum()
}

/// The derived team id a document belongs to: the one it names (a
/// member's), or its own code's (the starter's).
pub fn derived_team(p: &Patrol) -> Option<String> {
    match &p.lead {
        Some(lead) => Some(lead.clone()),
        None if !p.team_code.is_empty() => Some(team_id(duty_day(p.started_at), &p.team_code)),
        None => None,
    }
}

/// Writes (or rewrites) a patrol document's row, grouping it with its team;
/// the team's coverage is recomputed when next asked for.
pub fn upsert_patrol(tx: &Connection, p: &Patrol, s: &PatrolSummary) -> Result<(), StoreError> {
    let derived = derived_team(p);
    let team = match (&p.lead, &derived) {
        (None, _) => p.id.clone(),
        (Some(_), Some(d)) => tx
            .prepare_cached(
                "SELECT id FROM patrols WHERE derived = ?1 AND lead IS NULL ORDER BY started_at, id LIMIT 1",
            )?
            .query_row([d], |r| r.get(0))
            .optional()?
            .unwrap_or_else(|| d.clone()),
        (Some(lead), None) => lead.clone(),
    };
    let before: Option<String> = tx
        .prepare_cached("SELECT team FROM patrols WHERE id = ?1")?
        .query_row([&p.id], |r| r.get(0))
        .optional()?
        .flatten();
    let json = |v: Vec<&String>| serde_json::to_string(&v).unwrap_or_else(|_| "[]".into());
    tx.prepare_cached(
        "INSERT OR REPLACE INTO patrols (id, grid, kind, started_by, started_at, ended_at, streets_checked,
            streets_total, cases_found, team, closed_at, team_code, planned, checked, found, note, track_points,
            track_length_m, first_fix_at, last_fix_at, lead, derived)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22)",
    )?
    .execute(params![
        p.id,
        p.grid,
        serde_json::to_value(p.kind).ok().and_then(|v| v.as_str().map(str::to_owned)),
        p.started_by,
        p.started_at,
        p.ended_at,
        s.streets_checked,
        s.streets_total,
        s.cases_found,
        team,
        p.closed_at,
        p.team_code,
        json(p.team.iter().collect()),
        json(p.streets.keys().collect()),
        json(p.cases.keys().collect()),
        p.note,
        p.track.len() as i64,
        track_length_m(&p.track),
        p.track.iter().map(|t| t.at).min(),
        p.track.iter().map(|t| t.at).max(),
        p.lead,
        derived,
    ])?;
    // The starter's document arrived after members' ones: they join it.
    if p.lead.is_none()
        && let Some(d) = &derived
    {
        tx.prepare_cached("UPDATE patrols SET team = ?1 WHERE lead = ?2 AND team = ?2")?.execute(params![team, d])?;
        forget_coverage(tx, d)?;
    }
    for t in before.iter().chain([&team]) {
        forget_coverage(tx, t)?;
    }
    Ok(())
}

/// The team a patrol id belongs to: a document's, or a derived id's (a
/// team joined offline).
pub fn team_of(conn: &Connection, id: &str) -> Result<Option<String>, StoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT team FROM patrols WHERE id = ?1
             UNION ALL SELECT team FROM patrols WHERE derived = ?1 OR team = ?1 LIMIT 1",
        )?
        .query_row([id], |r| r.get::<_, Option<String>>(0))
        .optional()?
        .flatten())
}

const ROW_COLUMNS: &str =
    "p.id, p.lead, p.derived, COALESCE(p.team, p.id), p.grid, p.kind, p.started_by, p.started_at, p.ended_at,
    p.closed_at, p.team_code, p.planned, p.checked, p.found, p.note, p.track_points, p.track_length_m,
    p.first_fix_at, p.last_fix_at, NOT EXISTS (SELECT 1 FROM docs d WHERE d.id = p.id AND d.dirty = 1)";

fn row(r: &Row<'_>) -> rusqlite::Result<PatrolRow> {
    let list = |i: usize| -> rusqlite::Result<Vec<String>> {
        Ok(serde_json::from_str(&r.get::<_, String>(i)?).unwrap_or_default())
    };
    Ok(PatrolRow {
        id: r.get(0)?,
        lead: r.get(1)?,
        derived: r.get(2)?,
        team: r.get(3)?,
        grid: r.get(4)?,
        kind: parse_enum(&r.get::<_, String>(5)?)?,
        started_by: r.get(6)?,
        started_at: r.get(7)?,
        ended_at: r.get(8)?,
        closed_at: r.get(9)?,
        team_code: r.get(10)?,
        planned: list(11)?,
        checked: list(12)?,
        found: list(13)?,
        note: r.get(14)?,
        track_points: r.get(15)?,
        track_length_m: r.get(16)?,
        first_fix_at: r.get(17)?,
        last_fix_at: r.get(18)?,
        synced: r.get(19)?,
    })
}

fn rows(conn: &Connection, tail: &str, args: &[Value]) -> Result<Vec<PatrolRow>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {ROW_COLUMNS} FROM patrols p {tail}"))?;
    let out = stmt.query_map(params_from_iter(args.iter()), row)?.collect::<Result<Vec<_>, _>>()?;
    Ok(out)
}

/// The row of one document.
pub fn patrol_row(conn: &Connection, id: &str) -> Result<Option<PatrolRow>, StoreError> {
    Ok(rows(conn, "WHERE p.id = ?1", &[Value::Text(id.to_owned())])?.pop())
}

/// Every document of a team: the starter's first, then in joining order.
pub fn team_rows(conn: &Connection, team: &str) -> Result<Vec<PatrolRow>, StoreError> {
    rows(
        conn,
        "WHERE COALESCE(p.team, p.id) = ?1 ORDER BY p.lead IS NOT NULL, p.started_at, p.id",
        &[Value::Text(team.to_owned())],
    )
}

/// The user's own documents whose part has not ended.
pub fn running_rows(conn: &Connection, user_id: &str) -> Result<Vec<PatrolRow>, StoreError> {
    rows(
        conn,
        "WHERE p.started_by = ?1 AND p.ended_at IS NULL ORDER BY p.started_at DESC",
        &[Value::Text(user_id.to_owned())],
    )
}

/// Every document of every team with a document started at or after
/// `since` (any time: `None`), in the viewer's scope.
pub fn rows_of_teams(
    conn: &Connection,
    viewer: Option<&Viewer>,
    since: Option<Millis>,
) -> Result<Vec<PatrolRow>, StoreError> {
    let mut args: Vec<Value> = vec![Value::Integer(since.unwrap_or(i64::MIN))];
    let scope = viewer_clause(viewer, "q", false, &mut args).unwrap_or_else(|| "1".into());
    rows(
        conn,
        &format!(
            "WHERE COALESCE(p.team, p.id) IN
                (SELECT COALESCE(q.team, q.id) FROM patrols q WHERE q.started_at >= ?1 AND {scope})
             ORDER BY p.started_at, p.id"
        ),
        &args,
    )
}

/// Recent patrol documents, newest first.
pub fn list_patrols(conn: &Connection, viewer: Option<&Viewer>, limit: u32) -> Result<Vec<PatrolListItem>, StoreError> {
    let mut args: Vec<Value> = vec![Value::Integer(i64::from(limit))];
    let where_ = viewer_clause(viewer, "p", false, &mut args).unwrap_or_else(|| "1".into());
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT id, grid, kind, started_by, started_at, ended_at, streets_checked, streets_total, cases_found
         FROM patrols p WHERE {where_} ORDER BY started_at DESC LIMIT ?1"
    ))?;
    let rows = stmt.query_map(params_from_iter(args.iter()), |r| {
        Ok(PatrolListItem {
            id: r.get(0)?,
            grid: r.get(1)?,
            kind: parse_enum(&r.get::<_, String>(2)?)?,
            started_by: r.get(3)?,
            started_at: r.get(4)?,
            ended_at: r.get(5)?,
            streets_checked: r.get(6)?,
            streets_total: r.get(7)?,
            cases_found: r.get(8)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A team's coverage as last computed: `Some(None)` means the grid's
/// streets have no geometry; `None` that it is not computed.
pub fn cached_coverage(conn: &Connection, team: &str) -> Result<Option<Option<PatrolCoverage>>, StoreError> {
    let json: Option<String> = conn
        .prepare_cached("SELECT coverage FROM team_coverage WHERE team = ?1")?
        .query_row([team], |r| r.get(0))
        .optional()?;
    Ok(json.and_then(|j| serde_json::from_str(&j).ok()))
}

/// Keeps a team's computed coverage.
pub fn store_coverage(conn: &Connection, team: &str, coverage: &Option<PatrolCoverage>) -> Result<(), StoreError> {
    let json = serde_json::to_string(coverage).map_err(|e| StoreError::Invalid(e.to_string()))?;
    conn.prepare_cached("INSERT OR REPLACE INTO team_coverage (team, coverage) VALUES (?1, ?2)")?
        .execute(params![team, json])?;
    Ok(())
}

/// Forgets a team's coverage (one of its documents changed).
pub fn forget_coverage(conn: &Connection, team: &str) -> Result<(), StoreError> {
    conn.prepare_cached("DELETE FROM team_coverage WHERE team = ?1")?.execute([team])?;
    Ok(())
}

/// Forgets every team's coverage (the streets or the settings changed).
pub fn forget_all_coverage(conn: &Connection) -> Result<(), StoreError> {
    conn.execute("DELETE FROM team_coverage", [])?;
    Ok(())
}
