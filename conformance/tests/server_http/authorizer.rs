//! Issue 9, item 7: SQL is authorized before it can act (the SQLite
//! authorizer on every stream connection), on every endpoint and `describe`.

use serde_json::json;
use sqlport_conformance::server::{ServerAuth, ServerConfig, TestServer};

use crate::common::{Client, code, exec, jwt, scalar, server};

/// PRAGMAs that act on the whole process as soon as they are *prepared*.
const PROCESS_WIDE: [&str; 3] = [
    "PRAGMA hard_heap_limit = 1",
    "PRAGMA soft_heap_limit = 1",
    "PRAGMA temp_store_directory = '/nonexistent'",
];

/// Repro: a `describe` of `PRAGMA hard_heap_limit = 1` made every later
/// request of anyone fail with SQLITE_NOMEM until restart.
#[test]
fn process_wide_pragmas_are_refused_before_they_act_on_every_endpoint() {
    let s = server();
    let c = Client::new(&s);
    for sql in PROCESS_WIDE {
        let r = c.pipeline(
            3,
            None,
            json!([{"type": "describe", "sql": sql}, exec(sql), {"type": "close"}]),
        );
        assert_eq!(r.status, 200, "{sql}: {}", r.body);
        assert_eq!(code(&r.result(0)), "SQL_PARSE_ERROR", "describe {sql}");
        assert_eq!(code(&r.result(1)), "SQL_PARSE_ERROR", "execute {sql}");
        let r = c.pipeline(2, None, json!([exec(sql), {"type": "close"}]));
        assert_eq!(code(&r.result(0)), "SQL_PARSE_ERROR", "v2 {sql}");
        let v1 = c.post("/v1/execute", &json!({"stmt": {"sql": sql}}).to_string());
        assert_eq!(v1.status, 400, "v1 {sql}: {}", v1.body);
        assert_eq!(v1.json()["code"], "SQL_PARSE_ERROR", "v1 {sql}");
        let cursor = c.post(
            "/v3/cursor",
            &json!({"baton": null, "batch": {"steps": [{"stmt": {"sql": sql}}]}}).to_string(),
        );
        assert_eq!(
            cursor.status, 500,
            "cursor {sql}: parse errors are 500, as on sqld"
        );
    }
    // Nothing changed for anyone: the limits still read 0 and memory-hungry
    // work still runs.
    let r = c.pipeline(
        3,
        None,
        json!([
            exec("PRAGMA hard_heap_limit"),
            exec("PRAGMA soft_heap_limit"),
            exec("SELECT length(zeroblob(1000000))"),
            exec("CREATE TABLE IF NOT EXISTS after_pragmas (x)"),
            {"type": "close"}
        ]),
    );
    assert_eq!(scalar(&r.result(0)), "0", "{}", r.body);
    assert_eq!(scalar(&r.result(1)), "0", "{}", r.body);
    assert_eq!(scalar(&r.result(2)), "1000000", "{}", r.body);
    assert_eq!(r.result(3)["type"], "ok", "{}", r.body);
}

/// The PRAGMA allowlist follows sqld: connection state and reads pass,
/// assignments sqld refuses are `SQL_PARSE_ERROR` "unsupported statement".
#[test]
fn pragma_assignments_follow_sqlds_allowlist() {
    let s = server();
    let c = Client::new(&s);
    let allowed = [
        "PRAGMA foreign_keys = OFF",
        "PRAGMA defer_foreign_keys = ON",
        "PRAGMA user_version = 3",
        "PRAGMA busy_timeout",
        "PRAGMA table_info(sqlite_master)",
        "PRAGMA journal_mode",
        "PRAGMA integrity_check",
    ];
    let refused = [
        "PRAGMA journal_mode = DELETE",
        "PRAGMA synchronous = OFF",
        "PRAGMA cache_size = -1000000",
        "PRAGMA mmap_size = 1000000000",
        "PRAGMA writable_schema = ON",
        "PRAGMA query_only = ON",
        "PRAGMA wal_checkpoint",
        "PRAGMA shrink_memory",
        "PRAGMA busy_timeout = 1000",
        "PRAGMA busy_timeout = 999999999",
        "PRAGMA no_such_pragma = 1",
        "SELECT load_extension('/nonexistent')",
    ];
    for sql in allowed {
        let r = c.once(3, sql);
        assert_eq!(r.result(0)["type"], "ok", "{sql}: {}", r.body);
    }
    for sql in refused {
        let r = c.once(3, sql);
        assert_eq!(code(&r.result(0)), "SQL_PARSE_ERROR", "{sql}: {}", r.body);
    }
    // A batch holding a refused statement fails before any step runs, as a
    // parse error does on sqld.
    let r = c.pipeline(
        3,
        None,
        json!([
            {"type": "batch", "batch": {"steps": [
                {"stmt": {"sql": "CREATE TABLE refused_batch (x)"}},
                {"stmt": {"sql": "PRAGMA journal_mode = DELETE"}}
            ]}},
            exec("SELECT count(*) FROM sqlite_master WHERE name = 'refused_batch'"),
            {"type": "close"}
        ]),
    );
    assert_eq!(code(&r.result(0)), "SQL_PARSE_ERROR", "{}", r.body);
    assert_eq!(scalar(&r.result(1)), "0", "nothing of the batch ran");
}

