//! Tests of [`AsyncOverBlocking`] with a fake blocking transport.

use std::sync::atomic::AtomicUsize;
use std::thread::ThreadId;
use std::time::Duration;

use super::*;
use crate::capability::Capability;
use crate::error::ErrorKind;
use crate::result::{CollectRows, Column, Row};
use crate::value::Value;

/// Hang guard for waits that must complete (never a timing assertion).
const GUARD: Duration = Duration::from_secs(10);

#[derive(Default)]
struct Probe {
    log: Mutex<Vec<String>>,
    produced: AtomicUsize,
}

impl Probe {
    fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }
}

struct Fake {
    probe: Arc<Probe>,
    autocommit: bool,
    closed: bool,
    entered: Option<flume::Sender<()>>,
    gate: Option<flume::Receiver<()>>,
    on_close: Option<flume::Sender<()>>,
}

impl Fake {
    fn new(probe: Arc<Probe>) -> Self {
        Fake {
            probe,
            autocommit: true,
            closed: false,
            entered: None,
            gate: None,
            on_close: None,
        }
    }

    fn cols() -> Arc<[Column]> {
        vec![Column::new("n", None)].into()
    }
}

impl Transport for Fake {
    fn execute(&mut self, stmt: &Statement) -> Result<ResultSet> {
        if self.closed {
            return Err(Error::Closed);
        }
        let sql: &str = &stmt.sql;
        self.probe.log.lock().unwrap().push(sql.to_owned());
        match sql {
            "BEGIN" => self.autocommit = false,
            "COMMIT" | "ROLLBACK" => self.autocommit = true,
            "FAIL" => return Err(Error::sqlite(19, Some(2067), "unique")),
            "PANIC" => panic!("fake transport panics on purpose"),
            "BLOCK" | "BLOCK BEGIN" => {
                if let Some(e) = &self.entered {
                    e.send(()).unwrap();
                }
                if let Some(g) = &self.gate {
                    g.recv_timeout(GUARD)
                        .map_err(|_| Error::Timeout("gate never opened".into()))?;
                }
                if sql == "BLOCK BEGIN" {
                    self.autocommit = false;
                }
            }
            _ => {}
        }
        Ok(ResultSet {
            columns: Self::cols(),
            rows: vec![Row::new(Self::cols(), vec![Value::Text(sql.to_owned())])?],
            ..ResultSet::default()
        })
    }

    fn query_stream(&mut self, stmt: &Statement, sink: &mut dyn RowSink) -> Result<Summary> {
        // `ROWS n`: n rows; `ROWS n THEN FAIL`: n rows, then a stepping error.
        let (count, fails) = match stmt.sql.strip_suffix(" THEN FAIL") {
            Some(head) => (head, true),
            None => (&*stmt.sql, false),
        };
        let n: usize = count
            .strip_prefix("ROWS ")
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| Error::sqlite(1, None, "not ROWS n"))?;
        let cols = Self::cols();
        sink.columns(&cols)?;
        for i in 0..n {
            self.probe.produced.fetch_add(1, Ordering::SeqCst);
            let row = Row::new(cols.clone(), vec![Value::Integer(i as i64)])?;
            if sink.row(row)?.is_break() {
                break;
            }
        }
        if fails {
            return Err(Error::sqlite(19, Some(275), "CHECK constraint failed"));
        }
        Ok(Summary {
            columns: cols,
            rows_affected: 0,
            last_insert_rowid: None,
            rows_read: None,
            rows_written: None,
        })
    }

    fn batch(&mut self, batch: &Batch) -> Result<BatchResult> {
        let mut steps = Vec::new();
        for s in &batch.steps {
            steps.push(match self.execute(s) {
                Ok(rs) => crate::StepResult::Ok(rs),
                Err(e) => crate::StepResult::Err(e),
            });
        }
        Ok(BatchResult { steps })
    }

    fn is_autocommit(&self) -> bool {
        self.autocommit
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::none().with(Capability::Savepoints)
    }

    fn close(&mut self) -> Result<()> {
        if !self.autocommit {
            self.probe
                .log
                .lock()
                .unwrap()
                .push("ROLLBACK(close)".into());
            self.autocommit = true;
        }
        self.closed = true;
        self.probe.log.lock().unwrap().push("CLOSE".into());
        if let Some(tx) = self.on_close.take() {
            let _ = tx.send(());
        }
        Ok(())
    }
}

