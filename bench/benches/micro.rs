//! Criterion micro-benchmarks for the per-statement costs behind the local
//! budgets of issue 12: sqlport beside raw rusqlite (and sqlx for the async
//! path) on the same bundled SQLite, in one process.
//!
//! `cargo bench -p sqlport-bench --bench micro`

// criterion_group! defines an undocumented public function.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};

const POINT_SQL: &str = "SELECT id, name FROM t WHERE id = ?";
const INSERT_SQL: &str = "INSERT INTO ins (id, name, value) VALUES (?, ?, ?)";
const ROWS: i64 = 10_000;

fn setup(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("micro.db");
    let c = rusqlite::Connection::open(&path).expect("open");
    c.execute_batch(&format!(
        "PRAGMA journal_mode = WAL;
         CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
         WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < {ROWS})
           INSERT INTO t SELECT x, 'name-' || x FROM c;
         CREATE TABLE ins (id INTEGER PRIMARY KEY, name TEXT NOT NULL, value REAL NOT NULL);"
    ))
    .expect("setup");
    path
}

fn classify(c: &mut Criterion) {
    c.bench_function("sql::classify point query", |b| {
        b.iter(|| sqlport_core::sql::classify(black_box(POINT_SQL)))
    });
}

fn point_query(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("dir");
    let path = setup(dir.path());
    let mut g = c.benchmark_group("local point query (cached statement)");
    let rq = rusqlite::Connection::open(&path).expect("open");
    let mut id = 0i64;
    g.bench_function("rusqlite", |b| {
        b.iter(|| {
            id = id % ROWS + 1;
            let mut st = rq.prepare_cached(POINT_SQL).expect("prepare");
            let row: (i64, String) = st
                .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
                .expect("row");
            black_box(row)
        })
    });
    let db = sqlport::blocking::Database::open(path.to_str().expect("utf-8")).expect("open");
    let mut conn = db.connect().expect("connect");
    let mut st = conn.prepare(POINT_SQL).expect("prepare");
    g.bench_function("sqlport", |b| {
        b.iter(|| {
            id = id % ROWS + 1;
            let row: (i64, String) = st
                .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
                .expect("row");
            black_box(row)
        })
    });
    g.finish();
}

fn insert(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("dir");
    let path = setup(dir.path());
    let mut g = c.benchmark_group("local prepared insert (open transaction)");
    let rq = rusqlite::Connection::open(&path).expect("open");
    rq.execute_batch("BEGIN").expect("begin");
    let mut n = 0i64;
    g.bench_function("rusqlite", |b| {
        let mut st = rq.prepare_cached(INSERT_SQL).expect("prepare");
        b.iter(|| {
            n += 1;
            st.execute(rusqlite::params![n, "text", 0.5])
                .expect("insert")
        })
    });
    rq.execute_batch("ROLLBACK").expect("rollback");
    drop(rq);
    let db = sqlport::blocking::Database::open(path.to_str().expect("utf-8")).expect("open");
    let mut conn = db.connect().expect("connect");
    let mut tx = conn.transaction().expect("begin");
    let mut st = tx.prepare(INSERT_SQL).expect("prepare");
    g.bench_function("sqlport", |b| {
        b.iter(|| {
            n += 1;
            st.execute((n, "text", 0.5)).expect("insert")
        })
    });
    g.finish();
}

fn async_point(c: &mut Criterion) {
    use sqlx::{Connection as _, Row as _};
    let dir = tempfile::tempdir().expect("dir");
    let path = setup(dir.path());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let mut g = c.benchmark_group("async local point query");
    let db = sqlport::Database::open(path.to_str().expect("utf-8")).expect("open");
    let mut sp = rt.block_on(db.connect()).expect("connect");
    let mut id = 0i64;
    g.bench_function("sqlport", |b| {
        b.iter(|| {
            id = id % ROWS + 1;
            rt.block_on(async {
                let row: (i64, String) = sp
                    .query_row(POINT_SQL, [id], |r| Ok((r.get(0)?, r.get(1)?)))
                    .await
                    .expect("row");
                black_box(row)
            })
        })
    });
    let opts = sqlx::sqlite::SqliteConnectOptions::new().filename(&path);
    let mut sx = rt
        .block_on(sqlx::SqliteConnection::connect_with(&opts))
        .expect("sqlx");
    g.bench_function("sqlx", |b| {
        b.iter(|| {
            id = id % ROWS + 1;
            rt.block_on(async {
                let row = sqlx::query(POINT_SQL)
                    .bind(id)
                    .fetch_one(&mut sx)
                    .await
                    .expect("row");
                black_box((row.get::<i64, _>(0), row.get::<String, _>(1)))
            })
        })
    });
    g.finish();
}

criterion_group!(benches, classify, point_query, insert, async_point);
criterion_main!(benches);
