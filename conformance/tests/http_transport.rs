//! The HTTP transport (sqlport-http) against the reference Hrana server, on
//! both backends: the round-trip budget (counted by the server), stateful
//! connections, expiry, batches, streaming, version fallback, auth and
//! redaction, and garbage replies from a hand-rolled server.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::ops::ControlFlow;
use std::sync::{Arc, Mutex};

use sqlport_conformance::server::{ServerAuth, ServerConfig, TestServer};
use sqlport_core::{
    AsyncTransport, AuthToken, Batch, BatchMode, BatchResult, Capabilities, Capability, Column,
    Error, ErrorKind, RemoteTarget, Result, ResultSet, Row, RowSink, Statement, StepResult,
    Summary, Transport, Value, codes,
};
use sqlport_http::{
    AsyncHttpConnector, AsyncHttpTransport, HttpConfig, HttpConnector, HttpTransport,
    ProtocolVersion, Version,
};

// ---- a blocking view over both backends ------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    Blocking,
    Async,
}

trait Conn {
    fn exec_stmt(&mut self, stmt: &Statement) -> Result<ResultSet>;
    fn batch(&mut self, b: &Batch) -> Result<BatchResult>;
    fn stream(&mut self, stmt: &Statement, sink: &mut (dyn RowSink + Send)) -> Result<Summary>;
    fn autocommit(&self) -> bool;
    fn caps(&self) -> Capabilities;
    fn version(&self) -> Version;
    fn close(&mut self) -> Result<()>;
    fn debug(&self) -> String;

    fn exec(&mut self, sql: &str) -> Result<ResultSet> {
        self.exec_stmt(&Statement::new(sql))
    }

    fn int(&mut self, sql: &str) -> i64 {
        let rs = self.exec(sql).unwrap();
        rs.rows[0].get::<i64>(0).unwrap()
    }
}

impl Conn for HttpTransport {
    fn exec_stmt(&mut self, stmt: &Statement) -> Result<ResultSet> {
        Transport::execute(self, stmt)
    }
    fn batch(&mut self, b: &Batch) -> Result<BatchResult> {
        Transport::batch(self, b)
    }
    fn stream(&mut self, stmt: &Statement, sink: &mut (dyn RowSink + Send)) -> Result<Summary> {
        Transport::query_stream(self, stmt, sink)
    }
    fn autocommit(&self) -> bool {
        Transport::is_autocommit(self)
    }
    fn caps(&self) -> Capabilities {
        Transport::capabilities(self)
    }
    fn version(&self) -> Version {
        HttpTransport::version(self)
    }
    fn close(&mut self) -> Result<()> {
        Transport::close(self)
    }
    fn debug(&self) -> String {
        format!("{self:?}")
    }
}

struct AsyncConn {
    rt: Arc<tokio::runtime::Runtime>,
    inner: Option<AsyncHttpTransport>,
}

impl AsyncConn {
    fn t(&mut self) -> &mut AsyncHttpTransport {
        self.inner.as_mut().unwrap()
    }
    fn enqueue(&mut self, stmt: Statement) {
        AsyncTransport::enqueue(self.t(), stmt);
    }
}

impl Drop for AsyncConn {
    fn drop(&mut self) {
        // Inside the runtime, so the transport's drop can spawn its close.
        let _g = self.rt.enter();
        self.inner.take();
    }
}

impl Conn for AsyncConn {
    fn exec_stmt(&mut self, stmt: &Statement) -> Result<ResultSet> {
        let rt = self.rt.clone();
        rt.block_on(AsyncTransport::execute(self.t(), stmt))
    }
    fn batch(&mut self, b: &Batch) -> Result<BatchResult> {
        let rt = self.rt.clone();
        rt.block_on(AsyncTransport::batch(self.t(), b))
    }
    fn stream(&mut self, stmt: &Statement, sink: &mut (dyn RowSink + Send)) -> Result<Summary> {
        let rt = self.rt.clone();
        rt.block_on(AsyncTransport::query_stream(self.t(), stmt, sink))
    }
    fn autocommit(&self) -> bool {
        AsyncTransport::is_autocommit(self.inner.as_ref().unwrap())
    }
    fn caps(&self) -> Capabilities {
        AsyncTransport::capabilities(self.inner.as_ref().unwrap())
    }
    fn version(&self) -> Version {
        self.inner.as_ref().unwrap().version()
    }
    fn close(&mut self) -> Result<()> {
        let rt = self.rt.clone();
        rt.block_on(AsyncTransport::close(self.t()))
    }
    fn debug(&self) -> String {
        format!("{:?}", self.inner.as_ref().unwrap())
    }
}

enum Db {
    Blocking(HttpConnector),
    Async(AsyncHttpConnector, Arc<tokio::runtime::Runtime>),
}

impl Db {
    fn open(backend: Backend, url: &str, config: HttpConfig) -> Result<Db> {
        let target = RemoteTarget {
            url: url.parse().unwrap(),
            auth_token: None,
        };
        Ok(match backend {
            Backend::Blocking => Db::Blocking(HttpConnector::new(&target, config)?),
            Backend::Async => {
                let rt = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(1)
                    .enable_all()
                    .build()
                    .unwrap();
                Db::Async(AsyncHttpConnector::new(&target, config)?, Arc::new(rt))
            }
        })
    }

    fn connect(&self) -> Result<Box<dyn Conn>> {
        Ok(match self {
            Db::Blocking(c) => Box::new(c.connect_http()?),
            Db::Async(c, rt) => Box::new(AsyncConn {
                rt: rt.clone(),
                inner: Some(rt.block_on(c.connect_http())?),
            }),
        })
    }

    fn connect_async(&self) -> AsyncConn {
        match self {
            Db::Async(c, rt) => AsyncConn {
                rt: rt.clone(),
                inner: Some(rt.block_on(c.connect_http()).unwrap()),
            },
            Db::Blocking(_) => panic!("not async"),
        }
    }

