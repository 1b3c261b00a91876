//! Local scenarios: sqlport (blocking and async) beside raw rusqlite (the same
//! bundled SQLite) and sqlx's SQLite driver, alternating in one process.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Instant;

use rusqlite::OptionalExtension;
use sqlport_bench_common::cpu::{process_cpu, thread_cpu};
use sqlport_bench_common::memory::PeakMeter;
use sqlport_bench_common::record::emit;
use sqlport_bench_common::stats::{Keys, us_per_op};

use crate::{ALLOC, Sizes};

/// Rows in the point-query table `t`.
pub const POINT_ROWS: u64 = 10_000;
/// The point query every client runs.
pub const POINT_SQL: &str = "SELECT id, name FROM t WHERE id = ?";
/// The prepared insert.
pub const INSERT_SQL: &str = "INSERT INTO ins (id, name, value) VALUES (?, ?, ?)";
/// The scan.
pub const SCAN_SQL: &str = "SELECT id, name, value FROM big";
/// The text every inserted row carries.
pub const TEXT: &str = "a short text value of about forty bytes";

/// The database files of the local scenarios.
pub struct LocalFiles {
    /// `t` (point queries) and `big` (the scan).
    pub read_db: PathBuf,
    /// `ins`, recreated before each insert run.
    pub insert_db: PathBuf,
}

/// Create the databases in `dir` unless they are there with the right sizes.
pub fn prepare_files(dir: &Path, sizes: &Sizes) -> rusqlite::Result<LocalFiles> {
    let read_db = dir.join(format!("local-read-{}-{POINT_ROWS}.db", sizes.scan_rows));
    let insert_db = dir.join("local-insert.db");
    let conn = rusqlite::Connection::open(&read_db)?;
    conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))?;
    let have: Option<i64> = conn
        .query_row("SELECT count(*) FROM big", [], |r| r.get(0))
        .optional()
        .unwrap_or(None);
    let have_t: Option<i64> = conn
        .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
        .optional()
        .unwrap_or(None);
    if have != Some(sizes.scan_rows as i64) || have_t != Some(POINT_ROWS as i64) {
        eprintln!("creating {} ...", read_db.display());
        conn.execute_batch(&format!(
            "DROP TABLE IF EXISTS t; DROP TABLE IF EXISTS big;
             CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL, value REAL NOT NULL);
             CREATE TABLE big (id INTEGER PRIMARY KEY, name TEXT NOT NULL, value REAL NOT NULL);
             BEGIN;
             WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < {POINT_ROWS})
               INSERT INTO t SELECT x, 'name-' || x, x * 0.5 FROM c;
             WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < {})
               INSERT INTO big SELECT x, 'row number ' || x || ' of the big table', x * 0.25 FROM c;
             COMMIT;",
            sizes.scan_rows
        ))?;
    }
    drop(conn);
    let conn = rusqlite::Connection::open(&insert_db)?;
    conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))?;
    Ok(LocalFiles { read_db, insert_db })
}

fn rusqlite_conn(path: &Path) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(path).expect("rusqlite open");
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .expect("busy timeout");
    conn
}

fn sqlport_conn(path: &Path) -> sqlport::blocking::Connection {
    let name = path.to_str().expect("UTF-8 path");
    sqlport::blocking::Database::open(name)
        .and_then(|db| db.connect())
        .expect("sqlport open")
}

/// Local point query by primary key with a cached statement, blocking.
pub fn point(files: &LocalFiles, sizes: &Sizes, round: u32) {
    let ops = sizes.point_ops;
    let rq = rusqlite_conn(&files.read_db);
    let mut sp = sqlport_conn(&files.read_db);
    let run_rusqlite = |ops: u64| {
        let mut keys = Keys::new(42);
        let cpu = thread_cpu();
        let start = Instant::now();
        for _ in 0..ops {
            let id = keys.next_in(POINT_ROWS) as i64;
            let mut st = rq.prepare_cached(POINT_SQL).expect("prepare");
            let row: (i64, String) = st
                .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
                .expect("row");
            black_box(row);
        }
        (
            us_per_op(start.elapsed(), ops),
            us_per_op(thread_cpu() - cpu, ops),
        )
    };
    let mut run_sqlport = |ops: u64| {
        let mut keys = Keys::new(42);
        let mut st = sp.prepare(POINT_SQL).expect("prepare");
        let cpu = thread_cpu();
        let start = Instant::now();
        for _ in 0..ops {
            let id = keys.next_in(POINT_ROWS) as i64;
            let row: (i64, String) = st
                .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
                .expect("row");
            black_box(row);
        }
        (
            us_per_op(start.elapsed(), ops),
            us_per_op(thread_cpu() - cpu, ops),
        )
    };
    // Warm both (statement caches, page cache), then alternate.
    run_rusqlite(ops / 10);
    run_sqlport(ops / 10);
    let (a, b) = if round % 2 == 0 {
        let a = run_rusqlite(ops);
        (a, run_sqlport(ops))
    } else {
        let b = run_sqlport(ops);
        (run_rusqlite(ops), b)
    };
    for (client, (wall, cpu)) in [("rusqlite", a), ("sqlport", b)] {
        emit("local_point", client, round, "us_per_op", wall);
        emit("local_point", client, round, "cpu_us_per_op", cpu);
    }
}

