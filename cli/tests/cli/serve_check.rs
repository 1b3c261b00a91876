//! `sqlport serve` and `sqlport check`: the conformance crate's command line
//! through the `sqlport` binary.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// Bound on waiting for the server's address line (never a timing assertion).
const START_GUARD: Duration = Duration::from_secs(60);

/// A `sqlport serve` child, killed when dropped.
struct Served {
    child: Child,
    url: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve() -> Served {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sqlport"))
        .args(["serve", ":memory:", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("sqlport serve starts");
    let stdout = child.stdout.take().expect("piped stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = match rx.recv_timeout(START_GUARD) {
        Ok(line) => line,
        Err(_) => {
            let _ = child.kill();
            panic!("sqlport serve printed no address line");
        }
    };
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    Served { child, url }
}

#[test]
fn check_passes_against_serve() {
    let server = serve();
    assert!(
        server.url.starts_with("http://127.0.0.1:"),
        "{}",
        server.url
    );
    let out = Command::new(env!("CARGO_BIN_EXE_sqlport"))
        .args([
            "check",
            &server.url,
            "--filter",
            "values::",
            "--format",
            "json",
        ])
        .output()
        .expect("sqlport check runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_str(&stdout).expect("a JSON report");
    assert_eq!(
        report["transports"],
        serde_json::json!(["http", "http-async"])
    );
    assert!(report["summary"]["passed"].as_u64().unwrap() > 0);
    assert_eq!(report["summary"]["failed"], 0);
}

#[test]
fn check_fails_on_a_server_that_is_not_there() {
    // Bind then drop a listener: a loopback port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = Command::new(env!("CARGO_BIN_EXE_sqlport"))
        .args([
            "check",
            &format!("http://127.0.0.1:{port}"),
            "--filter",
            "values::integer",
        ])
        .output()
        .expect("sqlport check runs");
    assert!(!out.status.success());
}

#[test]
fn serve_refuses_bad_options() {
    let out = Command::new(env!("CARGO_BIN_EXE_sqlport"))
        .args(["serve", "--listen", "not-an-address"])
        .output()
        .expect("sqlport serve runs");
    assert!(!out.status.success());
}
