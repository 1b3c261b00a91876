//! Streams and batons: single-use batons, state across requests, close,
//! idle expiry with tombstones.

use serde_json::json;

use crate::common::{Client, code, exec, scalar, server};

#[test]
fn batons_are_single_use_and_rotate() {
    let s = server();
    let c = Client::new(&s);
    let r1 = c.pipeline(3, None, json!([exec("select 1")]));
    assert_eq!(r1.status, 200);
    let b1 = r1.baton().expect("stream stays open without close");
    let r2 = c.pipeline(3, Some(&b1), json!([exec("select 2")]));
    assert_eq!(r2.status, 200);
    let b2 = r2.baton().unwrap();
    assert_ne!(b1, b2);
    let stale = c.pipeline(3, Some(&b1), json!([exec("select 3")]));
    assert_eq!(stale.status, 400);
    assert!(stale.content_type.starts_with("text/plain"));
    assert_eq!(stale.body, "Received a baton that has already been used");
    // A stale baton does not disturb the stream: the latest baton still works.
    let r3 = c.pipeline(3, Some(&b2), json!([exec("select 4"), {"type": "close"}]));
    assert_eq!(r3.status, 200);
    assert_eq!(scalar(&r3.result(0)), "4");
    assert!(r3.json()["baton"].is_null());
    assert_eq!(s.open_streams(), 0);
    // A closed stream's baton is invalid.
    let closed = c.pipeline(3, Some(&b2), json!([]));
    assert_eq!(
        (closed.status, closed.body.as_str()),
        (400, "Received an invalid baton")
    );
}

#[test]
fn unknown_and_garbage_batons_are_invalid() {
    let s = server();
    let c = Client::new(&s);
    for baton in [
        "",
        "garbage",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "%%%",
        &"x".repeat(5000),
    ] {
        let r = c.pipeline(3, Some(baton), json!([exec("select 1")]));
        assert_eq!(r.status, 400, "{baton}");
        assert_eq!(r.body, "Received an invalid baton");
    }
    // A well-formed baton for a stream that does not exist.
    let b = c.pipeline(2, None, json!([])).baton().unwrap();
    let mut forged = b.clone().into_bytes();
    forged[3] = if forged[3] == b'A' { b'B' } else { b'A' };
    let r = c.pipeline(2, Some(std::str::from_utf8(&forged).unwrap()), json!([]));
    assert_eq!(r.status, 400);
}

#[test]
fn state_persists_within_a_stream_only() {
    let s = server();
    let c = Client::new(&s);
    let r = c.pipeline(
        3,
        None,
        json!([exec("create table t(x)"), exec("pragma foreign_keys"), exec("pragma foreign_keys=off"), exec("begin"), exec("insert into t values (1)"), {"type": "get_autocommit"}]),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        scalar(&r.result(1)),
        "1",
        "foreign keys are on by default, as in sqld"
    );
    assert_eq!(r.result(5)["response"]["is_autocommit"], false);
    let b = r.baton().unwrap();
    let fresh = c.once(3, "pragma foreign_keys");
    assert_eq!(scalar(&fresh.result(0)), "1");
    let r = c.pipeline(
        3,
        Some(&b),
        json!([exec("pragma foreign_keys"), exec("commit"), {"type": "get_autocommit"}, {"type": "close"}]),
    );
    assert_eq!(scalar(&r.result(0)), "0");
    assert_eq!(r.result(2)["response"]["is_autocommit"], true);
    let check = c.once(2, "select count(*) from t");
    assert_eq!(scalar(&check.result(0)), "1");
}

#[test]
fn expired_streams_answer_stream_expired_and_roll_back() {
    let s = server();
    let c = Client::new(&s);
    c.once(3, "create table t(x)");
    let r = c.pipeline(
        3,
        None,
        json!([exec("begin"), exec("insert into t values (1)")]),
    );
    let b = r.baton().unwrap();
    assert_eq!(s.open_streams(), 1);
    s.expire_idle_streams();
    assert_eq!(s.open_streams(), 0);
    let r = c.pipeline(3, Some(&b), json!([exec("commit")]));
    assert_eq!(r.status, 400);
    assert!(r.content_type.starts_with("application/json"));
    assert_eq!(r.json()["code"], "STREAM_EXPIRED");
    assert!(r.json()["message"].is_string());
    // Still expired on a second try (tombstone), and the insert was rolled back.
    assert_eq!(
        c.pipeline(3, Some(&b), json!([])).json()["code"],
        "STREAM_EXPIRED"
    );
    let check = c.once(3, "select count(*) from t");
    assert_eq!(scalar(&check.result(0)), "0");
}

#[test]
fn short_idle_timeout_expires_without_the_hook() {
    let s =
        sqlport_conformance::server::TestServer::start(sqlport_conformance::server::ServerConfig {
            idle_timeout: std::time::Duration::ZERO,
            ..Default::default()
        })
        .unwrap();
    let c = Client::new(&s);
    let b = c.pipeline(3, None, json!([])).baton().unwrap();
    // With a zero timeout the stream is already expired when the baton comes back.
    assert_eq!(
        c.pipeline(3, Some(&b), json!([])).json()["code"],
        "STREAM_EXPIRED"
    );
}

