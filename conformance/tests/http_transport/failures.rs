//! Garbage replies, timeouts and unreachable servers.

use super::*;

pub(crate) fn garbage_replies_never_panic(b: Backend) {
    let cursor_cut = b"{\"baton\":null,\"base_url\":null}\n{\"type\":\"step_begin\",\"step\":0,\"cols\":[{\"name\":\"x\"}]}\n{\"type\":\"row\",\"row\":[{\"type\":\"integer\",\"value\":\"1\"}]}\n";
    let replies = vec![
        http("500 Internal Server Error", "text/html", b"<html><body><h1>500</h1></body></html>"),
        http("200 OK", "application/json", b"<html>this is not json</html>"),
        http("200 OK", "application/json", br#"{"baton":null,"base_url":null,"results":[]}"#),
        http(
            "200 OK",
            "application/json",
            br#"{"baton":null,"base_url":null,"results":[{"type":"ok","response":{"type":"execute","result":{"cols":[],"rows":[],"affected_row_count":0,"last_insert_rowid":"not a number"}}},{"type":"ok","response":{"type":"get_autocommit","is_autocommit":true}},{"type":"ok","response":{"type":"close"}}]}"#,
        ),
        http("200 OK", "text/plain", cursor_cut),
        b"HTTP/1.1 200 OK\r\ncontent-length: 500\r\nconnection: close\r\n\r\n{\"baton\":null,".to_vec(),
        http("401 Unauthorized", "application/json", br#"{"error":"Unauthorized: nope"}"#),
    ];
    let url = canned(replies);
    let db = Db::open(b, &url, HttpConfig::default().version(Some(Version::V3))).unwrap();
    let mut c = db.connect().unwrap();
    let e = c.exec("SELECT 1").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Http, "{e:?}");
    assert!(matches!(e, Error::Http { status: 500, .. }));
    for _ in 0..2 {
        let e = c.exec("SELECT 1").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Protocol, "{e:?}");
    }
    let e = c.exec("SELECT 1").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Protocol, "{e:?}");
    let mut sink = Counter::default();
    let e = c
        .stream(&Statement::new("SELECT 1"), &mut sink)
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Protocol, "{e:?}");
    let e = c.exec("SELECT 1").unwrap_err();
    assert!(
        matches!(
            e.kind(),
            ErrorKind::Protocol | ErrorKind::Transport | ErrorKind::Io
        ),
        "{e:?}"
    );
    let e = c.exec("SELECT 1").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Auth);
}

/// A server that accepts one connection, reads the request, writes `reply`
/// (possibly nothing, possibly an unfinished body) and then sends nothing
/// more; it holds the socket until the client goes away.
fn stalling(reply: Vec<u8>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let Ok((mut sock, _)) = listener.accept() else {
            return;
        };
        let mut chunk = [0u8; 4096];
        let mut seen = Vec::new();
        let mut replied = false;
        for _ in 0..100_000 {
            match sock.read(&mut chunk) {
                Ok(0) | Err(_) => return,
                Ok(k) => seen.extend_from_slice(&chunk[..k]),
            }
            // The request's body is small and follows its headers at once.
            if !replied && seen.windows(4).any(|w| w == b"\r\n\r\n") {
                replied = true;
                let _ = sock.write_all(&reply);
                let _ = sock.flush();
            }
        }
    });
    format!("http://{addr}")
}

pub(crate) fn request_timeout_fires(b: Backend) {
    let url = stalling(Vec::new());
    let db = Db::open(
        b,
        &url,
        HttpConfig::default()
            .version(Some(Version::V3))
            .request_timeout(std::time::Duration::from_millis(300)),
    )
    .unwrap();
    let mut c = db.connect().unwrap();
    let e = c.exec("INSERT INTO t VALUES (1)").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e:?}");
    assert!(e.is_timeout());
    assert!(c.autocommit());
}

