//! Integration tests of the local transport (one test binary).

use std::ops::ControlFlow;
use std::sync::Arc;
use std::time::Duration;

use sqlport_core::{
    Batch, BatchMode, Column, Error, ErrorKind, LocalTarget, Params, Result, Row, RowSink,
    Statement, StepResult, TransactionBehavior, Transport, Value, codes, named_params, params,
};
use sqlport_local::{LocalConfig, LocalConnector, LocalTransport};

fn mem() -> (LocalConnector, LocalTransport) {
    let db = LocalConnector::open_memory().unwrap();
    let conn = db.connect_local().unwrap();
    (db, conn)
}

fn exec(c: &mut LocalTransport, sql: &str) -> sqlport_core::ResultSet {
    c.execute(&Statement::new(sql)).unwrap()
}

fn exec_p(
    c: &mut LocalTransport,
    sql: &str,
    p: impl sqlport_core::IntoParams,
) -> Result<sqlport_core::ResultSet> {
    c.execute(&Statement::with_params(sql, p)?)
}

fn one(c: &mut LocalTransport, sql: &str) -> Value {
    let rs = exec(c, sql);
    rs.rows[0].values()[0].clone()
}

fn temp_db(busy: Duration) -> (tempfile::TempDir, LocalConnector) {
    let dir = tempfile::tempdir().unwrap();
    let cfg = LocalConfig {
        busy_timeout: busy,
        ..LocalConfig::default()
    };
    let db = LocalConnector::open_path(dir.path().join("t.db"), cfg).unwrap();
    (dir, db)
}

// ---- values ---------------------------------------------------------------

#[test]
fn every_value_class_round_trips() {
    let (_db, mut c) = mem();
    exec(&mut c, "CREATE TABLE v (x)");
    let big_blob: Vec<u8> = (0..1_048_576u32).map(|i| (i % 251) as u8).collect();
    let values = vec![
        Value::Null,
        Value::Integer(0),
        Value::Integer(i64::MIN),
        Value::Integer(i64::MAX),
        Value::Integer((1i64 << 53) + 1),
        Value::Integer(-((1i64 << 53) + 1)),
        Value::Real(0.1),
        Value::Real(-0.0),
        Value::Real(f64::MAX),
        Value::Real(f64::MIN_POSITIVE),
        Value::Text(String::new()),
        Value::Text("a\0b".into()),
        Value::Text("héllo ✓ 😀".into()),
        Value::Blob(vec![]),
        Value::Blob(vec![0, 255, 0]),
        Value::Blob(big_blob),
    ];
    for v in &values {
        exec(&mut c, "DELETE FROM v");
        exec_p(
            &mut c,
            "INSERT INTO v VALUES (?)",
            Params::Positional(vec![v.clone()]),
        )
        .unwrap();
        let rs = exec(&mut c, "SELECT x, typeof(x) FROM v");
        assert_eq!(rs.rows.len(), 1);
        assert_eq!(&rs.rows[0].values()[0], v);
        if let Value::Real(r) = v {
            let Value::Real(back) = rs.rows[0].values()[0] else {
                panic!()
            };
            assert_eq!(back.to_bits(), r.to_bits());
        }
    }
    // Empty blob stays a blob, not NULL.
    exec(&mut c, "DELETE FROM v");
    exec_p(&mut c, "INSERT INTO v VALUES (?)", (Vec::<u8>::new(),)).unwrap();
    assert_eq!(
        one(&mut c, "SELECT typeof(x) FROM v"),
        Value::Text("blob".into())
    );
}

#[test]
fn infinities_read_back_as_stored() {
    let (_db, mut c) = mem();
    assert_eq!(one(&mut c, "SELECT 9e999"), Value::Real(f64::INFINITY));
    assert_eq!(one(&mut c, "SELECT -9e999"), Value::Real(f64::NEG_INFINITY));
}

#[test]
fn non_finite_parameters_are_refused() {
    let (_db, mut c) = mem();
    for f in [f64::NAN, f64::INFINITY] {
        let err = exec_p(&mut c, "SELECT ?", Params::Positional(vec![Value::Real(f)])).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Conversion);
    }
}

#[test]
fn invalid_utf8_text_is_a_conversion_error() {
    let (_db, mut c) = mem();
    let err = c
        .execute(&Statement::new("SELECT CAST(x'ff' AS TEXT) AS bad"))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conversion);
}

