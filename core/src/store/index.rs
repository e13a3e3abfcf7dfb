//! The list indexes: one row per case and per patrol, written in the same
//! transaction as the document, so lists never load documents.

use rusqlite::{Connection, Row, params, params_from_iter, types::Value};

use super::StoreError;
use super::users::Viewer;
use super::views::{CaseFilter, CaseListItem, CasePage, GridStats};
use crate::model::{Case, Scope, Severity};
use crate::time::{DAY, Millis};
use crate::workflow::{CaseStatus, Derived, Sla, SlaState};

/// What the index keeps of a case.
#[derive(Debug)]
pub struct CaseRow<'a> {
    pub case: &'a Case,
    pub derived: &'a Derived,
    pub sla: Option<Sla>,
    pub lookback_due: Option<Millis>,
}

/// Writes (or rewrites) a case's index row.
pub fn upsert_case(tx: &Connection, row: &CaseRow<'_>) -> Result<(), StoreError> {
    let c = row.case;
    let updated_at = c
        .events
        .values()
        .map(|e| e.at)
        .chain(c.photos.values().map(|p| p.added_at))
        .chain([c.created_at])
        .max()
        .unwrap_or(c.created_at);
    let thumb = c.photos.values().min_by_key(|p| (p.role as u8, p.added_at, p.hash.clone())).map(|p| p.thumb.clone());
    tx.prepare_cached(
        "INSERT OR REPLACE INTO cases (id, grid, category, status, severity, title, address, reporter, department,
            patrol_id, created_at, updated_at, sla_warn_at, sla_deadline, lookback_due, thumb, photo_count, event_count,
            lat, lon)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)",
    )?
    .execute(params![
        c.id,
        c.grid,
        c.category,
        row.derived.status.as_str(),
        severity_str(c.severity),
        c.title,
        c.location.address,
        c.reporter,
        row.derived.department,
        c.links.patrol,
        c.created_at,
        updated_at,
        row.sla.map(|s| s.warn_at),
        row.sla.map(|s| s.deadline),
        row.lookback_due,
        thumb,
        c.photos.len() as i64,
        c.events.len() as i64,
        position(c).map(|p| p.0),
        position(c).map(|p| p.1),
    ])?;
    Ok(())
}

/// A case's position, if it has one on Earth.
fn position(c: &Case) -> Option<(f64, f64)> {
    let (lat, lon) = (c.location.lat?, c.location.lon?);
    (lat.is_finite() && lon.is_finite() && lat.abs() <= 90.0 && lon.abs() <= 180.0).then_some((lat, lon))
}

fn severity_str(s: Severity) -> &'static str {
    match s {
        Severity::Low => "low",
        Severity::Normal => "normal",
        Severity::High => "high",
        Severity::Urgent => "urgent",
    }
}

pub(crate) fn parse_enum<T: serde::de::DeserializeOwned>(s: &str) -> rusqlite::Result<T> {
    serde_json::from_value(serde_json::Value::String(s.to_owned()))
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e)))
}

/// SQL for "the case and all its photos are confirmed".
const SYNCED_SQL: &str = "(NOT EXISTS (SELECT 1 FROM docs d WHERE d.id = c.id AND d.dirty = 1)
    AND NOT EXISTS (SELECT 1 FROM doc_blobs db JOIN blobs b ON b.hash = db.hash
                    WHERE db.doc_id = c.id AND b.uploaded = 0))";

/// The SQL limiting rows of `table` to what a viewer may see, with its
/// arguments appended to `args`.
pub(crate) fn viewer_clause(
    viewer: Option<&Viewer>,
    table: &str,
    cases: bool,
    args: &mut Vec<Value>,
) -> Option<String> {
    match &viewer?.scope {
        Scope::All => None,
        Scope::Grids { grids } => {
            args.push(Value::Text(serde_json::to_string(grids).unwrap_or_else(|_| "[]".into())));
            Some(format!("{table}.grid IN (SELECT value FROM json_each(?{}))", args.len()))
        }
        Scope::Department { department } if cases => {
            args.push(Value::Text(department.clone()));
            Some(format!("{table}.department = ?{}", args.len()))
        }
        Scope::Department { .. } => Some("0".into()),
    }
}

