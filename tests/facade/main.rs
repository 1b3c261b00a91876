//! Facade tests: NAME handling, guards (commit, rollback, rollback on drop),
//! savepoints, query helpers and redaction, in both flavours, on the local
//! transport.

use sqlport::{ErrorKind, OpenOptions, TransactionBehavior};

#[cfg(all(
    feature = "local",
    feature = "chrono",
    feature = "time",
    feature = "uuid",
    feature = "json",
    feature = "rust_decimal"
))]
mod types;

#[cfg(all(feature = "local", feature = "functions"))]
mod escape;
#[cfg(feature = "local")]
mod trace;

fn blocking_db() -> sqlport::blocking::Database {
    sqlport::blocking::Database::open(":memory:").unwrap()
}

fn count(conn: &mut sqlport::blocking::Connection) -> i64 {
    conn.query_scalar("SELECT count(*) FROM t", ()).unwrap()
}

#[test]
fn blocking_transaction_guards() {
    let db = blocking_db();
    let mut conn = db.connect().unwrap();
    conn.execute("CREATE TABLE t (x INTEGER)", ()).unwrap();

    let mut tx = conn.transaction().unwrap();
    assert!(!tx.is_autocommit());
    tx.execute("INSERT INTO t VALUES (1)", ()).unwrap();
    tx.commit().unwrap();
    assert!(conn.is_autocommit());
    assert_eq!(count(&mut conn), 1);

    let mut tx = conn
        .transaction_with(TransactionBehavior::Immediate)
        .unwrap();
    tx.execute("INSERT INTO t VALUES (2)", ()).unwrap();
    tx.rollback().unwrap();
    assert_eq!(count(&mut conn), 1);

    {
        let mut tx = conn
            .transaction_with(TransactionBehavior::Exclusive)
            .unwrap();
        tx.execute("INSERT INTO t VALUES (3)", ()).unwrap();
        // dropped unfinished
    }
    assert!(conn.is_autocommit());
    assert_eq!(count(&mut conn), 1);
}

#[test]
fn blocking_nested_savepoints() {
    let db = blocking_db();
    let mut conn = db.connect().unwrap();
    conn.execute("CREATE TABLE t (x INTEGER)", ()).unwrap();
    let mut tx = conn.transaction().unwrap();
    tx.execute("INSERT INTO t VALUES (1)", ()).unwrap();
    {
        let mut sp1 = tx.savepoint().unwrap();
        sp1.execute("INSERT INTO t VALUES (2)", ()).unwrap();
        {
            let mut sp2 = sp1.savepoint().unwrap();
            sp2.execute("INSERT INTO t VALUES (3)", ()).unwrap();
            sp2.rollback().unwrap();
        }
        {
            let mut sp3 = sp1.savepoint().unwrap();
            sp3.execute("INSERT INTO t VALUES (4)", ()).unwrap();
            // dropped: rolled back to sp3
        }
        sp1.release().unwrap();
    }
    tx.commit().unwrap();
    let rs = conn.query("SELECT x FROM t ORDER BY x", ()).unwrap();
    let xs: Vec<i64> = rs.rows.iter().map(|r| r.get(0).unwrap()).collect();
    assert_eq!(xs, vec![1, 2]);
}

#[test]
fn blocking_query_helpers() {
    let db = blocking_db();
    let mut conn = db.connect().unwrap();
    conn.execute("CREATE TABLE t (x INTEGER, s TEXT)", ())
        .unwrap();
    let mut stmt = conn.prepare("INSERT INTO t VALUES (?, ?)").unwrap();
    for i in 0..10 {
        assert_eq!(stmt.execute((i, format!("row {i}"))).unwrap(), 1);
    }
    // A prepared statement borrows the connection until dropped.
    drop(stmt);
    let err = conn
        .query_row("SELECT x FROM t WHERE x > 100", (), |r| r.get::<i64>(0))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NoRows);
    let mut seen = 0;
    let summary = conn
        .query_each("SELECT x, s FROM t ORDER BY x", (), |row| {
            assert_eq!(row.get::<i64>(0)?, seen);
            seen += 1;
            Ok(())
        })
        .unwrap();
    assert_eq!(seen, 10);
    assert_eq!(summary.columns.len(), 2);
    let s: String = conn
        .query_row(
            "SELECT s FROM t WHERE x = :x",
            sqlport::named_params! {":x": 3},
            |r| r.get("s"),
        )
        .unwrap();
    assert_eq!(s, "row 3");
    // A wrong-type read is an error, not a panic.
    let err = conn
        .query_scalar::<i64>("SELECT s FROM t LIMIT 1", ())
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conversion);
}

