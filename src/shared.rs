//! What the blocking and async flavours share: the database handle's
//! connector and printable name, the transaction-control statements their
//! guards send, savepoint naming, the row sink behind `query_each`, the
//! result shapers behind the query helpers (`query_row`, `query_one`,
//! `query_opt`, `query_scalar`, `query_map`, `query_as`), and the batch a
//! script becomes (`execute_batch`).

use std::fmt;
use std::ops::ControlFlow;
use std::sync::Arc;

use sqlport_core::{
    Batch, BatchMode, BatchResult, Column, Error, Result, ResultSet, Row, RowRef, RowSink,
    Statement, StepResult, TransactionBehavior,
};

/// A database handle's connector (blocking or async) and the name it prints.
pub(crate) struct Handle<C: ?Sized> {
    pub(crate) connector: Arc<C>,
    /// The NAME with any auth token redacted, or a placeholder for a custom connector.
    name: String,
}

impl<C: ?Sized> Handle<C> {
    /// A handle opened from a NAME.
    pub(crate) fn named(name: &str, connector: Arc<C>) -> Self {
        Handle {
            connector,
            name: sqlport_core::name::redact_name(name),
        }
    }

    /// A handle over a connector the caller built.
    pub(crate) fn custom(connector: Arc<C>) -> Self {
        Handle {
            connector,
            name: "<custom connector>".into(),
        }
    }
}

impl<C: ?Sized> Clone for Handle<C> {
    fn clone(&self) -> Self {
        Handle {
            connector: self.connector.clone(),
            name: self.name.clone(),
        }
    }
}

impl<C: ?Sized> fmt::Debug for Handle<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Database")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// `BEGIN <behaviour>`.
pub(crate) fn begin(behavior: TransactionBehavior) -> Statement {
    Statement::new(behavior.begin_sql())
}

/// `COMMIT`.
pub(crate) fn commit() -> Statement {
    Statement::new("COMMIT")
}

/// `ROLLBACK`.
pub(crate) fn rollback() -> Statement {
    Statement::new("ROLLBACK")
}

/// `SAVEPOINT name`.
pub(crate) fn savepoint(name: &str) -> Statement {
    Statement::new(format!("SAVEPOINT {name}"))
}

/// `RELEASE name`.
pub(crate) fn release(name: &str) -> Statement {
    Statement::new(format!("RELEASE {name}"))
}

/// `ROLLBACK TO name; RELEASE name` as one batch (one round trip remotely).
pub(crate) fn savepoint_rollback(name: &str) -> Batch {
    Batch::new(
        [Statement::new(format!("ROLLBACK TO {name}")), release(name)],
        BatchMode::StopOnError,
    )
}

/// The first failed step of a batch, as an error.
pub(crate) fn first_step_error(result: BatchResult) -> Result<()> {
    for (step, outcome) in result.steps.into_iter().enumerate() {
        if let StepResult::Err(source) = outcome {
            return Err(Error::Batch {
                step,
                source: Box::new(source),
            });
        }
    }
    Ok(())
}

/// Fresh savepoint names for one connection (`sqlport_sp_1`, `sqlport_sp_2`, ...).
#[derive(Debug, Default)]
pub(crate) struct SavepointNames(u64);

impl SavepointNames {
    /// The next unused name.
    pub(crate) fn next(&mut self) -> String {
        self.0 += 1;
        format!("sqlport_sp_{}", self.0)
    }
}

/// Map the first row of a result; [`Error::NoRows`] if there is none.
pub(crate) fn first_row<T>(rs: &ResultSet, f: impl FnOnce(&Row) -> Result<T>) -> Result<T> {
    rs.rows.first().ok_or(Error::NoRows).and_then(f)
}

