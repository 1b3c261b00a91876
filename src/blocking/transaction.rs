//! [`Transaction`] and [`Savepoint`] guards: they roll back unless finished.

use std::ops::{Deref, DerefMut};

use sqlport_core::{Result, Statement, TransactionBehavior};

use super::Connection;

/// An open transaction. Statements run through it (it dereferences to the
/// [`Connection`]); [`commit`](Transaction::commit) or
/// [`rollback`](Transaction::rollback) end it, and dropping it unfinished rolls
/// it back.
#[derive(Debug)]
pub struct Transaction<'c> {
    conn: &'c mut Connection,
    done: bool,
}

impl<'c> Transaction<'c> {
    pub(crate) fn begin(conn: &'c mut Connection, behavior: TransactionBehavior) -> Result<Self> {
        conn.run(&Statement::new(behavior.begin_sql()))?;
        Ok(Transaction { conn, done: false })
    }

    /// Commit. If `COMMIT` fails (e.g. `SQLITE_BUSY`), the guard is dropped and
    /// the transaction rolled back.
    pub fn commit(mut self) -> Result<()> {
        self.conn.run(&Statement::new("COMMIT"))?;
        self.done = true;
        Ok(())
    }

    /// Roll back.
    pub fn rollback(mut self) -> Result<()> {
        self.done = true;
        self.conn.run(&Statement::new("ROLLBACK")).map(drop)
    }
}

impl Deref for Transaction<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        self.conn
    }
}

impl DerefMut for Transaction<'_> {
    fn deref_mut(&mut self) -> &mut Connection {
        self.conn
    }
}

impl Drop for Transaction<'_> {
    fn drop(&mut self) {
        if !self.done && !self.conn.is_autocommit() {
            if let Err(e) = self.conn.run(&Statement::new("ROLLBACK")) {
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
    conn: &'c mut Connection,
    name: String,
    done: bool,
}

impl<'c> Savepoint<'c> {
    pub(crate) fn begin(conn: &'c mut Connection) -> Result<Self> {
        let name = conn.next_savepoint_name();
        conn.run(&Statement::new(format!("SAVEPOINT {name}")))?;
        Ok(Savepoint {
            conn,
            name,
            done: false,
        })
    }

    /// The savepoint's SQL name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Release (keep) the savepoint's work.
    pub fn release(mut self) -> Result<()> {
        self.conn
            .run(&Statement::new(format!("RELEASE {}", self.name)))?;
        self.done = true;
        Ok(())
    }

    /// Undo the savepoint's work and release it.
    pub fn rollback(mut self) -> Result<()> {
        self.done = true;
        self.rollback_in_place()
    }

    fn rollback_in_place(&mut self) -> Result<()> {
        let batch = crate::savepoint_rollback_batch(&self.name);
        crate::first_step_error(self.conn.batch(&batch)?)
    }
}

impl Deref for Savepoint<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        self.conn
    }
}

impl DerefMut for Savepoint<'_> {
    fn deref_mut(&mut self) -> &mut Connection {
        self.conn
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
