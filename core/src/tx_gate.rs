//! The lost-transaction rule, in one place for every transport that keeps
//! connection state (the HTTP session, the local transport, the async
//! worker).
//!
//! A transaction is *lost* when it ends without the caller ending it: the
//! server dropped the stream (expiry, a request that failed or timed out
//! inside it, a reset connection), the server rolled it back
//! (`TRANSACTION_TIMEOUT`), SQLite rolled it back on an error
//! (`INSERT OR ROLLBACK`, some I/O errors), or an async operation inside it
//! was cancelled. From then on the connection refuses every statement,
//! batch and query with [`Error::TransactionLost`] and sends nothing, until
//! the caller ends the transaction with `ROLLBACK` (which then succeeds
//! without doing anything). So the rest of a failed transaction can never
//! run in autocommit mode, and `COMMIT` reports the loss.
//!
//! ```
//! use sqlport_core::tx_gate::{Admission, TxGate};
//! let mut gate = TxGate::default();
//! // A transaction was open, is not any more, and the caller did not end it.
//! assert!(gate.settle(true, false, false));
//! assert!(gate.admit("INSERT INTO t VALUES (1)").unwrap_err().is_transaction_lost());
//! assert!(gate.admit("COMMIT").unwrap_err().is_transaction_lost());
//! assert_eq!(gate.admit("ROLLBACK").unwrap(), Admission::Absorbed);
//! assert_eq!(gate.admit("SELECT 1").unwrap(), Admission::Run);
//! ```

use crate::error::{Error, Result};
use crate::sql::{StatementKind, classify};

/// What to do with a statement the gate was asked about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Run it.
    Run,
    /// It is the `ROLLBACK` that ends a lost transaction: the gate is open
    /// again; report success without running anything.
    Absorbed,
}

/// Whether the connection's transaction was lost (see the module docs).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TxGate {
    lost: bool,
}

impl TxGate {
    /// `true` while a lost transaction waits for the caller's `ROLLBACK`.
    /// A transport reports itself not in autocommit mode meanwhile, so the
    /// guards that own the transaction still end it.
    pub fn is_lost(&self) -> bool {
        self.lost
    }

    /// Before running one statement: [`Admission::Run`] normally;
    /// [`Admission::Absorbed`] for a `ROLLBACK` while lost (the gate opens
    /// again); [`Error::TransactionLost`] for anything else while lost.
    pub fn admit(&mut self, sql: &str) -> Result<Admission> {
        if !self.lost {
            return Ok(Admission::Run);
        }
        if classify(sql) == StatementKind::Rollback {
            self.lost = false;
            return Ok(Admission::Absorbed);
        }
        Err(Error::TransactionLost)
    }

    /// Before a batch or a streamed query: refused while lost.
    pub fn admit_many(&self) -> Result<()> {
        if self.lost {
            Err(Error::TransactionLost)
        } else {
            Ok(())
        }
    }

    /// Mark the transaction lost.
    pub fn lose(&mut self) {
        self.lost = true;
    }

    /// Forget the loss (the connection is closed).
    pub fn clear(&mut self) {
        self.lost = false;
    }

    /// After an operation: a transaction was open before it (`was_open`),
    /// none is now (`!open_now`), and the caller did not end it
    /// (`ended_by_caller`: no `COMMIT`, `ROLLBACK` or `RELEASE` of the
    /// caller's ran successfully): it was lost. Returns `true` when this
    /// call marked it so.
    pub fn settle(&mut self, was_open: bool, open_now: bool, ended_by_caller: bool) -> bool {
        if was_open && !open_now && !ended_by_caller && !self.lost {
            self.lost = true;
            tracing::warn!(
                "the transaction was lost (rolled back by the server or by SQLite); \
                 statements fail with TransactionLost until it is rolled back"
            );
            return true;
        }
        false
    }
}

/// Whether `sql` is a statement by which a caller ends (or may end) a
/// transaction: `COMMIT`/`END`, `ROLLBACK`, `RELEASE`.
pub fn ends_transaction(sql: &str) -> bool {
    matches!(
        classify(sql),
        StatementKind::Commit | StatementKind::Rollback | StatementKind::Release
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_unended_transaction_is_lost() {
        let mut g = TxGate::default();
        assert!(!g.settle(false, false, false), "none was open");
        assert!(!g.settle(true, true, false), "still open");
        assert!(!g.settle(true, false, true), "the caller ended it");
        assert!(!g.is_lost());
        assert_eq!(g.admit("INSERT INTO t VALUES (1)").unwrap(), Admission::Run);
        g.admit_many().unwrap();
        assert!(g.settle(true, false, false));
        assert!(!g.settle(true, false, false), "reported once");
        for sql in [
            "SELECT 1",
            "COMMIT",
            "BEGIN",
            "ROLLBACK TO x",
            "RELEASE x",
            "",
        ] {
            assert!(g.admit(sql).unwrap_err().is_transaction_lost(), "{sql}");
        }
        assert!(g.admit_many().unwrap_err().is_transaction_lost());
        assert_eq!(
            g.admit("/* c */ rollback transaction").unwrap(),
            Admission::Absorbed
        );
        assert!(!g.is_lost());
        g.lose();
        g.clear();
        assert!(!g.is_lost());
    }

    #[test]
    fn statements_that_end_a_transaction() {
        for sql in [
            "COMMIT",
            "end",
            "ROLLBACK",
            "RELEASE sp",
            "release savepoint sp",
        ] {
            assert!(ends_transaction(sql), "{sql}");
        }
        for sql in [
            "ROLLBACK TO sp",
            "BEGIN",
            "SAVEPOINT sp",
            "INSERT INTO t VALUES (1)",
        ] {
            assert!(!ends_transaction(sql), "{sql}");
        }
    }
}
