//! [`StreamExecutor`]: what the server half needs from one stream's connection.

pub use sqlport_core::Description;
use sqlport_core::{Error, Result, ResultSet, RowSink, Statement, Summary};

use super::errors::{is_parse_time, map_error};
use super::split::split_statements;

/// The right a statement needs, as sqld classifies it before running it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum StatementKind {
    /// Reads (and transaction control).
    Read,
    /// Writes, DDL, and what sqld serves from the primary only.
    Write,
    /// `ATTACH name AS alias` of another database (namespace) by name.
    Attach(String),
    /// `DETACH`.
    Detach,
}

/// One statement of a SQL text, split off and classified before anything
/// runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Analyzed {
    /// The statement's own text.
    pub sql: String,
    /// The right it needs.
    pub kind: StatementKind,
}

/// A SQL text split into statements before anything runs: the statements
/// up to the first that did not parse (or that the server refuses), and
/// that failure (a `SQL_PARSE_ERROR`-class error).
#[derive(Debug, Default)]
pub struct Analysis {
    /// The statements that parsed, in order.
    pub statements: Vec<Analyzed>,
    /// Why the next statement did not parse, if one did not.
    pub error: Option<Error>,
}

/// One stream's database connection, as seen by the server half. The reference
/// server implements it over `sqlport_local::LocalTransport`.
///
/// Every method is called from the caller's thread; implementations may block.
pub trait StreamExecutor {
    /// Run one statement (exactly one: more is `Error::MultipleStatements`, none
    /// `Error::NoStatement`) with sqld's result semantics.
    fn execute(&mut self, stmt: &Statement) -> Result<ResultSet>;

    /// Run one statement, handing its columns and then each row to `sink` as
    /// they are produced (used by the cursor, so large results stream). The
    /// columns are handed over once the statement has prepared and bound, so a
    /// statement that fails after that has "begun". Defaults to
    /// [`StreamExecutor::execute`] and feeding the buffered rows.
    fn query_stream(&mut self, stmt: &Statement, sink: &mut dyn RowSink) -> Result<Summary> {
        let rs = self.execute(stmt)?;
        sqlport_core::transport::feed(rs, sink)
    }

    /// Run one statement whose rows nobody reads (a `sequence` statement):
    /// as sqld, its values are never decoded. Defaults to
    /// [`StreamExecutor::execute`].
    fn execute_discarding_rows(&mut self, stmt: &Statement) -> Result<()> {
        self.execute(stmt).map(|_| ())
    }

    /// Prepare a statement without running it and describe it. Used for
    /// `describe` and to find parse errors before a batch or sequence runs.
    fn describe(&mut self, sql: &str) -> Result<Description>;

    /// Split `sql` into statements and classify them, as sqld's parser does
    /// before it runs anything (see [`Analysis`]). The default splits on
    /// `;` ([`split_statements`]) and finds parse errors by preparing each
    /// statement ([`StreamExecutor::describe`]); statements count as writes
    /// unless they prepare as read-only.
    fn analyze(&mut self, sql: &str) -> Analysis {
        let mut out = Analysis::default();
        for part in split_statements(sql) {
            let kind = match self.describe(part) {
                Ok(d) if d.is_readonly => StatementKind::Read,
                Ok(_) => StatementKind::Write,
                Err(e) => match map_error(&e) {
                    Ok(w) if is_parse_time(&w) => {
                        out.error = Some(e);
                        return out;
                    }
                    // Other prepare errors (a table an earlier statement
                    // creates) surface when the statement runs.
                    _ => StatementKind::Write,
                },
            };
            out.statements.push(Analyzed {
                sql: part.to_owned(),
                kind,
            });
        }
        out
    }

    /// May the request's credentials run statements of these kinds? `Err`
    /// (the reason) fails the whole request with 403 and destroys the
    /// stream, as sqld's permission check does. The default permits all.
    fn permit(&mut self, kinds: &[&StatementKind]) -> std::result::Result<(), String> {
        let _ = kinds;
        Ok(())
    }

    /// `true` when no transaction is open on the connection.
    fn is_autocommit(&self) -> bool;

    /// How long the last [`StreamExecutor::execute`] took, in milliseconds, as
    /// measured by the implementation (this crate reads no clock). Defaults to 0.
    fn last_duration_ms(&self) -> f64 {
        0.0
    }
}