    fn debug(&self) -> String {
        match self {
            Db::Blocking(c) => format!("{c:?}"),
            Db::Async(c, _) => format!("{c:?}"),
        }
    }
}

fn server(config: ServerConfig) -> TestServer {
    TestServer::start(config).unwrap()
}

fn setup(backend: Backend) -> (TestServer, Db) {
    let s = server(ServerConfig::default());
    let db = Db::open(backend, &s.url(), HttpConfig::default()).unwrap();
    (s, db)
}

/// Requests the server received while `f` ran.
fn count<T>(s: &TestServer, f: impl FnOnce() -> T) -> (T, u64) {
    let before = s.request_count();
    let out = f();
    (out, s.request_count() - before)
}

macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod blocking {
            $(#[test] fn $name() { super::$name(super::Backend::Blocking) })*
        }
        mod asynchronous {
            $(#[test] fn $name() { super::$name(super::Backend::Async) })*
        }
    };
}

both!(
    round_trip_budget,
    transactions_across_requests,
    savepoints,
    pragma_persists_per_connection,
    expiry_outside_a_transaction_is_transparent,
    expiry_inside_a_transaction_is_reported,
    atomic_batch_failing_midway,
    atomic_batch_inside_a_transaction_keeps_it,
    stop_on_error_and_continue_on_error,
    insert_returning_and_empty_select,
    statement_count_errors,
    values_round_trip,
    cursor_streams_many_rows,
    cursor_break_then_reuse,
    fallback_to_v2,
    fallback_to_v1,
    forced_version_does_not_probe,
    auth_and_redaction,
    garbage_replies_never_panic,
    close_rolls_back,
    duplicate_long_sql_in_batch,
    request_timeout_fires,
    unreachable_server_is_an_error,
    probe_failures_are_not_cached,
    batches_with_an_unparsable_step,
    a_refused_batch_on_an_expired_stream_reports_every_step,
    a_token_left_in_the_url_is_sent_as_a_header_only,
);

// ---- the round-trip budget -------------------------------------------------

fn round_trip_budget(b: Backend) {
    let (s, db) = setup(b);
    let mut c = db.connect().unwrap();
    let (r, n) = count(&s, || {
        c.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, x TEXT)")
    });
    r.unwrap();
    assert_eq!(n, 1, "autocommit execute");
    let (r, n) = count(&s, || c.exec("INSERT INTO t (x) VALUES ('a')"));
    assert_eq!(r.unwrap().rows_affected, 1);
    assert_eq!(n, 1, "autocommit insert");
    let (r, n) = count(&s, || c.exec("SELECT id, x FROM t"));
    assert_eq!(r.unwrap().rows.len(), 1);
    assert_eq!(n, 1, "query");
    let steps = || {
        vec![
            Statement::new("INSERT INTO t (x) VALUES ('b')"),
            Statement::new("SELECT count(*) FROM t"),
        ]
    };
    let (r, n) = count(&s, || {
        c.batch(&Batch::new(steps(), BatchMode::ContinueOnError))
    });
    assert_eq!(r.unwrap().steps.len(), 2);
    assert_eq!(n, 1, "batch");
    let (r, n) = count(&s, || c.batch(&Batch::atomic(steps())));
    assert!(r.unwrap().steps.iter().all(|s| s.ok().is_some()));
    assert_eq!(n, 1, "atomic batch");
    for stmts in [1, 3] {
        let (_, n) = count(&s, || {
            c.exec("BEGIN").unwrap();
            assert!(!c.autocommit());
            for _ in 0..stmts {
                c.exec("INSERT INTO t (x) VALUES ('tx')").unwrap();
            }
            c.exec("COMMIT").unwrap();
        });
        assert_eq!(n, stmts + 1, "transaction of {stmts} statements");
        assert!(c.autocommit());
    }
    let (_, n) = count(&s, || {
        c.exec("BEGIN").unwrap();
        c.exec("ROLLBACK").unwrap();
    });
    assert_eq!(n, 0, "an empty transaction sends nothing");
    assert_eq!(c.int("SELECT count(*) FROM t WHERE x = 'tx'"), 4);
    assert_eq!(s.open_streams(), 0, "no stream kept without state");
}

fn transactions_across_requests(b: Backend) {
    let (_s, db) = setup(b);
    let mut c = db.connect().unwrap();
    let mut other = db.connect().unwrap();
    c.exec("CREATE TABLE t (x INTEGER)").unwrap();
    c.exec("BEGIN IMMEDIATE").unwrap();
    c.exec("INSERT INTO t VALUES (1)").unwrap();
    assert_eq!(c.int("SELECT count(*) FROM t"), 1);
    c.exec("COMMIT").unwrap();
    assert!(c.autocommit());
    assert_eq!(other.int("SELECT count(*) FROM t"), 1);
    c.exec("BEGIN").unwrap();
    c.exec("INSERT INTO t VALUES (2)").unwrap();
    c.exec("ROLLBACK").unwrap();
    assert!(c.autocommit());
    assert_eq!(other.int("SELECT count(*) FROM t"), 1);
    // A failing statement inside a transaction does not end it.
    c.exec("BEGIN").unwrap();
    c.exec("INSERT INTO t VALUES (3)").unwrap();
    let e = c.exec("INSERT INTO nope VALUES (1)").unwrap_err();
    assert_eq!(e.sqlite_code(), Some(codes::SQLITE_ERROR));
    assert!(!c.autocommit());
    c.exec("COMMIT").unwrap();
    assert_eq!(other.int("SELECT count(*) FROM t"), 2);
    // A held BEGIN that fails reports its error on the call that sends it.
    c.exec("BEGIN NONSENSE").unwrap();
    assert!(!c.autocommit());
    let e = c.exec("SELECT 1").unwrap_err();
    assert_eq!(e.sqlite_code(), Some(codes::SQLITE_ERROR));
    assert!(c.autocommit());
    assert_eq!(c.int("SELECT 2"), 2);
}

