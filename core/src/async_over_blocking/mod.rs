//! The adapter from a blocking transport to the async API: run any blocking
//! [`Transport`] as an [`AsyncTransport`] on a dedicated worker
//! thread (as sqlx's SQLite driver does), so async callers never block their
//! executor. Used for the local transport's async flavour; third-party blocking
//! transports get an async flavour the same way.
//!
//! Each connection owns one thread. Commands travel over a flume channel and
//! every reply comes back through a `bounded(1)` channel awaited with
//! `recv_async()`, so this works on any async runtime. Streamed rows come back
//! in chunks of [`STREAM_CHUNK_ROWS`] through a small bounded channel: memory
//! stays bounded, and a sink that stops early stops the worker too.
//!
//! Short statements run inline: when the worker is idle (no command queued or
//! running), [`AsyncTransport::execute`] first offers the statement to
//! [`Transport::try_execute_quick`] on the caller's own thread, under the
//! same lock the worker takes for each command. The local transport accepts
//! only a read-only `SELECT` it has run before, bounded by a small work budget
//! and never waiting for a lock, so a point query costs no thread handoff and
//! the executor is blocked for at most that budget; anything else goes to the
//! worker as before. Nothing is awaited while it runs, so cancellation cannot
//! interrupt it half-way.
//!
//! Cancellation: a future dropped before its reply arrived leaves a command
//! the caller never saw finish. Before the next command, the worker is told
//! so and rolls back whatever transaction the connection is in: one the
//! abandoned command opened (a `BEGIN` nobody guards) or one it ran in,
//! which is then lost ([`TxGate`]) until the caller's `ROLLBACK`.

use std::fmt;
use std::future::Future;
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::Poll;

use async_trait::async_trait;

use crate::capability::Capabilities;
use crate::error::{Error, Result};
use crate::relay::{self, RelaySink, RowBatch};
use crate::result::{ResultSet, RowSink, Summary};
use crate::sql::{StatementKind, classify};
use crate::statement::{Batch, BatchResult, Statement};
use crate::transport::{AsyncConnector, AsyncTransport, BlockingFn, Connector, Transport};
use crate::tx_gate::{Admission, TxGate};

/// Rows per chunk when streaming a query from the worker thread.
pub const STREAM_CHUNK_ROWS: usize = 256;

/// Chunks in flight between the worker and the async side.
const STREAM_CHUNKS_IN_FLIGHT: usize = 2;

type Reply<T> = flume::Sender<Result<T>>;

enum Command {
    Execute(Statement, Reply<ResultSet>),
    Stream {
        stmt: Statement,
        rows: flume::Sender<RowBatch>,
        done: Reply<Summary>,
    },
    Batch(Batch, Reply<BatchResult>),
    Enqueue(Statement),
    /// The caller of the previous command went away before its reply: roll
    /// back whatever transaction is open (`was_open`: one was open before
    /// that command, and is now lost).
    Abandoned {
        was_open: bool,
    },
    Close(Reply<()>),
    /// Run a closure on the transport (see [`AsyncTransport::with_blocking`]).
    Raw(BlockingFn, Reply<()>),
}

/// State the worker publishes after every command, read without I/O.
struct Shared {
    autocommit: AtomicBool,
    capabilities: Mutex<Capabilities>,
}

impl Shared {
    fn new(autocommit: bool, capabilities: Capabilities) -> Self {
        Shared {
            autocommit: AtomicBool::new(autocommit),
            capabilities: Mutex::new(capabilities),
        }
    }

    fn update(&self, transport: &dyn Transport) {
        self.autocommit
            .store(transport.is_autocommit(), Ordering::SeqCst);
        let caps = transport.capabilities();
        match self.capabilities.lock() {
            Ok(mut guard) => *guard = caps,
            Err(poisoned) => *poisoned.into_inner() = caps,
        }
    }

    fn capabilities(&self) -> Capabilities {
        match self.capabilities.lock() {
            Ok(guard) => *guard,
            Err(poisoned) => *poisoned.into_inner(),
        }
    }
}

/// The transport, once the worker opened it: locked by the worker for each
/// command, and by the async side for a quick inline statement.
type Slot = Arc<Mutex<Option<Box<dyn Transport>>>>;

fn lock(slot: &Slot) -> MutexGuard<'_, Option<Box<dyn Transport>>> {
    match slot.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

