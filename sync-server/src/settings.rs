//! Server settings, layered: built-in defaults, then a TOML file, then
//! `GRIDPATROL_*` environment variables (e.g. `GRIDPATROL_DATABASE_URL`).

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// Everything the server can be told.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// `sqlite://PATH` (embedded, the default) or `postgres://…`
    /// (`?sslmode=require` for TLS).
    pub database_url: String,
    /// A PEM file of the CA that signed the PostgreSQL server's certificate
    /// (default: the usual public roots).
    pub database_ca: Option<PathBuf>,
    /// Folder for photo blobs (when there is no `blob_url`).
    pub blob_dir: PathBuf,
    /// Photos in an S3-compatible object store instead: `s3://bucket` or
    /// `s3://bucket/prefix` (needed for several server instances).
    /// Credentials and endpoint: the `AWS_*` environment variables or
    /// `blob_options`.
    pub blob_url: Option<String>,
    /// Object store options (`endpoint`, `region`, `access_key_id`,
    /// `secret_access_key`, `allow_http`, …), e.g.
    /// `GRIDPATROL_BLOB_OPTIONS='{endpoint="http://minio:9000",allow_http="true"}'`.
    pub blob_options: BTreeMap<String, String>,
    /// Serve HTTPS with this certificate chain and key (PEM files); both or neither.
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,

    /// Largest photo or thumbnail accepted.
    pub max_blob_bytes: u64,
    /// Longest image edge accepted (the devices' ingest stores ≤ 2048 px).
    pub max_image_edge: u32,
    /// Photo bytes one user may hold on the server.
    pub blob_quota_bytes: u64,
    /// Uploads untouched this long are discarded.
    pub upload_stale_secs: u64,
    /// Largest request body (after gzip).
    pub max_body_bytes: usize,
    /// Largest set of new changes for one document in one push.
    pub max_doc_push_bytes: usize,
    /// Largest a document may grow to (all its stored changes).
    pub max_doc_bytes: u64,
    /// Documents per push and per pull page.
    pub max_push_docs: usize,
    pub pull_page_docs: u32,

    /// A device token dies after this long unused (each use extends it).
    pub token_ttl_secs: u64,
    /// Wrong passwords (per user name and address) before a lockout, and its length.
    pub login_max_failures: u32,
    pub login_lockout_secs: u64,
    /// Password hashes computed at once (each takes a core for ~50 ms).
    pub hash_concurrency: usize,
    /// Proxies whose `X-Forwarded-For` names the real client.
    pub trusted_proxies: Vec<IpAddr>,

    /// How far ahead of the server's clock a device's time may be.
    pub max_clock_skew_secs: u64,
    /// How far back a case's report may be dated (补录).
    pub max_backdate_days: u64,

    /// Connections served at once; more wait in the kernel's backlog.
    pub max_connections: usize,
    /// Time to send a request's headers, to send its body, and to stay idle.
    pub header_timeout_secs: u64,
    pub body_timeout_secs: u64,
    pub idle_timeout_secs: u64,

    /// Memory for hot documents kept loaded (an LRU by bytes).
    pub doc_cache_bytes: usize,
    /// Sync requests worked on at once; more wait their turn. Bounds the
    /// memory a sync storm takes, whatever the number of devices.
    pub max_concurrent_syncs: usize,
    /// How often to compact documents (0: never), and the threshold.
    pub compaction_interval_secs: u64,
    pub compaction_min_changes: u32,
    /// How often to check that every recorded photo is in the blob store
    /// and discard stale uploads (0: only at start).
    pub janitor_interval_secs: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            listen: "127.0.0.1:8787".parse().expect("valid address"),
            database_url: "sqlite://gridpatrol-data/server.sqlite".into(),
            database_ca: None,
            blob_dir: "gridpatrol-data/blobs".into(),
            blob_url: None,
            blob_options: BTreeMap::new(),
            tls_cert: None,
            tls_key: None,
            max_blob_bytes: 8 << 20,
            max_image_edge: 2048,
            blob_quota_bytes: 4 << 30,
            upload_stale_secs: 24 * 3600,
            max_body_bytes: 16 << 20,
            max_doc_push_bytes: 2 << 20,
            max_doc_bytes: 16 << 20,
            max_push_docs: 500,
            pull_page_docs: 500,
            token_ttl_secs: 30 * 24 * 3600,
            login_max_failures: 5,
            login_lockout_secs: 60,
            hash_concurrency: std::thread::available_parallelism().map_or(2, |n| n.get()),
            trusted_proxies: vec![],
            max_clock_skew_secs: 600,
            max_backdate_days: 90,
            max_connections: 1024,
            header_timeout_secs: 10,
            body_timeout_secs: 60,
            idle_timeout_secs: 120,
            doc_cache_bytes: 32 << 20,
            max_concurrent_syncs: std::thread::available_parallelism().map_or(2, |n| n.get()).max(2) * 2,
            compaction_interval_secs: 60,
            compaction_min_changes: 32,
            janitor_interval_secs: 3600,
        }
    }
}

/// The database URL without its password, for logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            let user = creds.split(':').next().unwrap_or("");
            format!("{}{user}:***{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("listen", &self.listen)
            .field("database_url", &redact_url(&self.database_url))
            .field("blob_dir", &self.blob_dir)
            .field("blob_url", &self.blob_url)
            .field("blob_options", &self.blob_options.keys().collect::<Vec<_>>())
            .field("tls", &self.tls_cert.is_some())
            .field("max_blob_bytes", &self.max_blob_bytes)
            .field("max_body_bytes", &self.max_body_bytes)
            .finish_non_exhaustive()
    }
}

impl Settings {
    /// Defaults, then `file` (if given), then the environment.
    pub fn load(file: Option<&Path>) -> Result<Self, Box<figment::Error>> {
        let mut fig = Figment::from(Serialized::defaults(Settings::default()));
        if let Some(f) = file {
            fig = fig.merge(Toml::file_exact(f));
        }
        fig.merge(Env::prefixed("GRIDPATROL_")).extract().map_err(Box::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layers_and_redaction() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("server.toml");
        std::fs::write(&file, "listen = \"0.0.0.0:9000\"\npull_page_docs = 50\ntls_cert = \"c.pem\"\n").unwrap();
        let s = Settings::load(Some(&file)).unwrap();
        assert_eq!(s.listen.port(), 9000);
        assert_eq!(s.pull_page_docs, 50);
        assert_eq!(s.max_push_docs, 500);
        assert_eq!(s.tls_cert.as_deref(), Some(Path::new("c.pem")));
        let s = Settings { database_url: "postgres://gp:s3cret@db:5432/gp".into(), ..Settings::default() };
        let shown = format!("{s:?}");
        assert!(!shown.contains("s3cret") && shown.contains("gp:***@db"), "{shown}");
        assert!(Settings::load(Some(&dir.path().join("missing.toml"))).is_err());
        assert_eq!(s.blob_url, None, "the folder is the default");
        std::fs::write(
            &file,
            "blob_url = \"s3://photos/city\"\n[blob_options]\nendpoint = \"http://minio:9000\"\nsecret_access_key = \"topsecret\"\n",
        )
        .unwrap();
        let s = Settings::load(Some(&file)).unwrap();
        assert_eq!(s.blob_url.as_deref(), Some("s3://photos/city"));
        assert_eq!(s.blob_options.get("endpoint").map(String::as_str), Some("http://minio:9000"));
        let shown = format!("{s:?}");
        assert!(!shown.contains("topsecret") && shown.contains("secret_access_key"), "{shown}");
    }
}
