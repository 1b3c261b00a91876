//! The adapter from an async transport to the blocking API: run an
//! [`AsyncTransport`] through the blocking [`Transport`] trait, so one
//! blocking suite exercises async transports' own code.
//!
//! [`BlockingOverAsyncConnector`] owns a tokio runtime (one worker thread, shared by its
//! connections) and `block_on`s each call. It must not be used from inside an
//! async context (tokio refuses to block there). [`BlockingOverAsync`] is
//! generic over the transport, so a test can keep the concrete type (and its
//! own methods) behind the blocking API: `BlockingOverAsync::new(transport,
//! runtime)` with a runtime from [`runtime()`].

use std::ops::ControlFlow;
use std::sync::Arc;

use sqlport::{
    AsyncConnector, AsyncTransport, Batch, BatchResult, Capabilities, Connector, Error, Result,
    ResultSet, RowSink, Statement, Summary, Transport,
};
use sqlport_core::relay::{self, RelaySink};
use tokio::runtime::Runtime;

/// A blocking [`Connector`] over an [`AsyncConnector`].
pub struct BlockingOverAsyncConnector {
    inner: Arc<dyn AsyncConnector>,
    runtime: Arc<Runtime>,
}

impl std::fmt::Debug for BlockingOverAsyncConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlockingOverAsyncConnector")
            .finish_non_exhaustive()
    }
}

/// The runtime the adapter blocks on: one worker thread, shared by the
/// connections of one connector.
pub fn runtime() -> Result<Arc<Runtime>> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("sqlport-conformance-async")
        .enable_all()
        .build()
        .map_err(Error::Io)?;
    Ok(Arc::new(runtime))
}

impl BlockingOverAsyncConnector {
    /// Wrap `inner`, starting a runtime for it.
    pub fn new(inner: Arc<dyn AsyncConnector>) -> Result<BlockingOverAsyncConnector> {
        Ok(BlockingOverAsyncConnector {
            inner,
            runtime: runtime()?,
        })
    }
}

impl Connector for BlockingOverAsyncConnector {
    fn connect(&self) -> Result<Box<dyn Transport>> {
        let inner = self.runtime.block_on(self.inner.connect())?;
        Ok(Box::new(BlockingOverAsync::new(
            inner,
            self.runtime.clone(),
        )))
    }
}

/// A blocking [`Transport`] over an [`AsyncTransport`] (see [`BlockingOverAsyncConnector`]).
/// Dropped inside its runtime, so the transport's drop can send its close.
pub struct BlockingOverAsync<T: AsyncTransport + ?Sized = dyn AsyncTransport> {
    /// `Some` until dropped (taken inside the runtime, see `Drop`).
    inner: Option<Box<T>>,
    runtime: Arc<Runtime>,
}

impl<T: AsyncTransport + ?Sized> std::fmt::Debug for BlockingOverAsync<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlockingOverAsync").finish_non_exhaustive()
    }
}

impl<T: AsyncTransport + ?Sized> BlockingOverAsync<T> {
    /// `inner` behind the blocking API, each call blocking on `runtime`.
    pub fn new(inner: Box<T>, runtime: Arc<Runtime>) -> Self {
        BlockingOverAsync {
            inner: Some(inner),
            runtime,
        }
    }

    /// The async transport.
    pub fn inner(&self) -> &T {
        self.inner.as_deref().expect("taken only when dropped")
    }

    /// The async transport, mutably.
    pub fn inner_mut(&mut self) -> &mut T {
        self.inner.as_deref_mut().expect("taken only when dropped")
    }
}

impl<T: AsyncTransport + ?Sized> Drop for BlockingOverAsync<T> {
    fn drop(&mut self) {
        // Inside the runtime, so the transport's drop can spawn its close.
        let _in_runtime = self.runtime.enter();
        self.inner.take();
    }
}

/// Rows per batch sent from the async side to the caller's thread.
const STREAM_CHUNK_ROWS: usize = 64;

/// Batches in flight between the async side and the caller's sink (memory
/// stays bounded).
const STREAM_BATCHES_IN_FLIGHT: usize = 4;

impl<T: AsyncTransport + ?Sized> Transport for BlockingOverAsync<T> {
    fn execute(&mut self, stmt: &Statement) -> Result<ResultSet> {
        let runtime = self.runtime.clone();
        runtime.block_on(self.inner_mut().execute(stmt))
    }

    fn query_stream(&mut self, stmt: &Statement, sink: &mut dyn RowSink) -> Result<Summary> {
        // The async trait wants a `Send` sink; the caller's may not be. Run the
        // query on a scoped thread and feed the caller's sink here.
        let (tx, rx) = std::sync::mpsc::sync_channel(STREAM_BATCHES_IN_FLIGHT);
        let runtime = self.runtime.clone();
        let inner = self.inner_mut();
        std::thread::scope(|scope| {
            let worker = scope.spawn(move || {
                let mut relay = RelaySink::new(STREAM_CHUNK_ROWS, move |b| tx.send(b).is_ok());
                let result = runtime.block_on(inner.query_stream(stmt, &mut relay));
                relay.flush();
                result
            });
            let mut stopped = None;
            for batch in rx.iter() {
                if let ControlFlow::Break(why) = relay::deliver(batch, sink) {
                    stopped = Some(why);
                    break;
                }
            }
            drop(rx);
            let result = worker.join().unwrap_or_else(|_| {
                Err(Error::transport(
                    "the async transport panicked while streaming",
                ))
            });
            relay::outcome(stopped, result)
        })
    }

    fn batch(&mut self, batch: &Batch) -> Result<BatchResult> {
        let runtime = self.runtime.clone();
        runtime.block_on(self.inner_mut().batch(batch))
    }

    fn is_autocommit(&self) -> bool {
        self.inner().is_autocommit()
    }

    fn capabilities(&self) -> Capabilities {
        self.inner().capabilities()
    }

    fn close(&mut self) -> Result<()> {
        let runtime = self.runtime.clone();
        runtime.block_on(self.inner_mut().close())
    }
}
