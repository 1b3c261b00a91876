//! Issue 9, items 11–13: tokens mean exactly what they say; slow or hostile
//! HTTP clients are cut off; a 500 never shows server file paths.

use std::io::{Read as _, Write as _};
use std::time::Duration;

use serde_json::json;
use sqlport_conformance::server::{ServerAuth, ServerConfig, TestServer};
use sqlport_core::{AuthToken, LocalTarget};

use crate::common::{Client, eventually, exec, jwt, raw_connect, raw_post, scalar};

fn jwt_server(config: ServerConfig) -> TestServer {
    TestServer::start(ServerConfig {
        auth: Some(ServerAuth::JwtEd25519 {
            public_key_pem: jwt::public_pem(),
        }),
        ..config
    })
    .unwrap()
}

/// Repro: any access claim other than `ro`/`roa` granted read-write (`"RO"`,
/// `["ro"]`, Turso's `{"p": {"ro": ...}}` could all `CREATE TABLE`).
#[test]
fn access_claims_mean_exactly_what_they_say() {
    let s = jwt_server(ServerConfig::default());
    let c = Client::new(&s);
    let run = |claims: serde_json::Value, sql: &str| {
        let auth = format!("Bearer {}", jwt::token(&claims));
        let body = json!({"baton": null, "requests": [exec(sql), {"type": "close"}]}).to_string();
        c.post_with("/v3/pipeline", &body, &[("authorization", &auth)])
    };
    for claims in [
        json!({"a": "RO"}),
        json!({"a": ["ro"]}),
        json!({"a": "admin"}),
        json!({"a": null}),
        json!({"p": {"admin": {"ns": ["default"]}}}),
        json!({"p": {"rw": "default"}}),
        json!({"exp": 9_999_999_999.5}),
    ] {
        let r = run(claims.clone(), "CREATE TABLE claimed (x)");
        assert_eq!(r.status, 401, "{claims}: {}", r.body);
    }
    let ro = json!({"p": {"ro": {"ns": ["default"]}}});
    assert_eq!(run(ro.clone(), "SELECT 1").status, 200);
    assert_eq!(run(ro, "CREATE TABLE claimed (x)").status, 403);
    let roa = json!({"p": {"roa": {"ns": ["default"]}}});
    assert_eq!(run(roa, "CREATE TABLE claimed (x)").status, 403);
    let elsewhere = json!({"p": {"rw": {"ns": ["another-db"]}}});
    // As on sqld (the differential test compares them): a token for another
    // database is refused as if that database did not exist here.
    assert_eq!(
        run(elsewhere, "SELECT 1").status,
        404,
        "no right on this database"
    );
    assert_eq!(run(json!({"id": "another-db"}), "SELECT 1").status, 404);
    let rw = json!({"p": {"rw": {"ns": ["default"]}}});
    assert_eq!(run(rw, "CREATE TABLE claimed (x)").status, 200);
    let r = run(
        json!({"id": "default", "a": "rw"}),
        "SELECT count(*) FROM claimed",
    );
    assert_eq!(scalar(&r.result(0)), "0");
}

/// An option requires `exp`.
#[test]
fn exp_can_be_required() {
    let s = jwt_server(ServerConfig {
        jwt_require_exp: true,
        ..Default::default()
    });
    let c = Client::new(&s);
    let status = |claims: serde_json::Value| {
        let auth = format!("Bearer {}", jwt::token(&claims));
        c.post_with(
            "/v3/pipeline",
            &json!({"baton": null, "requests": [exec("SELECT 1"), {"type": "close"}]}).to_string(),
            &[("authorization", &auth)],
        )
        .status
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert_eq!(status(json!({})), 401);
    assert_eq!(status(json!({"exp": now + 600})), 200);
}

/// Repro: 21 of 21 half-sent requests were still open after 45 s.
#[test]
fn half_sent_headers_and_idle_connections_are_cut_off() {
    let s = TestServer::start(ServerConfig {
        header_read_timeout: Duration::from_millis(300),
        ..Default::default()
    })
    .unwrap();
    let mut conns = Vec::new();
    for i in 0..5 {
        let mut tcp = raw_connect(&s);
        if i % 2 == 0 {
            tcp.write_all(b"POST /v3/pipeline HTTP/1.1\r\nHost: x\r\nContent-Le")
                .unwrap();
        }
        conns.push(tcp);
    }
    for mut tcp in conns {
        let mut buf = Vec::new();
        // The server closes the connection (EOF or reset), well before the
        // socket's 20 s read timeout.
        match tcp.read_to_end(&mut buf) {
            Ok(_) => {}
            Err(e) => assert_ne!(e.kind(), std::io::ErrorKind::WouldBlock, "still open"),
        }
    }
    assert!(eventually(Duration::from_secs(20), || s.open_connections() == 0));
}

/// A body that trickles in is cut off with 408.
#[test]
fn a_slow_body_gets_408() {
    let s = TestServer::start(ServerConfig {
        body_read_timeout: Duration::from_millis(300),
        ..Default::default()
    })
    .unwrap();
    let mut tcp = raw_connect(&s);
    tcp.write_all(
        b"POST /v3/pipeline HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{\"baton\"",
    )
    .unwrap();
    let mut reply = String::new();
    let _ = tcp.read_to_string(&mut reply);
    assert!(reply.starts_with("HTTP/1.1 408"), "{reply}");
    assert_eq!(s.open_streams(), 0);
}

/// Repro: a 10 MiB body was read before authentication. Now a request
/// without valid credentials gets its 401 before any of its body is sent.
#[test]
fn authentication_comes_before_the_body() {
    let s = TestServer::start(ServerConfig {
        auth: Some(ServerAuth::Token(AuthToken::new("s3cret"))),
        ..Default::default()
    })
    .unwrap();
    for path in [
        "/v3/pipeline",
        "/v2/pipeline",
        "/v3/cursor",
        "/v1/execute",
        "/v1/batch",
    ] {
        let mut tcp = raw_connect(&s);
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer wrong\r\nContent-Length: {}\r\n\r\n",
            10 * 1024 * 1024
        );
        tcp.write_all(head.as_bytes()).unwrap();
        let mut reply = [0u8; 64];
        let n = tcp
            .read(&mut reply)
            .expect("a reply before the body was sent");
        let reply = String::from_utf8_lossy(&reply[..n]);
        assert!(reply.starts_with("HTTP/1.1 401"), "{path}: {reply}");
    }
}

