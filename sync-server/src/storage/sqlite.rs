//! Embedded storage: one SQLite file (WAL, `synchronous = FULL`, so every
//! acknowledged commit is fsynced). One writer connection, a few readers;
//! blocking calls run on tokio's blocking pool.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use gridpatrol_core::model::{Reference, Scope};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{
    AuditEntry, CommitOutcome, Credentials, Device, DocMeta, DocWrite, PulledChange, Storage, StorageError, StoredDoc,
};
use super::{kind_str, parse_kind};

const SCHEMA_VERSION: i64 = 1;

const SCHEMA: &str = r#"
CREATE TABLE reference (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL,
    body    TEXT NOT NULL
);
CREATE TABLE credentials (
    user_id       TEXT PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE devices (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL,
    name       TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    revoked    INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE seq (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    value INTEGER NOT NULL
);
INSERT INTO seq (id, value) VALUES (1, 0);
CREATE TABLE docs (
    id              TEXT PRIMARY KEY,
    kind            TEXT NOT NULL,
    grid            TEXT NOT NULL,
    status          TEXT NOT NULL,
    seq             INTEGER NOT NULL,
    created_seq     INTEGER NOT NULL,
    snapshot        BLOB,
    snapshot_seq    INTEGER NOT NULL DEFAULT 0,
    pending_changes INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX docs_seq ON docs(seq);
CREATE INDEX docs_grid_seq ON docs(grid, seq);
CREATE INDEX docs_pending ON docs(pending_changes);
CREATE TABLE doc_departments (
    doc_id     TEXT NOT NULL,
    department TEXT NOT NULL,
    PRIMARY KEY (doc_id, department)
) WITHOUT ROWID;
CREATE INDEX doc_departments_dept ON doc_departments(department, doc_id);
CREATE TABLE changes (
    doc_id TEXT NOT NULL,
    hash   BLOB NOT NULL,
    seq    INTEGER NOT NULL,
    bytes  BLOB NOT NULL,
    PRIMARY KEY (doc_id, hash)
);
CREATE INDEX changes_doc_seq ON changes(doc_id, seq);
CREATE TABLE doc_blobs (
    doc_id TEXT NOT NULL,
    hash   TEXT NOT NULL,
    PRIMARY KEY (doc_id, hash)
) WITHOUT ROWID;
CREATE INDEX doc_blobs_hash ON doc_blobs(hash);
CREATE TABLE audit (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    at        INTEGER NOT NULL,
    user_id   TEXT NOT NULL,
    device_id TEXT NOT NULL,
    doc_id    TEXT NOT NULL,
    action    TEXT NOT NULL,
    detail    TEXT NOT NULL
);
"#;

/// SQLite storage.
#[derive(Debug, Clone)]
pub struct SqliteStorage {
    writer: Arc<Mutex<Connection>>,
    readers: Arc<Vec<Mutex<Connection>>>,
    next_reader: Arc<AtomicUsize>,
}

const READERS: usize = 4;

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(30))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "cache_size", -16_000)?;
    Ok(())
}

impl SqliteStorage {
    /// Opens (creating if needed) the database file at `path`.
    pub fn open(path: &Path) -> Result<Self, StorageError> {
        let writer = Connection::open(path)?;
        configure(&writer)?;
        let readers = (0..READERS)
            .map(|_| {
                let c = Connection::open(path)?;
                configure(&c)?;
                Ok(Mutex::new(c))
            })
            .collect::<Result<Vec<_>, rusqlite::Error>>()?;
        Ok(SqliteStorage {
            writer: Arc::new(Mutex::new(writer)),
            readers: Arc::new(readers),
            next_reader: Arc::new(AtomicUsize::new(0)),
        })
    }

    async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StorageError> + Send + 'static,
    ) -> Result<T, StorageError> {
        let writer = self.writer.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = writer.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut conn)
        })
        .await
        .map_err(|e| StorageError::Join(e.to_string()))?
    }

    async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StorageError> + Send + 'static,
    ) -> Result<T, StorageError> {
        let readers = self.readers.clone();
        let i = self.next_reader.fetch_add(1, Ordering::Relaxed) % readers.len();
        tokio::task::spawn_blocking(move || {
            let conn = readers[i].lock().unwrap_or_else(|p| p.into_inner());
            f(&conn)
        })
        .await
        .map_err(|e| StorageError::Join(e.to_string()))?
    }
}

const META_COLUMNS: &str = "d.id, d.kind, d.grid, d.seq, d.created_seq,
    (SELECT group_concat(department, char(31)) FROM doc_departments WHERE doc_id = d.id)";