#[test]
fn wrong_type_reads_are_errors() {
    let (_db, mut c) = mem();
    let rs = exec(
        &mut c,
        "SELECT 'text' AS t, 300 AS n, NULL AS z, x'00' AS b",
    );
    let row = &rs.rows[0];
    assert_eq!(
        row.get::<i64>("t").unwrap_err().kind(),
        ErrorKind::Conversion
    );
    assert_eq!(
        row.get::<u8>("n").unwrap_err().kind(),
        ErrorKind::Conversion
    );
    assert_eq!(
        row.get::<i64>("z").unwrap_err().kind(),
        ErrorKind::Conversion
    );
    assert_eq!(row.get::<Option<i64>>("z").unwrap(), None);
    assert_eq!(
        row.get::<String>("b").unwrap_err().kind(),
        ErrorKind::Conversion
    );
    assert_eq!(
        row.get::<i64>(9).unwrap_err().kind(),
        ErrorKind::InvalidColumn
    );
    assert_eq!(
        row.get::<i64>("nope").unwrap_err().kind(),
        ErrorKind::InvalidColumn
    );
}

// ---- results ----------------------------------------------------------------

#[test]
fn columns_decl_types_and_duplicates() {
    let (_db, mut c) = mem();
    exec(
        &mut c,
        "CREATE TABLE t (id INTEGER PRIMARY KEY, name VARCHAR(10), n)",
    );
    let rs = exec(&mut c, "SELECT id, name, n, id AS id, 1 + 1 FROM t");
    let cols: Vec<Column> = rs.columns.to_vec();
    assert_eq!(
        cols,
        vec![
            Column::new("id", Some("INTEGER".into())),
            Column::new("name", Some("VARCHAR(10)".into())),
            Column::new("n", None),
            Column::new("id", Some("INTEGER".into())),
            Column::new("1 + 1", None),
        ]
    );
    assert!(rs.rows.is_empty());
}

#[test]
fn rows_affected_and_rowid_only_for_dml() {
    let (_db, mut c) = mem();
    let rs = exec(&mut c, "CREATE TABLE t (id INTEGER PRIMARY KEY, x)");
    assert_eq!((rs.rows_affected, rs.last_insert_rowid), (0, None));
    let rs = exec(&mut c, "INSERT INTO t (x) VALUES (1), (2), (3)");
    assert_eq!((rs.rows_affected, rs.last_insert_rowid), (3, Some(3)));
    let rs = exec(&mut c, "SELECT * FROM t");
    assert_eq!((rs.rows_affected, rs.last_insert_rowid), (0, None));
    let rs = exec(&mut c, "UPDATE t SET x = 9 WHERE id > 1");
    assert_eq!((rs.rows_affected, rs.last_insert_rowid), (2, None));
    let rs = exec(&mut c, "REPLACE INTO t (id, x) VALUES (10, 1)");
    assert_eq!((rs.rows_affected, rs.last_insert_rowid), (1, Some(10)));
    let rs = exec(
        &mut c,
        "WITH d AS (SELECT 1) DELETE FROM t WHERE id IN (SELECT * FROM d)",
    );
    assert_eq!((rs.rows_affected, rs.last_insert_rowid), (1, None));
    let rs = exec(&mut c, "INSERT INTO t (x) VALUES ('r') RETURNING id, x");
    assert_eq!(rs.rows.len(), 1);
    assert_eq!(rs.rows[0].get::<i64>("id").unwrap(), 11);
    assert_eq!((rs.rows_affected, rs.last_insert_rowid), (1, Some(11)));
    let rs = exec(&mut c, "CREATE TABLE u (y)");
    assert_eq!(rs.rows_affected, 0);
}

struct TakeTwo(Vec<Row>);

impl RowSink for TakeTwo {
    fn columns(&mut self, _columns: &Arc<[Column]>) -> Result<()> {
        Ok(())
    }
    fn row(&mut self, row: Row) -> Result<ControlFlow<()>> {
        self.0.push(row);
        Ok(if self.0.len() >= 2 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        })
    }
}

#[test]
fn query_stream_honours_break() {
    let (_db, mut c) = mem();
    let stmt = Statement::new(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT i FROM n",
    );
    let mut sink = TakeTwo(Vec::new());
    let summary = c.query_stream(&stmt, &mut sink).unwrap();
    assert_eq!(sink.0.len(), 2);
    assert_eq!(summary.columns.len(), 1);
    // The connection is still usable.
    assert_eq!(one(&mut c, "SELECT 5"), Value::Integer(5));
}

// ---- statements and parameters ---------------------------------------------------

