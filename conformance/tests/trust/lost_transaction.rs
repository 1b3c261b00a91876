//! A lost transaction stays lost, through the facade's guards, over HTTP,
//! blocking and async: after the server dropped the stream inside a
//! transaction, nothing runs through the guard or the connection (no
//! autocommit of the rest), commit fails, nothing is committed, and the
//! guard's end (rollback or drop) makes the connection usable again.

use super::proxy::{Fault, FaultProxy};
use super::*;

fn count(conn: &mut sqlport::blocking::Connection) -> i64 {
    conn.query_scalar("SELECT count(*) FROM t", ()).unwrap()
}

#[test]
fn blocking_guard_after_stream_expiry() {
    let s = server();
    let db = sqlport::blocking::Database::open_with(&s.url(), remote_options(GUARD)).unwrap();
    let mut conn = db.connect().unwrap();
    let mut other = db.connect().unwrap();
    conn.execute("CREATE TABLE t (x INTEGER)", ()).unwrap();

    let mut tx = conn.transaction().unwrap();
    tx.execute("INSERT INTO t VALUES (1)", ()).unwrap();
    s.expire_idle_streams();
    let err = tx.execute("INSERT INTO t VALUES (2)", ()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::StreamExpired, "{err:?}");
    let err = tx.execute("INSERT INTO t VALUES (3)", ()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TransactionLost, "{err:?}");
    let err = tx.commit().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TransactionLost, "{err:?}");
    assert_eq!(
        count(&mut other),
        0,
        "half of a failed transaction committed"
    );
    assert!(conn.is_autocommit());
    conn.execute("INSERT INTO t VALUES (4)", ()).unwrap();
    assert_eq!(count(&mut other), 1);

    // A savepoint inside the transaction: the loss reaches through it, and
    // the transaction guard still ends it.
    let mut tx = conn.transaction().unwrap();
    tx.execute("INSERT INTO t VALUES (5)", ()).unwrap();
    {
        let mut sp = tx.savepoint().unwrap();
        sp.execute("INSERT INTO t VALUES (6)", ()).unwrap();
        s.expire_idle_streams();
        sp.execute("INSERT INTO t VALUES (7)", ()).unwrap_err();
        let err = sp.execute("INSERT INTO t VALUES (8)", ()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::TransactionLost, "{err:?}");
        let err = sp.release().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::TransactionLost, "{err:?}");
    }
    let err = tx.execute("INSERT INTO t VALUES (9)", ()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TransactionLost, "{err:?}");
    drop(tx);
    assert_eq!(count(&mut other), 1);
    assert_eq!(count(&mut conn), 1, "usable again after the guard ended");

    // An outermost savepoint is ended by its own guard.
    {
        let mut sp = conn.savepoint().unwrap();
        sp.execute("INSERT INTO t VALUES (10)", ()).unwrap();
        s.expire_idle_streams();
        sp.execute("INSERT INTO t VALUES (11)", ()).unwrap_err();
        let err = sp.execute("INSERT INTO t VALUES (12)", ()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::TransactionLost, "{err:?}");
    }
    assert!(conn.is_autocommit());
    assert_eq!(count(&mut conn), 1);
}

#[test]
fn async_guard_after_stream_expiry() {
    let s = server();
    let rt = runtime();
    rt.block_on(async {
        let db = sqlport::Database::open_with(&s.url(), remote_options(GUARD)).unwrap();
        let mut conn = db.connect().await.unwrap();
        let mut other = db.connect().await.unwrap();
        conn.execute("CREATE TABLE t (x INTEGER)", ())
            .await
            .unwrap();

        let mut tx = conn.transaction().await.unwrap();
        tx.execute("INSERT INTO t VALUES (1)", ()).await.unwrap();
        s.expire_idle_streams();
        let err = tx
            .execute("INSERT INTO t VALUES (2)", ())
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::StreamExpired, "{err:?}");
        let err = tx
            .execute("INSERT INTO t VALUES (3)", ())
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::TransactionLost, "{err:?}");
        let err = tx.commit().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::TransactionLost, "{err:?}");
        let n: i64 = other
            .query_scalar("SELECT count(*) FROM t", ())
            .await
            .unwrap();
        assert_eq!(n, 0, "half of a failed transaction committed");

        {
            let mut sp = conn.savepoint().await.unwrap();
            sp.execute("INSERT INTO t VALUES (10)", ()).await.unwrap();
            s.expire_idle_streams();
            sp.execute("INSERT INTO t VALUES (11)", ())
                .await
                .unwrap_err();
            let err = sp
                .execute("INSERT INTO t VALUES (12)", ())
                .await
                .unwrap_err();
            assert_eq!(err.kind(), ErrorKind::TransactionLost, "{err:?}");
        }
        conn.execute("INSERT INTO t VALUES (4)", ()).await.unwrap();
        let n: i64 = other
            .query_scalar("SELECT count(*) FROM t", ())
            .await
            .unwrap();
        assert_eq!(n, 1);
    });
}

