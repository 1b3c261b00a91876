//! The adapter from an async transport to the blocking API: run an
//! [`AsyncTransport`] through the blocking [`Transport`] trait, so one
//! blocking suite exercises async transports' own code.
//!
//! [`BlockingOverAsyncConnector`] owns a tokio runtime (one worker thread, shared by its
//! connections) and `block_on`s each call. It must not be used from inside an
//! async context (tokio refuses to block there).

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

impl BlockingOverAsyncConnector {
    /// Wrap `inner`, starting a runtime for it.
    pub fn new(inner: Arc<dyn AsyncConnector>) -> Result<BlockingOverAsyncConnector> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("sqlport-conformance-async")
            .enable_all()
            .build()
            .map_err(Error::Io)?;
        Ok(BlockingOverAsyncConnector {
            inner,
            runtime: Arc::new(runtime),
        })
    }
}

impl Connector for BlockingOverAsyncConnector {
    fn connect(&self) -> Result<Box<dyn Transport>> {
        let inner = self.runtime.block_on(self.inner.connect())?;
        Ok(Box::new(BlockingOverAsync {
            inner,
            runtime: self.runtime.clone(),
        }))
    }
}

/// A blocking [`Transport`] over an [`AsyncTransport`] (see [`BlockingOverAsyncConnector`]).
pub struct BlockingOverAsync {
    inner: Box<dyn AsyncTransport>,
    runtime: Arc<Runtime>,
}

impl std::fmt::Debug for BlockingOverAsync {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlockingOverAsync").finish_non_exhaustive()
    }
}

/// Rows per batch sent from the async side to the caller's thread.
const STREAM_CHUNK_ROWS: usize = 64;

/// Batches in flight between the async side and the caller's sink (memory
/// stays bounded).
const STREAM_BATCHES_IN_FLIGHT: usize = 4;

impl Transport for BlockingOverAsync {
    fn execute(&mut self, stmt: &Statement) -> Result<ResultSet> {
        self.runtime.block_on(self.inner.execute(stmt))
    }

    fn query_stream(&mut self, stmt: &Statement, sink: &mut dyn RowSink) -> Result<Summary> {
        // The async trait wants a `Send` sink; the caller's may not be. Run the
        // query on a scoped thread and feed the caller's sink here.
        let (tx, rx) = std::sync::mpsc::sync_channel(STREAM_BATCHES_IN_FLIGHT);
        let runtime = &self.runtime;
        let inner = &mut self.inner;
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
        self.runtime.block_on(self.inner.batch(batch))
    }

    fn is_autocommit(&self) -> bool {
        self.inner.is_autocommit()
    }

    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }

    fn close(&mut self) -> Result<()> {
        self.runtime.block_on(self.inner.close())
    }
}
