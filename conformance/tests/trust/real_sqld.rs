//! The two client repros against the real sqld, when `SQLPORT_SQLD`
//! names its binary (skipped with a printed line otherwise). Ignored: each
//! waits out sqld's 10 s stream idle expiry, a server timer the test cannot
//! shorten. Run with `--ignored`.

use std::process::{Child, Command, Stdio};

use super::*;

/// A running sqld on 127.0.0.1, stopped (by its PID) when dropped.
struct Sqld {
    child: Child,
    url: String,
    _dir: tempfile::TempDir,
}

impl Drop for Sqld {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn sqld() -> Option<Sqld> {
    let Ok(bin) = std::env::var("SQLPORT_SQLD") else {
        println!("SQLPORT_SQLD is not set: skipping the real-sqld checks");
        return None;
    };
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(bin)
        .args(["--no-welcome", "--db-path"])
        .arg(dir.path().join("d.sqld"))
        .args(["--http-listen-addr", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}");
    let server = Sqld {
        child,
        url,
        _dir: dir,
    };
    // Wait (bounded) for /health.
    let deadline = Instant::now() + GUARD;
    loop {
        let up = std::net::TcpStream::connect(("127.0.0.1", port)).is_ok();
        if up {
            return Some(server);
        }
        assert!(Instant::now() < deadline, "sqld did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// sqld's idle expiry is 10 to 11 s.
fn outwait_expiry() {
    std::thread::sleep(Duration::from_secs(12));
}

#[test]
#[ignore = "needs SQLPORT_SQLD; waits out sqld's 10 s idle expiry"]
fn real_sqld_lost_transaction_and_pragma_replay() {
    let Some(s) = sqld() else { return };
    let db = sqlport::blocking::Database::open_with(&s.url, remote_options(GUARD)).unwrap();
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
