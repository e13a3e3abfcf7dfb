//! Real sync servers for tests, on 127.0.0.1:0.

use std::sync::Arc;
use std::time::Duration;

use gridpatrol_server::Settings;
use gridpatrol_server::service::{StatsSnapshot, SyncService};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Which storage a test server uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Where a test server keeps photos.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blobs {
    /// A folder in the server's temporary directory (the embedded default).
    Folder,
    /// A fresh bucket on a moto S3 server started for this test server.
    S3,
}

/// Imports the demo street office (every user's password: the demo one).
pub async fn import_demo(service: &SyncService) {
    service
        .import(
            &gridpatrol_server::service::audit::Actor::cli(),
            &gridpatrol_core::demo::reference(),
            &gridpatrol_server::service::admin::InitialPasswords::Shared(gridpatrol_core::demo::DEMO_PASSWORD.into()),
        )
        .await
        .expect("demo imports");
}

/// A running server; restartable over the same storage.
#[derive(Debug)]
pub struct TestServer {
    pub url: String,
    pub settings: Settings,
    service: Option<Arc<SyncService>>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<anyhow::Result<()>>>,
    _dir: Arc<tempfile::TempDir>,
    _moto: Option<Arc<crate::s3::Moto>>,
}

/// The PostgreSQL server the tests use: `$GRIDPATROL_TEST_PG_URL` (set by
/// `scripts/test`, which starts a throwaway cluster on 127.0.0.1).
pub fn pg_admin_url() -> String {
    std::env::var("GRIDPATROL_TEST_PG_URL").expect(
        "PostgreSQL tests need GRIDPATROL_TEST_PG_URL: run them through scripts/test, which starts a throwaway cluster",
    )
}

/// Creates an empty database for one test and returns its URL.
pub async fn fresh_pg_database() -> String {
    fresh_pg_database_at(&pg_admin_url()).await
}

/// Creates an empty database on the PostgreSQL server of `admin` (a URL
/// with the right to create databases) and returns its URL.
pub async fn fresh_pg_database_at(admin: &str) -> String {
    let admin = admin.to_owned();
    let (client, conn) =
        tokio_postgres::connect(&admin, tokio_postgres::NoTls).await.expect("connect to test PostgreSQL");
    tokio::spawn(conn);
    let name = format!("gp_{}", uuid::Uuid::new_v4().simple());
    client.batch_execute(&format!("CREATE DATABASE {name}")).await.expect("create test database");
    // Replace the database name at the end of the admin URL.
    let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
    format!("{base}/{name}")
}

impl TestServer {
    /// Starts a server with the demo street office imported.
    pub async fn start(backend: Backend) -> TestServer {
        Self::start_with(backend, |_| {}).await
    }

    /// Starts a server after letting `tune` adjust its settings.
    pub async fn start_with(backend: Backend, tune: impl FnOnce(&mut Settings)) -> TestServer {
        Self::start_on(backend, Blobs::Folder, tune).await
    }

    /// Starts a server with photos in `blobs` (for [`Blobs::S3`], check
    /// [`crate::s3::moto_available`] first).
    pub async fn start_on(backend: Backend, blobs: Blobs, tune: impl FnOnce(&mut Settings)) -> TestServer {
        crate::init_logs();
        let dir = Arc::new(tempfile::tempdir().expect("temp dir"));
        let database_url = match backend {
            Backend::Sqlite => format!("sqlite://{}", dir.path().join("server.sqlite").display()),
            Backend::Postgres => fresh_pg_database().await,
        };
        let mut settings = Settings {
            listen: "127.0.0.1:0".parse().unwrap(),
            database_url,
            blob_dir: dir.path().join("blobs"),
            compaction_interval_secs: 0,
            ..Settings::default()
        };
        let moto = match blobs {
            Blobs::Folder => None,
            Blobs::S3 => {
                let moto = crate::s3::Moto::start().await;
                let bucket = moto.bucket().await;
                moto.configure(&mut settings, &bucket);
                Some(Arc::new(moto))
            }
        };
        tune(&mut settings);
        let service = gridpatrol_server::build(&settings).await.expect("server builds");
        import_demo(&service).await;
        let mut s = TestServer {
            url: String::new(),
            settings,
            service: Some(service),
            shutdown: None,
            task: None,
            _dir: dir,
            _moto: moto,
        };
        s.listen(None).await;
        s
    }

