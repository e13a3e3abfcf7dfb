//! PostgreSQL storage, for several stateless server instances over one
//! database. Commits take the row lock of the one sequence counter first,
//! so sequence order is commit order and no reader skips a change. The SQL
//! lives in one file per concern: [`accounts`], [`docs`], [`blobs`],
//! [`audit`]. `?sslmode=require` (with `database_ca` for a private CA)
//! connects over TLS.

mod accounts;
mod audit;
mod blobs;
mod docs;

use async_trait::async_trait;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use gridpatrol_core::model::{Reference, Scope};
use gridpatrol_core::time::Millis;
use tokio_postgres::config::SslMode;

use super::migrations::{MIGRATIONS, latest};
use super::*;

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

fn corrupt(e: impl std::fmt::Display) -> StorageError {
    StorageError::Corrupt(e.to_string())
}

/// The TLS client configuration for PostgreSQL: the public roots, or the
/// CA in `ca` (a PEM file) for a private one.
fn tls_config(ca: Option<&std::path::Path>) -> Result<rustls::ClientConfig, StorageError> {
    let mut roots = rustls::RootCertStore::empty();
    match ca {
        Some(path) => {
            let shown = path.display();
            let pem = std::fs::read(path).map_err(|e| StorageError::Tls(format!("{shown}: {e}")))?;
            for cert in rustls_pki_types::CertificateDer::pem_slice_iter(&pem) {
                let cert = cert.map_err(|e| StorageError::Tls(format!("{shown}: {e}")))?;
                roots.add(cert).map_err(|e| StorageError::Tls(e.to_string()))?;
            }
        }
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    Ok(rustls::ClientConfig::builder().with_root_certificates(roots).with_no_client_auth())
}

use rustls_pki_types::pem::PemObject;

impl PostgresStorage {
    /// Connects a pool to `url` (`postgres://user:pass@host:port/db`).
    pub async fn connect(url: &str, ca: Option<&std::path::Path>) -> Result<Self, StorageError> {
        let config: tokio_postgres::Config = url.parse()?;
        let mc = ManagerConfig { recycling_method: RecyclingMethod::Fast };
        // `require` means TLS with a verified certificate; anything less is
        // plain (libpq's `prefer` would not verify, which protects nothing).
        let manager = match config.get_ssl_mode() {
            SslMode::Require => {
                Manager::from_config(config, tokio_postgres_rustls::MakeRustlsConnect::new(tls_config(ca)?), mc)
            }
            _ => Manager::from_config(config, tokio_postgres::NoTls, mc),
        };
        let pool = Pool::builder(manager).max_size(16).build().map_err(pool_err)?;
        // Fail early with a clear error if the server is unreachable.
        drop(pool.get().await.map_err(pool_err)?);
        Ok(PostgresStorage { pool })
    }

    async fn client(&self) -> Result<deadpool_postgres::Object, StorageError> {
        self.pool.get().await.map_err(pool_err)
    }
}

/// The migration runner: applies what `schema_migrations` lacks, in order,
/// under an advisory lock so instances starting together take turns. A
/// database of the first release (`schema_version` 1) is adopted as version 1.
async fn migrate(c: &mut tokio_postgres::Client) -> Result<(), StorageError> {
    let tx = c.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock(7463210)", &[]).await?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
    )
    .await?;
    let mut current: i64 =
        tx.query_one("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", &[]).await?.try_get(0)?;
    let legacy = tx.query_one("SELECT to_regclass('schema_version') IS NOT NULL", &[]).await?.try_get::<_, bool>(0)?;
    if current == 0 && legacy {
        tx.execute("INSERT INTO schema_migrations VALUES (1, 'adopted', $1)", &[&gridpatrol_core::time::now_ms()])
            .await?;
        tx.batch_execute("DROP TABLE schema_version").await?;
        current = 1;
    }
    if current > latest() {
        return Err(StorageError::NewerSchema { found: current, supported: latest() });
    }
    for m in MIGRATIONS.iter().filter(|m| m.version > current) {
        tx.batch_execute(m.postgres).await?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
            &[&m.version, &m.name, &gridpatrol_core::time::now_ms()],
        )
        .await?;
        tracing::info!(version = m.version, name = m.name, "migrated the PostgreSQL schema");
    }
    tx.commit().await?;
    Ok(())
}

#[async_trait]
impl Storage for PostgresStorage {
    async fn migrate(&self) -> Result<(), StorageError> {
        migrate(&mut **self.client().await?).await
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
        accounts::credentials(&**self.client().await?, username).await
    }

    async fn put_credentials(&self, cr: &Credentials) -> Result<(), StorageError> {
        accounts::put_credentials(&**self.client().await?, cr).await
    }

    async fn device(&self, id: &str) -> Result<Option<Device>, StorageError> {
        accounts::device(&**self.client().await?, id).await
    }

    async fn register_device(&self, d: &Device) -> Result<(), StorageError> {
        accounts::register_device(&**self.client().await?, d).await
    }

    async fn devices(&self) -> Result<Vec<Device>, StorageError> {
        accounts::devices(&**self.client().await?).await
    }

    async fn revoke_device(&self, id: &str, at: Millis) -> Result<bool, StorageError> {
        accounts::revoke_device(&mut **self.client().await?, id, at).await
    }

    async fn add_token(&self, t: &Token) -> Result<(), StorageError> {
        accounts::add_token(&**self.client().await?, t).await
    }

    async fn token(&self, hash: &str) -> Result<Option<TokenInfo>, StorageError> {
        accounts::token(&**self.client().await?, hash).await
    }

    async fn touch_token(&self, hash: &str, now: Millis, expires_at: Millis) -> Result<(), StorageError> {
        accounts::touch_token(&**self.client().await?, hash, now, expires_at).await
    }