#[test]
fn one_statement_per_call() {
    let (_db, mut c) = mem();
    for sql in [
        "SELECT 1; SELECT 2",
        "SELECT 1; garbage here",
        "SELECT 1; SELECT * FROM nosuch",
        "SELECT 1;;SELECT 2",
    ] {
        let err = c.execute(&Statement::new(sql)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::MultipleStatements, "{sql}");
    }
    for sql in ["", "   ", "-- c", "/* c */", ";", " ; ; "] {
        let err = c.execute(&Statement::new(sql)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NoStatement, "{sql:?}");
    }
    for sql in [
        "SELECT 1;",
        "SELECT 1; -- trailing",
        "SELECT 1 /* c */ ; ;",
        "  SELECT 1  ",
    ] {
        assert_eq!(one(&mut c, sql), Value::Integer(1), "{sql:?}");
    }
    // A syntax error in the only statement is SQLite's error.
    let err = c.execute(&Statement::new("SELEC 1")).unwrap_err();
    assert_eq!(err.sqlite_code(), Some(codes::SQLITE_ERROR));
    let err = c
        .execute(&Statement::new("SELECT * FROM nosuch; SELECT 1"))
        .unwrap_err();
    assert_eq!(err.sqlite_code(), Some(codes::SQLITE_ERROR));
}

#[test]
fn positional_parameters() {
    let (_db, mut c) = mem();
    let rs = exec_p(&mut c, "SELECT ?, ?", (1, "a")).unwrap();
    assert_eq!(
        rs.rows[0].values(),
        &[Value::Integer(1), Value::Text("a".into())]
    );
    let rs = exec_p(&mut c, "SELECT ?2, ?1", (1, 2)).unwrap();
    assert_eq!(rs.rows[0].values(), &[Value::Integer(2), Value::Integer(1)]);
    for (sql, p) in [
        ("SELECT ?, ?", Params::Positional(vec![Value::Integer(1)])),
        (
            "SELECT ?",
            Params::Positional(vec![Value::Integer(1), Value::Integer(2)]),
        ),
        ("SELECT ?", Params::None),
        ("SELECT 1", Params::Positional(vec![Value::Integer(1)])),
        ("SELECT :a", Params::Positional(vec![Value::Integer(1)])),
        (
            "SELECT ?, :a",
            Params::Positional(vec![Value::Integer(1), Value::Integer(2)]),
        ),
    ] {
        let err = c
            .execute(&Statement {
                sql: sql.into(),
                params: p,
            })
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidArguments, "{sql}");
    }
}

#[test]
fn named_parameters() {
    let (_db, mut c) = mem();
    let rs = exec_p(
        &mut c,
        "SELECT :a, @b, $c",
        named_params! {":a": 1, "@b": 2, "$c": 3},
    )
    .unwrap();
    assert_eq!(
        rs.rows[0].values(),
        &[Value::Integer(1), Value::Integer(2), Value::Integer(3)]
    );
    let rs = exec_p(
        &mut c,
        "SELECT :a, @b, $c, :a",
        named_params! {"a": 1, "b": 2, "c": 3},
    )
    .unwrap();
    assert_eq!(
        rs.rows[0].values(),
        &[
            Value::Integer(1),
            Value::Integer(2),
            Value::Integer(3),
            Value::Integer(1)
        ]
    );
    // Both the exact and the bare name given: the exact one is used, the
    // bare one is surplus.
    let rs = exec_p(&mut c, "SELECT :a", named_params! {"a": 1, ":a": 2});
    assert_eq!(rs.unwrap_err().kind(), ErrorKind::InvalidArguments);
    let rs = exec_p(&mut c, "SELECT :a, @a", named_params! {":a": 1, "a": 2}).unwrap();
    assert_eq!(rs.rows[0].values(), &[Value::Integer(1), Value::Integer(2)]);
    for (sql, p) in [
        ("SELECT :a, :b", named_params! {"a": 1}.into_params_unwrap()),
        (
            "SELECT :a",
            named_params! {"a": 1, "z": 2}.into_params_unwrap(),
        ),
        ("SELECT :a", named_params! {"b": 1}.into_params_unwrap()),
        ("SELECT ?", named_params! {"a": 1}.into_params_unwrap()),
        ("SELECT ?1", named_params! {"1": 1}.into_params_unwrap()),
        ("SELECT :a", Params::None),
        ("SELECT 1", named_params! {"a": 1}.into_params_unwrap()),
    ] {
        let err = c
            .execute(&Statement {
                sql: sql.into(),
                params: p,
            })
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidArguments, "{sql}");
    }
}

trait IntoParamsUnwrap {
    fn into_params_unwrap(self) -> Params;
}

impl<T: sqlport_core::IntoParams> IntoParamsUnwrap for T {
    fn into_params_unwrap(self) -> Params {
        self.into_params().unwrap()
    }
}

