//! Issue 9, items 9 and 10: transactions time out as on sqld; stalled
//! cursors expire; memory is bounded by bytes (value limit, response budget,
//! cursor queue).

use std::io::{Read as _, Write as _};
use std::time::Duration;

use serde_json::json;
use sqlport_conformance::server::{ServerConfig, TestServer};

use crate::common::{
    Client, code, eventually, exec, raw_connect, raw_post, scalar, small_window_client,
};

/// Repro: a client pinging every 2 s kept `BEGIN IMMEDIATE` (the write lock)
/// forever. Now, as on sqld, a transaction that held the write lock past the
/// limit is rolled back once another stream waits to write, and its stream's
/// next request fails with `TRANSACTION_TIMEOUT`.
#[test]
fn a_write_lock_held_too_long_is_rolled_back_when_a_writer_waits() {
    let s = TestServer::start(ServerConfig {
        transaction_timeout: Duration::from_millis(300),
        ..Default::default()
    })
    .unwrap();
    let c = Client::new(&s);
    assert_eq!(c.once(3, "CREATE TABLE tt (who TEXT)").status, 200);
    let a = c.pipeline(
        3,
        None,
        json!([exec("BEGIN IMMEDIATE"), exec("INSERT INTO tt VALUES ('a')")]),
    );
    assert_eq!(a.result(1)["type"], "ok", "{}", a.body);
    let baton = a.baton().unwrap();
    // B waits for the lock, and gets it once A's transaction is rolled back.
    let url = s.url();
    let writer = std::thread::spawn(move || {
        let b = Client::for_url(&url);
        b.once(3, "INSERT INTO tt VALUES ('b')")
    });
    let b = writer.join().unwrap();
    assert_eq!(
        b.result(0)["type"],
        "ok",
        "the waiting writer got the lock: {}",
        b.body
    );
    let r = c.pipeline(
        3,
        Some(&baton),
        json!([exec("SELECT 1"), exec("INSERT INTO tt VALUES ('a2')"), {"type": "get_autocommit"}]),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(code(&r.result(0)), "TRANSACTION_TIMEOUT", "{}", r.body);
    assert_eq!(code(&r.result(1)), "TRANSACTION_TIMEOUT");
    assert_eq!(r.result(2)["response"]["is_autocommit"], true);
    // The stream goes on afterwards, and A's rolled-back row never appears.
    let r = c.pipeline(
        3,
        r.baton().as_deref(),
        json!([exec("SELECT group_concat(who) FROM tt"), {"type": "close"}]),
    );
    assert_eq!(scalar(&r.result(0)), "b", "{}", r.body);
}

/// Repro: a cursor whose reader stopped reading was never expired (and the
/// queue held 64 lines of any size, 950 MB in the report). Now the queue is
/// bounded in bytes and a reader that stalls past the limit loses its
/// stream.
#[test]
fn a_stalled_cursor_reader_loses_its_stream() {
    let s = TestServer::start(ServerConfig {
        stall_timeout: Duration::from_millis(300),
        cursor_queue_bytes: 64 * 1024,
        ..Default::default()
    })
    .unwrap();
    let endless = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000000) SELECT x, 'some padding for the row' FROM c";
    let body = json!({"baton": null, "batch": {"steps": [{"stmt": {"sql": endless}}]}}).to_string();
    let mut tcp = raw_connect(&s);
    tcp.write_all(&raw_post("/v3/cursor", &body, "")).unwrap();
    let mut first = [0u8; 512];
    let n = tcp.read(&mut first).unwrap();
    assert!(String::from_utf8_lossy(&first[..n]).starts_with("HTTP/1.1 200"));
    assert_eq!(s.open_streams(), 1);
    // Stop reading, keep the connection open.
    assert!(
        eventually(Duration::from_secs(20), || s.open_streams() == 0),
        "the stalled cursor's stream was destroyed"
    );
    assert!(eventually(Duration::from_secs(20), || s.busy_slots() == 0));
    drop(tcp);
    assert_eq!(scalar(&Client::new(&s).once(3, "SELECT 5").result(0)), "5");
}

