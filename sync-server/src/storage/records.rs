//! The records the storage keeps, shared by both backends.

use gridpatrol_core::model::DocKind;
use gridpatrol_core::time::Millis;

/// A user's login credentials (the profile is in the reference data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub user_id: String,
    pub username: String,
    /// An argon2 PHC string.
    pub password_hash: String,
    pub disabled: bool,
    /// A one-time password: the next login must set a new one.
    pub must_change: bool,
}

/// A physical device, as first seen at a login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    pub id: String,
    /// The user who logged in on it first.
    pub first_user: String,
    pub name: String,
    pub created_at: Millis,
    /// Revoked by an administrator: every token dies, no login revives it.
    pub revoked_at: Option<Millis>,
}

/// A device token issued at a login, stored as its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub hash: String,
    pub device_id: String,
    pub user_id: String,
    pub created_at: Millis,
    pub last_used_at: Millis,
    /// Slides forward with use; a token unused until then is dead.
    pub expires_at: Millis,
    pub revoked_at: Option<Millis>,
}

/// A token with what decides whether it may be used now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    pub token: Token,
    pub device_revoked: bool,
    pub user_disabled: bool,
}

/// Wrong passwords from one address for one user name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginFailures {
    pub failures: u32,
    pub locked_until: Option<Millis>,
}

/// What the index knows of a stored document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocMeta {
    pub id: String,
    pub kind: DocKind,
    pub grid: String,
    /// The department currently holding the case (at most one).
    pub departments: Vec<String>,
    /// Sequence number of the document's last commit.
    pub seq: u64,
    /// Sequence number of the document's first commit.
    pub created_seq: u64,
    /// Bytes of all its stored changes.
    pub bytes: u64,
}

/// A position in the commit sequence with its fingerprint: a cursor from a
/// history this server no longer has (a restore) does not match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CommitRef {
    pub seq: u64,
    pub tag: u64,
}

/// An event the server accepted, with when it arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub event_id: String,
    /// The device's time for the event.
    pub device_at: Millis,
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
    /// The events this write adds, received at the audit line's time.
    pub receipts: Vec<Receipt>,
    /// The audit line written in the same transaction.
    pub audit: AuditEntry,
}

/// The result of [`super::Storage::commit_docs`] for one document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommitOutcome {
    Committed(CommitRef),
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

/// A photo or thumbnail the server holds, checked as an image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobRecord {
    pub hash: String,
    pub bytes: u64,
    pub width: u32,
    pub height: u32,
    pub user_id: String,
    pub device_id: String,
    pub completed_at: Millis,
}

/// An upload in progress. It belongs to the device that started it: its
/// bytes are that device's alone until they are complete and verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    pub device_id: String,
    pub hash: String,
    pub user_id: String,
    /// The size declared by the first chunk; every later chunk must agree.
    pub total: u64,
    pub started_at: Millis,
    pub updated_at: Millis,
}

/// One line of the audit log: the type the admin API sends, stored as is.
pub use gridpatrol_core::sync::office_wire::AuditEntry;

/// Which audit lines to read, newest first (by time, then insertion order).
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub user_id: Option<String>,
    pub device_id: Option<String>,
    pub since: Option<Millis>,
    pub until: Option<Millis>,
    /// Only actions starting with this (e.g. `refused:`).
    pub action_prefix: Option<String>,
    pub limit: u32,
    /// Lines to skip (paging).
    pub offset: u32,
}

/// Counts and checksums of everything a request could change, so a test
/// can prove that a refused request changed nothing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StateDigest {
    pub seq: u64,
    pub docs: u64,
    pub changes: u64,
    pub change_bytes: u64,
    pub devices: u64,
    pub tokens: u64,
    pub live_tokens: u64,
    pub credentials: String,
    pub blobs: u64,
    pub uploads: u64,
    pub receipts: u64,
    pub audit: u64,
    pub reference_version: u64,
}
