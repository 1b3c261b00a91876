//! The client half of the protocol linked to its server half with no
//! network (as quinn-proto's `Pair`): the client [`Session`] builds each
//! request, [`Server`] runs it with `proto::server` on a local SQLite
//! database, and the reply bytes go back into the session in small chunks.
//! Real exchanges: version negotiation, execute, a batch with conditions,
//! a baton carried across requests (an interactive transaction), a cursor
//! and errors. Needs the `server` feature.

use std::collections::HashMap;
use std::sync::Arc;

use sqlport_core::{
    Batch, BatchMode, CollectRows, Description, ErrorKind, Result, ResultSet, RowSink, Statement,
    Summary, Transport, Value,
};
use sqlport_http::proto::client::{
    HttpRequest, HttpResponse, Method, Negotiated, Next, Output, Session,
};
use sqlport_http::proto::server::{
    Fatal, Limits, ServerStream, StreamExecutor, decode_cursor, decode_pipeline, run_cursor,
};
use sqlport_http::proto::{Version, wire};
use sqlport_local::{LocalConnector, LocalTransport};

/// The server half's executor over a local connection.
struct Exec(LocalTransport);

impl StreamExecutor for Exec {
    fn execute(&mut self, stmt: &Statement) -> Result<ResultSet> {
        self.0.execute(stmt)
    }

    fn query_stream(&mut self, stmt: &Statement, sink: &mut dyn RowSink) -> Result<Summary> {
        self.0.query_stream(stmt, sink)
    }

    fn describe(&mut self, sql: &str) -> Result<Description> {
        self.0.describe(sql)
    }

    fn is_autocommit(&self) -> bool {
        Transport::is_autocommit(&self.0)
    }
}

/// An in-memory Hrana server: one stream (and connection) per baton, on
/// one shared database.
struct Server {
    db: LocalConnector,
    streams: HashMap<String, (ServerStream, Exec)>,
    next_baton: u64,
    /// Requests that carried a baton.
    with_baton: usize,
    /// Requests served.
    served: usize,
}

impl Server {
    fn new() -> Self {
        Server {
            db: LocalConnector::open_memory().expect("an in-memory database"),
            streams: HashMap::new(),
            next_baton: 0,
            with_baton: 0,
            served: 0,
        }
    }

    fn handle(&mut self, req: &HttpRequest) -> HttpResponse {
        self.served += 1;
        let result = match (req.method, req.endpoint) {
            (Method::Get, "v3" | "v2") => Ok((200, Vec::new())),
            (Method::Post, "v3/pipeline") => self.pipeline(&req.body),
            (Method::Post, "v3/cursor") => self.cursor(&req.body),
            _ => Ok((404, b"not found".to_vec())),
        };
        let (status, body) = result.unwrap_or_else(|f| (f.status(), f.body().into_bytes()));
        HttpResponse { status, body }
    }

    /// The stream for `baton` (a new one without), taken out while it runs.
    fn take(&mut self, baton: Option<&str>) -> std::result::Result<(ServerStream, Exec), Fatal> {
        match baton {
            None => {
                let conn = self
                    .db
                    .connect_local()
                    .map_err(|e| Fatal::protocol(e.to_string()))?;
                Ok((ServerStream::new(), Exec(conn)))
            }
            Some(b) => {
                self.with_baton += 1;
                self.streams
                    .remove(b)
                    .ok_or_else(|| Fatal::protocol("unknown baton"))
            }
        }
    }

    /// Keep the stream under a new baton (single use, as on sqld).
    fn keep(&mut self, stream: (ServerStream, Exec)) -> String {
        self.next_baton += 1;
        let baton = format!("baton-{}", self.next_baton);
        self.streams.insert(baton.clone(), stream);
        baton
    }

    fn pipeline(&mut self, body: &[u8]) -> std::result::Result<(u16, Vec<u8>), Fatal> {
        let req = decode_pipeline(body)?;
        let (mut stream, mut exec) = self.take(req.baton.as_deref())?;
        let out = stream.run_pipeline(Version::V3, &req.requests, &mut exec, &Limits::default())?;
        let baton = (!out.closed).then(|| self.keep((stream, exec)));
        Ok((200, out.encode(baton.as_deref(), None).into_bytes()))
    }