    async fn listen(&mut self, port: Option<u16>) {
        let addr = format!("127.0.0.1:{}", port.unwrap_or(0));
        let listener = tokio::net::TcpListener::bind(&addr).await.expect("bind 127.0.0.1");
        let scheme = if self.settings.tls_cert.is_some() { "https" } else { "http" };
        self.url = format!("{scheme}://{}", listener.local_addr().unwrap());
        let (tx, rx) = oneshot::channel();
        let settings = self.settings.clone();
        let service = self.service().clone();
        self.task = Some(tokio::spawn(async move {
            gridpatrol_server::serve_service(service, &settings, listener, async {
                let _ = rx.await;
            })
            .await
        }));
        self.shutdown = Some(tx);
    }

    /// Stops serving (connections are closed).
    pub async fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.task.take() {
            let _ = tokio::time::timeout(Duration::from_secs(10), t).await;
        }
    }

    /// Stops and starts a new server process-equivalent on the same port
    /// and storage: a new service, nothing kept in memory.
    pub async fn restart(&mut self) {
        self.restart_after(|| {}).await;
    }

    /// Stops, releases the storage (every connection closed), runs
    /// `offline` (e.g. restore a backup), then starts again on the same port.
    pub async fn restart_after(&mut self, offline: impl FnOnce()) {
        let port: u16 = self.url.rsplit(':').next().and_then(|p| p.parse().ok()).expect("port");
        self.stop().await;
        let service = self.service.take().expect("running");
        drop(service); // the serve task has ended, so this was the last handle
        offline();
        self.service = Some(gridpatrol_server::build(&self.settings).await.expect("server rebuilds"));
        self.listen(Some(port)).await;
    }

    /// [`Self::restart_after`] with an async offline step.
    pub async fn restart_after_async<F: std::future::Future<Output = ()>>(&mut self, offline: impl FnOnce() -> F) {
        let port: u16 = self.url.rsplit(':').next().and_then(|p| p.parse().ok()).expect("port");
        self.stop().await;
        drop(self.service.take().expect("running"));
        offline().await;
        self.service = Some(gridpatrol_server::build(&self.settings).await.expect("server rebuilds"));
        self.listen(Some(port)).await;
    }

    /// Moves every token's times `ms` into the past, as if that long had
    /// passed since it was last used.
    pub async fn age_tokens(&self, ms: i64) {
        let sql = format!(
            "UPDATE tokens SET created_at = created_at - {ms}, last_used_at = last_used_at - {ms}, expires_at = expires_at - {ms}"
        );
        match self.settings.database_url.strip_prefix("sqlite://") {
            Some(path) => {
                rusqlite::Connection::open(path).unwrap().execute_batch(&sql).unwrap();
            }
            None => {
                let (c, conn) =
                    tokio_postgres::connect(&self.settings.database_url, tokio_postgres::NoTls).await.unwrap();
                tokio::spawn(conn);
                c.batch_execute(&sql).await.unwrap();
            }
        }
    }

    /// Whether the photo `hash` is published where this server keeps
    /// photos (its folder or its bucket), looked up behind its back.
    pub async fn photo_stored(&self, hash: &str) -> bool {
        match &self.settings.blob_url {
            Some(_) => {
                crate::s3::keys(&self.settings).await.iter().any(|(k, _)| k == &format!("blobs/{}/{hash}", &hash[..2]))
            }
            None => self.settings.blob_dir.join(&hash[..2]).join(hash).is_file(),
        }
    }

    /// Files or objects of uploads in progress, looked up behind the
    /// server's back.
    pub async fn partial_objects(&self) -> usize {
        match &self.settings.blob_url {
            Some(_) => crate::s3::keys(&self.settings).await.iter().filter(|(k, _)| k.starts_with("partial/")).count(),
            None => std::fs::read_dir(self.settings.blob_dir.join("partial"))
                .into_iter()
                .flatten()
                .flatten()
                .flat_map(|d| std::fs::read_dir(d.path()).into_iter().flatten().flatten())
                .count(),
        }
    }

    /// The running service.
    pub fn service(&self) -> &Arc<SyncService> {
        self.service.as_ref().expect("the server is running")
    }

    /// Every audit line, newest first.
    pub async fn audit(&self) -> Vec<gridpatrol_server::storage::AuditEntry> {
        let q = gridpatrol_server::storage::AuditQuery { limit: u32::MAX, ..Default::default() };
        self.service().storage().audit(&q).await.expect("audit reads")
    }

    /// The service's counters.
    pub fn stats(&self) -> StatsSnapshot {
        self.service().stats()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}