#[test]
fn describe_reports_shape() {
    let (_db, mut c) = mem();
    exec(&mut c, "CREATE TABLE t (a INTEGER, b TEXT)");
    let d = c
        .describe("SELECT a, b FROM t WHERE a = :x AND b = ?")
        .unwrap();
    assert_eq!(d.params, vec![Some(":x".to_owned()), None]);
    assert_eq!(d.columns.len(), 2);
    assert_eq!(d.columns[1].decl_type.as_deref(), Some("TEXT"));
    assert!(d.is_readonly);
    assert!(!d.is_explain);
    let d = c.describe("EXPLAIN QUERY PLAN SELECT 1").unwrap();
    assert!(d.is_explain);
    assert!(!c.describe("DELETE FROM t").unwrap().is_readonly);
    assert_eq!(
        c.describe("SELECT 1; SELECT 2").unwrap_err().kind(),
        ErrorKind::MultipleStatements
    );
}

// ---- errors ------------------------------------------------------------------

#[test]
fn constraint_codes_primary_and_extended() {
    let (_db, mut c) = mem();
    exec(&mut c, "CREATE TABLE p (id INTEGER PRIMARY KEY)");
    exec(
        &mut c,
        "CREATE TABLE t (u UNIQUE, nn NOT NULL DEFAULT 0, ck CHECK (ck > 0), fk REFERENCES p(id))",
    );
    exec(&mut c, "INSERT INTO t (u) VALUES (1)");
    let cases = [
        (
            "INSERT INTO t (u) VALUES (1)",
            codes::SQLITE_CONSTRAINT_UNIQUE,
        ),
        (
            "INSERT INTO t (nn) VALUES (NULL)",
            codes::SQLITE_CONSTRAINT_NOTNULL,
        ),
        (
            "INSERT INTO t (ck) VALUES (-1)",
            codes::SQLITE_CONSTRAINT_CHECK,
        ),
        (
            "INSERT INTO t (fk) VALUES (42)",
            codes::SQLITE_CONSTRAINT_FOREIGNKEY,
        ),
        (
            "INSERT INTO p VALUES (1), (1)",
            codes::SQLITE_CONSTRAINT_PRIMARYKEY,
        ),
    ];
    for (sql, ext) in cases {
        let err = c.execute(&Statement::new(sql)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Sqlite, "{sql}");
        assert_eq!(err.sqlite_code(), Some(codes::SQLITE_CONSTRAINT), "{sql}");
        assert_eq!(err.extended_code(), Some(ext), "{sql}");
        assert!(err.is_constraint());
    }
}

fn ext_of(code: i32) -> i32 {
    code & 0xff
}

#[test]
fn busy_between_two_connections() {
    let (_dir, db) = temp_db(Duration::ZERO);
    let mut a = db.connect_local().unwrap();
    let mut b = db.connect_local().unwrap();
    exec(&mut a, "CREATE TABLE t (x)");
    exec(&mut a, "BEGIN IMMEDIATE");
    exec(&mut a, "INSERT INTO t VALUES (1)");
    let err = b
        .execute(&Statement::new("INSERT INTO t VALUES (2)"))
        .unwrap_err();
    assert_eq!(err.sqlite_code(), Some(codes::SQLITE_BUSY));
    assert_eq!(err.extended_code().map(ext_of), Some(codes::SQLITE_BUSY));
    assert!(err.is_busy());
    // WAL: the reader sees the committed state only.
    assert_eq!(one(&mut b, "SELECT count(*) FROM t"), Value::Integer(0));
    exec(&mut a, "COMMIT");
    exec(&mut b, "INSERT INTO t VALUES (2)");
    assert_eq!(one(&mut a, "SELECT count(*) FROM t"), Value::Integer(2));
    assert_eq!(
        one(&mut a, "PRAGMA journal_mode"),
        Value::Text("wal".into())
    );
}

// ---- transactions ----------------------------------------------------------------

#[test]
fn transactions_commit_and_rollback() {
    let (_dir, db) = temp_db(Duration::ZERO);
    let mut c = db.connect_local().unwrap();
    exec(&mut c, "CREATE TABLE t (x)");
    for begin in [
        "BEGIN",
        "BEGIN DEFERRED",
        "BEGIN IMMEDIATE",
        "BEGIN EXCLUSIVE",
    ] {
        exec(&mut c, "DELETE FROM t");
        assert!(c.is_autocommit());
        exec(&mut c, begin);
        assert!(!c.is_autocommit());
        exec(&mut c, "INSERT INTO t VALUES (1)");
        exec(&mut c, "ROLLBACK");
        assert!(c.is_autocommit());
        assert_eq!(
            one(&mut c, "SELECT count(*) FROM t"),
            Value::Integer(0),
            "{begin}"
        );
        exec(&mut c, begin);
        exec(&mut c, "INSERT INTO t VALUES (1)");
        exec(&mut c, "COMMIT");
        assert_eq!(
            one(&mut c, "SELECT count(*) FROM t"),
            Value::Integer(1),
            "{begin}"
        );
    }
}

