//! `base_url`: a server may pin the rest of a stream to another URL; the client
//! follows it for that stream only, with the same baton.

use super::*;

type Log = Arc<Mutex<Vec<(String, Option<String>)>>>;

/// A tiny generic Hrana responder on 127.0.0.1:0: it answers each pipeline
/// request with successful responses of the requested types, sets `base_url`
/// to `redirect`, hands out a new baton unless the pipeline closes the stream,
/// and records each request's path and baton. It serves at most `max`
/// connections (one request each).
fn responder(redirect: Option<String>, log: Log, max: usize) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for n in 0..max {
            let Ok((mut sock, _)) = listener.accept() else {
                return;
            };
            let Some((path, body)) = read_request(&mut sock) else {
                return;
            };
            let req: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
            let baton = req["baton"].as_str().map(str::to_owned);
            log.lock().unwrap().push((path, baton));
            let mut closes = false;
            let results: Vec<serde_json::Value> = req["requests"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .map(|r| {
                    let kind = r["type"].as_str().unwrap_or("");
                    let empty = serde_json::json!({"cols":[],"rows":[],"affected_row_count":0,"last_insert_rowid":null});
                    let response = match kind {
                        "execute" => serde_json::json!({"type":"execute","result":empty}),
                        "batch" => {
                            let steps = r["batch"]["steps"].as_array().map_or(0, Vec::len);
                            serde_json::json!({"type":"batch","result":{
                                "step_results": vec![empty; steps],
                                "step_errors": vec![serde_json::Value::Null; steps]}})
                        }
                        "get_autocommit" => serde_json::json!({"type":"get_autocommit","is_autocommit":true}),
                        "close" => {
                            closes = true;
                            serde_json::json!({"type":"close"})
                        }
                        other => serde_json::json!({"type": other}),
                    };
                    serde_json::json!({"type":"ok","response":response})
                })
                .collect();
            let reply = serde_json::json!({
                "baton": if closes { None } else { Some(format!("baton-{}-{n}", addr.port())) },
                "base_url": redirect,
                "results": results,
            });
            let body = serde_json::to_vec(&reply).unwrap();
            let _ = sock.write_all(&http("200 OK", "application/json", &body));
            let _ = sock.flush();
        }
    });
    format!("http://{addr}")
}

/// Read one request: its path and its body (by content-length; bounded).
fn read_request(sock: &mut std::net::TcpStream) -> Option<(String, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    for _ in 0..10_000 {
        let k = sock.read(&mut chunk).ok()?;
        if k == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..k]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_string();
            let path = head.split_whitespace().nth(1)?.to_owned();
            let len = head
                .to_ascii_lowercase()
                .lines()
                .find_map(|l| {
                    l.strip_prefix("content-length:")
                        .map(|v| v.trim().parse::<usize>())
                })
                .and_then(|v| v.ok())
                .unwrap_or(0);
            while buf.len() < end + 4 + len {
                let k = sock.read(&mut chunk).ok()?;
                if k == 0 {
                    return None;
                }
                buf.extend_from_slice(&chunk[..k]);
            }
            return Some((path, buf[end + 4..end + 4 + len].to_vec()));
        }
    }
    None
}

pub(crate) fn base_url_is_followed_for_the_stream(b: Backend) {
    let log_b: Log = Arc::default();
    let url_b = responder(None, log_b.clone(), 8);
    let log_a: Log = Arc::default();
    let url_a = responder(Some(format!("{url_b}/")), log_a.clone(), 8);
    let config = HttpConfig {
        version: ProtocolVersion::V3,
        ..HttpConfig::default()
    };
    let db = Db::open(b, &url_a, config).unwrap();
    let mut c = db.connect().unwrap();
    // A PRAGMA assignment is connection state: the stream (and its baton) is kept.
    c.exec("PRAGMA foreign_keys = OFF").unwrap();
    let first = log_a.lock().unwrap().clone();
    assert_eq!(first.len(), 1, "{first:?}");
    assert_eq!(first[0], ("/v3/pipeline".to_owned(), None));
    // The next request of this stream goes to base_url, with A's baton.
    c.exec("SELECT 1").unwrap();
    let port_a = url_a.rsplit(':').next().unwrap().to_owned();
    let seen_b = log_b.lock().unwrap().clone();
    assert_eq!(seen_b.len(), 1, "{seen_b:?}");
    assert_eq!(seen_b[0].0, "/v3/pipeline");
    assert_eq!(
        seen_b[0].1.as_deref(),
        Some(format!("baton-{port_a}-0").as_str())
    );
    assert_eq!(log_a.lock().unwrap().len(), 1, "A saw nothing more");
    c.close().unwrap();
    assert_eq!(log_b.lock().unwrap().len(), 2, "the close went to B too");
    // A new stream starts from the database URL again.
    let mut d = db.connect().unwrap();
    d.exec("SELECT 1").unwrap();
    assert_eq!(log_a.lock().unwrap().len(), 2);
    assert_eq!(log_b.lock().unwrap().len(), 2);
}
