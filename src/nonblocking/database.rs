//! [`Database`] (async).

use std::fmt;
use std::sync::Arc;

use sqlport_core::{AsyncConnector, Result};

use super::Connection;
use crate::OpenOptions;

/// A database handle (cheap to clone); see [`blocking::Database`](crate::blocking::Database).
#[derive(Clone)]
pub struct Database {
    connector: Arc<dyn AsyncConnector>,
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
    /// Nothing is sent or opened until [`Database::connect`].
    pub fn open(name: &str) -> Result<Database> {
        Self::open_with(name, OpenOptions::default())
    }

    /// Open with options.
    pub fn open_with(name: &str, options: OpenOptions) -> Result<Database> {
        let connector = crate::open::async_connector(name, &options)?;
        Ok(Database {
            connector,
            name: sqlport_core::name::redact_name(name),
        })
    }

    /// A database over any [`AsyncConnector`].
    pub fn from_connector(connector: impl AsyncConnector + 'static) -> Database {
        Self::from_arc(Arc::new(connector))
    }

    /// A database over a shared [`AsyncConnector`].
    pub fn from_arc(connector: Arc<dyn AsyncConnector>) -> Database {
        Database {
            connector,
            name: "<custom connector>".into(),
        }
    }

    /// Open a new connection.
    pub async fn connect(&self) -> Result<Connection> {
        Ok(Connection::from_transport(self.connector.connect().await?))
    }
}
