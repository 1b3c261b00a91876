//! Generated sequences: batons across requests, transactions, the cursor,
//! endpoints and versions, protocol errors, idle expiry.

use std::time::Duration;

use serde_json::json;

use crate::sequence::*;

/// Batons: chains, reuse, garbage, closed streams, streams a protocol error
/// destroyed.
fn batons() -> Seq {
    let mut s = Seq::new("streams::batons", Group::Plain);
    s.v3("open", "@a", json!([exec("CREATE TABLE bn_t (x)")]));
    s.v3("second", "@a", json!([exec("INSERT INTO bn_t VALUES (1)")]));
    s.v3("stale", "@a~", json!([exec("INSERT INTO bn_t VALUES (2)")]));
    s.v3(
        "latest still works",
        "@a",
        json!([exec("SELECT * FROM bn_t")]),
    );
    s.v3("garbage", "not a baton", json!([exec("SELECT 1")]));
    s.v3(
        "base64 garbage",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        json!([]),
    );
    s.v3("empty baton", "", json!([exec("SELECT 1"), close()]));
    s.post(
        "number baton",
        "/v3/pipeline",
        &json!({"baton": 5, "requests": []}),
    );
    s.v3(
        "protocol error destroys",
        "@a",
        json!([exec("INSERT INTO bn_t VALUES (3)"), {"type": "execute", "stmt": {"sql_id": 77}}]),
    );
    s.v3("after a protocol error", "@a", json!([exec("SELECT 1")]));
    s.once("the insert before it ran", "SELECT * FROM bn_t ORDER BY x");
    s.v3("cross-version: v3 stream", "@v", json!([exec("SELECT 1")]));
    s.pipeline("cross-version: on v2", 2, "@v", json!([exec("SELECT 2")]));
    s.v3(
        "cross-version: back on v3",
        "@v",
        json!([exec("SELECT 3"), close()]),
    );
    s.v3(
        "state persists",
        "@p",
        json!([
            exec("PRAGMA foreign_keys = OFF"),
            exec("PRAGMA foreign_keys")
        ]),
    );
    s.v3(
        "state on the stream",
        "@p",
        json!([exec("PRAGMA foreign_keys"), exec("SELECT changes()")]),
    );
    s.v3(
        "state not on another",
        "",
        json!([exec("PRAGMA foreign_keys"), close()]),
    );
    s.v3("close", "@p", json!([close()]));
    s.v3("reuse closed", "@p~", json!([]));
    s
}

/// Interactive transactions across requests.
fn transactions() -> Seq {
    let mut s = Seq::new("streams::transactions", Group::Plain);
    s.once("create", "CREATE TABLE tx_t (x INTEGER PRIMARY KEY, y)");
    s.v3(
        "begin",
        "@t",
        json!([
            exec("BEGIN"),
            autocommit(),
            exec("INSERT INTO tx_t VALUES (1, 'a')")
        ]),
    );
    s.v3(
        "other stream reads",
        "",
        json!([exec("SELECT count(*) FROM tx_t"), close()]),
    );
    s.v3(
        "error keeps tx",
        "@t",
        json!([
            exec("INSERT INTO tx_t VALUES (1, 'dup')"),
            exec("SELEC"),
            autocommit()
        ]),
    );
    s.v3(
        "commit",
        "@t",
        json!([exec("COMMIT"), autocommit(), exec("SELECT * FROM tx_t")]),
    );
    s.v3(
        "rollback",
        "@t",
        json!([
            exec("BEGIN IMMEDIATE"),
            exec("INSERT INTO tx_t VALUES (2, 'b')"),
            exec("ROLLBACK"),
            exec("SELECT * FROM tx_t")
        ]),
    );
    s.v3(
        "savepoints",
        "@t",
        json!([
            exec("SAVEPOINT a"),
            autocommit(),
            exec("INSERT INTO tx_t VALUES (3, 'c')"),
            exec("SAVEPOINT b"),
            exec("INSERT INTO tx_t VALUES (4, 'd')"),
            exec("ROLLBACK TO b"),
            exec("RELEASE b"),
            exec("RELEASE a"),
            autocommit(),
            exec("SELECT * FROM tx_t ORDER BY x"),
        ]),
    );
    s.v3(
        "misuse",
        "@t",
        json!([
            exec("COMMIT"),
            exec("ROLLBACK"),
            exec("BEGIN"),
            exec("BEGIN"),
            exec("RELEASE nope"),
            exec("ROLLBACK TO nope"),
            exec("END"),
            exec("BEGIN DEFERRED TRANSACTION"),
            exec("COMMIT TRANSACTION"),
            exec("BEGIN EXCLUSIVE"),
            exec("ROLLBACK TRANSACTION"),
            autocommit(),
        ]),
    );
    s.v3(
        "open and close",
        "@t",
        json!([
            exec("BEGIN"),
            exec("INSERT INTO tx_t VALUES (5, 'e')"),
            close()
        ]),
    );
    s.once("closed stream rolled back", "SELECT * FROM tx_t ORDER BY x");
    s.v3(
        "on conflict rollback",
        "@u",
        json!([
            exec("BEGIN"),
            exec("INSERT INTO tx_t VALUES (6, 'f')"),
            exec("INSERT OR ROLLBACK INTO tx_t VALUES (6, 'g')"),
            autocommit(),
            exec("SELECT * FROM tx_t ORDER BY x"),
            close(),
        ]),
    );
    s.v3(
        "deferred foreign keys",
        "@f",
        json!([
            exec("CREATE TABLE tx_p (id INTEGER PRIMARY KEY)"),
            exec("CREATE TABLE tx_c (p REFERENCES tx_p(id) DEFERRABLE INITIALLY DEFERRED)"),
            exec("BEGIN"),
            exec("INSERT INTO tx_c VALUES (1)"),
            exec("COMMIT"),
            autocommit(),
            exec("ROLLBACK"),
            exec("PRAGMA foreign_keys"),
            exec("INSERT INTO tx_c VALUES (2)"),
            close(),
        ]),
    );
    s
}