#[test]
fn nested_savepoints() {
    let (_db, mut c) = mem();
    exec(&mut c, "CREATE TABLE t (x)");
    exec(&mut c, "BEGIN");
    exec(&mut c, "INSERT INTO t VALUES (1)");
    exec(&mut c, "SAVEPOINT a");
    exec(&mut c, "INSERT INTO t VALUES (2)");
    exec(&mut c, "SAVEPOINT b");
    exec(&mut c, "INSERT INTO t VALUES (3)");
    exec(&mut c, "ROLLBACK TO b");
    exec(&mut c, "RELEASE b");
    assert_eq!(
        one(&mut c, "SELECT group_concat(x) FROM t"),
        Value::Text("1,2".into())
    );
    exec(&mut c, "ROLLBACK TO SAVEPOINT a");
    exec(&mut c, "RELEASE SAVEPOINT a");
    assert!(!c.is_autocommit());
    exec(&mut c, "COMMIT");
    assert_eq!(
        one(&mut c, "SELECT group_concat(x) FROM t"),
        Value::Text("1".into())
    );
    // A savepoint outside a transaction starts one.
    exec(&mut c, "SAVEPOINT s");
    assert!(!c.is_autocommit());
    exec(&mut c, "RELEASE s");
    assert!(c.is_autocommit());
}

#[test]
fn close_rolls_back_and_closes() {
    let (_dir, db) = temp_db(Duration::ZERO);
    let mut c = db.connect_local().unwrap();
    exec(&mut c, "CREATE TABLE t (x)");
    exec(&mut c, "BEGIN");
    exec(&mut c, "INSERT INTO t VALUES (1)");
    c.close().unwrap();
    assert!(c.is_closed());
    assert_eq!(
        c.execute(&Statement::new("SELECT 1")).unwrap_err().kind(),
        ErrorKind::Closed
    );
    assert_eq!(
        c.batch(&Batch::atomic([])).unwrap_err().kind(),
        ErrorKind::Closed
    );
    assert_eq!(
        c.describe("SELECT 1").unwrap_err().kind(),
        ErrorKind::Closed
    );
    c.close().unwrap();
    let mut d = db.connect_local().unwrap();
    assert_eq!(one(&mut d, "SELECT count(*) FROM t"), Value::Integer(0));
    // Dropping with an open transaction rolls back too, and releases the lock.
    exec(&mut d, "BEGIN IMMEDIATE");
    exec(&mut d, "INSERT INTO t VALUES (1)");
    drop(d);
    let mut e = db.connect_local().unwrap();
    exec(&mut e, "INSERT INTO t VALUES (2)");
    assert_eq!(
        one(&mut e, "SELECT group_concat(x) FROM t"),
        Value::Text("2".into())
    );
}

// ---- batches -----------------------------------------------------------------------

fn stmts(sqls: &[&str]) -> Vec<Statement> {
    sqls.iter().map(|s| Statement::new(*s)).collect()
}

#[test]
fn atomic_batch_all_or_nothing() {
    let (_db, mut c) = mem();
    exec(&mut c, "CREATE TABLE t (x UNIQUE)");
    let ok = c
        .batch(&Batch::atomic(vec![
            Statement::with_params("INSERT INTO t VALUES (?)", (1,)).unwrap(),
            Statement::with_params("INSERT INTO t VALUES (?)", (2,)).unwrap(),
            Statement::new("SELECT count(*) FROM t"),
        ]))
        .unwrap();
    assert_eq!(ok.steps.len(), 3);
    assert_eq!(
        ok.steps[2].ok().unwrap().rows[0].values()[0],
        Value::Integer(2)
    );
    assert!(c.is_autocommit());
    let err = c
        .batch(&Batch::atomic(stmts(&[
            "INSERT INTO t VALUES (3)",
            "INSERT INTO t VALUES (1)",
            "INSERT INTO t VALUES (4)",
        ])))
        .unwrap_err();
    assert_eq!(err.failed_step(), Some(1));
    assert_eq!(err.extended_code(), Some(codes::SQLITE_CONSTRAINT_UNIQUE));
    assert!(c.is_autocommit());
    assert_eq!(one(&mut c, "SELECT count(*) FROM t"), Value::Integer(2));
    for behavior in [
        TransactionBehavior::Immediate,
        TransactionBehavior::Exclusive,
    ] {
        let r = c.batch(&Batch::new(
            stmts(&["INSERT INTO t VALUES (10)", "DELETE FROM t WHERE x = 10"]),
            BatchMode::Atomic(behavior),
        ));
        assert!(r.is_ok());
    }
}

