//! Generated sequences: what SQL each server accepts (PRAGMAs, statements
//! sqld refuses, several statements in one), error codes of each class, and
//! functions (REGEXP, math).

use serde_json::{Value as Json, json};

use crate::sequence::*;

/// Each statement alone on a new stream, as `execute` (one request each, so
/// one refusal cannot hide another).
fn each(s: &mut Seq, prefix: &str, sqls: &[&str]) {
    for sql in sqls {
        s.v3(&format!("{prefix}: {sql}"), "", json!([exec(sql), close()]));
    }
}

/// PRAGMA reads and assignments.
fn pragmas() -> Seq {
    let mut s = Seq::new("sql::pragmas", Group::Plain);
    s.once(
        "create",
        "CREATE TABLE pr_t (id INTEGER PRIMARY KEY, p REFERENCES pr_t(id))",
    );
    each(
        &mut s,
        "read",
        &[
            "PRAGMA foreign_keys",
            "PRAGMA defer_foreign_keys",
            "PRAGMA recursive_triggers",
            "PRAGMA busy_timeout",
            "PRAGMA user_version",
            "PRAGMA schema_version",
            "PRAGMA application_id",
            "PRAGMA encoding",
            "PRAGMA journal_mode",
            "PRAGMA synchronous",
            "PRAGMA cache_size",
            "PRAGMA page_size",
            "PRAGMA auto_vacuum",
            "PRAGMA automatic_index",
            "PRAGMA query_only",
            "PRAGMA read_uncommitted",
            "PRAGMA secure_delete",
            "PRAGMA temp_store",
            "PRAGMA trusted_schema",
            "PRAGMA legacy_alter_table",
            "PRAGMA cell_size_check",
            "PRAGMA case_sensitive_like",
            "PRAGMA count_changes",
            "PRAGMA full_column_names",
            "PRAGMA short_column_names",
            "PRAGMA empty_result_callbacks",
            "PRAGMA reverse_unordered_selects",
            "PRAGMA ignore_check_constraints",
            "PRAGMA writable_schema",
            "PRAGMA legacy_file_format",
            "PRAGMA data_version",
            "PRAGMA freelist_count",
            "PRAGMA page_count",
            "PRAGMA max_page_count",
            "PRAGMA table_info(pr_t)",
            "PRAGMA table_xinfo(pr_t)",
            "PRAGMA main.table_info('pr_t')",
            "PRAGMA index_list(pr_t)",
            "PRAGMA foreign_key_list(pr_t)",
            "PRAGMA foreign_key_check",
            "PRAGMA foreign_key_check(pr_t)",
            "PRAGMA integrity_check",
            "PRAGMA quick_check",
            "PRAGMA table_list(pr_t)",
            "PRAGMA collation_list",
            "PRAGMA database_list",
            "PRAGMA stats",
            "PRAGMA no_such_pragma",
            "PRAGMA optimize",
            "PRAGMA shrink_memory",
            "PRAGMA wal_checkpoint",
            "PRAGMA incremental_vacuum",
            "PRAGMA compile_options",
            "SELECT * FROM pragma_table_info('pr_t')",
            "SELECT name FROM pragma_table_list WHERE name = 'pr_t'",
            "EXPLAIN PRAGMA foreign_keys",
        ],
    );
    each(
        &mut s,
        "assign",
        &[
            "PRAGMA foreign_keys = ON",
            "PRAGMA foreign_keys = 0",
            "PRAGMA foreign_keys(1)",
            "PRAGMA defer_foreign_keys = ON",
            "PRAGMA user_version = 7",
            "PRAGMA encoding = 'UTF-8'",
            "PRAGMA legacy_file_format = 1",
            "PRAGMA busy_timeout = 1234",
            "PRAGMA busy_timeout(100)",
            "PRAGMA journal_mode = WAL",
            "PRAGMA journal_mode = DELETE",
            "PRAGMA synchronous = OFF",
            "PRAGMA cache_size = 100",
            "PRAGMA recursive_triggers = OFF",
            "PRAGMA query_only = ON",
            "PRAGMA temp_store = MEMORY",
            "PRAGMA schema_version = 1",
            "PRAGMA application_id = 5",
            "PRAGMA locking_mode = EXCLUSIVE",
            "PRAGMA mmap_size = 0",
            "PRAGMA case_sensitive_like = ON",
            "PRAGMA writable_schema = ON",
            "PRAGMA hard_heap_limit = 1",
            "PRAGMA soft_heap_limit = 1",
            "PRAGMA max_page_count = 10",
            "PRAGMA table_info = pr_t",
            "PRAGMA integrity_check(5)",
            "PRAGMA wal_autocheckpoint = 10",
            "PRAGMA no_such_pragma = 1",
        ],
    );
    s.once("user_version kept", "PRAGMA user_version");
    s.v3(
        "foreign keys on a stream",
        "@f",
        json!([
            exec("INSERT INTO pr_t VALUES (1, 99)"),
            exec("PRAGMA foreign_keys = OFF"),
            exec("INSERT INTO pr_t VALUES (1, 99)"),
            exec("PRAGMA foreign_keys = ON"),
            exec("PRAGMA foreign_key_check"),
            exec("DELETE FROM pr_t"),
            close(),
        ]),
    );
    s.v3(
        "recursive triggers",
        "@r",
        json!([
            exec("CREATE TABLE pr_r (n)"),
            exec("CREATE TRIGGER pr_rt AFTER INSERT ON pr_r WHEN new.n < 5 BEGIN INSERT INTO pr_r VALUES (new.n + 1); END"),
            exec("INSERT INTO pr_r VALUES (1)"),
            exec("SELECT count(*) FROM pr_r"),
            close(),
        ]),
    );
    s
}

