//! The same operations on every built-in transport, through the facade:
//! local (blocking and async) and HTTP (blocking and async) against the
//! in-process reference server on loopback. Criterion reports each transport
//! beside the others in one group, so the cost of the remote path (one HTTP
//! round trip per autocommit statement, N + 1 per transaction) reads as a
//! ratio to the local baseline measured in the same process.
//!
//! `cargo bench -p sqlport-conformance --bench transports`

// criterion_group! defines an undocumented public function.
#![allow(missing_docs)]

use std::hint::black_box;
use std::sync::Arc;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use sqlport::blocking::{Connection, Database};
use sqlport_conformance::server::{ServerConfig, TestServer};
use sqlport_conformance::suite::blocking_over_async::BlockingOverAsyncConnector;
use sqlport_core::{AsyncConnector, Connector, LocalTarget, Target};
use sqlport_http::{AsyncHttpConnector, HttpConfig, HttpConnector};
use sqlport_local::{LocalConfig, LocalConnector};

/// The four transports, each with one connection to a database holding
/// `t(id INTEGER PRIMARY KEY, v TEXT)` with 10,000 rows.
struct Subjects {
    _server: TestServer,
    _dir: tempfile::TempDir,
    conns: Vec<(&'static str, Connection)>,
}

/// An async connector driven from this (blocking) bench through the suite's
/// bridge, which `block_on`s each call: the async transport's own code runs.
fn blocking_over_async(connector: Arc<dyn AsyncConnector>) -> Connection {
    let bridge = BlockingOverAsyncConnector::new(connector).expect("runtime");
    Connection::from_transport(bridge.connect().expect("connect"))
}

fn subjects() -> Subjects {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("bench.db");
    let local = LocalConnector::open(&LocalTarget::Path(path.clone()), LocalConfig::default())
        .expect("open local");
    let server = TestServer::start(ServerConfig {
        database: LocalTarget::Path(dir.path().join("remote.db")),
        ..ServerConfig::default()
    })
    .expect("server");
    let Ok(Target::Remote(remote)) = Target::parse(&server.url()) else {
        panic!("server URL is remote");
    };
    let http = HttpConnector::new(&remote, HttpConfig::default()).expect("http connector");
    let http_async: Arc<dyn AsyncConnector> =
        Arc::new(AsyncHttpConnector::new(&remote, HttpConfig::default()).expect("async connector"));
    let local_async: Arc<dyn AsyncConnector> =
        Arc::new(sqlport_local::async_connector(local.clone()));
    let mut conns = vec![
        (
            "local",
            Database::from_connector(local).connect().expect("local"),
        ),
        ("local-async", blocking_over_async(local_async)),
        (
            "http",
            Connection::from_transport(http.connect().expect("http")),
        ),
        ("http-async", blocking_over_async(http_async)),
    ];
    // Local and local-async share one file, http and http-async one server.
    for (name, conn) in conns.iter_mut().step_by(2) {
        conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)", ())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut tx = conn.transaction().expect("begin");
        for i in 0..10_000 {
            tx.execute("INSERT INTO t (v) VALUES (?)", [format!("row {i}")])
                .expect("insert");
        }
        tx.commit().expect("commit");
    }
    Subjects {
        _server: server,
        _dir: dir,
        conns,
    }
}

fn bench(c: &mut Criterion) {
    let mut s = subjects();

    let mut g = c.benchmark_group("point_select");
    for (name, conn) in &mut s.conns {
        g.bench_function(BenchmarkId::from_parameter(*name), |b| {
            let mut id = 0i64;
            b.iter(|| {
                id = id % 10_000 + 1;
                let v: String = conn
                    .query_one("SELECT v FROM t WHERE id = ?", [id])
                    .expect("select");
                black_box(v)
            })
        });
    }
    g.finish();

    let mut g = c.benchmark_group("transaction_of_10_inserts");
    for (name, conn) in &mut s.conns {
        g.bench_function(BenchmarkId::from_parameter(*name), |b| {
            b.iter(|| {
                let mut tx = conn.transaction().expect("begin");
                for _ in 0..10 {
                    tx.execute("INSERT INTO t (v) VALUES ('x')", ())
                        .expect("insert");
                }
                tx.commit().expect("commit");
            })
        });
    }
    g.finish();

    let mut g = c.benchmark_group("stream_10k_rows");
    g.sample_size(10);
    for (name, conn) in &mut s.conns {
        g.bench_function(BenchmarkId::from_parameter(*name), |b| {
            b.iter(|| {
                let mut n = 0u64;
                conn.query_each("SELECT id, v FROM t WHERE id <= 10000", (), |row| {
                    n += row.get::<i64>(0)? as u64;
                    Ok(())
                })
                .expect("stream");
                black_box(n)
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
