//! Server storage behind one trait, [`Storage`], with two implementations
//! chosen by URL: [`sqlite`] (embedded, one file; the default) and
//! [`postgres`] (shared by several stateless server instances). Both run the
//! same versioned [`migrations`] and pass the same conformance suite.
//!
//! Automerge changes are stored content-addressed by `(document, change
//! hash)`, so a retried or duplicated upload is an idempotent insert. Every
//! commit takes the next value of one global sequence and a random tag (the
//! pair is a [`CommitRef`]); a document's `seq` is that of its last commit,
//! and devices pull "everything in my scope with `seq` > my cursor" from the
//! index alone. Commits are serialised on the sequence, so a reader never
//! sees seq N+1 without seq N.

pub mod migrations;
pub mod postgres;
mod records;
pub mod sqlite;

use async_trait::async_trait;
use gridpatrol_core::model::{DocKind, Reference, Scope};
use gridpatrol_core::time::Millis;

pub use records::*;

/// Storage failures.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("postgres: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    #[error("postgres pool: {0}")]
    Pool(String),
    #[error("postgres TLS: {0}")]
    Tls(String),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("unsupported database URL {0:?} (use sqlite://PATH or postgres://…)")]
    BadUrl(String),
    #[error("the database schema {found} is newer than this server ({supported})")]
    NewerSchema { found: i64, supported: i64 },
    #[error("background task failed: {0}")]
    Join(String),
}