    fn cursor(&mut self, body: &[u8]) -> std::result::Result<(u16, Vec<u8>), Fatal> {
        let req: wire::CursorRequest = decode_cursor(body)?;
        let (mut stream, mut exec) = self.take(req.baton.as_deref())?;
        let out = run_cursor(&mut stream, &req.batch, &mut exec)?;
        let baton = self.keep((stream, exec));
        Ok((200, out.encode(Some(&baton), None).into_bytes()))
    }
}

/// A client session and the server, linked in memory.
struct Pair {
    client: Session,
    server: Server,
}

impl Pair {
    fn connect() -> Pair {
        let versions = Arc::new(Negotiated::new(None));
        let base = "http://pair.test/".parse().unwrap();
        let (client, next) = Session::connect(base, &versions, false);
        let mut pair = Pair {
            client,
            server: Server::new(),
        };
        let out = pair.drive(next, &mut CollectRows::default()).unwrap();
        assert!(matches!(out, Output::Connected(Version::V3)));
        assert_eq!(versions.get(), Some(Version::V3));
        pair
    }

    /// Deliver every request to the server and every reply back, the body
    /// in 7-byte chunks (so lines and JSON are split anywhere).
    fn drive(&mut self, next: Result<Next>, sink: &mut dyn RowSink) -> Result<Output> {
        let mut next = next?;
        for _ in 0..16 {
            let Next::Send(req) = next else {
                return next.into_output();
            };
            let resp = self.server.handle(&req);
            let mut reply = self.client.reply(resp.status);
            for chunk in resp.body.chunks(7) {
                if reply.feed(chunk, sink).is_break() {
                    break;
                }
            }
            next = self.client.on_reply(reply, None, sink)?;
        }
        panic!("more than 16 requests for one operation");
    }

    fn execute(&mut self, sql: &str, params: Vec<Value>) -> Result<ResultSet> {
        let stmt = Statement::with_params(sql, params)?;
        let next = self.client.execute(&stmt);
        self.drive(next, &mut CollectRows::default())?.into_rows()
    }

    fn int(&mut self, sql: &str) -> i64 {
        self.execute(sql, vec![]).unwrap().rows[0].get(0).unwrap()
    }
}

#[test]
fn execute_round_trips_values() {
    let mut p = Pair::connect();
    p.execute("CREATE TABLE t (i INTEGER, r REAL, s TEXT, b BLOB)", vec![])
        .unwrap();
    let rs = p
        .execute(
            "INSERT INTO t VALUES (?, ?, ?, ?) RETURNING i, s",
            vec![
                Value::Integer(i64::MIN),
                Value::Real(0.1),
                Value::Text("a\0b".into()),
                Value::Blob(vec![]),
            ],
        )
        .unwrap();
    assert_eq!(rs.rows_affected, 1);
    assert_eq!(rs.rows[0].get::<i64>(0).unwrap(), i64::MIN);
    let rs = p.execute("SELECT * FROM t", vec![]).unwrap();
    let row = &rs.rows[0];
    assert_eq!(row.get::<f64>(1).unwrap(), 0.1);
    assert_eq!(row.get::<String>(2).unwrap(), "a\0b");
    assert_eq!(row.get::<Vec<u8>>(3).unwrap(), Vec::<u8>::new());
    // Autocommit statements keep no stream on the server.
    assert!(p.server.streams.is_empty());
    assert!(!p.client.holds_baton());
}

#[test]
fn an_atomic_batch_commits_all_or_nothing_and_names_the_failing_step() {
    let mut p = Pair::connect();
    p.execute("CREATE TABLE t (x INTEGER PRIMARY KEY)", vec![])
        .unwrap();
    let ok = Batch::atomic([
        Statement::new("INSERT INTO t VALUES (1)"),
        Statement::new("INSERT INTO t VALUES (2)"),
    ]);
    let next = p.client.batch(&ok);
    let r = p
        .drive(next, &mut CollectRows::default())
        .unwrap()
        .into_batch()
        .unwrap();
    assert!(r.steps.iter().all(|s| s.ok().is_some()));
    let bad = Batch::atomic([
        Statement::new("INSERT INTO t VALUES (3)"),
        Statement::new("INSERT INTO t VALUES (1)"),
        Statement::new("INSERT INTO t VALUES (4)"),
    ]);
    let next = p.client.batch(&bad);
    // The conditions chain the steps: the duplicate fails, the rest is
    // skipped and the first step is rolled back.
    let e = p.drive(next, &mut CollectRows::default()).unwrap_err();
    assert_eq!(e.failed_step(), Some(1));
    assert_eq!(e.sqlite_code(), Some(19));
    assert_eq!(p.int("SELECT count(*) FROM t"), 2);
    let continue_on_error = Batch::new(
        [
            Statement::new("INSERT INTO t VALUES (1)"),
            Statement::new("INSERT INTO t VALUES (5)"),
        ],
        BatchMode::ContinueOnError,
    );
    let next = p.client.batch(&continue_on_error);
    let r = p
        .drive(next, &mut CollectRows::default())
        .unwrap()
        .into_batch()
        .unwrap();
    assert!(r.steps[0].err().is_some() && r.steps[1].ok().is_some());
    assert_eq!(p.int("SELECT count(*) FROM t"), 3);
}

