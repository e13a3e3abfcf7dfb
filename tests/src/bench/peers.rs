//! The three peers of `../shared/peers`, run from a scratch copy (the
//! shared folder stays untouched): automerge-repo with its Node server, the
//! same clients with the samod server, and PouchDB with express-pouchdb.
//! Each prints medians into a JSON file; we read its `summary_median`.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// Where the shared peers live.
pub fn shared_peers() -> PathBuf {
    if let Ok(dir) = std::env::var("GRIDPATROL_PEERS") {
        return PathBuf::from(dir);
    }
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.ancestors().map(|d| d.join("shared/peers")).find(|d| d.is_dir()).expect("../shared/peers not found")
}

fn sh(cmd: &mut Command) -> anyhow::Result<()> {
    let status = cmd.status()?;
    anyhow::ensure!(status.success(), "{cmd:?} failed with {status}");
    Ok(())
}

fn copy_tree(from: &Path, to: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(to)?;
    for e in std::fs::read_dir(from)? {
        let e = e?;
        let name = e.file_name();
        if name == "node_modules" || name == "target" || name == "results" {
            continue;
        }
        let (src, dst) = (e.path(), to.join(&name));
        if e.file_type()?.is_dir() {
            copy_tree(&src, &dst)?;
        } else {
            std::fs::copy(&src, &dst)?;
            let mut perms = std::fs::metadata(&dst)?.permissions();
            #[allow(clippy::permissions_set_readonly_false)]
            perms.set_readonly(false);
            std::fs::set_permissions(&dst, perms)?;
        }
    }
    Ok(())
}

/// Copies the peers to `work` (outside this workspace, so that cargo does
/// not take samod for one of our packages), installs their npm packages and
/// builds the samod server (once; later runs reuse them).
pub fn prepare(work: &Path) -> anyhow::Result<()> {
    let shared = shared_peers();
    for sub in ["automerge", "pouchdb", "samod"] {
        copy_tree(&shared.join(sub), &work.join(sub))?;
    }
    for sub in ["automerge", "pouchdb"] {
        if !work.join(sub).join("node_modules").is_dir() {
            eprintln!("installing the {sub} peer's npm packages…");
            let ci =
                Command::new("npm").args(["ci", "--no-audit", "--no-fund"]).current_dir(work.join(sub)).status()?;
            if !ci.success() {
                sh(Command::new("npm").args(["install", "--no-audit", "--no-fund"]).current_dir(work.join(sub)))?;
            }
        }
    }
    if !work.join("samod/target/release/samod-peer-bench").exists() {
        eprintln!("building the samod peer server (release; several minutes the first time)…");
        sh(Command::new("cargo")
            .args(["build", "--release", "--quiet"])
            .current_dir(work.join("samod"))
            .env_remove("CARGO_TARGET_DIR"))?;
    }
    Ok(())
}

/// Which peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Peer {
    AutomergeNode,
    AutomergeSamod,
    PouchDb,
}

impl Peer {
    pub const ALL: [Peer; 3] = [Peer::AutomergeNode, Peer::AutomergeSamod, Peer::PouchDb];

    pub fn name(self) -> &'static str {
        match self {
            Peer::AutomergeNode => "automerge-repo (Node server)",
            Peer::AutomergeSamod => "automerge-repo → samod (Rust server)",
            Peer::PouchDb => "PouchDB → express-pouchdb",
        }
    }

    /// Whether its server fsyncs what it acknowledges (see peers/README.md).
    pub fn fsyncs(self) -> bool {
        false
    }
}

/// Runs a peer's benchmark and returns its `summary_median`.
pub fn run(work: &Path, peer: Peer, n: usize, k: usize, runs: usize) -> anyhow::Result<Value> {
    let out = work.join("results").join(format!("{peer:?}"));
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out)?;
    let (dir, script, extra): (&str, &str, &[&str]) = match peer {
        Peer::AutomergeNode => ("automerge", "bench.mjs", &[]),
        Peer::AutomergeSamod => ("automerge", "bench.mjs", &["--server", "samod"]),
        Peer::PouchDb => ("pouchdb", "bench-pouch.mjs", &[]),
    };
    let mut cmd = Command::new("node");
    cmd.arg(script)
        .args(["--n", &n.to_string(), "--k", &k.to_string(), "--runs", &runs.to_string(), "--out"])
        .arg(&out)
        .args(extra)
        .current_dir(work.join(dir));
    eprintln!("running {}…", peer.name());
    sh(&mut cmd)?;
    let file = std::fs::read_dir(&out)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "json"))
        .ok_or_else(|| anyhow::anyhow!("{} wrote no results", peer.name()))?;
    let v: Value = serde_json::from_slice(&std::fs::read(&file)?)?;
    Ok(v["summary_median"].clone())
}