fn savepoints(b: Backend) {
    let (_s, db) = setup(b);
    let mut c = db.connect().unwrap();
    assert!(c.caps().has(Capability::Savepoints));
    c.exec("CREATE TABLE t (x INTEGER)").unwrap();
    c.exec("BEGIN").unwrap();
    c.exec("INSERT INTO t VALUES (1)").unwrap();
    c.exec("SAVEPOINT a").unwrap();
    c.exec("INSERT INTO t VALUES (2)").unwrap();
    c.exec("SAVEPOINT b").unwrap();
    c.exec("INSERT INTO t VALUES (3)").unwrap();
    c.exec("ROLLBACK TO b").unwrap();
    c.exec("RELEASE b").unwrap();
    c.exec("ROLLBACK TO a").unwrap();
    c.exec("RELEASE a").unwrap();
    assert!(!c.autocommit());
    c.exec("COMMIT").unwrap();
    assert_eq!(c.int("SELECT sum(x) FROM t"), 1);
    // A savepoint outside a transaction opens one; releasing it ends it.
    c.exec("SAVEPOINT outer_sp").unwrap();
    assert!(!c.autocommit());
    c.exec("INSERT INTO t VALUES (4)").unwrap();
    c.exec("RELEASE outer_sp").unwrap();
    assert!(c.autocommit());
    assert_eq!(c.int("SELECT count(*) FROM t"), 2);
}

fn pragma_persists_per_connection(b: Backend) {
    let (_s, db) = setup(b);
    let mut c = db.connect().unwrap();
    let default = c.int("PRAGMA foreign_keys");
    let flipped = 1 - default;
    c.exec(&format!("PRAGMA foreign_keys = {flipped}")).unwrap();
    assert_eq!(c.int("PRAGMA foreign_keys"), flipped);
    assert_eq!(c.int("PRAGMA foreign_keys"), flipped);
    let mut other = db.connect().unwrap();
    assert_eq!(other.int("PRAGMA foreign_keys"), default);
    assert_eq!(c.int("PRAGMA foreign_keys"), flipped);
}

fn expiry_outside_a_transaction_is_transparent(b: Backend) {
    let (s, db) = setup(b);
    let mut c = db.connect().unwrap();
    let default = c.int("PRAGMA foreign_keys");
    c.exec(&format!("PRAGMA foreign_keys = {}", 1 - default))
        .unwrap();
    s.expire_idle_streams();
    let (v, n) = count(&s, || c.int("PRAGMA foreign_keys"));
    assert_eq!(v, 1 - default, "state re-applied on the new stream");
    assert_eq!(n, 2, "the expired request and its one retry");
    assert_eq!(c.int("PRAGMA foreign_keys"), 1 - default);
}

fn expiry_inside_a_transaction_is_reported(b: Backend) {
    let (s, db) = setup(b);
    let mut c = db.connect().unwrap();
    c.exec("CREATE TABLE t (x INTEGER)").unwrap();
    c.exec("BEGIN").unwrap();
    c.exec("INSERT INTO t VALUES (1)").unwrap();
    s.expire_idle_streams();
    let (r, n) = count(&s, || c.exec("INSERT INTO t VALUES (2)"));
    let e = r.unwrap_err();
    assert!(
        matches!(
            e,
            Error::StreamExpired {
                in_transaction: true
            }
        ),
        "{e:?}"
    );
    assert_eq!(n, 1, "nothing replayed");
    assert!(c.autocommit());
    assert_eq!(c.int("SELECT count(*) FROM t"), 0);
}

fn atomic_batch_failing_midway(b: Backend) {
    let (_s, db) = setup(b);
    let mut c = db.connect().unwrap();
    c.exec("CREATE TABLE t (x INTEGER UNIQUE)").unwrap();
    let batch = Batch::atomic([
        Statement::with_params("INSERT INTO t VALUES (?)", [1]).unwrap(),
        Statement::with_params("INSERT INTO t VALUES (?)", [2]).unwrap(),
        Statement::with_params("INSERT INTO t VALUES (?)", [1]).unwrap(),
        Statement::with_params("INSERT INTO t VALUES (?)", [3]).unwrap(),
    ]);
    let e = c.batch(&batch).unwrap_err();
    assert_eq!(e.failed_step(), Some(2));
    assert!(e.is_constraint());
    assert!(c.autocommit());
    assert_eq!(c.int("SELECT count(*) FROM t"), 0);
}

fn atomic_batch_inside_a_transaction_keeps_it(b: Backend) {
    let (_s, db) = setup(b);
    let mut c = db.connect().unwrap();
    c.exec("CREATE TABLE t (x INTEGER UNIQUE)").unwrap();
    c.exec("BEGIN").unwrap();
    c.exec("INSERT INTO t VALUES (10)").unwrap();
    let bad = Batch::atomic([
        Statement::new("INSERT INTO t VALUES (11)"),
        Statement::new("INSERT INTO t VALUES (10)"),
    ]);
    let e = c.batch(&bad).unwrap_err();
    assert_eq!(e.failed_step(), Some(1));
    assert!(!c.autocommit(), "the outer transaction survives");
    let good = Batch::atomic([Statement::new("INSERT INTO t VALUES (12)")]);
    c.batch(&good).unwrap();
    c.exec("COMMIT").unwrap();
    assert_eq!(c.int("SELECT sum(x) FROM t"), 22);
    // Held BEGIN followed directly by an atomic batch.
    c.exec("BEGIN").unwrap();
    c.batch(&Batch::atomic([Statement::new(
        "INSERT INTO t VALUES (13)",
    )]))
    .unwrap();
    assert!(!c.autocommit());
    c.exec("ROLLBACK").unwrap();
    assert_eq!(c.int("SELECT count(*) FROM t"), 2);
}

