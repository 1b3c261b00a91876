//! Run an [`AsyncTransport`] through the blocking [`Transport`] trait, so one
//! blocking suite exercises async transports' own code.
//!
//! [`BlockingConnector`] owns a tokio runtime (one worker thread, shared by its
//! connections) and `block_on`s each call. It must not be used from inside an
//! async context (tokio refuses to block there).

use std::ops::ControlFlow;
use std::sync::Arc;

use sqlport::{
    AsyncConnector, AsyncTransport, Batch, BatchResult, Capabilities, Column, Connector, Error,
    Result, ResultSet, Row, RowSink, Statement, Summary, Transport,
};
use tokio::runtime::Runtime;

/// A blocking [`Connector`] over an [`AsyncConnector`].
pub struct BlockingConnector {
    inner: Arc<dyn AsyncConnector>,
    runtime: Arc<Runtime>,
}

impl std::fmt::Debug for BlockingConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlockingConnector").finish_non_exhaustive()
    }
}

impl BlockingConnector {
    /// Wrap `inner`, starting a runtime for it.
    pub fn new(inner: Arc<dyn AsyncConnector>) -> Result<BlockingConnector> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("sqlport-conformance-async")
            .enable_all()
            .build()
            .map_err(Error::Io)?;
        Ok(BlockingConnector {
            inner,
            runtime: Arc::new(runtime),
        })
    }
}

impl Connector for BlockingConnector {
    fn connect(&self) -> Result<Box<dyn Transport>> {
        let inner = self.runtime.block_on(self.inner.connect())?;
        Ok(Box::new(BlockingTransport {
            inner,
            runtime: self.runtime.clone(),
        }))
    }
}

/// A blocking [`Transport`] over an [`AsyncTransport`] (see [`BlockingConnector`]).
pub struct BlockingTransport {
    inner: Box<dyn AsyncTransport>,
    runtime: Arc<Runtime>,
}

impl std::fmt::Debug for BlockingTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlockingTransport").finish_non_exhaustive()
    }
}

/// What the async side hands to the caller's thread while streaming.
enum Msg {
    Columns(Arc<[Column]>),
    Row(Row),
}

/// The async side's sink: forwards to the caller's thread over a bounded
/// channel (so memory stays bounded); when the caller stops listening it asks
/// the transport to stop.
struct ChannelSink(std::sync::mpsc::SyncSender<Msg>);

impl RowSink for ChannelSink {
    fn columns(&mut self, columns: &Arc<[Column]>) -> Result<()> {
        // A closed channel means the caller stopped; `row` then breaks.
        let _ = self.0.send(Msg::Columns(columns.clone()));
        Ok(())
    }

    fn row(&mut self, row: Row) -> Result<ControlFlow<()>> {
        Ok(match self.0.send(Msg::Row(row)) {
            Ok(()) => ControlFlow::Continue(()),
            Err(_) => ControlFlow::Break(()),
        })
    }
}

/// Rows in flight between the async side and the caller's sink.
const STREAM_BUFFER: usize = 256;

impl Transport for BlockingTransport {
    fn execute(&mut self, stmt: &Statement) -> Result<ResultSet> {
        self.runtime.block_on(self.inner.execute(stmt))
    }

    fn query_stream(&mut self, stmt: &Statement, sink: &mut dyn RowSink) -> Result<Summary> {
        // The async trait wants a `Send` sink; the caller's may not be. Run the
        // query on a scoped thread and feed the caller's sink here.
        let (tx, rx) = std::sync::mpsc::sync_channel(STREAM_BUFFER);
        let runtime = &self.runtime;
        let inner = &mut self.inner;
        std::thread::scope(|scope| {
            let worker = scope.spawn(move || {
                let mut channel = ChannelSink(tx);
                runtime.block_on(inner.query_stream(stmt, &mut channel))
            });
            let mut failed = None;
            for msg in rx.iter() {
                let step = match msg {
                    Msg::Columns(c) => sink.columns(&c).map(|()| ControlFlow::Continue(())),
                    Msg::Row(r) => sink.row(r),
                };
                match step {
                    Ok(ControlFlow::Continue(())) => {}
                    Ok(ControlFlow::Break(())) => break,
                    Err(e) => {
                        failed = Some(e);
                        break;
                    }
                }
            }
            drop(rx);
            let result = worker.join().unwrap_or_else(|_| {
                Err(Error::transport(
                    "the async transport panicked while streaming",
                ))
            });
            match failed {
                Some(e) => Err(e),
                None => result,
            }
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
