//! Generated sequences: every request type, on v2 and v3 (and v1).

use serde_json::json;

use crate::sequence::*;

/// `execute`: values, arguments, result shapes.
fn execute() -> Seq {
    let mut s = Seq::new("requests::execute", Group::Plain);
    s.v3(
        "create",
        "@x",
        json!([
            exec("CREATE TABLE ex_t (id INTEGER PRIMARY KEY, i INT, r REAL, t TEXT, b BLOB, n NUMERIC, u)"),
            exec("CREATE TABLE ex_w (k TEXT PRIMARY KEY, v) WITHOUT ROWID"),
        ]),
    );
    s.v3(
        "values as arguments",
        "@x",
        json!([
            exec_args(
                "INSERT INTO ex_t (i, r, t, b, n, u) VALUES (?, ?, ?, ?, ?, ?)",
                json!([
                    int(i64::MAX),
                    float(1.5),
                    text("héllo ✓ \u{1F600}"),
                    blob("AAEC/w"),
                    int(7),
                    nil()
                ])
            ),
            exec_args(
                "INSERT INTO ex_t (i, r, t, b, n, u) VALUES (?, ?, ?, ?, ?, ?)",
                json!([
                    int(i64::MIN),
                    float(-0.25),
                    text(""),
                    blob(""),
                    float(2.5),
                    text("x")
                ])
            ),
            exec_args(
                "INSERT INTO ex_t (i, r, t, b, n, u) VALUES (?, ?, ?, ?, ?, ?)",
                json!([
                    int(9007199254740993),
                    float(1e300),
                    text("a\nb\"c\\d"),
                    blob("+//+AQ=="),
                    text("12"),
                    blob("AA")
                ])
            ),
            exec("SELECT id, i, r, t, b, n, u, typeof(n), typeof(u) FROM ex_t ORDER BY id"),
            exec("SELECT 1e999, -1e999, 0.1 + 0.2, 1.0, -0.0, 5e-324, 1.5e300"),
            exec("SELECT NULL, x'', x'00ff', '', 'NULL'"),
        ]),
    );
    s.v3(
        "result shapes",
        "@x",
        json!([
            exec("SELECT * FROM ex_t WHERE 0"),
            exec("SELECT 1 AS a, 2 AS a, 3 AS \"A\""),
            exec("SELECT count(*), sum(i), max(t) FROM ex_t"),
            exec("SELECT id AS k FROM ex_t ORDER BY id DESC LIMIT 2"),
            exec("CREATE INDEX ex_t_i ON ex_t (i)"),
            exec("INSERT INTO ex_t (i) VALUES (1) RETURNING id, i"),
            exec("UPDATE ex_t SET t = 'u' WHERE i = 1 RETURNING id, t"),
            exec("UPDATE ex_t SET n = n WHERE id > 0"),
            exec("DELETE FROM ex_t WHERE i = 1 RETURNING id"),
            exec("INSERT OR IGNORE INTO ex_t (id, i) VALUES (1, 5)"),
            exec("INSERT INTO ex_t (i) SELECT i FROM ex_t WHERE 0"),
            exec("REPLACE INTO ex_t (id, i) VALUES (1, 6)"),
            exec("INSERT INTO ex_w VALUES ('k', 1)"),
            exec("WITH c(x) AS (SELECT 5) INSERT INTO ex_t (i) SELECT x FROM c"),
            exec("WITH c(x) AS (SELECT 5) SELECT x FROM c"),
            exec("SELECT changes(), total_changes() > 0, last_insert_rowid() > 0"),
            exec("INSERT INTO ex_t DEFAULT VALUES"),
            exec("DELETE FROM ex_t WHERE i IS NULL"),
            exec("EXPLAIN QUERY PLAN SELECT * FROM ex_t WHERE i = 1"),
            exec("VALUES (1, 'a'), (2, 'b')"),
        ]),
    );
    s.v3(
        "arguments",
        "@x",
        json!([
            exec_args("SELECT ?, ?3, ?2", json!([int(1), int(2), int(3)])),
            exec_args("SELECT ?2, ?1", json!([text("a"), text("b")])),
            exec_named("SELECT :a, @b, $c", &[(":a", int(1)), ("@b", int(2)), ("$c", int(3))]),
            exec_named("SELECT :a, @b, $c", &[("a", int(1)), ("b", int(2)), ("c", int(3))]),
            exec_named("SELECT :a, :a", &[("a", int(1))]),
            exec_named("SELECT :a", &[("a", int(1)), ("a", int(2))]),
            exec_args("SELECT :a", json!([int(1)])),
            exec_args("SELECT ?", json!([])),
            exec_args("SELECT 1", json!([int(1)])),
            exec_args("SELECT ?, ?", json!([int(1)])),
            exec_named("SELECT :a", &[("@a", int(1))]),
            exec_named("SELECT :a", &[("b", int(1))]),
            exec_named("SELECT ?", &[("a", int(1))]),
            exec_named("SELECT ?1", &[("?1", int(1))]),
            exec_named("SELECT 1", &[("a", int(1))]),
            json!({"type": "execute", "stmt": {"sql": "SELECT ?", "args": [int(1)], "named_args": [{"name": "a", "value": int(2)}]}}),
            json!({"type": "execute", "stmt": {"sql": "SELECT 1", "want_rows": false}}),
            json!({"type": "execute", "stmt": {"sql": "INSERT INTO ex_t (i) VALUES (42) RETURNING i", "want_rows": false}}),
            json!({"type": "execute", "stmt": {"sql": "SELECT 2", "args": [], "named_args": []}}),
            close(),
        ]),
    );
    s.pipeline(
        "v2 execute",
        2,
        "@y",
        json!([
            exec("SELECT id, t FROM ex_t ORDER BY id LIMIT 3"),
            exec_args("INSERT INTO ex_t (i) VALUES (?)", json!([int(-1)])),
            exec("SELECT typeof(1.0), 1/0, 5 % 0, -(-9223372036854775807 - 1)"),
            close(),
        ]),
    );
    s
}