fn stop_on_error_and_continue_on_error(b: Backend) {
    let (_s, db) = setup(b);
    let mut c = db.connect().unwrap();
    let steps = || {
        vec![
            Statement::new("SELECT 1"),
            Statement::new("SELECT * FROM missing"),
            Statement::new("SELECT 3"),
        ]
    };
    let r = c
        .batch(&Batch::new(steps(), BatchMode::StopOnError))
        .unwrap();
    assert!(r.steps[0].ok().is_some());
    assert_eq!(
        r.steps[1].err().unwrap().sqlite_code(),
        Some(codes::SQLITE_ERROR)
    );
    assert!(matches!(r.steps[2], StepResult::Skipped));
    let r = c
        .batch(&Batch::new(steps(), BatchMode::ContinueOnError))
        .unwrap();
    assert_eq!(
        r.steps[2].ok().unwrap().rows[0].values(),
        &[Value::Integer(3)]
    );
}

fn insert_returning_and_empty_select(b: Backend) {
    let (_s, db) = setup(b);
    let mut c = db.connect().unwrap();
    c.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, x TEXT)")
        .unwrap();
    c.exec("INSERT INTO t (x) VALUES ('a')").unwrap();
    let rs = c
        .exec_stmt(
            &Statement::with_params("INSERT INTO t (x) VALUES (?) RETURNING id, x", ["b"]).unwrap(),
        )
        .unwrap();
    assert_eq!(rs.rows.len(), 1);
    assert_eq!(rs.rows[0].get::<i64>("id").unwrap(), 2);
    assert_eq!(rs.rows_affected, 1);
    assert_eq!(rs.last_insert_rowid, Some(2));
    let rs = c.exec("SELECT id, x FROM t WHERE 0").unwrap();
    assert_eq!(rs.columns.len(), 2);
    assert_eq!(rs.columns[1].name, "x");
    assert!(rs.rows.is_empty());
    let rs = c.exec("SELECT 1 AS a, 2 AS a").unwrap();
    assert_eq!(rs.rows[0].values(), &[Value::Integer(1), Value::Integer(2)]);
}

fn statement_count_errors(b: Backend) {
    let (_s, db) = setup(b);
    let mut c = db.connect().unwrap();
    assert_eq!(
        c.exec("SELECT 1; SELECT 2").unwrap_err().kind(),
        ErrorKind::MultipleStatements
    );
    assert_eq!(
        c.exec("  -- nothing").unwrap_err().kind(),
        ErrorKind::NoStatement
    );
    c.exec("SELECT 1;").unwrap();
    let e = c.exec("SELEC 1").unwrap_err();
    assert_eq!(e.sqlite_code(), Some(codes::SQLITE_ERROR));
    let e = c
        .exec_stmt(&Statement::with_params("SELECT ?", (1, 2)).unwrap())
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArguments);
}

fn values_round_trip(b: Backend) {
    let (_s, db) = setup(b);
    let mut c = db.connect().unwrap();
    let values = vec![
        Value::Integer(i64::MIN),
        Value::Integer(i64::MAX),
        Value::Integer(9_007_199_254_740_993),
        Value::Real(0.1),
        Value::Real(-1.5e300),
        Value::Text("héllo\0world".into()),
        Value::Blob(vec![]),
        Value::Blob(vec![0xfb, 0xff, 0xfe, 0x01, 0x00]),
        Value::Null,
    ];
    let placeholders = vec!["?"; values.len()].join(", ");
    let stmt = Statement {
        sql: format!("SELECT {placeholders}").into(),
        params: sqlport_core::Params::Positional(values.clone()),
    };
    let rs = c.exec_stmt(&stmt).unwrap();
    assert_eq!(rs.rows[0].values(), &values[..]);
    let rs = c
        .exec("SELECT typeof(x'') , 9007199254740993, -9223372036854775808")
        .unwrap();
    assert_eq!(
        rs.rows[0].values(),
        &[
            Value::Text("blob".into()),
            Value::Integer(9_007_199_254_740_993),
            Value::Integer(i64::MIN)
        ]
    );
    // Names pass as given: `:a` matches `:a`, a bare `b` matches `@b`.
    let named = Statement::with_params(
        "SELECT :a, @b",
        sqlport_core::named_params! {":a": 1, "b": "x"},
    )
    .unwrap();
    let rs = c.exec_stmt(&named).unwrap();
    assert_eq!(
        rs.rows[0].values(),
        &[Value::Integer(1), Value::Text("x".into())]
    );
}

/// Counts rows and sums the first column, keeping nothing.
#[derive(Default)]
struct Counter {
    columns: usize,
    rows: u64,
    sum: i64,
    stop_after: Option<u64>,
}

impl RowSink for Counter {
    fn columns(&mut self, columns: &Arc<[Column]>) -> Result<()> {
        self.columns = columns.len();
        Ok(())
    }
    fn row(&mut self, row: Row) -> Result<ControlFlow<()>> {
        self.rows += 1;
        self.sum += row.get::<i64>(0)?;
        Ok(match self.stop_after {
            Some(n) if self.rows >= n => ControlFlow::Break(()),
            _ => ControlFlow::Continue(()),
        })
    }
}

const COUNT_TO: &str = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000) SELECT x, 'padding padding padding' AS p FROM c";