#[test]
fn memory_database_is_shared_by_its_connections() {
    let db = blocking_db();
    assert!(format!("{db:?}").contains(":memory:"), "{db:?}");
    let mut a = db.connect().unwrap();
    let mut b = db.connect().unwrap();
    a.execute("CREATE TABLE t (x INTEGER)", ()).unwrap();
    a.execute("INSERT INTO t VALUES (1)", ()).unwrap();
    assert_eq!(count(&mut b), 1);
}

#[test]
fn bad_names_are_errors_and_tokens_are_redacted() {
    for name in [
        "",
        "   ",
        "ftp://example.com/db",
        "https://",
        "localhost:8080",
    ] {
        let err = sqlport::blocking::Database::open(name).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidName, "{name:?}");
    }
    let options = OpenOptions::new().auth_token("very-secret-token");
    assert!(!format!("{options:?}").contains("very-secret-token"));
    // Remote handles open lazily, so each opens when its transport is compiled
    // in; otherwise the error must not show the token either. The second name
    // spells the key percent-encoded, which the URL parser decodes to authToken.
    for name in [
        "http://127.0.0.1:9/db?authToken=very-secret-token",
        "http://127.0.0.1:9/db?x=1&authTok%65n=very-secret-token",
    ] {
        let opened = sqlport::blocking::Database::open(name);
        assert_eq!(opened.is_ok(), cfg!(feature = "http-blocking"), "{name:?}");
        let shown = match opened {
            Ok(db) => format!("{db:?}"),
            Err(e) => format!("{e} {e:?}"),
        };
        assert!(!shown.contains("very-secret-token"), "{shown}");
        let opened = sqlport::Database::open(name);
        let remote_async = cfg!(any(feature = "http-blocking", feature = "http-async"));
        assert_eq!(opened.is_ok(), remote_async, "{name:?}");
        let shown = match opened {
            Ok(db) => format!("{db:?}"),
            Err(e) => format!("{e} {e:?}"),
        };
        assert!(!shown.contains("very-secret-token"), "{shown}");
    }
    let err =
        sqlport::blocking::Database::open("http://very-secret-token@127.0.0.1:9/db").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidName);
    assert!(!format!("{err} {err:?}").contains("very-secret-token"));
}

#[cfg(not(feature = "http-blocking"))]
#[test]
fn remote_name_without_http_feature_names_the_feature() {
    let err = sqlport::blocking::Database::open("libsql://my-db-org.turso.io").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
    assert!(err.to_string().contains("http-blocking"));
}

#[cfg(not(any(feature = "http-blocking", feature = "http-async")))]
#[test]
fn async_remote_name_without_http_feature_names_the_feature() {
    let err = sqlport::Database::open("https://my-db-org.turso.io").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
    assert!(err.to_string().contains("http-async"));
}

#[tokio::test(flavor = "current_thread")]
async fn async_guards_and_rollback_on_drop() {
    let db = sqlport::Database::open(":memory:").unwrap();
    let mut conn = db.connect().await.unwrap();
    conn.execute("CREATE TABLE t (x INTEGER)", ())
        .await
        .unwrap();
    {
        let mut tx = conn.transaction().await.unwrap();
        tx.execute("INSERT INTO t VALUES (1)", ()).await.unwrap();
        // dropped unfinished: the rollback is queued and runs first
    }
    let n: i64 = conn
        .query_scalar("SELECT count(*) FROM t", ())
        .await
        .unwrap();
    assert_eq!(n, 0);
    assert!(conn.is_autocommit());

    let mut tx = conn.transaction().await.unwrap();
    tx.execute("INSERT INTO t VALUES (1)", ()).await.unwrap();
    {
        let mut sp = tx.savepoint().await.unwrap();
        sp.execute("INSERT INTO t VALUES (2)", ()).await.unwrap();
    }
    {
        let mut sp = tx.savepoint().await.unwrap();
        sp.execute("INSERT INTO t VALUES (3)", ()).await.unwrap();
        sp.release().await.unwrap();
    }
    tx.commit().await.unwrap();
    let rs = conn.query("SELECT x FROM t ORDER BY x", ()).await.unwrap();
    let xs: Vec<i64> = rs.rows.iter().map(|r| r.get(0).unwrap()).collect();
    assert_eq!(xs, vec![1, 3]);

    let mut total = 0i64;
    conn.query_each("SELECT x FROM t", (), |row| {
        total += row.get::<i64>(0)?;
        Ok(())
    })
    .await
    .unwrap();
    assert_eq!(total, 4);
}

/// A busy timeout SQLite cannot take is an error at open, in both flavours.
#[test]
fn busy_timeout_out_of_range_is_an_error() {
    let options = || OpenOptions::new().busy_timeout(std::time::Duration::MAX);
    let err = sqlport::blocking::Database::open_with(":memory:", options()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conversion);
    let err = sqlport::Database::open_with(":memory:", options()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conversion);
}

