//! PostgreSQL storage, for several stateless server instances over one
//! database. Commits take the row lock of the one sequence counter first,
//! so sequence order is commit order and no reader skips a change.

use async_trait::async_trait;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use gridpatrol_core::model::{Reference, Scope};
use tokio_postgres::types::ToSql;
use tokio_postgres::{NoTls, Row};

use super::{
    AuditEntry, CommitOutcome, Credentials, Device, DocMeta, DocWrite, PulledChange, Storage, StorageError, StoredDoc,
};
use super::{kind_str, parse_kind};

const SCHEMA_VERSION: i64 = 1;

const SCHEMA: &str = r#"
CREATE TABLE reference (
    id      INT PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL,
    body    TEXT NOT NULL
);
CREATE TABLE credentials (
    user_id       TEXT PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    disabled      BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE TABLE devices (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL,
    name       TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    revoked    BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE TABLE seq (
    id    INT PRIMARY KEY CHECK (id = 1),
    value BIGINT NOT NULL
);
INSERT INTO seq (id, value) VALUES (1, 0);
CREATE TABLE docs (
    id              TEXT PRIMARY KEY,
    kind            TEXT NOT NULL,
    grid            TEXT NOT NULL,
    status          TEXT NOT NULL,
    seq             BIGINT NOT NULL,
    created_seq     BIGINT NOT NULL,
    snapshot        BYTEA,
    snapshot_seq    BIGINT NOT NULL DEFAULT 0,
    pending_changes INT NOT NULL DEFAULT 0
);
CREATE INDEX docs_seq ON docs(seq);
CREATE INDEX docs_grid_seq ON docs(grid, seq);
CREATE INDEX docs_pending ON docs(pending_changes);
CREATE TABLE doc_departments (
    doc_id     TEXT NOT NULL,
    department TEXT NOT NULL,
    PRIMARY KEY (doc_id, department)
);
CREATE INDEX doc_departments_dept ON doc_departments(department, doc_id);
CREATE TABLE changes (
    doc_id TEXT NOT NULL,
    hash   BYTEA NOT NULL,
    seq    BIGINT NOT NULL,
    bytes  BYTEA NOT NULL,
    PRIMARY KEY (doc_id, hash)
);
CREATE INDEX changes_doc_seq ON changes(doc_id, seq);
CREATE TABLE doc_blobs (
    doc_id TEXT NOT NULL,
    hash   TEXT NOT NULL,
    PRIMARY KEY (doc_id, hash)
);
CREATE INDEX doc_blobs_hash ON doc_blobs(hash);
CREATE TABLE audit (
    id        BIGSERIAL PRIMARY KEY,
    at        BIGINT NOT NULL,
    user_id   TEXT NOT NULL,
    device_id TEXT NOT NULL,
    doc_id    TEXT NOT NULL,
    action    TEXT NOT NULL,
    detail    TEXT NOT NULL
);
"#;

/// PostgreSQL storage over a connection pool.
#[derive(Clone)]
pub struct PostgresStorage {
    pool: Pool,
}

impl std::fmt::Debug for PostgresStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStorage").field("pool", &self.pool.status()).finish()
    }
}

fn pool_err(e: impl std::fmt::Display) -> StorageError {
    StorageError::Pool(e.to_string())
}

const META_COLUMNS: &str = "d.id, d.kind, d.grid, d.seq, d.created_seq,
    (SELECT string_agg(department, chr(31)) FROM doc_departments WHERE doc_id = d.id)";

fn doc_meta(r: &Row) -> Result<DocMeta, StorageError> {
    let depts: Option<String> = r.try_get(5)?;
    Ok(DocMeta {
        id: r.try_get(0)?,
        kind: parse_kind(r.try_get(1)?)?,
        grid: r.try_get(2)?,
        seq: r.try_get::<_, i64>(3)? as u64,
        created_seq: r.try_get::<_, i64>(4)? as u64,
        departments: depts.map(|d| d.split('\u{1f}').map(str::to_owned).collect()).unwrap_or_default(),
    })
}