fn worker(probe: &Arc<Probe>) -> AsyncOverBlocking {
    AsyncOverBlocking::spawn(Box::new(Fake::new(probe.clone()))).unwrap()
}

fn text(rs: &ResultSet) -> String {
    rs.rows[0].get::<String>(0).unwrap()
}

#[tokio::test]
async fn executes_and_caches_state() {
    let probe = Arc::new(Probe::default());
    let mut w = worker(&probe);
    assert_eq!(
        w.capabilities(),
        Capabilities::none().with(Capability::Savepoints)
    );
    assert!(w.is_autocommit());
    assert_eq!(
        text(&w.execute(&Statement::new("BEGIN")).await.unwrap()),
        "BEGIN"
    );
    assert!(!w.is_autocommit());
    w.execute(&Statement::new("COMMIT")).await.unwrap();
    assert!(w.is_autocommit());
    let err = w.execute(&Statement::new("FAIL")).await.unwrap_err();
    assert_eq!(err.extended_code(), Some(2067));
    let b = w
        .batch(&Batch::atomic([
            Statement::new("a"),
            Statement::new("FAIL"),
        ]))
        .await
        .unwrap();
    assert!(b.steps[0].ok().is_some());
    assert!(b.steps[1].err().is_some());
    assert_eq!(probe.log(), ["BEGIN", "COMMIT", "FAIL", "a", "FAIL"]);
}

#[tokio::test]
async fn streams_all_rows_in_order() {
    let probe = Arc::new(Probe::default());
    let mut w = worker(&probe);
    let mut sink = CollectRows::default();
    let n = STREAM_CHUNK_ROWS * 3 + 7;
    let summary = w
        .query_stream(&Statement::new(format!("ROWS {n}")), &mut sink)
        .await
        .unwrap();
    assert_eq!(summary.columns.len(), 1);
    assert_eq!(sink.columns.as_ref().map(|c| c.len()), Some(1));
    assert_eq!(sink.rows.len(), n);
    for (i, row) in sink.rows.iter().enumerate() {
        assert_eq!(row.get::<i64>(0).unwrap(), i as i64);
    }
    let err = w
        .query_stream(&Statement::new("nope"), &mut CollectRows::default())
        .await
        .unwrap_err();
    assert_eq!(err.sqlite_code(), Some(1));
}

/// A statement that fails while stepping keeps the rows it produced before
/// the error, as on the blocking path (the worker used to drop the rows it
/// had buffered, up to a chunk's worth).
#[tokio::test]
async fn rows_before_a_stepping_error_reach_the_caller() {
    let probe = Arc::new(Probe::default());
    let mut w = worker(&probe);
    for n in [3, STREAM_CHUNK_ROWS + 5] {
        let mut sink = CollectRows::default();
        let err = w
            .query_stream(&Statement::new(format!("ROWS {n} THEN FAIL")), &mut sink)
            .await
            .unwrap_err();
        assert_eq!(err.extended_code(), Some(275));
        assert_eq!(sink.rows.len(), n, "rows before the error");
    }
}

struct Stopper {
    seen: usize,
    stop_at: usize,
    fail: bool,
}

impl RowSink for Stopper {
    fn columns(&mut self, _columns: &Arc<[Column]>) -> Result<()> {
        Ok(())
    }
    fn row(&mut self, _row: Row) -> Result<ControlFlow<()>> {
        self.seen += 1;
        if self.seen < self.stop_at {
            Ok(ControlFlow::Continue(()))
        } else if self.fail {
            Err(Error::InvalidArguments("sink refuses".into()))
        } else {
            Ok(ControlFlow::Break(()))
        }
    }
}