fn cursor_streams_many_rows(b: Backend) {
    let (s, db) = setup(b);
    let mut c = db.connect().unwrap();
    assert!(c.caps().has(Capability::Streaming));
    let mut sink = Counter::default();
    let (summary, n) = count(&s, || c.stream(&Statement::new(COUNT_TO), &mut sink));
    let summary = summary.unwrap();
    assert_eq!(n, 1);
    assert_eq!(summary.columns.len(), 2);
    assert_eq!(sink.columns, 2);
    assert_eq!(sink.rows, 100_000);
    assert_eq!(sink.sum, 100_000 * 100_001 / 2);
    // Back-to-back cursors share one server stream.
    for i in 0..5 {
        let mut sink = Counter::default();
        c.stream(&Statement::with_params("SELECT ?", [i]).unwrap(), &mut sink)
            .unwrap();
        assert_eq!((sink.rows, sink.sum), (1, i));
    }
    assert!(s.open_streams() <= 1, "{} streams", s.open_streams());
    // Inside a transaction the cursor shares the stream.
    c.exec("CREATE TABLE t (x INTEGER)").unwrap();
    c.exec("BEGIN").unwrap();
    c.exec("INSERT INTO t VALUES (5)").unwrap();
    let mut sink = Counter::default();
    c.stream(&Statement::new("SELECT x FROM t"), &mut sink)
        .unwrap();
    assert_eq!((sink.rows, sink.sum), (1, 5));
    assert!(!c.autocommit());
    c.exec("ROLLBACK").unwrap();
    assert_eq!(c.int("SELECT count(*) FROM t"), 0);
}

/// Fails on the first row.
struct FailingSink;

impl RowSink for FailingSink {
    fn columns(&mut self, _: &Arc<[Column]>) -> Result<()> {
        Ok(())
    }
    fn row(&mut self, _: Row) -> Result<ControlFlow<()>> {
        Err(Error::NoRows)
    }
}

fn cursor_break_then_reuse(b: Backend) {
    let (_s, db) = setup(b);
    let mut c = db.connect().unwrap();
    // A sink error comes back unchanged, with or without state held.
    let e = c
        .stream(&Statement::new(COUNT_TO), &mut FailingSink)
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NoRows);
    c.exec("BEGIN").unwrap();
    c.exec("SELECT 1").unwrap();
    let e = c
        .stream(&Statement::new(COUNT_TO), &mut FailingSink)
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NoRows);
    assert!(!c.autocommit());
    c.exec("COMMIT").unwrap();
    let mut sink = Counter {
        stop_after: Some(10),
        ..Counter::default()
    };
    c.stream(&Statement::new(COUNT_TO), &mut sink).unwrap();
    assert_eq!(sink.rows, 10);
    assert_eq!(c.int("SELECT 7"), 7);
    // With state held, the rest is drained and the stream stays usable.
    c.exec("BEGIN").unwrap();
    c.exec("CREATE TABLE t (x INTEGER)").unwrap();
    let mut sink = Counter {
        stop_after: Some(3),
        ..Counter::default()
    };
    c.stream(&Statement::new(COUNT_TO), &mut sink).unwrap();
    assert_eq!(sink.rows, 3);
    assert!(!c.autocommit());
    c.exec("INSERT INTO t VALUES (1)").unwrap();
    c.exec("COMMIT").unwrap();
    assert_eq!(c.int("SELECT count(*) FROM t"), 1);
}

fn fallback_to_v2(b: Backend) {
    let s = server(ServerConfig {
        enable_v3: false,
        ..ServerConfig::default()
    });
    let db = Db::open(b, &s.url(), HttpConfig::default()).unwrap();
    let mut c = db.connect().unwrap();
    assert_eq!(c.version(), Version::V2);
    assert!(c.caps().has(Capability::InteractiveTransactions));
    assert!(!c.caps().has(Capability::Streaming));
    c.exec("CREATE TABLE t (x INTEGER)").unwrap();
    let (_, n) = count(&s, || {
        c.exec("BEGIN").unwrap();
        c.exec("INSERT INTO t VALUES (1)").unwrap();
        c.exec("INSERT INTO t VALUES (2)").unwrap();
        assert!(!c.autocommit());
        c.exec("COMMIT").unwrap();
    });
    assert_eq!(n, 3);
    assert!(c.autocommit());
    let e = c
        .batch(&Batch::atomic([
            Statement::new("INSERT INTO t VALUES (3)"),
            Statement::new("INSERT INTO nope VALUES (4)"),
        ]))
        .unwrap_err();
    assert_eq!(e.failed_step(), Some(1));
    let mut sink = Counter::default();
    c.stream(&Statement::new("SELECT x FROM t"), &mut sink)
        .unwrap();
    assert_eq!((sink.rows, sink.sum), (2, 3));
    // The version is negotiated once per connector.
    let (_, n) = count(&s, || db.connect().unwrap());
    assert_eq!(n, 0);
}

fn fallback_to_v1(b: Backend) {
    let s = server(ServerConfig {
        enable_v3: false,
        enable_v2: false,
        ..ServerConfig::default()
    });
    let db = Db::open(b, &s.url(), HttpConfig::default()).unwrap();
    let mut c = db.connect().unwrap();
    assert_eq!(c.version(), Version::V1);
    let caps = c.caps();
    for cap in [
        Capability::InteractiveTransactions,
        Capability::Savepoints,
        Capability::ConnectionState,
        Capability::Streaming,
    ] {
        assert!(!caps.has(cap), "{cap}");
    }
    c.exec("CREATE TABLE t (x INTEGER UNIQUE)").unwrap();
    assert_eq!(c.int("SELECT count(*) FROM t"), 0);
    let e = c
        .batch(&Batch::atomic([
            Statement::new("INSERT INTO t VALUES (1)"),
            Statement::new("INSERT INTO t VALUES (1)"),
        ]))
        .unwrap_err();
    assert_eq!(e.failed_step(), Some(1));
    assert!(e.is_constraint());
    assert_eq!(c.int("SELECT count(*) FROM t"), 0);
    let e = c.exec("SELEC 1").unwrap_err();
    assert_eq!(e.sqlite_code(), Some(codes::SQLITE_ERROR));
    let e = c.exec("INSERT INTO nope VALUES (1)").unwrap_err();
    assert_eq!(e.sqlite_code(), Some(codes::SQLITE_ERROR));
}