/// The SQL restricting documents `d` to a scope, with its one parameter.
fn scope_clause(scope: &Scope, n: usize) -> (String, Option<Box<dyn ToSql + Sync + Send>>) {
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

fn device(r: &Row) -> Result<Device, StorageError> {
    Ok(Device {
        id: r.try_get(0)?,
        user_id: r.try_get(1)?,
        name: r.try_get(2)?,
        token_hash: r.try_get(3)?,
        created_at: r.try_get(4)?,
        revoked: r.try_get(5)?,
        user_disabled: r.try_get(6)?,
    })
}

fn corrupt(e: serde_json::Error) -> StorageError {
    StorageError::Corrupt(e.to_string())
}

impl PostgresStorage {
    /// Connects a pool to `url` (`postgres://user:pass@host:port/db`).
    pub async fn connect(url: &str) -> Result<Self, StorageError> {
        let config: tokio_postgres::Config = url.parse()?;
        let manager = Manager::from_config(config, NoTls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
        let pool = Pool::builder(manager).max_size(16).build().map_err(pool_err)?;
        // Fail early with a clear error if the server is unreachable.
        drop(pool.get().await.map_err(pool_err)?);
        Ok(PostgresStorage { pool })
    }

    async fn client(&self) -> Result<deadpool_postgres::Object, StorageError> {
        self.pool.get().await.map_err(pool_err)
    }
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
    let insert = tx
        .prepare("INSERT INTO changes (doc_id, hash, seq, bytes) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING")
        .await?;
    let mut inserted: i32 = 0;
    for (hash, bytes) in &w.changes {
        inserted += tx.execute(&insert, &[&w.id, &&hash[..], &seq, bytes]).await? as i32;
    }
    tx.execute("UPDATE docs SET pending_changes = pending_changes + $2 WHERE id = $1", &[&w.id, &inserted]).await?;
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
    let hashes: Vec<String> = w.changes.iter().map(|(h, _)| hex::encode(h)).collect();
    tx.execute(
        "INSERT INTO audit (at, user_id, device_id, doc_id, action, detail) VALUES ($1, $2, $3, $4, 'push', $5)",
        &[&gridpatrol_core::time::now_ms(), &w.user_id, &w.device_id, &w.id, &hashes.join(",")],
    )
    .await?;
    Ok(CommitOutcome::Committed { seq: seq as u64 })
}

#[async_trait]
impl Storage for PostgresStorage {
    async fn migrate(&self) -> Result<(), StorageError> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        // Instances starting together migrate one at a time.
        tx.execute("SELECT pg_advisory_xact_lock(7463210)", &[]).await?;
        tx.batch_execute("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)").await?;
        let v: i64 = tx.query_opt("SELECT version FROM schema_version", &[]).await?.map(|r| r.get(0)).unwrap_or(0);
        if v > SCHEMA_VERSION {
            return Err(StorageError::NewerSchema { found: v, supported: SCHEMA_VERSION });
        }
        if v == 0 {
            tx.batch_execute(SCHEMA).await?;
            tx.execute("INSERT INTO schema_version (version) VALUES ($1)", &[&SCHEMA_VERSION]).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn reference(&self) -> Result<Option<(u64, Reference)>, StorageError> {
        let c = self.client().await?;
        let row = c.query_opt("SELECT version, body FROM reference WHERE id = 1", &[]).await?;
        row.map(|r| {
            let body: String = r.try_get(1)?;
            Ok((r.try_get::<_, i64>(0)? as u64, serde_json::from_str(&body).map_err(corrupt)?))
        })
        .transpose()
    }

    async fn put_reference(&self, reference: &Reference) -> Result<u64, StorageError> {
        let body = serde_json::to_string(reference).map_err(corrupt)?;
        let c = self.client().await?;
        let row = c
            .query_one(
                "INSERT INTO reference (id, version, body) VALUES (1, 1, $1)
                 ON CONFLICT (id) DO UPDATE SET version = reference.version + 1, body = excluded.body
                 RETURNING version",
                &[&body],
            )
            .await?;
        Ok(row.try_get::<_, i64>(0)? as u64)
    }

    async fn credentials(&self, username: &str) -> Result<Option<Credentials>, StorageError> {
        let c = self.client().await?;
        let row = c
            .query_opt(
                "SELECT user_id, username, password_hash, disabled FROM credentials WHERE username = $1",
                &[&username],
            )
            .await?;
        row.map(|r| {
            Ok(Credentials {
                user_id: r.try_get(0)?,
                username: r.try_get(1)?,
                password_hash: r.try_get(2)?,
                disabled: r.try_get(3)?,
            })
        })
        .transpose()
    }

    async fn put_credentials(&self, cr: &Credentials) -> Result<(), StorageError> {
        let c = self.client().await?;
        c.execute(
            "INSERT INTO credentials (user_id, username, password_hash, disabled) VALUES ($1, $2, $3, $4)
             ON CONFLICT (user_id) DO UPDATE SET username = excluded.username,
                password_hash = excluded.password_hash, disabled = excluded.disabled",
            &[&cr.user_id, &cr.username, &cr.password_hash, &cr.disabled],
        )
        .await?;
        Ok(())
    }

    async fn add_device(&self, d: &Device) -> Result<(), StorageError> {
        let c = self.client().await?;
        c.execute(
            "INSERT INTO devices (id, user_id, name, token_hash, created_at, revoked) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (id) DO UPDATE SET user_id = excluded.user_id, name = excluded.name,
                token_hash = excluded.token_hash, created_at = excluded.created_at, revoked = FALSE",
            &[&d.id, &d.user_id, &d.name, &d.token_hash, &d.created_at, &d.revoked],
        )
        .await?;
        Ok(())
    }

    async fn device_by_token(&self, token_hash: &str) -> Result<Option<Device>, StorageError> {
        let c = self.client().await?;
        let row = c
            .query_opt(
                "SELECT d.id, d.user_id, d.name, d.token_hash, d.created_at, d.revoked, COALESCE(c.disabled, FALSE)
                 FROM devices d LEFT JOIN credentials c ON c.user_id = d.user_id WHERE d.token_hash = $1",
                &[&token_hash],
            )
            .await?;
        row.map(|r| device(&r)).transpose()
    }

    async fn devices(&self) -> Result<Vec<Device>, StorageError> {
        let c = self.client().await?;
        let rows = c
            .query(
                "SELECT d.id, d.user_id, d.name, d.token_hash, d.created_at, d.revoked, COALESCE(c.disabled, FALSE)
                 FROM devices d LEFT JOIN credentials c ON c.user_id = d.user_id ORDER BY d.created_at",
                &[],
            )
            .await?;
        rows.iter().map(device).collect()
    }

    async fn revoke_device(&self, id: &str) -> Result<bool, StorageError> {
        let c = self.client().await?;
        Ok(c.execute("UPDATE devices SET revoked = TRUE WHERE id = $1", &[&id]).await? > 0)
    }

    async fn doc_metas(&self, ids: &[String]) -> Result<Vec<DocMeta>, StorageError> {
        let c = self.client().await?;
        let sql = format!("SELECT {META_COLUMNS} FROM docs d WHERE d.id = ANY($1::text[])");
        let rows = c.query(&sql, &[&ids]).await?;
        rows.iter().map(doc_meta).collect()
    }

    async fn load_doc(&self, id: &str) -> Result<Option<StoredDoc>, StorageError> {
        let c = self.client().await?;
        let sql = format!("SELECT {META_COLUMNS}, d.snapshot, d.snapshot_seq FROM docs d WHERE d.id = $1");
        let Some(r) = c.query_opt(&sql, &[&id]).await? else { return Ok(None) };
        let meta = doc_meta(&r)?;
        let mut bytes: Vec<u8> = r.try_get::<_, Option<Vec<u8>>>(6)?.unwrap_or_default();
        let snapshot_seq: i64 = r.try_get(7)?;
        let rows = c
            .query("SELECT bytes FROM changes WHERE doc_id = $1 AND seq > $2 ORDER BY seq", &[&id, &snapshot_seq])
            .await?;
        for row in rows {
            bytes.extend_from_slice(row.try_get::<_, &[u8]>(0)?);
        }
        Ok(Some(StoredDoc { meta, bytes }))
    }

    async fn commit_docs(&self, writes: &[DocWrite]) -> Result<Vec<CommitOutcome>, StorageError> {
        let mut c = self.client().await?;
        let mut tx = c.transaction().await?;
        let mut outcomes = Vec::with_capacity(writes.len());
        for w in writes {
            // A savepoint per document: a conflict undoes only its own write.
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

    async fn max_seq(&self) -> Result<u64, StorageError> {
        let c = self.client().await?;
        Ok(c.query_one("SELECT value FROM seq WHERE id = 1", &[]).await?.try_get::<_, i64>(0)? as u64)
    }

    async fn changed_since(
        &self,
        cursor: u64,
        upto: u64,
        scope: &Scope,
        limit: u32,
    ) -> Result<Vec<DocMeta>, StorageError> {
        let c = self.client().await?;
        let (clause, arg) = scope_clause(scope, 4);
        let sql = format!(
            "SELECT {META_COLUMNS} FROM docs d WHERE d.seq > $1 AND d.seq <= $2 {clause} ORDER BY d.seq LIMIT $3"
        );
        let (cursor, upto, limit) = (cursor as i64, upto as i64, i64::from(limit));
        let mut params: Vec<&(dyn ToSql + Sync)> = vec![&cursor, &upto, &limit];
        if let Some(a) = &arg {
            params.push(a.as_ref());
        }
        let rows = c.query(&sql, &params).await?;
        rows.iter().map(doc_meta).collect()
    }

    async fn changes_since(&self, ids: &[String], cursor: u64) -> Result<Vec<PulledChange>, StorageError> {
        let c = self.client().await?;
        let rows = c
            .query(
                "SELECT doc_id, hash, bytes FROM changes
                 WHERE doc_id = ANY($1::text[]) AND seq > $2 ORDER BY doc_id, seq",
                &[&ids, &(cursor as i64)],
            )
            .await?;
        rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?))).collect()
    }

    async fn blob_visible(&self, hash: &str, scope: &Scope) -> Result<bool, StorageError> {
        let c = self.client().await?;
        let (clause, arg) = scope_clause(scope, 2);
        let sql = format!(
            "SELECT EXISTS (SELECT 1 FROM doc_blobs b JOIN docs d ON d.id = b.doc_id WHERE b.hash = $1 {clause})"
        );
        let mut params: Vec<&(dyn ToSql + Sync)> = vec![&hash];
        if let Some(a) = &arg {
            params.push(a.as_ref());
        }
        Ok(c.query_one(&sql, &params).await?.try_get(0)?)
    }

    async fn record_refusal(&self, e: &AuditEntry) -> Result<(), StorageError> {
        let c = self.client().await?;
        c.execute(
            "INSERT INTO audit (at, user_id, device_id, doc_id, action, detail) VALUES ($1, $2, $3, $4, $5, $6)",
            &[&e.at, &e.user_id, &e.device_id, &e.doc_id, &e.action, &e.detail],
        )
        .await?;
        Ok(())
    }

    async fn audit(&self, limit: u32) -> Result<Vec<AuditEntry>, StorageError> {
        let c = self.client().await?;
        let rows = c
            .query(
                "SELECT at, user_id, device_id, doc_id, action, detail FROM audit ORDER BY id DESC LIMIT $1",
                &[&i64::from(limit)],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(AuditEntry {
                    at: r.try_get(0)?,
                    user_id: r.try_get(1)?,
                    device_id: r.try_get(2)?,
                    doc_id: r.try_get(3)?,
                    action: r.try_get(4)?,
                    detail: r.try_get(5)?,
                })
            })
            .collect()
    }

    async fn compaction_candidates(&self, min_changes: u32, limit: u32) -> Result<Vec<String>, StorageError> {
        let c = self.client().await?;
        let rows = c
            .query(
                "SELECT id FROM docs WHERE pending_changes >= $1 ORDER BY pending_changes DESC LIMIT $2",
                &[&(min_changes as i32), &i64::from(limit)],
            )
            .await?;
        rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
    }

    async fn put_snapshot(&self, id: &str, snapshot: &[u8], upto_seq: u64) -> Result<(), StorageError> {
        let c = self.client().await?;
        c.execute(
            "UPDATE docs SET snapshot = $2, snapshot_seq = $3,
                pending_changes = (SELECT COUNT(*) FROM changes WHERE doc_id = $1 AND seq > $3)
             WHERE id = $1 AND snapshot_seq < $3",
            &[&id, &snapshot, &(upto_seq as i64)],
        )
        .await?;
        Ok(())
    }
}
