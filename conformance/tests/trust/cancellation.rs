//! Async cancellation: a future of the async API (begin, savepoint, a
//! statement, a streamed query or an atomic batch inside a transaction,
//! commit, rollback, an autocommit write) dropped at any await point leaves
//! the connection defined, on the local transport (worker thread)
//! and over HTTP (reqwest). For each scenario the future is polled `n` times
//! (each poll after a wake-up, so each is one await point), then dropped,
//! for `n = 0, 1, 2, ...` until it completes within its budget.
//!
//! Defined means: no transaction that nobody guards (the next autocommit
//! write is at once visible to another connection), nothing of a
//! transaction committed unless the caller saw every statement of it
//! succeed, nothing applied twice, the connection usable again.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use sqlport::{Connection, Database, TransactionBehavior};

use super::*;

/// Most cancellation points tried per scenario (a bound; each scenario
/// completes well within it).
const MAX_POLLS: usize = 200;

/// Polls the inner future at most `left` times, then gives up (and drops it).
struct Budget<F: Future> {
    fut: Pin<Box<F>>,
    left: usize,
}

impl<F: Future> Future for Budget<F> {
    type Output = Option<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<F::Output>> {
        let this = self.get_mut();
        if this.left == 0 {
            return Poll::Ready(None);
        }
        this.left -= 1;
        this.fut.as_mut().poll(cx).map(Some)
    }
}

/// `Some(output)` if `fut` completes within `polls` polls; `None` if it was
/// dropped unfinished.
async fn within<F: Future>(polls: usize, fut: F) -> Option<F::Output> {
    Budget {
        fut: Box::pin(fut),
        left: polls,
    }
    .await
}

/// Where the scenarios run.
struct Env {
    db: Database,
    /// Set for the HTTP transport: its lost streams are expired by [`quiesce`].
    server: Option<TestServer>,
    _dir: Option<tempfile::TempDir>,
}

impl Env {
    fn local() -> Env {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cancel.db");
        let db = Database::open(path.to_str().unwrap()).unwrap();
        Env {
            db,
            server: None,
            _dir: Some(dir),
        }
    }

    fn http() -> Env {
        let server = server();
        let db = Database::open_with(&server.url(), remote_options(GUARD)).unwrap();
        Env {
            db,
            server: Some(server),
            _dir: None,
        }
    }

    /// Let the server expire what a cancelled request left behind.
    fn settle(&self) {
        if let Some(s) = &self.server {
            quiesce(s);
        }
    }
}

/// The values in `t`, sorted, read on a fresh connection.
async fn rows(db: &Database) -> Vec<String> {
    let mut peer = db.connect().await.unwrap();
    let rs = peer.query("SELECT v FROM t ORDER BY v", ()).await.unwrap();
    rs.rows
        .iter()
        .map(|r| r.get::<String>(0).unwrap())
        .collect()
}

/// The connection is in autocommit mode, and a write through it is at once
/// visible to another connection (so no transaction nobody guards holds it).
async fn check_defined(env: &Env, conn: &mut Connection, what: &str) {
    conn.query_scalar::<i64>("SELECT 1", ())
        .await
        .unwrap_or_else(|e| panic!("{what}: not usable: {e:?}"));
    assert!(conn.is_autocommit(), "{what}: left inside a transaction");
    conn.execute("INSERT INTO t (v) VALUES ('probe')", ())
        .await
        .unwrap_or_else(|e| panic!("{what}: write failed: {e:?}"));
    let seen = rows(&env.db).await;
    assert!(
        seen.contains(&"probe".to_owned()),
        "{what}: a write went into an unguarded transaction: {seen:?}"
    );
    conn.execute("DELETE FROM t", ()).await.unwrap();
    env.settle();
}

