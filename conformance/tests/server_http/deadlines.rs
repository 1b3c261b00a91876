//! Issue 9, item 8: every statement has a deadline and stops when nobody
//! waits; one bounded pool of SQL work shared by every endpoint; `/v1`
//! counted against `--max-streams`; shutdown within its grace period.

use std::io::{Read as _, Write as _};
use std::time::Duration;

use serde_json::json;
use sqlport_conformance::server::{ServerConfig, TestServer};

use crate::common::{Client, RUNAWAY, code, eventually, exec, raw_connect, raw_post, scalar};

/// Repro: an infinite recursive CTE ran forever.
#[test]
fn a_runaway_statement_stops_at_its_deadline_on_every_endpoint() {
    let s = TestServer::start(ServerConfig {
        statement_timeout: Duration::from_millis(200),
        ..Default::default()
    })
    .unwrap();
    let c = Client::new(&s);
    let r = c.pipeline(
        3,
        None,
        json!([exec(RUNAWAY), exec("SELECT 42"), {"type": "close"}]),
    );
    assert_eq!(code(&r.result(0)), "SQLITE_INTERRUPT", "{}", r.body);
    assert_eq!(scalar(&r.result(1)), "42", "the stream goes on");
    let v1 = c.post(
        "/v1/execute",
        &json!({"stmt": {"sql": RUNAWAY}}).to_string(),
    );
    assert_eq!(v1.json()["code"], "SQLITE_INTERRUPT", "{}", v1.body);
    let cursor = c.post(
        "/v3/cursor",
        &json!({"baton": null, "batch": {"steps": [{"stmt": {"sql": RUNAWAY}}]}}).to_string(),
    );
    assert!(cursor.body.contains("SQLITE_INTERRUPT"), "{}", cursor.body);
    // A client cannot lift the deadline by waiting on locks: its busy timeout
    // is capped by it.
    let r = c.once(3, "PRAGMA busy_timeout = 100000");
    assert_eq!(code(&r.result(0)), "SQL_PARSE_ERROR");
}

/// Repro: a runaway statement kept running after its client disconnected,
/// holding the write lock: other writers got SQLITE_BUSY.
#[test]
fn a_disconnected_clients_statement_is_interrupted() {
    let s = TestServer::start(ServerConfig {
        statement_timeout: Duration::from_secs(3600),
        ..Default::default()
    })
    .unwrap();
    let c = Client::new(&s);
    assert_eq!(c.once(3, "CREATE TABLE d (x)").status, 200);
    let body =
        json!({"baton": null, "requests": [exec("BEGIN IMMEDIATE"), exec(RUNAWAY)]}).to_string();
    let mut tcp = raw_connect(&s);
    tcp.write_all(&raw_post("/v3/pipeline", &body, "")).unwrap();
    // The runaway holds the write lock once another writer cannot take it.
    let probe = || {
        let r = c.pipeline(
            3,
            None,
            json!([exec("PRAGMA busy_timeout = 0"), exec("BEGIN IMMEDIATE"), exec("ROLLBACK"), {"type": "close"}]),
        );
        code(&r.result(1)) == "SQLITE_BUSY"
    };
    assert!(
        eventually(Duration::from_secs(20), probe),
        "the runaway started"
    );
    drop(tcp);
    // Now nobody waits for it: it stops, its transaction rolls back, and a
    // writer gets the lock.
    let r = c.once(3, "INSERT INTO d VALUES (1)");
    assert_eq!(r.result(0)["type"], "ok", "{}", r.body);
    assert!(eventually(Duration::from_secs(20), || s.busy_slots() == 0));
    assert_eq!(s.open_streams(), 0);
}

/// Repro: `/v1/*` was not counted against `--max-streams`.
#[test]
fn v1_requests_count_against_max_streams() {
    let s = TestServer::start(ServerConfig {
        max_streams: 1,
        ..Default::default()
    })
    .unwrap();
    let c = Client::new(&s);
    let held = c.pipeline(3, None, json!([exec("SELECT 1")]));
    assert_eq!(held.status, 200);
    let v1 = c.post(
        "/v1/execute",
        &json!({"stmt": {"sql": "SELECT 1"}}).to_string(),
    );
    assert_eq!(v1.status, 429, "{}", v1.body);
    let b = c.post(
        "/v1/batch",
        &json!({"batch": {"steps": [{"stmt": {"sql": "SELECT 1"}}]}}).to_string(),
    );
    assert_eq!(b.status, 429);
    c.pipeline(3, held.baton().as_deref(), json!([{"type": "close"}]));
    let v1 = c.post(
        "/v1/execute",
        &json!({"stmt": {"sql": "SELECT 1"}}).to_string(),
    );
    assert_eq!(v1.status, 200, "{}", v1.body);
    assert_eq!(s.open_streams(), 0, "a v1 request gives its stream back");
}

