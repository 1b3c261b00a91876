//! [`Transaction`] and [`Savepoint`] guards (async).

use sqlport_core::{Result, TransactionBehavior};

use super::guard_methods::guard_methods;
use super::{Connection, PreparedStatement};
use crate::shared;

shared::deref_to_connection!(Transaction, Savepoint);
guard_methods!(Transaction, Savepoint);

/// An open transaction (async); dropping it unfinished queues a `ROLLBACK`.
/// It has the connection's statement and query methods; nest with
/// [`savepoint`](Transaction::savepoint) — a second `transaction()` through
/// the guard does not compile:
///
/// ```compile_fail,E0596
/// # async fn f(conn: &mut sqlport::Connection) -> sqlport::Result<()> {
/// let mut tx = conn.transaction().await?;
/// let nested = tx.transaction().await?; // error: cannot borrow as mutable
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Transaction<'c> {
    pub(super) conn: &'c mut Connection,
    done: bool,
}

impl<'c> Transaction<'c> {
    pub(crate) async fn begin(
        conn: &'c mut Connection,
        behavior: TransactionBehavior,
    ) -> Result<Self> {
        conn.run(&shared::begin(behavior)).await?;
        Ok(Transaction { conn, done: false })
    }

    /// Commit. If `COMMIT` fails the guard is dropped and rolls back.
    pub async fn commit(mut self) -> Result<()> {
        self.conn.run(&shared::commit()).await?;
        self.done = true;
        Ok(())
    }

    /// Roll back. If this future is dropped before it finishes (or
    /// `ROLLBACK` fails), the guard's drop still ends the transaction.
    pub async fn rollback(mut self) -> Result<()> {
        let result = self.conn.run(&shared::rollback()).await.map(drop);
        self.done = result.is_ok();
        result
    }
}

impl Drop for Transaction<'_> {
    fn drop(&mut self) {
        if !self.done && !self.conn.is_autocommit() {
            self.conn.enqueue(shared::rollback());
        }
    }
}

/// An open savepoint (async); dropping it unfinished queues its rollback.
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
    pub(crate) async fn begin(conn: &'c mut Connection) -> Result<Self> {
        let name = conn.next_savepoint_name();
        let outermost = conn.is_autocommit();
        conn.run(&shared::savepoint(&name)).await?;
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
    pub async fn release(mut self) -> Result<()> {
        self.conn.run(&shared::release(&self.name)).await?;
        self.done = true;
        Ok(())
    }

    /// Undo the savepoint's work and release it. If this future is dropped
    /// before it finishes (or the rollback fails), the guard's drop still
    /// undoes the savepoint.
    pub async fn rollback(mut self) -> Result<()> {
        let result = if self.outermost {
            self.conn.run(&shared::rollback()).await.map(drop)
        } else {
            let batch = shared::savepoint_rollback(&self.name);
            match self.conn.batch(&batch).await {
                Ok(r) => shared::first_step_error(r),
                Err(e) => Err(e),
            }
        };
        self.done = result.is_ok();
        result
    }
}

impl Drop for Savepoint<'_> {
    fn drop(&mut self) {
        if !self.done && !self.conn.is_autocommit() {
            if self.outermost {
                self.conn.enqueue(shared::rollback());
                return;
            }
            for stmt in shared::savepoint_rollback(&self.name).steps {
                self.conn.enqueue(stmt);
            }
        }
    }
}
