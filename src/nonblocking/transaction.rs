//! [`Transaction`] and [`Savepoint`] guards (async).

use std::ops::{Deref, DerefMut};

use sqlport_core::{Result, Statement, TransactionBehavior};

use super::Connection;

/// An open transaction (async); dropping it unfinished queues a `ROLLBACK`.
#[derive(Debug)]
pub struct Transaction<'c> {
    conn: &'c mut Connection,
    done: bool,
}

impl<'c> Transaction<'c> {
    pub(crate) async fn begin(
        conn: &'c mut Connection,
        behavior: TransactionBehavior,
    ) -> Result<Self> {
        conn.run(&Statement::new(behavior.begin_sql())).await?;
        Ok(Transaction { conn, done: false })
    }

    /// Commit. If `COMMIT` fails the guard is dropped and rolls back.
    pub async fn commit(mut self) -> Result<()> {
        self.conn.run(&Statement::new("COMMIT")).await?;
        self.done = true;
        Ok(())
    }

    /// Roll back.
    pub async fn rollback(mut self) -> Result<()> {
        self.done = true;
        self.conn.run(&Statement::new("ROLLBACK")).await.map(drop)
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
            self.conn.enqueue(Statement::new("ROLLBACK"));
        }
    }
}

/// An open savepoint (async); dropping it unfinished queues its rollback.
#[derive(Debug)]
pub struct Savepoint<'c> {
    conn: &'c mut Connection,
    name: String,
    done: bool,
}

impl<'c> Savepoint<'c> {
    pub(crate) async fn begin(conn: &'c mut Connection) -> Result<Self> {
        let name = conn.next_savepoint_name();
        conn.run(&Statement::new(format!("SAVEPOINT {name}")))
            .await?;
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
    pub async fn release(mut self) -> Result<()> {
        self.conn
            .run(&Statement::new(format!("RELEASE {}", self.name)))
            .await?;
        self.done = true;
        Ok(())
    }

    /// Undo the savepoint's work and release it.
    pub async fn rollback(mut self) -> Result<()> {
        self.done = true;
        let batch = crate::savepoint_rollback_batch(&self.name);
        crate::first_step_error(self.conn.batch(&batch).await?)
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
            self.conn
                .enqueue(Statement::new(format!("ROLLBACK TO {}", self.name)));
            self.conn
                .enqueue(Statement::new(format!("RELEASE {}", self.name)));
        }
    }
}
