//! [`Database`]: a handle that opens connections.

use std::fmt;
use std::sync::Arc;

use sqlport_core::{Connector, Result};

use super::Connection;
use crate::OpenOptions;

/// A database handle (cheap to clone). It owns what connections share: the HTTP
/// agent of a remote database, the path and settings of a local one.
#[derive(Clone)]
pub struct Database {
    connector: Arc<dyn Connector>,
    name: String,
}

impl fmt::Debug for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Database")
            .field("name", &self.name)
            .finish_non_exhaustive()
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
        Ok(Database {
            connector,
            name: sqlport_core::name::redact_name(name),
        })
    }

    /// A database over any [`Connector`], e.g. a third-party transport.
    pub fn from_connector(connector: impl Connector + 'static) -> Database {
        Self::from_arc(Arc::new(connector))
    }

    /// A database over a shared [`Connector`].
    pub fn from_arc(connector: Arc<dyn Connector>) -> Database {
        Database {
            connector,
            name: "<custom connector>".into(),
        }
    }

    /// Open a new connection.
    pub fn connect(&self) -> Result<Connection> {
        Ok(Connection::from_transport(self.connector.connect()?))
    }
}
