//! A cursor's stream is the client's again once line 1 (the new baton) is
//! out, as on sqld: a request with that baton waits for the cursor's batch
//! to give the connection back, and a reader that goes away stops the batch
//! but keeps the stream and its transaction.
//!
//! Repro (the official `libsql` Rust client 0.10, 16 connections): the
//! client runs every `query` through `/v3/cursor`, takes the baton of line
//! 1, drops the body once it has the rows it wants, and sends its next
//! request at once. Our server answered 400 "Received a baton that has
//! already been used" (the cursor held the stream until its batch ended) or
//! "Received an invalid baton" (the disconnect destroyed the stream); sqld
//! never does.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::time::Duration;

use serde_json::{Value as Json, json};
use sqlport_conformance::server::{ServerConfig, TestServer};

use crate::common::{Client, code, eventually, exec, raw_connect, raw_post, scalar};

/// Read from `tcp` into `buf` until `done(buf)` (bounded: the socket's read
/// timeout, and at most 64 MB).
fn read_until(tcp: &mut TcpStream, buf: &mut Vec<u8>, done: impl Fn(&[u8]) -> bool) {
    let mut chunk = [0u8; 16 * 1024];
    while !done(buf) {
        assert!(buf.len() < 64 << 20, "no end in sight");
        let n = tcp.read(&mut chunk).expect("read within the timeout");
        assert!(
            n > 0,
            "connection closed early: {}",
            String::from_utf8_lossy(buf)
        );
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// Post a cursor request and read up to its line 1; the line as JSON and
/// everything read so far.
fn cursor_head(tcp: &mut TcpStream, body: &Json) -> (Json, Vec<u8>) {
    tcp.write_all(&raw_post("/v3/cursor", &body.to_string(), ""))
        .unwrap();
    let mut buf = Vec::new();
    let line = |b: &[u8]| {
        let text = String::from_utf8_lossy(b);
        let start = text.find("{\"baton\"")?;
        let end = text[start..].find('\n')?;
        Some(text[start..start + end].to_owned())
    };
    read_until(tcp, &mut buf, |b| line(b).is_some());
    let text = String::from_utf8_lossy(&buf);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    let head = serde_json::from_str(&line(&buf).unwrap()).expect("line 1 is JSON");
    (head, buf)
}

/// The cursor's batch is still running (its INSERT waits for the write
/// lock another stream holds) when the client, having read line 1, sends a
/// pipeline with the new baton on another connection: the request waits for
/// the batch and then runs after it, on the same connection.
#[test]
fn a_request_with_a_running_cursors_baton_waits_for_its_batch() {
    let s = TestServer::start(ServerConfig {
        // The lock holder is never rolled back, and the cursor's INSERT
        // waits for the lock as long as the test needs.
        transaction_timeout: Duration::from_secs(3600),
        statement_timeout: Duration::from_secs(60),
        queue_timeout: Duration::from_secs(60),
        ..Default::default()
    })
    .unwrap();
    let c = Client::new(&s);
    assert_eq!(c.once(3, "CREATE TABLE w (x)").status, 200);
    let holder = c.pipeline(3, None, json!([exec("BEGIN IMMEDIATE")]));
    assert_eq!(holder.result(0)["type"], "ok", "{}", holder.body);
    let holder = holder.baton().unwrap();
    let steps = json!([
        {"stmt": {"sql": "INSERT INTO w VALUES (1)"}},
        {"stmt": {"sql": "SELECT count(*) FROM w"}},
    ]);
    let mut tcp = raw_connect(&s);
    let (head, mut buf) = cursor_head(&mut tcp, &json!({"baton": null, "batch": {"steps": steps}}));
    let baton = head["baton"].as_str().expect("a baton").to_owned();
    let url = s.url();
    let next = std::thread::spawn(move || {
        Client::for_url(&url).pipeline(
            3,
            Some(&baton),
            json!([exec("SELECT count(*) FROM w"), {"type": "get_autocommit"}, {"type": "close"}]),
        )
    });
    // The request has a slot of the pool besides the cursor's: it is in,
    // and (the batch cannot end before the lock is released) waiting. A
    // server that refuses it answers at once instead.
    assert!(eventually(Duration::from_secs(20), || s.busy_slots() == 2
        || next.is_finished()));
    let released = c.pipeline(3, Some(&holder), json!([exec("COMMIT"), {"type": "close"}]));
    assert_eq!(released.result(0)["type"], "ok", "{}", released.body);
    let r = next.join().unwrap();
    assert_eq!(
        r.status, 200,
        "the cursor's new baton was refused: {}",
        r.body
    );
    assert_eq!(
        scalar(&r.result(0)),
        "1",
        "ran after the cursor's batch: {}",
        r.body
    );
    assert_eq!(r.result(1)["response"]["is_autocommit"], true);
    assert_eq!(r.baton(), None, "closed");
    // The cursor ran to its end, the whole body is there.
    read_until(&mut tcp, &mut buf, |b| b.ends_with(b"\r\n0\r\n\r\n"));
    let body = String::from_utf8_lossy(&buf);
    assert!(body.contains("\"type\":\"replication_index\""), "{body}");
    assert!(
        body.contains("\"row\":[{\"type\":\"integer\",\"value\":\"1\"}]"),
        "{body}"
    );
    assert!(eventually(Duration::from_secs(20), || s.open_streams()
        == 0
        && s.busy_slots() == 0));
}

/// A client reads line 1 and some rows of a long cursor inside a
/// transaction, then disconnects: the batch stops, but the stream, as on
/// sqld, lives on with its transaction, under the baton of line 1.
#[test]
fn a_cursor_reader_that_disconnects_keeps_its_stream_and_transaction() {
    let s = TestServer::start(ServerConfig {
        // Only the disconnect ends the cursor.
        stall_timeout: Duration::from_secs(600),
        write_timeout: Duration::from_secs(600),
        queue_timeout: Duration::from_secs(60),
        ..Default::default()
    })
    .unwrap();
    let c = Client::new(&s);
    assert_eq!(c.once(3, "CREATE TABLE k (v TEXT)").status, 200);
    let r = c.pipeline(
        3,
        None,
        json!([exec("BEGIN"), exec("INSERT INTO k VALUES ('kept')")]),
    );
    assert_eq!(r.result(1)["type"], "ok", "{}", r.body);
    let before = r.baton().unwrap();
    let endless = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000000) SELECT x, 'some padding for the row' FROM c";
    let mut tcp = raw_connect(&s);
    let (head, mut buf) = cursor_head(
        &mut tcp,
        &json!({"baton": before, "batch": {"steps": [{"stmt": {"sql": endless}}]}}),
    );
    let baton = head["baton"].as_str().expect("a baton").to_owned();
    read_until(&mut tcp, &mut buf, |b| {
        String::from_utf8_lossy(b)
            .matches("\"type\":\"row\"")
            .count()
            >= 10
    });
    drop(tcp);
    let r = c.pipeline(
        3,
        Some(&baton),
        json!([
            {"type": "get_autocommit"},
            exec("SELECT v FROM k"),
            exec("ROLLBACK"),
            exec("SELECT count(*) FROM k"),
            {"type": "close"}
        ]),
    );
    assert_eq!(r.status, 200, "the stream was lost: {}", r.body);
    assert_eq!(
        r.result(0)["response"]["is_autocommit"],
        false,
        "the transaction is still open: {}",
        r.body
    );
    assert_eq!(scalar(&r.result(1)), "kept", "{}", r.body);
    assert_eq!(r.result(2)["type"], "ok", "{}", code(&r.result(2)));
    assert_eq!(scalar(&r.result(3)), "0", "rolled back");
    // An older baton is still refused.
    let old = c.pipeline(3, Some(&before), json!([exec("SELECT 1")]));
    assert_eq!(old.status, 400);
    assert!(eventually(Duration::from_secs(20), || s.open_streams()
        == 0
        && s.busy_slots() == 0));
}
