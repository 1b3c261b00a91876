//! A third-party transport proven with the conformance suite.
//!
//! `Toy` is a transport of its own (here it forwards to the local transport,
//! as a stand-in for real work). Proving it takes one line: hand the suite a
//! connector. In a real crate this `main` is a test target with
//! `harness = false`; here it runs with
//! `cargo run -p sqlport-conformance --example toy_transport -- values::`.

use sqlport::{
    Batch, BatchResult, Capabilities, LocalTarget, Result, ResultSet, Statement, Transport,
};
use sqlport_local::{LocalConfig, LocalConnector};

/// The transport under test.
struct Toy {
    inner: Box<dyn Transport>,
}

impl Toy {
    fn connect(db: &LocalConnector) -> Result<Box<dyn Transport>> {
        use sqlport::Connector;
        Ok(Box::new(Toy {
            inner: db.connect()?,
        }))
    }
}

impl Transport for Toy {
    fn execute(&mut self, stmt: &Statement) -> Result<ResultSet> {
        self.inner.execute(stmt)
    }

    fn batch(&mut self, batch: &Batch) -> Result<BatchResult> {
        self.inner.batch(batch)
    }

    fn is_autocommit(&self) -> bool {
        self.inner.is_autocommit()
    }

    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }

    fn close(&mut self) -> Result<()> {
        self.inner.close()
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
    sqlport_conformance::harness::run_blocking("toy", move || Toy::connect(&db))
}
