//! The two client repros against the real sqld, when `SQLPORT_SQLD`
//! names its binary (skipped with a printed line otherwise). Ignored: each
//! waits out sqld's 10 s stream idle expiry, a server timer the test cannot
//! shorten. Run with `--ignored`.

use sqlport_conformance::suite::sqld::{SQLD_ENV, Sqld};

use super::*;

/// The real sqld (the suite's [`Sqld`]: own database, free loopback port,
/// bounded wait for `/health`, killed on drop), or `None` with a skip line.
fn sqld() -> Option<Sqld> {
    let Some(sqld) = Sqld::from_env() else {
        println!("{SQLD_ENV} is not set: skipping the real-sqld checks");
        return None;
    };
    Some(sqld.expect("sqld starts"))
}

/// sqld's idle expiry is 10 to 11 s.
fn outwait_expiry() {
    std::thread::sleep(Duration::from_secs(12));
}

#[test]
#[ignore = "needs SQLPORT_SQLD; waits out sqld's 10 s idle expiry"]
fn real_sqld_lost_transaction_and_pragma_replay() {
    let Some(s) = sqld() else { return };
    let db = sqlport::blocking::Database::open_with(s.url(), remote_options(GUARD)).unwrap();
    let mut conn = db.connect().unwrap();
    let mut other = db.connect().unwrap();
    conn.execute("CREATE TABLE t (x INTEGER)", ()).unwrap();

    // 1. A transaction whose stream expired stays lost.
    let mut tx = conn.transaction().unwrap();
    tx.execute("INSERT INTO t VALUES (1)", ()).unwrap();
    outwait_expiry();
    let err = tx.execute("INSERT INTO t VALUES (2)", ()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::StreamExpired, "{err:?}");
    let err = tx.execute("INSERT INTO t VALUES (3)", ()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TransactionLost, "{err:?}");
    assert_eq!(tx.commit().unwrap_err().kind(), ErrorKind::TransactionLost);
    let n: i64 = other.query_scalar("SELECT count(*) FROM t", ()).unwrap();
    assert_eq!(n, 0, "half of a failed transaction committed");

    // 2. The PRAGMA repro: A's rolled-back user_version never overwrites B's.
    conn.execute("PRAGMA foreign_keys = OFF", ()).unwrap();
    conn.execute("BEGIN", ()).unwrap();
    conn.execute("PRAGMA user_version = 42", ()).unwrap();
    conn.execute("ROLLBACK", ()).unwrap();
    other.execute("PRAGMA user_version = 7", ()).unwrap();
    outwait_expiry();
    conn.query_scalar::<i64>("SELECT 1", ()).unwrap();
    let mut reader = db.connect().unwrap();
    let v: i64 = reader.query_scalar("PRAGMA user_version", ()).unwrap();
    assert_eq!(v, 7, "A's rolled-back PRAGMA overwrote B's committed value");
    let fk: i64 = conn.query_scalar("PRAGMA foreign_keys", ()).unwrap();
    assert_eq!(fk, 0, "connection state re-applied");
}
