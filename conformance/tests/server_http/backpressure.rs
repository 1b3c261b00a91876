//! Issue 9: clients that stop reading their reply are disconnected (the
//! write timeout), and the bytes held by replies server-wide are capped.

use std::io::Write as _;
use std::net::TcpStream;
use std::time::Duration;

use serde_json::json;
use sqlport_conformance::server::{ServerConfig, TestServer};

use crate::common::{Client, code, eventually, raw_post, scalar, small_window_client};

/// Rows of 1000 random bytes: about 1.37 kB each once base64-encoded.
fn blobs(rows: usize) -> String {
    format!(
        "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < {rows}) \
         SELECT randomblob(1000) FROM c"
    )
}

/// Repro (by reading the code): a pipeline or `/v1` reply the client never
/// reads held its connection and its memory for ever (hyper has no write
/// timeout). Now the connection is closed once writing makes no progress
/// for the write timeout.
#[test]
fn a_client_that_stops_reading_a_reply_is_disconnected() {
    let s = TestServer::start(ServerConfig {
        write_timeout: Duration::from_millis(300),
        // Long enough that only the write timeout can close the connections.
        header_read_timeout: Duration::from_secs(600),
        ..Default::default()
    })
    .unwrap();
    // About 8.2 MB each: under the 10 MB response limit, far more than the
    // socket buffers hold.
    let sql = blobs(6000);
    let pipeline = json!({"baton": null, "requests": [
        {"type": "execute", "stmt": {"sql": sql}}, {"type": "close"}]})
    .to_string();
    let v1 = json!({"stmt": {"sql": sql}}).to_string();
    let mut held = Vec::new();
    for (path, body) in [
        ("/v3/pipeline", &pipeline),
        ("/v2/pipeline", &pipeline),
        ("/v1/execute", &v1),
    ] {
        let mut tcp = small_window_client(&s);
        tcp.write_all(&raw_post(path, body, "")).unwrap();
        held.push(tcp);
    }
    assert!(
        eventually(Duration::from_secs(30), || s.request_count() == 3),
        "the requests arrived"
    );
    // The clients keep their sockets open and never read.
    assert!(
        eventually(Duration::from_secs(30), || s.open_connections() == 0),
        "{} connections still open",
        s.open_connections()
    );
    assert_eq!(s.open_streams(), 0);
    assert_eq!(s.busy_slots(), 0);
    drop(held);
}

/// Repro (by reading the code): the 10 MB limit was per response only, so
/// 128 concurrent requests could hold 1.28 GB of replies (sqld caps them all
/// together at 32 MB, `SQLD_MAX_TOTAL_RESPONSE_SIZE`). Now replies held at
/// once are capped server-wide: two clients that do not read hold ~16.4 MB of
/// a 20 MB cap, and a third client's ~8.2 MB result (under the per-response
/// limit) is refused with `RESPONSE_TOO_LARGE` on every buffered endpoint,
/// while small ones still run; once the holders go, it fits.
#[test]
fn replies_held_at_once_are_capped_server_wide() {
    const CAP: usize = 20_000_000;
    let s = TestServer::start(ServerConfig {
        max_total_response_bytes: CAP,
        // The holders keep their replies until they hang up.
        write_timeout: Duration::from_secs(600),
        header_read_timeout: Duration::from_secs(600),
        ..Default::default()
    })
    .unwrap();
    let sql = blobs(6000);
    let pipeline = json!({"baton": null, "requests": [
        {"type": "execute", "stmt": {"sql": sql}}, {"type": "close"}]})
    .to_string();
    let holders: Vec<TcpStream> = (0..2)
        .map(|_| {
            let mut tcp = small_window_client(&s);
            tcp.write_all(&raw_post("/v3/pipeline", &pipeline, ""))
                .unwrap();
            tcp
        })
        .collect();
    assert!(
        eventually(Duration::from_secs(60), || s.response_bytes_held()
            >= 16_000_000
            && s.busy_slots() == 0),
        "the holders' replies are held: {} bytes",
        s.response_bytes_held()
    );

    let c = Client::new(&s);
    let r = c.once(3, &sql);
    assert_eq!(code(&r.result(0)), "RESPONSE_TOO_LARGE", "{:.300}", r.body);
    let r = c.pipeline(
        2,
        None,
        json!([{"type": "batch", "batch": {"steps": [{"stmt": {"sql": sql}}]}}, {"type": "close"}]),
    );
    // In a batch, the step fails (as sqld reports batch errors).
    assert_eq!(
        r.result(0)["response"]["result"]["step_errors"][0]["code"],
        "RESPONSE_TOO_LARGE",
        "{:.300}",
        r.body
    );
    let v1 = c.post("/v1/execute", &json!({"stmt": {"sql": sql}}).to_string());
    assert_eq!(v1.status, 400, "{:.300}", v1.body);
    assert!(v1.body.contains("RESPONSE_TOO_LARGE"), "{:.300}", v1.body);
    // What was refused is given back; small results still run.
    assert_eq!(scalar(&c.once(3, "SELECT 41 + 1").result(0)), "42");
    assert!(s.peak_response_bytes_held() <= CAP);

    drop(holders);
    assert!(
        eventually(Duration::from_secs(60), || s.response_bytes_held() == 0),
        "{} bytes still held after the holders hung up",
        s.response_bytes_held()
    );
    let r = c.once(3, &sql);
    assert_eq!(r.result(0)["type"], "ok", "fits once the holders are gone");
    assert!(s.peak_response_bytes_held() <= CAP);
    assert!(s.peak_response_bytes_held() >= 16_000_000);
}
