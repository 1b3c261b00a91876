//! [`ConnectionEngine`]: the corpus runner's [`Engine`] over one sqlport
//! connection, on any transport.

use std::ops::ControlFlow;
use std::sync::Arc;

use sqlport::blocking::Connection;
use sqlport::{Column, Row, RowSink, Statement};

use super::run::Engine;
use super::split::split_statements;
use crate::suite::check::describe_error;
use crate::suite::slt::format::format_value;

/// The corpus runner's engine over one connection (the whole script runs on
/// it, as the harness runs a script on one database connection).
#[derive(Debug)]
pub struct ConnectionEngine {
    conn: Connection,
}

/// What the engine runs first: the harness's connection has SQLite's
/// defaults, and sqlport's local transport turns foreign keys on. Setting it
/// also makes an HTTP connection keep its stream for the whole script (the
/// client keeps a stream while PRAGMA assignments hold), so `TEMP` objects
/// live as long as on the harness's one connection.
pub const CONNECTION_SETUP: &str = "PRAGMA foreign_keys = OFF";

impl ConnectionEngine {
    /// An engine over `conn`, set up as the harness's connection is
    /// ([`CONNECTION_SETUP`]).
    pub fn new(mut conn: Connection) -> sqlport::Result<ConnectionEngine> {
        conn.run(&Statement::new(CONNECTION_SETUP))?;
        Ok(ConnectionEngine { conn })
    }

    /// The connection back (to close it).
    pub fn into_connection(self) -> Connection {
        self.conn
    }
}

/// Keeps the formatted values of a query's rows, and whether (and how many)
/// columns were announced, which tells a statement that did not compile from
/// one that failed while stepping.
struct Values<'t> {
    types: &'t [u8],
    width: Option<usize>,
    values: Vec<String>,
}

impl RowSink for Values<'_> {
    fn columns(&mut self, columns: &Arc<[Column]>) -> sqlport::Result<()> {
        self.width = Some(columns.len());
        Ok(())
    }

    fn row(&mut self, row: Row) -> sqlport::Result<ControlFlow<()>> {
        for (i, ty) in self.types.iter().enumerate() {
            let text = match row.values().get(i) {
                Some(v) => format_value(v, Some(char::from(*ty))),
                None => "NULL".to_owned(),
            };
            self.values.push(text);
        }
        Ok(ControlFlow::Continue(()))
    }
}

impl Engine for ConnectionEngine {
    fn statement(&mut self, sql: &str) -> Result<(), String> {
        for piece in split_statements(sql) {
            self.conn
                .run(&Statement::new(piece))
                .map_err(|e| describe_error(&e))?;
        }
        Ok(())
    }

    fn query(&mut self, sql: &str, types: &str) -> Result<Vec<String>, String> {
        let Some(first) = split_statements(sql).first().copied() else {
            return Err("no statement to run".into());
        };
        let mut sink = Values {
            types: types.as_bytes(),
            width: None,
            values: Vec::new(),
        };
        let result = self
            .conn
            .transport()
            .query_stream(&Statement::new(first), &mut sink);
        match (sink.width, result) {
            (None, Err(e)) => Err(describe_error(&e)),
            (width, _) if width.unwrap_or(0) != types.len() => Err(format!(
                "wrong number of result columns: expected {} but got {}",
                types.len(),
                width.unwrap_or(0)
            )),
            // An error while stepping ends the rows, as in the harness.
            _ => Ok(sink.values),
        }
    }
}