#[tokio::test]
async fn break_stops_the_worker() {
    let probe = Arc::new(Probe::default());
    let mut w = worker(&probe);
    let mut sink = Stopper {
        seen: 0,
        stop_at: 10,
        fail: false,
    };
    w.query_stream(&Statement::new("ROWS 1000000"), &mut sink)
        .await
        .unwrap();
    assert_eq!(sink.seen, 10);
    let produced = probe.produced.load(Ordering::SeqCst);
    assert!(
        produced <= STREAM_CHUNK_ROWS * (STREAM_CHUNKS_IN_FLIGHT + 3),
        "worker produced {produced} rows"
    );
    // A sink error is returned, and the connection stays usable.
    let mut sink = Stopper {
        seen: 0,
        stop_at: 3,
        fail: true,
    };
    let err = w
        .query_stream(&Statement::new("ROWS 1000000"), &mut sink)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArguments);
    assert_eq!(text(&w.execute(&Statement::new("x")).await.unwrap()), "x");
}

#[tokio::test]
async fn enqueued_statements_run_before_the_next_command() {
    let probe = Arc::new(Probe::default());
    let mut w = worker(&probe);
    w.execute(&Statement::new("BEGIN")).await.unwrap();
    w.enqueue(Statement::new("FAIL"));
    w.enqueue(Statement::new("ROLLBACK"));
    w.execute(&Statement::new("SELECT")).await.unwrap();
    assert!(w.is_autocommit());
    assert_eq!(probe.log(), ["BEGIN", "FAIL", "ROLLBACK", "SELECT"]);
}

#[tokio::test]
async fn close_and_drop_close_the_transport() {
    let probe = Arc::new(Probe::default());
    let mut w = worker(&probe);
    w.execute(&Statement::new("BEGIN")).await.unwrap();
    w.close().await.unwrap();
    assert_eq!(probe.log(), ["BEGIN", "ROLLBACK(close)", "CLOSE"]);
    assert_eq!(
        w.execute(&Statement::new("x")).await.unwrap_err().kind(),
        ErrorKind::Closed
    );
    let mut sink = CollectRows::default();
    assert_eq!(
        w.query_stream(&Statement::new("ROWS 1"), &mut sink)
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::Closed
    );
    w.close().await.unwrap();

    let probe = Arc::new(Probe::default());
    let (tx, rx) = flume::bounded(1);
    let mut fake = Fake::new(probe.clone());
    fake.on_close = Some(tx);
    let mut w = AsyncOverBlocking::spawn(Box::new(fake)).unwrap();
    w.execute(&Statement::new("BEGIN")).await.unwrap();
    drop(w);
    rx.recv_timeout(GUARD).unwrap();
    assert_eq!(probe.log(), ["BEGIN", "ROLLBACK(close)", "CLOSE"]);
}

#[tokio::test]
async fn a_dead_worker_gives_closed() {
    let probe = Arc::new(Probe::default());
    let mut w = worker(&probe);
    let err = w.execute(&Statement::new("PANIC")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Closed);
    let err = w.execute(&Statement::new("x")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Closed);
    let err = w.batch(&Batch::atomic([])).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Closed);
    w.enqueue(Statement::new("y"));
    w.close().await.unwrap();
}

/// The blocking call runs on the worker thread: while it waits on a gate, the
/// (single-threaded) executor still runs the task that opens the gate.
#[tokio::test(flavor = "current_thread")]
async fn a_blocked_call_does_not_block_the_executor() {
    let probe = Arc::new(Probe::default());
    let (entered_tx, entered_rx) = flume::bounded(1);
    let (gate_tx, gate_rx) = flume::bounded(1);
    let mut fake = Fake::new(probe.clone());
    fake.entered = Some(entered_tx);
    fake.gate = Some(gate_rx);
    let mut w = AsyncOverBlocking::spawn(Box::new(fake)).unwrap();
    let task = tokio::spawn(async move { w.execute(&Statement::new("BLOCK")).await.map(|_| ()) });
    // Runs only because the executor is free while the worker blocks.
    entered_rx.recv_async().await.unwrap();
    gate_tx.send_async(()).await.unwrap();
    task.await.unwrap().unwrap();
}

struct FakeConnector {
    probe: Arc<Probe>,
    thread: Arc<Mutex<Option<ThreadId>>>,
    fail: bool,
}

impl Connector for FakeConnector {
    fn connect(&self) -> Result<Box<dyn Transport>> {
        *self.thread.lock().unwrap() = Some(std::thread::current().id());
        if self.fail {
            return Err(Error::sqlite(14, Some(14), "cannot open"));
        }
        Ok(Box::new(Fake::new(self.probe.clone())))
    }
}

