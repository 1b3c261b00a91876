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
    let base = format!("http://{}", listener.local_addr().unwrap());
    serve_responder(listener, redirect, log, max);
    base
}

fn serve_responder(listener: TcpListener, redirect: Option<String>, log: Log, max: usize) {
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
    let log: Log = Arc::default();
    // The same origin (scheme, host and port), another path: followed.
    let url = responder_at(|base| Some(format!("{base}/replica/")), log.clone(), 8);
    let config = HttpConfig::default().version(Some(Version::V3));
    let db = Db::open(b, &url, config).unwrap();
    let mut c = db.connect().unwrap();
    // A PRAGMA assignment is connection state: the stream (and its baton) is kept.
    c.exec("PRAGMA foreign_keys = OFF").unwrap();
    let port = url.rsplit(':').next().unwrap().to_owned();
    assert_eq!(log.lock().unwrap()[0], ("/v3/pipeline".to_owned(), None));
    // The next request of this stream goes to base_url, with the baton.
    c.exec("SELECT 1").unwrap();
    let seen = log.lock().unwrap().clone();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(seen[1].0, "/replica/v3/pipeline");
    assert_eq!(
        seen[1].1.as_deref(),
        Some(format!("baton-{port}-0").as_str())
    );
    c.close().unwrap();
    assert_eq!(
        log.lock().unwrap()[2].0,
        "/replica/v3/pipeline",
        "the close too"
    );
    // A new stream starts from the database URL again.
    let mut d = db.connect().unwrap();
    d.exec("SELECT 1").unwrap();
    assert_eq!(log.lock().unwrap()[3].0, "/v3/pipeline");
}

/// `base_url` pointing at another origin (another port, or another scheme:
/// never https to http, nor http to https) is ignored: the stream stays on
/// the database URL, and the other server receives nothing (no token).
pub(crate) fn base_url_to_another_origin_is_ignored(b: Backend) {
    let log_b: Log = Arc::default();
    let url_b = responder(None, log_b.clone(), 8);
    let port_b = url_b.rsplit(':').next().unwrap().to_owned();
    type Redirect = Box<dyn Fn(&str) -> String>;
    let elsewhere: [Redirect; 3] = [
        Box::new(move |_| format!("{url_b}/")),
        Box::new(|base| base.replacen("http://", "https://", 1)),
        Box::new(|base| format!("{}/elsewhere/", base.replacen("127.0.0.1", "localhost", 1))),
    ];
    for redirect in elsewhere {
        let log_a: Log = Arc::default();
        let url_a = responder_at(|base| Some(redirect(base)), log_a.clone(), 8);
        let config = HttpConfig::default().version(Some(Version::V3));
        let db = Db::open(b, &url_a, config).unwrap();
        let mut c = db.connect().unwrap();
        c.exec("PRAGMA foreign_keys = OFF").unwrap();
        c.exec("SELECT 1").unwrap();
        c.close().unwrap();
        let seen = log_a.lock().unwrap().clone();
        assert_eq!(seen.len(), 3, "{seen:?}");
        assert!(
            seen.iter().all(|(path, _)| path == "/v3/pipeline"),
            "{seen:?}"
        );
    }
    assert!(
        log_b.lock().unwrap().is_empty(),
        "port {port_b} got requests"
    );
}

/// [`responder`] whose `base_url` is computed from its own base URL.
fn responder_at(redirect: impl FnOnce(&str) -> Option<String>, log: Log, max: usize) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    serve_responder(listener, redirect(&base), log, max);
    base
}
