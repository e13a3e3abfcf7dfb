//! A device process killed (SIGKILL) in the middle of writing reopens with
//! every committed edit intact and a healthy database.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use gridpatrol_core::demo;
use gridpatrol_core::model::{EventKind, Location, Role, Severity};
use gridpatrol_core::store::{Actor, CaseFilter, DeviceStore, NewCase, NewEvent};
use gridpatrol_core::workflow::CaseStatus;

const CHILD_ENV: &str = "GRIDPATROL_CRASH_CHILD_DB";

fn worker() -> (Actor, String) {
    let r = demo::reference();
    let u = r.users.iter().find(|u| u.role == Role::GridWorker).unwrap();
    let grid = u.units[0].clone();
    (Actor { user_id: u.id.clone(), role: Role::GridWorker }, grid)
}

/// The child: writes cases and events forever, printing each one after it
/// committed. Only runs when the parent starts it.
#[test]
#[ignore = "entry point of the child process of killed_mid_write_keeps_every_committed_edit"]
fn crash_child_writer() {
    let path = std::env::var(CHILD_ENV).expect("started by the parent test");
    let mut store = DeviceStore::open(std::path::Path::new(&path)).unwrap();
    if store.reference().is_err() {
        store.set_reference(demo::reference()).unwrap();
    }
    let (actor, grid) = worker();
    let mut out = std::io::stdout().lock();
    for i in 0.. {
        let new = NewCase {
            grid: grid.clone(),
            category: "E0201".into(),
            title: format!("crash-{i}"),
            description: "x".repeat(200),
            location: Location::default(),
            severity: Severity::Normal,
            photos: vec![],
            patrol: None,
            handled_on_spot: false,
            history: vec![],
            at: None,
            related: vec![],
            linked_photos: vec![],
        };
        let id = store.create_case(&actor, new).unwrap().case.id;
        writeln!(out, "committed case {id}").unwrap();
        out.flush().unwrap();
        let step =
            NewEvent { kind: EventKind::Escalated, note: "n".into(), photos: vec![], department: None, at: None };
        store.append_event(&actor, &id, step).unwrap();
        writeln!(out, "committed escalated {id}").unwrap();
        out.flush().unwrap();
    }
}

#[test]
fn killed_mid_write_keeps_every_committed_edit() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("device.sqlite");
    let mut created = Vec::new();
    let mut escalated = Vec::new();
    for kill_after in [7usize, 40, 133] {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--ignored", "--exact", "crash_child_writer", "--nocapture", "--test-threads=1"])
            .env(CHILD_ENV, &db)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut seen = 0;
        for line in BufReader::new(stdout).lines() {
            let line = line.unwrap();
            if let Some(rest) = line.strip_prefix("committed ") {
                let (what, id) = rest.split_once(' ').unwrap();
                match what {
                    "case" => created.push(id.to_owned()),
                    _ => escalated.push(id.to_owned()),
                }
                seen += 1;
                if seen == kill_after {
                    child.kill().unwrap(); // SIGKILL, mid-way through the next write
                    break;
                }
            }
        }
        child.wait().unwrap();

        let store = DeviceStore::open(&db).unwrap();
        let check: String = store.connection().query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
        assert_eq!(check, "ok");
        for id in &created {
            let d = store.get_case(id, None, 0).unwrap_or_else(|e| panic!("committed case {id} lost: {e}"));
            if escalated.contains(id) {
                assert_eq!(d.derived.status, CaseStatus::Escalated, "committed escalation of {id} lost");
            }
        }
        // The index agrees with the documents.
        let total = store.list_cases(&CaseFilter { limit: Some(500), ..Default::default() }, 0).unwrap().total;
        assert!(total as usize >= created.len());
    }
    assert!(created.len() >= 80, "the child wrote {} cases", created.len());
}
