//! What a connection remembers about the statements it runs: the
//! classification, the parameter names and the result columns, so running a
//! cached statement again lexes, classifies and allocates nothing of its own.
//!
//! Keyed by the SQL text (a handful of recent statements, compared by
//! pointer first, then by text). The columns are taken again from SQLite
//! whenever they may have changed: the first run of a freshly prepared
//! statement (`SQLITE_STMTSTATUS_RUN` is 0, e.g. after it left rusqlite's
//! statement cache) and after SQLite re-prepared it for a schema change
//! (`SQLITE_STMTSTATUS_REPREPARE`, reset each time it is read, before the
//! run and again after its first step, where the re-preparation happens).

use std::sync::Arc;

use rusqlite::StatementStatus;
use sqlport_core::Column;
use sqlport_core::sql::{StatementKind, classify};

/// Statements remembered per connection.
const CAPACITY: usize = 16;

/// What one statement's runs share.
#[derive(Debug)]
pub(crate) struct StmtInfo {
    /// The statement's kind (by its leading keywords).
    pub(crate) kind: StatementKind,
    /// Parameter names in index order (`None` for a bare `?`).
    pub(crate) names: Vec<Option<String>>,
    /// Some parameter is named (`:a`, `@a`, `$a`).
    pub(crate) any_named: bool,
    /// The result columns.
    pub(crate) columns: Arc<[Column]>,
    /// SQLite says it does not write (`sqlite3_stmt_readonly`).
    pub(crate) readonly: bool,
    /// Cleared when a quick (inline) run ran out of its budget, so the
    /// statement goes to the worker from then on.
    pub(crate) quick: bool,
}

impl StmtInfo {
    /// Read everything from a prepared statement.
    pub(crate) fn of(sql: &str, stmt: &rusqlite::Statement<'_>) -> StmtInfo {
        let names = crate::bind::param_names(stmt);
        let any_named = names.iter().flatten().any(|n| !n.starts_with('?'));
        StmtInfo {
            kind: classify(sql),
            names,
            any_named,
            columns: crate::exec::columns(stmt).into(),
            readonly: stmt.readonly(),
            quick: true,
        }
    }
}

impl StmtInfo {
    /// After the first step of a run: if SQLite re-prepared the statement
    /// (a schema change), take its columns again.
    pub(crate) fn after_first_step(&mut self, stmt: &rusqlite::Statement<'_>) {
        if stmt.reset_status(StatementStatus::RePrepare) != 0 {
            self.columns = crate::exec::columns(stmt).into();
        }
    }
}

/// A few recent statements' [`StmtInfo`].
#[derive(Debug, Default)]
pub(crate) struct MetaCache {
    entries: Vec<(Arc<str>, StmtInfo)>,
    next: usize,
}

impl MetaCache {
    /// The position of `sql`'s entry.
    pub(crate) fn find(&self, sql: &Arc<str>) -> Option<usize> {
        self.entries
            .iter()
            .position(|(k, _)| Arc::ptr_eq(k, sql))
            .or_else(|| self.entries.iter().position(|(k, _)| **k == **sql))
    }

    /// The entry at `idx` (from [`MetaCache::find`] or [`MetaCache::refresh`]).
    pub(crate) fn get(&self, idx: usize) -> &StmtInfo {
        &self.entries[idx].1
    }

    /// Mutable access to the entry at `idx`.
    pub(crate) fn get_mut(&mut self, idx: usize) -> &mut StmtInfo {
        &mut self.entries[idx].1
    }

    /// The entry for `sql` after `stmt` was prepared: the remembered one
    /// (`hit`) when still current, else one read from `stmt` now.
    pub(crate) fn refresh(
        &mut self,
        sql: &Arc<str>,
        hit: Option<usize>,
        stmt: &rusqlite::Statement<'_>,
    ) -> usize {
        // Read (and zero) the re-prepare counter on every run, so a later
        // re-preparation is seen.
        let reprepared = stmt.reset_status(StatementStatus::RePrepare) != 0;
        let fresh = stmt.get_status(StatementStatus::Run) == 0;
        match hit {
            Some(i) if !reprepared && !fresh => i,
            Some(i) => {
                let quick = self.entries[i].1.quick;
                self.entries[i].1 = StmtInfo::of(sql, stmt);
                self.entries[i].1.quick = quick;
                i
            }
            None => {
                let info = StmtInfo::of(sql, stmt);
                if self.entries.len() < CAPACITY {
                    self.entries.push((sql.clone(), info));
                    self.entries.len() - 1
                } else {
                    let i = self.next;
                    self.next = (self.next + 1) % CAPACITY;
                    self.entries[i] = (sql.clone(), info);
                    i
                }
            }
        }
    }

    /// Forget everything (the connection was closed).
    pub(crate) fn clear(&mut self) {
        self.entries.clear();
        self.next = 0;
    }
}
