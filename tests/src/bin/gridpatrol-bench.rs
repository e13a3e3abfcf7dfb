//! `gridpatrol-bench`: the benchmark suite. Run it through `scripts/bench`
//! (which builds in release and prepares the peers). Prints a Markdown
//! table and writes it with the raw figures as JSON.
//!
//! Options: `--devices N` (end-of-day devices, default 100), `--photo-devices
//! N` (with 3 photos per case, default 20), `--runs R` (default 3),
//! `--n N` / `--k K` (peer workload, default 1000 / 10), `--peer-runs R`,
//! `--no-peers`, `--out DIR` (default target/bench), `--smoke` (tiny sizes,
//! correctness only), `--only eod,reconnect,memory,peers` (sections to
//! run), `--memory-docs N` (documents stored for the memory section),
//! `--pg URL` (the end-of-day return on PostgreSQL too; default
//! `$GRIDPATROL_TEST_PG_URL` when set), `--baseline FILE` (the results.json
//! of an older build's end-of-day run on this machine, shown beside ours
//! with the ratio; `scripts/bench --baseline REV` makes it).

use std::path::PathBuf;
use std::time::Instant;

use gridpatrol_tests::bench::peers::{self, Peer};
use gridpatrol_tests::bench::stats::median;
use gridpatrol_tests::bench::{end_of_day, peer_workload, reconnect};
use serde_json::{Value, json};

/// The devices of the benchmark run with the app's allocator (the app's
/// `main.rs` sets the same).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

struct Args {
    devices: usize,
    photo_devices: usize,
    runs: usize,
    n: usize,
    k: usize,
    peer_runs: usize,
    peers: bool,
    out: PathBuf,
    reconnect_docs: usize,
    memory_docs: usize,
    only: Vec<String>,
    pg: Option<String>,
    baseline: Option<PathBuf>,
}

impl Args {
    fn runs(&self, section: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|s| s == section)
    }
}

fn args() -> Args {
    let mut a = Args {
        devices: 100,
        photo_devices: 20,
        runs: 3,
        n: 1000,
        k: 10,
        peer_runs: 3,
        peers: true,
        out: PathBuf::from("target/bench"),
        reconnect_docs: 10_000,
        memory_docs: 100_000,
        only: vec![],
        pg: std::env::var("GRIDPATROL_TEST_PG_URL").ok(),
        baseline: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut num = || it.next().and_then(|v| v.parse().ok()).expect("a number");
        match flag.as_str() {
            "--devices" => a.devices = num(),
            "--photo-devices" => a.photo_devices = num(),
            "--runs" => a.runs = num(),
            "--n" => a.n = num(),
            "--k" => a.k = num(),
            "--peer-runs" => a.peer_runs = num(),
            "--reconnect-docs" => a.reconnect_docs = num(),
            "--memory-docs" => a.memory_docs = num(),
            "--no-peers" => a.peers = false,
            "--only" => a.only = it.next().expect("sections").split(',').map(str::to_owned).collect(),
            "--pg" => a.pg = Some(it.next().expect("a PostgreSQL URL")),
            "--no-pg" => a.pg = None,
            "--baseline" => a.baseline = Some(PathBuf::from(it.next().expect("a results.json"))),
            "--out" => a.out = PathBuf::from(it.next().expect("a folder")),
            "--smoke" => {
                (a.devices, a.photo_devices, a.runs, a.n, a.k, a.peers, a.reconnect_docs, a.memory_docs) =
                    (4, 2, 1, 50, 5, false, 200, 300)
            }
            other => panic!("unknown option {other}"),
        }
    }
    a
}

fn mib(b: f64) -> String {
    format!("{:.2} MiB", b / 1_048_576.0)
}

fn kib(b: f64) -> String {
    format!("{:.1} KiB", b / 1024.0)
}

