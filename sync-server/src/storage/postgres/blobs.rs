//! Photo records and uploads in progress in PostgreSQL.

use gridpatrol_core::model::Scope;
use gridpatrol_core::time::Millis;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, Row};

use super::audit;
use super::docs::scope_clause;
use crate::storage::{AuditEntry, BlobRecord, StorageError, Upload};

pub(super) async fn visible(c: &Client, hash: &str, scope: &Scope) -> Result<bool, StorageError> {
    let (clause, arg) = scope_clause(scope, 2);
    let sql =
        format!("SELECT EXISTS (SELECT 1 FROM doc_blobs b JOIN docs d ON d.id = b.doc_id WHERE b.hash = $1 {clause})");
    let mut params: Vec<&(dyn ToSql + Sync)> = vec![&hash];
    if let Some(a) = &arg {
        params.push(a.as_ref());
    }
    Ok(c.query_one(&sql, &params).await?.try_get(0)?)
}

fn blob_row(r: &Row) -> Result<BlobRecord, StorageError> {
    Ok(BlobRecord {
        hash: r.try_get(0)?,
        bytes: r.try_get::<_, i64>(1)? as u64,
        width: r.try_get::<_, i32>(2)? as u32,
        height: r.try_get::<_, i32>(3)? as u32,
        user_id: r.try_get(4)?,
        device_id: r.try_get(5)?,
        completed_at: r.try_get(6)?,
    })
}

pub(super) async fn get(c: &Client, hash: &str) -> Result<Option<BlobRecord>, StorageError> {
    let row = c
        .query_opt(
            "SELECT hash, bytes, width, height, user_id, device_id, completed_at FROM blobs WHERE hash = $1",
            &[&hash],
        )
        .await?;
    row.as_ref().map(blob_row).transpose()
}

pub(super) async fn put(c: &mut Client, b: &BlobRecord, entry: &AuditEntry) -> Result<(), StorageError> {
    let tx = c.transaction().await?;
    tx.execute(
        "INSERT INTO blobs (hash, bytes, width, height, user_id, device_id, completed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (hash) DO NOTHING",
        &[&b.hash, &(b.bytes as i64), &(b.width as i32), &(b.height as i32), &b.user_id, &b.device_id, &b.completed_at],
    )
    .await?;
    tx.execute("DELETE FROM uploads WHERE device_id = $1 AND hash = $2", &[&b.device_id, &b.hash]).await?;
    audit::write(&tx, entry).await?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn forget(c: &Client, hash: &str) -> Result<(), StorageError> {
    c.execute("DELETE FROM blobs WHERE hash = $1", &[&hash]).await?;
    Ok(())
}

pub(super) async fn hashes(c: &Client, after: &str, limit: u32) -> Result<Vec<String>, StorageError> {
    let rows =
        c.query("SELECT hash FROM blobs WHERE hash > $1 ORDER BY hash LIMIT $2", &[&after, &i64::from(limit)]).await?;
    rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
}

pub(super) async fn wanted(c: &Client, scope: &Scope, limit: u32) -> Result<Vec<String>, StorageError> {
    let (clause, arg) = scope_clause(scope, 2);
    let sql = format!(
        "SELECT DISTINCT b.hash FROM doc_blobs b JOIN docs d ON d.id = b.doc_id
         WHERE NOT EXISTS (SELECT 1 FROM blobs x WHERE x.hash = b.hash) {clause} ORDER BY b.hash LIMIT $1"
    );
    let limit = i64::from(limit);
    let mut params: Vec<&(dyn ToSql + Sync)> = vec![&limit];
    if let Some(a) = &arg {
        params.push(a.as_ref());
    }
    c.query(&sql, &params).await?.iter().map(|r| Ok(r.try_get(0)?)).collect()
}

fn upload_row(r: &Row) -> Result<Upload, StorageError> {
    Ok(Upload {
        device_id: r.try_get(0)?,
        hash: r.try_get(1)?,
        user_id: r.try_get(2)?,
        total: r.try_get::<_, i64>(3)? as u64,
        started_at: r.try_get(4)?,
        updated_at: r.try_get(5)?,
    })
}

const UPLOAD_COLUMNS: &str = "device_id, hash, user_id, total, started_at, updated_at";

pub(super) async fn upload(c: &Client, device_id: &str, hash: &str) -> Result<Option<Upload>, StorageError> {
    let row = c
        .query_opt(
            &format!("SELECT {UPLOAD_COLUMNS} FROM uploads WHERE device_id = $1 AND hash = $2"),
            &[&device_id, &hash],
        )
        .await?;
    row.as_ref().map(upload_row).transpose()
}

pub(super) async fn put_upload(c: &Client, u: &Upload) -> Result<(), StorageError> {
    c.execute(
        "INSERT INTO uploads (device_id, hash, user_id, total, started_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (device_id, hash) DO UPDATE SET updated_at = excluded.updated_at",
        &[&u.device_id, &u.hash, &u.user_id, &(u.total as i64), &u.started_at, &u.updated_at],
    )
    .await?;
    Ok(())
}

pub(super) async fn delete_upload(c: &Client, device_id: &str, hash: &str) -> Result<(), StorageError> {
    c.execute("DELETE FROM uploads WHERE device_id = $1 AND hash = $2", &[&device_id, &hash]).await?;
    Ok(())
}

pub(super) async fn stale_uploads(c: &Client, before: Millis, limit: u32) -> Result<Vec<Upload>, StorageError> {
    let rows = c
        .query(
            &format!("SELECT {UPLOAD_COLUMNS} FROM uploads WHERE updated_at < $1 ORDER BY updated_at LIMIT $2"),
            &[&before, &i64::from(limit)],
        )
        .await?;
    rows.iter().map(upload_row).collect()
}

pub(super) async fn usage(c: &Client, user_id: &str) -> Result<u64, StorageError> {
    let n: i64 = c
        .query_one(
            "SELECT ((SELECT COALESCE(SUM(bytes), 0) FROM blobs WHERE user_id = $1)
                   + (SELECT COALESCE(SUM(total), 0) FROM uploads WHERE user_id = $1))::BIGINT",
            &[&user_id],
        )
        .await?
        .try_get(0)?;
    Ok(n as u64)
}