/// Map the only row of a result: [`Error::NoRows`] if there is none,
/// [`Error::TooManyRows`] if there are more.
pub(crate) fn only_row<T>(rs: &ResultSet, f: impl FnOnce(&Row) -> Result<T>) -> Result<T> {
    match rs.rows.as_slice() {
        [] => Err(Error::NoRows),
        [row] => f(row),
        _ => Err(Error::TooManyRows),
    }
}

/// Map the row of a result if there is one; [`Error::TooManyRows`] if there are more.
pub(crate) fn optional_row<T>(
    rs: &ResultSet,
    f: impl FnOnce(&Row) -> Result<T>,
) -> Result<Option<T>> {
    match rs.rows.as_slice() {
        [] => Ok(None),
        [row] => f(row).map(Some),
        _ => Err(Error::TooManyRows),
    }
}

/// The first column of the only row.
pub(crate) fn scalar<T: sqlport_core::FromSql>(rs: &ResultSet) -> Result<T> {
    only_row(rs, |row| row.get(0))
}

/// Map every row, in order; the first error stops.
pub(crate) fn map_rows<T>(rs: &ResultSet, f: impl FnMut(&Row) -> Result<T>) -> Result<Vec<T>> {
    rs.rows.iter().map(f).collect()
}

/// A script as one batch: its statements (split by
/// [`sqlport_core::split::statements`]) in order, stopping at the first failure.
pub(crate) fn script_batch(script: &str) -> Batch {
    Batch::new(
        sqlport_core::split::statements(script)
            .into_iter()
            .map(Statement::new),
        BatchMode::StopOnError,
    )
}

/// A [`RowSink`] that hands each row to a closure; an error stops the query.
pub(crate) struct FnSink<F>(pub(crate) F);

impl<F: FnMut(&RowRef<'_>) -> Result<()>> RowSink for FnSink<F> {
    fn columns(&mut self, _columns: &Arc<[Column]>) -> Result<()> {
        Ok(())
    }

    fn row(&mut self, row: Row) -> Result<ControlFlow<()>> {
        (self.0)(&RowRef::from(&row)).map(ControlFlow::Continue)
    }

    /// The closure only reads each row: a producer may lend it in place.
    fn borrows_rows(&self) -> bool {
        true
    }

    fn row_ref(&mut self, row: &RowRef<'_>) -> Result<ControlFlow<()>> {
        (self.0)(row).map(ControlFlow::Continue)
    }
}

/// `Deref` (read-only) to `Connection` for guard types (`Transaction`,
/// `Savepoint`) that hold `conn: &mut Connection`, in either flavour. There
/// is deliberately no `DerefMut`: a guard must not hand out `&mut Connection`,
/// or `tx.transaction()` would compile and fail at run time. The statement
/// methods are forwarded one by one instead (`guard_methods!`).
macro_rules! deref_to_connection {
    ($($guard:ident),+) => {$(
        impl std::ops::Deref for $guard<'_> {
            type Target = Connection;
            fn deref(&self) -> &Connection {
                self.conn
            }
        }
    )+};
}
pub(crate) use deref_to_connection;

/// The sealed supertrait of an `Executor` (either flavour: expanded in the
/// flavour's `executor` module, where `Connection`, `Transaction` and
/// `Savepoint` are that flavour's) and its impls. `Sealed::conn` is not
/// nameable outside the crate, so `&mut Connection` (and with it
/// `transaction()`) never leaks out of a guard.
macro_rules! sealed_executor {
    () => {
        mod sealed {
            /// Reaches the connection behind an executor.
            pub trait Sealed {
                fn conn(&mut self) -> &mut super::Connection;
            }
        }

        impl sealed::Sealed for Connection {
            fn conn(&mut self) -> &mut Connection {
                self
            }
        }

        impl sealed::Sealed for Transaction<'_> {
            fn conn(&mut self) -> &mut Connection {
                self.conn
            }
        }

        impl sealed::Sealed for Savepoint<'_> {
            fn conn(&mut self) -> &mut Connection {
                self.conn
            }
        }
    };
}
pub(crate) use sealed_executor;
