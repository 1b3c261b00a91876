//! SQLite error codes, primary and extended.

use super::*;

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
