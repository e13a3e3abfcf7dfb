//! Our sync server as a separate process (release build, embedded SQLite
//! with fsync on every acknowledged commit, demo data imported), behind a
//! counting proxy so bytes on the wire are measured at TCP level; peak RSS
//! read from /proc and reset between phases.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::proxy::FaultProxy;

/// A running server process.
#[derive(Debug)]
pub struct ServerProc {
    child: Child,
    /// The URL clients use (the counting proxy).
    pub url: String,
    /// The server itself, without the proxy.
    pub direct_url: String,
    pub proxy: FaultProxy,
    pub dir: tempfile::TempDir,
    pub db_url: String,
}

/// The server binary of the same build as this program: next to it
/// (benchmark binaries) or one folder up (test binaries in `deps/`).
pub fn server_binary() -> PathBuf {
    let me = std::env::current_exe().expect("current exe");
    let here = me.parent().expect("a folder");
    [here.join("gridpatrol-server"), here.join("../gridpatrol-server")]
        .into_iter()
        .find(|p| p.exists())
        .unwrap_or_else(|| panic!("build it first: cargo build -p gridpatrol-server (looked next to {})", me.display()))
}

fn spawn(port: u16, db_url: &str, blobs: &Path) -> Child {
    Command::new(server_binary())
        .args(["serve", "--demo"])
        .env("GRIDPATROL_LISTEN", format!("127.0.0.1:{port}"))
        .env("GRIDPATROL_DATABASE_URL", db_url)
        .env("GRIDPATROL_BLOB_DIR", blobs)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .expect("server starts")
}

async fn wait_up(url: &str) {
    for _ in 0..2400 {
        if reqwest::get(format!("{url}/v1/health")).await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("server at {url} did not come up");
}

impl ServerProc {
    /// Starts a fresh server with the demo street office (embedded SQLite).
    pub async fn start() -> ServerProc {
        Self::start_on(None).await
    }

    /// Starts a fresh server on `db_url` (default: a new SQLite file).
    pub async fn start_on(db_url: Option<String>) -> ServerProc {
        let dir = tempfile::tempdir().expect("temp dir");
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let db_url = db_url.unwrap_or_else(|| format!("sqlite://{}", dir.path().join("server.sqlite").display()));
        let child = spawn(port, &db_url, &dir.path().join("blobs"));
        let direct_url = format!("http://127.0.0.1:{port}");
        wait_up(&direct_url).await;
        let proxy = FaultProxy::start(&direct_url).await;
        ServerProc { child, url: proxy.url.clone(), direct_url, proxy, dir, db_url }
    }

    /// `kill -9`: no shutdown, no flush, whatever was in flight is cut.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts the server again on the same port and storage.
    pub async fn restart(&mut self) {
        let port: u16 = self.direct_url.rsplit(':').next().and_then(|p| p.parse().ok()).expect("port");
        self.child = spawn(port, &self.db_url, &self.dir.path().join("blobs"));
        wait_up(&self.direct_url).await;
    }

    fn proc_file(&self, name: &str) -> PathBuf {
        PathBuf::from(format!("/proc/{}/{name}", self.child.id()))
    }

    /// Peak resident memory (VmHWM) in bytes since the last reset.
    pub fn peak_rss(&self) -> u64 {
        read_kb(&self.proc_file("status"), "VmHWM:") * 1024
    }

    /// Current resident memory in bytes.
    pub fn rss(&self) -> u64 {
        read_kb(&self.proc_file("status"), "VmRSS:") * 1024
    }

    /// Resets the peak (kernel `clear_refs` 5).
    pub fn reset_peak(&self) {
        let _ = std::fs::write(self.proc_file("clear_refs"), "5");
    }

    /// Starts `$GRIDPATROL_BENCH_PROFILE` (a shell command, e.g. `perf
    /// record -g -p $SERVER_PID -o sync.data`) for the measured phase; it is
    /// stopped (SIGINT) when the guard drops. Nothing when unset.
    pub fn profile_hook(&self) -> Option<Profiler> {
        let cmd = std::env::var("GRIDPATROL_BENCH_PROFILE").ok()?;
        let child = Command::new("sh")
            .args(["-c", &format!("exec {cmd}")])
            .env("SERVER_PID", self.child.id().to_string())
            .env("BENCH_PID", std::process::id().to_string())
            .spawn()
            .ok()?;
        std::thread::sleep(Duration::from_millis(300)); // let it attach
        Some(Profiler(child))
    }

    /// Bytes through the proxy so far: (up, down).
    pub fn wire(&self) -> (u64, u64) {
        self.proxy.bytes()
    }

    /// Bytes the server keeps on disk (database, WAL and photos).
    pub fn disk_bytes(&self) -> u64 {
        dir_bytes(self.dir.path())
    }
}

/// A profiler attached for one phase; interrupted when dropped.
#[derive(Debug)]
pub struct Profiler(Child);

impl Drop for Profiler {
    fn drop(&mut self) {
        let _ = Command::new("kill").args(["-INT", &self.0.id().to_string()]).status();
        let _ = self.0.wait();
    }
}

impl Drop for ServerProc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn read_kb(path: &Path, key: &str) -> u64 {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with(key)).map(str::to_owned))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

/// Total size of the files under `dir`.
pub fn dir_bytes(dir: &Path) -> u64 {
    let mut total = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            match e.metadata() {
                Ok(m) if m.is_dir() => stack.push(e.path()),
                Ok(m) => total += m.len(),
                Err(_) => {}
            }
        }
    }
    total
}
