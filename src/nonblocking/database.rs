//! [`Database`] (async).

use std::fmt;
use std::sync::Arc;

use sqlport_core::{AsyncConnector, Result};

use super::Connection;
use crate::OpenOptions;
use crate::shared::Handle;

/// A database handle (cheap to clone); see [`blocking::Database`](crate::blocking::Database).
#[derive(Clone)]
pub struct Database(Handle<dyn AsyncConnector>);

impl fmt::Debug for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl Database {
    /// Open the database `name` names (see the [NAME forms](crate#name-forms)).
    /// A local database is opened and checked at once; remote handles connect
    /// lazily: nothing is sent until [`Database::connect`].
    pub fn open(name: &str) -> Result<Database> {
        Self::open_with(name, OpenOptions::default())
    }

    /// Open with options.
    pub fn open_with(name: &str, options: OpenOptions) -> Result<Database> {
        let connector = crate::open::async_connector(name, &options)?;
        Ok(Database(Handle::named(name, connector)))
    }

    /// A database over any [`AsyncConnector`].
    pub fn from_connector(connector: impl AsyncConnector + 'static) -> Database {
        Self::from_arc(Arc::new(connector))
    }

    /// A database over a shared [`AsyncConnector`].
    pub fn from_arc(connector: Arc<dyn AsyncConnector>) -> Database {
        Database(Handle::custom(connector))
    }

    /// Open a new connection.
    pub async fn connect(&self) -> Result<Connection> {
        Ok(Connection::from_transport(
            self.0.connector.connect().await?,
        ))
    }
}