    async fn revoke_token(&self, hash: &str, at: Millis) -> Result<bool, StorageError> {
        accounts::revoke_token(&**self.client().await?, hash, at).await
    }

    async fn revoke_user_tokens(&self, user_id: &str, at: Millis) -> Result<u64, StorageError> {
        accounts::revoke_user_tokens(&**self.client().await?, user_id, at).await
    }

    async fn tokens_of_device(&self, device_id: &str) -> Result<Vec<Token>, StorageError> {
        accounts::tokens_of_device(&**self.client().await?, device_id).await
    }

    async fn login_failures(&self, username: &str, addr: &str) -> Result<Option<LoginFailures>, StorageError> {
        accounts::login_failures(&**self.client().await?, username, addr).await
    }

    async fn record_login_failure(
        &self,
        username: &str,
        addr: &str,
        now: Millis,
        max: u32,
        lockout_ms: Millis,
    ) -> Result<LoginFailures, StorageError> {
        accounts::record_login_failure(&mut **self.client().await?, username, addr, now, max, lockout_ms).await
    }

    async fn clear_login_failures(&self, username: &str, addr: &str) -> Result<(), StorageError> {
        accounts::clear_login_failures(&**self.client().await?, username, addr).await
    }

    async fn prune_login_failures(&self, before: Millis) -> Result<u64, StorageError> {
        accounts::prune_login_failures(&**self.client().await?, before).await
    }

    async fn doc_metas(&self, ids: &[String]) -> Result<Vec<DocMeta>, StorageError> {
        docs::metas(&**self.client().await?, ids).await
    }

    async fn load_doc(&self, id: &str) -> Result<Option<StoredDoc>, StorageError> {
        docs::load(&**self.client().await?, id).await
    }

    async fn commit_docs(&self, writes: &[DocWrite]) -> Result<Vec<CommitOutcome>, StorageError> {
        docs::commit(&mut **self.client().await?, writes).await
    }

    async fn head(&self) -> Result<CommitRef, StorageError> {
        docs::head(&**self.client().await?).await
    }

    async fn commit_tag(&self, seq: u64) -> Result<Option<u64>, StorageError> {
        docs::commit_tag(&**self.client().await?, seq).await
    }

    async fn changed_since(
        &self,
        cursor: u64,
        upto: u64,
        scope: &Scope,
        limit: u32,
    ) -> Result<Vec<DocMeta>, StorageError> {
        docs::changed_since(&**self.client().await?, cursor, upto, scope, limit).await
    }

    async fn changes_since(&self, ids: &[String], cursor: u64) -> Result<Vec<PulledChange>, StorageError> {
        docs::changes_since(&**self.client().await?, ids, cursor).await
    }

    async fn receipts(&self, doc_id: &str) -> Result<Vec<(String, Millis)>, StorageError> {
        docs::receipts(&**self.client().await?, doc_id).await
    }

    async fn blob_visible(&self, hash: &str, scope: &Scope) -> Result<bool, StorageError> {
        blobs::visible(&**self.client().await?, hash, scope).await
    }

    async fn blob(&self, hash: &str) -> Result<Option<BlobRecord>, StorageError> {
        blobs::get(&**self.client().await?, hash).await
    }

    async fn put_blob(&self, b: &BlobRecord, audit: &AuditEntry) -> Result<(), StorageError> {
        blobs::put(&mut **self.client().await?, b, audit).await
    }

    async fn forget_blob(&self, hash: &str) -> Result<(), StorageError> {
        blobs::forget(&**self.client().await?, hash).await
    }

    async fn blob_hashes(&self, after: &str, limit: u32) -> Result<Vec<String>, StorageError> {
        blobs::hashes(&**self.client().await?, after, limit).await
    }

    async fn wanted_blobs(&self, scope: &Scope, limit: u32) -> Result<Vec<String>, StorageError> {
        blobs::wanted(&**self.client().await?, scope, limit).await
    }

    async fn upload(&self, device_id: &str, hash: &str) -> Result<Option<Upload>, StorageError> {
        blobs::upload(&**self.client().await?, device_id, hash).await
    }

    async fn put_upload(&self, u: &Upload) -> Result<(), StorageError> {
        blobs::put_upload(&**self.client().await?, u).await
    }

    async fn delete_upload(&self, device_id: &str, hash: &str) -> Result<(), StorageError> {
        blobs::delete_upload(&**self.client().await?, device_id, hash).await
    }

    async fn stale_uploads(&self, before: Millis, limit: u32) -> Result<Vec<Upload>, StorageError> {
        blobs::stale_uploads(&**self.client().await?, before, limit).await
    }

    async fn usage(&self, user_id: &str) -> Result<u64, StorageError> {
        blobs::usage(&**self.client().await?, user_id).await
    }

    async fn audit_write(&self, e: &AuditEntry) -> Result<(), StorageError> {
        let c = self.client().await?;
        audit::write(&**c, e).await
    }

    async fn audit(&self, q: &AuditQuery) -> Result<Vec<AuditEntry>, StorageError> {
        audit::query(&**self.client().await?, q).await
    }

    async fn compaction_candidates(&self, min_changes: u32, limit: u32) -> Result<Vec<String>, StorageError> {
        docs::compaction_candidates(&**self.client().await?, min_changes, limit).await
    }

    async fn put_snapshot(&self, id: &str, snapshot: &[u8], upto_seq: u64) -> Result<(), StorageError> {
        docs::put_snapshot(&**self.client().await?, id, snapshot, upto_seq).await
    }

    async fn digest(&self) -> Result<StateDigest, StorageError> {
        audit::digest(&**self.client().await?).await
    }
}
