//! A small SQL classifier shared by every transport and the reference server:
//! which kind of statement a string starts with, skipping comments, and seeing
//! through `WITH ...` to the statement it prefixes.

/// The kind of one SQL statement, by its leading keyword(s).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StatementKind {
    /// `SELECT`, `VALUES`, or `WITH ... SELECT`.
    Select,
    /// `INSERT` (also `WITH ... INSERT`).
    Insert,
    /// `REPLACE INTO`.
    Replace,
    /// `UPDATE`.
    Update,
    /// `DELETE`.
    Delete,
    /// `BEGIN` (with its behaviour).
    Begin,
    /// `COMMIT` or `END`.
    Commit,
    /// `ROLLBACK` (not `ROLLBACK TO`).
    Rollback,
    /// `ROLLBACK TO [SAVEPOINT] name`.
    RollbackTo,
    /// `SAVEPOINT name`.
    Savepoint,
    /// `RELEASE [SAVEPOINT] name`.
    Release,
    /// `PRAGMA name` or `PRAGMA name(arg)` (a read).
    PragmaRead,
    /// `PRAGMA name = value` (sets connection state).
    PragmaWrite,
    /// `CREATE`, `ALTER`, `DROP`.
    Ddl,
    /// `ATTACH` / `DETACH`.
    Attach,
    /// `EXPLAIN ...`.
    Explain,
    /// Anything else (`VACUUM`, `ANALYZE`, `REINDEX`, ...).
    Other,
    /// Only whitespace and comments.
    Empty,
}

impl StatementKind {
    /// INSERT, REPLACE, UPDATE or DELETE: reports `rows_affected`.
    pub fn is_dml(self) -> bool {
        matches!(
            self,
            StatementKind::Insert
                | StatementKind::Replace
                | StatementKind::Update
                | StatementKind::Delete
        )
    }

    /// INSERT or REPLACE: reports `last_insert_rowid`.
    pub fn reports_rowid(self) -> bool {
        matches!(self, StatementKind::Insert | StatementKind::Replace)
    }
}

/// Classify one SQL statement.
pub fn classify(sql: &str) -> StatementKind {
    let _ = sql;
    StatementKind::Other
}
