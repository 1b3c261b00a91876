//! Remote scenarios for sqlport's blocking (ureq) and async (reqwest) HTTP
//! clients against one server URL. The server always runs in another process
//! (a child of this runner, or one the caller started), so `getrusage` counts
//! the client alone.

use std::hint::black_box;
use std::time::Instant;

use sqlport_bench_common::cpu::process_cpu;
use sqlport_bench_common::memory::PeakMeter;
use sqlport_bench_common::proxy::CountingProxy;
use sqlport_bench_common::record::{emit, emit_note};
use sqlport_bench_common::stats::{Keys, us_per_op};

use crate::{ALLOC, Sizes};

/// Rows of the remote point-query table `t`.
pub const REMOTE_POINT_ROWS: u64 = 10_000;
/// Concurrent connections in the parallel scenario.
pub const CONNS: usize = 16;
const POINT_SQL: &str = "SELECT id, name FROM t WHERE id = ?";
const TX_SQL: &str = "INSERT INTO txt (v) VALUES (?)";

/// The cursor query over `big` (the first `rows` rows).
pub fn cursor_sql(rows: u64) -> String {
    format!("SELECT id, name, value FROM big WHERE id <= {rows}")
}

/// Create the remote tables unless present (through sqlport, blocking).
pub fn prepare_server(url: &str, sizes: &Sizes) -> sqlport::Result<()> {
    let db = sqlport::blocking::Database::open(url)?;
    let mut c = db.connect()?;
    let have_t: i64 = c
        .query_scalar(
            "SELECT count(*) FROM sqlite_schema WHERE name IN ('t', 'big', 'txt')",
            (),
        )
        .unwrap_or(0);
    let big_rows: i64 = if have_t == 3 {
        c.query_scalar("SELECT max(id) FROM big", ()).unwrap_or(0)
    } else {
        0
    };
    if have_t == 3 && big_rows >= sizes.cursor_rows as i64 {
        return Ok(());
    }
    eprintln!("populating {url} ...");
    for sql in [
        "DROP TABLE IF EXISTS t".to_owned(),
        "DROP TABLE IF EXISTS big".to_owned(),
        "DROP TABLE IF EXISTS txt".to_owned(),
        "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL, value REAL NOT NULL)".into(),
        "CREATE TABLE big (id INTEGER PRIMARY KEY, name TEXT NOT NULL, value REAL NOT NULL)".into(),
        "CREATE TABLE txt (id INTEGER PRIMARY KEY, v TEXT NOT NULL)".into(),
        format!(
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < {REMOTE_POINT_ROWS}) \
             INSERT INTO t SELECT x, 'name-' || x, x * 0.5 FROM c"
        ),
    ] {
        c.execute(&sql, ())?;
    }
    // The big table in slices of 100,000 rows (each statement stays short).
    let mut from = 1u64;
    while from <= sizes.cursor_rows {
        let to = (from + 99_999).min(sizes.cursor_rows);
        c.execute(
            &format!(
                "WITH RECURSIVE c(x) AS (SELECT {from} UNION ALL SELECT x + 1 FROM c WHERE x < {to}) \
                 INSERT INTO big SELECT x, 'row number ' || x || ' of the big table', x * 0.25 FROM c"
            ),
            (),
        )?;
        from = to + 1;
    }
    Ok(())
}

fn blocking_db(url: &str) -> sqlport::blocking::Database {
    sqlport::blocking::Database::open(url).expect("open")
}

fn async_db(url: &str) -> sqlport::Database {
    sqlport::Database::open(url).expect("open")
}

/// Options with `keep_idle_stream` as given (the point-query rows run the
/// default and the kept-stream option side by side).
fn kept(keep: bool) -> sqlport::OpenOptions {
    sqlport::OpenOptions::new().keep_idle_stream(keep)
}

/// The point-query and transaction clients in this round's order: the default and the
/// kept-stream option of both flavours, reversed every other round.
fn point_clients(round: u32) -> Vec<(bool, bool)> {
    let mut order = vec![(true, false), (false, false), (true, true), (false, true)];
    if round % 2 == 1 {
        order.reverse();
    }
    order
}

/// The client name of a point-query run: flavour, then `_kept` with the option.
fn point_client(blocking: bool, keep: bool) -> &'static str {
    match (blocking, keep) {
        (true, false) => "sqlport_blocking",
        (false, false) => "sqlport_async",
        (true, true) => "sqlport_blocking_kept",
        (false, true) => "sqlport_async_kept",
    }
}