/// The faults a server (or the network) can do to a cursor: a 500 instead
/// of the body, and a body cut in the middle (reset).
const CURSOR_FAULTS: [Fault; 2] = [Fault::Status(500), Fault::ResetMidBody];

fn seeded(direct: &mut sqlport::blocking::Connection, table: &str) {
    direct
        .execute(
            &format!(
                "CREATE TABLE {table} AS WITH RECURSIVE c(n) AS \
                 (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 2000) SELECT n AS x FROM c"
            ),
            (),
        )
        .unwrap();
}

fn count_in(direct: &mut sqlport::blocking::Connection, table: &str) -> i64 {
    direct
        .query_scalar(&format!("SELECT count(*) FROM {table}"), ())
        .unwrap()
}

#[test]
fn blocking_a_cursor_failed_by_the_server_inside_a_transaction_loses_it() {
    let s = server();
    let proxy = FaultProxy::start(s.addr());
    let mut direct = sqlport::blocking::Database::open(&s.url())
        .unwrap()
        .connect()
        .unwrap();
    let db = sqlport::blocking::Database::open_with(&proxy.url(), remote_options(GUARD)).unwrap();
    let mut conn = db.connect().unwrap();
    for (i, fault) in CURSOR_FAULTS.into_iter().enumerate() {
        let table = format!("c{i}");
        seeded(&mut direct, &table);
        let mut tx = conn.transaction().unwrap();
        tx.execute(&format!("INSERT INTO {table} VALUES (0)"), ())
            .unwrap();
        proxy.arm(fault);
        let err = tx
            .query_each(&format!("SELECT x FROM {table}"), (), |_| Ok(()))
            .unwrap_err();
        proxy.disarm();
        assert!(is_fault_kind(err.kind()), "{fault:?}: {err:?}");
        let err = tx
            .execute(&format!("INSERT INTO {table} VALUES (-1)"), ())
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::TransactionLost, "{fault:?}: {err:?}");
        let err = tx
            .query_each(&format!("SELECT x FROM {table}"), (), |_| Ok(()))
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::TransactionLost, "{fault:?}: {err:?}");
        let err = tx.commit().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::TransactionLost, "{fault:?}: {err:?}");
        quiesce(&s);
        assert_eq!(count_in(&mut direct, &table), 2000, "{fault:?}: committed");
        assert!(conn.is_autocommit());
        conn.execute(&format!("INSERT INTO {table} VALUES (0)"), ())
            .unwrap();
    }
}

#[test]
fn async_a_cursor_failed_by_the_server_inside_a_transaction_loses_it() {
    let s = server();
    let proxy = FaultProxy::start(s.addr());
    let mut direct = sqlport::blocking::Database::open(&s.url())
        .unwrap()
        .connect()
        .unwrap();
    let rt = runtime();
    let db = sqlport::Database::open_with(&proxy.url(), remote_options(GUARD)).unwrap();
    let mut conn = rt.block_on(db.connect()).unwrap();
    for (i, fault) in CURSOR_FAULTS.into_iter().enumerate() {
        let table = format!("c{i}");
        seeded(&mut direct, &table);
        rt.block_on(async {
            let mut tx = conn.transaction().await.unwrap();
            tx.execute(&format!("INSERT INTO {table} VALUES (0)"), ())
                .await
                .unwrap();
            proxy.arm(fault);
            let err = tx
                .query_each(&format!("SELECT x FROM {table}"), (), |_| Ok(()))
                .await
                .unwrap_err();
            proxy.disarm();
            assert!(is_fault_kind(err.kind()), "{fault:?}: {err:?}");
            let err = tx
                .execute(&format!("INSERT INTO {table} VALUES (-1)"), ())
                .await
                .unwrap_err();
            assert_eq!(err.kind(), ErrorKind::TransactionLost, "{fault:?}: {err:?}");
            let err = tx
                .query_each(&format!("SELECT x FROM {table}"), (), |_| Ok(()))
                .await
                .unwrap_err();
            assert_eq!(err.kind(), ErrorKind::TransactionLost, "{fault:?}: {err:?}");
            let err = tx.commit().await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::TransactionLost, "{fault:?}: {err:?}");
        });
        quiesce(&s);
        assert_eq!(count_in(&mut direct, &table), 2000, "{fault:?}: committed");
        rt.block_on(conn.execute(&format!("INSERT INTO {table} VALUES (0)"), ()))
            .unwrap();
    }
    let _g = rt.enter();
    drop(conn);
}