#[tokio::test]
async fn connector_connects_on_the_worker_thread() {
    let thread = Arc::new(Mutex::new(None));
    let c = AsyncOverBlockingConnector::new(FakeConnector {
        probe: Arc::new(Probe::default()),
        thread: thread.clone(),
        fail: false,
    });
    let mut conn = c.connect().await.unwrap();
    let seen = thread.lock().unwrap().take().unwrap();
    assert_ne!(seen, std::thread::current().id());
    assert_eq!(
        conn.capabilities(),
        Capabilities::none().with(Capability::Savepoints)
    );
    assert!(conn.is_autocommit());
    conn.execute(&Statement::new("x")).await.unwrap();

    let c = AsyncOverBlockingConnector::new(FakeConnector {
        probe: Arc::new(Probe::default()),
        thread,
        fail: true,
    });
    let err = c.connect().await.err().unwrap();
    assert_eq!(err.sqlite_code(), Some(14));
}

/// Poll `fut` once (its command is handed to the worker), then drop it, as
/// a `tokio::time::timeout` that fires at that await point does.
async fn poll_once_then_drop<F: Future>(fut: F) {
    let mut fut = std::pin::pin!(fut);
    std::future::poll_fn(|cx| {
        let _ = fut.as_mut().poll(cx);
        Poll::Ready(())
    })
    .await;
}

/// A `BEGIN` whose caller went away must not leave a transaction that
/// nobody guards: it is rolled back before the next command runs.
#[tokio::test]
async fn an_abandoned_begin_is_rolled_back() {
    let probe = Arc::new(Probe::default());
    let (gate_tx, gate_rx) = flume::unbounded();
    let mut fake = Fake::new(probe.clone());
    fake.gate = Some(gate_rx);
    let mut w = AsyncOverBlocking::spawn(Box::new(fake)).unwrap();
    // A BEGIN that waits (as on a busy database) is cancelled, then succeeds.
    poll_once_then_drop(w.execute(&Statement::new("BLOCK BEGIN"))).await;
    gate_tx.send(()).unwrap();
    assert!(w.is_autocommit(), "nobody holds a transaction");
    w.execute(&Statement::new("x")).await.unwrap();
    assert!(w.is_autocommit());
    assert_eq!(probe.log(), ["BLOCK BEGIN", "ROLLBACK", "x"]);
}

/// A command abandoned inside a transaction loses the transaction (rolled
/// back): later statements fail with `TransactionLost` until `ROLLBACK`.
#[tokio::test]
async fn a_command_abandoned_inside_a_transaction_loses_it() {
    let probe = Arc::new(Probe::default());
    let (gate_tx, gate_rx) = flume::unbounded();
    let mut fake = Fake::new(probe.clone());
    fake.gate = Some(gate_rx);
    let mut w = AsyncOverBlocking::spawn(Box::new(fake)).unwrap();
    w.execute(&Statement::new("BEGIN")).await.unwrap();
    // BLOCK waits on the gate, so the first poll cannot see it finish.
    poll_once_then_drop(w.execute(&Statement::new("BLOCK"))).await;
    gate_tx.send(()).unwrap();
    assert!(!w.is_autocommit());
    for sql in ["b", "COMMIT"] {
        let err = w.execute(&Statement::new(sql)).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::TransactionLost, "{sql}");
    }
    let err = w
        .batch(&Batch::atomic([Statement::new("b")]))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TransactionLost);
    w.execute(&Statement::new("ROLLBACK")).await.unwrap();
    assert!(w.is_autocommit());
    w.execute(&Statement::new("c")).await.unwrap();
    assert_eq!(probe.log(), ["BEGIN", "BLOCK", "ROLLBACK", "c"]);

    // The same, ended by a guard's queued ROLLBACK.
    w.execute(&Statement::new("BEGIN")).await.unwrap();
    poll_once_then_drop(w.execute(&Statement::new("BLOCK"))).await;
    w.enqueue(Statement::new("ROLLBACK"));
    gate_tx.send(()).unwrap();
    assert!(w.is_autocommit());
    w.execute(&Statement::new("e")).await.unwrap();
    assert_eq!(
        probe.log(),
        [
            "BEGIN", "BLOCK", "ROLLBACK", "c", "BEGIN", "BLOCK", "ROLLBACK", "e"
        ]
    );
}
