//! `libsql-bench`: the official `libsql` crate's side of sqlport's issue-12
//! scenarios, with the same tables, queries, sizes and record format as
//! `sqlport-bench run` (whose databases and servers it reuses), so that
//! `sqlport-bench report` can put both in one table. `bench/run.sh` runs the
//! two binaries alternately, round by round.
//!
//! It lives in its own workspace: libsql bundles its own SQLite, which cannot
//! link in one binary beside rusqlite's.

#![forbid(unsafe_code)]

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Instant;

use clap::Parser;
use sqlport_bench_common::cpu::process_cpu;
use sqlport_bench_common::memory::{PeakAlloc, PeakMeter};
use sqlport_bench_common::proxy::CountingProxy;
use sqlport_bench_common::record::{emit, emit_note};
use sqlport_bench_common::stats::{Keys, us_per_op};

#[global_allocator]
static ALLOC: PeakAlloc = PeakAlloc;

const POINT_ROWS: u64 = 10_000;
const REMOTE_POINT_ROWS: u64 = 10_000;
const POINT_SQL: &str = "SELECT id, name FROM t WHERE id = ?";
const INSERT_SQL: &str = "INSERT INTO ins (id, name, value) VALUES (?, ?, ?)";
const SCAN_SQL: &str = "SELECT id, name, value FROM big";
const TEXT: &str = "a short text value of about forty bytes";
const TX_SQL: &str = "INSERT INTO txt (v) VALUES (?)";
const CONNS: usize = 16;

#[derive(Parser)]
#[command(about = "the libsql crate's side of sqlport's benchmark scenarios")]
struct Args {
    /// Rounds.
    #[arg(long, default_value_t = 1)]
    rounds: u32,
    /// Number of the first round.
    #[arg(long, default_value_t = 1)]
    first_round: u32,
    /// Full remote sizes (as `sqlport-bench run --full`).
    #[arg(long)]
    full: bool,
    /// The data directory of `sqlport-bench run` (its local databases).
    #[arg(long, default_value = "target/bench-data")]
    dir: PathBuf,
    /// Scan rows of the local read database (its file name carries it).
    #[arg(long, default_value_t = 1_000_000)]
    scan_rows: u64,
    /// Reference server URL.
    #[arg(long)]
    url: Option<String>,
    /// sqld URL.
    #[arg(long)]
    sqld_url: Option<String>,
    /// Groups: local, scan, remote, cursor (default all).
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
}

struct Sizes {
    point_ops: u64,
    insert_rows: u64,
    remote_ops: u64,
    remote_par_ops: u64,
    remote_txs: u64,
    cursor_rows: u64,
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args = Args::parse();
    let sizes = Sizes {
        point_ops: 20_000,
        insert_rows: 100_000,
        remote_ops: if args.full { 2_000 } else { 300 },
        remote_par_ops: if args.full { 200 } else { 40 },
        remote_txs: if args.full { 100 } else { 20 },
        cursor_rows: if args.full { 1_000_000 } else { 100_000 },
    };
    let want = |g: &str| args.only.is_empty() || args.only.iter().any(|o| o == g);
    let read_db = args
        .dir
        .join(format!("local-read-{}-{POINT_ROWS}.db", args.scan_rows));
    let insert_db = args.dir.join("local-insert.db");
    let mut servers = Vec::new();
    if let Some(u) = &args.url {
        servers.push(("", u.clone()));
    }
    if let Some(u) = &args.sqld_url {
        servers.push(("@sqld", u.clone()));
    }
    if args.first_round == 1 && want("remote") {
        for (scen, url) in &servers {
            requests(url, scen).await;
        }
    }
    for round in args.first_round..args.first_round + args.rounds {
        if want("local") {
            local_point(&read_db, &sizes, round).await;
            local_insert(&insert_db, &sizes, round).await;
        }
        if want("scan") {
            local_scan(&read_db, round).await;
        }
        for (scen, url) in &servers {
            if want("remote") {
                remote_seq(url, scen, &sizes, round).await;
                remote_parallel(url, scen, &sizes, round).await;
                remote_tx(url, scen, &sizes, round).await;
            }
            if want("cursor") {
                remote_cursor(url, scen, &sizes, round).await;
            }
        }
    }
}

async fn local_conn(path: &std::path::Path) -> libsql::Connection {
    let db = libsql::Builder::new_local(path)
        .build()
        .await
        .expect("open");
    let conn = db.connect().expect("connect");
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .expect("busy timeout");
    conn
}

async fn remote_conn(url: &str) -> (libsql::Database, libsql::Connection) {
    let db = libsql::Builder::new_remote(url.to_owned(), String::new())
        .build()
        .await
        .expect("open");
    let conn = db.connect().expect("connect");
    (db, conn)
}