fn doc_meta(r: &Row<'_>) -> Result<DocMeta, StorageError> {
    let depts: Option<String> = r.get(5)?;
    Ok(DocMeta {
        id: r.get(0)?,
        kind: parse_kind(&r.get::<_, String>(1)?)?,
        grid: r.get(2)?,
        seq: r.get::<_, i64>(3)? as u64,
        created_seq: r.get::<_, i64>(4)? as u64,
        departments: depts.map(|d| d.split('\u{1f}').map(str::to_owned).collect()).unwrap_or_default(),
    })
}

/// The SQL restricting documents `d` to a scope, with its one parameter
/// (if any) numbered `?{n}`.
fn scope_clause(scope: &Scope, n: usize) -> (String, Option<String>) {
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

fn corrupt(e: serde_json::Error) -> StorageError {
    StorageError::Corrupt(e.to_string())
}

fn device(r: &Row<'_>) -> rusqlite::Result<Device> {
    Ok(Device {
        id: r.get(0)?,
        user_id: r.get(1)?,
        name: r.get(2)?,
        token_hash: r.get(3)?,
        created_at: r.get(4)?,
        revoked: r.get(5)?,
        user_disabled: r.get(6)?,
    })
}

/// One document's commit inside the batch's transaction.
fn commit_one(tx: &rusqlite::Transaction<'_>, w: &DocWrite) -> Result<CommitOutcome, StorageError> {
    let current: Option<i64> = tx.query_row("SELECT seq FROM docs WHERE id = ?1", [&w.id], |r| r.get(0)).optional()?;
    if current.map(|s| s as u64) != w.expected_seq {
        return Ok(CommitOutcome::Conflict);
    }
    let seq: i64 = tx.query_row("UPDATE seq SET value = value + 1 WHERE id = 1 RETURNING value", [], |r| r.get(0))?;
    let mut inserted = 0;
    let mut stmt = tx.prepare_cached(
        "INSERT INTO changes (doc_id, hash, seq, bytes) VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
    )?;
    for (hash, bytes) in &w.changes {
        inserted += stmt.execute(params![w.id, &hash[..], seq, bytes])?;
    }
    tx.prepare_cached(
        "INSERT INTO docs (id, kind, grid, status, seq, created_seq, pending_changes)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6)
         ON CONFLICT (id) DO UPDATE SET grid = excluded.grid, status = excluded.status, seq = excluded.seq,
            pending_changes = pending_changes + excluded.pending_changes",
    )?
    .execute(params![w.id, kind_str(w.kind), w.grid, w.status, seq, inserted as i64])?;
    tx.prepare_cached("DELETE FROM doc_departments WHERE doc_id = ?1")?.execute([&w.id])?;
    for d in &w.departments {
        tx.prepare_cached("INSERT OR IGNORE INTO doc_departments (doc_id, department) VALUES (?1, ?2)")?
            .execute(params![w.id, d])?;
    }
    for b in &w.blobs {
        tx.prepare_cached("INSERT OR IGNORE INTO doc_blobs (doc_id, hash) VALUES (?1, ?2)")?
            .execute(params![w.id, b])?;
    }
    let hashes: Vec<String> = w.changes.iter().map(|(h, _)| hex::encode(h)).collect();
    tx.prepare_cached(
        "INSERT INTO audit (at, user_id, device_id, doc_id, action, detail) VALUES (?1, ?2, ?3, ?4, 'push', ?5)",
    )?
    .execute(params![gridpatrol_core::time::now_ms(), w.user_id, w.device_id, w.id, hashes.join(",")])?;
    Ok(CommitOutcome::Committed { seq: seq as u64 })
}

#[async_trait]
impl Storage for SqliteStorage {
    async fn migrate(&self) -> Result<(), StorageError> {
        self.write(|conn| {
            let v: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
            if v > SCHEMA_VERSION {
                return Err(StorageError::NewerSchema { found: v, supported: SCHEMA_VERSION });
            }
            if v == 0 {
                let tx = conn.transaction()?;
                tx.execute_batch(SCHEMA)?;
                tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
                tx.commit()?;
            }
            Ok(())
        })
        .await
    }

    async fn reference(&self) -> Result<Option<(u64, Reference)>, StorageError> {
        self.read(|c| {
            let row: Option<(i64, String)> = c
                .query_row("SELECT version, body FROM reference WHERE id = 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            row.map(|(v, body)| Ok((v as u64, serde_json::from_str(&body).map_err(corrupt)?))).transpose()
        })
        .await
    }

    async fn put_reference(&self, reference: &Reference) -> Result<u64, StorageError> {
        let body = serde_json::to_string(reference).map_err(corrupt)?;
        self.write(move |c| {
            let v: i64 = c.query_row(
                "INSERT INTO reference (id, version, body) VALUES (1, 1, ?1)
                 ON CONFLICT (id) DO UPDATE SET version = version + 1, body = excluded.body
                 RETURNING version",
                [body],
                |r| r.get(0),
            )?;
            Ok(v as u64)
        })
        .await
    }

    async fn credentials(&self, username: &str) -> Result<Option<Credentials>, StorageError> {
        let username = username.to_owned();
        self.read(move |c| {
            Ok(c.query_row(
                "SELECT user_id, username, password_hash, disabled FROM credentials WHERE username = ?1",
                [username],
                |r| {
                    Ok(Credentials {
                        user_id: r.get(0)?,
                        username: r.get(1)?,
                        password_hash: r.get(2)?,
                        disabled: r.get(3)?,
                    })
                },
            )
            .optional()?)
        })
        .await
    }

    async fn put_credentials(&self, cr: &Credentials) -> Result<(), StorageError> {
        let cr = cr.clone();
        self.write(move |c| {
            c.execute(
                "INSERT INTO credentials (user_id, username, password_hash, disabled) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (user_id) DO UPDATE SET username = excluded.username,
                    password_hash = excluded.password_hash, disabled = excluded.disabled",
                params![cr.user_id, cr.username, cr.password_hash, cr.disabled],
            )?;
            Ok(())
        })
        .await
    }

    async fn add_device(&self, d: &Device) -> Result<(), StorageError> {
        let d = d.clone();
        self.write(move |c| {
            c.execute(
                "INSERT INTO devices (id, user_id, name, token_hash, created_at, revoked) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (id) DO UPDATE SET user_id = excluded.user_id, name = excluded.name,
                    token_hash = excluded.token_hash, created_at = excluded.created_at, revoked = 0",
                params![d.id, d.user_id, d.name, d.token_hash, d.created_at, d.revoked],
            )?;
            Ok(())
        })
        .await
    }

    async fn device_by_token(&self, token_hash: &str) -> Result<Option<Device>, StorageError> {
        let token_hash = token_hash.to_owned();
        self.read(move |c| {
            Ok(c.query_row(
                "SELECT d.id, d.user_id, d.name, d.token_hash, d.created_at, d.revoked, COALESCE(c.disabled, 0)
                 FROM devices d LEFT JOIN credentials c ON c.user_id = d.user_id WHERE d.token_hash = ?1",
                [token_hash],
                device,
            )
            .optional()?)
        })
        .await
    }

    async fn devices(&self) -> Result<Vec<Device>, StorageError> {
        self.read(|c| {
            let mut stmt = c.prepare(
                "SELECT d.id, d.user_id, d.name, d.token_hash, d.created_at, d.revoked, COALESCE(c.disabled, 0)
                 FROM devices d LEFT JOIN credentials c ON c.user_id = d.user_id ORDER BY d.created_at",
            )?;
            let rows = stmt.query_map([], device)?.collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
    }

    async fn revoke_device(&self, id: &str) -> Result<bool, StorageError> {
        let id = id.to_owned();
        self.write(move |c| Ok(c.execute("UPDATE devices SET revoked = 1 WHERE id = ?1", [id])? > 0)).await
    }

    async fn doc_metas(&self, ids: &[String]) -> Result<Vec<DocMeta>, StorageError> {
        let ids = serde_json::to_string(ids).map_err(corrupt)?;
        self.read(move |c| {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {META_COLUMNS} FROM docs d WHERE d.id IN (SELECT value FROM json_each(?1))"
            ))?;
            let mut rows = stmt.query([ids])?;
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                out.push(doc_meta(r)?);
            }
            Ok(out)
        })
        .await
    }

    async fn load_doc(&self, id: &str) -> Result<Option<StoredDoc>, StorageError> {
        let id = id.to_owned();
        self.read(move |c| {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {META_COLUMNS}, d.snapshot, d.snapshot_seq FROM docs d WHERE d.id = ?1"
            ))?;
            let mut rows = stmt.query([&id])?;
            let Some(r) = rows.next()? else { return Ok(None) };
            let meta = doc_meta(r)?;
            let mut bytes: Vec<u8> = r.get::<_, Option<Vec<u8>>>(6)?.unwrap_or_default();
            let snapshot_seq: i64 = r.get(7)?;
            let mut stmt = c.prepare_cached("SELECT bytes FROM changes WHERE doc_id = ?1 AND seq > ?2 ORDER BY seq")?;
            let mut rows = stmt.query(params![id, snapshot_seq])?;
            while let Some(r) = rows.next()? {
                bytes.extend_from_slice(r.get_ref(0)?.as_blob().map_err(rusqlite::Error::from)?);
            }
            Ok(Some(StoredDoc { meta, bytes }))
        })
        .await
    }

    async fn commit_docs(&self, writes: &[DocWrite]) -> Result<Vec<CommitOutcome>, StorageError> {
        let writes = writes.to_vec();
        self.write(move |c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let outcomes = writes.iter().map(|w| commit_one(&tx, w)).collect::<Result<Vec<_>, _>>()?;
            tx.commit()?;
            Ok(outcomes)
        })
        .await
    }

    async fn max_seq(&self) -> Result<u64, StorageError> {
        self.read(|c| Ok(c.query_row("SELECT value FROM seq WHERE id = 1", [], |r| r.get::<_, i64>(0))? as u64)).await
    }

    async fn changed_since(
        &self,
        cursor: u64,
        upto: u64,
        scope: &Scope,
        limit: u32,
    ) -> Result<Vec<DocMeta>, StorageError> {
        let (clause, arg) = scope_clause(scope, 4);
        self.read(move |c| {
            let sql = format!(
                "SELECT {META_COLUMNS} FROM docs d WHERE d.seq > ?1 AND d.seq <= ?2 {clause} ORDER BY d.seq LIMIT ?3"
            );
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
        })
        .await
    }

    async fn changes_since(&self, ids: &[String], cursor: u64) -> Result<Vec<PulledChange>, StorageError> {
        let ids = serde_json::to_string(ids).map_err(corrupt)?;
        self.read(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT doc_id, hash, bytes FROM changes
                 WHERE doc_id IN (SELECT value FROM json_each(?1)) AND seq > ?2 ORDER BY doc_id, seq",
            )?;
            let rows = stmt.query_map(params![ids, cursor as i64], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    async fn blob_visible(&self, hash: &str, scope: &Scope) -> Result<bool, StorageError> {
        let hash = hash.to_owned();
        let (clause, arg) = scope_clause(scope, 2);
        self.read(move |c| {
            let sql = format!(
                "SELECT EXISTS (SELECT 1 FROM doc_blobs b JOIN docs d ON d.id = b.doc_id WHERE b.hash = ?1 {clause})"
            );
            let mut stmt = c.prepare_cached(&sql)?;
            let visible: bool = match &arg {
                Some(a) => stmt.query_row(params![hash, a], |r| r.get(0))?,
                None => stmt.query_row(params![hash], |r| r.get(0))?,
            };
            Ok(visible)
        })
        .await
    }

    async fn record_refusal(&self, e: &AuditEntry) -> Result<(), StorageError> {
        let e = e.clone();
        self.write(move |c| {
            c.execute(
                "INSERT INTO audit (at, user_id, device_id, doc_id, action, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![e.at, e.user_id, e.device_id, e.doc_id, e.action, e.detail],
            )?;
            Ok(())
        })
        .await
    }

    async fn audit(&self, limit: u32) -> Result<Vec<AuditEntry>, StorageError> {
        self.read(move |c| {
            let mut stmt = c.prepare(
                "SELECT at, user_id, device_id, doc_id, action, detail FROM audit ORDER BY id DESC LIMIT ?1",
            )?;
            let rows = stmt.query_map([limit], |r| {
                Ok(AuditEntry {
                    at: r.get(0)?,
                    user_id: r.get(1)?,
                    device_id: r.get(2)?,
                    doc_id: r.get(3)?,
                    action: r.get(4)?,
                    detail: r.get(5)?,
                })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    async fn compaction_candidates(&self, min_changes: u32, limit: u32) -> Result<Vec<String>, StorageError> {
        self.read(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT id FROM docs WHERE pending_changes >= ?1 ORDER BY pending_changes DESC LIMIT ?2",
            )?;
            let rows = stmt.query_map(params![min_changes, limit], |r| r.get(0))?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    async fn put_snapshot(&self, id: &str, snapshot: &[u8], upto_seq: u64) -> Result<(), StorageError> {
        let (id, snapshot) = (id.to_owned(), snapshot.to_vec());
        self.write(move |c| {
            let tx = c.transaction()?;
            tx.execute(
                "UPDATE docs SET snapshot = ?2, snapshot_seq = ?3,
                    pending_changes = (SELECT COUNT(*) FROM changes WHERE doc_id = ?1 AND seq > ?3)
                 WHERE id = ?1 AND snapshot_seq < ?3",
                params![id, snapshot, upto_seq as i64],
            )?;
            tx.commit()?;
            Ok(())
        })
        .await
    }
}
