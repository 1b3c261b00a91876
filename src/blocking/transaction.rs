//! [`Transaction`] and [`Savepoint`] guards: they roll back unless finished.

use sqlport_core::{Result, TransactionBehavior};

use super::guard_methods::guard_methods;
use super::{Connection, PreparedStatement};
use crate::shared;

shared::deref_to_connection!(Transaction, Savepoint);
guard_methods!(Transaction, Savepoint);

/// An open transaction. Statements run through it (it has the connection's
/// statement and query methods, and dereferences read-only to the
/// [`Connection`]); [`commit`](Transaction::commit) or
/// [`rollback`](Transaction::rollback) end it, and dropping it unfinished rolls
/// it back. Nest with [`savepoint`](Transaction::savepoint): a second
/// `transaction()` through the guard does not compile.
///
/// ```compile_fail,E0596
/// # fn main() -> sqlport::Result<()> {
/// let mut conn = sqlport::blocking::Database::open(":memory:")?.connect()?;
/// let mut tx = conn.transaction()?;
/// let nested = tx.transaction()?; // error: cannot borrow data in dereference of `Transaction` as mutable
/// # Ok(()) }
/// ```
///
/// ```
/// # fn main() -> sqlport::Result<()> {
/// let mut conn = sqlport::blocking::Database::open(":memory:")?.connect()?;
/// conn.execute("CREATE TABLE t (x)", ())?;
/// let mut tx = conn.transaction()?;
/// tx.execute("INSERT INTO t VALUES (1)", ())?;
/// let mut sp = tx.savepoint()?;
/// sp.execute("INSERT INTO t VALUES (2)", ())?;
/// sp.rollback()?;
/// tx.commit()?;
/// assert_eq!(conn.query_scalar::<i64>("SELECT count(*) FROM t", ())?, 1);
/// # Ok(()) }
/// ```
///
/// If the transaction is lost (the server or SQLite rolled it back, a
/// request inside it failed or timed out), every statement through the guard
/// or the connection fails with
/// [`Error::TransactionLost`](crate::Error::TransactionLost), `commit` too, and
/// nothing of it is committed; rolling back or dropping the guard ends it.
#[derive(Debug)]
pub struct Transaction<'c> {
    pub(super) conn: &'c mut Connection,
    done: bool,
}

impl<'c> Transaction<'c> {
    pub(crate) fn begin(conn: &'c mut Connection, behavior: TransactionBehavior) -> Result<Self> {
        conn.run(&shared::begin(behavior))?;
        Ok(Transaction { conn, done: false })
    }

    /// Commit. If `COMMIT` fails (e.g. `SQLITE_BUSY`), the guard is dropped and
    /// the transaction rolled back.
    pub fn commit(mut self) -> Result<()> {
        self.conn.run(&shared::commit())?;
        self.done = true;
        Ok(())
    }

    /// Roll back.
    pub fn rollback(mut self) -> Result<()> {
        self.done = true;
        self.conn.run(&shared::rollback()).map(drop)
    }
}

impl Drop for Transaction<'_> {
    fn drop(&mut self) {
        if !self.done && !self.conn.is_autocommit() {
            if let Err(e) = self.conn.run(&shared::rollback()) {
                tracing::warn!(error = %e, "rolling back a dropped transaction failed");
            }
        }
    }
}

/// An open savepoint: a nested transaction. [`release`](Savepoint::release)
/// keeps its work (as part of the enclosing transaction), [`rollback`](Savepoint::rollback)
/// undoes it, and dropping it unfinished rolls it back.
#[derive(Debug)]
pub struct Savepoint<'c> {
    pub(super) conn: &'c mut Connection,
    name: String,
    /// It opened the transaction (none was open before it): undoing it is
    /// rolling the transaction back, which also ends a lost one.
    outermost: bool,
    done: bool,
}

impl<'c> Savepoint<'c> {
    pub(crate) fn begin(conn: &'c mut Connection) -> Result<Self> {
        let name = conn.next_savepoint_name();
        let outermost = conn.is_autocommit();
        conn.run(&shared::savepoint(&name))?;
        Ok(Savepoint {
            conn,
            name,
            outermost,
            done: false,
        })
    }

    /// The savepoint's SQL name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Release (keep) the savepoint's work.
    pub fn release(mut self) -> Result<()> {
        self.conn.run(&shared::release(&self.name))?;
        self.done = true;
        Ok(())
    }

    /// Undo the savepoint's work and release it.
    pub fn rollback(mut self) -> Result<()> {
        self.done = true;
        self.rollback_in_place()
    }

    fn rollback_in_place(&mut self) -> Result<()> {
        if self.outermost {
            return self.conn.run(&shared::rollback()).map(drop);
        }
        let batch = shared::savepoint_rollback(&self.name);
        shared::first_step_error(self.conn.batch(&batch)?)
    }
}

impl Drop for Savepoint<'_> {
    fn drop(&mut self) {
        if !self.done && !self.conn.is_autocommit() {
            if let Err(e) = self.rollback_in_place() {
                tracing::warn!(error = %e, "rolling back a dropped savepoint failed");
            }
        }
    }
}
