//! [`Subject`]: a transport under test, and [`Fixture`]: one database of it.

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use sqlport::blocking::Database;
use sqlport::{AsyncConnector, Connector, Result};

use super::blocking_over_async::BlockingOverAsyncConnector;

/// One database of a subject, plus whatever must live as long as it (a
/// server, a temporary directory), dropped after the case.
pub struct Fixture {
    /// The database the case runs against.
    pub database: Database,
    _guard: Option<Box<dyn Any + Send>>,
}

impl Fixture {
    /// A fixture over `database`.
    pub fn new(database: Database) -> Fixture {
        Fixture {
            database,
            _guard: None,
        }
    }

    /// A fixture that keeps `guard` alive until it is dropped.
    pub fn with_guard(database: Database, guard: impl Any + Send) -> Fixture {
        Fixture {
            database,
            _guard: Some(Box::new(guard)),
        }
    }
}

impl fmt::Debug for Fixture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fixture")
            .field("database", &self.database)
            .finish_non_exhaustive()
    }
}

type OpenFn = dyn Fn() -> Result<Fixture> + Send + Sync;

/// A transport under test: a name for reports and a way to open a database.
///
/// Each case opens its own [`Fixture`]. A subject built with [`Subject::new`]
/// may hand each case a fresh database (cases then run in parallel safely);
/// one built from a connector shares one database between cases, which is
/// fine too: every case creates and drops its own, uniquely named tables.
#[derive(Clone)]
pub struct Subject {
    name: String,
    open: Arc<OpenFn>,
    isolated: bool,
}

impl fmt::Debug for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Subject")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl Subject {
    /// A subject whose `open` gives each case a database (possibly shared).
    pub fn new(
        name: impl Into<String>,
        open: impl Fn() -> Result<Fixture> + Send + Sync + 'static,
    ) -> Subject {
        Subject {
            name: name.into(),
            open: Arc::new(open),
            isolated: false,
        }
    }

    /// A subject whose `open` makes a fresh, independent database each time,
    /// so its cases may run in parallel.
    pub fn isolated(
        name: impl Into<String>,
        open: impl Fn() -> Result<Fixture> + Send + Sync + 'static,
    ) -> Subject {
        Subject {
            isolated: true,
            ..Subject::new(name, open)
        }
    }

    /// Whether every case gets its own database ([`Subject::isolated`]).
    pub fn is_isolated(&self) -> bool {
        self.isolated
    }

    /// A subject over one blocking connector (one database shared by all cases).
    /// Any `Fn() -> Result<Box<dyn Transport>>` is a connector.
    pub fn blocking(name: impl Into<String>, connector: impl Connector + 'static) -> Subject {
        let db = Database::from_connector(connector);
        Subject::new(name, move || Ok(Fixture::new(db.clone())))
    }

    /// A subject over one async connector, driven through a
    /// [`BlockingOverAsyncConnector`] (the async transport's own code runs).
    pub fn from_async(
        name: impl Into<String>,
        connector: impl AsyncConnector + 'static,
    ) -> Result<Subject> {
        let bridge = BlockingOverAsyncConnector::new(Arc::new(connector))?;
        Ok(Subject::blocking(name, bridge))
    }

    /// The name shown in reports.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Open a database for one case.
    pub fn open(&self) -> Result<Fixture> {
        (self.open)()
    }
}