/// 100,000-row prepared insert in one transaction, blocking.
pub fn insert(files: &LocalFiles, sizes: &Sizes, round: u32) {
    let rows = sizes.insert_rows;
    let reset = || {
        let c = rusqlite_conn(&files.insert_db);
        c.execute_batch(
            "DROP TABLE IF EXISTS ins;
             CREATE TABLE ins (id INTEGER PRIMARY KEY, name TEXT NOT NULL, value REAL NOT NULL);
             PRAGMA wal_checkpoint(TRUNCATE);",
        )
        .expect("reset ins");
    };
    // `fk`: the rusqlite connection with sqlport's local setting
    // `foreign_keys = ON` (SQLite then checks the foreign-key counters at
    // every statement end), beside SQLite's default (off).
    let run_rusqlite = |fk: bool| {
        reset();
        let mut c = rusqlite_conn(&files.insert_db);
        if fk {
            c.pragma_update(None, "foreign_keys", "ON")
                .expect("foreign_keys");
        }
        let cpu = thread_cpu();
        let start = Instant::now();
        let tx = c.transaction().expect("begin");
        {
            let mut st = tx.prepare_cached(INSERT_SQL).expect("prepare");
            for i in 0..rows as i64 {
                st.execute(rusqlite::params![i, TEXT, i as f64 * 0.5])
                    .expect("insert");
            }
        }
        tx.commit().expect("commit");
        (
            start.elapsed().as_secs_f64() * 1e3,
            (thread_cpu() - cpu).as_secs_f64() * 1e3,
        )
    };
    let run_sqlport = || {
        reset();
        let mut c = sqlport_conn(&files.insert_db);
        let cpu = thread_cpu();
        let start = Instant::now();
        let mut tx = c.transaction().expect("begin");
        {
            let mut st = tx.prepare(INSERT_SQL).expect("prepare");
            for i in 0..rows as i64 {
                st.execute((i, TEXT, i as f64 * 0.5)).expect("insert");
            }
        }
        tx.commit().expect("commit");
        (
            start.elapsed().as_secs_f64() * 1e3,
            (thread_cpu() - cpu).as_secs_f64() * 1e3,
        )
    };
    let mut order = ["rusqlite", "sqlport", "rusqlite_fk"];
    if round % 2 == 1 {
        order.reverse();
    }
    for client in order {
        let (wall, cpu) = match client {
            "sqlport" => run_sqlport(),
            c => run_rusqlite(c == "rusqlite_fk"),
        };
        emit("local_insert", client, round, "ms", wall);
        emit("local_insert", client, round, "cpu_ms", cpu);
    }
}

/// 1M-row scan with `query_each` (rows streamed), time and peak heap growth.
pub fn scan(files: &LocalFiles, _sizes: &Sizes, round: u32) {
    let rq = rusqlite_conn(&files.read_db);
    let mut sp = sqlport_conn(&files.read_db);
    let run_rusqlite = || {
        let meter = PeakMeter::start(&ALLOC);
        let cpu = thread_cpu();
        let start = Instant::now();
        let mut st = rq.prepare_cached(SCAN_SQL).expect("prepare");
        let mut rows = st.query([]).expect("query");
        let (mut n, mut sum) = (0u64, 0i64);
        while let Some(r) = rows.next().expect("row") {
            let id: i64 = r.get(0).expect("id");
            let name: String = r.get(1).expect("name");
            let v: f64 = r.get(2).expect("value");
            sum += id + name.len() as i64 + v as i64;
            n += 1;
        }
        black_box(sum);
        let cpu_ms = (thread_cpu() - cpu).as_secs_f64() * 1e3;
        (
            start.elapsed().as_secs_f64() * 1e3,
            meter.peak_mib(&ALLOC),
            n,
            cpu_ms,
        )
    };
    let mut run_sqlport = || {
        let meter = PeakMeter::start(&ALLOC);
        let cpu = thread_cpu();
        let start = Instant::now();
        let (mut n, mut sum) = (0u64, 0i64);
        sp.query_each(SCAN_SQL, (), |r| {
            let id: i64 = r.get(0)?;
            let name: String = r.get(1)?;
            let v: f64 = r.get(2)?;
            sum += id + name.len() as i64 + v as i64;
            n += 1;
            Ok(())
        })
        .expect("scan");
        black_box(sum);
        let cpu_ms = (thread_cpu() - cpu).as_secs_f64() * 1e3;
        (
            start.elapsed().as_secs_f64() * 1e3,
            meter.peak_mib(&ALLOC),
            n,
            cpu_ms,
        )
    };
    let (a, b) = if round % 2 == 0 {
        let a = run_rusqlite();
        (a, run_sqlport())
    } else {
        let b = run_sqlport();
        (run_rusqlite(), b)
    };
    for (client, (ms, mib, n, cpu_ms)) in [("rusqlite", a), ("sqlport", b)] {
        emit("local_scan", client, round, "ms", ms);
        emit("local_scan", client, round, "cpu_ms", cpu_ms);
        emit("local_scan", client, round, "peak_mib", mib);
        emit("local_scan", client, round, "rows", n as f64);
    }
}