#[test]
fn atomic_batch_inside_a_transaction_uses_a_savepoint() {
    let (_db, mut c) = mem();
    exec(&mut c, "CREATE TABLE t (x UNIQUE)");
    exec(&mut c, "BEGIN");
    exec(&mut c, "INSERT INTO t VALUES (1)");
    let err = c
        .batch(&Batch::atomic(stmts(&[
            "INSERT INTO t VALUES (2)",
            "INSERT INTO t VALUES (1)",
        ])))
        .unwrap_err();
    assert_eq!(err.failed_step(), Some(1));
    assert!(!c.is_autocommit(), "the outer transaction survives");
    assert_eq!(
        one(&mut c, "SELECT group_concat(x) FROM t"),
        Value::Text("1".into())
    );
    c.batch(&Batch::atomic(stmts(&["INSERT INTO t VALUES (5)"])))
        .unwrap();
    assert!(!c.is_autocommit());
    exec(&mut c, "ROLLBACK");
    assert_eq!(one(&mut c, "SELECT count(*) FROM t"), Value::Integer(0));
}

#[test]
fn atomic_batch_step_that_ends_the_transaction_fails() {
    let (_db, mut c) = mem();
    exec(&mut c, "CREATE TABLE t (x)");
    let err = c
        .batch(&Batch::atomic(stmts(&[
            "INSERT INTO t VALUES (1)",
            "ROLLBACK",
            "INSERT INTO t VALUES (2)",
        ])))
        .unwrap_err();
    assert_eq!(err.failed_step(), Some(1));
    assert!(c.is_autocommit());
    assert_eq!(one(&mut c, "SELECT count(*) FROM t"), Value::Integer(0));
}

#[test]
fn non_atomic_batches() {
    let (_db, mut c) = mem();
    exec(&mut c, "CREATE TABLE t (x UNIQUE)");
    let sqls = [
        "INSERT INTO t VALUES (1)",
        "INSERT INTO t VALUES (1)",
        "INSERT INTO t VALUES (2)",
    ];
    let r = c
        .batch(&Batch::new(stmts(&sqls), BatchMode::StopOnError))
        .unwrap();
    assert!(matches!(r.steps[0], StepResult::Ok(_)));
    assert_eq!(
        r.steps[1].err().unwrap().extended_code(),
        Some(codes::SQLITE_CONSTRAINT_UNIQUE)
    );
    assert!(matches!(r.steps[2], StepResult::Skipped));
    assert_eq!(one(&mut c, "SELECT count(*) FROM t"), Value::Integer(1));
    exec(&mut c, "DELETE FROM t");
    let r = c
        .batch(&Batch::new(stmts(&sqls), BatchMode::ContinueOnError))
        .unwrap();
    assert!(matches!(r.steps[0], StepResult::Ok(_)));
    assert!(r.steps[1].err().is_some());
    assert!(matches!(r.steps[2], StepResult::Ok(_)));
    assert_eq!(one(&mut c, "SELECT count(*) FROM t"), Value::Integer(2));
}

// ---- memory, pragmas, open modes ---------------------------------------------------

#[test]
fn memory_is_shared_between_connections_of_one_connector() {
    let db = LocalConnector::open(
        &LocalTarget::Memory,
        LocalConfig {
            busy_timeout: Duration::ZERO,
            ..LocalConfig::default()
        },
    )
    .unwrap();
    let mut a = db.connect_local().unwrap();
    let mut b = db.connect_local().unwrap();
    exec(&mut a, "CREATE TABLE t (x)");
    exec(&mut a, "INSERT INTO t VALUES (1)");
    assert_eq!(one(&mut b, "SELECT count(*) FROM t"), Value::Integer(1));
    // An open write transaction on one makes the other's write BUSY.
    exec(&mut a, "BEGIN IMMEDIATE");
    exec(&mut a, "INSERT INTO t VALUES (2)");
    let err = b
        .execute(&Statement::new("INSERT INTO t VALUES (3)"))
        .unwrap_err();
    assert!(err.is_busy(), "{err:?}");
    exec(&mut a, "COMMIT");
    exec(&mut b, "INSERT INTO t VALUES (3)");
    assert_eq!(one(&mut a, "SELECT count(*) FROM t"), Value::Integer(3));
    // Another connector is another database.
    let (_other, mut c) = mem();
    assert!(c.execute(&Statement::new("SELECT * FROM t")).is_err());
    // The database lives as long as the connector, even with no connection open.
    drop(a);
    drop(b);
    let mut d = db.clone().connect_local().unwrap();
    assert_eq!(one(&mut d, "SELECT count(*) FROM t"), Value::Integer(3));
}

