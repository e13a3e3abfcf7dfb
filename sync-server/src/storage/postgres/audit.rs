//! The audit log and the state digest in PostgreSQL.

use sha2::{Digest, Sha256};
use tokio_postgres::{Client, GenericClient};

use crate::storage::{AuditEntry, AuditQuery, StateDigest, StorageError};

pub(super) async fn write(c: &impl GenericClient, e: &AuditEntry) -> Result<(), StorageError> {
    c.execute(
        "INSERT INTO audit (at, user_id, device_id, addr, action, subject, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[&e.at, &e.user_id, &e.device_id, &e.addr, &e.action, &e.subject, &e.detail],
    )
    .await?;
    Ok(())
}

pub(super) async fn query(c: &Client, q: &AuditQuery) -> Result<Vec<AuditEntry>, StorageError> {
    let rows = c
        .query(
            "SELECT at, user_id, device_id, addr, action, subject, detail FROM audit
             WHERE ($1::TEXT IS NULL OR user_id = $1) AND ($2::TEXT IS NULL OR device_id = $2)
               AND ($3::BIGINT IS NULL OR at >= $3) AND ($4::BIGINT IS NULL OR at < $4)
               AND ($5::TEXT IS NULL OR starts_with(action, $5))
             ORDER BY at DESC, id DESC LIMIT $6 OFFSET $7",
            &[
                &q.user_id,
                &q.device_id,
                &q.since,
                &q.until,
                &q.action_prefix,
                &i64::from(q.limit.max(1)),
                &i64::from(q.offset),
            ],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(AuditEntry {
                at: r.try_get(0)?,
                user_id: r.try_get(1)?,
                device_id: r.try_get(2)?,
                addr: r.try_get(3)?,
                action: r.try_get(4)?,
                subject: r.try_get(5)?,
                detail: r.try_get(6)?,
            })
        })
        .collect()
}

async fn count(c: &Client, sql: &str) -> Result<u64, StorageError> {
    Ok(c.query_one(sql, &[]).await?.try_get::<_, i64>(0)? as u64)
}

pub(super) async fn digest(c: &Client) -> Result<StateDigest, StorageError> {
    let mut creds = Sha256::new();
    for r in c
        .query("SELECT user_id, username, password_hash, disabled, must_change FROM credentials ORDER BY user_id", &[])
        .await?
    {
        for i in 0..3 {
            creds.update(r.try_get::<_, &str>(i)?.as_bytes());
            creds.update([0]);
        }
        creds.update([r.try_get::<_, bool>(3)? as u8, r.try_get::<_, bool>(4)? as u8]);
    }
    Ok(StateDigest {
        seq: count(c, "SELECT value FROM seq").await?,
        docs: count(c, "SELECT COUNT(*) FROM docs").await?,
        changes: count(c, "SELECT COUNT(*) FROM changes").await?,
        change_bytes: count(c, "SELECT COALESCE(SUM(length(bytes)), 0)::BIGINT FROM changes").await?,
        devices: count(c, "SELECT COUNT(*) FROM devices").await?,
        tokens: count(c, "SELECT COUNT(*) FROM tokens").await?,
        live_tokens: count(c, "SELECT COUNT(*) FROM tokens WHERE revoked_at IS NULL").await?,
        credentials: hex::encode(creds.finalize()),
        blobs: count(c, "SELECT COUNT(*) FROM blobs").await?,
        uploads: count(c, "SELECT COUNT(*) FROM uploads").await?,
        receipts: count(c, "SELECT COUNT(*) FROM receipts").await?,
        audit: count(c, "SELECT COUNT(*) FROM audit").await?,
        reference_version: count(c, "SELECT COALESCE(MAX(version), 0) FROM reference").await?,
    })
}