/// `/v3/cursor`.
fn cursor() -> Seq {
    let mut s = Seq::new("streams::cursor", Group::Plain);
    s.once(
        "create",
        "CREATE TABLE cu_t (id INTEGER PRIMARY KEY, name TEXT UNIQUE)",
    );
    s.cursor(
        "entries",
        "@c",
        json!([
            step("INSERT INTO cu_t (name) VALUES ('a'), ('b')"),
            step("SELECT id, name FROM cu_t ORDER BY id"),
            step("INSERT INTO cu_t (name) VALUES ('a')"),
            step_if("SELECT 'after error'", err(2)),
            step_if("SELECT 'skipped'", ok(2)),
            step("SELECT * FROM no_such_table"),
            step("SELECT nope FROM cu_t"),
            {"stmt": {"sql": "SELECT ?, ?", "args": [int(1)]}},
            step("SELECT 1e999, x'00', NULL, -5"),
            step_if("SELECT 'autocommit'", json!({"type": "is_autocommit"})),
            step("UPDATE cu_t SET name = name || '!' WHERE id = 1 RETURNING id, name"),
            step("SELECT 1 WHERE 0"),
            step("INSERT INTO cu_t (name) VALUES ('c') RETURNING id"),
            step("CREATE TABLE cu_u (x)"),
        ]),
    );
    s.v3(
        "pipeline on the cursor's stream",
        "@c",
        json!([autocommit(), exec("SELECT count(*) FROM cu_t")]),
    );
    s.cursor(
        "cursor again",
        "@c",
        json!([step("BEGIN"), step("INSERT INTO cu_t (name) VALUES ('d')")]),
    );
    s.v3(
        "in the cursor's transaction",
        "@c",
        json!([autocommit(), exec("ROLLBACK"), close()]),
    );
    s.cursor(
        "parse error",
        "",
        json!([step("SELECT 1"), step("SELEC 2")]),
    );
    s.cursor("two statements", "", json!([step("SELECT 1; SELECT 2")]));
    s.cursor("no statement", "", json!([step("")]));
    s.cursor("both kinds of args", "", json!([{"stmt": {"sql": "SELECT ?", "args": [int(1)], "named_args": [{"name": "a", "value": int(1)}]}}]));
    s.cursor(
        "unsupported statement",
        "",
        json!([step("SELECT 1"), step("VACUUM")]),
    );
    // TEXT that is not UTF-8 (a blob cast to text) fails the batch mid-body:
    // the body is cut short, and the stream lives on (sqld).
    s.cursor(
        "invalid UTF-8 mid-body",
        "@u",
        json!([
            step("BEGIN"),
            step("SELECT 1"),
            step("SELECT CAST(x'ff' AS TEXT)"),
            step("SELECT 2"),
        ]),
    );
    s.v3(
        "the stream after the cut",
        "@u",
        json!([autocommit(), exec("SELECT 3"), close()]),
    );
    s.v3(
        "invalid UTF-8 in execute",
        "@u2",
        json!([exec("BEGIN"), exec("SELECT upper(x'c3')")]),
    );
    s.v3("the stream after the 500", "@u2", json!([autocommit()]));
    s.v3(
        "invalid UTF-8 in a sequence (rows are not read)",
        "",
        json!([{"type": "sequence", "sql": "SELECT CAST(x'ff' AS TEXT); SELECT 1"}, close()]),
    );
    s.v3(
        "invalid UTF-8 in a batch",
        "",
        json!([
            batch(json!([
                step("SELECT 1"),
                step("SELECT CAST(x'fe' AS TEXT)")
            ])),
            close()
        ]),
    );
    s.cursor("empty", "", json!([]));
    s.cursor("bad condition", "", json!([step_if("SELECT 1", ok(0))]));
    s.cursor("garbage baton", "nope", json!([step("SELECT 1")]));
    s.cursor("stale baton", "@c~", json!([step("SELECT 1")]));
    s.post_raw("malformed", "/v3/cursor", "{\"batch\":");
    s.post("no batch", "/v3/cursor", &json!({"baton": null}));
    s.cursor("store_sql id", "", json!([{"stmt": {"sql_id": 1}}]));
    s.post(
        "v2 cursor",
        "/v2/cursor",
        &json!({"baton": null, "batch": {"steps": []}}),
    );
    s
}