fn med(rows: &[Value], key: &str) -> f64 {
    median(&rows.iter().filter_map(|r| r[key].as_f64()).collect::<Vec<_>>())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let a = args();
    std::fs::create_dir_all(&a.out)?;
    let mut md = String::new();
    let mut all = json!({"machine": machine()});
    // How long each section took, printed and kept in results.json.
    let started = Instant::now();
    let mut lap = Instant::now();
    let mut took = |all: &mut Value, section: &str| {
        let s = lap.elapsed().as_secs_f64();
        all["section_seconds"][section] = json!(s.round());
        eprintln!("bench: {section} took {s:.0} s ({:.0} s so far)", started.elapsed().as_secs_f64());
        lap = Instant::now();
    };
    // Prepare the peers first, so that a missing tool fails early.
    let work = std::env::temp_dir().join("gridpatrol-peers");
    if a.peers && a.runs("peers") {
        peers::prepare(&work)?;
        took(&mut all, "peers_prepare");
    }
    let save = |md: &str, all: &Value| -> anyhow::Result<()> {
        std::fs::write(a.out.join("results.md"), md)?;
        std::fs::write(a.out.join("results.json"), serde_json::to_vec_pretty(all)?)?;
        Ok(())
    };

    // 1. End-of-day return, on SQLite and (given a server) PostgreSQL.
    if a.runs("eod") {
        end_of_day_section(&a, &mut md, &mut all).await?;
        took(&mut all, "eod");
        save(&md, &all)?;
    }

    // 2. Reconnects.
    if a.runs("reconnect") {
        md.push_str("\n## 2. Reconnect\n\n| docs in scope | offline edits | round trips | bytes on the wire (TCP) | bodies | time | docs loaded by the server |\n|---|---|---|---|---|---|---|\n");
        let mut rec = Vec::new();
        for (docs, edits) in [(a.reconnect_docs, 0usize), (a.n, a.k)] {
            let mut rows = Vec::new();
            for _ in 0..a.runs {
                eprintln!("reconnect: {docs} docs, {edits} edits…");
                rows.push(serde_json::to_value(reconnect::run(docs, edits).await)?);
            }
            md.push_str(&format!(
                "| {docs} | {edits} | {} | {} | {} | {:.1} ms | {} |\n",
                med(&rows, "round_trips"),
                kib(med(&rows, "wire_bytes")),
                kib(med(&rows, "body_bytes")),
                med(&rows, "ms"),
                med(&rows, "server_docs_loaded"),
            ));
            rec.push(json!({"docs": docs, "edits": edits, "runs": rows}));
        }
        all["reconnect"] = json!(rec);
        took(&mut all, "reconnect");
        save(&md, &all)?;
    }

    // 4 (run before the peers, whose install may fail). Memory with many
    // documents stored.
    if a.runs("memory") {
        eprintln!("memory: {} stored documents, {} devices…", a.memory_docs, a.devices);
        let r = gridpatrol_tests::bench::memory::run(a.memory_docs, a.devices).await;
        md.push_str(&format!(
            "\n## 4. Memory with {} documents stored ({} devices return at once)\n\n| at rest after start | peak during the return | at rest after | return took | doc cache setting | seeding took |\n|---|---|---|---|---|---|\n| {} | {} | {} | {:.2} s | {} | {:.1} s |\n",
            r.stored_docs,
            r.storm_devices,
            mib(r.rss_at_rest as f64),
            mib(r.rss_peak_storm as f64),
            mib(r.rss_after as f64),
            r.storm_ms / 1000.0,
            mib(r.doc_cache_bytes as f64),
            r.seed_ms / 1000.0,
        ));
        all["memory"] = serde_json::to_value(&r)?;
        took(&mut all, "memory");
        save(&md, &all)?;
    }

    // 3. The peer workload, ours and the peers', in the same run.
    if a.runs("peers") {
        let mut ours = Vec::new();
        for run in 0..a.runs {
            eprintln!("peer workload (ours), run {}…", run + 1);
            let r = peer_workload::run(a.n, a.k).await;
            assert_eq!(r.fetch_bad_docs, 0);
            ours.push(serde_json::to_value(&r)?);
        }
        let our = |key: &str| med(&ours, key);
        let mut peer_rows: Vec<(Peer, Value)> = Vec::new();
        if a.peers {
            for p in Peer::ALL {
                peer_rows.push((p, peers::run(&work, p, a.n, a.k, a.peer_runs)?));
            }
        }
        md.push_str(&format!(
        "\n## 3. Peer workload (N = {}, K = {}; medians)\n\n| | upload (until durable) | upload bytes | reconnect | reconnect bytes | fetch all N | fetch bytes | server peak RSS (upload / fetch) | fsync |\n|---|---|---|---|---|---|---|---|---|\n",
        a.n, a.k
    ));
        md.push_str(&format!(
            "| **Gridpatrol** | {:.2} s (synced while creating: {:.2} s) | {} | {:.0} ms | {} | {:.2} s | {} | {} / {} | yes |\n",
            our("upload_ms") / 1000.0,
            our("upload_live_ms") / 1000.0,
            mib(our("upload_tcp_bytes")),
            our("reconnect_sync_ms"),
            kib(our("reconnect_tcp_bytes")),
            our("fetch_ms") / 1000.0,
            mib(our("fetch_tcp_bytes")),
            mib(our("server_peak_rss_phase1")),
            mib(our("server_peak_rss_phase2")),
        ));
        let mut ratios = Vec::new();
        for (p, v) in &peer_rows {
            let f = |k: &str| v[k].as_f64().unwrap_or(f64::NAN);
            md.push_str(&format!(
                "| {} | {:.2} s | {} | {:.0} ms | {} | {:.2} s | {} | {} / {} | {} |\n",
                p.name(),
                f("upload_ms") / 1000.0,
                mib(f("upload_tcp_bytes")),
                f("reconnect_sync_ms"),
                kib(f("reconnect_tcp_bytes")),
                f("fetch_ms") / 1000.0,
                mib(f("fetch_tcp_bytes")),
                mib(f("server_peak_rss_phase1")),
                mib(f("server_peak_rss_phase2")),
                if p.fsyncs() { "yes" } else { "no" },
            ));
            ratios.push(json!({
                "peer": p.name(),
                "upload_time": f("upload_ms") / our("upload_ms"),
                "upload_time_live": f("upload_ms") / our("upload_live_ms"),
                "upload_bytes": f("upload_tcp_bytes") / our("upload_tcp_bytes"),
                "reconnect_time": f("reconnect_sync_ms") / our("reconnect_sync_ms"),
                "reconnect_bytes": f("reconnect_tcp_bytes") / our("reconnect_tcp_bytes"),
                "fetch_time": f("fetch_ms") / our("fetch_ms"),
                "fetch_bytes": f("fetch_tcp_bytes") / our("fetch_tcp_bytes"),
                "server_memory": f("server_peak_rss_phase1").max(f("server_peak_rss_phase2"))
                    / our("server_peak_rss_phase1").max(our("server_peak_rss_phase2")),
            }));
        }
        if !ratios.is_empty() {
            md.push_str("\nRatios peer / Gridpatrol (higher is better for us):\n\n| peer | upload time (create, then sync) | upload time (synced while creating) | upload bytes | reconnect time | reconnect bytes | fetch time | fetch bytes | server memory |\n|---|---|---|---|---|---|---|---|---|\n");
            for r in &ratios {
                let x = |k: &str| format!("{:.1}×", r[k].as_f64().unwrap_or(f64::NAN));
                md.push_str(&format!(
                    "| {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
                    r["peer"].as_str().unwrap(),
                    x("upload_time"),
                    x("upload_time_live"),
                    x("upload_bytes"),
                    x("reconnect_time"),
                    x("reconnect_bytes"),
                    x("fetch_time"),
                    x("fetch_bytes"),
                    x("server_memory")
                ));
            }
        }
        all["peer_workload"] = json!({"ours": ours, "peers": peer_rows.iter().map(|(p, v)| json!({"peer": p.name(), "summary_median": v})).collect::<Vec<_>>(), "ratios": ratios});
        took(&mut all, "peers");
    }

    println!("{md}");
    save(&md, &all)?;
    eprintln!("wrote {} and results.json", a.out.join("results.md").display());
    Ok(())
}