/// The versions a server-side rollback must be noticed on: v3 asks
/// `get_autocommit`, v2 sends its transaction probe in the same request.
const VERSIONS: [HranaVersion; 2] = [HranaVersion::V2, HranaVersion::V3];

fn options(version: HranaVersion) -> OpenOptions {
    remote_options(GUARD).protocol(version)
}

#[test]
fn blocking_a_transaction_sqlite_rolled_back_is_lost_on_v2_and_v3() {
    let s = server();
    let mut direct = sqlport::blocking::Database::open(&s.url())
        .unwrap()
        .connect()
        .unwrap();
    for (i, version) in VERSIONS.into_iter().enumerate() {
        let table = format!("r{i}");
        direct
            .execute(&format!("CREATE TABLE {table} (x INTEGER PRIMARY KEY)"), ())
            .unwrap();
        direct
            .execute(&format!("INSERT INTO {table} VALUES (1)"), ())
            .unwrap();
        let db = sqlport::blocking::Database::open_with(&s.url(), options(version)).unwrap();
        let mut conn = db.connect().unwrap();
        let mut tx = conn.transaction().unwrap();
        tx.execute(&format!("INSERT INTO {table} VALUES (2)"), ())
            .unwrap();
        // The conflict makes SQLite roll the whole transaction back.
        let err = tx
            .execute(&format!("INSERT OR ROLLBACK INTO {table} VALUES (1)"), ())
            .unwrap_err();
        assert!(err.is_constraint(), "{version:?}: {err:?}");
        let err = tx
            .execute(&format!("INSERT INTO {table} VALUES (3)"), ())
            .unwrap_err();
        assert_eq!(
            err.kind(),
            ErrorKind::TransactionLost,
            "{version:?}: {err:?}"
        );
        let err = tx.commit().unwrap_err();
        assert_eq!(
            err.kind(),
            ErrorKind::TransactionLost,
            "{version:?}: {err:?}"
        );
        let n: i64 = direct
            .query_scalar(&format!("SELECT count(*) FROM {table}"), ())
            .unwrap();
        assert_eq!(
            n, 1,
            "{version:?}: a statement after the rollback autocommitted"
        );
        assert!(conn.is_autocommit());
        conn.execute(&format!("INSERT INTO {table} VALUES (4)"), ())
            .unwrap();
    }
}

#[test]
fn async_a_transaction_sqlite_rolled_back_is_lost_on_v2_and_v3() {
    let s = server();
    let rt = runtime();
    rt.block_on(async {
        let direct_db = sqlport::Database::open(&s.url()).unwrap();
        let mut direct = direct_db.connect().await.unwrap();
        for (i, version) in VERSIONS.into_iter().enumerate() {
            let table = format!("r{i}");
            direct
                .execute(&format!("CREATE TABLE {table} (x INTEGER PRIMARY KEY)"), ())
                .await
                .unwrap();
            direct
                .execute(&format!("INSERT INTO {table} VALUES (1)"), ())
                .await
                .unwrap();
            let db = sqlport::Database::open_with(&s.url(), options(version)).unwrap();
            let mut conn = db.connect().await.unwrap();
            let mut tx = conn.transaction().await.unwrap();
            tx.execute(&format!("INSERT INTO {table} VALUES (2)"), ())
                .await
                .unwrap();
            let err = tx
                .execute(&format!("INSERT OR ROLLBACK INTO {table} VALUES (1)"), ())
                .await
                .unwrap_err();
            assert!(err.is_constraint(), "{version:?}: {err:?}");
            let err = tx
                .execute(&format!("INSERT INTO {table} VALUES (3)"), ())
                .await
                .unwrap_err();
            assert_eq!(
                err.kind(),
                ErrorKind::TransactionLost,
                "{version:?}: {err:?}"
            );
            let err = tx.commit().await.unwrap_err();
            assert_eq!(
                err.kind(),
                ErrorKind::TransactionLost,
                "{version:?}: {err:?}"
            );
            let n: i64 = direct
                .query_scalar(&format!("SELECT count(*) FROM {table}"), ())
                .await
                .unwrap();
            assert_eq!(
                n, 1,
                "{version:?}: a statement after the rollback autocommitted"
            );
            assert!(conn.is_autocommit());
            conn.execute(&format!("INSERT INTO {table} VALUES (4)"), ())
                .await
                .unwrap();
        }
    });
}