/// A blocking transport running on its own thread, driven through channels.
///
/// Dropping it ends the thread, which closes the transport (rolling back an
/// open transaction). If the thread is gone, every call fails with
/// [`Error::Closed`].
pub struct AsyncOverBlocking {
    commands: flume::Sender<Command>,
    /// Disconnects when the worker thread ends (normally or by a panic).
    alive: flume::Receiver<()>,
    shared: Arc<Shared>,
    closed: bool,
    /// The lost-transaction state of this connection, for losses the worker
    /// itself causes (a cancelled command inside a transaction); losses of
    /// the wrapped transport are reported by it.
    gate: TxGate,
    /// A command whose reply its caller never received (its future was
    /// dropped), and whether a transaction was open before it.
    abandoned: Option<bool>,
    /// The autocommit state queued commands will leave (until a reply brings
    /// the worker's own word).
    queued_autocommit: Option<bool>,
    /// The transport (see [`Slot`]).
    slot: Slot,
    /// Commands sent and not yet finished by the worker.
    pending: Arc<AtomicUsize>,
}

impl fmt::Debug for AsyncOverBlocking {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncOverBlocking")
            .field("autocommit", &self.shared.autocommit.load(Ordering::SeqCst))
            .field("capabilities", &self.shared.capabilities())
            .field("closed", &self.closed)
            .finish()
    }
}

type Opener = Box<dyn FnOnce() -> Result<Box<dyn Transport>> + Send>;

impl AsyncOverBlocking {
    /// Move `transport` onto a new worker thread.
    pub fn spawn(transport: Box<dyn Transport>) -> Result<Self> {
        let shared = Shared::new(transport.is_autocommit(), transport.capabilities());
        let (worker, _ready) = Self::start(Box::new(move || Ok(transport)), shared)?;
        Ok(worker)
    }

    /// Start a worker thread that first runs `open` (on that thread), then
    /// serves commands. The returned channel reports the outcome of `open`.
    fn start(open: Opener, shared: Shared) -> Result<(Self, flume::Receiver<Result<()>>)> {
        let (commands, inbox) = flume::unbounded();
        let (ready_tx, ready_rx) = flume::bounded(1);
        let (alive_tx, alive) = flume::bounded::<()>(1);
        let shared = Arc::new(shared);
        let worker_shared = shared.clone();
        let slot: Slot = Arc::new(Mutex::new(None));
        let worker_slot = slot.clone();
        let pending = Arc::new(AtomicUsize::new(0));
        let worker_pending = pending.clone();
        std::thread::Builder::new()
            .name("sqlport-worker".into())
            .spawn(move || {
                let _alive = alive_tx;
                match open() {
                    Ok(transport) => {
                        worker_shared.update(&*transport);
                        *lock(&worker_slot) = Some(transport);
                        let _ = ready_tx.send(Ok(()));
                        serve(&worker_slot, &inbox, &worker_shared, &worker_pending);
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                    }
                }
            })?;
        Ok((
            AsyncOverBlocking {
                commands,
                alive,
                shared,
                closed: false,
                gate: TxGate::default(),
                abandoned: None,
                queued_autocommit: None,
                slot,
                pending,
            },
            ready_rx,
        ))
    }

    /// Hand a command to the worker ([`Error::Closed`] after `close` or once
    /// the worker is gone).
    fn send(&self, cmd: Command) -> Result<()> {
        if self.closed {
            return Err(Error::Closed);
        }
        self.pending.fetch_add(1, Ordering::SeqCst);
        self.commands.send(cmd).map_err(|_| {
            self.pending.fetch_sub(1, Ordering::SeqCst);
            Error::Closed
        })
    }

    /// Run `stmt` on this thread if the worker is idle and the transport
    /// accepts it as quick ([`Transport::try_execute_quick`]).
    fn try_inline(&mut self, stmt: &Statement) -> Option<Result<ResultSet>> {
        if self.closed || self.pending.load(Ordering::SeqCst) != 0 {
            return None;
        }
        let mut guard = self.slot.try_lock().ok()?;
        let transport = guard.as_mut()?;
        let result = transport.try_execute_quick(stmt)?;
        self.shared.update(&**transport);
        self.queued_autocommit = None;
        Some(result)
    }

    /// Send a command and await its reply. Until the reply is received the
    /// command counts as abandoned (its future may be dropped).
    async fn call<T>(&mut self, make: impl FnOnce(Reply<T>) -> Command) -> Result<T> {
        let (tx, rx) = flume::bounded(1);
        let was_open = !self.is_autocommit();
        self.send(make(tx))?;
        self.abandoned = Some(was_open);
        let reply = self.recv(&rx).await;
        self.replied();
        reply.ok_or(Error::Closed)?
    }

    /// A reply arrived: nothing is abandoned, and the worker's published
    /// state is current.
    fn replied(&mut self) {
        self.abandoned = None;
        self.queued_autocommit = None;
    }

