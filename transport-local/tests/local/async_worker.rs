//! The async flavour through the worker thread.

use super::*;

/// Connection B waits for a lock inside its worker thread while the only
/// executor thread goes on to commit A, which releases the lock. If B's wait
/// ran on the executor, A could not commit until B gave up with SQLITE_BUSY.
#[tokio::test(flavor = "current_thread")]
async fn async_blocked_query_does_not_block_the_executor() {
    use sqlport_core::AsyncConnector;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("async.db");
    let a_db =
        LocalConnector::open_path(&path, LocalConfig::default().busy_timeout(Duration::ZERO))
            .unwrap();
    let mut a = a_db.connect_local().unwrap();
    exec(&mut a, "CREATE TABLE t (x)");
    exec(&mut a, "BEGIN IMMEDIATE");
    exec(&mut a, "INSERT INTO t VALUES (1)");

    let b_db = sqlport_local::async_connector(
        LocalConnector::open_path(
            &path,
            LocalConfig::default().busy_timeout(Duration::from_secs(10)),
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

/// Dropping an async connection ends its worker, which rolls back and
/// releases the write lock; a waiting writer then gets through.
#[tokio::test]
async fn dropping_an_async_connection_rolls_back() {
    use sqlport_core::AsyncConnector;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("drop.db");
    let cfg = LocalConfig::default().busy_timeout(Duration::from_secs(10));
    let db = LocalConnector::open_path(&path, cfg).unwrap();
    let mut a = db.connect_local().unwrap();
    exec(&mut a, "CREATE TABLE t (x)");
    let adb = sqlport_local::async_connector(db.clone());
    let mut b = adb.connect().await.unwrap();
    b.execute(&Statement::new("BEGIN IMMEDIATE")).await.unwrap();
    b.execute(&Statement::new("INSERT INTO t VALUES ('b')"))
        .await
        .unwrap();
    assert!(!b.is_autocommit());
    drop(b);
    // Waits (busy timeout) until B's worker has rolled back and closed.
    exec(&mut a, "INSERT INTO t VALUES ('a')");
    assert_eq!(
        one(&mut a, "SELECT group_concat(x) FROM t"),
        Value::Text("a".into())
    );
}

/// A `SELECT` the connection ran before is tried inline on the caller's
/// thread (without waiting for locks); when it meets a lock it goes to the
/// worker, which waits there (busy timeout) while the executor goes on, as
/// for any other statement. If the inline try waited for the lock on the
/// only executor thread, A could not commit and B would end with SQLITE_BUSY;
/// if it reported the lock, B would fail at once.
#[tokio::test(flavor = "current_thread")]
async fn a_known_select_that_meets_a_lock_waits_on_the_worker() {
    use sqlport_core::AsyncConnector;
    let db = LocalConnector::open_memory().unwrap();
    let mut a = db.connect_local().unwrap();
    exec(&mut a, "CREATE TABLE t (x)");
    exec(&mut a, "INSERT INTO t VALUES (1)");
    let b_db = sqlport_local::async_connector(db.clone());
    let mut b = b_db.connect().await.unwrap();
    let q = Statement::new("SELECT count(*) FROM t");
    for _ in 0..3 {
        let rs = b.execute(&q).await.unwrap();
        assert_eq!(rs.rows[0].get::<i64>(0).unwrap(), 1);
    }
    // In-memory databases lock as rollback-journal files: an exclusive
    // transaction keeps readers out.
    exec(&mut a, "BEGIN EXCLUSIVE");
    exec(&mut a, "INSERT INTO t VALUES (2)");
    let task = tokio::spawn(async move {
        b.execute(&q)
            .await
            .map(|rs| rs.rows[0].get::<i64>(0).unwrap())
    });
    tokio::task::yield_now().await;
    exec(&mut a, "COMMIT");
    assert_eq!(task.await.unwrap().unwrap(), 2);
}

/// A `SELECT` that runs longer than the inline budget is interrupted and
/// run again on the worker: the caller gets its full result every time,
/// never `SQLITE_INTERRUPT`.
#[tokio::test(flavor = "current_thread")]
async fn a_long_select_over_the_inline_budget_still_completes() {
    use sqlport_core::AsyncConnector;
    let db = sqlport_local::async_connector(LocalConnector::open_memory().unwrap());
    let mut c = db.connect().await.unwrap();
    let q = Statement::new(
        "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 300000) \
         SELECT count(*), sum(x) FROM n",
    );
    for _ in 0..3 {
        let rs = c.execute(&q).await.unwrap();
        assert_eq!(rs.rows[0].get::<i64>(0).unwrap(), 300_000);
        assert_eq!(rs.rows[0].get::<i64>(1).unwrap(), 45_000_150_000);
    }
    // Inside a transaction too, which the interruption leaves open.
    c.execute(&Statement::new("BEGIN")).await.unwrap();
    let rs = c.execute(&q).await.unwrap();
    assert_eq!(rs.rows[0].get::<i64>(0).unwrap(), 300_000);
    assert!(!c.is_autocommit());
    c.execute(&Statement::new("COMMIT")).await.unwrap();
    assert!(c.is_autocommit());
}

/// A rollback queued by a dropped guard runs before a later quick `SELECT`
/// (the inline path is taken only when the worker has nothing queued).
#[tokio::test(flavor = "current_thread")]
async fn queued_statements_run_before_an_inline_select() {
    use sqlport_core::AsyncConnector;
    let db = sqlport_local::async_connector(LocalConnector::open_memory().unwrap());
    let mut c = db.connect().await.unwrap();
    c.execute(&Statement::new("CREATE TABLE t (x)"))
        .await
        .unwrap();
    let q = Statement::new("SELECT count(*) FROM t");
    for _ in 0..2 {
        assert_eq!(
            c.execute(&q).await.unwrap().rows[0].get::<i64>(0).unwrap(),
            0
        );
    }
    c.execute(&Statement::new("BEGIN")).await.unwrap();
    c.execute(&Statement::new("INSERT INTO t VALUES (1)"))
        .await
        .unwrap();
    assert_eq!(
        c.execute(&q).await.unwrap().rows[0].get::<i64>(0).unwrap(),
        1
    );
    c.enqueue(Statement::new("ROLLBACK"));
    assert_eq!(
        c.execute(&q).await.unwrap().rows[0].get::<i64>(0).unwrap(),
        0
    );
    assert!(c.is_autocommit());
}