#[test]
fn foreign_keys_pragma_is_per_connection() {
    let (db, mut a) = mem();
    assert_eq!(one(&mut a, "PRAGMA foreign_keys"), Value::Integer(1));
    exec(&mut a, "PRAGMA foreign_keys = OFF");
    assert_eq!(one(&mut a, "PRAGMA foreign_keys"), Value::Integer(0));
    exec(&mut a, "CREATE TABLE p (id INTEGER PRIMARY KEY)");
    exec(&mut a, "CREATE TABLE c (p REFERENCES p(id))");
    exec(&mut a, "INSERT INTO c VALUES (7)");
    let mut b = db.connect_local().unwrap();
    assert_eq!(one(&mut b, "PRAGMA foreign_keys"), Value::Integer(1));
    assert!(
        b.execute(&Statement::new("INSERT INTO c VALUES (8)"))
            .unwrap_err()
            .is_constraint()
    );
    assert_eq!(one(&mut a, "PRAGMA foreign_keys"), Value::Integer(0));
}

#[test]
fn open_modes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("missing.db");
    let no_create = LocalConfig {
        create: false,
        ..LocalConfig::default()
    };
    let err = LocalConnector::open_path(&path, no_create).unwrap_err();
    assert_eq!(err.sqlite_code(), Some(codes::SQLITE_CANTOPEN));
    let db = LocalConnector::open_path(&path, LocalConfig::default()).unwrap();
    exec(&mut db.connect_local().unwrap(), "CREATE TABLE t (x)");
    let ro = LocalConnector::open_path(
        &path,
        LocalConfig {
            read_only: true,
            ..LocalConfig::default()
        },
    )
    .unwrap();
    let mut r = ro.connect_local().unwrap();
    assert_eq!(one(&mut r, "SELECT count(*) FROM t"), Value::Integer(0));
    let err = r
        .execute(&Statement::new("INSERT INTO t VALUES (1)"))
        .unwrap_err();
    assert_eq!(err.sqlite_code(), Some(codes::SQLITE_READONLY));
    let uri = format!("file:{}?mode=ro", path.display());
    let u = LocalConnector::open(&LocalTarget::Uri(uri), LocalConfig::default()).unwrap();
    let err = u
        .connect_local()
        .unwrap()
        .execute(&Statement::new("INSERT INTO t VALUES (1)"))
        .unwrap_err();
    assert_eq!(err.sqlite_code(), Some(codes::SQLITE_READONLY));
    assert!(format!("{db:?}").contains("missing.db"));
    // No statement cache at all still works.
    let uncached = LocalConnector::open_path(
        &path,
        LocalConfig {
            statement_cache_capacity: 0,
            ..LocalConfig::default()
        },
    )
    .unwrap();
    let mut c = uncached.connect_local().unwrap();
    for _ in 0..3 {
        assert_eq!(one(&mut c, "SELECT count(*) FROM t"), Value::Integer(0));
    }
}

#[test]
fn capabilities_follow_the_target() {
    use sqlport_core::{Capabilities, Capability};
    let cfg = LocalConfig::default;
    for (uri, shared) in [
        ("file::memory:", false),
        ("file::memory:?cache=shared", true),
        ("file:x?mode=memory", false),
        ("file:sqlport-caps-test?mode=memory&cache=shared", true),
    ] {
        let db = LocalConnector::open(&LocalTarget::Uri(uri.into()), cfg()).unwrap();
        let caps = db.connect_local().unwrap().capabilities();
        assert_eq!(caps.has(Capability::SharedDatabase), shared, "{uri}");
        assert_eq!(caps, db.capabilities());
    }
    assert_eq!(
        LocalConnector::open_memory().unwrap().capabilities(),
        Capabilities::all()
    );
}

#[test]
fn connector_trait_gives_boxed_transport() {
    let db = LocalConnector::open_memory().unwrap();
    let mut t = sqlport_core::Connector::connect(&db).unwrap();
    assert_eq!(t.capabilities(), sqlport_core::Capabilities::all());
    let rs = t
        .execute(&Statement::with_params("SELECT ?", params![1]).unwrap())
        .unwrap();
    assert_eq!(rs.rows[0].values()[0], Value::Integer(1));
    let _: Option<Error> = None;
}