/// Endpoints, methods, version probes, bodies the servers cannot read.
fn endpoints() -> Seq {
    let mut s = Seq::new("streams::endpoints", Group::Plain);
    for p in [
        "/v1",
        "/v2",
        "/v3",
        "/health",
        "/version",
        "/",
        "/v4",
        "/v3/nope",
        "/v2/pipeline",
        "/v3/pipeline",
        "/v3/cursor",
        "/v3-protobuf",
    ] {
        s.get(&format!("GET {p}"), p);
    }
    for p in ["/v2", "/v3", "/health", "/version", "/nope"] {
        s.post(&format!("POST {p}"), p, &json!({}));
    }
    s.post_raw("malformed JSON", "/v3/pipeline", "{\"requests\": [");
    s.post_raw("not JSON", "/v3/pipeline", "hello");
    s.post_raw("empty body", "/v3/pipeline", "");
    s.post("no requests", "/v3/pipeline", &json!({"baton": null}));
    s.post(
        "requests not a list",
        "/v3/pipeline",
        &json!({"requests": {}}),
    );
    s.post(
        "unknown request type",
        "/v3/pipeline",
        &json!({"requests": [{"type": "frobnicate"}]}),
    );
    s.post(
        "request without type",
        "/v3/pipeline",
        &json!({"requests": [{"stmt": {"sql": "SELECT 1"}}]}),
    );
    s.post("unknown fields", "/v3/pipeline", &json!({"baton": null, "extra": 1, "requests": [{"type": "execute", "x": 2, "stmt": {"sql": "SELECT 1", "y": 3}}, close()]}));
    s.post("integer as a number", "/v3/pipeline", &json!({"requests": [{"type": "execute", "stmt": {"sql": "SELECT ?", "args": [{"type": "integer", "value": 5}]}}]}));
    s.post("integer out of range", "/v3/pipeline", &json!({"requests": [exec_args("SELECT ?", json!([{"type": "integer", "value": "9223372036854775808"}]))]}));
    s.post(
        "float as a string",
        "/v3/pipeline",
        &json!({"requests": [exec_args("SELECT ?", json!([{"type": "float", "value": "1.5"}]))]}),
    );
    s.post(
        "float null",
        "/v3/pipeline",
        &json!({"requests": [exec_args("SELECT ?", json!([{"type": "float", "value": null}]))]}),
    );
    s.post(
        "unknown value type",
        "/v3/pipeline",
        &json!({"requests": [exec_args("SELECT ?", json!([{"type": "decimal", "value": "1"}]))]}),
    );
    s.post(
        "value without type",
        "/v3/pipeline",
        &json!({"requests": [exec_args("SELECT ?", json!([{"value": "1"}]))]}),
    );
    s.post(
        "url-safe base64",
        "/v3/pipeline",
        &json!({"requests": [exec_args("SELECT ?", json!([blob("-_8")]))]}),
    );
    s.post(
        "bad base64",
        "/v3/pipeline",
        &json!({"requests": [exec_args("SELECT ?", json!([blob("a")]))]}),
    );
    s.post(
        "text without value",
        "/v3/pipeline",
        &json!({"requests": [exec_args("SELECT ?", json!([{"type": "text"}]))]}),
    );
    s.post("named arg without name", "/v3/pipeline", &json!({"requests": [{"type": "execute", "stmt": {"sql": "SELECT :a", "named_args": [{"value": int(1)}]}}]}));
    s.post(
        "sql not a string",
        "/v3/pipeline",
        &json!({"requests": [{"type": "execute", "stmt": {"sql": 5}}]}),
    );
    s.post(
        "sql_id not an integer",
        "/v3/pipeline",
        &json!({"requests": [{"type": "execute", "stmt": {"sql_id": "1"}}]}),
    );
    s.post(
        "want_rows not a bool",
        "/v3/pipeline",
        &json!({"requests": [{"type": "execute", "stmt": {"sql": "SELECT 1", "want_rows": 1}}]}),
    );
    s.post("condition step negative", "/v3/pipeline", &json!({"requests": [batch(json!([step("SELECT 1"), step_if("SELECT 1", json!({"type": "ok", "step": -1}))]))]}));
    s.send(
        "text/plain content type",
        "POST",
        "/v3/pipeline",
        &[("Content-Type", "text/plain")],
        Some(json!({"requests": [exec("SELECT 1"), close()]}).to_string()),
    );
    s.send(
        "no content type",
        "POST",
        "/v3/pipeline",
        &[],
        Some(json!({"requests": [exec("SELECT 1"), close()]}).to_string()),
    );
    s.send(
        "trailing slash",
        "POST",
        "/v3/pipeline/",
        &[("Content-Type", "application/json")],
        Some(json!({"requests": []}).to_string()),
    );
    s.send(
        "query string",
        "POST",
        "/v3/pipeline?x=1",
        &[("Content-Type", "application/json")],
        Some(json!({"requests": [close()]}).to_string()),
    );
    s.send(
        "CORS preflight",
        "OPTIONS",
        "/v3/pipeline",
        &[
            ("Origin", "http://app.test"),
            ("Access-Control-Request-Method", "POST"),
            (
                "Access-Control-Request-Headers",
                "authorization, content-type",
            ),
        ],
        None,
    );
    s.send(
        "CORS request",
        "POST",
        "/v3/pipeline",
        &[
            ("Origin", "http://app.test"),
            ("Content-Type", "application/json"),
        ],
        Some(json!({"requests": [close()]}).to_string()),
    );
    s.send(
        "CORS on GET",
        "GET",
        "/v3",
        &[("Origin", "http://app.test")],
        None,
    );
    s
}

