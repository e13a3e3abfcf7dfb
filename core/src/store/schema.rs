//! The device database schema, as forward-only migrations counted by
//! `PRAGMA user_version`. A database from a newer app is refused, never
//! rewritten.

use rusqlite::Connection;

use super::StoreError;

/// Each entry moves the schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    // 1: documents, list indexes, photos, sync bookkeeping.
    r#"
    CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value BLOB NOT NULL
    ) WITHOUT ROWID;

    -- One row per Automerge document: a snapshot (a full save at the last
    -- compaction) plus change chunks appended since. Loading is one
    -- `load` of snapshot || chunks.
    CREATE TABLE docs (
        id          TEXT PRIMARY KEY,
        kind        TEXT NOT NULL,
        snapshot    BLOB NOT NULL,
        chunk_bytes INTEGER NOT NULL DEFAULT 0,
        heads       BLOB NOT NULL,
        -- Heads the server has confirmed; NULL until the first sync.
        acked_heads BLOB,
        -- 1 while the device holds changes the server has not confirmed.
        dirty       INTEGER NOT NULL DEFAULT 1,
        updated_at  INTEGER NOT NULL
    );
    CREATE INDEX docs_dirty ON docs(dirty) WHERE dirty = 1;

    CREATE TABLE doc_chunks (
        doc_id TEXT NOT NULL REFERENCES docs(id),
        seq    INTEGER NOT NULL,
        data   BLOB NOT NULL,
        PRIMARY KEY (doc_id, seq)
    ) WITHOUT ROWID;

    -- The case list, kept in the same transaction as each document write.
    CREATE TABLE cases (
        id           TEXT PRIMARY KEY,
        grid         TEXT NOT NULL,
        category     TEXT NOT NULL,
        status       TEXT NOT NULL,
        severity     TEXT NOT NULL,
        title        TEXT NOT NULL,
        address      TEXT NOT NULL,
        reporter     TEXT NOT NULL,
        department   TEXT,
        patrol_id    TEXT,
        created_at   INTEGER NOT NULL,
        updated_at   INTEGER NOT NULL,
        sla_warn_at  INTEGER,
        sla_deadline INTEGER,
        lookback_due INTEGER,
        thumb        TEXT,
        photo_count  INTEGER NOT NULL,
        event_count  INTEGER NOT NULL
    );
    CREATE INDEX cases_updated ON cases(updated_at DESC);
    CREATE INDEX cases_status ON cases(status, updated_at DESC);
    CREATE INDEX cases_grid ON cases(grid, updated_at DESC);
    CREATE INDEX cases_category ON cases(category, updated_at DESC);
    CREATE INDEX cases_reporter ON cases(reporter, updated_at DESC);
    CREATE INDEX cases_deadline ON cases(sla_deadline) WHERE sla_deadline IS NOT NULL;
    CREATE INDEX cases_lookback ON cases(lookback_due) WHERE lookback_due IS NOT NULL;

    CREATE TABLE patrols (
        id              TEXT PRIMARY KEY,
        grid            TEXT NOT NULL,
        kind            TEXT NOT NULL,
        started_by      TEXT NOT NULL,
        started_at      INTEGER NOT NULL,
        ended_at        INTEGER,
        streets_checked INTEGER NOT NULL,
        streets_total   INTEGER NOT NULL,
        cases_found     INTEGER NOT NULL
    );
    CREATE INDEX patrols_started ON patrols(started_at DESC);

    -- Content-addressed photo bytes (stored JPEGs and thumbnails).
    CREATE TABLE blobs (
        hash       TEXT PRIMARY KEY,
        data       BLOB NOT NULL,
        -- 1 once the server has confirmed it holds these bytes.
        uploaded   INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL
    );
    CREATE INDEX blobs_pending ON blobs(uploaded) WHERE uploaded = 0;

    -- What ingest learnt about each photo, for building photo refs.
    CREATE TABLE photos (
        hash            TEXT PRIMARY KEY,
        thumb           TEXT NOT NULL,
        original_sha256 TEXT NOT NULL,
        width           INTEGER NOT NULL,
        height          INTEGER NOT NULL,
        bytes           INTEGER NOT NULL,
        captured_at     INTEGER,
        gps_lat         REAL,
        gps_lon         REAL,
        created_at      INTEGER NOT NULL
    );

    -- Which blobs each document references: a case is synced only when
    -- its document and all of these are confirmed.
    CREATE TABLE doc_blobs (
        doc_id   TEXT NOT NULL,
        hash     TEXT NOT NULL,
        is_thumb INTEGER NOT NULL,
        PRIMARY KEY (doc_id, hash)
    ) WITHOUT ROWID;
    CREATE INDEX doc_blobs_hash ON doc_blobs(hash);
    "#,
    // 2: the overdue filter (SLA yellow or red) reads an index.
    r#"
    CREATE INDEX cases_warn ON cases(sla_warn_at) WHERE sla_warn_at IS NOT NULL;
    "#,
    // 3: several users on one device — whose unsynced work a document or a
    // photo is, and why the server last refused a document.
    r#"
    ALTER TABLE docs ADD COLUMN dirty_by TEXT;
    ALTER TABLE docs ADD COLUMN sync_error TEXT;
    ALTER TABLE blobs ADD COLUMN owner TEXT;
    CREATE INDEX docs_dirty_by ON docs(dirty_by) WHERE dirty = 1;
    "#,
    // 4: the map and team patrols — case positions (map pins, the duplicate
    // hint), each patrol document's team and what the team lists show, and
    // the teams' street coverage, computed once per change. Filled by a
    // reindex of every document after the migration.
    r#"
    ALTER TABLE cases ADD COLUMN lat REAL;
    ALTER TABLE cases ADD COLUMN lon REAL;
    CREATE INDEX cases_patrol ON cases(patrol_id) WHERE patrol_id IS NOT NULL;
    -- A team is the starter's document (lead IS NULL) and the members'
    -- documents naming its derived id (see model::team). `derived`: that id;
    -- `team`: the starter's document id once the device has it, else the
    -- derived id.
    ALTER TABLE patrols ADD COLUMN lead TEXT;
    ALTER TABLE patrols ADD COLUMN derived TEXT;
    ALTER TABLE patrols ADD COLUMN team TEXT;
    ALTER TABLE patrols ADD COLUMN closed_at INTEGER;
    ALTER TABLE patrols ADD COLUMN team_code TEXT NOT NULL DEFAULT '';
    ALTER TABLE patrols ADD COLUMN planned TEXT NOT NULL DEFAULT '[]';
    ALTER TABLE patrols ADD COLUMN checked TEXT NOT NULL DEFAULT '[]';
    ALTER TABLE patrols ADD COLUMN found TEXT NOT NULL DEFAULT '[]';
    ALTER TABLE patrols ADD COLUMN note TEXT NOT NULL DEFAULT '';
    ALTER TABLE patrols ADD COLUMN track_points INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE patrols ADD COLUMN track_length_m REAL NOT NULL DEFAULT 0;
    ALTER TABLE patrols ADD COLUMN first_fix_at INTEGER;
    ALTER TABLE patrols ADD COLUMN last_fix_at INTEGER;
    CREATE INDEX patrols_team ON patrols(team);
    CREATE INDEX patrols_derived ON patrols(derived) WHERE derived IS NOT NULL;
    CREATE INDEX patrols_running ON patrols(started_by) WHERE ended_at IS NULL;
    CREATE TABLE team_coverage (
        team     TEXT PRIMARY KEY,
        -- JSON of the PatrolCoverage, or null when the grid's streets have no geometry.
        coverage TEXT NOT NULL
    ) WITHOUT ROWID;
    "#,
];

/// The first schema version whose index rows a reindex of every document
/// fills (an older database is reindexed once after migrating).
pub const REINDEX_FROM: u32 = 4;

/// The schema version this build writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// Brings the database up to [`SCHEMA_VERSION`], one transaction per step;
/// returns the version it found.
pub fn migrate(conn: &mut Connection) -> Result<u32, StoreError> {
    let current: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if current > SCHEMA_VERSION {
        return Err(StoreError::NewerDatabase { found: current, supported: SCHEMA_VERSION });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i as u32 + 1)?;
        tx.commit()?;
        tracing::info!(version = i + 1, "migrated device database");
    }
    Ok(current)
}
