//! The connection pool, both flavours, local and HTTP: the size bound under
//! concurrency, the acquire timeout's error kind, a connection returned with
//! a transaction open comes back clean, a broken connection is discarded,
//! stale idle connections are replaced, and a pooled connection is reused
//! whole (its connection state, worker thread and statement cache).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use sqlport::{ErrorKind, HealthCheck, PoolOptions};

use super::*;

fn options(max: usize) -> PoolOptions {
    PoolOptions::new()
        .max_size(max)
        .acquire_timeout(Duration::from_millis(300))
        .health_check(HealthCheck::Never)
}

/// Raise `max` to `now` if higher.
fn record(max: &AtomicUsize, now: usize) {
    max.fetch_max(now, Ordering::SeqCst);
}

#[test]
fn blocking_pool_bounds_times_out_and_reuses() {
    for t in Target::all() {
        let what = format!("{:?}", t.kind);
        let pool = sqlport::blocking::Pool::new(t.blocking(), options(2));
        let a = pool.get().unwrap();
        let b = pool.get().unwrap();
        let err = pool.get().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::PoolTimeout, "{what}: {err}");
        let s = pool.status();
        assert_eq!(
            (s.open, s.in_use, s.idle, s.timed_out),
            (2, 2, 0, 1),
            "{what}"
        );
        drop(a);
        let c = pool.get().unwrap();
        assert_eq!(
            pool.status().created,
            2,
            "{what}: the returned connection was reused"
        );
        drop(c);
        drop(b);
        // Reused whole: connection state (a PRAGMA, persisting remotely too)
        // and, locally, a TEMP table live on their connection only.
        let pool = sqlport::blocking::Pool::new(t.blocking(), options(1));
        let mut fresh = t.blocking().connect().unwrap();
        let default: i64 = fresh.query_scalar("PRAGMA foreign_keys", ()).unwrap();
        let mut c = pool.get().unwrap();
        c.execute(&format!("PRAGMA foreign_keys = {}", 1 - default), ())
            .unwrap();
        if t.kind == Kind::Local {
            c.execute("CREATE TEMP TABLE mine (x)", ()).unwrap();
        }
        drop(c);
        let mut c = pool.get().unwrap();
        assert_eq!(
            c.query_scalar::<i64>("PRAGMA foreign_keys", ()).unwrap(),
            1 - default,
            "{what}"
        );
        if t.kind == Kind::Local {
            assert_eq!(
                c.query_scalar::<i64>("SELECT count(*) FROM temp.mine", ())
                    .unwrap(),
                0
            );
        }
        assert_eq!(pool.status().created, 1, "{what}");
    }
}

#[test]
fn blocking_pool_respects_its_bound_under_concurrency() {
    for t in Target::all() {
        let what = format!("{:?}", t.kind);
        let pool = sqlport::blocking::Pool::new(t.blocking(), options(3).acquire_timeout(GUARD));
        let active = Arc::new(AtomicUsize::new(0));
        let max = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let (pool, active, max) = (pool.clone(), active.clone(), max.clone());
                std::thread::spawn(move || {
                    for _ in 0..10 {
                        let mut c = pool.get().unwrap();
                        record(&max, active.fetch_add(1, Ordering::SeqCst) + 1);
                        assert_eq!(c.query_scalar::<i64>("SELECT 1", ()).unwrap(), 1);
                        active.fetch_sub(1, Ordering::SeqCst);
                    }
                })
            })
            .collect();
        for th in threads {
            th.join().unwrap();
        }
        let s = pool.status();
        assert!(max.load(Ordering::SeqCst) <= 3, "{what}: {max:?}");
        assert!(s.created <= 3 && s.open <= 3, "{what}: {s:?}");
        assert_eq!((s.acquired, s.in_use), (80, 0), "{what}: {s:?}");
    }
}

#[test]
fn blocking_pool_returns_clean_connections_and_discards_broken_ones() {
    for t in Target::all() {
        let what = format!("{:?}", t.kind);
        let pool = sqlport::blocking::Pool::new(
            t.blocking(),
            options(1).health_check(HealthCheck::Always),
        );
        {
            let mut c = pool.get().unwrap();
            c.execute_batch("DROP TABLE IF EXISTS pt; CREATE TABLE pt (x)")
                .unwrap();
            // A transaction left open without a guard.
            c.execute_batch("BEGIN; INSERT INTO pt VALUES (1);")
                .unwrap();
            assert!(!c.is_autocommit());
        }
        {
            let mut c = pool.get().unwrap();
            assert!(c.is_autocommit(), "{what}: returned rolled back");
            assert_eq!(
                c.query_scalar::<i64>("SELECT count(*) FROM pt", ())
                    .unwrap(),
                0,
                "{what}"
            );
            assert_eq!(pool.status().created, 1, "{what}");
            // Break it: the health check finds out on the next get.
            c.transport().close().unwrap();
        }
        let mut c = pool.get().unwrap();
        assert_eq!(
            c.query_scalar::<i64>("SELECT count(*) FROM pt", ())
                .unwrap(),
            0,
            "{what}"
        );
        let s = pool.status();
        assert_eq!((s.created, s.discarded), (2, 1), "{what}: {s:?}");
        drop(c);
        // Stale idle connections are closed, not handed out.
        let pool = sqlport::blocking::Pool::new(
            t.blocking(),
            options(1).idle_timeout(Some(Duration::ZERO)),
        );
        drop(pool.get().unwrap());
        drop(pool.get().unwrap());
        let s = pool.status();
        assert_eq!((s.created, s.discarded), (2, 1), "{what}: {s:?}");
    }
}