/// A connection limit: connections past it are closed at once.
#[test]
fn connections_past_the_limit_are_closed() {
    let s = TestServer::start(ServerConfig {
        max_connections: 2,
        ..Default::default()
    })
    .unwrap();
    let held: Vec<_> = (0..2).map(|_| raw_connect(&s)).collect();
    assert!(eventually(Duration::from_secs(20), || s.open_connections() == 2));
    let mut extra = raw_connect(&s);
    let _ = extra.write_all(&raw_post("/v3/pipeline", "{}", ""));
    let mut buf = Vec::new();
    let got = extra.read_to_end(&mut buf);
    assert!(
        got.is_err_and(|e| e.kind() != std::io::ErrorKind::WouldBlock) || buf.is_empty(),
        "closed without an answer: {:?}",
        String::from_utf8_lossy(&buf)
    );
    drop(held);
    assert!(eventually(Duration::from_secs(20), || s.open_connections() == 0));
    assert_eq!(scalar(&Client::new(&s).once(3, "SELECT 3").result(0)), "3");
}

/// One client cannot take all the streams: a per-client quota (per token
/// with auth).
#[test]
fn one_client_cannot_take_all_the_streams() {
    let s = jwt_server(ServerConfig {
        max_streams: 10,
        max_streams_per_client: 2,
        ..Default::default()
    });
    let c = Client::new(&s);
    let open = |who: &str| {
        let auth = format!("Bearer {}", jwt::token(&json!({"sub": who})));
        let body = json!({"baton": null, "requests": [exec("SELECT 1")]}).to_string();
        c.post_with("/v3/pipeline", &body, &[("authorization", &auth)])
            .status
    };
    assert_eq!(open("greedy"), 200);
    assert_eq!(open("greedy"), 200);
    assert_eq!(open("greedy"), 429);
    assert_eq!(open("other"), 200, "another client still gets a stream");
    assert_eq!(s.open_streams(), 3);
}

/// Item 13: a 500 never shows the server's file paths.
#[test]
fn a_500_never_shows_server_file_paths() {
    let dir = tempfile::Builder::new()
        .prefix("secret-server-dir-")
        .tempdir()
        .unwrap();
    let secret = dir
        .path()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let s = TestServer::start(ServerConfig {
        database: LocalTarget::Path(dir.path().join("db.sqlite")),
        ..Default::default()
    })
    .unwrap();
    let c = Client::new(&s);
    assert_eq!(c.once(3, "SELECT 1").status, 200);
    // The database's directory vanishes: opening a connection now fails.
    std::fs::remove_dir_all(dir.path()).unwrap();
    for (path, body) in [
        (
            "/v3/pipeline",
            json!({"baton": null, "requests": [exec("SELECT 1")]}),
        ),
        ("/v1/execute", json!({"stmt": {"sql": "SELECT 1"}})),
        (
            "/v3/cursor",
            json!({"baton": null, "batch": {"steps": [{"stmt": {"sql": "SELECT 1"}}]}}),
        ),
    ] {
        let r = c.post(path, &body.to_string());
        assert_eq!(r.status, 500, "{path}: {}", r.body);
        assert!(!r.body.contains(&secret), "{path}: {}", r.body);
        assert!(
            !r.body.contains("/tmp") && !r.body.contains("db.sqlite"),
            "{path}: {}",
            r.body
        );
    }
}