async fn local_point(path: &std::path::Path, sizes: &Sizes, round: u32) {
    let conn = local_conn(path).await;
    let mut st = conn.prepare(POINT_SQL).await.expect("prepare");
    let mut run = async |ops: u64| {
        let mut keys = Keys::new(42);
        let start = Instant::now();
        for _ in 0..ops {
            let id = keys.next_in(POINT_ROWS) as i64;
            let row = st.query_row([id]).await.expect("row");
            let v: (i64, String) = (row.get(0).expect("id"), row.get(1).expect("name"));
            black_box(v);
            st.reset();
        }
        us_per_op(start.elapsed(), ops)
    };
    run(sizes.point_ops / 10).await;
    let t = run(sizes.point_ops).await;
    emit("local_point", "libsql", round, "us_per_op", t);
}

async fn local_insert(path: &std::path::Path, sizes: &Sizes, round: u32) {
    let conn = local_conn(path).await;
    conn.execute_batch(
        "DROP TABLE IF EXISTS ins;
         CREATE TABLE ins (id INTEGER PRIMARY KEY, name TEXT NOT NULL, value REAL NOT NULL);
         PRAGMA wal_checkpoint(TRUNCATE);",
    )
    .await
    .expect("reset");
    let start = Instant::now();
    let tx = conn.transaction().await.expect("begin");
    {
        let st = tx.prepare(INSERT_SQL).await.expect("prepare");
        for i in 0..sizes.insert_rows as i64 {
            st.execute(libsql::params![i, TEXT, i as f64 * 0.5])
                .await
                .expect("insert");
            st.reset();
        }
    }
    tx.commit().await.expect("commit");
    emit(
        "local_insert",
        "libsql",
        round,
        "ms",
        start.elapsed().as_secs_f64() * 1e3,
    );
}

async fn local_scan(path: &std::path::Path, round: u32) {
    let conn = local_conn(path).await;
    let meter = PeakMeter::start(&ALLOC);
    let start = Instant::now();
    let mut rows = conn.query(SCAN_SQL, ()).await.expect("query");
    let (mut n, mut sum) = (0u64, 0i64);
    while let Some(r) = rows.next().await.expect("row") {
        let id: i64 = r.get(0).expect("id");
        let name: String = r.get(1).expect("name");
        let v: f64 = r.get(2).expect("value");
        sum += id + name.len() as i64 + v as i64;
        n += 1;
    }
    black_box(sum);
    emit(
        "local_scan",
        "libsql",
        round,
        "ms",
        start.elapsed().as_secs_f64() * 1e3,
    );
    emit(
        "local_scan",
        "libsql",
        round,
        "peak_mib",
        meter.peak_mib(&ALLOC),
    );
    emit("local_scan", "libsql", round, "rows", n as f64);
}

async fn requests(url: &str, scen: &str) {
    let addr = url
        .trim_start_matches("http://")
        .parse()
        .expect("http://IP:PORT");
    let proxy = CountingProxy::start(addr).expect("proxy");
    let (_db, c) = remote_conn(&proxy.url()).await;
    const N: u64 = 20;
    c.query("SELECT 1", ()).await.expect("warm");
    let before = proxy.counts();
    for i in 0..N {
        let mut rows = c.query(POINT_SQL, [i as i64 + 1]).await.expect("query");
        let row = rows.next().await.expect("row").expect("a row");
        black_box(row.get::<String>(1).expect("name"));
    }
    let q = proxy.counts() - before;
    let before = proxy.counts();
    for _ in 0..N {
        let tx = c.transaction().await.expect("begin");
        for j in 0..10 {
            tx.execute(TX_SQL, [format!("libsql {j}")])
                .await
                .expect("insert");
        }
        tx.commit().await.expect("commit");
    }
    let t = proxy.counts() - before;
    let s = format!("remote_requests{scen}");
    let n = N as f64;
    emit(&s, "libsql", 1, "query_requests", q.requests as f64 / n);
    emit(
        &s,
        "libsql",
        1,
        "query_connections",
        q.connections as f64 / n,
    );
    emit(&s, "libsql", 1, "tx10_requests", t.requests as f64 / n);
    emit(
        &s,
        "libsql",
        1,
        "tx10_connections",
        t.connections as f64 / n,
    );
}

async fn point(c: &libsql::Connection, id: i64) {
    let mut rows = c.query(POINT_SQL, [id]).await.expect("query");
    let row = rows.next().await.expect("row").expect("a row");
    black_box(row.get::<String>(1).expect("name"));
}

