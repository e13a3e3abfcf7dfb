//! Embedded storage: one SQLite file (WAL, `synchronous = FULL`, so every
//! acknowledged commit is fsynced). One writer connection, a few readers;
//! blocking calls run on tokio's blocking pool. The SQL lives in one file
//! per concern: [`accounts`], [`docs`], [`blobs`], [`audit`].

mod accounts;
mod audit;
mod blobs;
mod docs;

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use gridpatrol_core::model::{Reference, Scope};
use gridpatrol_core::time::Millis;
use rusqlite::{Connection, OptionalExtension};

use super::migrations::{MIGRATIONS, latest};
use super::*;

/// SQLite storage.
#[derive(Debug, Clone)]
pub struct SqliteStorage {
    writer: Arc<Mutex<Connection>>,
    readers: Arc<Vec<Mutex<Connection>>>,
    next_reader: Arc<AtomicUsize>,
    /// Run queries on the calling thread instead of tokio's blocking pool
    /// (simulations on a single-threaded runtime; never a server).
    inline: bool,
}

const READERS: usize = 4;

/// Page cache of the writer and of each reader, in KiB (each connection
/// has its own; the readers' pages are also in the OS's file cache).
const WRITER_CACHE_KIB: i64 = 8 << 10;
const READER_CACHE_KIB: i64 = 2 << 10;

fn configure(conn: &Connection, durable: bool, cache_kib: i64) -> rusqlite::Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(30))?;
    // Every statement the storage prepares stays prepared (rusqlite keeps 16).
    conn.set_prepared_statement_cache_capacity(128);
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", if durable { "FULL" } else { "OFF" })?;
    conn.pragma_update(None, "cache_size", -cache_kib)?;
    Ok(())
}

impl SqliteStorage {
    /// Opens (creating if needed) the database file at `path`.
    pub fn open(path: &Path) -> Result<Self, StorageError> {
        Self::open_with(path, true)
    }

    /// Opens for a simulation: no fsync (a crash may lose acknowledged
    /// commits) and queries on the calling thread (it blocks the runtime).
    /// Only for simulations that run thousands of servers in one process;
    /// never what `open` gives.
    pub fn open_for_simulation(path: &Path) -> Result<Self, StorageError> {
        Ok(SqliteStorage { inline: true, ..Self::open_with(path, false)? })
    }

    fn open_with(path: &Path, durable: bool) -> Result<Self, StorageError> {
        let writer = Connection::open(path)?;
        configure(&writer, durable, WRITER_CACHE_KIB)?;
        let readers = (0..READERS)
            .map(|_| {
                let c = Connection::open(path)?;
                configure(&c, durable, READER_CACHE_KIB)?;
                Ok(Mutex::new(c))
            })
            .collect::<Result<Vec<_>, rusqlite::Error>>()?;
        Ok(SqliteStorage {
            writer: Arc::new(Mutex::new(writer)),
            readers: Arc::new(readers),
            next_reader: Arc::new(AtomicUsize::new(0)),
            inline: false,
        })
    }

    async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StorageError> + Send + 'static,
    ) -> Result<T, StorageError> {
        let writer = self.writer.clone();
        if self.inline {
            return f(&mut writer.lock().unwrap_or_else(|p| p.into_inner()));
        }
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
        if self.inline {
            return f(&readers[i].lock().unwrap_or_else(|p| p.into_inner()));
        }
        tokio::task::spawn_blocking(move || {
            let conn = readers[i].lock().unwrap_or_else(|p| p.into_inner());
            f(&conn)
        })
        .await
        .map_err(|e| StorageError::Join(e.to_string()))?
    }
}

/// The migration runner: applies what `schema_migrations` lacks, in order.
/// A database of the first release (`user_version` 1, no table) is adopted
/// as version 1.
fn migrate(conn: &mut Connection) -> Result<(), StorageError> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
    )?;
    let mut current: i64 =
        conn.query_row("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", [], |r| r.get(0))?;
    let legacy: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if current == 0 && legacy == 1 {
        conn.execute("INSERT INTO schema_migrations VALUES (1, 'adopted', ?1)", [gridpatrol_core::time::now_ms()])?;
        current = 1;
    }
    if current > latest() {
        return Err(StorageError::NewerSchema { found: current, supported: latest() });
    }
    for m in MIGRATIONS.iter().filter(|m| m.version > current) {
        let tx = conn.transaction()?;
        tx.execute_batch(m.sqlite)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
            rusqlite::params![m.version, m.name, gridpatrol_core::time::now_ms()],
        )?;
        tx.commit()?;
        tracing::info!(version = m.version, name = m.name, "migrated the SQLite schema");
    }
    Ok(())
}

