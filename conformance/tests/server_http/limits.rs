//! Limits: body size (413), open streams (429), response size
//! (`RESPONSE_TOO_LARGE`).

use serde_json::json;
use sqlport_conformance::server::{ServerConfig, TestServer};

use crate::common::{Client, code, exec};

#[test]
fn oversized_bodies_get_413() {
    let s = TestServer::start(ServerConfig {
        max_body_bytes: 1024,
        ..Default::default()
    })
    .unwrap();
    let c = Client::new(&s);
    let big = json!({"baton": null, "requests": [exec(&format!("select '{}'", "x".repeat(2000)))]})
        .to_string();
    for path in [
        "/v3/pipeline",
        "/v2/pipeline",
        "/v3/cursor",
        "/v1/execute",
        "/v1/batch",
    ] {
        let r = c.post(path, &big);
        assert_eq!(r.status, 413, "{path}");
        // The unread body makes the connection unusable: say so.
        assert_eq!(r.header("connection"), Some("close"), "{path}");
    }
    assert_eq!(s.open_streams(), 0);
    let r = c.once(3, "select 1");
    assert_eq!(r.status, 200);
}

#[test]
fn too_many_streams_get_429_until_one_closes() {
    let s = TestServer::start(ServerConfig {
        max_streams: 2,
        ..Default::default()
    })
    .unwrap();
    let c = Client::new(&s);
    let b1 = c.pipeline(3, None, json!([])).baton().unwrap();
    let _b2 = c.pipeline(3, None, json!([])).baton().unwrap();
    let r = c.pipeline(3, None, json!([exec("select 1")]));
    assert_eq!(r.status, 429);
    assert!(r.json()["error"].is_string());
    assert_eq!(s.open_streams(), 2);
    c.pipeline(3, Some(&b1), json!([{"type": "close"}]));
    assert_eq!(c.once(3, "select 1").status, 200);
}

#[test]
fn large_responses_are_refused_per_request() {
    let s = TestServer::start(ServerConfig {
        max_response_bytes: 50_000,
        ..Default::default()
    })
    .unwrap();
    let c = Client::new(&s);
    let r = c.pipeline(
        3,
        None,
        json!([
            exec("select zeroblob(30000)"),
            exec("select zeroblob(30000)"),
            exec("select 1"),
            {"type": "batch", "batch": {"steps": [{"stmt": {"sql": "select zeroblob(30000)"}}]}},
            {"type": "close"}
        ]),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.result(0)["type"], "ok");
    assert_eq!(code(&r.result(1)), "RESPONSE_TOO_LARGE");
    assert_eq!(r.result(2)["type"], "ok");
    assert_eq!(code(&r.result(3)), "RESPONSE_TOO_LARGE");
    assert_eq!(r.result(4)["type"], "ok");
}
