//! Issue 9: clients that stop reading their reply are disconnected (the
//! write timeout), and the bytes held by replies server-wide are capped.

use std::io::Write as _;
use std::net::TcpStream;
use std::time::Duration;

use serde_json::json;
use sqlport_conformance::server::{ServerConfig, TestServer};

use crate::common::{eventually, raw_post};

/// Rows of 1000 random bytes: about 1.37 kB each once base64-encoded.
fn blobs(rows: usize) -> String {
    format!(
        "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < {rows}) \
         SELECT randomblob(1000) FROM c"
    )
}

/// A raw client with a tiny receive buffer (no autotuning), so a reply of a
/// few MB cannot all sit in the kernel's buffers.
fn small_window_client(server: &TestServer) -> TcpStream {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    socket.connect(&server.addr().into()).unwrap();
    socket.into()
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