/// Point query through the async API: sqlport's async connection and sqlx's
/// SQLite driver on one tokio runtime, with rusqlite (blocking) for scale.
pub fn async_point(files: &LocalFiles, sizes: &Sizes, round: u32, rt: &tokio::runtime::Runtime) {
    let ops = sizes.async_ops;
    let path = files.read_db.clone();
    let rq = rusqlite_conn(&files.read_db);
    let rusqlite_run = |ops: u64| {
        let mut keys = Keys::new(7);
        let start = Instant::now();
        for _ in 0..ops {
            let id = keys.next_in(POINT_ROWS) as i64;
            let mut st = rq.prepare_cached(POINT_SQL).expect("prepare");
            let row: (i64, String) = st
                .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
                .expect("row");
            black_box(row);
        }
        us_per_op(start.elapsed(), ops)
    };
    let (sp_us, sqlx_us) = rt.block_on(async move {
        use sqlx::{Connection as _, Row as _};
        let name = path.to_str().expect("UTF-8 path").to_owned();
        let db = sqlport::Database::open(&name).expect("sqlport open");
        let mut sp = db.connect().await.expect("sqlport connect");
        let opts = sqlx::sqlite::SqliteConnectOptions::new().filename(&path);
        let mut sx = sqlx::SqliteConnection::connect_with(&opts)
            .await
            .expect("sqlx connect");
        async fn run_sp(c: &mut sqlport::Connection, ops: u64) -> (f64, f64) {
            let mut keys = Keys::new(7);
            let cpu = process_cpu();
            let start = Instant::now();
            for _ in 0..ops {
                let id = keys.next_in(POINT_ROWS) as i64;
                let row: (i64, String) = c
                    .query_row(POINT_SQL, [id], |r| Ok((r.get(0)?, r.get(1)?)))
                    .await
                    .expect("row");
                black_box(row);
            }
            (
                us_per_op(start.elapsed(), ops),
                us_per_op(process_cpu() - cpu, ops),
            )
        }
        async fn run_sqlx(c: &mut sqlx::SqliteConnection, ops: u64) -> (f64, f64) {
            let mut keys = Keys::new(7);
            let cpu = process_cpu();
            let start = Instant::now();
            for _ in 0..ops {
                let id = keys.next_in(POINT_ROWS) as i64;
                let row = sqlx::query(POINT_SQL)
                    .bind(id)
                    .fetch_one(&mut *c)
                    .await
                    .expect("row");
                let v: (i64, String) = (row.get(0), row.get(1));
                black_box(v);
            }
            (
                us_per_op(start.elapsed(), ops),
                us_per_op(process_cpu() - cpu, ops),
            )
        }
        run_sp(&mut sp, ops / 10).await;
        run_sqlx(&mut sx, ops / 10).await;
        if round % 2 == 0 {
            let a = run_sp(&mut sp, ops).await;
            (a, run_sqlx(&mut sx, ops).await)
        } else {
            let b = run_sqlx(&mut sx, ops).await;
            (run_sp(&mut sp, ops).await, b)
        }
    });
    let rq_us = rusqlite_run(ops);
    for (client, (wall, cpu)) in [("sqlport_async", sp_us), ("sqlx", sqlx_us)] {
        emit("async_point", client, round, "us_per_op", wall);
        emit("async_point", client, round, "process_cpu_us_per_op", cpu);
    }
    emit("async_point", "rusqlite", round, "us_per_op", rq_us);
}
