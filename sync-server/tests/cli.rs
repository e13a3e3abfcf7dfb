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
