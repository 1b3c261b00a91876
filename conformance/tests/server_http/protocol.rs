//! Routes, protocol errors (whole request fails, stream destroyed), request
//! types and the v1 endpoints.

use serde_json::json;
use sqlport_conformance::server::{ServerConfig, TestServer};

use crate::common::{Client, code, exec, scalar, server};

#[test]
fn routes_like_sqld() {
    let s = server();
    let c = Client::new(&s);
    for path in ["/v2", "/v3"] {
        let r = c.get(path);
        assert_eq!(r.status, 200);
        assert_eq!(r.body, "Hello, this is HTTP API v2 (Hrana over HTTP)");
    }
    let health = c.get("/health");
    assert_eq!((health.status, health.body.as_str()), (200, ""));
    let version = c.get("/version");
    assert_eq!(version.status, 200);
    assert!(version.body.starts_with("sqlport-reference-server "));
    for path in ["/v4", "/v3-protobuf", "/", "/v3/pipeline/x"] {
        let r = c.get(path);
        assert_eq!((r.status, r.body.as_str()), (404, ""), "{path}");
    }
    assert_eq!(c.post("/v2", "{}").status, 405);
    assert_eq!(c.get("/v3/pipeline").status, 405);
    assert_eq!(c.post("/v3-protobuf/pipeline", "{}").status, 404);
    assert_eq!(s.request_count(), 11);
}

#[test]
fn versions_can_be_switched_off() {
    let s = TestServer::start(ServerConfig {
        enable_v3: false,
        enable_v1: false,
        ..Default::default()
    })
    .unwrap();
    let c = Client::new(&s);
    assert_eq!(c.get("/v3").status, 404);
    assert_eq!(c.pipeline(3, None, json!([])).status, 404);
    assert_eq!(c.post("/v3/cursor", "{}").status, 404);
    assert_eq!(c.post("/v1/execute", "{}").status, 404);
    assert_eq!(c.get("/v2").status, 200);
    let r = c.once(2, "select 1");
    assert_eq!(scalar(&r.result(0)), "1");
}

#[test]
fn request_counter_counts_every_request() {
    let s = server();
    let c = Client::new(&s);
    let before = s.request_count();
    c.once(3, "select 1");
    c.get("/nope");
    c.post("/v3/pipeline", "garbage");
    assert_eq!(s.request_count() - before, 3);
}

/// Open a stream, send `requests` with its baton; expect a 400 text/plain
/// protocol error and the stream destroyed.
fn assert_protocol_error(version: u8, requests: serde_json::Value) {
    let s = server();
    let c = Client::new(&s);
    let b = c
        .pipeline(version, None, json!([exec("select 1")]))
        .baton()
        .unwrap();
    let r = c.pipeline(version, Some(&b), requests.clone());
    assert_eq!(r.status, 400, "{requests}: {}", r.body);
    assert!(r.content_type.starts_with("text/plain"), "{requests}");
    assert!(!r.body.is_empty());
    assert_eq!(s.open_streams(), 0, "{requests}: the stream is destroyed");
    let again = c.pipeline(version, Some(&b), json!([]));
    assert_eq!(again.status, 400);
}

#[test]
fn protocol_errors_fail_the_request_and_destroy_the_stream() {
    assert_protocol_error(3, json!([exec("select 1"), {"type": "frobnicate"}]));
    assert_protocol_error(
        3,
        json!([{"type": "execute", "stmt": {"sql": "select 1", "sql_id": 1}}]),
    );
    assert_protocol_error(3, json!([{"type": "execute", "stmt": {}}]));
    assert_protocol_error(3, json!([{"type": "execute", "stmt": {"sql_id": 42}}]));
    assert_protocol_error(
        3,
        json!([{"type": "store_sql", "sql_id": 1, "sql": "select 1"}, {"type": "store_sql", "sql_id": 1, "sql": "select 2"}]),
    );
    assert_protocol_error(
        3,
        json!([{"type": "batch", "batch": {"steps": [{"stmt": {"sql": "select 1"}, "condition": {"type": "ok", "step": 0}}]}}]),
    );
    assert_protocol_error(
        3,
        json!([{"type": "batch", "batch": {"steps": [{"stmt": {"sql": "select 1"}}, {"stmt": {"sql": "select 1"}, "condition": {"type": "not", "cond": {"type": "error", "step": 7}}}]}}]),
    );
    assert_protocol_error(2, json!([{"type": "get_autocommit"}]));
    assert_protocol_error(
        2,
        json!([{"type": "batch", "batch": {"steps": [{"stmt": {"sql": "select 1"}, "condition": {"type": "is_autocommit"}}]}}]),
    );
    assert_protocol_error(3, json!([{"type": "close"}, exec("select 1")]));
    assert_protocol_error(
        3,
        json!([{"type": "execute", "stmt": {"sql": "select ?", "args": [{"type": "integer", "value": 5}]}}]),
    );
    assert_protocol_error(
        3,
        json!([{"type": "execute", "stmt": {"sql": "select ?", "args": [{"type": "blob", "base64": "-_-_"}]}}]),
    );
}