/// The `WHERE` clause (possibly empty) selecting the cases of a filter
/// that a viewer may see, over `cases c`, and its arguments.
fn case_filter(viewer: Option<&Viewer>, f: &CaseFilter, now: Millis) -> (String, Vec<Value>) {
    let mut clauses: Vec<String> = Vec::new();
    let mut args: Vec<Value> = Vec::new();
    clauses.extend(viewer_clause(viewer, "c", true, &mut args));
    let arg = |v: Value, args: &mut Vec<Value>| {
        args.push(v);
        format!("?{}", args.len())
    };
    if let Some(ids) = &f.ids {
        let list = serde_json::to_string(ids).unwrap_or_else(|_| "[]".into());
        clauses.push(format!("c.id IN (SELECT value FROM json_each({}))", arg(Value::Text(list), &mut args)));
    }
    if let Some(p) = &f.patrol {
        // Found on the patrol: by any member of its team.
        let n = arg(Value::Text(p.clone()), &mut args);
        clauses.push(format!(
            "(c.patrol_id = {n} OR c.patrol_id IN (SELECT t.id FROM patrols t WHERE t.team = COALESCE(
                (SELECT q.team FROM patrols q WHERE q.id = {n}),
                (SELECT q.team FROM patrols q WHERE q.derived = {n} LIMIT 1), {n})))"
        ));
    }
    if !f.statuses.is_empty() {
        let marks: Vec<String> = f.statuses.iter().map(|s| arg(Value::Text(s.as_str().into()), &mut args)).collect();
        clauses.push(format!("c.status IN ({})", marks.join(",")));
    }
    for (col, val) in [("grid", &f.grid), ("category", &f.category), ("reporter", &f.reporter)] {
        if let Some(v) = val {
            clauses.push(format!("c.{col} = {}", arg(Value::Text(v.clone()), &mut args)));
        }
    }
    if f.overdue {
        let n = arg(Value::Integer(now), &mut args);
        clauses.push(format!("c.sla_warn_at IS NOT NULL AND c.sla_warn_at <= {n}"));
    }
    if f.lookback_due {
        let n = arg(Value::Integer(now), &mut args);
        clauses.push(format!("c.lookback_due IS NOT NULL AND c.lookback_due <= {n}"));
    }
    if f.unsynced {
        clauses.push(format!("NOT {SYNCED_SQL}"));
    }
    if let Some(text) = f.text.as_deref().filter(|t| !t.trim().is_empty()) {
        let pattern = format!("%{}%", text.trim().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
        let p = arg(Value::Text(pattern), &mut args);
        clauses.push(format!("(c.title LIKE {p} ESCAPE '\\' OR c.address LIKE {p} ESCAPE '\\')"));
    }
    let filter = if clauses.is_empty() { String::new() } else { format!("WHERE {}", clauses.join(" AND ")) };
    (filter, args)
}