#[test]
fn cursor_shares_streams_with_pipeline() {
    let s = server();
    let c = Client::new(&s);
    c.pipeline(3, None, json!([exec("create table t(id integer primary key, name text)"), exec("insert into t values (1, 'a'), (2, 'b')"), {"type": "close"}]));
    let body = json!({"baton": null, "batch": {"steps": [
        {"stmt": {"sql": "select id, name from t"}},
        {"stmt": {"sql": "insert into t values (1, 'dup')"}},
        {"stmt": {"sql": "select 3"}, "condition": {"type": "ok", "step": 1}},
        {"stmt": {"sql": "insert into t(name) values ('c')"}}
    ]}});
    let r = c.post("/v3/cursor", &body.to_string());
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.content_type.starts_with("text/plain"));
    let lines: Vec<serde_json::Value> = r
        .body
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let baton = lines[0]["baton"].as_str().unwrap().to_owned();
    let types: Vec<&str> = lines[1..]
        .iter()
        .map(|l| l["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "step_begin",
            "row",
            "row",
            "step_end",
            "step_begin",
            "step_error",
            "step_begin",
            "step_end",
            "replication_index"
        ]
    );
    assert_eq!(lines[6]["error"]["code"], "SQLITE_CONSTRAINT");
    assert_eq!(lines[8]["last_insert_rowid"], 3);
    let r = c.pipeline(
        3,
        Some(&baton),
        json!([{"type": "get_autocommit"}, {"type": "close"}]),
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.result(0)["response"]["is_autocommit"], true);
    // A parse error fails the cursor request as a whole with 500 JSON.
    let bad = json!({"baton": null, "batch": {"steps": [{"stmt": {"sql": "selec 1"}}]}});
    let r = c.post("/v3/cursor", &bad.to_string());
    assert_eq!(r.status, 500);
    assert!(r.json()["error"].is_string());
    assert_eq!(s.open_streams(), 0);
}

#[test]
fn in_band_errors_keep_the_stream() {
    let s = server();
    let c = Client::new(&s);
    let r = c.pipeline(
        3,
        None,
        json!([exec("selec 1"), exec("select * from nope"), exec("select 1; select 2"), exec(" -- nothing"), exec("select ?"),
               {"type":"execute","stmt":{"sql":"select ?","args":[{"type":"null"}],"named_args":[{"name":"a","value":{"type":"null"}}]}},
               exec("select 2")]),
    );
    assert_eq!(r.status, 200);
    let codes: Vec<String> = (0..6).map(|i| code(&r.result(i))).collect();
    assert_eq!(
        codes,
        [
            "SQL_PARSE_ERROR",
            "SQLITE_UNKNOWN",
            "SQL_MANY_STATEMENTS",
            "SQL_NO_STATEMENT",
            "ARGS_INVALID",
            "ARGS_BOTH_POSITIONAL_AND_NAMED"
        ]
    );
    assert_eq!(scalar(&r.result(6)), "2");
    assert!(r.baton().is_some());
}

#[test]
fn a_writer_does_not_block_readers() {
    // As on sqld (WAL): another stream reads the committed state at once while
    // a write transaction is open, and sees the commit afterwards.
    let s = server();
    let c = Client::new(&s);
    c.once(3, "create table t(x)");
    let b = c
        .pipeline(
            3,
            None,
            json!([exec("begin"), exec("insert into t values (1)")]),
        )
        .baton()
        .unwrap();
    let other = c.once(3, "select count(*) from t");
    assert_eq!(scalar(&other.result(0)), "0");
    let r = c.pipeline(3, Some(&b), json!([exec("commit"), {"type": "close"}]));
    assert_eq!(r.result(0)["type"], "ok");
    let after = c.once(3, "select count(*) from t");
    assert_eq!(scalar(&after.result(0)), "1");
}

#[test]
fn large_cursor_results_stream_completely() {
    // Far more lines than the server buffers: the body is produced as it is read.
    let s = server();
    let c = Client::new(&s);
    let body = json!({"baton": null, "batch": {"steps": [
        {"stmt": {"sql": "with recursive n(i) as (select 1 union all select i + 1 from n where i < 50000) select i, 'row ' || i from n"}},
        {"stmt": {"sql": "select 'after'"}}
    ]}});
    let r = c.post("/v3/cursor", &body.to_string());
    assert_eq!(r.status, 200);
    let lines: Vec<serde_json::Value> = r
        .body
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1 + 1 + 50_000 + 1 + 3 + 1);
    assert_eq!(lines[2]["row"][0]["value"], "1");
    assert_eq!(lines[50_001]["row"][0]["value"], "50000");
    assert_eq!(lines[50_002]["type"], "step_end");
    assert_eq!(lines.last().unwrap()["type"], "replication_index");
    // Read to the end: the stream is free for the next request at once.
    let baton = lines[0]["baton"].as_str().unwrap().to_owned();
    let next = c.pipeline(3, Some(&baton), json!([{"type": "close"}]));
    assert_eq!(next.status, 200, "{}", next.body);
}