pub(crate) fn unreachable_server_is_an_error(b: Backend) {
    // A port that was just free: connecting is refused.
    let addr = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let db = Db::open(b, &format!("http://{addr}"), HttpConfig::default()).unwrap();
    let e = db.connect().err().expect("probe fails");
    assert!(
        matches!(e.kind(), ErrorKind::Io | ErrorKind::Transport),
        "{e:?}"
    );
    let forced = Db::open(
        b,
        &format!("http://{addr}"),
        HttpConfig::default().version(Some(Version::V3)),
    )
    .unwrap();
    let mut c = forced.connect().unwrap();
    let e = c.exec("SELECT 1").unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::Io | ErrorKind::Transport),
        "{e:?}"
    );
}

pub(crate) fn a_cursor_body_that_stalls_times_out(b: Backend) {
    // Line 1 and a step_begin arrive, then nothing: the per-read idle
    // timeout fires, and a timeout is reported as one.
    let lines = "{\"baton\":null,\"base_url\":null}\n{\"type\":\"step_begin\",\"step\":0,\"cols\":[{\"name\":\"x\"}]}\n";
    let reply = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ntransfer-encoding: chunked\r\n\r\n{:x}\r\n{lines}\r\n",
        lines.len()
    );
    let db = Db::open(
        b,
        &stalling(reply.into_bytes()),
        HttpConfig::default()
            .version(Some(Version::V3))
            .request_timeout(std::time::Duration::from_millis(300))
            .read_timeout(std::time::Duration::from_millis(300)),
    )
    .unwrap();
    let mut c = db.connect().unwrap();
    let mut sink = Counter::default();
    let e = c
        .stream(&Statement::new("SELECT 1"), &mut sink)
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e:?}");
    assert_eq!(sink.columns, 1, "the rows' columns arrived first");
    assert!(c.autocommit());
}

/// A server that reads one request, then writes `parts` one after the
/// other, waiting `gap` before each (the pace of a slow cursor: the gaps are
/// the behaviour under test, not synchronisation), then closes.
fn dribbling(parts: Vec<Vec<u8>>, gap: std::time::Duration) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let Ok((mut sock, _)) = listener.accept() else {
            return;
        };
        let mut chunk = [0u8; 4096];
        let mut seen = Vec::new();
        while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
            match sock.read(&mut chunk) {
                Ok(0) | Err(_) => return,
                Ok(k) => seen.extend_from_slice(&chunk[..k]),
            }
        }
        for part in parts {
            std::thread::sleep(gap);
            if sock.write_all(&part).and_then(|()| sock.flush()).is_err() {
                return;
            }
        }
    });
    format!("http://{addr}")
}

/// A cursor that keeps sending rows for longer than the request timeout is
/// not cut: a streamed body is bounded by the per-read idle timeout only.
pub(crate) fn a_long_cursor_is_not_cut_by_the_request_timeout(b: Backend) {
    let chunk = |s: &str| format!("{:x}\r\n{s}\r\n", s.len()).into_bytes();
    let mut parts = vec![
        b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ntransfer-encoding: chunked\r\n\r\n"
            .to_vec(),
        chunk(
            "{\"baton\":null,\"base_url\":null}\n{\"type\":\"step_begin\",\"step\":0,\"cols\":[{\"name\":\"x\"}]}\n",
        ),
    ];
    let rows = 8;
    for i in 0..rows {
        parts.push(chunk(&format!(
            "{{\"type\":\"row\",\"row\":[{{\"type\":\"integer\",\"value\":\"{i}\"}}]}}\n"
        )));
    }
    parts.push(chunk(
        "{\"type\":\"step_end\",\"affected_row_count\":0,\"last_insert_rowid\":null}\n",
    ));
    parts.push(b"0\r\n\r\n".to_vec());
    // 11 parts, 100 ms apart: about 1.1 s in all, more than three times the
    // request timeout, while no gap comes near the idle timeout.
    let url = dribbling(parts, std::time::Duration::from_millis(100));
    let db = Db::open(
        b,
        &url,
        HttpConfig::default()
            .version(Some(Version::V3))
            .request_timeout(std::time::Duration::from_millis(300))
            .read_timeout(std::time::Duration::from_secs(5)),
    )
    .unwrap();
    let mut c = db.connect().unwrap();
    let mut sink = Counter::default();
    c.stream(&Statement::new("SELECT x FROM t"), &mut sink)
        .unwrap();
    assert_eq!(sink.rows, rows);
    assert_eq!(sink.sum, (0..rows as i64).sum::<i64>());
}
