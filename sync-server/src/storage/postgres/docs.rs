//! Documents in PostgreSQL: commits, the change log, the index, snapshots.

use gridpatrol_core::model::Scope;
use gridpatrol_core::time::Millis;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, Row};

use super::audit;
use crate::storage::{
    CommitOutcome, CommitRef, DocMeta, DocWrite, PulledChange, StorageError, StoredDoc, kind_str, new_tag, parse_kind,
};

const META_COLUMNS: &str = "d.id, d.kind, d.grid, d.seq, d.created_seq, d.bytes,
    (SELECT string_agg(department, chr(31)) FROM doc_departments WHERE doc_id = d.id)";

fn doc_meta(r: &Row) -> Result<DocMeta, StorageError> {
    let depts: Option<String> = r.try_get(6)?;
    Ok(DocMeta {
        id: r.try_get(0)?,
        kind: parse_kind(r.try_get(1)?)?,
        grid: r.try_get(2)?,
        seq: r.try_get::<_, i64>(3)? as u64,
        created_seq: r.try_get::<_, i64>(4)? as u64,
        bytes: r.try_get::<_, i64>(5)? as u64,
        departments: depts.map(|d| d.split('\u{1f}').map(str::to_owned).collect()).unwrap_or_default(),
    })
}

/// The SQL restricting documents `d` to a scope, with its one parameter.
pub(super) fn scope_clause(scope: &Scope, n: usize) -> (String, Option<Box<dyn ToSql + Sync + Send>>) {
    match scope {
        Scope::All => (String::new(), None),
        Scope::Grids { grids } => {
            let v: Vec<String> = grids.iter().cloned().collect();
            (format!("AND d.grid = ANY(${n}::text[])"), Some(Box::new(v)))
        }
        Scope::Department { department } => (
            format!("AND d.kind = 'case' AND d.id IN (SELECT doc_id FROM doc_departments WHERE department = ${n})"),
            Some(Box::new(department.clone())),
        ),
    }
}

pub(super) async fn metas(c: &Client, ids: &[String]) -> Result<Vec<DocMeta>, StorageError> {
    let sql = format!("SELECT {META_COLUMNS} FROM docs d WHERE d.id = ANY($1::text[])");
    c.query(&sql, &[&ids]).await?.iter().map(doc_meta).collect()
}

pub(super) async fn load(c: &Client, id: &str) -> Result<Option<StoredDoc>, StorageError> {
    let sql = format!("SELECT {META_COLUMNS}, d.snapshot, d.snapshot_seq FROM docs d WHERE d.id = $1");
    let Some(r) = c.query_opt(&sql, &[&id]).await? else { return Ok(None) };
    let meta = doc_meta(&r)?;
    let mut bytes: Vec<u8> = r.try_get::<_, Option<Vec<u8>>>(7)?.unwrap_or_default();
    let snapshot_seq: i64 = r.try_get(8)?;
    let rows =
        c.query("SELECT bytes FROM changes WHERE doc_id = $1 AND seq > $2 ORDER BY seq", &[&id, &snapshot_seq]).await?;
    for row in rows {
        bytes.extend_from_slice(row.try_get::<_, &[u8]>(0)?);
    }
    Ok(Some(StoredDoc { meta, bytes }))
}

/// Commits several documents in one transaction, a savepoint each: a
/// conflict undoes only its own document.
pub(super) async fn commit(c: &mut Client, writes: &[DocWrite]) -> Result<Vec<CommitOutcome>, StorageError> {
    let mut tx = c.transaction().await?;
    let mut outcomes = Vec::with_capacity(writes.len());
    for w in writes {
        let sp = tx.savepoint("doc").await?;
        match commit_one(&sp, w).await? {
            CommitOutcome::Conflict => {
                sp.rollback().await?;
                outcomes.push(CommitOutcome::Conflict);
            }
            done => {
                sp.commit().await?;
                outcomes.push(done);
            }
        }
    }
    tx.commit().await?;
    Ok(outcomes)
}