/// Lists cases from the index. `now` decides SLA colours.
pub fn list_cases(
    conn: &Connection,
    viewer: Option<&Viewer>,
    f: &CaseFilter,
    now: Millis,
) -> Result<CasePage, StoreError> {
    let (filter, args) = case_filter(viewer, f, now);
    let total: u32 = conn
        .prepare_cached(&format!("SELECT COUNT(*) FROM cases c {filter}"))?
        .query_row(params_from_iter(args.iter()), |r| r.get(0))?;
    let limit = f.limit.unwrap_or(50).clamp(1, 500);
    let offset = f.offset.unwrap_or(0);
    let sql = format!(
        "SELECT c.id, c.title, c.grid, c.category, c.status, c.severity, c.address, c.reporter, c.department,
                c.created_at, c.updated_at, c.sla_warn_at, c.sla_deadline, c.lookback_due, c.thumb, c.photo_count,
                {SYNCED_SQL}
         FROM cases c {filter} ORDER BY c.updated_at DESC, c.id LIMIT {limit} OFFSET {offset}"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let items = stmt.query_map(params_from_iter(args.iter()), |r| case_item(r, now))?.collect::<Result<Vec<_>, _>>()?;
    Ok(CasePage { items, total })
}

/// A case on the map: its list row and its WGS-84 position.
#[derive(Debug, Clone, PartialEq)]
pub struct CasePin {
    pub item: CaseListItem,
    pub lat: f64,
    pub lon: f64,
}

/// Every case of a filter that has a position (paging ignored), newest
/// first, at most `cap`.
pub fn case_pins(
    conn: &Connection,
    viewer: Option<&Viewer>,
    f: &CaseFilter,
    now: Millis,
    cap: u32,
) -> Result<Vec<CasePin>, StoreError> {
    let (filter, args) = case_filter(viewer, f, now);
    let filter = if filter.is_empty() { "WHERE".to_owned() } else { format!("{filter} AND") };
    let sql = format!(
        "SELECT c.id, c.title, c.grid, c.category, c.status, c.severity, c.address, c.reporter, c.department,
                c.created_at, c.updated_at, c.sla_warn_at, c.sla_deadline, c.lookback_due, c.thumb, c.photo_count,
                {SYNCED_SQL}, c.lat, c.lon
         FROM cases c {filter} c.lat IS NOT NULL AND c.lon IS NOT NULL
         ORDER BY c.updated_at DESC, c.id LIMIT {cap}"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let pins = stmt
        .query_map(params_from_iter(args.iter()), |r| {
            Ok(CasePin { item: case_item(r, now)?, lat: r.get(17)?, lon: r.get(18)? })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(pins)
}

/// The cases of `category` the duplicate hint may show, with positions:
/// open ones, and closed ones whose look-back is still ahead (`relapse`).
pub fn hint_candidates(
    conn: &Connection,
    viewer: Option<&Viewer>,
    category: &str,
    now: Millis,
) -> Result<Vec<(CaseListItem, f64, f64)>, StoreError> {
    let mut args: Vec<Value> = vec![Value::Text(category.to_owned()), Value::Integer(now)];
    let scope = viewer_clause(viewer, "c", true, &mut args).unwrap_or_else(|| "1".into());
    let sql = format!(
        "SELECT c.id, c.title, c.grid, c.category, c.status, c.severity, c.address, c.reporter, c.department,
                c.created_at, c.updated_at, c.sla_warn_at, c.sla_deadline, c.lookback_due, c.thumb, c.photo_count,
                {SYNCED_SQL}, c.lat, c.lon
         FROM cases c
         WHERE c.category = ?1 AND c.lat IS NOT NULL AND c.lon IS NOT NULL AND {scope}
           AND (c.status NOT IN ('closed', 'deferred', 'voided')
                OR (c.status = 'closed' AND c.lookback_due IS NOT NULL AND c.lookback_due > ?2))"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt
        .query_map(params_from_iter(args.iter()), |r| Ok((case_item(r, now)?, r.get(17)?, r.get(18)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

fn sla_state(warn_at: Option<Millis>, deadline: Option<Millis>, now: Millis) -> Option<SlaState> {
    match (warn_at, deadline) {
        (Some(w), Some(d)) => Some(if now < w {
            SlaState::Green
        } else if now <= d {
            SlaState::Yellow
        } else {
            SlaState::Red
        }),
        _ => None,
    }
}

fn case_item(r: &Row<'_>, now: Millis) -> rusqlite::Result<CaseListItem> {
    let warn_at: Option<Millis> = r.get(11)?;
    let deadline: Option<Millis> = r.get(12)?;
    Ok(CaseListItem {
        id: r.get(0)?,
        title: r.get(1)?,
        grid: r.get(2)?,
        category: r.get(3)?,
        status: parse_enum(&r.get::<_, String>(4)?)?,
        severity: parse_enum(&r.get::<_, String>(5)?)?,
        address: r.get(6)?,
        reporter: r.get(7)?,
        department: r.get(8)?,
        created_at: r.get(9)?,
        updated_at: r.get(10)?,
        sla_state: sla_state(warn_at, deadline, now),
        sla_deadline: deadline,
        lookback_due: r.get(13)?,
        thumb: r.get(14)?,
        photo_count: r.get(15)?,
        synced: r.get(16)?,
    })
}

/// Whether a document and all its blobs are confirmed by the server.
pub fn is_synced(conn: &Connection, id: &str) -> Result<bool, StoreError> {
    let sql = format!("SELECT {SYNCED_SQL} FROM (SELECT ?1 AS id) c");
    Ok(conn.prepare_cached(&sql)?.query_row([id], |r| r.get(0))?)
}

/// Per-grid figures for the overview, from the index alone.
pub fn grid_stats(conn: &Connection, viewer: Option<&Viewer>, now: Millis) -> Result<Vec<GridStats>, StoreError> {
    let week_ago = now - 7 * DAY;
    let open: Vec<&str> = [
        CaseStatus::Reported,
        CaseStatus::Escalated,
        CaseStatus::Accepted,
        CaseStatus::Dispatched,
        CaseStatus::Handled,
        CaseStatus::Verified,
        CaseStatus::Rework,
        CaseStatus::Relapsed,
    ]
    .iter()
    .map(|s| s.as_str())
    .collect();
    let open_list = open.iter().map(|s| format!("'{s}'")).collect::<Vec<_>>().join(",");
    let mut args: Vec<Value> = vec![Value::Integer(now), Value::Integer(week_ago)];
    let where_ = viewer_clause(viewer, "c", true, &mut args).unwrap_or_else(|| "1".into());
    let sql = format!(
        "SELECT grid,
            SUM(status IN ({open_list})),
            SUM(status IN ({open_list}) AND sla_warn_at <= ?1 AND sla_deadline >= ?1),
            SUM(status IN ({open_list}) AND sla_deadline < ?1),
            SUM(status = 'closed' AND updated_at >= ?2),
            SUM(created_at >= ?2)
         FROM cases c WHERE {where_} GROUP BY grid ORDER BY grid"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params_from_iter(args.iter()), |r| {
        let (yellow, red): (u32, u32) = (r.get(2)?, r.get(3)?);
        Ok(GridStats {
            grid: r.get(0)?,
            open: r.get(1)?,
            yellow,
            red,
            closed_this_week: r.get(4)?,
            reported_this_week: r.get(5)?,
            rating: if red > 0 {
                SlaState::Red
            } else if yellow > 0 {
                SlaState::Yellow
            } else {
                SlaState::Green
            },
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