/// Streams left idle past the expiry (12 s; sqld's is 10 to 11 s).
pub fn expiry() -> Seq {
    let mut s = Seq::new("streams::expiry", Group::Plain);
    s.once("create", "CREATE TABLE xp_t (x)");
    s.v3(
        "open a read transaction",
        "@r",
        json!([exec("BEGIN"), exec("SELECT count(*) FROM xp_t")]),
    );
    s.v3("open a plain stream", "@p", json!([exec("SELECT 1")]));
    s.v3(
        "open a stream for the cursor",
        "@k",
        json!([exec("SELECT 1")]),
    );
    s.idle("wait", "@r", Duration::from_secs(12));
    s.v3("expired transaction", "@r", json!([exec("SELECT 1")]));
    s.v3("expired again", "@r", json!([]));
    s.v3("expired stream", "@p", json!([autocommit()]));
    s.cursor("expired on the cursor", "@k", json!([step("SELECT 1")]));
    s.once("the database still works", "SELECT count(*) FROM xp_t");
    s
}

/// The schema changed by another stream between two uses of a statement
/// on this one: the statement is prepared again (its columns are the new
/// ones, a dropped table fails it before it begins).
fn schema_changes() -> Seq {
    let mut s = Seq::new("streams::schema_changes", Group::Plain);
    s.once("create", "CREATE TABLE sc_t (a, b)");
    s.once("insert", "INSERT INTO sc_t VALUES (1, 2)");
    let select = || json!([step("SELECT * FROM sc_t")]);
    s.cursor("select on @a", "@a", select());
    s.v3(
        "select on @a (pipeline)",
        "@a",
        json!([exec("SELECT * FROM sc_t")]),
    );
    s.v3(
        "add a column on @b",
        "@b",
        json!([exec("ALTER TABLE sc_t ADD COLUMN c DEFAULT 3")]),
    );
    s.cursor("select on @a again", "@a", select());
    s.v3(
        "pipeline on @a again",
        "@a",
        json!([exec("SELECT * FROM sc_t")]),
    );
    s.v3(
        "drop on @b",
        "@b",
        json!([exec("DROP TABLE sc_t"), close()]),
    );
    s.cursor("select a dropped table on @a", "@a", select());
    s.v3(
        "create two tables on @b",
        "@b",
        json!([exec("CREATE TABLE sc_u (x)"), exec("CREATE TABLE sc_v (y)")]),
    );
    s.cursor(
        "cache on @a",
        "@a",
        json!([step("SELECT * FROM sc_u"), step("SELECT * FROM sc_v")]),
    );
    s.v3(
        "drop both on @b",
        "@b",
        json!([exec("DROP TABLE sc_u"), exec("DROP TABLE sc_v"), close()]),
    );
    s.cursor(
        "both dropped, on @a",
        "@a",
        json!([
            step("SELECT * FROM sc_u"),
            step("SELECT * FROM sc_v"),
            step("SELECT 1")
        ]),
    );
    s.v3(
        "pipeline on @a after the drop",
        "@a",
        json!([exec("SELECT * FROM sc_t"), close()]),
    );
    s
}