/// Repro: about 512 runaway statements would have stalled the server. The
/// pool of SQL work is bounded and shared by every endpoint; when it is full
/// a request waits, then gets 503, and the server still answers the rest.
#[test]
fn one_bounded_pool_of_sql_work_is_shared_by_every_endpoint() {
    let s = TestServer::start(ServerConfig {
        statement_timeout: Duration::from_secs(3600),
        max_concurrent_requests: 2,
        queue_timeout: Duration::from_millis(200),
        ..Default::default()
    })
    .unwrap();
    let c = Client::new(&s);
    let mut runaways: Vec<std::net::TcpStream> = Vec::new();
    for path in ["/v1/execute", "/v3/pipeline"] {
        let body = if path == "/v1/execute" {
            json!({"stmt": {"sql": RUNAWAY}})
        } else {
            json!({"baton": null, "requests": [exec(RUNAWAY)]})
        };
        let mut tcp = raw_connect(&s);
        tcp.write_all(&raw_post(path, &body.to_string(), ""))
            .unwrap();
        runaways.push(tcp);
    }
    assert!(eventually(Duration::from_secs(20), || s.busy_slots() == 2));
    for (path, body) in [
        ("/v1/execute", json!({"stmt": {"sql": "SELECT 1"}})),
        (
            "/v3/pipeline",
            json!({"baton": null, "requests": [exec("SELECT 1")]}),
        ),
        (
            "/v2/pipeline",
            json!({"baton": null, "requests": [exec("SELECT 1")]}),
        ),
        (
            "/v3/cursor",
            json!({"baton": null, "batch": {"steps": [{"stmt": {"sql": "SELECT 1"}}]}}),
        ),
    ] {
        let r = c.post(path, &body.to_string());
        assert_eq!(r.status, 503, "{path}: {}", r.body);
    }
    assert_eq!(c.get("/health").status, 200, "the server still answers");
    assert_eq!(s.open_streams(), 2, "refused requests opened no stream");
    drop(runaways);
    assert!(eventually(Duration::from_secs(20), || s.busy_slots() == 0));
    assert_eq!(scalar(&c.once(3, "SELECT 7").result(0)), "7");
}

/// Repro: SIGTERM did not stop `serve` while a runaway query ran (and
/// dropping the runtime waited for it forever).
#[cfg(unix)]
#[test]
fn sigterm_stops_serve_within_its_grace_period_despite_a_runaway_query() {
    use std::io::BufRead as _;
    use std::process::{Command, Stdio};

    let mut child = Command::new(env!("CARGO_BIN_EXE_sqlport-conformance"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--statement-timeout",
            "3600",
            "--shutdown-grace",
            "1",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve starts");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line.trim().trim_start_matches("listening on ").to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{line}");
    let c = Client::for_url(&url);
    let addr: std::net::SocketAddr = url.trim_start_matches("http://").parse().unwrap();
    let body =
        json!({"baton": null, "requests": [exec("BEGIN IMMEDIATE"), exec(RUNAWAY)]}).to_string();
    let mut tcp = std::net::TcpStream::connect(addr).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    tcp.write_all(&raw_post("/v3/pipeline", &body, "")).unwrap();
    let started = eventually(Duration::from_secs(20), || {
        let r = c.pipeline(
            3,
            None,
            json!([exec("PRAGMA busy_timeout = 0"), exec("BEGIN IMMEDIATE"), exec("ROLLBACK"), {"type": "close"}]),
        );
        code(&r.result(1)) == "SQLITE_BUSY"
    });
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let exited = eventually(Duration::from_secs(15), || {
        matches!(child.try_wait(), Ok(Some(_)))
    });
    if !exited {
        let _ = child.kill();
        let _ = child.wait();
    }
    assert!(started, "the runaway query started");
    assert!(exited, "serve did not stop within its grace period");
    // The runaway's client got an answer or a closed connection, not a hang.
    let mut buf = Vec::new();
    let _ = tcp.read_to_end(&mut buf);
}