#[test]
fn a_transaction_carries_its_baton_across_requests() {
    let mut p = Pair::connect();
    p.execute("CREATE TABLE t (x)", vec![]).unwrap();
    p.execute("BEGIN", vec![]).unwrap();
    assert_eq!(p.server.served, 2, "BEGIN rides with the next statement");
    p.execute("INSERT INTO t VALUES (1)", vec![]).unwrap();
    assert!(p.client.holds_baton() && !p.client.is_autocommit());
    assert_eq!(p.server.streams.len(), 1);
    assert_eq!(p.int("SELECT count(*) FROM t"), 1);
    p.execute("ROLLBACK", vec![]).unwrap();
    assert!(p.client.is_autocommit());
    assert_eq!(p.int("SELECT count(*) FROM t"), 0);
    assert!(
        p.server.with_baton >= 2,
        "later requests went to the same stream"
    );
    assert!(p.server.streams.is_empty(), "the stream was closed");
}

#[test]
fn a_cursor_streams_rows_through_the_sink() {
    let mut p = Pair::connect();
    p.execute(
        "CREATE TABLE t AS WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 500) SELECT n FROM c",
        vec![],
    )
    .unwrap();
    let mut sink = CollectRows::default();
    let next = p
        .client
        .query_stream(&Statement::new("SELECT n FROM t ORDER BY n"));
    let summary = p.drive(next, &mut sink).unwrap().into_summary().unwrap();
    assert_eq!(summary.columns[0].name, "n");
    assert_eq!(sink.rows.len(), 500);
    assert_eq!(sink.rows[499].get::<i64>(0).unwrap(), 500);
    // A cursor inside a transaction sees the transaction's writes.
    p.execute("BEGIN", vec![]).unwrap();
    p.execute("DELETE FROM t WHERE n > 10", vec![]).unwrap();
    let mut sink = CollectRows::default();
    let next = p.client.query_stream(&Statement::new("SELECT n FROM t"));
    p.drive(next, &mut sink).unwrap();
    assert_eq!(sink.rows.len(), 10);
    p.execute("ROLLBACK", vec![]).unwrap();
    assert_eq!(p.int("SELECT count(*) FROM t"), 500);
}

#[test]
fn errors_come_back_with_their_codes() {
    let mut p = Pair::connect();
    let e = p.execute("SELEC 1", vec![]).unwrap_err();
    assert_eq!(e.sqlite_code(), Some(1));
    p.execute("CREATE TABLE t (x NOT NULL)", vec![]).unwrap();
    let e = p
        .execute("INSERT INTO t VALUES (NULL)", vec![])
        .unwrap_err();
    assert_eq!(e.sqlite_code(), Some(19));
    // A cursor's failing statement too.
    let next = p
        .client
        .query_stream(&Statement::new("SELECT * FROM nosuchtable"));
    let e = p.drive(next, &mut CollectRows::default()).unwrap_err();
    assert_eq!(e.sqlite_code(), Some(1));
    // A stream the server does not know (its baton was lost) fails the
    // transaction: it is lost, not replayed.
    p.execute("BEGIN", vec![]).unwrap();
    p.execute("INSERT INTO t VALUES (1)", vec![]).unwrap();
    p.server.streams.clear();
    let e = p.execute("INSERT INTO t VALUES (2)", vec![]).unwrap_err();
    assert_ne!(e.kind(), ErrorKind::Sqlite);
    let e = p.execute("SELECT 1", vec![]).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TransactionLost);
    p.execute("ROLLBACK", vec![]).unwrap();
    assert_eq!(p.int("SELECT count(*) FROM t"), 0);
}