fn forced_version_does_not_probe(b: Backend) {
    let s = server(ServerConfig::default());
    let (db, n) = count(&s, || {
        let db = Db::open(
            b,
            &s.url(),
            HttpConfig {
                version: ProtocolVersion::V2,
                ..HttpConfig::default()
            },
        )
        .unwrap();
        let c = db.connect().unwrap();
        assert_eq!(c.version(), Version::V2);
        db
    });
    assert_eq!(n, 0);
    let mut c = db.connect().unwrap();
    assert_eq!(c.int("SELECT 41 + 1"), 42);
}

// ---- auth and redaction ----------------------------------------------------

/// A `Write` that appends to a shared buffer (for a test subscriber).
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn auth_and_redaction(b: Backend) {
    const SECRET: &str = "s3cr3t-t0ken-value";
    let s = server(ServerConfig {
        auth: Some(ServerAuth::Token(AuthToken::new(SECRET))),
        ..ServerConfig::default()
    });
    let logs = Captured::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let mut seen = Vec::new();
    tracing::subscriber::with_default(subscriber, || {
        let config = HttpConfig {
            auth_token: Some(AuthToken::new(SECRET)),
            ..HttpConfig::default()
        };
        seen.push(format!("{config:?}"));
        let db = Db::open(b, &s.url(), config).unwrap();
        seen.push(db.debug());
        let mut c = db.connect().unwrap();
        seen.push(c.debug());
        c.exec("CREATE TABLE t (x)").unwrap();
        c.exec("BEGIN").unwrap();
        c.exec("INSERT INTO t VALUES (1)").unwrap();
        seen.push(c.debug());
        c.exec("COMMIT").unwrap();
        let e = c.exec("SELEC").unwrap_err();
        seen.push(format!("{e:?} {e}"));

        for token in [None, Some("wrong-token")] {
            let config = HttpConfig {
                auth_token: token.map(AuthToken::new),
                ..HttpConfig::default()
            };
            let db = Db::open(b, &s.url(), config).unwrap();
            let e = db
                .connect()
                .and_then(|mut c| c.exec("SELECT 1"))
                .unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Auth, "{e:?}");
            assert!(e.is_auth());
            seen.push(format!("{e:?} {e}"));
        }
    });
    // The URL's token is used when the config has none.
    let target = RemoteTarget {
        url: s.url().parse().unwrap(),
        auth_token: Some(AuthToken::new(SECRET)),
    };
    let mut c = HttpConnector::new(&target, HttpConfig::default())
        .unwrap()
        .connect_http()
        .unwrap();
    assert_eq!(c.int("SELECT 1"), 1);
    let log = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(log.contains("hrana_http"), "the request span was logged");
    for text in seen.iter().chain(std::iter::once(&log)) {
        assert!(!text.contains(SECRET), "token leaked: {text}");
    }
}

// ---- garbage from a hand-rolled server --------------------------------------

/// Serves `replies` (raw HTTP responses) to the next connections, one per
/// connection, reading each request first. Returns the base URL.
fn canned(replies: Vec<Vec<u8>>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for reply in replies {
            let Ok((mut sock, _)) = listener.accept() else {
                return;
            };
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            // Read headers, then the body by content-length (bounded).
            let mut need: Option<usize> = None;
            for _ in 0..10_000 {
                if let Some(n) = need {
                    if buf.len() >= n {
                        break;
                    }
                }
                let Ok(k) = sock.read(&mut chunk) else { break };
                if k == 0 {
                    break;
                }
                buf.extend_from_slice(&chunk[..k]);
                if need.is_none() {
                    if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
                        let len = head
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .and_then(|v| v.trim().parse::<usize>().ok())
                            .unwrap_or(0);
                        need = Some(end + 4 + len);
                    }
                }
            }
            let _ = sock.write_all(&reply);
            let _ = sock.flush();
        }
    });
    format!("http://{addr}")
}

fn http(status: &str, content_type: &str, body: &[u8]) -> Vec<u8> {
    let mut r = format!(
        "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    r.extend_from_slice(body);
    r
}

fn garbage_replies_never_panic(b: Backend) {
    let cursor_cut = b"{\"baton\":null,\"base_url\":null}\n{\"type\":\"step_begin\",\"step\":0,\"cols\":[{\"name\":\"x\"}]}\n{\"type\":\"row\",\"row\":[{\"type\":\"integer\",\"value\":\"1\"}]}\n";
    let replies = vec![
        http("500 Internal Server Error", "text/html", b"<html><body><h1>500</h1></body></html>"),
        http("200 OK", "application/json", b"<html>this is not json</html>"),
        http("200 OK", "application/json", br#"{"baton":null,"base_url":null,"results":[]}"#),
        http(
            "200 OK",
            "application/json",
            br#"{"baton":null,"base_url":null,"results":[{"type":"ok","response":{"type":"execute","result":{"cols":[],"rows":[],"affected_row_count":0,"last_insert_rowid":"not a number"}}},{"type":"ok","response":{"type":"get_autocommit","is_autocommit":true}},{"type":"ok","response":{"type":"close"}}]}"#,
        ),
        http("200 OK", "text/plain", cursor_cut),
        b"HTTP/1.1 200 OK\r\ncontent-length: 500\r\nconnection: close\r\n\r\n{\"baton\":null,".to_vec(),
        http("401 Unauthorized", "application/json", br#"{"error":"Unauthorized: nope"}"#),
    ];
    let url = canned(replies);
    let db = Db::open(
        b,
        &url,
        HttpConfig {
            version: ProtocolVersion::V3,
            ..HttpConfig::default()
        },
    )
    .unwrap();
    let mut c = db.connect().unwrap();
    let e = c.exec("SELECT 1").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Http, "{e:?}");
    assert!(matches!(e, Error::Http { status: 500, .. }));
    for _ in 0..2 {
        let e = c.exec("SELECT 1").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Protocol, "{e:?}");
    }
    let e = c.exec("SELECT 1").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Protocol, "{e:?}");
    let mut sink = Counter::default();
    let e = c
        .stream(&Statement::new("SELECT 1"), &mut sink)
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Protocol, "{e:?}");
    let e = c.exec("SELECT 1").unwrap_err();
    assert!(
        matches!(
            e.kind(),
            ErrorKind::Protocol | ErrorKind::Transport | ErrorKind::Io
        ),
        "{e:?}"
    );
    let e = c.exec("SELECT 1").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Auth);
}