/// HTTP requests and new TCP connections per operation, through a counting
/// proxy: a point query, and an interactive transaction of 10 INSERTs.
pub fn requests(upstream: std::net::SocketAddr, scen: &str, rt: &tokio::runtime::Runtime) {
    let proxy = CountingProxy::start(upstream).expect("proxy");
    let url = proxy.url();
    const N: u64 = 20;
    // Blocking.
    {
        let db = blocking_db(&url);
        let mut c = db.connect().expect("connect");
        let _: i64 = c.query_scalar("SELECT 1", ()).expect("warm");
        let before = proxy.counts();
        for i in 0..N {
            let _: String = c
                .query_row(POINT_SQL, [i as i64 + 1], |r| r.get(1))
                .expect("query");
        }
        let q = proxy.counts() - before;
        let before = proxy.counts();
        for _ in 0..N {
            let mut tx = c.transaction().expect("begin");
            for j in 0..10 {
                tx.execute(TX_SQL, [format!("blocking {j}")])
                    .expect("insert");
            }
            tx.commit().expect("commit");
        }
        let t = proxy.counts() - before;
        record_counts(scen, "sqlport_blocking", q, t, N);
    }
    // Async.
    rt.block_on(async {
        let db = async_db(&url);
        let mut c = db.connect().await.expect("connect");
        let _: i64 = c.query_scalar("SELECT 1", ()).await.expect("warm");
        let before = proxy.counts();
        for i in 0..N {
            let _: String = c
                .query_row(POINT_SQL, [i as i64 + 1], |r| r.get(1))
                .await
                .expect("query");
        }
        let q = proxy.counts() - before;
        let before = proxy.counts();
        for _ in 0..N {
            let mut tx = c.transaction().await.expect("begin");
            for j in 0..10 {
                tx.execute(TX_SQL, [format!("async {j}")])
                    .await
                    .expect("insert");
            }
            tx.commit().await.expect("commit");
        }
        let t = proxy.counts() - before;
        record_counts(scen, "sqlport_async", q, t, N);
    });
}

fn record_counts(
    scen: &str,
    client: &str,
    q: sqlport_bench_common::proxy::Counts,
    t: sqlport_bench_common::proxy::Counts,
    n: u64,
) {
    let n = n as f64;
    emit(
        &format!("remote_requests{scen}"),
        client,
        1,
        "query_requests",
        q.requests as f64 / n,
    );
    emit(
        &format!("remote_requests{scen}"),
        client,
        1,
        "query_connections",
        q.connections as f64 / n,
    );
    emit(
        &format!("remote_requests{scen}"),
        client,
        1,
        "tx10_requests",
        t.requests as f64 / n,
    );
    emit(
        &format!("remote_requests{scen}"),
        client,
        1,
        "tx10_connections",
        t.connections as f64 / n,
    );
}

/// Sequential point queries on one connection (time and client CPU per op).
pub fn seq(url: &str, scen: &str, sizes: &Sizes, round: u32, rt: &tokio::runtime::Runtime) {
    let ops = sizes.remote_ops;
    let name = format!("remote_seq{scen}");
    let run_blocking = |keep: bool| {
        let db = sqlport::blocking::Database::open_with(url, kept(keep)).expect("open");
        let mut c = db.connect().expect("connect");
        let mut keys = Keys::new(3);
        let _: i64 = c.query_scalar("SELECT 1", ()).expect("warm");
        let cpu = process_cpu();
        let start = Instant::now();
        for _ in 0..ops {
            let id = keys.next_in(REMOTE_POINT_ROWS) as i64;
            let row: String = c.query_row(POINT_SQL, [id], |r| r.get(1)).expect("query");
            black_box(row);
        }
        let t = us_per_op(start.elapsed(), ops);
        (t, us_per_op(process_cpu() - cpu, ops))
    };
    let run_async = |keep: bool| {
        rt.block_on(async {
            let db = sqlport::Database::open_with(url, kept(keep)).expect("open");
            let mut c = db.connect().await.expect("connect");
            let mut keys = Keys::new(3);
            let _: i64 = c.query_scalar("SELECT 1", ()).await.expect("warm");
            let cpu = process_cpu();
            let start = Instant::now();
            for _ in 0..ops {
                let id = keys.next_in(REMOTE_POINT_ROWS) as i64;
                let row: String = c
                    .query_row(POINT_SQL, [id], |r| r.get(1))
                    .await
                    .expect("query");
                black_box(row);
            }
            let t = us_per_op(start.elapsed(), ops);
            (t, us_per_op(process_cpu() - cpu, ops))
        })
    };
    for (blocking, keep) in point_clients(round) {
        let (t, cpu) = if blocking {
            run_blocking(keep)
        } else {
            run_async(keep)
        };
        let client = point_client(blocking, keep);
        emit(&name, client, round, "us_per_op", t);
        emit(&name, client, round, "cpu_us_per_op", cpu);
    }
}

