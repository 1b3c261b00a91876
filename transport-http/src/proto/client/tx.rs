//! Inferring the transaction state from the statements that ran, for v2 (no
//! `get_autocommit`) and for cursors (which cannot carry one).

use sqlport_core::sql::{StatementKind, classify};

/// What the client believes about the server connection's transaction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TxState {
    /// A transaction is open on the server.
    pub in_tx: bool,
    /// When the transaction was opened by `SAVEPOINT`: the savepoint names,
    /// outermost first (releasing the outermost ends the transaction).
    savepoints: Vec<String>,
    by_savepoint: bool,
}

impl TxState {
    /// Forget everything: the stream is gone, so is its transaction.
    pub fn reset(&mut self) {
        *self = TxState::default();
    }

    /// Take the server's word (`get_autocommit`).
    pub fn set_autocommit(&mut self, autocommit: bool) {
        if autocommit {
            self.reset();
        } else {
            self.in_tx = true;
        }
    }

    /// Account for a statement that ran successfully.
    pub fn apply(&mut self, sql: &str) {
        match classify(sql) {
            StatementKind::Begin => {
                self.reset();
                self.in_tx = true;
            }
            StatementKind::Commit | StatementKind::Rollback => self.reset(),
            StatementKind::Savepoint => {
                let name = last_name(sql);
                if !self.in_tx {
                    self.in_tx = true;
                    self.by_savepoint = true;
                    self.savepoints = vec![name];
                } else if self.by_savepoint {
                    self.savepoints.push(name);
                }
            }
            StatementKind::Release if self.by_savepoint => {
                let name = last_name(sql);
                if let Some(pos) = self
                    .savepoints
                    .iter()
                    .rposition(|n| n.eq_ignore_ascii_case(&name))
                {
                    self.savepoints.truncate(pos);
                    if self.savepoints.is_empty() {
                        self.reset();
                    }
                }
            }
            _ => {}
        }
    }

    /// The state after `sql` would run successfully (for planning).
    pub fn after(&self, sql: &str) -> TxState {
        let mut s = self.clone();
        s.apply(sql);
        s
    }
}

/// The savepoint name at the end of `SAVEPOINT x` / `RELEASE [SAVEPOINT] x`.
fn last_name(sql: &str) -> String {
    let t = sql.trim().trim_end_matches(';').trim_end();
    let word = t.rsplit(char::is_whitespace).next().unwrap_or("");
    word.trim_matches(|c| matches!(c, '"' | '`' | '\'' | '[' | ']'))
        .to_owned()
}
