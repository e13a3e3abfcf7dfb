//! Documents in SQLite: commits, the change log, the index and snapshots.

use gridpatrol_core::model::Scope;
use gridpatrol_core::time::Millis;
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::audit;
use crate::storage::{
    CommitOutcome, CommitRef, DocMeta, DocWrite, PulledChange, StorageError, StoredDoc, kind_str, new_tag, parse_kind,
};

const META_COLUMNS: &str = "d.id, d.kind, d.grid, d.seq, d.created_seq, d.bytes,
    (SELECT group_concat(department, char(31)) FROM doc_departments WHERE doc_id = d.id)";

fn doc_meta(r: &Row<'_>) -> Result<DocMeta, StorageError> {
    let depts: Option<String> = r.get(6)?;
    Ok(DocMeta {
        id: r.get(0)?,
        kind: parse_kind(&r.get::<_, String>(1)?)?,
        grid: r.get(2)?,
        seq: r.get::<_, i64>(3)? as u64,
        created_seq: r.get::<_, i64>(4)? as u64,
        bytes: r.get::<_, i64>(5)? as u64,
        departments: depts.map(|d| d.split('\u{1f}').map(str::to_owned).collect()).unwrap_or_default(),
    })
}

/// The SQL restricting documents `d` to a scope, with its one parameter
/// (if any) numbered `?{n}`.
pub(super) fn scope_clause(scope: &Scope, n: usize) -> (String, Option<String>) {
    match scope {
        Scope::All => (String::new(), None),
        Scope::Grids { grids } => (
            format!("AND d.grid IN (SELECT value FROM json_each(?{n}))"),
            Some(serde_json::to_string(grids).unwrap_or_else(|_| "[]".into())),
        ),
        Scope::Department { department } => (
            format!("AND d.kind = 'case' AND d.id IN (SELECT doc_id FROM doc_departments WHERE department = ?{n})"),
            Some(department.clone()),
        ),
    }
}

pub(super) fn metas(c: &Connection, ids_json: &str) -> Result<Vec<DocMeta>, StorageError> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {META_COLUMNS} FROM docs d WHERE d.id IN (SELECT value FROM json_each(?1))"
    ))?;
    let mut rows = stmt.query([ids_json])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(doc_meta(r)?);
    }
    Ok(out)
}

pub(super) fn load(c: &Connection, id: &str) -> Result<Option<StoredDoc>, StorageError> {
    let mut stmt =
        c.prepare_cached(&format!("SELECT {META_COLUMNS}, d.snapshot, d.snapshot_seq FROM docs d WHERE d.id = ?1"))?;
    let mut rows = stmt.query([id])?;
    let Some(r) = rows.next()? else { return Ok(None) };
    let meta = doc_meta(r)?;
    let mut bytes: Vec<u8> = r.get::<_, Option<Vec<u8>>>(7)?.unwrap_or_default();
    let snapshot_seq: i64 = r.get(8)?;
    let mut stmt = c.prepare_cached("SELECT bytes FROM changes WHERE doc_id = ?1 AND seq > ?2 ORDER BY seq")?;
    let mut rows = stmt.query(params![id, snapshot_seq])?;
    while let Some(r) = rows.next()? {
        bytes.extend_from_slice(r.get_ref(0)?.as_blob().map_err(rusqlite::Error::from)?);
    }
    Ok(Some(StoredDoc { meta, bytes }))
}

/// Commits several documents in one transaction (one fsync).
pub(super) fn commit(c: &mut Connection, writes: &[DocWrite]) -> Result<Vec<CommitOutcome>, StorageError> {
    let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let outcomes = writes.iter().map(|w| commit_one(&tx, w)).collect::<Result<Vec<_>, _>>()?;
    tx.commit()?;
    Ok(outcomes)
}