/// `batch` with every kind of condition.
fn batch_conditions() -> Seq {
    let mut s = Seq::new("requests::batch", Group::Plain);
    s.once("create", "CREATE TABLE bt_t (x INTEGER PRIMARY KEY, y)");
    s.v3(
        "conditions",
        "@b",
        json!([
            batch(json!([
                step("INSERT INTO bt_t VALUES (1, 'a')"),
                step_if("INSERT INTO bt_t VALUES (1, 'dup')", ok(0)),
                step_if("SELECT 'after error'", err(1)),
                step_if("SELECT 'skipped'", ok(1)),
                step_if("SELECT 'error of skipped'", err(3)),
                step_if("SELECT 'not'", not(ok(3))),
                step_if("SELECT 'and'", json!({"type": "and", "conds": [ok(0), err(1)]})),
                step_if("SELECT 'or'", json!({"type": "or", "conds": [ok(1), ok(3)]})),
                step_if("SELECT 'empty and'", json!({"type": "and", "conds": []})),
                step_if("SELECT 'empty or'", json!({"type": "or", "conds": []})),
                step_if("SELECT 'autocommit'", json!({"type": "is_autocommit"})),
                step_if("SELECT 'nested'", not(json!({"type": "and", "conds": [not(err(1)), json!({"type": "or", "conds": [ok(0)]})]}))),
            ])),
            batch(json!([])),
            batch(json!([step("SELECT * FROM bt_t ORDER BY x"), step("SELECT count(*) FROM bt_t")])),
            batch(json!([
                step("BEGIN"),
                step_if("INSERT INTO bt_t VALUES (2, 'b')", ok(0)),
                step_if("INSERT INTO bt_t VALUES (1, 'dup')", ok(1)),
                step_if("COMMIT", ok(2)),
                step_if("ROLLBACK", not(ok(3))),
            ])),
            batch(json!([
                step("BEGIN"),
                step_if("INSERT INTO bt_t VALUES (3, 'c')", json!({"type": "and", "conds": [ok(0), not(json!({"type": "is_autocommit"}))]})),
                step_if("COMMIT", json!({"type": "and", "conds": [ok(1), not(json!({"type": "is_autocommit"}))]})),
                step_if("ROLLBACK", not(ok(2))),
            ])),
            autocommit(),
            batch(json!([step("SELECT * FROM bt_t ORDER BY x")])),
            batch(json!([step("SELECT 1"), step("SELEC 2"), step("SELECT 3")])),
            batch(json!([step("SELECT 1"), step("SELECT 1; SELECT 2")])),
            batch(json!([step("SELECT 1"), step("")])),
            batch(json!([step("INSERT INTO bt_t VALUES (9, 'z')"), step("SELECT * FROM no_such_table")])),
            batch(json!([{"stmt": {"sql": "SELECT ?", "args": [int(1)], "named_args": [{"name": "a", "value": int(1)}]}}])),
            batch(json!([{"stmt": {"sql": "SELECT ?, ?", "args": [int(1)]}}, step("SELECT 2")])),
            batch(json!([step("SELECT x FROM bt_t WHERE x = 9")])),
            close(),
        ]),
    );
    s.v3(
        "condition on a later step",
        "",
        json!([batch(json!([step_if("SELECT 1", ok(0))]))]),
    );
    s.v3(
        "condition on a far step",
        "",
        json!([batch(json!([
            step("SELECT 1"),
            step_if("SELECT 1", err(7))
        ]))]),
    );
    s.pipeline(
        "v2 is_autocommit",
        2,
        "",
        json!([batch(json!([step_if(
            "SELECT 1",
            json!({"type": "is_autocommit"})
        )]))]),
    );
    s.pipeline(
        "v2 batch",
        2,
        "",
        json!([
            batch(json!([
                step("SELECT 1"),
                step_if("SELECT 2", ok(0)),
                step_if("SELECT 3", err(0))
            ])),
            close()
        ]),
    );
    s.v3(
        "unknown condition",
        "",
        json!([batch(json!([
            step("SELECT 1"),
            step_if("SELECT 1", json!({"type": "maybe"}))
        ]))]),
    );
    s
}