/// `VACUUM`, `VACUUM INTO` and `ATTACH` are refused, as on sqld, and create
/// no file.
#[test]
fn vacuum_attach_and_vacuum_into_are_refused() {
    let s = server();
    let c = Client::new(&s);
    let dir = tempfile::tempdir().unwrap();
    let into = dir.path().join("copy.db");
    let attach = dir.path().join("side.db");
    let r = c.pipeline(
        3,
        None,
        json!([
            exec("CREATE TABLE v (x)"),
            exec("INSERT INTO v VALUES (1), (2)"),
            exec("DELETE FROM v WHERE x = 1"),
            exec("VACUUM"),
            exec(&format!("VACUUM INTO '{}'", into.display())),
            exec(&format!("ATTACH '{}' AS side", attach.display())),
            exec("ATTACH '' AS side"),
            exec("SELECT count(*) FROM v"),
            {"type": "close"}
        ]),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(code(&r.result(3)), "SQL_PARSE_ERROR", "VACUUM: {}", r.body);
    assert_eq!(code(&r.result(4)), "SQL_PARSE_ERROR", "VACUUM INTO");
    assert_eq!(code(&r.result(5)), "SQL_PARSE_ERROR", "ATTACH a file");
    assert_eq!(
        code(&r.result(6)),
        "SQL_PARSE_ERROR",
        "ATTACH a temporary db"
    );
    assert_eq!(scalar(&r.result(7)), "1");
    assert!(!into.exists() && !attach.exists(), "no file was created");
    let v1 = c.post(
        "/v1/execute",
        &json!({"stmt": {"sql": "VACUUM"}}).to_string(),
    );
    assert_eq!(v1.status, 400, "{}", v1.body);
    assert_eq!(v1.json()["code"], "SQL_PARSE_ERROR", "{}", v1.body);
}

/// A read-only token cannot write by any path, and its connection runs with
/// `query_only` (even a statement SQLite calls read-only cannot write).
#[test]
fn read_only_tokens_get_query_only_and_cannot_write_anywhere() {
    let s = TestServer::start(ServerConfig {
        auth: Some(ServerAuth::JwtEd25519 {
            public_key_pem: jwt::public_pem(),
        }),
        ..Default::default()
    })
    .unwrap();
    let c = Client::new(&s);
    let rw = format!("Bearer {}", jwt::token(&json!({})));
    let ro = format!("Bearer {}", jwt::token(&json!({"a": "ro"})));
    let post = |path: &str, body: serde_json::Value, auth: &str| {
        c.post_with(path, &body.to_string(), &[("authorization", auth)])
    };
    let pipe = |reqs: serde_json::Value| json!({"baton": null, "requests": reqs});
    let r = post(
        "/v3/pipeline",
        pipe(json!([exec("CREATE TABLE ro_t (x)"), {"type": "close"}])),
        &rw,
    );
    assert_eq!(r.result(0)["type"], "ok");
    let r = post(
        "/v3/pipeline",
        // (`PRAGMA query_only` itself needs the primary on sqld, so a
        // read-only token reads it through the table-valued function.)
        pipe(
            json!([exec("SELECT * FROM pragma_query_only"), exec("SELECT count(*) FROM ro_t"), {"type": "close"}]),
        ),
        &ro,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        scalar(&r.result(0)),
        "1",
        "query_only is on for a read-only token"
    );
    assert_eq!(scalar(&r.result(1)), "0");
    // Statements sqld refuses outright are refused first (SQL_PARSE_ERROR),
    // whoever asks.
    for sql in ["CREATE TEMP TABLE tmp (x)", "PRAGMA hard_heap_limit = 1"] {
        let r = post("/v3/pipeline", pipe(json!([exec(sql)])), &ro);
        assert_eq!(code(&r.result(0)), "SQL_PARSE_ERROR", "{sql}: {}", r.body);
    }
    for sql in [
        "INSERT INTO ro_t VALUES (1)",
        "PRAGMA user_version = 9",
        "DELETE FROM ro_t",
    ] {
        let r = post("/v3/pipeline", pipe(json!([exec(sql)])), &ro);
        assert_eq!(r.status, 403, "{sql}: {}", r.body);
        let r = post("/v2/pipeline", pipe(json!([exec(sql)])), &ro);
        assert_eq!(r.status, 403, "v2 {sql}");
        let r = post("/v1/execute", json!({"stmt": {"sql": sql}}), &ro);
        assert_eq!(r.status, 403, "v1 {sql}");
        // On `/v3/cursor` the check comes after line 1 (status 200), as on
        // sqld, and cuts the body short: the differential test compares
        // that ("ro: cursor write").
        let r = post(
            "/v3/pipeline",
            pipe(json!([{"type": "sequence", "sql": format!("SELECT 1; {sql}")}])),
            &ro,
        );
        assert_eq!(r.status, 403, "sequence {sql}");
    }
    // The same stream, used with a read-write token again, writes again.
    let r = post("/v3/pipeline", pipe(json!([exec("SELECT 1")])), &ro);
    let baton = r.baton().unwrap();
    let r = post(
        "/v3/pipeline",
        json!({"baton": baton, "requests": [exec("PRAGMA query_only"), exec("INSERT INTO ro_t VALUES (2)"), {"type": "close"}]}),
        &rw,
    );
    assert_eq!(scalar(&r.result(0)), "0", "{}", r.body);
    assert_eq!(r.result(1)["type"], "ok", "{}", r.body);
}
