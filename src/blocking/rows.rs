//! [`Rows`]: a query's rows as a blocking [`Iterator`], pulled on demand.
//!
//! The connection lends its transport to a producer thread for the
//! stream's life. That thread runs the transport's own streaming query
//! ([`Transport::query_stream`]) into a small bounded channel, so it waits
//! whenever the iterator's consumer is slower than the database: at most
//! [`CHUNK_ROWS`] × ([`CHUNKS_IN_FLIGHT`] + 2) rows exist outside the
//! database at any time, on every transport (locally the statement is not
//! stepped further; remotely the HTTP body is not read further). Dropping
//! the iterator closes the channel: the producer's next row finds it gone,
//! the query stops (locally the statement is reset; remotely the rest of the
//! cursor is read and discarded, so the server's stream and any open
//! transaction survive), and the transport comes back to the connection
//! before `drop` returns. Any blocking [`Transport`] works, third-party ones
//! included: nothing is asked of it beyond `query_stream` (and `Send`). Each
//! stream costs one thread spawn. A `Rows` leaked with `mem::forget` keeps
//! the transport: the connection then answers [`Error::Closed`].

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use sqlport_core::relay::{RelaySink, RowBatch};
use sqlport_core::{Column, Error, Result, Row, Statement, Summary, Transport};

use super::Connection;

/// Rows per chunk sent from the producer thread.
pub const CHUNK_ROWS: usize = 64;

/// Chunks queued between the producer thread and the iterator.
pub const CHUNKS_IN_FLIGHT: usize = 2;

/// The transport on its way to the producer and back, and the query's outcome.
struct Lending {
    transport: Option<Box<dyn Transport>>,
    result: Option<Result<Summary>>,
}

type Slot = Arc<Mutex<Lending>>;

/// A query's rows, pulled one at a time (see
/// [`Connection::query_rows`]). Each item is a row or, once, the error
/// that ended the query (rows produced before it come first). Dropping it
/// early stops the query and leaves the connection usable, in the same
/// transaction state.
///
/// ```
/// # fn main() -> sqlport::Result<()> {
/// let mut conn = sqlport::blocking::Database::open(":memory:")?.connect()?;
/// let mut rows = conn.query_rows(
///     "WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s) SELECT x FROM s",
///     (),
/// )?;
/// // An endless query: take three rows, then drop the iterator.
/// let first: Vec<i64> = rows.by_ref().take(3).map(|r| r?.get(0)).collect::<sqlport::Result<_>>()?;
/// assert_eq!(first, [1, 2, 3]);
/// drop(rows);
/// assert_eq!(conn.query_scalar::<i64>("SELECT 42", ())?, 42);
/// # Ok(()) }
/// ```
pub struct Rows<'c> {
    conn: &'c mut Connection,
    rx: Option<flume::Receiver<RowBatch>>,
    producer: Option<JoinHandle<()>>,
    slot: Slot,
    columns: Option<Arc<[Column]>>,
    buf: VecDeque<Row>,
    summary: Option<Summary>,
}

impl std::fmt::Debug for Rows<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rows")
            .field("columns", &self.columns)
            .field("buffered", &self.buf.len())
            .field("finished", &self.producer.is_none())
            .finish_non_exhaustive()
    }
}

impl<'c> Rows<'c> {
    /// Lend `conn`'s transport to a producer thread running `stmt`.
    pub(super) fn start(conn: &'c mut Connection, stmt: Statement) -> Result<Rows<'c>> {
        // The transport travels through the slot, so that a failed spawn
        // can give it back.
        let slot: Slot = Arc::new(Mutex::new(Lending {
            transport: Some(conn.lend_transport()),
            result: None,
        }));
        let (tx, rx) = flume::bounded(CHUNKS_IN_FLIGHT);
        let shared = slot.clone();
        let span = crate::trace::statement_span(&stmt);
        let spawned = std::thread::Builder::new()
            .name("sqlport-rows".into())
            .spawn(move || {
                let _span = span.entered();
                let Some(mut transport) = lock(&shared).transport.take() else {
                    return;
                };
                let mut sink = RelaySink::new(CHUNK_ROWS, |b| tx.send(b).is_ok());
                let result = transport.query_stream(&stmt, &mut sink);
                // Rows before a stepping error are the caller's.
                sink.flush();
                drop(sink);
                let mut lending = lock(&shared);
                lending.transport = Some(transport);
                lending.result = Some(result);
            });
        match spawned {
            Ok(handle) => Ok(Rows {
                conn,
                rx: Some(rx),
                producer: Some(handle),
                slot,
                columns: None,
                buf: VecDeque::new(),
                summary: None,
            }),
            Err(e) => {
                if let Some(t) = lock(&slot).transport.take() {
                    conn.restore_transport(t);
                }
                Err(Error::transport(e))
            }
        }
    }

    /// The result's columns, once the first row (or the end) was pulled.
    pub fn columns(&self) -> Option<&[Column]> {
        self.columns.as_deref()
    }

    /// What is left of the result (`rows_affected`, `last_insert_rowid`,
    /// and the server's `rows_read`/`rows_written` where sent) once the
    /// iterator returned `None`; `None` before, or after an error.
    pub fn summary(&self) -> Option<&Summary> {
        self.summary.as_ref()
    }

    /// Wait for the producer and give the transport back to the connection;
    /// the query's outcome.
    fn finish(&mut self) -> Option<Result<Summary>> {
        self.rx = None;
        let handle = self.producer.take()?;
        if handle.join().is_err() {
            tracing::warn!("sqlport: a row stream's producer panicked; the connection is closed");
            return Some(Err(Error::Closed));
        }
        let mut lending = lock(&self.slot);
        if let Some(t) = lending.transport.take() {
            self.conn.restore_transport(t);
        }
        lending.result.take()
    }
}

impl Iterator for Rows<'_> {
    type Item = Result<Row>;

    fn next(&mut self) -> Option<Result<Row>> {
        loop {
            if let Some(row) = self.buf.pop_front() {
                return Some(Ok(row));
            }
            let rx = self.rx.as_ref()?;
            match rx.recv() {
                Ok(RowBatch::Columns(c)) => self.columns = Some(c),
                Ok(RowBatch::Rows(rows)) => self.buf.extend(rows),
                Err(flume::RecvError::Disconnected) => {
                    return match self.finish()? {
                        Ok(summary) => {
                            if self.columns.is_none() {
                                self.columns = Some(summary.columns.clone());
                            }
                            self.summary = Some(summary);
                            None
                        }
                        Err(e) => Some(Err(e)),
                    };
                }
            }
        }
    }
}

impl Drop for Rows<'_> {
    fn drop(&mut self) {
        // Closing the channel stops the producer at its next row.
        if let Some(Err(e)) = self.finish() {
            tracing::debug!(error = %e, "sqlport: a dropped row stream's query ended with an error");
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
