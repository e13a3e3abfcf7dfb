//! The device store: one SQLite file (WAL) holding the device's documents
//! as Automerge snapshot + change chunks, the list indexes, photo blobs and
//! sync bookkeeping, behind one facade, [`DeviceStore`].
//!
//! Invariants:
//! - every write is one transaction: document chunk, heads, index rows and
//!   sync flags commit together or not at all;
//! - list queries read the index only, never documents;
//! - nothing is deleted on the device until the server has confirmed it.

mod all_docs;
mod basemap;
mod blobs;
mod cache;
mod cases;
pub mod docs;
mod error;
mod history;
pub mod index;
mod join;
mod map;
mod nearby;
mod office;
mod patrol_index;
mod patrols;
mod remote;
pub mod schema;
mod sync_state;
mod team;
mod users;
pub mod vault;
mod views;

use std::path::Path;
use std::sync::Arc;

use automerge::ActorId;
use rusqlite::{Connection, OptionalExtension, params};

pub use basemap::{archive_basemap, is_archive_name};
pub use blobs::stage_photo_shared;
pub(crate) use cases::timers as case_timers;
pub use error::StoreError;
pub use history::HISTORY_LIMIT;
pub use map::{
    BuildingFeatureProps, CasePinProps, GridFeatureProps, LatLon, MAX_PINS, MapLayers, MapQuery, StreetFeatureProps,
    TrackFeatureProps,
};
pub use nearby::MAX_HINT_RADIUS_M;
pub use remote::RemoteApply;
pub use sync_state::{DirtyDoc, SyncBookkeeping};
pub use users::{Viewer, WaitingWork, WipeReport};
pub use views::*;

use crate::clock::Clock;
use crate::model::Reference;
use crate::photo::IngestLimits;

/// How hard a commit works to survive power loss.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// fsync the WAL on every commit: survives power loss (the default).
    Full,
    /// fsync at checkpoints only: survives a killed process, not power loss.
    Normal,
    /// Nothing on disk at all ([`DeviceStore::open_in_memory`], simulations).
    Memory,
}

/// The device's local store.
#[derive(Debug)]
pub struct DeviceStore {
    conn: Connection,
    actor: ActorId,
    device_id: String,
    reference: Option<Arc<Reference>>,
    limits: IngestLimits,
    clock: Clock,
    cache: cache::DocCache,
    viewer: Option<Viewer>,
}

/// Prepared statements kept per connection.
const STATEMENT_CACHE: usize = 256;