/// Repro: the cursor's queue held 64 lines of any size, so a reader that
/// stopped reading a cursor of big rows pinned 64 of them (950 MB in the
/// report). The queue is now bounded in bytes: with rows of 250 kB and a
/// 1 MB queue, the lines waiting for a reader that read the response head
/// and stopped never hold more than the queue's bytes plus one line. Queued
/// lines hold their exact length of the server-wide response budget until
/// the reader takes them, so the budget's peak is the queue's peak (nothing
/// else holds response bytes here); the budget is set large enough for 64
/// such lines (16 MB), so only the queue's own bound can keep it low.
#[test]
fn a_stalled_cursor_queues_at_most_its_queue_bytes_of_big_rows() {
    const QUEUE: usize = 1_000_000;
    // Each row is a TEXT value of this many characters (the hex of half as
    // many random bytes): far under the value and line limits.
    const ROW: usize = 250_000;
    // A row's line: the value plus its JSON framing, generously.
    const LINE: usize = ROW + 200;
    let s = TestServer::start(ServerConfig {
        cursor_queue_bytes: QUEUE,
        stall_timeout: Duration::from_millis(300),
        max_total_response_bytes: 64 * 1024 * 1024,
        // Only the stall timeout ends the cursor.
        write_timeout: Duration::from_secs(600),
        ..Default::default()
    })
    .unwrap();
    // 250 MB in all: far more than the socket buffers and the queue hold.
    let big_rows = format!(
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000) \
         SELECT x, hex(randomblob({})) FROM c",
        ROW / 2
    );
    let body =
        json!({"baton": null, "batch": {"steps": [{"stmt": {"sql": big_rows}}]}}).to_string();
    let mut tcp = small_window_client(&s);
    tcp.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    tcp.write_all(&raw_post("/v3/cursor", &body, "")).unwrap();
    let mut head = [0u8; 512];
    let n = tcp.read(&mut head).unwrap();
    assert!(
        String::from_utf8_lossy(&head[..n]).starts_with("HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&head[..n])
    );
    // Stop reading, keep the connection open: the batch fills the socket's
    // buffers, then the queue, then waits for room until the stall timeout
    // stops it (after which it queues nothing more).
    assert!(
        eventually(Duration::from_secs(30), || s.open_streams() == 0),
        "the stalled cursor's stream was destroyed"
    );
    let peak = s.peak_response_bytes_held();
    assert!(
        peak <= QUEUE + LINE,
        "{peak} bytes queued at once for a reader that stopped, over the {QUEUE}-byte queue"
    );
    // The batch did wait for room: the queue was full (the next line did
    // not fit), so the bound above was reached, not just respected.
    assert!(peak + LINE > QUEUE, "the queue never filled: peak {peak}");
    drop(tcp);
    assert!(
        eventually(Duration::from_secs(20), || s.response_bytes_held() == 0
            && s.busy_slots() == 0),
        "{} bytes still held after the reader hung up",
        s.response_bytes_held()
    );
}

/// Repro: `SELECT zeroblob(400000000)` on `/v1/execute` took 1.8 GB before
/// it was refused. Values are now bounded by `SQLITE_LIMIT_LENGTH`.
#[test]
fn values_past_the_value_limit_are_toobig_at_once() {
    let s = TestServer::start(ServerConfig::default()).unwrap();
    let c = Client::new(&s);
    let v1 = c.post(
        "/v1/execute",
        &json!({"stmt": {"sql": "SELECT zeroblob(400000000)"}}).to_string(),
    );
    assert_eq!(v1.status, 500, "{}", v1.body);
    assert_eq!(v1.json()["code"], "SQLITE_TOOBIG");
    let r = c.once(3, "SELECT zeroblob(400000000)");
    assert_eq!(code(&r.result(0)), "SQLITE_TOOBIG");
    let r = c.once(3, "SELECT randomblob(8000000)");
    assert_eq!(code(&r.result(0)), "SQLITE_TOOBIG", "past the 7 MB default");
}

/// Repro: a 3M-row SELECT answered with a 173-byte RESPONSE_TOO_LARGE first
/// took 800 MB. The statement now stops once its encoding passes the budget
/// (the unit test `oversized_results_stop_their_statement_at_the_budget`
/// counts the rows produced); here, over HTTP, on every buffered endpoint.
#[test]
fn a_huge_select_is_refused_by_bytes_on_every_buffered_endpoint() {
    let s = TestServer::start(ServerConfig {
        max_response_bytes: 100_000,
        ..Default::default()
    })
    .unwrap();
    let c = Client::new(&s);
    let huge = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000000) SELECT x FROM c";
    let r = c.once(3, huge);
    assert_eq!(code(&r.result(0)), "RESPONSE_TOO_LARGE", "{}", r.body);
    let r = c.pipeline(
        3,
        None,
        json!([{"type": "batch", "batch": {"steps": [{"stmt": {"sql": huge}}]}}, {"type": "close"}]),
    );
    assert_eq!(code(&r.result(0)), "RESPONSE_TOO_LARGE");
    let v1 = c.post("/v1/execute", &json!({"stmt": {"sql": huge}}).to_string());
    assert_eq!(v1.status, 400, "{}", v1.body);
    // A single cursor row longer than the budget is refused too.
    let r = c.post(
        "/v3/cursor",
        &json!({"baton": null, "batch": {"steps": [{"stmt": {"sql": "SELECT zeroblob(200000)"}}]}})
            .to_string(),
    );
    assert_eq!(r.status, 200);
    assert!(r.body.contains("RESPONSE_TOO_LARGE"), "{}", r.body);
}
