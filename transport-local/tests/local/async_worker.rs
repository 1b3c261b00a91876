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

/// Dropping an async connection ends its worker, which rolls back and
/// releases the write lock; a waiting writer then gets through.
#[tokio::test]
async fn dropping_an_async_connection_rolls_back() {
    use sqlport_core::AsyncConnector;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("drop.db");
    let cfg = LocalConfig {
        busy_timeout: Duration::from_secs(10),
        ..LocalConfig::default()
    };
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