    /// If the previous command was abandoned, tell the worker (it rolls back
    /// what is open) and, when a transaction was open before it, mark the
    /// transaction lost.
    fn settle_abandoned(&mut self) {
        if let Some(was_open) = self.abandoned.take() {
            if was_open {
                self.gate.lose();
            }
            if self.send(Command::Abandoned { was_open }).is_ok() {
                self.queued_autocommit = Some(true);
            }
        }
    }

    /// Await a message on `rx`; `None` once `rx` is disconnected or the worker
    /// thread has ended (a command queued to a dead worker is never dropped,
    /// so its reply channel alone would never disconnect).
    async fn recv<T>(&self, rx: &flume::Receiver<T>) -> Option<T> {
        let mut msg = std::pin::pin!(rx.recv_async());
        let mut dead = std::pin::pin!(self.alive.recv_async());
        std::future::poll_fn(|cx| {
            if let Poll::Ready(r) = msg.as_mut().poll(cx) {
                return Poll::Ready(r.ok());
            }
            if dead.as_mut().poll(cx).is_ready() {
                return Poll::Ready(rx.try_recv().ok());
            }
            Poll::Pending
        })
        .await
    }
}

/// The worker thread's loop: run commands until the handle is dropped or
/// closed. The transport is locked for each command, and unlocked (and the
/// command counted as finished) before its reply is sent.
fn serve(slot: &Slot, inbox: &flume::Receiver<Command>, shared: &Shared, pending: &AtomicUsize) {
    while let Ok(cmd) = inbox.recv() {
        let mut guard = lock(slot);
        let Some(transport) = guard.as_mut() else {
            return;
        };
        match cmd {
            Command::Execute(stmt, reply) => {
                let result = transport.execute(&stmt);
                answer(shared, guard, pending, &reply, result);
            }
            Command::Stream { stmt, rows, done } => {
                let mut sink = RelaySink::new(STREAM_CHUNK_ROWS, |b| rows.send(b).is_ok());
                let result = transport.query_stream(&stmt, &mut sink);
                // The last rows are sent before the summary, also when the
                // statement failed while stepping (the rows before the
                // error are the caller's, as on the blocking path).
                sink.flush();
                drop(sink);
                answer(shared, guard, pending, &done, result);
            }
            Command::Batch(batch, reply) => {
                let result = transport.batch(&batch);
                answer(shared, guard, pending, &reply, result);
            }
            Command::Enqueue(stmt) => {
                tracing::debug!(sql = %stmt.sql, "sqlport worker: running enqueued statement");
                if let Err(e) = transport.execute(&stmt) {
                    tracing::warn!(error = %e, "sqlport worker: enqueued statement failed");
                }
                shared.update(&**transport);
                drop(guard);
                pending.fetch_sub(1, Ordering::SeqCst);
            }
            Command::Abandoned { was_open } => {
                if !transport.is_autocommit() {
                    tracing::debug!(
                        was_open,
                        "sqlport worker: rolling back after a cancelled operation"
                    );
                    if let Err(e) = transport.execute(&Statement::new("ROLLBACK")) {
                        tracing::warn!(error = %e, "sqlport worker: rollback after a cancelled operation failed");
                    }
                }
                shared.update(&**transport);
                drop(guard);
                pending.fetch_sub(1, Ordering::SeqCst);
            }
            Command::Close(reply) => {
                let result = transport.close();
                answer(shared, guard, pending, &reply, result);
                return;
            }
            Command::Raw(f, reply) => {
                f(&mut **transport);
                answer(shared, guard, pending, &reply, Ok(()));
            }
        }
    }
    // The handle was dropped: close (rolls back an open transaction).
    if let Some(transport) = lock(slot).as_mut() {
        if let Err(e) = transport.close() {
            tracing::warn!(error = %e, "sqlport worker: closing the transport failed");
        }
    }
}

/// Publish the transport's state, unlock it, count the command finished, then
/// reply (so a caller that has the reply also sees the state it left, and
/// finds the worker idle). A caller that went away is not an error.
fn answer<T>(
    shared: &Shared,
    guard: MutexGuard<'_, Option<Box<dyn Transport>>>,
    pending: &AtomicUsize,
    reply: &Reply<T>,
    result: Result<T>,
) {
    if let Some(transport) = guard.as_deref() {
        shared.update(transport);
    }
    drop(guard);
    pending.fetch_sub(1, Ordering::SeqCst);
    let _ = reply.send(result);
}

#[async_trait]
impl AsyncTransport for AsyncOverBlocking {
    async fn with_blocking(&mut self, f: BlockingFn) -> Result<()> {
        self.settle_abandoned();
        self.call(|reply| Command::Raw(f, reply)).await
    }

