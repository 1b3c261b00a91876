//! [`Database`]: a handle that opens connections.

use std::fmt;
use std::sync::Arc;

use sqlport_core::{Connector, Result};

use super::Connection;
use crate::OpenOptions;
use crate::shared::Handle;

/// A database handle (cheap to clone). It owns what connections share: the HTTP
/// agent of a remote database, the path and settings of a local one. `Debug`
/// shows the NAME with any auth token redacted.
#[derive(Clone)]
pub struct Database(Handle<dyn Connector>);

impl fmt::Debug for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl Database {
    /// Open the database `name` names (see the [NAME forms](crate#name-forms)).
    /// Remote handles connect lazily: nothing is sent until [`Database::connect`].
    pub fn open(name: &str) -> Result<Database> {
        Self::open_with(name, OpenOptions::default())
    }

    /// Open with options (auth token, timeouts, flags).
    pub fn open_with(name: &str, options: OpenOptions) -> Result<Database> {
        let connector = crate::open::blocking_connector(name, &options)?;
        Ok(Database(Handle::named(name, connector)))
    }

    /// A database over any [`Connector`], e.g. a third-party transport.
    pub fn from_connector(connector: impl Connector + 'static) -> Database {
        Self::from_arc(Arc::new(connector))
    }

    /// A database over a shared [`Connector`].
    pub fn from_arc(connector: Arc<dyn Connector>) -> Database {
        Database(Handle::custom(connector))
    }

    /// Open a new connection.
    pub fn connect(&self) -> Result<Connection> {
        Ok(Connection::from_transport(self.0.connector.connect()?))
    }
}