/// One document's commit inside the batch's transaction.
fn commit_one(tx: &rusqlite::Transaction<'_>, w: &DocWrite) -> Result<CommitOutcome, StorageError> {
    let current: Option<i64> =
        tx.prepare_cached("SELECT seq FROM docs WHERE id = ?1")?.query_row([&w.id], |r| r.get(0)).optional()?;
    if current.map(|s| s as u64) != w.expected_seq {
        return Ok(CommitOutcome::Conflict);
    }
    let seq: i64 = tx
        .prepare_cached("UPDATE seq SET value = value + 1 WHERE id = 1 RETURNING value")?
        .query_row([], |r| r.get(0))?;
    let tag = new_tag();
    tx.prepare_cached("INSERT INTO commits (seq, tag) VALUES (?1, ?2)")?.execute(params![seq, tag as i64])?;
    let (mut inserted, mut bytes) = (0i64, 0i64);
    let mut stmt = tx.prepare_cached(
        "INSERT INTO changes (doc_id, hash, seq, bytes) VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
    )?;
    for (hash, b) in &w.changes {
        let n = stmt.execute(params![w.id, &hash[..], seq, b])? as i64;
        inserted += n;
        bytes += n * b.len() as i64;
    }
    tx.prepare_cached(
        "INSERT INTO docs (id, kind, grid, status, seq, created_seq, pending_changes, bytes)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, ?7)
         ON CONFLICT (id) DO UPDATE SET grid = excluded.grid, status = excluded.status, seq = excluded.seq,
            pending_changes = pending_changes + excluded.pending_changes, bytes = bytes + excluded.bytes",
    )?
    .execute(params![w.id, kind_str(w.kind), w.grid, w.status, seq, inserted, bytes])?;
    tx.prepare_cached("DELETE FROM doc_departments WHERE doc_id = ?1")?.execute([&w.id])?;
    for d in &w.departments {
        tx.prepare_cached("INSERT OR IGNORE INTO doc_departments (doc_id, department) VALUES (?1, ?2)")?
            .execute(params![w.id, d])?;
    }
    for b in &w.blobs {
        tx.prepare_cached("INSERT OR IGNORE INTO doc_blobs (doc_id, hash) VALUES (?1, ?2)")?
            .execute(params![w.id, b])?;
    }
    let received = w.audit.at;
    for r in &w.receipts {
        tx.prepare_cached(
            "INSERT OR IGNORE INTO receipts (doc_id, event_id, received_at, user_id, device_id, device_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![w.id, r.event_id, received, w.audit.user_id, w.audit.device_id, r.device_at])?;
    }
    audit::write(tx, &w.audit)?;
    Ok(CommitOutcome::Committed(CommitRef { seq: seq as u64, tag }))
}

pub(super) fn head(c: &Connection) -> Result<CommitRef, StorageError> {
    let seq: i64 = c.prepare_cached("SELECT value FROM seq WHERE id = 1")?.query_row([], |r| r.get(0))?;
    let tag = commit_tag(c, seq as u64)?.unwrap_or(0);
    Ok(CommitRef { seq: seq as u64, tag })
}

pub(super) fn commit_tag(c: &Connection, seq: u64) -> Result<Option<u64>, StorageError> {
    Ok(c.prepare_cached("SELECT tag FROM commits WHERE seq = ?1")?
        .query_row([seq as i64], |r| r.get::<_, i64>(0))
        .optional()?
        .map(|t| t as u64))
}

pub(super) fn changed_since(
    c: &Connection,
    cursor: u64,
    upto: u64,
    scope: &Scope,
    limit: u32,
) -> Result<Vec<DocMeta>, StorageError> {
    let (clause, arg) = scope_clause(scope, 4);
    let sql =
        format!("SELECT {META_COLUMNS} FROM docs d WHERE d.seq > ?1 AND d.seq <= ?2 {clause} ORDER BY d.seq LIMIT ?3");
    let mut stmt = c.prepare_cached(&sql)?;
    let mut rows = match &arg {
        Some(a) => stmt.query(params![cursor as i64, upto as i64, limit, a])?,
        None => stmt.query(params![cursor as i64, upto as i64, limit])?,
    };
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(doc_meta(r)?);
    }
    Ok(out)
}

pub(super) fn changes_since(c: &Connection, ids_json: &str, cursor: u64) -> Result<Vec<PulledChange>, StorageError> {
    let mut stmt = c.prepare_cached(
        "SELECT doc_id, hash, bytes FROM changes
         WHERE doc_id IN (SELECT value FROM json_each(?1)) AND seq > ?2 ORDER BY doc_id, seq",
    )?;
    let rows = stmt.query_map(params![ids_json, cursor as i64], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

pub(super) fn receipts(c: &Connection, doc_id: &str) -> Result<Vec<(String, Millis)>, StorageError> {
    let mut stmt =
        c.prepare_cached("SELECT event_id, received_at FROM receipts WHERE doc_id = ?1 ORDER BY event_id")?;
    Ok(stmt.query_map([doc_id], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<Vec<_>, _>>()?)
}

pub(super) fn compaction_candidates(c: &Connection, min_changes: u32, limit: u32) -> Result<Vec<String>, StorageError> {
    let mut stmt =
        c.prepare_cached("SELECT id FROM docs WHERE pending_changes >= ?1 ORDER BY pending_changes DESC LIMIT ?2")?;
    Ok(stmt.query_map(params![min_changes, limit], |r| r.get(0))?.collect::<Result<Vec<_>, _>>()?)
}

pub(super) fn put_snapshot(c: &mut Connection, id: &str, snapshot: &[u8], upto_seq: u64) -> Result<(), StorageError> {
    let tx = c.transaction()?;
    tx.prepare_cached(
        "UPDATE docs SET snapshot = ?2, snapshot_seq = ?3,
            pending_changes = (SELECT COUNT(*) FROM changes WHERE doc_id = ?1 AND seq > ?3)
         WHERE id = ?1 AND snapshot_seq < ?3",
    )?
    .execute(params![id, snapshot, upto_seq as i64])?;
    tx.commit()?;
    Ok(())
}
