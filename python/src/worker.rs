//! One thread per connection that owns the transport.
//!
//! The transport streams rows into a sink (push); a DB-API cursor pulls them
//! (`fetchone`). The worker runs the transport's `query_stream` and pushes
//! rows in chunks into a bounded channel, so a large result never sits in
//! memory whole: when the cursor stops reading, the channel fills, the sink
//! blocks, and SQLite stops stepping (or the HTTP body stops being read).
//! Python threads wait on the channel with the GIL released.

use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::sync::{Arc, Mutex};

use sqlport::local::LocalTransport;
use sqlport::{Column, Error, Result, Row, RowSink, Summary, Transport};

/// What a connection runs on.
pub enum Backend {
    /// A local SQLite connection (its rusqlite handle is reachable for
    /// user-defined functions).
    Local(Box<LocalTransport>),
    /// A remote connection (Hrana over HTTP), through the facade.
    Remote(sqlport::blocking::Connection),
}

impl Backend {
    /// The transport.
    pub fn transport(&mut self) -> &mut dyn Transport {
        match self {
            Backend::Local(t) => t.as_mut(),
            Backend::Remote(c) => c.transport(),
        }
    }
}

/// The backend and the published transaction state, as jobs see them.
pub struct Slot {
    /// The connection.
    pub backend: Backend,
    autocommit: Arc<AtomicBool>,
}

impl Slot {
    /// Publish whether a transaction is open (call before replying, so the
    /// caller never reads a stale `in_transaction`).
    pub fn publish(&mut self) {
        let value = self.backend.transport().is_autocommit();
        self.autocommit.store(value, Ordering::SeqCst);
    }
}

type Job = Box<dyn FnOnce(&mut Slot) + Send>;

/// The handle to a connection's worker thread.
pub struct Worker {
    jobs: Mutex<Option<Sender<Job>>>,
    autocommit: Arc<AtomicBool>,
}

impl Worker {
    /// Start the worker thread that owns `backend`.
    pub fn spawn(mut backend: Backend) -> Result<Worker> {
        let autocommit = Arc::new(AtomicBool::new(backend.transport().is_autocommit()));
        let (tx, rx) = mpsc::channel::<Job>();
        let mut slot = Slot {
            backend,
            autocommit: autocommit.clone(),
        };
        std::thread::Builder::new()
            .name("sqlport-connection".into())
            .spawn(move || {
                // Ends when every sender is gone (connection closed or
                // dropped); dropping the slot rolls back what was left open.
                for job in rx {
                    job(&mut slot);
                    slot.publish();
                }
            })?;
        Ok(Worker {
            jobs: Mutex::new(Some(tx)),
            autocommit,
        })
    }

    /// Queue a job; `Error::Closed` after [`Worker::stop`].
    pub fn submit(&self, job: impl FnOnce(&mut Slot) + Send + 'static) -> Result<()> {
        let guard = self.jobs.lock().map_err(|_| Error::Closed)?;
        let sender = guard.as_ref().ok_or(Error::Closed)?;
        sender.send(Box::new(job)).map_err(|_| Error::Closed)
    }

    /// Run a job and wait for its result.
    pub fn call<R: Send + 'static>(
        &self,
        job: impl FnOnce(&mut Slot) -> Result<R> + Send + 'static,
    ) -> Result<R> {
        let (tx, rx) = mpsc::sync_channel(1);
        self.submit(move |slot| {
            let out = job(slot);
            slot.publish();
            let _ = tx.send(out);
        })?;
        rx.recv().map_err(|_| Error::Closed)?
    }

    /// `true` when no transaction is open (as of the last finished job).
    pub fn is_autocommit(&self) -> bool {
        self.autocommit.load(Ordering::SeqCst)
    }

    /// Stop taking jobs; the thread ends after the queued ones.
    pub fn stop(&self) {
        if let Ok(mut guard) = self.jobs.lock() {
            guard.take();
        }
    }

    /// `true` once stopped.
    pub fn is_stopped(&self) -> bool {
        self.jobs.lock().map(|g| g.is_none()).unwrap_or(true)
    }
}

/// What a streaming query sends to its cursor.
pub enum Msg {
    /// The next rows.
    Rows(Vec<Row>),
    /// The statement finished.
    Done(Summary),
    /// The statement failed (after any rows already sent).
    Err(Error),
}

/// Rows per chunk, and the byte size past which a chunk is sent early.
const CHUNK_ROWS: usize = 256;
const CHUNK_BYTES: usize = 512 * 1024;
/// Chunks in flight between the worker and the cursor.
const CHANNEL_CHUNKS: usize = 2;

fn row_bytes(row: &Row) -> usize {
    row.values()
        .iter()
        .map(|v| match v {
            sqlport::Value::Text(s) => s.len(),
            sqlport::Value::Blob(b) => b.len(),
            _ => 8,
        })
        .sum::<usize>()
        + 16
}

/// The sink on the worker side: rows into chunks into the channel.
struct ChunkSink<'a> {
    tx: &'a SyncSender<Msg>,
    buf: Vec<Row>,
    bytes: usize,
    gone: bool,
}

impl ChunkSink<'_> {
    fn flush(&mut self) {
        if self.buf.is_empty() || self.gone {
            return;
        }
        let chunk = std::mem::take(&mut self.buf);
        self.bytes = 0;
        if self.tx.send(Msg::Rows(chunk)).is_err() {
            self.gone = true;
        }
    }
}

impl RowSink for ChunkSink<'_> {
    fn columns(&mut self, _columns: &Arc<[Column]>) -> Result<()> {
        Ok(())
    }

    fn row(&mut self, row: Row) -> Result<ControlFlow<()>> {
        self.bytes += row_bytes(&row);
        self.buf.push(row);
        if self.buf.len() >= CHUNK_ROWS || self.bytes >= CHUNK_BYTES {
            self.flush();
        }
        Ok(if self.gone {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        })
    }
}

/// Start `stmt` streaming on the worker; returns the receiving end.
pub fn stream(worker: &Worker, stmt: sqlport::Statement) -> Result<Receiver<Msg>> {
    let (tx, rx) = mpsc::sync_channel(CHANNEL_CHUNKS);
    worker.submit(move |slot| {
        let mut sink = ChunkSink {
            tx: &tx,
            buf: Vec::new(),
            bytes: 0,
            gone: false,
        };
        // Inside a remote transaction the statement goes through the pipeline
        // endpoint (whole result in one response): a statement the server
        // refuses on the cursor endpoint comes back as an HTTP error and the
        // stream, with its transaction, is gone (see the report). Outside a
        // transaction, and always locally, rows stream.
        let remote = matches!(slot.backend, Backend::Remote(_));
        let transport = slot.backend.transport();
        let buffered = remote && !transport.is_autocommit();
        let result = if buffered {
            transport
                .execute(&stmt)
                .and_then(|rs| sqlport::core::transport::feed(rs, &mut sink))
        } else {
            transport.query_stream(&stmt, &mut sink)
        };
        sink.flush();
        slot.publish();
        let msg = match result {
            Ok(summary) => Msg::Done(summary),
            Err(e) => Msg::Err(e),
        };
        let _ = tx.send(msg);
    })?;
    Ok(rx)
}