async fn fresh(env: &Env) -> Connection {
    let mut conn = env.db.connect().await.unwrap();
    conn.execute("CREATE TABLE IF NOT EXISTS t (v TEXT NOT NULL)", ())
        .await
        .unwrap();
    conn.execute("DELETE FROM t", ()).await.unwrap();
    conn
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

/// `conn.transaction_with(Immediate)` cancelled; then autocommit writes.
async fn cancel_begin(env: &Env) -> usize {
    let mut conn = fresh(env).await;
    for n in 0..MAX_POLLS {
        let what = format!("begin, cancelled after {n} polls");
        let completed = match within(n, conn.transaction_with(TransactionBehavior::Immediate)).await
        {
            Some(tx) => {
                let mut tx = tx.unwrap();
                tx.execute("INSERT INTO t (v) VALUES ('a')", ())
                    .await
                    .unwrap();
                tx.commit().await.unwrap();
                true
            }
            None => false,
        };
        if completed {
            assert_eq!(rows(&env.db).await, strings(&["a"]), "{what}");
            return n;
        }
        env.settle();
        check_defined(env, &mut conn, &what).await;
    }
    panic!("begin never completed");
}

/// `conn.savepoint()` (outermost) cancelled; then autocommit writes.
async fn cancel_savepoint(env: &Env) -> usize {
    let mut conn = fresh(env).await;
    for n in 0..MAX_POLLS {
        let what = format!("savepoint, cancelled after {n} polls");
        let completed = match within(n, conn.savepoint()).await {
            Some(sp) => {
                let mut sp = sp.unwrap();
                sp.execute("INSERT INTO t (v) VALUES ('a')", ())
                    .await
                    .unwrap();
                sp.release().await.unwrap();
                true
            }
            None => false,
        };
        if completed {
            assert_eq!(rows(&env.db).await, strings(&["a"]), "{what}");
            return n;
        }
        env.settle();
        check_defined(env, &mut conn, &what).await;
    }
    panic!("savepoint never completed");
}

/// A statement (or a streamed query) inside a transaction cancelled; the
/// caller goes on with the guard and commits.
async fn cancel_statement_in_transaction(env: &Env, query: bool) -> usize {
    let mut conn = fresh(env).await;
    for n in 0..MAX_POLLS {
        let what = format!("statement in a transaction (query={query}), cancelled after {n} polls");
        let mut tx = conn.transaction().await.unwrap();
        tx.execute("INSERT INTO t (v) VALUES ('a')", ())
            .await
            .unwrap();
        let done = if query {
            within(
                n,
                tx.query_each("INSERT INTO t (v) VALUES ('b') RETURNING v", (), |_| Ok(())),
            )
            .await
            .map(|r| r.map(drop))
        } else {
            within(n, tx.execute("INSERT INTO t (v) VALUES ('b')", ()))
                .await
                .map(|r| r.map(drop))
        };
        let c = tx.execute("INSERT INTO t (v) VALUES ('c')", ()).await;
        let commit = tx.commit().await;
        env.settle();
        let seen = rows(&env.db).await;
        match (&done, &commit) {
            (Some(b), _) => {
                b.as_ref().unwrap();
                c.unwrap();
                commit.unwrap();
                assert_eq!(seen, strings(&["a", "b", "c"]), "{what}");
                conn.execute("DELETE FROM t", ()).await.unwrap();
                return n;
            }
            // Never sent (dropped before its first poll): nothing lost.
            (None, Ok(())) => assert_eq!(seen, strings(&["a", "c"]), "{what}"),
            (None, Err(e)) => {
                assert_eq!(e.kind(), ErrorKind::TransactionLost, "{what}: {e:?}");
                let c = c.expect_err("a statement ran after the loss");
                assert_eq!(c.kind(), ErrorKind::TransactionLost, "{what}");
                assert!(
                    seen.is_empty(),
                    "{what}: half a transaction committed: {seen:?}"
                );
            }
        }
        check_defined(env, &mut conn, &what).await;
    }
    panic!("the statement never completed");
}

/// An atomic batch inside a transaction cancelled; the caller goes on with
/// the guard and commits: the batch is all or nothing, and a transaction it
/// may have run in is lost (nothing of it committed).
async fn cancel_batch_in_transaction(env: &Env) -> usize {
    let mut conn = fresh(env).await;
    let batch = sqlport::Batch::atomic([
        sqlport::Statement::new("INSERT INTO t (v) VALUES ('b1')"),
        sqlport::Statement::new("INSERT INTO t (v) VALUES ('b2')"),
    ]);
    for n in 0..MAX_POLLS {
        let what = format!("batch in a transaction, cancelled after {n} polls");
        let mut tx = conn.transaction().await.unwrap();
        tx.execute("INSERT INTO t (v) VALUES ('a')", ())
            .await
            .unwrap();
        let done = within(n, tx.batch(&batch)).await;
        let c = tx.execute("INSERT INTO t (v) VALUES ('c')", ()).await;
        let commit = tx.commit().await;
        env.settle();
        let seen = rows(&env.db).await;
        match (&done, &commit) {
            (Some(b), _) => {
                let b = b.as_ref().unwrap();
                assert!(b.steps.iter().all(|s| s.ok().is_some()), "{what}");
                c.unwrap();
                commit.unwrap();
                assert_eq!(seen, strings(&["a", "b1", "b2", "c"]), "{what}");
                conn.execute("DELETE FROM t", ()).await.unwrap();
                return n;
            }
            // Never sent (dropped before its first poll): nothing lost.
            (None, Ok(())) => assert_eq!(seen, strings(&["a", "c"]), "{what}"),
            (None, Err(e)) => {
                assert_eq!(e.kind(), ErrorKind::TransactionLost, "{what}: {e:?}");
                let c = c.expect_err("a statement ran after the loss");
                assert_eq!(c.kind(), ErrorKind::TransactionLost, "{what}");
                assert!(
                    seen.is_empty(),
                    "{what}: half a transaction committed: {seen:?}"
                );
            }
        }
        check_defined(env, &mut conn, &what).await;
    }
    panic!("the batch never completed");
}

/// `tx.rollback()` cancelled: nothing committed, nothing left open.
async fn cancel_rollback(env: &Env) -> usize {
    let mut conn = fresh(env).await;
    for n in 0..MAX_POLLS {
        let what = format!("rollback, cancelled after {n} polls");
        let mut tx = conn.transaction().await.unwrap();
        tx.execute("INSERT INTO t (v) VALUES ('a')", ())
            .await
            .unwrap();
        let done = within(n, tx.rollback()).await;
        env.settle();
        let seen = rows(&env.db).await;
        assert!(
            seen.is_empty(),
            "{what}: a rolled back write stayed: {seen:?}"
        );
        if let Some(r) = done {
            r.unwrap();
            check_defined(env, &mut conn, &what).await;
            return n;
        }
        check_defined(env, &mut conn, &what).await;
    }
    panic!("rollback never completed");
}

/// `db.connect()` cancelled: nothing half-open is left behind, and the next
/// connection is in autocommit mode with nothing of anyone's pending.
async fn cancel_connect(env: &Env) -> usize {
    drop(fresh(env).await);
    for n in 0..MAX_POLLS {
        let what = format!("connect, cancelled after {n} polls");
        let done = within(n, env.db.connect()).await;
        env.settle();
        let completed = done.is_some();
        let mut conn = match done {
            Some(conn) => conn.unwrap(),
            None => env.db.connect().await.unwrap(),
        };
        check_defined(env, &mut conn, &what).await;
        if completed {
            return n;
        }
    }
    panic!("connect never completed");
}

/// The rollback of a savepoint nested in a transaction cancelled; the caller
/// goes on with the outer guard and commits: the inner write never commits,
/// and the outer transaction either holds (its writes commit) or is lost as
/// a whole (nothing of it commits).
async fn cancel_inner_savepoint_rollback(env: &Env) -> usize {
    let mut conn = fresh(env).await;
    for n in 0..MAX_POLLS {
        let what = format!("inner savepoint rollback, cancelled after {n} polls");
        let mut tx = conn.transaction().await.unwrap();
        tx.execute("INSERT INTO t (v) VALUES ('a')", ())
            .await
            .unwrap();
        let done = {
            let mut sp = tx.savepoint().await.unwrap();
            sp.execute("INSERT INTO t (v) VALUES ('inner')", ())
                .await
                .unwrap();
            within(n, sp.rollback()).await
        };
        let c = tx.execute("INSERT INTO t (v) VALUES ('c')", ()).await;
        let commit = tx.commit().await;
        env.settle();
        let seen = rows(&env.db).await;
        match (&done, &commit) {
            (Some(r), _) => {
                r.as_ref().unwrap();
                c.unwrap();
                commit.unwrap();
                assert_eq!(seen, strings(&["a", "c"]), "{what}");
                conn.execute("DELETE FROM t", ()).await.unwrap();
                return n;
            }
            (None, Ok(())) => {
                c.unwrap();
                assert_eq!(seen, strings(&["a", "c"]), "{what}: inner write kept");
            }
            (None, Err(e)) => {
                assert_eq!(e.kind(), ErrorKind::TransactionLost, "{what}: {e:?}");
                let c = c.expect_err("a statement ran after the loss");
                assert_eq!(c.kind(), ErrorKind::TransactionLost, "{what}");
                assert!(
                    seen.is_empty(),
                    "{what}: half a transaction committed: {seen:?}"
                );
            }
        }
        conn.execute("DELETE FROM t", ()).await.unwrap();
        check_defined(env, &mut conn, &what).await;
    }
    panic!("the inner rollback never completed");
}

/// `tx.commit()` cancelled: all or nothing, and nothing left open.
async fn cancel_commit(env: &Env) -> usize {
    let mut conn = fresh(env).await;
    for n in 0..MAX_POLLS {
        let what = format!("commit, cancelled after {n} polls");
        let mut tx = conn.transaction().await.unwrap();
        tx.execute("INSERT INTO t (v) VALUES ('a')", ())
            .await
            .unwrap();
        tx.execute("INSERT INTO t (v) VALUES ('b')", ())
            .await
            .unwrap();
        let done = within(n, tx.commit()).await;
        env.settle();
        let seen = rows(&env.db).await;
        if let Some(r) = done {
            r.unwrap();
            assert_eq!(seen, strings(&["a", "b"]), "{what}");
            conn.execute("DELETE FROM t", ()).await.unwrap();
            return n;
        }
        assert!(
            seen.is_empty() || seen == strings(&["a", "b"]),
            "{what}: not all or nothing: {seen:?}"
        );
        conn.execute("DELETE FROM t", ()).await.unwrap();
        check_defined(env, &mut conn, &what).await;
    }
    panic!("commit never completed");
}

/// An autocommit write cancelled: applied at most once.
async fn cancel_autocommit_write(env: &Env) -> usize {
    let mut conn = fresh(env).await;
    for n in 0..MAX_POLLS {
        let what = format!("autocommit write, cancelled after {n} polls");
        let done = within(n, conn.execute("INSERT INTO t (v) VALUES ('b')", ())).await;
        env.settle();
        let seen = rows(&env.db).await;
        if let Some(r) = done {
            r.unwrap();
            assert_eq!(seen, strings(&["b"]), "{what}");
            return n;
        }
        assert!(seen.len() <= 1, "{what}: applied twice: {seen:?}");
        conn.execute("DELETE FROM t", ()).await.unwrap();
        check_defined(env, &mut conn, &what).await;
    }
    panic!("the write never completed");
}

async fn all_scenarios(env: &Env) {
    let points = [
        ("begin", cancel_begin(env).await),
        ("savepoint", cancel_savepoint(env).await),
        (
            "statement",
            cancel_statement_in_transaction(env, false).await,
        ),
        ("query", cancel_statement_in_transaction(env, true).await),
        ("batch", cancel_batch_in_transaction(env).await),
        ("commit", cancel_commit(env).await),
        ("rollback", cancel_rollback(env).await),
        (
            "inner savepoint rollback",
            cancel_inner_savepoint_rollback(env).await,
        ),
        ("connect", cancel_connect(env).await),
        ("autocommit write", cancel_autocommit_write(env).await),
    ];
    for (name, n) in points {
        println!("{name}: completes after {n} polls; cancelled at each point before");
    }
}

#[test]
fn every_await_point_local() {
    let env = Env::local();
    runtime().block_on(all_scenarios(&env));
}

#[test]
fn every_await_point_http() {
    let env = Env::http();
    runtime().block_on(all_scenarios(&env));
}

/// The repro: a `tokio::time::timeout` around `transaction()`
/// waiting on a busy database fires; the `BEGIN` then succeeds on the
/// worker. The connection must not stay inside that transaction: the next
/// autocommit write is visible to others at once.
#[test]
fn a_timeout_around_begin_on_a_busy_database_leaves_no_transaction() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("busy.db");
    let name = path.to_str().unwrap().to_owned();
    let blocking = sqlport::blocking::Database::open(&name).unwrap();
    let mut holder = blocking.connect().unwrap();
    holder.execute("CREATE TABLE t (v TEXT)", ()).unwrap();
    let rt = runtime();
    rt.block_on(async {
        let db = Database::open_with(&name, OpenOptions::new().busy_timeout(GUARD)).unwrap();
        let mut conn = db.connect().await.unwrap();
        let mut lock = holder
            .transaction_with(TransactionBehavior::Immediate)
            .unwrap();
        // The write lock is held, so BEGIN IMMEDIATE waits: the timeout fires.
        let timed_out = tokio::time::timeout(
            Duration::from_millis(100),
            conn.transaction_with(TransactionBehavior::Immediate),
        )
        .await
        .is_err();
        assert!(
            timed_out,
            "BEGIN IMMEDIATE cannot succeed while the lock is held"
        );
        lock.execute("INSERT INTO t VALUES ('holder')", ()).unwrap();
        lock.commit().unwrap();
        conn.execute("INSERT INTO t VALUES ('auto')", ())
            .await
            .unwrap();
        assert!(conn.is_autocommit());
        let mut peer = blocking.connect().unwrap();
        let n: i64 = peer
            .query_scalar("SELECT count(*) FROM t WHERE v = 'auto'", ())
            .unwrap();
        assert_eq!(
            n, 1,
            "the autocommit write went into an unguarded transaction"
        );
    });
}
