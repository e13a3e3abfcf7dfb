//! The server binary's commands, run as a user would: init, import, user
//! and device management, and `serve --demo` answering on its port.

use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_gridpatrol-server");

fn run(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env("GRIDPATROL_DATABASE_URL", format!("sqlite://{}", dir.join("db.sqlite").display()))
        .env("GRIDPATROL_BLOB_DIR", dir.join("blobs"))
        .env("RUST_LOG", "warn")
        .output()
        .expect("server binary runs")
}

fn ok(dir: &std::path::Path, args: &[&str]) -> String {
    let out = run(dir, args);
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn administer_a_server_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = run(d, &["init", "--password", "管理员密码12345"]);
    let printed = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && printed.contains("admin"), "{printed}");
    assert!(!printed.contains("管理员密码12345"), "a password was printed");
    assert!(ok(d, &["import"]).contains("users"));
    assert!(
        ok(
            d,
            &[
                "user",
                "add",
                "newbie",
                "--name",
                "新人",
                "--role",
                "grid_worker",
                "--units",
                "QS01-G01",
                "--password",
                "password123"
            ]
        )
        .contains("newbie")
    );
    // Bad input is a clear error and changes nothing.
    let out = run(
        d,
        &["user", "add", "x", "--name", "x", "--role", "boss", "--units", "QS01-G01", "--password", "password123"],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("grid_worker"));
    let out = run(
        d,
        &[
            "user",
            "add",
            "y",
            "--name",
            "y",
            "--role",
            "grid_worker",
            "--units",
            "NOWHERE",
            "--password",
            "password123",
        ],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown unit"));
    let out = run(d, &["user", "passwd", "newbie", "--password", "short"]);
    assert!(!out.status.success());
    ok(d, &["user", "passwd", "newbie", "--password", "longer-password"]);
    assert!(ok(d, &["user", "disable", "newbie"]).contains("disabled"));
    assert!(ok(d, &["user", "enable", "newbie"]).contains("enabled"));
    assert_eq!(ok(d, &["device", "list"]), "");
    assert!(!run(d, &["device", "revoke", "nope"]).status.success());
    // A wrong settings file is reported, not ignored.
    let out = run(d, &["--config", "/nonexistent.toml", "device", "list"]);
    assert!(!out.status.success());
}

#[test]
fn serve_demo_answers() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = Command::new(BIN)
        .args(["serve", "--demo"])
        .env("GRIDPATROL_LISTEN", format!("127.0.0.1:{port}"))
        .env("GRIDPATROL_DATABASE_URL", format!("sqlite://{}", dir.path().join("db.sqlite").display()))
        .env("GRIDPATROL_BLOB_DIR", dir.path().join("blobs"))
        .env("RUST_LOG", "info")
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut up = false;
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            up = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    child.kill().unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(up, "server did not listen: {}", String::from_utf8_lossy(&out.stderr));
    let logs = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(logs.contains("imported the demo street office"), "{logs}");
}

#[test]
fn real_users_get_one_time_passwords_and_every_action_is_audited() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // An office's own file: each new user gets a password of their own, once.
    let file = d.join("office.json");
    std::fs::write(&file, serde_json::to_vec(&gridpatrol_core::demo::reference()).unwrap()).unwrap();
    let out = ok(d, &["import", file.to_str().unwrap()]);
    assert!(out.contains("one-time passwords"), "{out}");
    let lines: Vec<&str> = out.lines().filter(|l| l.starts_with("  worker1\t")).collect();
    assert_eq!(lines.len(), 1, "{out}");
    let password = lines[0].split('\t').nth(1).unwrap();
    assert_ne!(password, "gridpatrol", "no shared default password for real users");
    assert!(!out.contains("gridpatrol\n"), "{out}");
    // A second import creates nobody and prints no password.
    let again = ok(d, &["import", file.to_str().unwrap()]);
    assert!(again.contains("0 new users") && !again.contains("one-time"), "{again}");
    // A user added without --password gets a one-time one.
    let added = ok(d, &["user", "add", "newbie", "--name", "新人", "--role", "grid_worker", "--units", "QS01-G01"]);
    assert!(added.contains("newbie\t"), "{added}");
    let reset = ok(d, &["user", "passwd", "worker2"]);
    assert!(reset.contains("one-time password for worker2"), "{reset}");
    // The audit reads back, with filters.
    let all = ok(d, &["audit"]);
    for action in ["admin:import", "admin:password"] {
        assert!(all.contains(action), "{action} missing from:\n{all}");
    }
    let only = ok(d, &["audit", "--action", "admin:password"]);
    assert!(only.lines().all(|l| l.contains("admin:password")) && !only.is_empty(), "{only}");
    let none = ok(d, &["audit", "--since", "2999-01-01"]);
    assert!(none.is_empty(), "{none}");
    assert!(!run(d, &["audit", "--since", "yesterday-ish"]).status.success());
}

#[test]
fn a_certificate_for_the_office_lan_and_its_fingerprint() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out_dir = d.join("tls");
    let out = ok(
        d,
        &["cert", "generate", "--host", "192.168.1.20", "--host", "gridpatrol.lan", "--out", out_dir.to_str().unwrap()],
    );
    let fp = out.lines().last().unwrap().trim();
    assert_eq!(fp.len(), 95, "{out}");
    let again = ok(d, &["cert", "fingerprint", out_dir.join("cert.pem").to_str().unwrap()]);
    assert_eq!(again.trim(), fp);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(out_dir.join("key.pem")).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the key is readable by its owner only");
    }
}