/// Server storage. Implementations make every acknowledged commit durable
/// (fsync) before returning.
#[async_trait]
pub trait Storage: Send + Sync + 'static {
    /// Creates or upgrades the schema (see [`migrations`]).
    async fn migrate(&self) -> Result<(), StorageError>;

    // Reference data.
    /// The reference data and its version.
    async fn reference(&self) -> Result<Option<(u64, Reference)>, StorageError>;
    /// Replaces the reference data; returns the new version.
    async fn put_reference(&self, reference: &Reference) -> Result<u64, StorageError>;

    // Accounts.
    async fn credentials(&self, username: &str) -> Result<Option<Credentials>, StorageError>;
    async fn put_credentials(&self, c: &Credentials) -> Result<(), StorageError>;

    // Devices and tokens.
    async fn device(&self, id: &str) -> Result<Option<Device>, StorageError>;
    /// Records a device on its first login; an existing one is left as it
    /// is (a login never un-revokes a device).
    async fn register_device(&self, d: &Device) -> Result<(), StorageError>;
    async fn devices(&self) -> Result<Vec<Device>, StorageError>;
    /// Revokes a device and every token on it; false if there is no such device.
    async fn revoke_device(&self, id: &str, at: Millis) -> Result<bool, StorageError>;
    async fn add_token(&self, t: &Token) -> Result<(), StorageError>;
    async fn token(&self, hash: &str) -> Result<Option<TokenInfo>, StorageError>;
    /// Records a use of a token and slides its expiry.
    async fn touch_token(&self, hash: &str, now: Millis, expires_at: Millis) -> Result<(), StorageError>;
    async fn revoke_token(&self, hash: &str, at: Millis) -> Result<bool, StorageError>;
    /// Revokes every live token of a user; returns how many.
    async fn revoke_user_tokens(&self, user_id: &str, at: Millis) -> Result<u64, StorageError>;
    async fn tokens_of_device(&self, device_id: &str) -> Result<Vec<Token>, StorageError>;

    // The login throttle, shared by every instance over the same storage.
    async fn login_failures(&self, username: &str, addr: &str) -> Result<Option<LoginFailures>, StorageError>;
    /// Counts a wrong password; at `max` failures the pair is locked until
    /// `now + lockout_ms` and the count starts again.
    async fn record_login_failure(
        &self,
        username: &str,
        addr: &str,
        now: Millis,
        max: u32,
        lockout_ms: Millis,
    ) -> Result<LoginFailures, StorageError>;
    async fn clear_login_failures(&self, username: &str, addr: &str) -> Result<(), StorageError>;
    /// Forgets failures not seen since `before` (keeps the table small).
    async fn prune_login_failures(&self, before: Millis) -> Result<u64, StorageError>;

    // Documents.
    /// Index entries of these documents (missing ones are left out).
    async fn doc_metas(&self, ids: &[String]) -> Result<Vec<DocMeta>, StorageError>;
    /// A document's bytes, or `None`.
    async fn load_doc(&self, id: &str) -> Result<Option<StoredDoc>, StorageError>;
    /// Stores the new changes, index entries, receipts and audit lines of
    /// several documents in one durable transaction; a conflicting
    /// document does not stop the others.
    async fn commit_docs(&self, writes: &[DocWrite]) -> Result<Vec<CommitOutcome>, StorageError>;
    /// [`Storage::commit_docs`] for one document.
    async fn commit_doc(&self, w: &DocWrite) -> Result<CommitOutcome, StorageError> {
        Ok(self.commit_docs(std::slice::from_ref(w)).await?[0])
    }
    /// The last commit (`seq` 0 when there is none).
    async fn head(&self) -> Result<CommitRef, StorageError>;
    /// The tag of the commit `seq`, if this history has it.
    async fn commit_tag(&self, seq: u64) -> Result<Option<u64>, StorageError>;
    /// Documents in `scope` with `cursor < seq <= upto`, oldest first.
    async fn changed_since(
        &self,
        cursor: u64,
        upto: u64,
        scope: &Scope,
        limit: u32,
    ) -> Result<Vec<DocMeta>, StorageError>;
    /// Changes of these documents committed after `cursor`.
    async fn changes_since(&self, ids: &[String], cursor: u64) -> Result<Vec<PulledChange>, StorageError>;
    /// When each event of a document arrived: (event id, server time).
    async fn receipts(&self, doc_id: &str) -> Result<Vec<(String, Millis)>, StorageError>;

    // Photos.
    /// Whether a document in `scope` references the blob.
    async fn blob_visible(&self, hash: &str, scope: &Scope) -> Result<bool, StorageError>;
    async fn blob(&self, hash: &str) -> Result<Option<BlobRecord>, StorageError>;
    /// Records a complete, verified blob and ends its upload, in one transaction.
    async fn put_blob(&self, b: &BlobRecord, audit: &AuditEntry) -> Result<(), StorageError>;
    /// Forgets a blob whose bytes the blob store no longer has.
    async fn forget_blob(&self, hash: &str) -> Result<(), StorageError>;
    /// Blob hashes after `after`, in order (for the presence check).
    async fn blob_hashes(&self, after: &str, limit: u32) -> Result<Vec<String>, StorageError>;
    /// Blobs documents in `scope` reference but the server does not hold.
    async fn wanted_blobs(&self, scope: &Scope, limit: u32) -> Result<Vec<String>, StorageError>;
    async fn upload(&self, device_id: &str, hash: &str) -> Result<Option<Upload>, StorageError>;
    async fn put_upload(&self, u: &Upload) -> Result<(), StorageError>;
    async fn delete_upload(&self, device_id: &str, hash: &str) -> Result<(), StorageError>;
    /// Uploads not touched since `before`.
    async fn stale_uploads(&self, before: Millis, limit: u32) -> Result<Vec<Upload>, StorageError>;
    /// Bytes a user holds on the server: complete photos plus the declared
    /// size of uploads in progress.
    async fn usage(&self, user_id: &str) -> Result<u64, StorageError>;

    // Audit.
    async fn audit_write(&self, e: &AuditEntry) -> Result<(), StorageError>;
    async fn audit(&self, q: &AuditQuery) -> Result<Vec<AuditEntry>, StorageError>;

    // Compaction.
    /// Documents with at least `min_changes` changes since their snapshot.
    async fn compaction_candidates(&self, min_changes: u32, limit: u32) -> Result<Vec<String>, StorageError>;
    /// Stores a snapshot covering every change up to `upto_seq`.
    async fn put_snapshot(&self, id: &str, snapshot: &[u8], upto_seq: u64) -> Result<(), StorageError>;

    /// Counts and checksums of every table a request could change.
    async fn digest(&self) -> Result<StateDigest, StorageError>;
}

/// Opens the storage a URL names: `sqlite://PATH` or `postgres://…`
/// (`?sslmode=require` for TLS), and migrates it.
pub async fn open(url: &str, tls_ca: Option<&std::path::Path>) -> Result<std::sync::Arc<dyn Storage>, StorageError> {
    let storage: std::sync::Arc<dyn Storage> = if let Some(path) = url.strip_prefix("sqlite://") {
        std::sync::Arc::new(sqlite::SqliteStorage::open(std::path::Path::new(path))?)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        std::sync::Arc::new(postgres::PostgresStorage::connect(url, tls_ca).await?)
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

/// A fresh commit tag: random, never 0 (0 is "no commit").
pub(crate) fn new_tag() -> u64 {
    loop {
        let t: u64 = rand::random::<u64>() >> 1; // fits a signed 64-bit column
        if t != 0 {
            return t;
        }
    }
}