/// `sequence`, `describe`, `store_sql`/`close_sql`, `get_autocommit`, `close`.
fn stream_requests() -> Seq {
    let mut s = Seq::new("requests::sequence_describe_store", Group::Plain);
    s.v3(
        "sequence",
        "@q",
        json!([
            {"type": "sequence", "sql": "CREATE TABLE sq_t (x UNIQUE); INSERT INTO sq_t VALUES (1); INSERT INTO sq_t VALUES (2);"},
            exec("SELECT * FROM sq_t ORDER BY x"),
            {"type": "sequence", "sql": "INSERT INTO sq_t VALUES (3); INSERT INTO sq_t VALUES (1); INSERT INTO sq_t VALUES (4)"},
            exec("SELECT * FROM sq_t ORDER BY x"),
            {"type": "sequence", "sql": "INSERT INTO sq_t VALUES (5); SELEC 1; INSERT INTO sq_t VALUES (6)"},
            exec("SELECT * FROM sq_t ORDER BY x"),
            {"type": "sequence", "sql": ""},
            {"type": "sequence", "sql": "  ; -- nothing\n"},
            {"type": "sequence", "sql": "SELECT 1; SELECT * FROM sq_t"},
            {"type": "sequence", "sql": "BEGIN; INSERT INTO sq_t VALUES (7); INSERT INTO sq_t VALUES (1); COMMIT"},
            autocommit(),
            exec("ROLLBACK"),
            {"type": "sequence", "sql": "CREATE TRIGGER sq_tr AFTER INSERT ON sq_t BEGIN SELECT 1; SELECT 2; END; INSERT INTO sq_t VALUES (8)"},
            {"type": "sequence", "sql": "SELECT * FROM no_such_table; SELECT 1"},
            {"type": "sequence", "sql": "PRAGMA busy_timeout = 5; SELECT 1"},
            close(),
        ]),
    );
    s.v3("sequence without sql", "", json!([{"type": "sequence"}]));
    s.v3(
        "sequence with sql and sql_id",
        "",
        json!([{"type": "sequence", "sql": "SELECT 1", "sql_id": 1}]),
    );
    s.v3(
        "describe",
        "@d",
        json!([
            {"type": "describe", "sql": "SELECT x FROM sq_t WHERE x = :id AND x > ? AND x < @b AND x <> $c AND x <> ?5"},
            {"type": "describe", "sql": "INSERT INTO sq_t VALUES (?)"},
            {"type": "describe", "sql": "SELECT 1 AS one, 'a'"},
            {"type": "describe", "sql": "EXPLAIN SELECT 1"},
            {"type": "describe", "sql": "EXPLAIN QUERY PLAN SELECT 1"},
            {"type": "describe", "sql": "CREATE TABLE sq_never (x)"},
            {"type": "describe", "sql": "BEGIN"},
            {"type": "describe", "sql": "PRAGMA foreign_keys"},
            {"type": "describe", "sql": "SELEC 1"},
            {"type": "describe", "sql": "SELECT * FROM no_such_table"},
            {"type": "describe", "sql": "SELECT no_such_column"},
            {"type": "describe", "sql": ""},
            {"type": "describe", "sql": "SELECT 1; SELECT 2"},
            {"type": "describe", "sql": "VACUUM"},
            {"type": "describe", "sql": "PRAGMA journal_mode = WAL"},
            {"type": "describe", "sql": "PRAGMA busy_timeout = 5"},
            {"type": "describe", "sql": "PRAGMA user_version = 1"},
            close(),
        ]),
    );
    s.v3(
        "store_sql",
        "@s",
        json!([
            {"type": "store_sql", "sql_id": 1, "sql": "SELECT x FROM sq_t WHERE x = ?"},
            {"type": "execute", "stmt": {"sql_id": 1, "args": [int(2)]}},
            {"type": "batch", "batch": {"steps": [{"stmt": {"sql_id": 1, "args": [int(1)]}}]}},
            {"type": "describe", "sql_id": 1},
            {"type": "sequence", "sql_id": 1},
            {"type": "close_sql", "sql_id": 1},
            {"type": "close_sql", "sql_id": 1},
            {"type": "close_sql", "sql_id": 99},
            {"type": "store_sql", "sql_id": 1, "sql": "SELECT 'again'"},
            {"type": "execute", "stmt": {"sql_id": 1}},
            {"type": "store_sql", "sql_id": -5, "sql": "SELECT 'negative'"},
            {"type": "execute", "stmt": {"sql_id": -5}},
            {"type": "store_sql", "sql_id": 2, "sql": "SELEC 1"},
            {"type": "execute", "stmt": {"sql_id": 2}},
            {"type": "store_sql", "sql_id": 3, "sql": format!("SELECT '{}'", "x".repeat(5000))},
            {"type": "store_sql", "sql_id": 4, "sql": format!("SELECT '{}'", "x".repeat(4980))},
            {"type": "execute", "stmt": {"sql_id": 4}},
        ]),
    );
    s.v3(
        "store_sql: duplicate id",
        "@s",
        json!([{"type": "store_sql", "sql_id": 1, "sql": "SELECT 2"}]),
    );
    s.v3(
        "store_sql: after the stream failed",
        "@s",
        json!([{"type": "execute", "stmt": {"sql_id": 1}}]),
    );
    let mut many = Vec::new();
    for id in 0..51 {
        many.push(json!({"type": "store_sql", "sql_id": id, "sql": "SELECT 1"}));
    }
    many.push(json!({"type": "close_sql", "sql_id": 0}));
    many.push(json!({"type": "store_sql", "sql_id": 60, "sql": "SELECT 60"}));
    many.push(close());
    s.v3("store_sql: too many", "", json!(many));
    s.v3(
        "unknown sql_id",
        "",
        json!([{"type": "execute", "stmt": {"sql_id": 12}}]),
    );
    s.v3(
        "sql and sql_id",
        "",
        json!([{"type": "execute", "stmt": {"sql": "SELECT 1", "sql_id": 1}}]),
    );
    s.v3(
        "neither sql nor sql_id",
        "",
        json!([{"type": "execute", "stmt": {}}]),
    );
    s.pipeline(
        "v2 sequence/describe/store",
        2,
        "",
        json!([
            {"type": "store_sql", "sql_id": 1, "sql": "SELECT 1"},
            {"type": "execute", "stmt": {"sql_id": 1}},
            {"type": "sequence", "sql": "SELECT 1; SELECT 2"},
            {"type": "describe", "sql": "SELECT ?"},
            close(),
        ]),
    );
    s.pipeline("v2 get_autocommit", 2, "", json!([autocommit()]));
    s.v3(
        "get_autocommit",
        "@g",
        json!([
            autocommit(),
            exec("BEGIN"),
            autocommit(),
            exec("COMMIT"),
            autocommit()
        ]),
    );
    s.v3("close then more", "@g", json!([close(), exec("SELECT 1")]));
    s.v3("closed baton", "@g~", json!([exec("SELECT 1")]));
    s.v3("close twice", "", json!([close(), close()]));
    s.v3("close alone", "", json!([close()]));
    s.v3("empty pipeline, new stream", "@e", json!([]));
    s.v3("empty pipeline, keep-alive", "@e", json!([]));
    s.v3("after keep-alive", "@e", json!([exec("SELECT 1"), close()]));
    s
}