/// The end-of-day return at every size and on every storage asked for,
/// with the baseline's figures beside ours when given.
async fn end_of_day_section(a: &Args, md: &mut String, all: &mut Value) -> anyhow::Result<()> {
    let mut backends: Vec<(&str, Option<&str>)> = vec![("SQLite", None)];
    if let Some(pg) = &a.pg {
        backends.push(("PostgreSQL", Some(pg.as_str())));
    }
    let mut sections = Vec::new();
    for (storage, admin) in &backends {
        for (devices, photos) in [(a.devices, 0usize), (a.photo_devices, 3)] {
            if devices == 0 {
                continue;
            }
            let mut rows = Vec::new();
            for run in 0..a.runs {
                eprintln!("end of day on {storage}: {devices} devices, {photos} photos per case, run {}…", run + 1);
                let db = match admin {
                    Some(admin) => Some(gridpatrol_tests::server::fresh_pg_database_at(admin).await),
                    None => None,
                };
                let r = end_of_day::run_on(db, devices, 40, photos).await;
                assert_eq!(r.lost, 0, "documents or photos lost: {r:?}");
                rows.push(serde_json::to_value(&r)?);
            }
            sections.push(json!({"storage": storage, "devices": devices, "photos_per_case": photos, "runs": rows}));
        }
    }
    let baseline: Vec<Value> = match &a.baseline {
        Some(path) => {
            let v: Value = serde_json::from_slice(&std::fs::read(path)?)?;
            v["end_of_day"].as_array().cloned().unwrap_or_default()
        }
        None => vec![],
    };
    md.push_str("## 1. End-of-day return (each device: 1 patrol + 40 cases)\n\n");
    md.push_str("| build | storage | devices | photos/case | total | device p50 | device p99 | docs merged/s | photos | wire up | wire down | server peak RSS | lost |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    let row = |md: &mut String, build: &str, s: &Value| {
        let rows = s["runs"].as_array().unwrap();
        md.push_str(&format!(
            "| {build} | {} | {} | {} | {:.2} s | {:.0} ms | {:.0} ms | {:.0} | {} | {} | {} | {} | 0 (checked) |\n",
            s["storage"].as_str().unwrap_or("SQLite"),
            s["devices"],
            s["photos_per_case"],
            med(rows, "total_ms") / 1000.0,
            med(rows, "device_p50_ms"),
            med(rows, "device_p99_ms"),
            med(rows, "docs_per_s"),
            rows[0]["photos"],
            mib(med(rows, "wire_up_bytes")),
            mib(med(rows, "wire_down_bytes")),
            mib(med(rows, "server_peak_rss")),
        ));
    };
    let mut ratios = Vec::new();
    for s in &sections {
        row(md, "this", s);
        let same = |b: &&Value| {
            b["devices"] == s["devices"]
                && b["photos_per_case"] == s["photos_per_case"]
                && b["storage"].as_str().unwrap_or("SQLite") == s["storage"].as_str().unwrap_or("SQLite")
        };
        if let Some(b) = baseline.iter().find(same) {
            row(md, "baseline", b);
            let ratio =
                med(s["runs"].as_array().unwrap(), "docs_per_s") / med(b["runs"].as_array().unwrap(), "docs_per_s");
            ratios.push(json!({"storage": s["storage"], "devices": s["devices"], "photos_per_case": s["photos_per_case"], "docs_per_s_ratio": ratio}));
        }
    }
    for r in &ratios {
        md.push_str(&format!(
            "\nDocuments merged per second, this build ÷ baseline ({}, {} devices, {} photos/case): **{:.1}×**\n",
            r["storage"].as_str().unwrap_or(""),
            r["devices"],
            r["photos_per_case"],
            r["docs_per_s_ratio"].as_f64().unwrap_or(f64::NAN)
        ));
    }
    all["end_of_day"] = json!(sections);
    all["end_of_day_baseline"] = json!({"runs": baseline, "ratios": ratios});
    Ok(())
}

fn machine() -> Value {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("model name")).map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_default();
    json!({"cpu": cpu, "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0), "os": std::env::consts::OS})
}
