//! One statement per call, parameters, describe, and odd SQL.

use super::*;

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
    // A failing single statement is its own error, never "multiple statements".
    for sql in [
        "SELECT * FROM nosuch",
        "SELECT * FROM nosuch;",
        "SELECT nope FROM (SELECT 1)",
    ] {
        let err = c.execute(&Statement::new(sql)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Sqlite, "{sql}");
    }
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
        assert_invalid_arguments(&mut c, sql, p);
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
        assert_invalid_arguments(&mut c, sql, p);
    }
}

/// Running `sql` with `params` fails with [`ErrorKind::InvalidArguments`].
fn assert_invalid_arguments(c: &mut LocalTransport, sql: &str, params: Params) {
    let err = c
        .execute(&Statement {
            sql: sql.into(),
            params,
        })
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArguments, "{sql}");
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

#[test]
fn leading_semicolons_and_comments_are_skipped() {
    let (_db, mut c) = mem();
    for sql in ["; SELECT 1", ";;SELECT 1", "-- c\n; /* d */ SELECT 1;"] {
        assert_eq!(one(&mut c, sql), Value::Integer(1), "{sql:?}");
    }
}

fn column_names(rs: &sqlport_core::ResultSet) -> Vec<(String, Option<String>)> {
    rs.columns
        .iter()
        .map(|c| (c.name.clone(), c.decl_type.clone()))
        .collect()
}

/// The columns a connection remembers for a statement follow schema changes:
/// its own `ALTER TABLE`, another connection's, and a statement that left the
/// statement cache and was prepared again under a changed schema.
#[test]
fn remembered_columns_follow_schema_changes() {
    let (_dir, db) = temp_db(Duration::from_secs(5));
    let mut c = db.connect_local().unwrap();
    let mut other = db.connect_local().unwrap();
    exec(&mut c, "CREATE TABLE t (a INTEGER)");
    exec(&mut c, "INSERT INTO t VALUES (1)");
    let star = "SELECT * FROM t";
    let rs = exec(&mut c, star);
    assert_eq!(column_names(&rs), [("a".into(), Some("INTEGER".into()))]);
    assert_eq!(exec(&mut c, star).rows[0].len(), 1);

    exec(&mut c, "ALTER TABLE t ADD COLUMN b TEXT");
    let rs = exec(&mut c, star);
    assert_eq!(
        column_names(&rs),
        [
            ("a".into(), Some("INTEGER".into())),
            ("b".into(), Some("TEXT".into()))
        ]
    );
    assert_eq!(rs.rows[0].values(), [Value::Integer(1), Value::Null]);

    exec(&mut other, "ALTER TABLE t ADD COLUMN c REAL");
    let rs = exec(&mut c, star);
    assert_eq!(
        rs.columns.len(),
        3,
        "another connection's change is seen at once"
    );
    assert_eq!(rs.rows[0].len(), 3);

    // Push the statement out of both caches (rusqlite's: 64 statements by
    // default; the connection's own: fewer), change the schema, run it again.
    for i in 0..100 {
        exec(&mut c, &format!("SELECT {i} FROM t"));
    }
    exec(&mut other, "ALTER TABLE t RENAME COLUMN a TO renamed");
    let rs = exec(&mut c, star);
    assert_eq!(rs.columns[0].name, "renamed");
    // And a statement whose columns changed type but not count.
    exec(&mut other, "DROP TABLE t");
    exec(&mut other, "CREATE TABLE t (x BLOB, y BLOB, z BLOB)");
    let rs = exec(&mut c, star);
    assert_eq!(rs.columns[2].decl_type.as_deref(), Some("BLOB"));
}