/// The v1 endpoints.
fn v1() -> Seq {
    let mut s = Seq::new("requests::v1", Group::Plain);
    s.post(
        "execute",
        "/v1/execute",
        &json!({"stmt": {"sql": "CREATE TABLE v1_t (x UNIQUE)"}}),
    );
    s.post(
        "execute insert",
        "/v1/execute",
        &json!({"stmt": {"sql": "INSERT INTO v1_t VALUES (?) RETURNING x", "args": [int(1)]}}),
    );
    s.post(
        "execute constraint",
        "/v1/execute",
        &json!({"stmt": {"sql": "INSERT INTO v1_t VALUES (1)"}}),
    );
    s.post(
        "execute no such table",
        "/v1/execute",
        &json!({"stmt": {"sql": "SELECT * FROM no_such_table"}}),
    );
    s.post(
        "execute no such column",
        "/v1/execute",
        &json!({"stmt": {"sql": "SELECT nope FROM v1_t"}}),
    );
    s.post(
        "execute parse error",
        "/v1/execute",
        &json!({"stmt": {"sql": "SELEC 1"}}),
    );
    s.post(
        "execute two statements",
        "/v1/execute",
        &json!({"stmt": {"sql": "SELECT 1; SELECT 2"}}),
    );
    s.post(
        "execute no statement",
        "/v1/execute",
        &json!({"stmt": {"sql": " "}}),
    );
    s.post(
        "execute bad args",
        "/v1/execute",
        &json!({"stmt": {"sql": "SELECT ?, ?", "args": [int(1)]}}),
    );
    s.post(
        "execute both args",
        "/v1/execute",
        &json!({"stmt": {"sql": "SELECT ?", "args": [int(1)], "named_args": [{"name": "a", "value": int(1)}]}}),
    );
    s.post(
        "execute sql_id",
        "/v1/execute",
        &json!({"stmt": {"sql_id": 1}}),
    );
    s.post(
        "execute unsupported",
        "/v1/execute",
        &json!({"stmt": {"sql": "VACUUM"}}),
    );
    s.post(
        "execute no want_rows",
        "/v1/execute",
        &json!({"stmt": {"sql": "SELECT x FROM v1_t", "want_rows": false}}),
    );
    s.post(
        "execute BEGIN",
        "/v1/execute",
        &json!({"stmt": {"sql": "BEGIN"}}),
    );
    s.post(
        "execute after BEGIN",
        "/v1/execute",
        &json!({"stmt": {"sql": "COMMIT"}}),
    );
    s.post_raw("execute malformed", "/v1/execute", "{\"stmt\":");
    s.post("execute no stmt", "/v1/execute", &json!({}));
    s.post(
        "batch",
        "/v1/batch",
        &json!({"batch": {"steps": [
            step("INSERT INTO v1_t VALUES (2)"),
            step_if("INSERT INTO v1_t VALUES (2)", ok(0)),
            step_if("SELECT x FROM v1_t ORDER BY x", err(1)),
        ]}}),
    );
    s.post(
        "batch parse error",
        "/v1/batch",
        &json!({"batch": {"steps": [step("SELECT 1"), step("SELEC 2")]}}),
    );
    s.post(
        "batch is_autocommit",
        "/v1/batch",
        &json!({"batch": {"steps": [step_if("SELECT 1", json!({"type": "is_autocommit"}))]}}),
    );
    s.post(
        "batch sql_id",
        "/v1/batch",
        &json!({"batch": {"steps": [{"stmt": {"sql_id": 1}}]}}),
    );
    s.post("batch empty", "/v1/batch", &json!({"batch": {"steps": []}}));
    s.post(
        "batch bad step ref",
        "/v1/batch",
        &json!({"batch": {"steps": [step_if("SELECT 1", ok(3))]}}),
    );
    s.get("GET /v1", "/v1");
    s.get("GET /v1/execute", "/v1/execute");
    s
}

pub fn all() -> Vec<Seq> {
    vec![execute(), batch_conditions(), stream_requests(), v1()]
}
