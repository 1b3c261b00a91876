//! The HTTP transport (sqlport-http) against the reference Hrana server, on
//! both backends: the round-trip budget (counted by the server), stateful
//! connections, expiry, batches, streaming, version fallback, auth and
//! redaction, and garbage replies from a hand-rolled server.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::ops::ControlFlow;
use std::sync::{Arc, Mutex};

use sqlport_conformance::server::{ServerAuth, ServerConfig, TestServer};
use sqlport_conformance::suite::blocking_over_async::{self, BlockingOverAsync};
use sqlport_core::{
    AsyncTransport, AuthToken, Batch, BatchMode, BatchResult, Capabilities, Capability, Column,
    Error, ErrorKind, RemoteTarget, Result, ResultSet, Row, RowSink, Statement, StepResult,
    Summary, Transport, Value, codes,
};
use sqlport_http::{
    AsyncHttpConnector, AsyncHttpTransport, HttpConfig, HttpConnector, HttpTransport, Version,
};

mod auth;
mod batches;
mod cursor;
mod failures;
mod redirect;
mod results;
mod streams;
mod versions;

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

/// The async backend behind the blocking API: the suite's shared adapter,
/// keeping the concrete transport for its version and `enqueue`.
type AsyncConn = BlockingOverAsync<AsyncHttpTransport>;

impl Conn for AsyncConn {
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
        self.inner().version()
    }
    fn close(&mut self) -> Result<()> {
        Transport::close(self)
    }
    fn debug(&self) -> String {
        format!("{:?}", self.inner())
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
            Backend::Async => Db::Async(
                AsyncHttpConnector::new(&target, config)?,
                blocking_over_async::runtime()?,
            ),
        })
    }

    fn connect(&self) -> Result<Box<dyn Conn>> {
        Ok(match self {
            Db::Blocking(c) => Box::new(c.connect_http()?),
            Db::Async(c, rt) => Box::new(AsyncConn::new(
                Box::new(rt.block_on(c.connect_http())?),
                rt.clone(),
            )),
        })
    }

    fn connect_async(&self) -> AsyncConn {
        match self {
            Db::Async(c, rt) => {
                AsyncConn::new(Box::new(rt.block_on(c.connect_http()).unwrap()), rt.clone())
            }
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
    ($($module:ident::$name:ident),* $(,)?) => {
        mod blocking {
            $(#[test] fn $name() { super::$module::$name(super::Backend::Blocking) })*
        }
        mod asynchronous {
            $(#[test] fn $name() { super::$module::$name(super::Backend::Async) })*
        }
    };
}

both!(
    streams::round_trip_budget,
    streams::transactions_across_requests,
    streams::savepoints,
    streams::pragma_persists_per_connection,
    streams::expiry_outside_a_transaction_is_transparent,
    streams::expiry_inside_a_transaction_is_reported,
    streams::pragma_replay_only_committed_connection_state,
    streams::close_rolls_back,
    streams::kept_idle_stream,
    streams::concurrent_connections_reuse_tcp_connections,
    batches::atomic_batch_failing_midway,
    batches::atomic_batch_inside_a_transaction_keeps_it,
    batches::stop_on_error_and_continue_on_error,
    batches::duplicate_long_sql_in_batch,
    batches::batches_with_an_unparsable_step,
    batches::a_refused_batch_on_an_expired_stream_reports_every_step,
    results::insert_returning_and_empty_select,
    results::statement_count_errors,
    results::values_round_trip,
    results::five_megabyte_blob,
    cursor::cursor_streams_many_rows,
    cursor::cursor_break_then_reuse,
    versions::fallback_to_v2,
    versions::fallback_to_v1,
    versions::forced_version_does_not_probe,
    versions::probe_failures_are_not_cached,
    auth::auth_and_redaction,
    auth::a_token_left_in_the_url_is_sent_as_a_header_only,
    failures::garbage_replies_never_panic,
    failures::request_timeout_fires,
    failures::unreachable_server_is_an_error,
    failures::a_cursor_body_that_stalls_times_out,
    failures::a_long_cursor_is_not_cut_by_the_request_timeout,
    redirect::base_url_is_followed_for_the_stream,
    redirect::base_url_to_another_origin_is_ignored,
);

// ---- shared sinks and canned servers ---------------------------------------

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