// ---- async (worker thread) --------------------------------------------------------

/// Connection B waits for a lock inside its worker thread while the only
/// executor thread goes on to commit A, which releases the lock. If B's wait
/// ran on the executor, A could not commit until B gave up with SQLITE_BUSY.
#[tokio::test(flavor = "current_thread")]
async fn async_blocked_query_does_not_block_the_executor() {
    use sqlport_core::AsyncConnector;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("async.db");
    let a_db = LocalConnector::open_path(
        &path,
        LocalConfig {
            busy_timeout: Duration::ZERO,
            ..LocalConfig::default()
        },
    )
    .unwrap();
    let mut a = a_db.connect_local().unwrap();
    exec(&mut a, "CREATE TABLE t (x)");
    exec(&mut a, "BEGIN IMMEDIATE");
    exec(&mut a, "INSERT INTO t VALUES (1)");

    let b_db = sqlport_local::async_connector(
        LocalConnector::open_path(
            &path,
            LocalConfig {
                busy_timeout: Duration::from_secs(10),
                ..LocalConfig::default()
            },
        )
        .unwrap(),
    );
    let mut b = b_db.connect().await.unwrap();
    let task = tokio::spawn(async move {
        b.execute(&Statement::new("INSERT INTO t VALUES (2)"))
            .await
            .map(|rs| rs.rows_affected)
    });
    // Let B's task run: it hands its INSERT to its worker and waits.
    tokio::task::yield_now().await;
    exec(&mut a, "COMMIT");
    assert_eq!(task.await.unwrap().unwrap(), 1);
    assert_eq!(one(&mut a, "SELECT count(*) FROM t"), Value::Integer(2));
}

#[tokio::test]
async fn async_connector_runs_the_contract() {
    use sqlport_core::{AsyncConnector, CollectRows};
    let db = sqlport_local::async_connector(LocalConnector::open_memory().unwrap());
    let mut c = db.connect().await.unwrap();
    let mut other = db.connect().await.unwrap();
    assert_eq!(c.capabilities(), sqlport_core::Capabilities::all());
    c.execute(&Statement::new("CREATE TABLE t (x UNIQUE)"))
        .await
        .unwrap();
    c.execute(&Statement::new("BEGIN")).await.unwrap();
    assert!(!c.is_autocommit());
    let err = c
        .batch(&Batch::atomic(stmts(&[
            "INSERT INTO t VALUES (1)",
            "INSERT INTO t VALUES (1)",
        ])))
        .await
        .unwrap_err();
    assert_eq!(err.failed_step(), Some(1));
    c.execute(&Statement::new("INSERT INTO t VALUES (1)"))
        .await
        .unwrap();
    // A dropped transaction guard enqueues its rollback.
    c.enqueue(Statement::new("ROLLBACK"));
    let mut sink = CollectRows::default();
    let summary = c
        .query_stream(&Statement::new("SELECT count(*) AS n FROM t"), &mut sink)
        .await
        .unwrap();
    assert_eq!(summary.columns[0].name, "n");
    assert_eq!(sink.rows[0].values()[0], Value::Integer(0));
    assert!(c.is_autocommit());
    let err = other
        .execute(&Statement::new("SELECT 1; SELECT 2"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::MultipleStatements);
    c.close().await.unwrap();
    assert_eq!(
        c.execute(&Statement::new("SELECT 1"))
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::Closed
    );
}

#[test]
fn odd_sql_never_panics() {
    let (_db, mut c) = mem();
    let cases = [
        "SELECT 1\0 garbage",
        "\0",
        "SELECT '\0'",
        "SELECT 'unterminated",
        "SELECT 1 /* unterminated",
        "\u{feff}SELECT 1",
        "SELECT \"",
        "SELECT [x",
        "SELECT ?99999999999",
        "SELECT ?0",
        "SELECT :",
        "EXPLAIN",
        "WITH",
        "PRAGMA",
        "😀",
    ];
    for sql in cases {
        let _ = c.execute(&Statement::new(sql));
        let _ = c.describe(sql);
        let _ = c.batch(&Batch::atomic([Statement::new(sql)]));
        // The connection stays usable and outside any transaction.
        assert!(c.is_autocommit(), "{sql:?}");
        assert_eq!(one(&mut c, "SELECT 1"), Value::Integer(1), "{sql:?}");
    }
    for sql in ["SELECT 1\0 garbage", "SELECT 'a\0b'", "SELECT 1;\0"] {
        let err = c.execute(&Statement::new(sql)).unwrap_err();
        assert_eq!(err.sqlite_code(), Some(codes::SQLITE_ERROR), "{sql:?}");
    }
}