async fn remote_seq(url: &str, scen: &str, sizes: &Sizes, round: u32) {
    let (_db, c) = remote_conn(url).await;
    c.query("SELECT 1", ()).await.expect("warm");
    let mut keys = Keys::new(3);
    let cpu = process_cpu();
    let start = Instant::now();
    for _ in 0..sizes.remote_ops {
        point(&c, keys.next_in(REMOTE_POINT_ROWS) as i64).await;
    }
    let s = format!("remote_seq{scen}");
    emit(
        &s,
        "libsql",
        round,
        "us_per_op",
        us_per_op(start.elapsed(), sizes.remote_ops),
    );
    emit(
        &s,
        "libsql",
        round,
        "cpu_us_per_op",
        us_per_op(process_cpu() - cpu, sizes.remote_ops),
    );
}

async fn remote_parallel(url: &str, scen: &str, sizes: &Sizes, round: u32) {
    let db = libsql::Builder::new_remote(url.to_owned(), String::new())
        .build()
        .await
        .expect("open");
    // Warmed in parallel, as sqlport's are: one TCP connection per
    // connection in the client's pool before the meters start.
    let mut warming = Vec::new();
    for _ in 0..CONNS {
        let c = db.connect().expect("connect");
        warming.push(tokio::spawn(async move {
            c.query("SELECT 1", ()).await.expect("warm");
            c
        }));
    }
    let mut conns = Vec::new();
    for w in warming {
        conns.push(w.await.expect("warm-up task"));
    }
    let per = sizes.remote_par_ops;
    let total = per * CONNS as u64;
    let cpu = process_cpu();
    let start = Instant::now();
    let mut tasks = Vec::new();
    for (k, c) in conns.into_iter().enumerate() {
        tasks.push(tokio::spawn(async move {
            let mut keys = Keys::new(100 + k as u64);
            for _ in 0..per {
                point(&c, keys.next_in(REMOTE_POINT_ROWS) as i64).await;
            }
        }));
    }
    for t in tasks {
        t.await.expect("task");
    }
    let s = format!("remote_16{scen}");
    emit(
        &s,
        "libsql",
        round,
        "us_per_op",
        us_per_op(start.elapsed(), total),
    );
    emit(
        &s,
        "libsql",
        round,
        "cpu_us_per_op",
        us_per_op(process_cpu() - cpu, total),
    );
}

async fn remote_tx(url: &str, scen: &str, sizes: &Sizes, round: u32) {
    let (_db, c) = remote_conn(url).await;
    c.query("SELECT 1", ()).await.expect("warm");
    let cpu = process_cpu();
    let start = Instant::now();
    for _ in 0..sizes.remote_txs {
        let tx = c.transaction().await.expect("begin");
        for j in 0..10 {
            tx.execute(TX_SQL, [format!("value {j}")])
                .await
                .expect("insert");
        }
        tx.commit().await.expect("commit");
    }
    let per_tx = |d: std::time::Duration| d.as_secs_f64() * 1e3 / sizes.remote_txs as f64;
    let (ms, cpu_ms) = (per_tx(start.elapsed()), per_tx(process_cpu() - cpu));
    let scen = format!("remote_tx{scen}");
    emit(&scen, "libsql", round, "ms_per_tx", ms);
    emit(&scen, "libsql", round, "cpu_ms_per_tx", cpu_ms);
}

async fn remote_cursor(url: &str, scen: &str, sizes: &Sizes, round: u32) {
    let (_db, c) = remote_conn(url).await;
    let sql = format!(
        "SELECT id, name, value FROM big WHERE id <= {}",
        sizes.cursor_rows
    );
    let meter = PeakMeter::start(&ALLOC);
    let start = Instant::now();
    let mut n = 0u64;
    let mut err = None;
    match c.query(&sql, ()).await {
        Ok(mut rows) => loop {
            match rows.next().await {
                Ok(Some(r)) => {
                    black_box(r.get::<String>(1).ok());
                    n += 1;
                }
                Ok(None) => break,
                Err(e) => {
                    err = Some(e.to_string());
                    break;
                }
            }
        },
        Err(e) => err = Some(e.to_string()),
    }
    let ms = start.elapsed().as_secs_f64() * 1e3;
    let s = format!("remote_cursor{scen}");
    emit(&s, "libsql", round, "ms", ms);
    emit(&s, "libsql", round, "peak_mib", meter.peak_mib(&ALLOC));
    emit(&s, "libsql", round, "rows", n as f64);
    emit_note(
        &s,
        "libsql",
        round,
        "failed",
        if err.is_some() { 1.0 } else { 0.0 },
        err.map(|e| format!("{e} after {n} rows")),
    );
}