/// Point queries on 16 connections at once (time per op over all of them,
/// client CPU per op).
pub fn parallel(url: &str, scen: &str, sizes: &Sizes, round: u32, rt: &tokio::runtime::Runtime) {
    let per_conn = sizes.remote_par_ops;
    let total = per_conn * CONNS as u64;
    let name = format!("remote_16{scen}");
    let run_blocking = |keep: bool| {
        let db = sqlport::blocking::Database::open_with(url, kept(keep)).expect("open");
        let mut conns: Vec<_> = (0..CONNS).map(|_| db.connect().expect("connect")).collect();
        // The threads are started, and each has warmed its connection (in
        // parallel, so the HTTP agent holds one TCP connection per thread),
        // before the clock and the CPU meter start, and finish after they
        // stop: the row measures queries, not thread creation, as the async
        // row measures tasks on a running runtime.
        let gate = std::sync::Barrier::new(CONNS + 1);
        std::thread::scope(|s| {
            for (k, c) in conns.iter_mut().enumerate() {
                let gate = &gate;
                s.spawn(move || {
                    let _: i64 = c.query_scalar("SELECT 1", ()).expect("warm");
                    gate.wait();
                    let mut keys = Keys::new(100 + k as u64);
                    for _ in 0..per_conn {
                        let id = keys.next_in(REMOTE_POINT_ROWS) as i64;
                        let row: String =
                            c.query_row(POINT_SQL, [id], |r| r.get(1)).expect("query");
                        black_box(row);
                    }
                    gate.wait();
                });
            }
            gate.wait();
            let cpu = process_cpu();
            let start = Instant::now();
            gate.wait();
            let t = us_per_op(start.elapsed(), total);
            (t, us_per_op(process_cpu() - cpu, total))
        })
    };
    let run_async = |keep: bool| {
        rt.block_on(async {
            let db = sqlport::Database::open_with(url, kept(keep)).expect("open");
            // Warmed in parallel, as the blocking threads are: one TCP
            // connection per connection in the client's pool.
            let mut warming = Vec::new();
            for _ in 0..CONNS {
                let db = db.clone();
                warming.push(tokio::spawn(async move {
                    let mut c = db.connect().await.expect("connect");
                    let _: i64 = c.query_scalar("SELECT 1", ()).await.expect("warm");
                    c
                }));
            }
            let mut conns = Vec::new();
            for w in warming {
                conns.push(w.await.expect("warm-up task"));
            }
            let cpu = process_cpu();
            let start = Instant::now();
            let mut tasks = Vec::new();
            for (k, mut c) in conns.into_iter().enumerate() {
                tasks.push(tokio::spawn(async move {
                    let mut keys = Keys::new(100 + k as u64);
                    for _ in 0..per_conn {
                        let id = keys.next_in(REMOTE_POINT_ROWS) as i64;
                        let row: String = c
                            .query_row(POINT_SQL, [id], |r| r.get(1))
                            .await
                            .expect("query");
                        black_box(row);
                    }
                }));
            }
            for t in tasks {
                t.await.expect("task");
            }
            let t = us_per_op(start.elapsed(), total);
            (t, us_per_op(process_cpu() - cpu, total))
        })
    };
    for (blocking, keep) in point_clients(round) {
        let (t, cpu) = if blocking {
            run_blocking(keep)
        } else {
            run_async(keep)
        };
        let client = point_client(blocking, keep);
        emit(&name, client, round, "us_per_op", t);
        emit(&name, client, round, "cpu_us_per_op", cpu);
    }
}

