//! Server storage behind one trait, [`Storage`], with two implementations
//! chosen by URL: [`sqlite`] (embedded, one file; the default) and
//! [`postgres`] (shared by several stateless server instances).
//!
//! Automerge changes are stored content-addressed by `(document, change
//! hash)`, so a retried or duplicated upload is an idempotent insert. Every
//! commit takes the next value of one global sequence; a document's `seq` is
//! that of its last commit, and devices pull "everything in my scope with
//! `seq` > my cursor" from the index alone. Commits are serialised on the
//! sequence, so a reader never sees seq N+1 without seq N.

pub mod postgres;
pub mod sqlite;

use async_trait::async_trait;
use gridpatrol_core::model::{DocKind, Reference, Scope};

/// Storage failures.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("postgres: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    #[error("postgres pool: {0}")]
    Pool(String),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("unsupported database URL {0:?} (use sqlite://PATH or postgres://…)")]
    BadUrl(String),
    #[error("the database schema {found} is newer than this server ({supported})")]
    NewerSchema { found: i64, supported: i64 },
    #[error("background task failed: {0}")]
    Join(String),
}

/// A user's login credentials (the profile is in the reference data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub user_id: String,
    pub username: String,
    /// An argon2 PHC string.
    pub password_hash: String,
    pub disabled: bool,
}

/// A logged-in device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    pub id: String,
    pub user_id: String,
    pub name: String,
    /// SHA-256 (hex) of the device token; the token itself is never stored.
    pub token_hash: String,
    pub created_at: i64,
    pub revoked: bool,
    /// The device's user has been disabled (filled in by lookups).
    pub user_disabled: bool,
}

/// What the index knows of a stored document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocMeta {
    pub id: String,
    pub kind: DocKind,
    pub grid: String,
    pub departments: Vec<String>,
    /// Sequence number of the document's last commit.
    pub seq: u64,
    /// Sequence number of the document's first commit.
    pub created_seq: u64,
}

/// One commit of changes to a document, with its new index values.
#[derive(Debug, Clone)]
pub struct DocWrite {
    pub id: String,
    pub kind: DocKind,
    pub grid: String,
    pub departments: Vec<String>,
    /// The derived status (cases) for dashboards; empty for patrols.
    pub status: String,
    /// The `seq` the document had when it was loaded; `None` for a new one.
    /// A commit against a changed document is a [`CommitOutcome::Conflict`].
    pub expected_seq: Option<u64>,
    /// New changes: (change hash, raw bytes).
    pub changes: Vec<([u8; 32], Vec<u8>)>,
    /// Photo and thumbnail hashes the document references.
    pub blobs: Vec<String>,
    /// Who pushed it, for the audit log.
    pub user_id: String,
    pub device_id: String,
}

/// The result of [`Storage::commit_doc`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommitOutcome {
    Committed {
        seq: u64,
    },
    /// Someone committed to the document since it was loaded: reload, retry.
    Conflict,
}

/// One change read back for a pull: (document, change hash, raw bytes).
pub type PulledChange = (String, Vec<u8>, Vec<u8>);

/// A stored document: its index entry and `snapshot || changes` to load.
#[derive(Debug, Clone)]
pub struct StoredDoc {
    pub meta: DocMeta,
    pub bytes: Vec<u8>,
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub at: i64,
    pub user_id: String,
    pub device_id: String,
    pub doc_id: String,
    /// `push` or `refused:<code>`.
    pub action: String,
    pub detail: String,
}

