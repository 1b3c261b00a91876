//! Batches on a local connection: atomic (transaction or savepoint), stop on
//! error, or continue on error.

use rusqlite::Connection;
use sqlport_core::{
    Batch, BatchMode, BatchResult, CollectRows, Error, Result, ResultSet, Statement, StepResult,
    TransactionBehavior,
};

use sqlport_core::sql::StatementKind;

use crate::exec::{run, run_simple};
use crate::meta::MetaCache;

/// Run one statement and collect its result; also returns its kind.
pub(crate) fn execute_kind(
    conn: &Connection,
    meta: &mut MetaCache,
    stmt: &Statement,
) -> Result<(ResultSet, StatementKind)> {
    let mut sink = CollectRows::default();
    let (summary, kind) = run(conn, meta, stmt, &mut sink)?;
    let rs = ResultSet {
        columns: summary.columns,
        rows: sink.rows,
        rows_affected: summary.rows_affected,
        last_insert_rowid: summary.last_insert_rowid,
        rows_read: summary.rows_read,
        rows_written: summary.rows_written,
    };
    Ok((rs, kind))
}

/// Run one statement and collect its result.
pub(crate) fn execute(
    conn: &Connection,
    meta: &mut MetaCache,
    stmt: &Statement,
) -> Result<ResultSet> {
    execute_kind(conn, meta, stmt).map(|(rs, _)| rs)
}

/// Run `batch`; `savepoint_name` is a fresh, unique name for a nested atomic batch.
pub(crate) fn run_batch(
    conn: &Connection,
    meta: &mut MetaCache,
    batch: &Batch,
    savepoint_name: impl FnOnce() -> String,
) -> Result<BatchResult> {
    match batch.mode {
        BatchMode::Atomic(behavior) => atomic(conn, meta, &batch.steps, behavior, savepoint_name),
        BatchMode::StopOnError => {
            let mut steps = Vec::with_capacity(batch.steps.len());
            let mut failed = false;
            for stmt in &batch.steps {
                if failed {
                    steps.push(StepResult::Skipped);
                    continue;
                }
                match execute(conn, meta, stmt) {
                    Ok(rs) => steps.push(StepResult::Ok(rs)),
                    Err(e) => {
                        failed = true;
                        steps.push(StepResult::Err(e));
                    }
                }
            }
            Ok(BatchResult { steps })
        }
        BatchMode::ContinueOnError => Ok(BatchResult {
            steps: batch
                .steps
                .iter()
                .map(|stmt| match execute(conn, meta, stmt) {
                    Ok(rs) => StepResult::Ok(rs),
                    Err(e) => StepResult::Err(e),
                })
                .collect(),
        }),
    }
}

/// How an atomic batch wraps its steps.
enum Scope {
    /// Its own transaction (the connection was in autocommit mode).
    Transaction,
    /// A savepoint inside the caller's open transaction.
    Savepoint(String),
}

fn atomic(
    conn: &Connection,
    meta: &mut MetaCache,
    steps: &[Statement],
    behavior: TransactionBehavior,
    savepoint_name: impl FnOnce() -> String,
) -> Result<BatchResult> {
    let scope = if conn.is_autocommit() {
        run_simple(conn, behavior.begin_sql())?;
        Scope::Transaction
    } else {
        let name = savepoint_name();
        run_simple(conn, &format!("SAVEPOINT {name}"))?;
        Scope::Savepoint(name)
    };
    let mut results = Vec::with_capacity(steps.len());
    for (step, stmt) in steps.iter().enumerate() {
        let outcome = execute(conn, meta, stmt).and_then(|rs| {
            if conn.is_autocommit() {
                Err(Error::Unsupported(
                    "a step of an atomic batch ended the batch's transaction".into(),
                ))
            } else {
                Ok(rs)
            }
        });
        match outcome {
            Ok(rs) => results.push(StepResult::Ok(rs)),
            Err(source) => {
                undo(conn, &scope);
                return Err(Error::Batch {
                    step,
                    source: Box::new(source),
                });
            }
        }
    }
    let finish = match &scope {
        Scope::Transaction => run_simple(conn, "COMMIT"),
        Scope::Savepoint(name) => run_simple(conn, &format!("RELEASE {name}")),
    };
    if let Err(e) = finish {
        undo(conn, &scope);
        return Err(e);
    }
    Ok(BatchResult { steps: results })
}

/// Roll back what an atomic batch did; failures are logged (the connection may
/// already have left the transaction, e.g. after `SQLITE_FULL`).
fn undo(conn: &Connection, scope: &Scope) {
    if conn.is_autocommit() {
        return;
    }
    let sql = match scope {
        Scope::Transaction => "ROLLBACK".to_owned(),
        Scope::Savepoint(name) => format!("ROLLBACK TO {name}; RELEASE {name}"),
    };
    if let Err(e) = run_simple(conn, &sql) {
        tracing::warn!(error = %e, "sqlport-local: rolling back a failed batch failed");
    }
}
