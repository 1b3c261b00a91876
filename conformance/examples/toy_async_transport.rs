//! A third-party *async* transport proven with the conformance suite.
//!
//! `AsyncToy` forwards to the local transport's async flavour, as a stand-in
//! for real work. The suite drives it from a runtime of its own; proving it
//! takes one line with an [`AsyncConnector`]. Run with
//! `cargo run -p sqlport-conformance --example toy_async_transport -- values::`.

use async_trait::async_trait;
use sqlport::{
    AsyncConnector, AsyncTransport, Batch, BatchResult, Capabilities, LocalTarget, Result,
    ResultSet, Statement,
};
use sqlport_local::{LocalConfig, LocalConnector, async_connector};

/// The transport under test.
struct AsyncToy {
    inner: Box<dyn AsyncTransport>,
}

#[async_trait]
impl AsyncTransport for AsyncToy {
    async fn execute(&mut self, stmt: &Statement) -> Result<ResultSet> {
        self.inner.execute(stmt).await
    }

    async fn batch(&mut self, batch: &Batch) -> Result<BatchResult> {
        self.inner.batch(batch).await
    }

    fn is_autocommit(&self) -> bool {
        self.inner.is_autocommit()
    }

    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }

    fn enqueue(&mut self, stmt: Statement) {
        self.inner.enqueue(stmt);
    }

    async fn close(&mut self) -> Result<()> {
        self.inner.close().await
    }
}

/// Opens `AsyncToy` connections to one database.
struct ToyConnector<C>(C);

#[async_trait]
impl<C: AsyncConnector> AsyncConnector for ToyConnector<C> {
    async fn connect(&self) -> Result<Box<dyn AsyncTransport>> {
        Ok(Box::new(AsyncToy {
            inner: self.0.connect().await?,
        }))
    }
}

fn main() {
    let db = match LocalConnector::open(&LocalTarget::Memory, LocalConfig::default()) {
        Ok(db) => db,
        Err(e) => {
            eprintln!("cannot open the toy database: {e}");
            std::process::exit(2)
        }
    };
    // The one line:
    sqlport_conformance::harness::run_async("async-toy", ToyConnector(async_connector(db)))
}