/// A bare NAME that looks like a file (`backup.zip`) is a local file, never
/// a host: the token given with it goes nowhere. With `create(false)` the
/// (missing) file cannot be opened, which only a local NAME reports at open.
#[test]
fn a_token_with_a_local_name_goes_nowhere() {
    for name in ["backup.zip", "data.local", "app.db"] {
        let options = || {
            OpenOptions::new()
                .auth_token("very-secret-token")
                .create(false)
        };
        let err = sqlport::blocking::Database::open_with(name, options()).unwrap_err();
        assert_eq!(
            err.sqlite_code(),
            Some(sqlport::codes::SQLITE_CANTOPEN),
            "{name}: {err:?}"
        );
        assert!(!format!("{err} {err:?}").contains("very-secret-token"));
        let err = sqlport::Database::open_with(name, options()).unwrap_err();
        assert_eq!(
            err.sqlite_code(),
            Some(sqlport::codes::SQLITE_CANTOPEN),
            "{name}: {err:?}"
        );
    }
}

/// `INSERT OR ROLLBACK` makes SQLite roll the whole transaction back. The
/// guard must not go on as if it were open: every later statement through
/// it (or the connection) fails with `TransactionLost`, and so does commit;
/// nothing of the transaction is committed; dropping the guard ends it.
#[test]
fn blocking_a_transaction_sqlite_rolled_back_stays_lost() {
    let db = blocking_db();
    let mut conn = db.connect().unwrap();
    conn.execute("CREATE TABLE t (x INTEGER PRIMARY KEY)", ())
        .unwrap();
    conn.execute("INSERT INTO t VALUES (1)", ()).unwrap();
    let mut tx = conn.transaction().unwrap();
    tx.execute("INSERT INTO t VALUES (2)", ()).unwrap();
    let err = tx
        .execute("INSERT OR ROLLBACK INTO t VALUES (1)", ())
        .unwrap_err();
    assert!(err.is_constraint(), "{err:?}");
    assert!(!tx.is_autocommit(), "a lost transaction still needs ending");
    let err = tx.execute("INSERT INTO t VALUES (3)", ()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TransactionLost, "{err:?}");
    let err = tx.query("SELECT 1", ()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TransactionLost, "{err:?}");
    let err = tx.commit().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TransactionLost, "{err:?}");
    assert!(conn.is_autocommit());
    assert_eq!(
        count(&mut conn),
        1,
        "nothing of the lost transaction committed"
    );

    // An outermost savepoint: dropping it ends the lost transaction too.
    {
        let mut sp = conn.savepoint().unwrap();
        sp.execute("INSERT INTO t VALUES (4)", ()).unwrap();
        sp.execute("INSERT OR ROLLBACK INTO t VALUES (1)", ())
            .unwrap_err();
        let err = sp.execute("INSERT INTO t VALUES (5)", ()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::TransactionLost, "{err:?}");
        let err = sp.release().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::TransactionLost, "{err:?}");
    }
    assert!(conn.is_autocommit());
    conn.execute("INSERT INTO t VALUES (6)", ()).unwrap();
    assert_eq!(count(&mut conn), 2);
}

#[tokio::test(flavor = "current_thread")]
async fn async_a_transaction_sqlite_rolled_back_stays_lost() {
    let db = sqlport::Database::open(":memory:").unwrap();
    let mut conn = db.connect().await.unwrap();
    conn.execute("CREATE TABLE t (x INTEGER PRIMARY KEY)", ())
        .await
        .unwrap();
    conn.execute("INSERT INTO t VALUES (1)", ()).await.unwrap();
    let mut tx = conn.transaction().await.unwrap();
    tx.execute("INSERT INTO t VALUES (2)", ()).await.unwrap();
    tx.execute("INSERT OR ROLLBACK INTO t VALUES (1)", ())
        .await
        .unwrap_err();
    let err = tx
        .execute("INSERT INTO t VALUES (3)", ())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TransactionLost, "{err:?}");
    let err = tx.commit().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TransactionLost, "{err:?}");
    let n: i64 = conn
        .query_scalar("SELECT count(*) FROM t", ())
        .await
        .unwrap();
    assert_eq!(n, 1, "nothing of the lost transaction committed");
    assert!(conn.is_autocommit());
    {
        let mut sp = conn.savepoint().await.unwrap();
        sp.execute("INSERT OR ROLLBACK INTO t VALUES (1)", ())
            .await
            .unwrap_err();
        let err = sp
            .execute("INSERT INTO t VALUES (5)", ())
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::TransactionLost, "{err:?}");
    }
    conn.execute("INSERT INTO t VALUES (6)", ()).await.unwrap();
    let n: i64 = conn
        .query_scalar("SELECT count(*) FROM t", ())
        .await
        .unwrap();
    assert_eq!(n, 2);
}