// ---- closing ---------------------------------------------------------------

fn close_rolls_back(b: Backend) {
    let (s, db) = setup(b);
    let mut c = db.connect().unwrap();
    c.exec("CREATE TABLE t (x INTEGER)").unwrap();
    c.exec("BEGIN").unwrap();
    c.exec("INSERT INTO t VALUES (1)").unwrap();
    assert_eq!(s.open_streams(), 1);
    let (r, n) = count(&s, || c.close());
    r.unwrap();
    assert_eq!(n, 1);
    assert_eq!(s.open_streams(), 0);
    assert_eq!(c.exec("SELECT 1").unwrap_err().kind(), ErrorKind::Closed);
    c.close().unwrap();
    let mut c = db.connect().unwrap();
    assert_eq!(c.int("SELECT count(*) FROM t"), 0);
    match b {
        Backend::Blocking => {
            // Dropping a connection that holds a stream closes it at once.
            c.exec("BEGIN").unwrap();
            c.exec("INSERT INTO t VALUES (2)").unwrap();
            assert_eq!(s.open_streams(), 1);
            drop(c);
            assert_eq!(s.open_streams(), 0);
        }
        Backend::Async => {
            // enqueue: a dropped guard's ROLLBACK rides with the next request.
            drop(c);
            let mut a = db.connect_async();
            a.exec("BEGIN").unwrap();
            a.exec("INSERT INTO t VALUES (2)").unwrap();
            a.enqueue(Statement::new("ROLLBACK"));
            let (v, n) = count(&s, || a.int("SELECT count(*) FROM t"));
            assert_eq!((v, n), (0, 1));
            assert!(a.autocommit());
        }
    }
    let mut c = db.connect().unwrap();
    assert_eq!(c.int("SELECT count(*) FROM t"), 0);
}

fn duplicate_long_sql_in_batch(b: Backend) {
    let (s, db) = setup(b);
    let mut c = db.connect().unwrap();
    c.exec("CREATE TABLE t (x INTEGER)").unwrap();
    let sql = format!(
        "INSERT INTO t (x) VALUES (?) /* {} */",
        "long comment ".repeat(40)
    );
    let steps: Vec<_> = (0..20)
        .map(|i| Statement::with_params(sql.clone(), [i]).unwrap())
        .collect();
    let (r, n) = count(&s, || c.batch(&Batch::atomic(steps)));
    assert_eq!(r.unwrap().steps.len(), 20);
    assert_eq!(n, 1);
    assert_eq!(c.int("SELECT sum(x) FROM t"), 190);
}

// ---- timeouts and unreachable servers ----------------------------------------

/// A server that accepts one connection, reads the request and never answers;
/// it holds the socket until the client goes away.
fn silent() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let Ok((mut sock, _)) = listener.accept() else {
            return;
        };
        let mut chunk = [0u8; 4096];
        for _ in 0..100_000 {
            match sock.read(&mut chunk) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    });
    format!("http://{addr}")
}

fn request_timeout_fires(b: Backend) {
    let url = silent();
    let db = Db::open(
        b,
        &url,
        HttpConfig {
            version: ProtocolVersion::V3,
            request_timeout: std::time::Duration::from_millis(300),
            ..HttpConfig::default()
        },
    )
    .unwrap();
    let mut c = db.connect().unwrap();
    let e = c.exec("INSERT INTO t VALUES (1)").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e:?}");
    assert!(e.is_timeout());
    assert!(c.autocommit());
}

fn unreachable_server_is_an_error(b: Backend) {
    // A port that was just free: connecting is refused.
    let addr = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let db = Db::open(b, &format!("http://{addr}"), HttpConfig::default()).unwrap();
    let e = db.connect().err().expect("probe fails");
    assert!(
        matches!(e.kind(), ErrorKind::Io | ErrorKind::Transport),
        "{e:?}"
    );
    let forced = Db::open(
        b,
        &format!("http://{addr}"),
        HttpConfig {
            version: ProtocolVersion::V3,
            ..HttpConfig::default()
        },
    )
    .unwrap();
    let mut c = forced.connect().unwrap();
    let e = c.exec("SELECT 1").unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::Io | ErrorKind::Transport),
        "{e:?}"
    );
}

fn probe_failures_are_not_cached(b: Backend) {
    let url = canned(vec![
        http("503 Service Unavailable", "text/plain", b"busy"),
        http(
            "401 Unauthorized",
            "application/json",
            br#"{"error":"Unauthorized"}"#,
        ),
        http("404 Not Found", "text/plain", b""),
        http(
            "200 OK",
            "text/plain",
            b"Hello, this is HTTP API v2 (Hrana over HTTP)",
        ),
    ]);
    let db = Db::open(b, &url, HttpConfig::default()).unwrap();
    let e = db.connect().err().expect("503 on the probe");
    assert_eq!(e.kind(), ErrorKind::Http);
    let e = db.connect().err().expect("401 on the probe");
    assert_eq!(e.kind(), ErrorKind::Auth);
    // 404 on /v3, 200 on /v2: v2, and now cached.
    let c = db.connect().unwrap();
    assert_eq!(c.version(), Version::V2);
    assert_eq!(db.connect().unwrap().version(), Version::V2);
}

