//! Server settings, layered: built-in defaults, then a TOML file, then
//! `GRIDPATROL_*` environment variables (e.g. `GRIDPATROL_DATABASE_URL`).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// Everything the server can be told.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// `sqlite://PATH` (embedded, the default) or `postgres://…`.
    pub database_url: String,
    /// Folder for photo blobs.
    pub blob_dir: PathBuf,
    /// Largest photo accepted.
    pub max_blob_bytes: u64,
    /// Largest sync request body.
    pub max_body_bytes: usize,
    /// Documents per push and per pull page.
    pub max_push_docs: usize,
    pub pull_page_docs: u32,
    /// Wrong passwords before a short lockout, and its length.
    pub login_max_failures: u32,
    pub login_lockout_secs: u64,
    /// How often to compact documents (0: never), and the threshold.
    pub compaction_interval_secs: u64,
    pub compaction_min_changes: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            listen: "127.0.0.1:8787".parse().expect("valid address"),
            database_url: "sqlite://gridpatrol-data/server.sqlite".into(),
            blob_dir: "gridpatrol-data/blobs".into(),
            max_blob_bytes: 20 << 20,
            max_body_bytes: 32 << 20,
            max_push_docs: 500,
            pull_page_docs: 500,
            login_max_failures: 5,
            login_lockout_secs: 60,
            compaction_interval_secs: 60,
            compaction_min_changes: 32,
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
        std::fs::write(&file, "listen = \"0.0.0.0:9000\"\npull_page_docs = 50\n").unwrap();
        let s = Settings::load(Some(&file)).unwrap();
        assert_eq!(s.listen.port(), 9000);
        assert_eq!(s.pull_page_docs, 50);
        assert_eq!(s.max_push_docs, 500);
        let s = Settings { database_url: "postgres://gp:s3cret@db:5432/gp".into(), ..Settings::default() };
        let shown = format!("{s:?}");
        assert!(!shown.contains("s3cret") && shown.contains("gp:***@db"), "{shown}");
        assert!(Settings::load(Some(&dir.path().join("missing.toml"))).is_err());
    }
}