/// The official Rust client takes the baton of a cursor's line 1 and sends
/// its next request on the stream at once, while the batch may still run,
/// and drops a cursor's body once it has the rows it wants. sqld releases
/// the stream with line 1: such a request waits for the batch and runs after
/// it, and a reader that goes away keeps its stream and its transaction.
fn cursor_release() -> Seq {
    let mut s = Seq::new("streams::cursor_release", Group::Plain);
    s.once("create", "CREATE TABLE cr_t (x)");
    s.v3(
        "@h takes the write lock",
        "@h",
        json!([exec("BEGIN IMMEDIATE")]),
    );
    // The cursor's INSERT waits for @h's lock, so its batch is still running
    // when its line 1 has been read and @c's next request is sent; @h's
    // COMMIT, sent after that, lets it finish.
    s.overlap(
        "a request with the baton of a running cursor's line 1",
        "@c",
        json!([
            step("INSERT INTO cr_t VALUES (1)"),
            step("SELECT count(*) FROM cr_t")
        ]),
        json!([exec("SELECT count(*) FROM cr_t"), autocommit()]),
        "@h",
        json!([exec("COMMIT"), close()]),
    );
    s.v3(
        "@c goes on",
        "@c",
        json!([exec("SELECT count(*) FROM cr_t"), close()]),
    );
    s.v3(
        "@d opens a transaction",
        "@d",
        json!([exec("BEGIN"), exec("INSERT INTO cr_t VALUES (2)")]),
    );
    s.abandon(
        "a cursor reader that goes away mid-body",
        "@d",
        json!([step(
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 300000) \
             SELECT x, 'some padding for the row' FROM c"
        )]),
        5,
    );
    s.v3(
        "@d after its reader went away",
        "@d",
        json!([
            autocommit(),
            exec("SELECT count(*) FROM cr_t"),
            exec("ROLLBACK"),
            exec("SELECT count(*) FROM cr_t"),
            close()
        ]),
    );
    s
}

/// Every sequence of this file that runs in CI (expiry runs last, apart).
pub fn all() -> Vec<Seq> {
    vec![
        batons(),
        transactions(),
        cursor(),
        cursor_release(),
        endpoints(),
        schema_changes(),
    ]
}
