//! Backups of a test server's storage, taken while it runs, and restores
//! onto the same server (stopped, rolled back, started again) — the way an
//! operator restores a street office's server after a disk failure.

use gridpatrol_server::Settings;

use crate::server::TestServer;

/// A copy of a server's database.
#[derive(Debug)]
pub struct Backup {
    dir: tempfile::TempDir,
    url: String,
}

fn sqlite_path(url: &str) -> Option<&str> {
    url.strip_prefix("sqlite://")
}

impl TestServer {
    /// Backs the database up while the server keeps serving (SQLite's
    /// `VACUUM INTO`, PostgreSQL's `pg_dump`). Photos are not in it.
    pub async fn backup(&self) -> Backup {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = self.settings.database_url.clone();
        match sqlite_path(&url) {
            Some(db) => {
                let to = dir.path().join("backup.sqlite");
                rusqlite::Connection::open(db).unwrap().execute("VACUUM INTO ?1", [to.to_str().unwrap()]).unwrap();
            }
            None => {
                let out = std::process::Command::new("pg_dump")
                    .args(["--format=custom", "--file"])
                    .arg(dir.path().join("backup.dump"))
                    .arg(&url)
                    .output()
                    .expect("pg_dump runs");
                assert!(out.status.success(), "pg_dump: {}", String::from_utf8_lossy(&out.stderr));
            }
        }
        Backup { dir, url }
    }

    /// Stops the server, puts the backup back in place of its database
    /// (and, with `lose_photos`, empties the photo folder or bucket), starts it again.
    pub async fn restore(&mut self, backup: &Backup, lose_photos: bool) {
        assert_eq!(backup.url, self.settings.database_url, "a backup of this server");
        if lose_photos && self.settings.blob_url.is_some() {
            // Photos in an object store: the bucket is lost instead.
            crate::s3::empty_bucket(&self.settings).await;
        }
        let settings: Settings = self.settings.clone();
        let from = backup.dir.path().to_owned();
        let (admin, name) = match sqlite_path(&settings.database_url) {
            Some(_) => (None, String::new()),
            None => {
                let (base, name) = settings.database_url.rsplit_once('/').expect("a database name");
                (Some(format!("{base}/postgres")), name.to_owned())
            }
        };
        if let Some(admin) = &admin {
            // PostgreSQL: drop and re-create while the server is down.
            let (url, admin, name) = (settings.database_url.clone(), admin.clone(), name.clone());
            self.restart_after_async(move || async move {
                let (c, conn) = tokio_postgres::connect(&admin, tokio_postgres::NoTls).await.unwrap();
                tokio::spawn(conn);
                c.batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)")).await.unwrap();
                c.batch_execute(&format!("CREATE DATABASE {name}")).await.unwrap();
                let out = std::process::Command::new("pg_restore")
                    .arg("--dbname")
                    .arg(&url)
                    .arg(from.join("backup.dump"))
                    .output()
                    .expect("pg_restore runs");
                assert!(out.status.success(), "pg_restore: {}", String::from_utf8_lossy(&out.stderr));
                if lose_photos {
                    let _ = std::fs::remove_dir_all(&settings.blob_dir);
                }
            })
            .await;
        } else {
            let db = sqlite_path(&settings.database_url).unwrap().to_owned();
            self.restart_after(move || {
                for suffix in ["-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{db}{suffix}"));
                }
                std::fs::copy(from.join("backup.sqlite"), &db).unwrap();
                if lose_photos {
                    let _ = std::fs::remove_dir_all(&settings.blob_dir);
                }
            })
            .await;
        }
        // The janitor's first pass notices photos whose bytes are gone.
        gridpatrol_server::janitor::tidy(self.service(), std::time::Duration::from_secs(86_400)).await.unwrap();
    }
}
