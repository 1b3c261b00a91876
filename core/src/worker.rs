//! Run any blocking [`Transport`] as an [`AsyncTransport`] on a dedicated worker
//! thread (as sqlx's SQLite driver does), so async callers never block their
//! executor. Used for the local transport's async flavour; third-party blocking
//! transports get an async flavour the same way.

use async_trait::async_trait;

use crate::capability::Capabilities;
use crate::error::{Error, Result};
use crate::result::{ResultSet, RowSink, Summary};
use crate::statement::{Batch, BatchResult, Statement};
use crate::transport::{AsyncConnector, AsyncTransport, Connector, Transport};

/// A blocking transport running on its own thread, driven through channels.
#[derive(Debug)]
pub struct WorkerTransport {
    _private: (),
}

impl WorkerTransport {
    /// Move `transport` onto a new worker thread.
    pub fn spawn(transport: Box<dyn Transport>) -> Result<Self> {
        let _ = transport;
        Err(Error::Unsupported("worker not implemented yet".into()))
    }
}

#[async_trait]
impl AsyncTransport for WorkerTransport {
    async fn execute(&mut self, _stmt: &Statement) -> Result<ResultSet> {
        Err(Error::Unsupported("worker not implemented yet".into()))
    }

    async fn query_stream(
        &mut self,
        _stmt: &Statement,
        _sink: &mut (dyn RowSink + Send),
    ) -> Result<Summary> {
        Err(Error::Unsupported("worker not implemented yet".into()))
    }

    async fn batch(&mut self, _batch: &Batch) -> Result<BatchResult> {
        Err(Error::Unsupported("worker not implemented yet".into()))
    }

    fn is_autocommit(&self) -> bool {
        true
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::none()
    }

    fn enqueue(&mut self, _stmt: Statement) {}

    async fn close(&mut self) -> Result<()> {
        Ok(())
    }
}

/// An [`AsyncConnector`] that opens connections with a blocking [`Connector`]
/// (on the worker thread) and wraps each in a [`WorkerTransport`].
pub struct WorkerConnector<C> {
    inner: std::sync::Arc<C>,
}

impl<C: Connector + 'static> WorkerConnector<C> {
    /// Wrap a blocking connector.
    pub fn new(inner: C) -> Self {
        WorkerConnector {
            inner: std::sync::Arc::new(inner),
        }
    }
}

#[async_trait]
impl<C: Connector + 'static> AsyncConnector for WorkerConnector<C> {
    async fn connect(&self) -> Result<Box<dyn AsyncTransport>> {
        let _ = &self.inner;
        Err(Error::Unsupported("worker not implemented yet".into()))
    }
}