#[test]
fn a_protocol_error_mid_pipeline_keeps_earlier_effects() {
    let s = server();
    let c = Client::new(&s);
    c.once(3, "create table t(x)");
    let r = c.pipeline(
        3,
        None,
        json!([exec("insert into t values (1)"), {"type": "execute", "stmt": {"sql_id": 99}}]),
    );
    assert_eq!(r.status, 400);
    let check = c.once(3, "select count(*) from t");
    assert_eq!(scalar(&check.result(0)), "1");
}

#[test]
fn malformed_bodies_are_protocol_errors() {
    let s = server();
    let c = Client::new(&s);
    for body in [
        "",
        "{",
        "null",
        "[]",
        "{\"requests\": 5}",
        "{\"baton\": 5, \"requests\": []}",
        "\u{0}\u{1}",
    ] {
        let r = c.post("/v3/pipeline", body);
        assert_eq!(r.status, 400, "{body:?}");
        assert!(
            r.body
                .starts_with("Cannot deserialize client message from JSON"),
            "{body:?}"
        );
    }
}

#[test]
fn every_request_type_on_v3() {
    let s = server();
    let c = Client::new(&s);
    let r = c.pipeline(
        3,
        None,
        json!([
            {"type": "sequence", "sql": "create table t(id integer primary key, name text); insert into t(name) values ('a;b');"},
            {"type": "store_sql", "sql_id": 1, "sql": "select name from t where id = ?"},
            {"type": "execute", "stmt": {"sql_id": 1, "args": [{"type": "integer", "value": "1"}]}},
            {"type": "describe", "sql": "select id, name from t where id = :id and name = ?"},
            {"type": "describe", "sql_id": 1},
            {"type": "close_sql", "sql_id": 1},
            {"type": "close_sql", "sql_id": 77},
            {"type": "execute", "stmt": {"sql": "insert into t(name) values (:n) returning id", "named_args": [{"name": "n", "value": {"type": "text", "value": "b"}}]}},
            {"type": "batch", "batch": {"steps": [{"stmt": {"sql": "update t set name = 'c' where id = 2"}}, {"stmt": {"sql": "select 1"}, "condition": {"type": "ok", "step": 0}}]}},
            {"type": "get_autocommit"},
            {"type": "sequence", "sql": "insert into t(name) values ('x'); insert into t(id) values (1); insert into t(name) values ('never')"},
            exec("select count(*) from t"),
            {"type": "close"}
        ]),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let types: Vec<String> = r.json()["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["response"]["type"].as_str().unwrap_or("error").to_owned())
        .collect();
    assert_eq!(
        types,
        [
            "sequence",
            "store_sql",
            "execute",
            "describe",
            "describe",
            "close_sql",
            "close_sql",
            "execute",
            "batch",
            "get_autocommit",
            "error",
            "execute",
            "close"
        ]
    );
    assert_eq!(scalar(&r.result(2)), "a;b");
    let d = r.result(3)["response"]["result"].clone();
    assert_eq!(d["params"], json!([{"name": ":id"}, {"name": null}]));
    assert_eq!(d["cols"][1], json!({"name": "name", "decltype": "TEXT"}));
    assert_eq!(d["is_readonly"], true);
    assert_eq!(d["is_explain"], false);
    let ins = r.result(7)["response"]["result"].clone();
    assert_eq!(ins["rows"][0][0]["value"], "2");
    assert_eq!(ins["affected_row_count"], 1);
    assert_eq!(ins["last_insert_rowid"], "2");
    let upd = r.result(8)["response"]["result"]["step_results"][0].clone();
    assert_eq!(upd["affected_row_count"], 1);
    assert!(upd["last_insert_rowid"].is_null());
    assert_eq!(code(&r.result(10)), "SQLITE_CONSTRAINT");
    assert_eq!(
        scalar(&r.result(11)),
        "3",
        "the sequence stopped at its failing statement"
    );
}

#[test]
fn v1_endpoints() {
    let s = server();
    let c = Client::new(&s);
    let r = c.post("/v1/execute", r#"{"stmt":{"sql":"select 1"}}"#);
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["result"]["rows"][0][0]["value"], "1");
    let r = c.post("/v1/execute", r#"{"stmt":{"sql":"selec 1"}}"#);
    assert_eq!(
        (r.status, r.json()["code"].as_str()),
        (400, Some("SQL_PARSE_ERROR"))
    );
    let r = c.post("/v1/execute", r#"{"stmt":{"sql":"select * from nope"}}"#);
    assert_eq!(
        (r.status, r.json()["code"].as_str()),
        (500, Some("SQLITE_UNKNOWN"))
    );
    let r = c.post(
        "/v1/batch",
        r#"{"batch":{"steps":[{"stmt":{"sql":"begin"}},{"stmt":{"sql":"create table v1t(x)"}}]}}"#,
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["result"]["step_errors"], json!([null, null]));
    // The connection was fresh and dropped: the unfinished transaction rolled back.
    let r = c.post(
        "/v1/execute",
        r#"{"stmt":{"sql":"select count(*) from sqlite_schema where name = 'v1t'"}}"#,
    );
    assert_eq!(r.json()["result"]["rows"][0][0]["value"], "0");
    assert_eq!(
        c.post("/v1/execute", r#"{"stmt":{"sql_id":1}}"#).status,
        400
    );
    assert_eq!(c.get("/v1").status, 200);
}

#[test]
fn special_values_round_trip() {
    let s = server();
    let c = Client::new(&s);
    let r = c.pipeline(
        3,
        None,
        json!([
            {"type": "execute", "stmt": {"sql": "select ?, ?, ?, ?, ?, ?", "args": [
                {"type": "integer", "value": "9223372036854775807"},
                {"type": "integer", "value": "-9223372036854775808"},
                {"type": "blob", "base64": "+//+AQ=="},
                {"type": "text", "value": "a\u{0}b"},
                {"type": "float", "value": 1.5},
                {"type": "blob", "base64": ""}
            ]}},
            exec("select 1e999, -1e999"),
            {"type": "close"}
        ]),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let row = r.result(0)["response"]["result"]["rows"][0].clone();
    assert_eq!(row[0]["value"], "9223372036854775807");
    assert_eq!(row[1]["value"], "-9223372036854775808");
    assert_eq!(row[2], json!({"type": "blob", "base64": "+//+AQ"}));
    assert_eq!(row[3]["value"], "a\u{0}b");
    assert_eq!(row[4], json!({"type": "float", "value": 1.5}));
    assert_eq!(row[5], json!({"type": "blob", "base64": ""}));
    let inf = r.result(1)["response"]["result"]["rows"][0].clone();
    assert_eq!(
        inf,
        json!([{"type": "float", "value": null}, {"type": "float", "value": null}])
    );
}

#[tokio::test]
async fn usable_from_async_code() {
    // TestServer runs its own runtime: starting and dropping it inside another
    // runtime is fine.
    let s = server();
    let url = s.url();
    let r = tokio::task::spawn_blocking(move || Client::for_url(&url).get("/health").status)
        .await
        .unwrap();
    assert_eq!(r, 200);
    drop(s);

    // BoundServer / serve: bind, report the address, stop on the shutdown future.
    let bound = sqlport_conformance::server::BoundServer::bind(ServerConfig::default())
        .await
        .unwrap();
    let addr = bound.local_addr().unwrap();
    assert!(addr.ip().is_loopback());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(bound.run(async {
        let _ = stopped.await;
    }));
    let url = format!("http://{addr}");
    let r = tokio::task::spawn_blocking(move || {
        Client::for_url(&url).pipeline(3, None, json!([exec("select 1"), {"type": "close"}]))
    })
    .await
    .unwrap();
    assert_eq!(scalar(&r.result(0)), "1");
    stop.send(()).unwrap();
    running.await.unwrap().unwrap();
    sqlport_conformance::server::serve(ServerConfig::default(), async {})
        .await
        .unwrap();
}

#[test]
fn attach_is_refused_on_pipeline_and_v1() {
    let s = server();
    let c = Client::new(&s);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("side.db");
    let sql = format!("ATTACH '{}' AS side", path.display());
    let r = c.pipeline(
        3,
        None,
        json!([exec(&sql), exec("select 1"), {"type": "close"}]),
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.result(0)["type"], "error");
    // Refused by the authorizer as an unsupported statement, as sqld words
    // statements it does not run.
    assert_eq!(code(&r.result(0)), "SQL_PARSE_ERROR");
    assert_eq!(
        scalar(&r.result(1)),
        "1",
        "the stream goes on after the refusal"
    );
    let v1 = c.post("/v1/execute", &json!({"stmt": {"sql": sql}}).to_string());
    assert_eq!(
        v1.status, 400,
        "v1 reports non-SQLite errors as 400, as sqld does"
    );
    assert!(
        !path.exists(),
        "no file was created on the server's machine"
    );
}
