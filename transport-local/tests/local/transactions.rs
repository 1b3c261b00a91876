//! Transactions, savepoints, close and drop.

use super::*;

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

/// SQLite rolls the whole transaction back on `INSERT OR ROLLBACK` (and on
/// some I/O errors): the transport reports the transaction lost until the
/// caller ends it with ROLLBACK, instead of autocommitting what follows.
#[test]
fn a_transaction_sqlite_rolled_back_is_lost_until_rollback() {
    let (_db, mut c) = mem();
    exec(&mut c, "CREATE TABLE t (x INTEGER PRIMARY KEY)");
    exec(&mut c, "INSERT INTO t VALUES (1)");
    exec(&mut c, "BEGIN");
    exec(&mut c, "INSERT INTO t VALUES (2)");
    let err = exec_p(&mut c, "INSERT OR ROLLBACK INTO t VALUES (1)", ()).unwrap_err();
    assert_eq!(err.sqlite_code(), Some(codes::SQLITE_CONSTRAINT));
    assert!(!c.is_autocommit(), "lost, not ended");
    for sql in ["INSERT INTO t VALUES (3)", "SELECT 1", "COMMIT", "BEGIN"] {
        let err = exec_p(&mut c, sql, ()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::TransactionLost, "{sql}: {err:?}");
    }
    let err = c
        .batch(&Batch::new(stmts(&["SELECT 1"]), BatchMode::StopOnError))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TransactionLost);
    let err = c
        .query_stream(
            &Statement::new("SELECT 1"),
            &mut sqlport_core::CollectRows::default(),
        )
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TransactionLost);
    exec(&mut c, "ROLLBACK");
    assert!(c.is_autocommit());
    assert_eq!(one(&mut c, "SELECT count(*) FROM t"), Value::Integer(1));
    // A statement error that leaves the transaction open loses nothing.
    exec(&mut c, "BEGIN");
    exec_p(&mut c, "INSERT INTO t VALUES (1)", ()).unwrap_err();
    exec(&mut c, "INSERT INTO t VALUES (2)");
    exec(&mut c, "COMMIT");
    assert_eq!(one(&mut c, "SELECT count(*) FROM t"), Value::Integer(2));
}
