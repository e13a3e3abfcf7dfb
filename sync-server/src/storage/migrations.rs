//! The server schema as one versioned list of migrations, each written for
//! both backends. Each backend has one runner ([`super::sqlite`],
//! [`super::postgres`]) that applies the pending ones in order, each in its
//! own transaction, and records them in `schema_migrations`. A database
//! from a newer server is refused, never rewritten.

/// One step of the schema.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sqlite: &'static str,
    pub postgres: &'static str,
}

/// The newest schema this server knows.
pub fn latest() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

/// Every migration, oldest first.
pub const MIGRATIONS: &[Migration] = &[
    Migration { version: 1, name: "documents, accounts, audit", sqlite: V1_SQLITE, postgres: V1_POSTGRES },
    Migration {
        version: 2,
        name: "tokens, throttle, commit tags, receipts, blobs and uploads",
        sqlite: V2_SQLITE,
        postgres: V2_POSTGRES,
    },
];

const V1_SQLITE: &str = r#"
CREATE TABLE reference (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL, body TEXT NOT NULL);
CREATE TABLE credentials (
    user_id TEXT PRIMARY KEY, username TEXT NOT NULL UNIQUE, password_hash TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE devices (
    id TEXT PRIMARY KEY, user_id TEXT NOT NULL, name TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL, revoked INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE seq (id INTEGER PRIMARY KEY CHECK (id = 1), value INTEGER NOT NULL);
INSERT INTO seq (id, value) VALUES (1, 0);
CREATE TABLE docs (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, grid TEXT NOT NULL, status TEXT NOT NULL,
    seq INTEGER NOT NULL, created_seq INTEGER NOT NULL, snapshot BLOB,
    snapshot_seq INTEGER NOT NULL DEFAULT 0, pending_changes INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX docs_seq ON docs(seq);
CREATE INDEX docs_grid_seq ON docs(grid, seq);
CREATE INDEX docs_pending ON docs(pending_changes);
CREATE TABLE doc_departments (doc_id TEXT NOT NULL, department TEXT NOT NULL, PRIMARY KEY (doc_id, department)) WITHOUT ROWID;
CREATE INDEX doc_departments_dept ON doc_departments(department, doc_id);
CREATE TABLE changes (
    doc_id TEXT NOT NULL, hash BLOB NOT NULL, seq INTEGER NOT NULL, bytes BLOB NOT NULL, PRIMARY KEY (doc_id, hash)
);
CREATE INDEX changes_doc_seq ON changes(doc_id, seq);
CREATE TABLE doc_blobs (doc_id TEXT NOT NULL, hash TEXT NOT NULL, PRIMARY KEY (doc_id, hash)) WITHOUT ROWID;
CREATE INDEX doc_blobs_hash ON doc_blobs(hash);
CREATE TABLE audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, user_id TEXT NOT NULL, device_id TEXT NOT NULL,
    doc_id TEXT NOT NULL, action TEXT NOT NULL, detail TEXT NOT NULL
);
"#;

const V1_POSTGRES: &str = r#"
CREATE TABLE reference (id INT PRIMARY KEY CHECK (id = 1), version BIGINT NOT NULL, body TEXT NOT NULL);
CREATE TABLE credentials (
    user_id TEXT PRIMARY KEY, username TEXT NOT NULL UNIQUE, password_hash TEXT NOT NULL,
    disabled BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE TABLE devices (
    id TEXT PRIMARY KEY, user_id TEXT NOT NULL, name TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL, revoked BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE TABLE seq (id INT PRIMARY KEY CHECK (id = 1), value BIGINT NOT NULL);
INSERT INTO seq (id, value) VALUES (1, 0);
CREATE TABLE docs (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, grid TEXT NOT NULL, status TEXT NOT NULL,
    seq BIGINT NOT NULL, created_seq BIGINT NOT NULL, snapshot BYTEA,
    snapshot_seq BIGINT NOT NULL DEFAULT 0, pending_changes INT NOT NULL DEFAULT 0
);
CREATE INDEX docs_seq ON docs(seq);
CREATE INDEX docs_grid_seq ON docs(grid, seq);
CREATE INDEX docs_pending ON docs(pending_changes);
CREATE TABLE doc_departments (doc_id TEXT NOT NULL, department TEXT NOT NULL, PRIMARY KEY (doc_id, department));
CREATE INDEX doc_departments_dept ON doc_departments(department, doc_id);
CREATE TABLE changes (
    doc_id TEXT NOT NULL, hash BYTEA NOT NULL, seq BIGINT NOT NULL, bytes BYTEA NOT NULL, PRIMARY KEY (doc_id, hash)
);
CREATE INDEX changes_doc_seq ON changes(doc_id, seq);
CREATE TABLE doc_blobs (doc_id TEXT NOT NULL, hash TEXT NOT NULL, PRIMARY KEY (doc_id, hash));
CREATE INDEX doc_blobs_hash ON doc_blobs(hash);
CREATE TABLE audit (
    id BIGSERIAL PRIMARY KEY, at BIGINT NOT NULL, user_id TEXT NOT NULL, device_id TEXT NOT NULL,
    doc_id TEXT NOT NULL, action TEXT NOT NULL, detail TEXT NOT NULL
);
"#;

/// Tokens move out of `devices` (a device may carry several users' tokens;
/// an admin's revocation is the device's and survives logins).
const V2_SQLITE: &str = r#"
ALTER TABLE credentials ADD COLUMN must_change INTEGER NOT NULL DEFAULT 0;
CREATE TABLE tokens (
    hash TEXT PRIMARY KEY, device_id TEXT NOT NULL, user_id TEXT NOT NULL, created_at INTEGER NOT NULL,
    last_used_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, revoked_at INTEGER
);
INSERT INTO tokens (hash, device_id, user_id, created_at, last_used_at, expires_at, revoked_at)
    SELECT token_hash, id, user_id, created_at, created_at, created_at + 2592000000,
           CASE WHEN revoked THEN created_at END FROM devices;
CREATE INDEX tokens_user ON tokens(user_id);
CREATE INDEX tokens_device ON tokens(device_id);
CREATE TABLE devices_v2 (
    id TEXT PRIMARY KEY, first_user TEXT NOT NULL, name TEXT NOT NULL, created_at INTEGER NOT NULL, revoked_at INTEGER
);
INSERT INTO devices_v2 SELECT id, user_id, name, created_at, CASE WHEN revoked THEN created_at END FROM devices;
DROP TABLE devices;
ALTER TABLE devices_v2 RENAME TO devices;
CREATE TABLE login_failures (
    username TEXT NOT NULL, addr TEXT NOT NULL, failures INTEGER NOT NULL, locked_until INTEGER,
    updated_at INTEGER NOT NULL, PRIMARY KEY (username, addr)
) WITHOUT ROWID;
CREATE INDEX login_failures_updated ON login_failures(updated_at);
ALTER TABLE docs ADD COLUMN bytes INTEGER NOT NULL DEFAULT 0;
UPDATE docs SET bytes = (SELECT COALESCE(SUM(length(c.bytes)), 0) FROM changes c WHERE c.doc_id = docs.id);
CREATE TABLE commits (seq INTEGER PRIMARY KEY, tag INTEGER NOT NULL);
CREATE TABLE receipts (
    doc_id TEXT NOT NULL, event_id TEXT NOT NULL, received_at INTEGER NOT NULL, user_id TEXT NOT NULL,
    device_id TEXT NOT NULL, device_at INTEGER NOT NULL, PRIMARY KEY (doc_id, event_id)
) WITHOUT ROWID;
CREATE TABLE blobs (
    hash TEXT PRIMARY KEY, bytes INTEGER NOT NULL, width INTEGER NOT NULL, height INTEGER NOT NULL,
    user_id TEXT NOT NULL, device_id TEXT NOT NULL, completed_at INTEGER NOT NULL
);
CREATE INDEX blobs_user ON blobs(user_id);
CREATE TABLE uploads (
    device_id TEXT NOT NULL, hash TEXT NOT NULL, user_id TEXT NOT NULL, total INTEGER NOT NULL,
    started_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, PRIMARY KEY (device_id, hash)
) WITHOUT ROWID;
CREATE INDEX uploads_updated ON uploads(updated_at);
CREATE INDEX uploads_user ON uploads(user_id);
ALTER TABLE audit RENAME COLUMN doc_id TO subject;
ALTER TABLE audit ADD COLUMN addr TEXT NOT NULL DEFAULT '';
CREATE INDEX audit_at ON audit(at);
CREATE INDEX audit_user_at ON audit(user_id, at);
CREATE INDEX audit_device_at ON audit(device_id, at);
"#;

const V2_POSTGRES: &str = r#"
ALTER TABLE credentials ADD COLUMN must_change BOOLEAN NOT NULL DEFAULT FALSE;
CREATE TABLE tokens (
    hash TEXT PRIMARY KEY, device_id TEXT NOT NULL, user_id TEXT NOT NULL, created_at BIGINT NOT NULL,
    last_used_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, revoked_at BIGINT
);
INSERT INTO tokens (hash, device_id, user_id, created_at, last_used_at, expires_at, revoked_at)
    SELECT token_hash, id, user_id, created_at, created_at, created_at + 2592000000,
           CASE WHEN revoked THEN created_at END FROM devices;
CREATE INDEX tokens_user ON tokens(user_id);
CREATE INDEX tokens_device ON tokens(device_id);
ALTER TABLE devices RENAME COLUMN user_id TO first_user;
ALTER TABLE devices ADD COLUMN revoked_at BIGINT;
UPDATE devices SET revoked_at = created_at WHERE revoked;
ALTER TABLE devices DROP COLUMN revoked;
ALTER TABLE devices DROP COLUMN token_hash;
CREATE TABLE login_failures (
    username TEXT NOT NULL, addr TEXT NOT NULL, failures INT NOT NULL, locked_until BIGINT,
    updated_at BIGINT NOT NULL, PRIMARY KEY (username, addr)
);
CREATE INDEX login_failures_updated ON login_failures(updated_at);
ALTER TABLE docs ADD COLUMN bytes BIGINT NOT NULL DEFAULT 0;
UPDATE docs SET bytes = (SELECT COALESCE(SUM(length(c.bytes)), 0) FROM changes c WHERE c.doc_id = docs.id);
CREATE TABLE commits (seq BIGINT PRIMARY KEY, tag BIGINT NOT NULL);
CREATE TABLE receipts (
    doc_id TEXT NOT NULL, event_id TEXT NOT NULL, received_at BIGINT NOT NULL, user_id TEXT NOT NULL,
    device_id TEXT NOT NULL, device_at BIGINT NOT NULL, PRIMARY KEY (doc_id, event_id)
);
CREATE TABLE blobs (
    hash TEXT PRIMARY KEY, bytes BIGINT NOT NULL, width INT NOT NULL, height INT NOT NULL,
    user_id TEXT NOT NULL, device_id TEXT NOT NULL, completed_at BIGINT NOT NULL
);
CREATE INDEX blobs_user ON blobs(user_id);
CREATE TABLE uploads (
    device_id TEXT NOT NULL, hash TEXT NOT NULL, user_id TEXT NOT NULL, total BIGINT NOT NULL,
    started_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, PRIMARY KEY (device_id, hash)
);
CREATE INDEX uploads_updated ON uploads(updated_at);
CREATE INDEX uploads_user ON uploads(user_id);
ALTER TABLE audit RENAME COLUMN doc_id TO subject;
ALTER TABLE audit ADD COLUMN addr TEXT NOT NULL DEFAULT '';
CREATE INDEX audit_at ON audit(at);
CREATE INDEX audit_user_at ON audit(user_id, at);
CREATE INDEX audit_device_at ON audit(device_id, at);
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_dense_and_each_has_both_dialects() {
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(m.version, i as i64 + 1);
            assert!(!m.sqlite.trim().is_empty() && !m.postgres.trim().is_empty(), "{}", m.name);
        }
        assert_eq!(latest(), MIGRATIONS.len() as i64);
    }
}