/// Statements sqld refuses or treats specially.
fn statements() -> Seq {
    let mut s = Seq::new("sql::statements", Group::Plain);
    s.once("create", "CREATE TABLE st_t (x, y)");
    each(
        &mut s,
        "stmt",
        &[
            "VACUUM",
            "VACUUM main",
            "VACUUM INTO '/tmp/sqlport-differential-vacuum.db'",
            "ANALYZE",
            "ANALYZE st_t",
            "REINDEX",
            "REINDEX st_t",
            "CREATE TEMP TABLE st_tmp (x)",
            "CREATE TEMPORARY TABLE st_tmp2 (x)",
            "CREATE TABLE temp.st_tmp3 (x)",
            "CREATE TEMP VIEW st_tv AS SELECT 1",
            "CREATE TEMP TRIGGER st_ttr AFTER INSERT ON st_t BEGIN SELECT 1; END",
            "CREATE VIEW st_v AS SELECT x FROM st_t",
            "CREATE TRIGGER st_tr AFTER INSERT ON st_t BEGIN SELECT 1; END",
            "DROP TRIGGER st_tr",
            "DROP VIEW st_v",
            "CREATE VIRTUAL TABLE st_fts USING fts5(body)",
            "INSERT INTO st_fts VALUES ('hello world')",
            "SELECT * FROM st_fts WHERE st_fts MATCH 'hello'",
            "CREATE VIRTUAL TABLE st_rt USING rtree(id, a, b)",
            "DROP TABLE st_fts",
            "ATTACH 'x.db' AS x",
            "ATTACH DATABASE ':memory:' AS m",
            "ATTACH other AS o",
            "ATTACH \"other\" AS o",
            "DETACH x",
            "DETACH DATABASE main",
            "ALTER TABLE st_t ADD COLUMN z",
            "ALTER TABLE st_t RENAME COLUMN z TO w",
            "ALTER TABLE st_t DROP COLUMN w",
            "CREATE INDEX st_i ON st_t (x)",
            "DROP INDEX st_i",
            "SELECT x FROM st_t HAVING count(*) > 0",
            "SELECT count(*) FROM st_t HAVING count(*) >= 0",
            "SELECT x FROM st_t GROUP BY x HAVING count(*) > 0",
            "EXPLAIN SELECT 1",
            "EXPLAIN VACUUM",
            "EXPLAIN QUERY PLAN SELECT * FROM st_t",
            "EXPLAIN INSERT INTO st_t VALUES (1, 2)",
            "SELECT 1; SELECT 2",
            "SELECT 1;",
            "SELECT 1;;",
            "SELECT 1; -- trailing",
            "SELECT 1 /* c */ ;",
            "-- only a comment",
            ";",
            "",
            "   ",
            "SELECT 1; SELEC 2",
            "SELEC 1; SELECT 2",
            "SELECT 1; VACUUM",
            "VACUUM; SELECT 1",
            "INSERT INTO st_t VALUES (1, 2); INSERT INTO st_t VALUES (3, 4)",
            "BEGIN; COMMIT",
            "SELECT \"x\" FROM st_t",
            "SELECT 'unterminated",
            "SELECT (1",
            "SELECT 1 +",
            "CREATE TABLE st_s (x INT) STRICT",
            "INSERT INTO st_s VALUES ('a')",
            "CREATE TABLE st_gen (a, b AS (a * 2))",
            "SELECT 1 IS NOT DISTINCT FROM 1",
            "SELECT json('{\"a\":1}') ->> '$.a', '[1,2]' -> 1",
            "SELECT x FROM st_t WINDOW w AS (ORDER BY x)",
            "SELECT row_number() OVER (ORDER BY x) FROM st_t",
            "SELECT 1 FROM st_t NATURAL FULL OUTER JOIN st_t AS b",
            "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 3) SELECT n FROM c",
            "INSERT INTO st_t VALUES (1, 2) ON CONFLICT DO NOTHING",
            "INSERT INTO st_t SELECT 1, 2 UNION ALL SELECT 3, 4",
            "UPDATE st_t SET (x, y) = (y, x)",
            "UPDATE st_t SET x = 1 FROM (SELECT 1) AS s",
            "DELETE FROM st_t LIMIT 1",
            "SELECT * FROM sqlite_master WHERE name = 'st_t'",
            "SELECT * FROM sqlite_temp_master",
            "SELECT * FROM temp.sqlite_master",
            "CREATE TABLE _litestream_seq (x)",
            "INSERT INTO _litestream_seq VALUES (1)",
            "CREATE TABLE libsql_wasm_func_table (x)",
            "SELECT sqlite_version() IS NOT NULL",
        ],
    );
    s
}