#[test]
fn async_pool_bounds_times_out_cleans_and_discards() {
    let rt = runtime();
    for t in Target::all() {
        let what = format!("{:?}", t.kind);
        let db = t.nonblocking();
        rt.block_on(async {
            let pool = sqlport::Pool::new(db.clone(), options(2));
            let a = pool.get().await.unwrap();
            let _b = pool.get().await.unwrap();
            let err = pool.get().await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::PoolTimeout, "{what}: {err}");
            assert_eq!(pool.status().timed_out, 1);
            drop(a);
            let _c = pool.get().await.unwrap();
            assert_eq!(pool.status().created, 2, "{what}");

            // Returned with a transaction open: rolled back before reuse.
            let pool = sqlport::Pool::new(
                db.clone(),
                options(1)
                    .acquire_timeout(GUARD)
                    .health_check(HealthCheck::Always),
            );
            let mut c = pool.get().await.unwrap();
            c.execute_batch("DROP TABLE IF EXISTS pt; CREATE TABLE pt (x)")
                .await
                .unwrap();
            c.execute_batch("BEGIN; INSERT INTO pt VALUES (1);")
                .await
                .unwrap();
            drop(c);
            let mut c = pool.get().await.unwrap();
            assert!(c.is_autocommit(), "{what}");
            assert_eq!(
                c.query_scalar::<i64>("SELECT count(*) FROM pt", ())
                    .await
                    .unwrap(),
                0,
                "{what}"
            );
            assert_eq!(pool.status().created, 1, "{what}");
            c.transport().close().await.unwrap();
            drop(c);
            let mut c = pool.get().await.unwrap();
            assert_eq!(c.query_scalar::<i64>("SELECT 1", ()).await.unwrap(), 1);
            let s = pool.status();
            assert_eq!((s.created, s.discarded), (2, 1), "{what}: {s:?}");
        });
    }
}

#[test]
fn async_pool_respects_its_bound_under_concurrency() {
    let rt = runtime();
    for t in Target::all() {
        let what = format!("{:?}", t.kind);
        let pool = sqlport::Pool::new(t.nonblocking(), options(3).acquire_timeout(GUARD));
        let active = Arc::new(AtomicUsize::new(0));
        let max = Arc::new(AtomicUsize::new(0));
        rt.block_on(async {
            let tasks: Vec<_> = (0..8)
                .map(|_| {
                    let (pool, active, max) = (pool.clone(), active.clone(), max.clone());
                    tokio::spawn(async move {
                        for _ in 0..10 {
                            let mut c = pool.get().await.unwrap();
                            record(&max, active.fetch_add(1, Ordering::SeqCst) + 1);
                            assert_eq!(c.query_scalar::<i64>("SELECT 1", ()).await.unwrap(), 1);
                            active.fetch_sub(1, Ordering::SeqCst);
                        }
                    })
                })
                .collect();
            for task in tasks {
                task.await.unwrap();
            }
        });
        let s = pool.status();
        assert!(max.load(Ordering::SeqCst) <= 3, "{what}");
        assert!(s.created <= 3, "{what}: {s:?}");
        assert_eq!((s.acquired, s.in_use), (80, 0), "{what}: {s:?}");
    }
}

/// A local transport whose `ROLLBACK` fails (as over a connection that
/// broke): counts its closes.
struct RollbackFails {
    inner: Box<dyn sqlport::Transport>,
    closed: Arc<AtomicUsize>,
}

impl sqlport::Transport for RollbackFails {
    fn execute(&mut self, stmt: &sqlport::Statement) -> sqlport::Result<sqlport::ResultSet> {
        if stmt.sql.trim().eq_ignore_ascii_case("ROLLBACK") {
            return Err(sqlport::Error::Timeout("ROLLBACK never answered".into()));
        }
        self.inner.execute(stmt)
    }

    fn batch(&mut self, batch: &sqlport::Batch) -> sqlport::Result<sqlport::BatchResult> {
        self.inner.batch(batch)
    }

    fn is_autocommit(&self) -> bool {
        self.inner.is_autocommit()
    }

    fn capabilities(&self) -> sqlport::Capabilities {
        self.inner.capabilities()
    }

    fn close(&mut self) -> sqlport::Result<()> {
        self.closed.fetch_add(1, Ordering::SeqCst);
        self.inner.close()
    }
}

