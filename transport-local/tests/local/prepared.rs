//! Prepared handles (`Transport::prepare_handle`): SQLite's statement held
//! across runs, each run the same as `execute` of the same statement.

use super::*;

fn run(
    h: &mut Box<dyn sqlport_core::PreparedHandle + '_>,
    p: impl sqlport_core::IntoParams,
) -> Result<sqlport_core::ResultSet> {
    h.execute(p.into_params()?)
}

#[test]
fn a_handle_runs_like_execute_and_rebinds_every_run() {
    let (_db, mut c) = mem();
    exec(&mut c, "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)");
    let sql: Arc<str> = "INSERT INTO t (id, name) VALUES (?, ?)".into();
    {
        let mut h = c.prepare_handle(&sql);
        assert_eq!(&**h.sql(), &*sql);
        for i in 1..=3_i64 {
            let rs = run(&mut h, params![i, format!("n{i}")]).unwrap();
            assert_eq!(rs.rows_affected, 1);
            assert_eq!(rs.last_insert_rowid, Some(i));
        }
        // A bad run changes nothing and leaves no binding behind.
        let err = run(&mut h, params![9]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidArguments);
        let err = run(&mut h, params![1, "dup"]).unwrap_err();
        assert_eq!(err.sqlite_code(), Some(codes::SQLITE_CONSTRAINT));
        run(&mut h, params![4, sqlport_core::Value::Null]).unwrap();
    }
    let sel: Arc<str> = "SELECT name FROM t WHERE id >= :lo ORDER BY id".into();
    let mut h = c.prepare_handle(&sel);
    let rs = run(&mut h, named_params! {":lo": 3}).unwrap();
    assert_eq!(rs.columns[0].name, "name");
    let names: Vec<Value> = rs.rows.iter().map(|r| r.values()[0].clone()).collect();
    assert_eq!(names, [Value::Text("n3".into()), Value::Null]);
    assert_eq!(run(&mut h, named_params! {"lo": 5}).unwrap().rows.len(), 0);
    let err = run(&mut h, params![1]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArguments);
    drop(h);
    // The statement went back to the connection, which still runs it.
    let rs = exec_p(&mut c, &sel, named_params! {":lo": 1}).unwrap();
    assert_eq!(rs.rows.len(), 4);
}

#[test]
fn a_handle_whose_text_does_not_prepare_fails_on_every_run_as_execute_does() {
    let (_db, mut c) = mem();
    for (sql, kind) in [
        ("SELEC 1", ErrorKind::Sqlite),
        ("SELECT 1; SELECT 2", ErrorKind::MultipleStatements),
        ("  ", ErrorKind::NoStatement),
    ] {
        let sql: Arc<str> = sql.into();
        let expected = exec_p(&mut c, &sql, ()).unwrap_err();
        assert_eq!(expected.kind(), kind, "{sql}");
        let mut h = c.prepare_handle(&sql);
        for _ in 0..2 {
            let err = run(&mut h, ()).unwrap_err();
            assert_eq!(err.kind(), kind, "{sql}");
            assert_eq!(err.sqlite_code(), expected.sqlite_code(), "{sql}");
        }
    }
}

#[test]
fn a_handle_follows_schema_changes_made_between_its_runs() {
    let (_dir, db) = temp_db(Duration::from_secs(5));
    let mut c = db.connect_local().unwrap();
    let mut other = db.connect_local().unwrap();
    exec(&mut c, "CREATE TABLE t (a INTEGER)");
    exec(&mut c, "INSERT INTO t VALUES (1)");
    let star: Arc<str> = "SELECT * FROM t".into();
    let mut h = c.prepare_handle(&star);
    assert_eq!(run(&mut h, ()).unwrap().columns.len(), 1);
    exec(&mut other, "ALTER TABLE t ADD COLUMN b TEXT");
    let rs = run(&mut h, ()).unwrap();
    assert_eq!(rs.columns.len(), 2);
    assert_eq!(rs.rows[0].values(), [Value::Integer(1), Value::Null]);
    exec(&mut other, "ALTER TABLE t RENAME COLUMN a TO renamed");
    assert_eq!(run(&mut h, ()).unwrap().columns[0].name, "renamed");
    drop(h);
    // What the handle learnt is what the connection knows afterwards.
    assert_eq!(exec(&mut c, &star).columns[0].name, "renamed");
}

#[test]
fn a_handle_keeps_the_lost_transaction_rule() {
    let (_db, mut c) = mem();
    exec(&mut c, "CREATE TABLE t (x INTEGER PRIMARY KEY)");
    exec(&mut c, "INSERT INTO t VALUES (1)");
    exec(&mut c, "BEGIN");
    let ins: Arc<str> = "INSERT OR ROLLBACK INTO t VALUES (?)".into();
    {
        let mut h = c.prepare_handle(&ins);
        run(&mut h, [2]).unwrap();
        let err = run(&mut h, [1]).unwrap_err();
        assert_eq!(err.sqlite_code(), Some(codes::SQLITE_CONSTRAINT));
        let err = run(&mut h, [3]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::TransactionLost);
    }
    assert!(!c.is_autocommit(), "lost, not ended");
    let rollback: Arc<str> = "ROLLBACK".into();
    let rs = c.prepare_handle(&rollback).execute(Params::None).unwrap();
    assert!(rs.rows.is_empty());
    assert!(c.is_autocommit());
    assert_eq!(one(&mut c, "SELECT count(*) FROM t"), Value::Integer(1));
    // Transaction control through handles settles the gate as execute does.
    let begin: Arc<str> = "BEGIN".into();
    let commit: Arc<str> = "COMMIT".into();
    c.prepare_handle(&begin).execute(Params::None).unwrap();
    run(&mut c.prepare_handle(&ins), [5]).unwrap();
    c.prepare_handle(&commit).execute(Params::None).unwrap();
    assert!(c.is_autocommit());
    assert_eq!(one(&mut c, "SELECT count(*) FROM t"), Value::Integer(2));
}

#[test]
fn a_handle_on_a_closed_connection_fails_closed() {
    let (_db, mut c) = mem();
    c.close().unwrap();
    let sql: Arc<str> = "SELECT 1".into();
    let err = c.prepare_handle(&sql).execute(Params::None).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Closed);
}