/// Error codes, one class at a time.
fn errors() -> Seq {
    let mut s = Seq::new("sql::errors", Group::Plain);
    s.once("create", "CREATE TABLE er_t (id INTEGER PRIMARY KEY, u UNIQUE, nn NOT NULL DEFAULT 0, c CHECK (c > 0), p REFERENCES er_t(id))");
    each(
        &mut s,
        "error",
        &[
            "SELECT * FROM no_such_table",
            "SELECT no_such_column FROM er_t",
            "SELECT no_such_function(1)",
            "SELECT er_t.nope FROM er_t",
            "INSERT INTO er_t (nope) VALUES (1)",
            "CREATE TABLE er_t (x)",
            "DROP TABLE no_such_table",
            "DROP INDEX no_such_index",
            "INSERT INTO er_t (u) VALUES (1)",
            "INSERT INTO er_t (u) VALUES (1)",
            "INSERT INTO er_t (id) VALUES (1)",
            "INSERT INTO er_t (nn) VALUES (NULL)",
            "INSERT INTO er_t (c) VALUES (-1)",
            "INSERT INTO er_t (p) VALUES (12345)",
            "SELECT json('not json')",
            "SELECT 9223372036854775807 + 1",
            "SELECT sum(x) FROM (SELECT 9223372036854775807 AS x UNION ALL SELECT 1)",
            "SELECT abs(-9223372036854775808)",
            "SELECT zeroblob(2000000000)",
            "SELECT randomblob(-1) IS NOT NULL",
            "SELECT substr('abc', 1, 2, 3)",
            "SELECT max()",
            "SELECT count(*) FROM er_t GROUP BY nope",
            "SELECT * FROM er_t ORDER BY 9",
            "SELECT 1 UNION SELECT 1, 2",
            "SELECT RAISE(ABORT, 'x')",
            "SELECT * FROM (SELECT 1) AS a JOIN (SELECT 2) AS a",
            "CREATE INDEX er_i ON no_such_table (x)",
            "INSERT INTO er_t VALUES (1, 2, 3)",
            "SELECT printf('%', 1)",
            "SELECT char(-1)",
            "SELECT CAST('x' AS INTEGER)",
            "SELECT 1 / 0, 1 % 0",
            "SELECT likelihood(1, 2)",
            "SELECT strftime('%Q', 'now') IS NULL",
            "SELECT date('2024-02-30')",
            "SELECT '\u{0}' || 'a'",
            "SELECT x'00' = ''",
        ],
    );
    s.v3(
        "trigger raise",
        "@r",
        json!([
            exec("CREATE TABLE er_r (x)"),
            exec("CREATE TRIGGER er_rt BEFORE INSERT ON er_r WHEN new.x < 0 BEGIN SELECT RAISE(ABORT, 'negative'); END"),
            exec("INSERT INTO er_r VALUES (-1)"),
            exec("CREATE TRIGGER er_rf BEFORE INSERT ON er_r WHEN new.x = 0 BEGIN SELECT RAISE(FAIL, 'zero'); END"),
            exec("INSERT INTO er_r VALUES (0)"),
            exec("CREATE TRIGGER er_ri BEFORE INSERT ON er_r WHEN new.x = 1 BEGIN SELECT RAISE(IGNORE); END"),
            exec("INSERT INTO er_r VALUES (1)"),
            exec("SELECT count(*) FROM er_r"),
            close(),
        ]),
    );
    s
}