/// Server storage. Implementations must make every acknowledged commit
/// durable (fsync) before returning.
#[async_trait]
pub trait Storage: Send + Sync + 'static {
    /// Creates or upgrades the schema.
    async fn migrate(&self) -> Result<(), StorageError>;

    /// The reference data and its version.
    async fn reference(&self) -> Result<Option<(u64, Reference)>, StorageError>;
    /// Replaces the reference data; returns the new version.
    async fn put_reference(&self, reference: &Reference) -> Result<u64, StorageError>;

    async fn credentials(&self, username: &str) -> Result<Option<Credentials>, StorageError>;
    async fn put_credentials(&self, c: &Credentials) -> Result<(), StorageError>;

    async fn add_device(&self, d: &Device) -> Result<(), StorageError>;
    async fn device_by_token(&self, token_hash: &str) -> Result<Option<Device>, StorageError>;
    async fn devices(&self) -> Result<Vec<Device>, StorageError>;
    /// Revokes a device; false if there is no such device.
    async fn revoke_device(&self, id: &str) -> Result<bool, StorageError>;

    /// Index entries of these documents (missing ones are left out).
    async fn doc_metas(&self, ids: &[String]) -> Result<Vec<DocMeta>, StorageError>;
    /// A document's bytes, or `None`.
    async fn load_doc(&self, id: &str) -> Result<Option<StoredDoc>, StorageError>;
    /// Stores the new changes and index entries of several documents in one
    /// durable transaction; a conflicting document does not stop the others.
    async fn commit_docs(&self, writes: &[DocWrite]) -> Result<Vec<CommitOutcome>, StorageError>;

    /// [`Storage::commit_docs`] for one document.
    async fn commit_doc(&self, w: &DocWrite) -> Result<CommitOutcome, StorageError> {
        Ok(self.commit_docs(std::slice::from_ref(w)).await?[0])
    }
    /// The highest committed sequence number.
    async fn max_seq(&self) -> Result<u64, StorageError>;
    /// Documents in `scope` with `cursor < seq <= upto`, oldest first.
    async fn changed_since(
        &self,
        cursor: u64,
        upto: u64,
        scope: &Scope,
        limit: u32,
    ) -> Result<Vec<DocMeta>, StorageError>;
    /// Changes of these documents committed after `cursor`: (document,
    /// change hash, raw bytes).
    async fn changes_since(&self, ids: &[String], cursor: u64) -> Result<Vec<PulledChange>, StorageError>;
    /// Whether a document in `scope` references the blob.
    async fn blob_visible(&self, hash: &str, scope: &Scope) -> Result<bool, StorageError>;

    /// Records a refused write in the audit log.
    async fn record_refusal(&self, entry: &AuditEntry) -> Result<(), StorageError>;
    /// The latest audit entries, newest first.
    async fn audit(&self, limit: u32) -> Result<Vec<AuditEntry>, StorageError>;

    /// Documents with at least `min_changes` changes since their snapshot.
    async fn compaction_candidates(&self, min_changes: u32, limit: u32) -> Result<Vec<String>, StorageError>;
    /// Stores a snapshot covering every change up to `upto_seq`.
    async fn put_snapshot(&self, id: &str, snapshot: &[u8], upto_seq: u64) -> Result<(), StorageError>;
}

/// Opens the storage a URL names: `sqlite://PATH` or `postgres://…`.
pub async fn open(url: &str) -> Result<std::sync::Arc<dyn Storage>, StorageError> {
    let storage: std::sync::Arc<dyn Storage> = if let Some(path) = url.strip_prefix("sqlite://") {
        std::sync::Arc::new(sqlite::SqliteStorage::open(std::path::Path::new(path))?)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        std::sync::Arc::new(postgres::PostgresStorage::connect(url).await?)
    } else {
        return Err(StorageError::BadUrl(url.to_owned()));
    };
    storage.migrate().await?;
    Ok(storage)
}

/// Text form of a document kind in the database.
pub(crate) fn kind_str(k: DocKind) -> &'static str {
    k.as_str()
}

/// Parses a stored document kind.
pub(crate) fn parse_kind(s: &str) -> Result<DocKind, StorageError> {
    DocKind::parse(s).ok_or_else(|| StorageError::Corrupt(format!("unknown document kind {s:?}")))
}
