//! The audit log and the state digest in SQLite.

use rusqlite::{Connection, params};
use sha2::{Digest, Sha256};

use crate::storage::{AuditEntry, AuditQuery, StateDigest, StorageError};

pub(super) fn write(c: &Connection, e: &AuditEntry) -> Result<(), StorageError> {
    c.prepare_cached(
        "INSERT INTO audit (at, user_id, device_id, addr, action, subject, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![e.at, e.user_id, e.device_id, e.addr, e.action, e.subject, e.detail])?;
    Ok(())
}

pub(super) fn query(c: &Connection, q: &AuditQuery) -> Result<Vec<AuditEntry>, StorageError> {
    let mut stmt = c.prepare_cached(
        "SELECT at, user_id, device_id, addr, action, subject, detail FROM audit
         WHERE (?1 IS NULL OR user_id = ?1) AND (?2 IS NULL OR device_id = ?2)
           AND (?3 IS NULL OR at >= ?3) AND (?4 IS NULL OR at < ?4)
           AND (?5 IS NULL OR substr(action, 1, length(?5)) = ?5)
         ORDER BY at DESC, id DESC LIMIT ?6 OFFSET ?7",
    )?;
    let rows = stmt.query_map(
        params![q.user_id, q.device_id, q.since, q.until, q.action_prefix, q.limit.max(1), q.offset],
        |r| {
            Ok(AuditEntry {
                at: r.get(0)?,
                user_id: r.get(1)?,
                device_id: r.get(2)?,
                addr: r.get(3)?,
                action: r.get(4)?,
                subject: r.get(5)?,
                detail: r.get(6)?,
            })
        },
    )?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

fn count(c: &Connection, sql: &str) -> Result<u64, StorageError> {
    Ok(c.query_row(sql, [], |r| r.get::<_, i64>(0))? as u64)
}

pub(super) fn digest(c: &Connection) -> Result<StateDigest, StorageError> {
    let mut creds = Sha256::new();
    let mut stmt =
        c.prepare("SELECT user_id, username, password_hash, disabled, must_change FROM credentials ORDER BY user_id")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        for i in 0..3 {
            creds.update(r.get::<_, String>(i)?.as_bytes());
            creds.update([0]);
        }
        creds.update([r.get::<_, bool>(3)? as u8, r.get::<_, bool>(4)? as u8]);
    }
    Ok(StateDigest {
        seq: count(c, "SELECT value FROM seq")?,
        docs: count(c, "SELECT COUNT(*) FROM docs")?,
        changes: count(c, "SELECT COUNT(*) FROM changes")?,
        change_bytes: count(c, "SELECT COALESCE(SUM(length(bytes)), 0) FROM changes")?,
        devices: count(c, "SELECT COUNT(*) FROM devices")?,
        tokens: count(c, "SELECT COUNT(*) FROM tokens")?,
        live_tokens: count(c, "SELECT COUNT(*) FROM tokens WHERE revoked_at IS NULL")?,
        credentials: hex::encode(creds.finalize()),
        blobs: count(c, "SELECT COUNT(*) FROM blobs")?,
        uploads: count(c, "SELECT COUNT(*) FROM uploads")?,
        receipts: count(c, "SELECT COUNT(*) FROM receipts")?,
        audit: count(c, "SELECT COUNT(*) FROM audit")?,
        reference_version: count(c, "SELECT COALESCE(MAX(version), 0) FROM reference")?,
    })
}