/// REGEXP (sqld registers it, with NULL semantics of its own) and the math
/// functions of sqld's SQLite.
fn functions() -> Seq {
    let mut s = Seq::new("sql::functions", Group::Plain);
    let regexp = [
        "SELECT 'abc' REGEXP 'b'",
        "SELECT 'abc' REGEXP '^b'",
        "SELECT 'ABC' REGEXP 'b'",
        "SELECT 'abc' NOT REGEXP 'z'",
        "SELECT regexp('b', 'abc')",
        "SELECT NULL REGEXP 'a'",
        "SELECT 'a' REGEXP NULL",
        "SELECT NULL REGEXP NULL",
        "SELECT 1 REGEXP '1'",
        "SELECT 1.5 REGEXP '\\.'",
        "SELECT x'61' REGEXP 'a'",
        "SELECT 'abc' REGEXP ''",
        "SELECT '' REGEXP 'a*'",
        "SELECT 'abc' REGEXP '('",
        "SELECT 'abc' REGEXP '[a-'",
        "SELECT 'aaa' REGEXP 'a{2}'",
        "SELECT 'a1' REGEXP '\\d'",
        "SELECT 'a b' REGEXP '\\s'",
        "SELECT 'héllo' REGEXP 'h.llo'",
        "SELECT 'x' REGEXP 5",
        "SELECT regexp('a')",
        "SELECT count(*) FROM (SELECT 'a' AS v UNION ALL SELECT 'b') WHERE v REGEXP '[ab]'",
    ];
    each(&mut s, "regexp", &regexp);
    let math = [
        "SELECT sin(1), cos(1), tan(1)",
        "SELECT asin(0.5), acos(0.5), atan(0.5), atan2(1, 2)",
        "SELECT sinh(1), cosh(1), tanh(1), asinh(1), acosh(2), atanh(0.5)",
        "SELECT sqrt(2), sqrt(-1), sqrt(NULL)",
        "SELECT exp(1), ln(2), log(100), log10(1000), log2(8), log(2, 8)",
        "SELECT ln(0), ln(-1), log(0)",
        "SELECT pow(2, 10), power(2, 0.5), pow(0, 0)",
        "SELECT ceil(1.2), ceiling(-1.2), floor(1.8), floor(-1.8), trunc(-1.8), trunc(2.5)",
        "SELECT ceil(3), floor(3), trunc(3), ceil('2.5'), floor(NULL)",
        "SELECT mod(7, 3), mod(-7, 3), mod(7.5, 2), mod(1, 0)",
        "SELECT pi(), degrees(pi()), radians(180)",
        "SELECT sin('x'), sqrt('4'), typeof(ceil(1)), typeof(floor(1.5))",
        "SELECT sign(-2), sign(0), sign(3.5), sign('x')",
    ];
    each(&mut s, "math", &math);
    s
}