/// Interactive transactions of 10 INSERTs: latency per transaction.
pub fn tx(url: &str, scen: &str, sizes: &Sizes, round: u32, rt: &tokio::runtime::Runtime) {
    let n = sizes.remote_txs;
    let name = format!("remote_tx{scen}");
    let run_blocking = |keep: bool| {
        let db = sqlport::blocking::Database::open_with(url, kept(keep)).expect("open");
        let mut c = db.connect().expect("connect");
        let _: i64 = c.query_scalar("SELECT 1", ()).expect("warm");
        let cpu = process_cpu();
        let start = Instant::now();
        for _ in 0..n {
            let mut tx = c.transaction().expect("begin");
            for j in 0..10 {
                tx.execute(TX_SQL, [format!("value {j}")]).expect("insert");
            }
            tx.commit().expect("commit");
        }
        let per_tx = |d: std::time::Duration| d.as_secs_f64() * 1e3 / n as f64;
        (per_tx(start.elapsed()), per_tx(process_cpu() - cpu))
    };
    let run_async = |keep: bool| {
        rt.block_on(async {
            let db = sqlport::Database::open_with(url, kept(keep)).expect("open");
            let mut c = db.connect().await.expect("connect");
            let _: i64 = c.query_scalar("SELECT 1", ()).await.expect("warm");
            let cpu = process_cpu();
            let start = Instant::now();
            for _ in 0..n {
                let mut tx = c.transaction().await.expect("begin");
                for j in 0..10 {
                    tx.execute(TX_SQL, [format!("value {j}")])
                        .await
                        .expect("insert");
                }
                tx.commit().await.expect("commit");
            }
            let per_tx = |d: std::time::Duration| d.as_secs_f64() * 1e3 / n as f64;
            (per_tx(start.elapsed()), per_tx(process_cpu() - cpu))
        })
    };
    for (blocking, keep) in point_clients(round) {
        let (ms, cpu) = if blocking {
            run_blocking(keep)
        } else {
            run_async(keep)
        };
        let client = point_client(blocking, keep);
        emit(&name, client, round, "ms_per_tx", ms);
        emit(&name, client, round, "cpu_ms_per_tx", cpu);
    }
}

/// The big SELECT streamed through the cursor (`query_each`): time, rows,
/// peak heap growth; a failure is recorded with the rows read before it. Also
/// one raw `curl` of the same cursor request, the pace to match.
pub fn cursor(url: &str, scen: &str, sizes: &Sizes, round: u32, rt: &tokio::runtime::Runtime) {
    let sql = cursor_sql(sizes.cursor_rows);
    let name = format!("remote_cursor{scen}");
    let run_blocking = || {
        let db = blocking_db(url);
        let mut c = db.connect().expect("connect");
        let meter = PeakMeter::start(&ALLOC);
        let start = Instant::now();
        let mut n = 0u64;
        let result = c.query_each(&sql, (), |r| {
            black_box(r.get::<String>(1)?);
            n += 1;
            Ok(())
        });
        (
            start.elapsed().as_secs_f64() * 1e3,
            meter.peak_mib(&ALLOC),
            n,
            result.err(),
        )
    };
    let run_async = || {
        rt.block_on(async {
            let db = async_db(url);
            let mut c = db.connect().await.expect("connect");
            let meter = PeakMeter::start(&ALLOC);
            let start = Instant::now();
            let mut n = 0u64;
            let result = c
                .query_each(&sql, (), |r| {
                    black_box(r.get::<String>(1)?);
                    n += 1;
                    Ok(())
                })
                .await;
            (
                start.elapsed().as_secs_f64() * 1e3,
                meter.peak_mib(&ALLOC),
                n,
                result.err(),
            )
        })
    };
    let (b, a) = if round % 2 == 0 {
        let b = run_blocking();
        (b, run_async())
    } else {
        let a = run_async();
        (run_blocking(), a)
    };
    for (client, (ms, mib, n, err)) in [("sqlport_blocking", b), ("sqlport_async", a)] {
        emit(&name, client, round, "ms", ms);
        emit(&name, client, round, "peak_mib", mib);
        emit(&name, client, round, "rows", n as f64);
        emit_note(
            &name,
            client,
            round,
            "failed",
            if err.is_some() { 1.0 } else { 0.0 },
            err.map(|e| format!("{e} after {n} rows at {ms:.0} ms")),
        );
    }
    match curl_cursor(url, &sql) {
        Ok((ms, bytes)) => {
            emit(&name, "curl", round, "ms", ms);
            emit(&name, "curl", round, "bytes", bytes as f64);
        }
        Err(e) => emit_note(&name, "curl", round, "failed", 1.0, Some(e)),
    }
}

/// One `curl` of `/v3/cursor` with the same statement; output counted and dropped.
fn curl_cursor(url: &str, sql: &str) -> Result<(f64, u64), String> {
    let body = serde_json::json!({
        "baton": null,
        "batch": {"steps": [{"stmt": {"sql": sql, "want_rows": true}}]}
    })
    .to_string();
    let start = Instant::now();
    let out = std::process::Command::new("curl")
        .args([
            "-sS",
            "--fail",
            "-o",
            "/dev/null",
            "-w",
            "%{size_download}",
            "-X",
            "POST",
        ])
        .args([
            "-H",
            "Content-Type: application/json",
            "--data-binary",
            &body,
        ])
        .arg(format!("{}/v3/cursor", url.trim_end_matches('/')))
        .output()
        .map_err(|e| format!("curl: {e}"))?;
    let ms = start.elapsed().as_secs_f64() * 1e3;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    let bytes = String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or(0);
    Ok((ms, bytes))
}