/// Connections to one local file whose `ROLLBACK` fails.
fn rollback_fails(
    dir: &tempfile::TempDir,
    closed: &Arc<AtomicUsize>,
) -> impl Fn() -> sqlport::Result<Box<dyn sqlport::Transport>> + Send + Sync + 'static {
    let local = sqlport::local::LocalConnector::open_path(
        dir.path().join("p.db"),
        sqlport::local::LocalConfig::default(),
    )
    .unwrap();
    let closed = closed.clone();
    move || {
        Ok(Box::new(RollbackFails {
            inner: Box::new(local.connect_local()?),
            closed: closed.clone(),
        }) as Box<dyn sqlport::Transport>)
    }
}

#[test]
fn a_connection_whose_rollback_fails_is_closed_not_pooled() {
    let dir = tempfile::tempdir().unwrap();
    let closed = Arc::new(AtomicUsize::new(0));
    let db = sqlport::blocking::Database::from_connector(rollback_fails(&dir, &closed));
    let pool = sqlport::blocking::Pool::new(db, options(1));
    {
        let mut c = pool.get().unwrap();
        c.execute_batch("CREATE TABLE pt (x); BEGIN; INSERT INTO pt VALUES (1);")
            .unwrap();
        assert!(!c.is_autocommit());
    }
    let s = pool.status();
    assert_eq!((s.created, s.discarded, s.idle), (1, 1, 0), "{s:?}");
    assert_eq!(
        closed.load(Ordering::SeqCst),
        1,
        "the discarded connection was closed"
    );
    // The next get opens a fresh connection, with no transaction open; the
    // closed one's transaction was rolled back by closing it.
    let mut c = pool.get().unwrap();
    assert!(c.is_autocommit());
    assert_eq!(
        c.query_scalar::<i64>("SELECT count(*) FROM pt", ())
            .unwrap(),
        0
    );
    assert_eq!(pool.status().created, 2);
    drop(c);
    // A clean connection goes back to the pool, not closed.
    assert_eq!(pool.status().idle, 1);
    assert_eq!(closed.load(Ordering::SeqCst), 1);

    // Async: the same transport behind the worker thread.
    let rt = runtime();
    let closed = Arc::new(AtomicUsize::new(0));
    let connector = sqlport::core::AsyncOverBlockingConnector::new(rollback_fails(&dir, &closed));
    let db = sqlport::Database::from_connector(connector);
    rt.block_on(async {
        let pool = sqlport::Pool::new(db, options(1).acquire_timeout(GUARD));
        let mut c = pool.get().await.unwrap();
        c.execute_batch("BEGIN; INSERT INTO pt VALUES (2);")
            .await
            .unwrap();
        drop(c);
        let mut c = pool.get().await.unwrap();
        assert!(c.is_autocommit());
        assert_eq!(
            c.query_scalar::<i64>("SELECT count(*) FROM pt", ())
                .await
                .unwrap(),
            0
        );
        let s = pool.status();
        assert_eq!((s.created, s.discarded), (2, 1), "{s:?}");
        // The discarded connection is closed (on its worker thread).
        let deadline = std::time::Instant::now() + GUARD;
        while closed.load(Ordering::SeqCst) == 0 {
            assert!(std::time::Instant::now() < deadline, "never closed");
            tokio::task::yield_now().await;
        }
    });
}

/// `max_lifetime` (both flavours) and the async `idle_timeout`: a connection
/// past its lifetime is closed, not handed out again, however recently it
/// was used; within its lifetime it is reused.
#[test]
fn max_lifetime_and_idle_timeout_replace_connections_in_both_flavours() {
    let rt = runtime();
    for t in Target::all() {
        let what = format!("{:?}", t.kind);
        let expired = options(1).max_lifetime(Some(Duration::ZERO));
        let lasting = options(1).max_lifetime(Some(Duration::from_secs(3600)));

        let pool = sqlport::blocking::Pool::new(t.blocking(), expired.clone());
        for _ in 0..3 {
            let mut c = pool.get().unwrap();
            assert_eq!(c.query_scalar::<i64>("SELECT 1", ()).unwrap(), 1, "{what}");
        }
        let s = pool.status();
        assert_eq!(s.created, 3, "blocking, lifetime 0, {what}: {s:?}");
        assert!(s.open <= 1, "blocking, lifetime 0, {what}: {s:?}");
        let pool = sqlport::blocking::Pool::new(t.blocking(), lasting.clone());
        for _ in 0..3 {
            drop(pool.get().unwrap());
        }
        assert_eq!(pool.status().created, 1, "blocking, lifetime 1 h, {what}");

        let db = t.nonblocking();
        rt.block_on(async {
            for (opts, created, label) in [
                (expired.clone(), 3, "lifetime 0"),
                (lasting.clone(), 1, "lifetime 1 h"),
                (options(1).idle_timeout(Some(Duration::ZERO)), 3, "idle 0"),
            ] {
                let pool = sqlport::Pool::new(db.clone(), opts);
                for _ in 0..3 {
                    let mut c = pool.get().await.unwrap();
                    assert_eq!(c.query_scalar::<i64>("SELECT 1", ()).await.unwrap(), 1);
                }
                let s = pool.status();
                assert_eq!(s.created, created, "async, {label}, {what}: {s:?}");
                assert!(s.open <= 1, "async, {label}, {what}: {s:?}");
            }
        });
    }
}