fn batches_with_an_unparsable_step(b: Backend) {
    let (_s, db) = setup(b);
    let mut c = db.connect().unwrap();
    c.exec("CREATE TABLE t (x INTEGER)").unwrap();
    let steps = |a: i64, z: i64| {
        vec![
            Statement::with_params("INSERT INTO t VALUES (?)", [a]).unwrap(),
            Statement::new("SELEC 2"),
            Statement::with_params("INSERT INTO t VALUES (?)", [z]).unwrap(),
        ]
    };
    let e = c.batch(&Batch::atomic(steps(1, 3))).unwrap_err();
    assert_eq!(e.failed_step(), Some(1));
    assert_eq!(e.sqlite_code(), Some(codes::SQLITE_ERROR));
    assert_eq!(c.int("SELECT count(*) FROM t"), 0);

    let r = c
        .batch(&Batch::new(steps(1, 3), BatchMode::StopOnError))
        .unwrap();
    assert!(r.steps[0].ok().is_some());
    assert_eq!(
        r.steps[1].err().unwrap().sqlite_code(),
        Some(codes::SQLITE_ERROR)
    );
    assert!(matches!(r.steps[2], StepResult::Skipped));
    assert_eq!(c.int("SELECT sum(x) FROM t"), 1);

    let r = c
        .batch(&Batch::new(steps(10, 20), BatchMode::ContinueOnError))
        .unwrap();
    assert!(r.steps[1].err().is_some());
    assert!(r.steps[2].ok().is_some());
    assert_eq!(c.int("SELECT sum(x) FROM t"), 31);

    // Inside a transaction the outer transaction survives.
    c.exec("BEGIN").unwrap();
    c.exec("INSERT INTO t VALUES (100)").unwrap();
    let e = c.batch(&Batch::atomic(steps(5, 6))).unwrap_err();
    assert_eq!(e.failed_step(), Some(1));
    assert!(!c.autocommit());
    c.exec("COMMIT").unwrap();
    assert_eq!(c.int("SELECT sum(x) FROM t"), 131);
    // Right after a held BEGIN: the BEGIN is still held afterwards.
    c.exec("BEGIN").unwrap();
    let e = c.batch(&Batch::atomic(steps(7, 8))).unwrap_err();
    assert_eq!(e.failed_step(), Some(1));
    assert!(!c.autocommit());
    c.exec("INSERT INTO t VALUES (1000)").unwrap();
    c.exec("ROLLBACK").unwrap();
    assert_eq!(c.int("SELECT sum(x) FROM t"), 131);
}

fn a_refused_batch_on_an_expired_stream_reports_every_step(b: Backend) {
    let (s, db) = setup(b);
    let mut c = db.connect().unwrap();
    c.exec("CREATE TABLE t (x INTEGER)").unwrap();
    // A PRAGMA keeps the stream, so the batch carries a baton that expires.
    let default = c.int("PRAGMA foreign_keys");
    c.exec(&format!("PRAGMA foreign_keys = {}", 1 - default))
        .unwrap();
    s.expire_idle_streams();
    let steps = vec![
        Statement::new("INSERT INTO t VALUES (1)"),
        Statement::new("SELEC 2"),
        Statement::new("INSERT INTO t VALUES (3)"),
    ];
    let (r, n) = count(&s, || c.batch(&Batch::new(steps, BatchMode::StopOnError)));
    // Expired, retried on a new stream (refused: a step does not parse),
    // the steps described, the step before the bad one run: the reply to
    // the last request is the batch's result, never dropped.
    let r = r.unwrap();
    assert_eq!(n, 4);
    assert!(r.steps[0].ok().is_some());
    assert_eq!(
        r.steps[1].err().unwrap().sqlite_code(),
        Some(codes::SQLITE_ERROR)
    );
    assert!(matches!(r.steps[2], StepResult::Skipped));
    assert_eq!(c.int("SELECT sum(x) FROM t"), 1);
    assert_eq!(c.int("PRAGMA foreign_keys"), 1 - default);
}

fn a_token_left_in_the_url_is_sent_as_a_header_only(b: Backend) {
    const SECRET: &str = "s3cr3t-in-the-query";
    // A target built by hand, not by NAME parsing: the token is still in
    // the URL. It is used as the Bearer token and never sent in the URL, so
    // it cannot reach an error message (reqwest's name the URL).
    let with_token = |base: &str| RemoteTarget {
        url: format!("{base}/?x=1&authToken={SECRET}").parse().unwrap(),
        auth_token: None,
    };
    let s = server(ServerConfig {
        auth: Some(ServerAuth::Token(AuthToken::new(SECRET))),
        ..ServerConfig::default()
    });
    let mut texts = Vec::new();
    let target = with_token(&s.url());
    match b {
        Backend::Blocking => {
            let db = HttpConnector::new(&target, HttpConfig::default()).unwrap();
            texts.push(format!("{db:?}"));
            let mut c = db.connect_http().unwrap();
            assert_eq!(c.int("SELECT 1"), 1);
        }
        Backend::Async => {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            let db = AsyncHttpConnector::new(&target, HttpConfig::default()).unwrap();
            texts.push(format!("{db:?}"));
            let rs = rt.block_on(async {
                let mut c = db.connect_http().await?;
                AsyncTransport::execute(&mut c, &Statement::new("SELECT 1")).await
            });
            assert_eq!(rs.unwrap().rows.len(), 1);
        }
    }
    // An unreachable server: the error names the URL, without the token.
    let addr = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let target = with_token(&format!("http://{addr}"));
    let e = match b {
        Backend::Blocking => HttpConnector::new(&target, HttpConfig::default())
            .unwrap()
            .connect_http()
            .unwrap_err(),
        Backend::Async => {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            let db = AsyncHttpConnector::new(&target, HttpConfig::default()).unwrap();
            rt.block_on(db.connect_http()).unwrap_err()
        }
    };
    texts.push(format!("{e:?} {e}"));
    let e = HttpConnector::new(
        &RemoteTarget {
            url: format!("ftp://h/?authToken={SECRET}").parse().unwrap(),
            auth_token: None,
        },
        HttpConfig::default(),
    )
    .unwrap_err();
    texts.push(format!("{e:?} {e}"));
    for text in &texts {
        assert!(!text.contains(SECRET), "token leaked: {text}");
    }
}