impl DeviceStore {
    /// Opens (creating and migrating if needed) the store at `path`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Self::open_with(path, Durability::Full)
    }

    /// Opens the store with an explicit durability level.
    pub fn open_with(path: &Path, durability: Durability) -> Result<Self, StoreError> {
        Self::open_with_clock(path, durability, Clock::system())
    }

    /// Opens the store reading time and ids from `clock`.
    pub fn open_with_clock(path: &Path, durability: Durability, clock: Clock) -> Result<Self, StoreError> {
        let conn = Connection::open(path)?;
        Self::init(conn, durability, clock)
    }

    /// Opens (creating, or encrypting a plain one, if needed) the store at
    /// `path` encrypted with `key`. A wrong key is an error, never a new
    /// empty database over the old one.
    pub fn open_encrypted(path: &Path, key: &vault::DbKey, clock: Clock) -> Result<Self, StoreError> {
        if path.exists() && is_plain_sqlite(path)? {
            encrypt_in_place(path, key)?;
        }
        let conn = Connection::open(path)?;
        conn.execute_batch(&vault::key_pragma(key))?;
        conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0))
            .map_err(|_| StoreError::Invalid("the device database cannot be opened with this key".into()))?;
        Self::init(conn, Durability::Full, clock)
    }

    /// A store in memory, gone when dropped: for simulations that run
    /// thousands of devices, never for the app.
    pub fn open_in_memory(clock: Clock) -> Result<Self, StoreError> {
        Self::init(Connection::open_in_memory()?, Durability::Memory, clock)
    }

    fn init(mut conn: Connection, durability: Durability, clock: Clock) -> Result<Self, StoreError> {
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        // Room for every statement the store prepares (rusqlite keeps 16,
        // fewer than one report uses, so each write parsed SQL again).
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        let sync = match durability {
            Durability::Full => "FULL",
            Durability::Normal => "NORMAL",
            Durability::Memory => "OFF",
        };
        if durability != Durability::Memory {
            conn.pragma_update(None, "journal_mode", "WAL")?;
        }
        conn.pragma_update(None, "synchronous", sync)?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        let found = schema::migrate(&mut conn)?;
        let device_id = match meta_get(&conn, "device_id")? {
            Some(v) => String::from_utf8_lossy(&v).into_owned(),
            None => {
                let id = clock.new_id();
                meta_put(&conn, "device_id", id.as_bytes())?;
                id
            }
        };
        let actor = match meta_get(&conn, "actor")? {
            Some(v) => ActorId::from(v),
            None => {
                let a = ActorId::from(
                    uuid::Uuid::parse_str(&clock.new_id()).map(|u| u.as_bytes().to_vec()).unwrap_or_default(),
                );
                meta_put(&conn, "actor", a.to_bytes())?;
                a
            }
        };
        let reference = match meta_get(&conn, "reference")? {
            Some(json) => Some(Arc::new(
                serde_json::from_slice(&json).map_err(|e| StoreError::Invalid(format!("stored reference: {e}")))?,
            )),
            None => None,
        };
        let mut store = DeviceStore {
            conn,
            actor,
            device_id,
            reference,
            limits: IngestLimits::default(),
            clock,
            cache: Default::default(),
            viewer: None,
        };
        if found > 0 && found < schema::REINDEX_FROM {
            store.reindex_all()?;
        }
        Ok(store)
    }

    /// Where this store reads the time and draws ids.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// The current time by this store's clock.
    pub fn now(&self) -> crate::time::Millis {
        self.clock.now()
    }

    /// This device's id (stable for the life of the database).
    pub fn device_id(&self) -> &str {
        &self.device_id
    }

    /// The Automerge actor this device writes with.
    pub fn actor_id(&self) -> &ActorId {
        &self.actor
    }

    /// The reference data, once the device has it.
    pub fn reference(&self) -> Result<&Arc<Reference>, StoreError> {
        self.reference.as_ref().ok_or(StoreError::NoReference)
    }

    /// Replaces the reference data (at login, or when the server has news).
    pub fn set_reference(&mut self, reference: Reference) -> Result<(), StoreError> {
        reference.validate().map_err(StoreError::Invalid)?;
        let json = serde_json::to_vec(&reference).map_err(|e| StoreError::Invalid(e.to_string()))?;
        meta_put(&self.conn, "reference", &json)?;
        // Streets or coverage settings may have changed.
        patrol_index::forget_all_coverage(&self.conn)?;
        self.reference = Some(Arc::new(reference));
        Ok(())
    }

    /// Reads a small value the app keeps with the data (session, cursor).
    pub fn meta(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        meta_get(&self.conn, key)
    }

    /// Writes a small value the app keeps with the data.
    pub fn set_meta(&self, key: &str, value: &[u8]) -> Result<(), StoreError> {
        meta_put(&self.conn, key, value)
    }

    /// Removes a small value (e.g. the session at logout).
    pub fn delete_meta(&self, key: &str) -> Result<(), StoreError> {
        self.conn.prepare_cached("DELETE FROM meta WHERE key = ?1")?.execute([key])?;
        Ok(())
    }

    /// Changes the photo ingest limits (tests use small ones).
    pub fn set_ingest_limits(&mut self, limits: IngestLimits) {
        self.limits = limits;
    }

    /// Runs `f` as one transaction: many writes, one commit (one fsync).
    /// The store's own writes nest inside it as savepoints.
    pub fn in_transaction<R>(&mut self, f: impl FnOnce(&mut Self) -> Result<R, StoreError>) -> Result<R, StoreError> {
        if !self.conn.is_autocommit() {
            return f(self); // already inside one: it commits (or not) as a whole
        }
        self.conn.prepare_cached("BEGIN IMMEDIATE")?.execute([])?;
        match f(self) {
            Ok(r) => {
                self.conn.prepare_cached("COMMIT")?.execute([])?;
                Ok(r)
            }
            Err(e) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                Err(e)
            }
        }
    }

    /// Direct read access for diagnostics and tests.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }
}

/// Whether the file is an unencrypted SQLite database (its header says so).
fn is_plain_sqlite(path: &Path) -> Result<bool, StoreError> {
    use std::io::Read;
    let mut head = [0u8; 16];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .map_err(|e| StoreError::Invalid(e.to_string()))?;
    Ok(n == 16 && &head == b"SQLite format 3\0")
}

/// Rewrites a plain database as an encrypted one (the first start of an
/// app that encrypts, over data an older one wrote).
fn encrypt_in_place(path: &Path, key: &vault::DbKey) -> Result<(), StoreError> {
    let tmp = path.with_extension("encrypting");
    let _ = std::fs::remove_file(&tmp);
    {
        let plain = Connection::open(path)?;
        plain.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
        let attach = format!(
            "ATTACH DATABASE '{}' AS enc KEY \"x'{}'\"; SELECT sqlcipher_export('enc'); DETACH DATABASE enc;",
            tmp.display().to_string().replace('\'', "''"),
            hex::encode_upper(key)
        );
        plain.execute_batch(&attach)?;
        let version: i64 = plain.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let enc = Connection::open(&tmp)?;
        enc.execute_batch(&vault::key_pragma(key))?;
        enc.pragma_update(None, "user_version", version)?;
    }
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    std::fs::rename(&tmp, path).map_err(|e| StoreError::Invalid(e.to_string()))?;
    tracing::info!(path = %path.display(), "encrypted the device database");
    Ok(())
}

fn meta_get(conn: &Connection, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
    Ok(conn.prepare_cached("SELECT value FROM meta WHERE key = ?1")?.query_row([key], |r| r.get(0)).optional()?)
}

fn meta_put(conn: &Connection, key: &str, value: &[u8]) -> Result<(), StoreError> {
    conn.prepare_cached("INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)")?.execute(params![key, value])?;
    Ok(())
}