fn corrupt(e: impl std::fmt::Display) -> StorageError {
    StorageError::Corrupt(e.to_string())
}

#[async_trait]
impl Storage for SqliteStorage {
    async fn migrate(&self) -> Result<(), StorageError> {
        self.write(migrate).await
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
                 ON CONFLICT (id) DO UPDATE SET version = version + 1, body = excluded.body RETURNING version",
                [body],
                |r| r.get(0),
            )?;
            Ok(v as u64)
        })
        .await
    }

    async fn credentials(&self, username: &str) -> Result<Option<Credentials>, StorageError> {
        let username = username.to_owned();
        self.read(move |c| accounts::credentials(c, &username)).await
    }

    async fn put_credentials(&self, cr: &Credentials) -> Result<(), StorageError> {
        let cr = cr.clone();
        self.write(move |c| accounts::put_credentials(c, &cr)).await
    }

    async fn device(&self, id: &str) -> Result<Option<Device>, StorageError> {
        let id = id.to_owned();
        self.read(move |c| accounts::device(c, &id)).await
    }

    async fn register_device(&self, d: &Device) -> Result<(), StorageError> {
        let d = d.clone();
        self.write(move |c| accounts::register_device(c, &d)).await
    }

    async fn devices(&self) -> Result<Vec<Device>, StorageError> {
        self.read(accounts::devices).await
    }

    async fn revoke_device(&self, id: &str, at: Millis) -> Result<bool, StorageError> {
        let id = id.to_owned();
        self.write(move |c| accounts::revoke_device(c, &id, at)).await
    }

    async fn add_token(&self, t: &Token) -> Result<(), StorageError> {
        let t = t.clone();
        self.write(move |c| accounts::add_token(c, &t)).await
    }

    async fn token(&self, hash: &str) -> Result<Option<TokenInfo>, StorageError> {
        let hash = hash.to_owned();
        self.read(move |c| accounts::token(c, &hash)).await
    }

    async fn touch_token(&self, hash: &str, now: Millis, expires_at: Millis) -> Result<(), StorageError> {
        let hash = hash.to_owned();
        self.write(move |c| accounts::touch_token(c, &hash, now, expires_at)).await
    }

    async fn revoke_token(&self, hash: &str, at: Millis) -> Result<bool, StorageError> {
        let hash = hash.to_owned();
        self.write(move |c| accounts::revoke_token(c, &hash, at)).await
    }

    async fn revoke_user_tokens(&self, user_id: &str, at: Millis) -> Result<u64, StorageError> {
        let user_id = user_id.to_owned();
        self.write(move |c| accounts::revoke_user_tokens(c, &user_id, at)).await
    }

    async fn tokens_of_device(&self, device_id: &str) -> Result<Vec<Token>, StorageError> {
        let device_id = device_id.to_owned();
        self.read(move |c| accounts::tokens_of_device(c, &device_id)).await
    }

    async fn login_failures(&self, username: &str, addr: &str) -> Result<Option<LoginFailures>, StorageError> {
        let (u, a) = (username.to_owned(), addr.to_owned());
        self.read(move |c| accounts::login_failures(c, &u, &a)).await
    }

    async fn record_login_failure(
        &self,
        username: &str,
        addr: &str,
        now: Millis,
        max: u32,
        lockout_ms: Millis,
    ) -> Result<LoginFailures, StorageError> {
        let (u, a) = (username.to_owned(), addr.to_owned());
        self.write(move |c| accounts::record_login_failure(c, &u, &a, now, max, lockout_ms)).await
    }

    async fn clear_login_failures(&self, username: &str, addr: &str) -> Result<(), StorageError> {
        let (u, a) = (username.to_owned(), addr.to_owned());
        self.write(move |c| accounts::clear_login_failures(c, &u, &a)).await
    }

    async fn prune_login_failures(&self, before: Millis) -> Result<u64, StorageError> {
        self.write(move |c| accounts::prune_login_failures(c, before)).await
    }

    async fn doc_metas(&self, ids: &[String]) -> Result<Vec<DocMeta>, StorageError> {
        let ids = serde_json::to_string(ids).map_err(corrupt)?;
        self.read(move |c| docs::metas(c, &ids)).await
    }

    async fn load_doc(&self, id: &str) -> Result<Option<StoredDoc>, StorageError> {
        let id = id.to_owned();
        self.read(move |c| docs::load(c, &id)).await
    }

    async fn commit_docs(&self, writes: &[DocWrite]) -> Result<Vec<CommitOutcome>, StorageError> {
        let writes = writes.to_vec();
        self.write(move |c| docs::commit(c, &writes)).await
    }

    async fn head(&self) -> Result<CommitRef, StorageError> {
        self.read(docs::head).await
    }

    async fn commit_tag(&self, seq: u64) -> Result<Option<u64>, StorageError> {
        self.read(move |c| docs::commit_tag(c, seq)).await
    }

    async fn changed_since(
        &self,
        cursor: u64,
        upto: u64,
        scope: &Scope,
        limit: u32,
    ) -> Result<Vec<DocMeta>, StorageError> {
        let scope = scope.clone();
        self.read(move |c| docs::changed_since(c, cursor, upto, &scope, limit)).await
    }

    async fn changes_since(&self, ids: &[String], cursor: u64) -> Result<Vec<PulledChange>, StorageError> {
        let ids = serde_json::to_string(ids).map_err(corrupt)?;
        self.read(move |c| docs::changes_since(c, &ids, cursor)).await
    }

    async fn receipts(&self, doc_id: &str) -> Result<Vec<(String, Millis)>, StorageError> {
        let doc_id = doc_id.to_owned();
        self.read(move |c| docs::receipts(c, &doc_id)).await
    }

    async fn blob_visible(&self, hash: &str, scope: &Scope) -> Result<bool, StorageError> {
        let (hash, scope) = (hash.to_owned(), scope.clone());
        self.read(move |c| blobs::visible(c, &hash, &scope)).await
    }

    async fn blob(&self, hash: &str) -> Result<Option<BlobRecord>, StorageError> {
        let hash = hash.to_owned();
        self.read(move |c| blobs::get(c, &hash)).await
    }

    async fn put_blob(&self, b: &BlobRecord, audit: &AuditEntry) -> Result<(), StorageError> {
        let (b, a) = (b.clone(), audit.clone());
        self.write(move |c| blobs::put(c, &b, &a)).await
    }

    async fn forget_blob(&self, hash: &str) -> Result<(), StorageError> {
        let hash = hash.to_owned();
        self.write(move |c| blobs::forget(c, &hash)).await
    }

    async fn blob_hashes(&self, after: &str, limit: u32) -> Result<Vec<String>, StorageError> {
        let after = after.to_owned();
        self.read(move |c| blobs::hashes(c, &after, limit)).await
    }

    async fn wanted_blobs(&self, scope: &Scope, limit: u32) -> Result<Vec<String>, StorageError> {
        let scope = scope.clone();
        self.read(move |c| blobs::wanted(c, &scope, limit)).await
    }

    async fn upload(&self, device_id: &str, hash: &str) -> Result<Option<Upload>, StorageError> {
        let (d, h) = (device_id.to_owned(), hash.to_owned());
        self.read(move |c| blobs::upload(c, &d, &h)).await
    }

    async fn put_upload(&self, u: &Upload) -> Result<(), StorageError> {
        let u = u.clone();
        self.write(move |c| blobs::put_upload(c, &u)).await
    }

    async fn delete_upload(&self, device_id: &str, hash: &str) -> Result<(), StorageError> {
        let (d, h) = (device_id.to_owned(), hash.to_owned());
        self.write(move |c| blobs::delete_upload(c, &d, &h)).await
    }

    async fn stale_uploads(&self, before: Millis, limit: u32) -> Result<Vec<Upload>, StorageError> {
        self.read(move |c| blobs::stale_uploads(c, before, limit)).await
    }

    async fn usage(&self, user_id: &str) -> Result<u64, StorageError> {
        let user_id = user_id.to_owned();
        self.read(move |c| blobs::usage(c, &user_id)).await
    }

    async fn audit_write(&self, e: &AuditEntry) -> Result<(), StorageError> {
        let e = e.clone();
        self.write(move |c| audit::write(c, &e)).await
    }

    async fn audit(&self, q: &AuditQuery) -> Result<Vec<AuditEntry>, StorageError> {
        let q = q.clone();
        self.read(move |c| audit::query(c, &q)).await
    }

    async fn compaction_candidates(&self, min_changes: u32, limit: u32) -> Result<Vec<String>, StorageError> {
        self.read(move |c| docs::compaction_candidates(c, min_changes, limit)).await
    }

    async fn put_snapshot(&self, id: &str, snapshot: &[u8], upto_seq: u64) -> Result<(), StorageError> {
        let (id, snapshot) = (id.to_owned(), snapshot.to_vec());
        self.write(move |c| docs::put_snapshot(c, &id, &snapshot, upto_seq)).await
    }

    async fn digest(&self) -> Result<StateDigest, StorageError> {
        self.read(audit::digest).await
    }
}