/// The same statements inside `batch`, `sequence` and the cursor, where
/// sqld parses them all before running any.
fn refusals_in_batches() -> Seq {
    let mut s = Seq::new("sql::refusals_in_batches", Group::Plain);
    s.once("create", "CREATE TABLE rb_t (x)");
    let refused: &[&str] = &[
        "VACUUM",
        "PRAGMA busy_timeout = 5",
        "CREATE TEMP TABLE rb_tmp (x)",
        "SELECT x FROM rb_t HAVING 1",
        "ATTACH 'f.db' AS f",
        "ANALYZE",
    ];
    for sql in refused {
        s.v3(
            &format!("batch: {sql}"),
            "",
            json!([
                batch(json!([step("INSERT INTO rb_t VALUES (1)"), step(sql)])),
                exec("SELECT count(*) FROM rb_t"),
                close()
            ]),
        );
        s.v3(
            &format!("sequence: {sql}"),
            "",
            json!([{"type": "sequence", "sql": format!("INSERT INTO rb_t VALUES (2); {sql}")}, exec("SELECT count(*) FROM rb_t"), close()]),
        );
        s.cursor(
            &format!("cursor: {sql}"),
            "",
            json!([step("INSERT INTO rb_t VALUES (3)"), step(sql)]),
        );
        s.v3(
            &format!("describe: {sql}"),
            "",
            json!([{"type": "describe", "sql": sql}, close()]),
        );
        s.post(
            &format!("v1: {sql}"),
            "/v1/execute",
            &json!({"stmt": {"sql": sql}}),
        );
        s.once(&format!("count after {sql}"), "SELECT count(*) FROM rb_t");
    }
    s
}

/// Values whose results every server must give alike.
fn values() -> Seq {
    let mut s = Seq::new("sql::values", Group::Plain);
    let v: Vec<Json> = [
        "SELECT 0.1, 1.0/3, 2.0/3, 1e-300, 1e300, 123456789.12345679",
        "SELECT 9223372036854775807, -9223372036854775808, 9223372036854775808",
        "SELECT 1e15, 1e16, 1e17, 1.5e300 * 1e10, -0.0 * 1",
        "SELECT CAST(1e20 AS INTEGER), CAST(-1e20 AS INTEGER), CAST('12abc' AS INTEGER)",
        "SELECT round(2.5), round(-2.5), round(1.005, 2), 7 / 2, 7.0 / 2",
        "SELECT hex(x'00ff'), quote(x'00ff'), length(x'0000'), typeof(zeroblob(3))",
        "SELECT printf('%.3f', 1.0005), printf('%d', 3.9), format('%5s|', 'a')",
        "SELECT upper('héllo'), lower('ÉCOLE'), length('héllo'), unicode('é')",
        "SELECT 'a' || NULL, coalesce(NULL, 2), nullif(1, 1), iif(1, 'y', 'n')",
        "SELECT datetime(0, 'unixepoch'), date('2024-01-31', '+1 month'), julianday('2000-01-01')",
        "SELECT json_object('a', 1, 'b', json_array(1, 2)), json_extract('{\"a\":[1,2]}', '$.a[1]')",
        "SELECT group_concat(x, '-') FROM (SELECT 1 AS x UNION ALL SELECT 2)",
        "SELECT total(x), avg(x) FROM (SELECT 1 AS x UNION ALL SELECT 2)",
        "SELECT instr('abc', 'c'), replace('aaa', 'a', 'b'), substr('hello', -3), trim('  x ')",
        "SELECT 1 = 1.0, 'a' < 'b', x'01' > 'z', NULL IS NULL, 3 BETWEEN 1 AND 5",
        "SELECT typeof(1), typeof(1.0), typeof('1'), typeof(x'01'), typeof(NULL)",
        "SELECT char(72, 105), soundex('Robert'), quote('it''s')",
    ]
    .iter()
    .map(|q| exec(q))
    .collect();
    s.v3("expressions", "@v", Json::Array(v));
    s.v3("close", "@v", json!([close()]));
    s
}

pub fn all() -> Vec<Seq> {
    vec![
        pragmas(),
        statements(),
        errors(),
        functions(),
        refusals_in_batches(),
        values(),
    ]
}