    async fn execute(&mut self, stmt: &Statement) -> Result<ResultSet> {
        self.settle_abandoned();
        if self.gate.admit(&stmt.sql)? == Admission::Absorbed {
            return Ok(ResultSet::default());
        }
        if let Some(result) = self.try_inline(stmt) {
            return result;
        }
        let stmt = stmt.clone();
        self.call(|reply| Command::Execute(stmt, reply)).await
    }

    async fn query_stream(
        &mut self,
        stmt: &Statement,
        sink: &mut (dyn RowSink + Send),
    ) -> Result<Summary> {
        self.settle_abandoned();
        self.gate.admit_many()?;
        let (rows_tx, rows_rx) = flume::bounded(STREAM_CHUNKS_IN_FLIGHT);
        let (done_tx, done_rx) = flume::bounded(1);
        let was_open = !self.is_autocommit();
        self.send(Command::Stream {
            stmt: stmt.clone(),
            rows: rows_tx,
            done: done_tx,
        })?;
        self.abandoned = Some(was_open);
        let mut stopped = None;
        while let Some(batch) = self.recv(&rows_rx).await {
            if let ControlFlow::Break(why) = relay::deliver(batch, sink) {
                stopped = Some(why);
                break;
            }
            if sink.wants_pause() {
                relay::yield_once().await;
            }
        }
        // Tell the worker to stop (its next send fails), then wait for it.
        drop(rows_rx);
        let summary = self.recv(&done_rx).await;
        self.replied();
        relay::outcome(stopped, summary.ok_or(Error::Closed)?)
    }

    async fn batch(&mut self, batch: &Batch) -> Result<BatchResult> {
        self.settle_abandoned();
        self.gate.admit_many()?;
        let batch = batch.clone();
        self.call(|reply| Command::Batch(batch, reply)).await
    }

    fn is_autocommit(&self) -> bool {
        if self.closed {
            return true;
        }
        if let Some(was_open) = self.abandoned {
            // Once settled: a transaction open before it is lost (counts as
            // open); anything else is rolled back.
            return !was_open;
        }
        if self.gate.is_lost() {
            return false;
        }
        self.queued_autocommit
            .unwrap_or_else(|| self.shared.autocommit.load(Ordering::SeqCst))
    }

    fn capabilities(&self) -> Capabilities {
        self.shared.capabilities()
    }

    fn enqueue(&mut self, stmt: Statement) {
        self.settle_abandoned();
        match self.gate.admit(&stmt.sql) {
            Ok(Admission::Run) => {}
            Ok(Admission::Absorbed) => return,
            Err(_) => {
                tracing::debug!(
                    "sqlport worker: dropping a queued statement: the transaction was lost"
                );
                return;
            }
        }
        let ends = classify(&stmt.sql) == StatementKind::Rollback;
        if self.send(Command::Enqueue(stmt)).is_err() {
            tracing::warn!("sqlport worker: statement enqueued on a closed connection");
        } else if ends {
            self.queued_autocommit = Some(true);
        }
    }

    async fn close(&mut self) -> Result<()> {
        if self.closed {
            return Ok(());
        }
        self.settle_abandoned();
        self.gate.clear();
        let result = self.call(Command::Close).await;
        self.closed = true;
        match result {
            Err(Error::Closed) => Ok(()),
            other => other,
        }
    }
}

/// An [`AsyncConnector`] that opens connections with a blocking [`Connector`]
/// (on the worker thread) and wraps each in a [`AsyncOverBlocking`].
pub struct AsyncOverBlockingConnector<C> {
    inner: std::sync::Arc<C>,
}

impl<C> Clone for AsyncOverBlockingConnector<C> {
    fn clone(&self) -> Self {
        AsyncOverBlockingConnector {
            inner: self.inner.clone(),
        }
    }
}

impl<C: fmt::Debug> fmt::Debug for AsyncOverBlockingConnector<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("AsyncOverBlockingConnector")
            .field(&self.inner)
            .finish()
    }
}

impl<C: Connector + 'static> AsyncOverBlockingConnector<C> {
    /// Wrap a blocking connector.
    pub fn new(inner: C) -> Self {
        AsyncOverBlockingConnector {
            inner: std::sync::Arc::new(inner),
        }
    }

    /// The wrapped blocking connector.
    pub fn inner(&self) -> &C {
        &self.inner
    }
}

#[async_trait]
impl<C: Connector + 'static> AsyncConnector for AsyncOverBlockingConnector<C> {
    async fn connect(&self) -> Result<Box<dyn AsyncTransport>> {
        let inner = self.inner.clone();
        let shared = Shared::new(true, Capabilities::none());
        let (worker, ready) = AsyncOverBlocking::start(Box::new(move || inner.connect()), shared)?;
        ready.recv_async().await.map_err(|_| Error::Closed)??;
        Ok(Box::new(worker))
    }
}

#[cfg(test)]
mod tests;
