//! [`RowStream`]: a query's rows as an async [`Stream`], pulled on demand.
//!
//! The connection lends its transport to one owned future that runs the
//! transport's streaming query ([`AsyncTransport::query_stream`]) into a
//! small buffer. The stream polls that future only when the buffer is
//! empty, and the buffer's sink asks the transport to pause
//! ([`RowSink::wants_pause`]) once it holds [`PAUSE_AT`] rows, so a slow
//! consumer stops the producer: the local worker thread waits on its
//! bounded channel, the HTTP body is not read further. Memory stays bounded
//! on every transport by the buffer plus one transport chunk (locally 256
//! rows × 2 chunks in flight; remotely one body chunk).
//!
//! Dropping the stream early tells the sink to stop (its next row answers
//! `Break`) and parks the unfinished future in the connection; the next
//! operation on the connection first drives it to its end (locally the
//! worker stops at its next row; remotely the rest of the cursor is read
//! and discarded, so the server's stream and any open transaction survive),
//! then takes its transport back. A dropped stream is thus a normal stop,
//! not a cancelled operation: the transaction it ran in stays open. Until
//! that next operation, the connection's `is_autocommit` and
//! `capabilities` answer as they did when the stream started, and
//! [`Connection::transport`] is a stand-in that refuses statements (use the
//! connection's methods, which finish the parked query first).

use std::collections::VecDeque;
use std::future::Future;
use std::ops::ControlFlow;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};

use futures_core::Stream;
use sqlport_core::{AsyncTransport, Column, Error, Result, Row, RowSink, Statement, Summary};
use tracing::Instrument as _;

use super::Connection;

/// Rows the stream buffers before it asks the transport to pause.
pub const PAUSE_AT: usize = 64;

/// The lent transport's query, running (or parked after a drop).
pub(crate) type Lent =
    Pin<Box<dyn Future<Output = (Box<dyn AsyncTransport>, Result<Summary>)> + Send>>;

/// Rows between the transport's sink and the stream.
#[derive(Default)]
struct Pipe {
    columns: Option<Arc<[Column]>>,
    rows: VecDeque<Row>,
    /// The stream was dropped: the query should stop.
    stop: bool,
}

struct PipeSink(Arc<Mutex<Pipe>>);

impl RowSink for PipeSink {
    fn columns(&mut self, columns: &Arc<[Column]>) -> Result<()> {
        lock(&self.0).columns = Some(columns.clone());
        Ok(())
    }

    fn row(&mut self, row: Row) -> Result<ControlFlow<()>> {
        let mut pipe = lock(&self.0);
        if pipe.stop {
            return Ok(ControlFlow::Break(()));
        }
        pipe.rows.push_back(row);
        Ok(ControlFlow::Continue(()))
    }

    fn wants_pause(&self) -> bool {
        let pipe = lock(&self.0);
        !pipe.stop && pipe.rows.len() >= PAUSE_AT
    }
}

/// A query's rows as a [`Stream`] of `Result<Row>` (see
/// [`Connection::query_stream`]). Each item is a row or, once, the error
/// that ended the query (rows produced before it come first). `Send`; the
/// methods come from any `Stream` extension trait (`futures::StreamExt`,
/// `tokio_stream::StreamExt`).
///
/// ```
/// use futures_util::StreamExt as _;
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> sqlport::Result<()> {
/// let mut conn = sqlport::Database::open(":memory:")?.connect().await?;
/// let tx_sql = "WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s) SELECT x FROM s";
/// let mut tx = conn.transaction().await?;
/// tx.execute("CREATE TABLE t (x)", ()).await?;
/// let mut rows = tx.query_stream(tx_sql, ()).await?;
/// // An endless query: three rows, then drop the stream.
/// let mut first = Vec::new();
/// while let Some(row) = rows.next().await {
///     first.push(row?.get::<i64>(0)?);
///     if first.len() == 3 {
///         break;
///     }
/// }
/// drop(rows);
/// assert_eq!(first, [1, 2, 3]);
/// tx.execute("INSERT INTO t VALUES (1)", ()).await?; // the transaction is still open
/// tx.commit().await?;
/// assert_eq!(conn.query_scalar::<i64>("SELECT count(*) FROM t", ()).await?, 1);
/// # Ok(()) }
/// ```
pub struct RowStream<'c> {
    conn: &'c mut Connection,
    running: Option<Lent>,
    pipe: Arc<Mutex<Pipe>>,
    error: Option<Error>,
    summary: Option<Summary>,
}

impl std::fmt::Debug for RowStream<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RowStream")
            .field("finished", &self.running.is_none())
            .finish_non_exhaustive()
    }
}

impl<'c> RowStream<'c> {
    /// Lend `conn`'s transport to a future running `stmt` (the connection
    /// has no parked future: the caller awaited `unpark`).
    pub(super) fn start(conn: &'c mut Connection, stmt: Statement) -> RowStream<'c> {
        let mut transport = conn.lend_transport();
        let pipe = Arc::new(Mutex::new(Pipe::default()));
        let mut sink = PipeSink(pipe.clone());
        let span = crate::trace::statement_span(&stmt);
        let running: Lent = Box::pin(
            async move {
                let result = transport.query_stream(&stmt, &mut sink).await;
                (transport, result)
            }
            .instrument(span),
        );
        RowStream {
            conn,
            running: Some(running),
            pipe,
            error: None,
            summary: None,
        }
    }

    /// The result's columns, once the first row (or the end) arrived.
    pub fn columns(&self) -> Option<Arc<[Column]>> {
        lock(&self.pipe).columns.clone()
    }

    /// What is left of the result once the stream ended without an error
    /// (`rows_affected`, `last_insert_rowid`, and the server's
    /// `rows_read`/`rows_written` where sent); `None` before.
    pub fn summary(&self) -> Option<&Summary> {
        self.summary.as_ref()
    }
}

impl Stream for RowStream<'_> {
    type Item = Result<Row>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Row>>> {
        let this = self.get_mut();
        loop {
            if let Some(row) = lock(&this.pipe).rows.pop_front() {
                return Poll::Ready(Some(Ok(row)));
            }
            if let Some(e) = this.error.take() {
                return Poll::Ready(Some(Err(e)));
            }
            let Some(running) = this.running.as_mut() else {
                return Poll::Ready(None);
            };
            match running.as_mut().poll(cx) {
                Poll::Ready((transport, result)) => {
                    this.running = None;
                    this.conn.restore_transport(transport);
                    match result {
                        Ok(summary) => {
                            let mut pipe = lock(&this.pipe);
                            if pipe.columns.is_none() {
                                pipe.columns = Some(summary.columns.clone());
                            }
                            this.summary = Some(summary);
                        }
                        Err(e) => this.error = Some(e),
                    }
                }
                Poll::Pending if lock(&this.pipe).rows.is_empty() => return Poll::Pending,
                Poll::Pending => {}
            }
        }
    }
}

impl Drop for RowStream<'_> {
    fn drop(&mut self) {
        if let Some(running) = self.running.take() {
            let mut pipe = lock(&self.pipe);
            pipe.stop = true;
            pipe.rows.clear();
            drop(pipe);
            self.conn.park(running);
        }
    }
}

fn lock(m: &Mutex<Pipe>) -> MutexGuard<'_, Pipe> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