/// One document's commit. The sequence row is locked first, so commits are
/// serialised and sequence order is commit order.
async fn commit_one(tx: &tokio_postgres::Transaction<'_>, w: &DocWrite) -> Result<CommitOutcome, StorageError> {
    let seq: i64 = tx.query_one("UPDATE seq SET value = value + 1 WHERE id = 1 RETURNING value", &[]).await?.get(0);
    let kind = kind_str(w.kind);
    let claimed = match w.expected_seq {
        None => {
            tx.execute(
                "INSERT INTO docs (id, kind, grid, status, seq, created_seq) VALUES ($1, $2, $3, $4, $5, $5)
                 ON CONFLICT (id) DO NOTHING",
                &[&w.id, &kind, &w.grid, &w.status, &seq],
            )
            .await?
        }
        Some(expected) => {
            tx.execute(
                "UPDATE docs SET grid = $2, status = $3, seq = $4 WHERE id = $1 AND seq = $5",
                &[&w.id, &w.grid, &w.status, &seq, &(expected as i64)],
            )
            .await?
        }
    };
    if claimed == 0 {
        return Ok(CommitOutcome::Conflict);
    }
    let tag = new_tag();
    tx.execute("INSERT INTO commits (seq, tag) VALUES ($1, $2)", &[&seq, &(tag as i64)]).await?;
    let insert = tx
        .prepare("INSERT INTO changes (doc_id, hash, seq, bytes) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING")
        .await?;
    let (mut inserted, mut bytes) = (0i32, 0i64);
    for (hash, b) in &w.changes {
        let n = tx.execute(&insert, &[&w.id, &&hash[..], &seq, b]).await?;
        inserted += n as i32;
        bytes += n as i64 * b.len() as i64;
    }
    tx.execute(
        "UPDATE docs SET pending_changes = pending_changes + $2, bytes = bytes + $3 WHERE id = $1",
        &[&w.id, &inserted, &bytes],
    )
    .await?;
    tx.execute("DELETE FROM doc_departments WHERE doc_id = $1", &[&w.id]).await?;
    for d in &w.departments {
        tx.execute(
            "INSERT INTO doc_departments (doc_id, department) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            &[&w.id, d],
        )
        .await?;
    }
    for b in &w.blobs {
        tx.execute("INSERT INTO doc_blobs (doc_id, hash) VALUES ($1, $2) ON CONFLICT DO NOTHING", &[&w.id, b]).await?;
    }
    let received = w.audit.at;
    for r in &w.receipts {
        tx.execute(
            "INSERT INTO receipts (doc_id, event_id, received_at, user_id, device_id, device_at)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
            &[&w.id, &r.event_id, &received, &w.audit.user_id, &w.audit.device_id, &r.device_at],
        )
        .await?;
    }
    audit::write(tx, &w.audit).await?;
    Ok(CommitOutcome::Committed(CommitRef { seq: seq as u64, tag }))
}

pub(super) async fn head(c: &Client) -> Result<CommitRef, StorageError> {
    let seq: i64 = c.query_one("SELECT value FROM seq WHERE id = 1", &[]).await?.try_get(0)?;
    Ok(CommitRef { seq: seq as u64, tag: commit_tag(c, seq as u64).await?.unwrap_or(0) })
}

pub(super) async fn commit_tag(c: &Client, seq: u64) -> Result<Option<u64>, StorageError> {
    let row = c.query_opt("SELECT tag FROM commits WHERE seq = $1", &[&(seq as i64)]).await?;
    row.map(|r| Ok(r.try_get::<_, i64>(0)? as u64)).transpose()
}

pub(super) async fn changed_since(
    c: &Client,
    cursor: u64,
    upto: u64,
    scope: &Scope,
    limit: u32,
) -> Result<Vec<DocMeta>, StorageError> {
    let (clause, arg) = scope_clause(scope, 4);
    let sql =
        format!("SELECT {META_COLUMNS} FROM docs d WHERE d.seq > $1 AND d.seq <= $2 {clause} ORDER BY d.seq LIMIT $3");
    let (cursor, upto, limit) = (cursor as i64, upto as i64, i64::from(limit));
    let mut params: Vec<&(dyn ToSql + Sync)> = vec![&cursor, &upto, &limit];
    if let Some(a) = &arg {
        params.push(a.as_ref());
    }
    c.query(&sql, &params).await?.iter().map(doc_meta).collect()
}

pub(super) async fn changes_since(c: &Client, ids: &[String], cursor: u64) -> Result<Vec<PulledChange>, StorageError> {
    let rows = c
        .query(
            "SELECT doc_id, hash, bytes FROM changes WHERE doc_id = ANY($1::text[]) AND seq > $2 ORDER BY doc_id, seq",
            &[&ids, &(cursor as i64)],
        )
        .await?;
    rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?))).collect()
}

pub(super) async fn receipts(c: &Client, doc_id: &str) -> Result<Vec<(String, Millis)>, StorageError> {
    let rows =
        c.query("SELECT event_id, received_at FROM receipts WHERE doc_id = $1 ORDER BY event_id", &[&doc_id]).await?;
    rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
}

pub(super) async fn compaction_candidates(
    c: &Client,
    min_changes: u32,
    limit: u32,
) -> Result<Vec<String>, StorageError> {
    let rows = c
        .query(
            "SELECT id FROM docs WHERE pending_changes >= $1 ORDER BY pending_changes DESC LIMIT $2",
            &[&(min_changes as i32), &i64::from(limit)],
        )
        .await?;
    rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
}

pub(super) async fn put_snapshot(c: &Client, id: &str, snapshot: &[u8], upto_seq: u64) -> Result<(), StorageError> {
    c.execute(
        "UPDATE docs SET snapshot = $2, snapshot_seq = $3,
            pending_changes = (SELECT COUNT(*) FROM changes WHERE doc_id = $1 AND seq > $3)
         WHERE id = $1 AND snapshot_seq < $3",
        &[&id, &snapshot, &(upto_seq as i64)],
    )
    .await?;
    Ok(())
}
