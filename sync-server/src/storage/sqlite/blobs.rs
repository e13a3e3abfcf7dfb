//! Photo records and uploads in progress in SQLite.

use gridpatrol_core::model::Scope;
use gridpatrol_core::time::Millis;
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::audit;
use super::docs::scope_clause;
use crate::storage::{AuditEntry, BlobRecord, StorageError, Upload};

pub(super) fn visible(c: &Connection, hash: &str, scope: &Scope) -> Result<bool, StorageError> {
    let (clause, arg) = scope_clause(scope, 2);
    let sql =
        format!("SELECT EXISTS (SELECT 1 FROM doc_blobs b JOIN docs d ON d.id = b.doc_id WHERE b.hash = ?1 {clause})");
    let mut stmt = c.prepare_cached(&sql)?;
    let visible: bool = match &arg {
        Some(a) => stmt.query_row(params![hash, a], |r| r.get(0))?,
        None => stmt.query_row(params![hash], |r| r.get(0))?,
    };
    Ok(visible)
}

fn blob_row(r: &Row<'_>) -> rusqlite::Result<BlobRecord> {
    Ok(BlobRecord {
        hash: r.get(0)?,
        bytes: r.get::<_, i64>(1)? as u64,
        width: r.get(2)?,
        height: r.get(3)?,
        user_id: r.get(4)?,
        device_id: r.get(5)?,
        completed_at: r.get(6)?,
    })
}

pub(super) fn get(c: &Connection, hash: &str) -> Result<Option<BlobRecord>, StorageError> {
    Ok(c.prepare_cached(
        "SELECT hash, bytes, width, height, user_id, device_id, completed_at FROM blobs WHERE hash = ?1",
    )?
    .query_row([hash], blob_row)
    .optional()?)
}

pub(super) fn put(c: &mut Connection, b: &BlobRecord, entry: &AuditEntry) -> Result<(), StorageError> {
    let tx = c.transaction()?;
    tx.prepare_cached(
        "INSERT INTO blobs (hash, bytes, width, height, user_id, device_id, completed_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (hash) DO NOTHING",
    )?
    .execute(params![b.hash, b.bytes as i64, b.width, b.height, b.user_id, b.device_id, b.completed_at])?;
    tx.prepare_cached("DELETE FROM uploads WHERE device_id = ?1 AND hash = ?2")?
        .execute(params![b.device_id, b.hash])?;
    audit::write(&tx, entry)?;
    tx.commit()?;
    Ok(())
}

pub(super) fn forget(c: &Connection, hash: &str) -> Result<(), StorageError> {
    c.prepare_cached("DELETE FROM blobs WHERE hash = ?1")?.execute([hash])?;
    Ok(())
}

pub(super) fn hashes(c: &Connection, after: &str, limit: u32) -> Result<Vec<String>, StorageError> {
    let mut stmt = c.prepare_cached("SELECT hash FROM blobs WHERE hash > ?1 ORDER BY hash LIMIT ?2")?;
    Ok(stmt.query_map(params![after, limit], |r| r.get(0))?.collect::<Result<Vec<_>, _>>()?)
}

pub(super) fn wanted(c: &Connection, scope: &Scope, limit: u32) -> Result<Vec<String>, StorageError> {
    let (clause, arg) = scope_clause(scope, 2);
    let sql = format!(
        "SELECT DISTINCT b.hash FROM doc_blobs b JOIN docs d ON d.id = b.doc_id
         WHERE NOT EXISTS (SELECT 1 FROM blobs x WHERE x.hash = b.hash) {clause} ORDER BY b.hash LIMIT ?1"
    );
    let mut stmt = c.prepare_cached(&sql)?;
    let rows = match &arg {
        Some(a) => stmt.query_map(params![limit, a], |r| r.get(0))?.collect::<Result<Vec<_>, _>>()?,
        None => stmt.query_map(params![limit], |r| r.get(0))?.collect::<Result<Vec<_>, _>>()?,
    };
    Ok(rows)
}

fn upload_row(r: &Row<'_>) -> rusqlite::Result<Upload> {
    Ok(Upload {
        device_id: r.get(0)?,
        hash: r.get(1)?,
        user_id: r.get(2)?,
        total: r.get::<_, i64>(3)? as u64,
        started_at: r.get(4)?,
        updated_at: r.get(5)?,
    })
}

const UPLOAD_COLUMNS: &str = "device_id, hash, user_id, total, started_at, updated_at";

pub(super) fn upload(c: &Connection, device_id: &str, hash: &str) -> Result<Option<Upload>, StorageError> {
    Ok(c.query_row(
        &format!("SELECT {UPLOAD_COLUMNS} FROM uploads WHERE device_id = ?1 AND hash = ?2"),
        params![device_id, hash],
        upload_row,
    )
    .optional()?)
}

pub(super) fn put_upload(c: &Connection, u: &Upload) -> Result<(), StorageError> {
    c.prepare_cached(
        "INSERT INTO uploads (device_id, hash, user_id, total, started_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (device_id, hash) DO UPDATE SET updated_at = excluded.updated_at",
    )?
    .execute(params![u.device_id, u.hash, u.user_id, u.total as i64, u.started_at, u.updated_at])?;
    Ok(())
}

pub(super) fn delete_upload(c: &Connection, device_id: &str, hash: &str) -> Result<(), StorageError> {
    c.prepare_cached("DELETE FROM uploads WHERE device_id = ?1 AND hash = ?2")?.execute(params![device_id, hash])?;
    Ok(())
}

pub(super) fn stale_uploads(c: &Connection, before: Millis, limit: u32) -> Result<Vec<Upload>, StorageError> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {UPLOAD_COLUMNS} FROM uploads WHERE updated_at < ?1 ORDER BY updated_at LIMIT ?2"
    ))?;
    Ok(stmt.query_map(params![before, limit], upload_row)?.collect::<Result<Vec<_>, _>>()?)
}

pub(super) fn usage(c: &Connection, user_id: &str) -> Result<u64, StorageError> {
    let n: i64 = c
        .prepare_cached(
            "SELECT (SELECT COALESCE(SUM(bytes), 0) FROM blobs WHERE user_id = ?1)
              + (SELECT COALESCE(SUM(total), 0) FROM uploads WHERE user_id = ?1)",
        )?
        .query_row([user_id], |r| r.get(0))?;
    Ok(n as u64)
}
