//! What a connection holds while a row stream has its transport: a stand-in
//! that answers the I/O-free questions (`is_autocommit`, `capabilities`)
//! from the values they had when the stream started, and refuses every
//! statement with [`Error::Closed`]. A stream gives the transport back when
//! it ends or is dropped; only a stream leaked with `mem::forget` (or whose
//! producer panicked) leaves the stand-in for good.

use async_trait::async_trait;
use sqlport_core::{
    AsyncTransport, Batch, BatchResult, Capabilities, Error, Result, ResultSet, Statement,
    Transport,
};

/// The stand-in transport (blocking and async).
pub(crate) struct Lent {
    autocommit: bool,
    capabilities: Capabilities,
}

impl Lent {
    /// A stand-in for a blocking transport, with its current state.
    pub(crate) fn of(t: &dyn Transport) -> Lent {
        Lent {
            autocommit: t.is_autocommit(),
            capabilities: t.capabilities(),
        }
    }

    /// A stand-in for an async transport, with its current state.
    pub(crate) fn of_async(t: &dyn AsyncTransport) -> Lent {
        Lent {
            autocommit: t.is_autocommit(),
            capabilities: t.capabilities(),
        }
    }
}

impl Transport for Lent {
    fn execute(&mut self, _: &Statement) -> Result<ResultSet> {
        Err(Error::Closed)
    }

    fn batch(&mut self, _: &Batch) -> Result<BatchResult> {
        Err(Error::Closed)
    }

    fn is_autocommit(&self) -> bool {
        self.autocommit
    }

    fn capabilities(&self) -> Capabilities {
        self.capabilities
    }

    fn close(&mut self) -> Result<()> {
        Ok(())
    }
}

#[async_trait]
impl AsyncTransport for Lent {
    async fn execute(&mut self, _: &Statement) -> Result<ResultSet> {
        Err(Error::Closed)
    }

    async fn batch(&mut self, _: &Batch) -> Result<BatchResult> {
        Err(Error::Closed)
    }

    fn is_autocommit(&self) -> bool {
        self.autocommit
    }

    fn capabilities(&self) -> Capabilities {
        self.capabilities
    }

    fn enqueue(&mut self, stmt: Statement) {
        tracing::warn!(sql = %stmt.sql, "sqlport: statement queued on a connection whose transport is gone; dropped");
    }

    async fn close(&mut self) -> Result<()> {
        Ok(())
    }
}
