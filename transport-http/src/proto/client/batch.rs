//! Building Hrana batches for [`BatchMode`]s (docs/PROTOCOL.md §6) and reading their
//! results back.

use sqlport_core::{BatchMode, BatchResult, Error, Result, Statement, StepResult, codes};

use super::codec;
use super::errors::hrana_error;
use crate::proto::wire::{self, BatchCond};

/// SQL texts at least this long that occur twice or more in one batch are
/// sent once with `store_sql`.
pub const STORE_MIN_BYTES: usize = 256;
/// sqld's limit on one stored SQL text.
pub const STORE_MAX_BYTES: usize = 5000;
/// sqld's limit on stored texts per stream.
pub const STORE_MAX_COUNT: usize = 50;
/// The savepoint an atomic batch uses inside an open transaction.
pub const BATCH_SAVEPOINT: &str = "sqlport_atomic_batch";

/// Which protocol features a batch may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchContext {
    /// `is_autocommit` conditions are available (v3).
    pub v3: bool,
    /// The connection is (or will be, after the prelude) inside a transaction.
    pub in_transaction: bool,
    /// `store_sql` may be used (a pipeline, not v1, not a cursor).
    pub may_store_sql: bool,
}

/// How the results of a built batch are read.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Shape {
    Plain,
    /// BEGIN at `start`, COMMIT at `end`.
    AtomicTx {
        start: usize,
        end: usize,
    },
    /// SAVEPOINT at `start`, RELEASE at `end`.
    AtomicSavepoint {
        start: usize,
        end: usize,
    },
}

/// A batch ready to send, with what is needed to read its result.
#[derive(Debug, Clone, PartialEq)]
pub struct BuiltBatch {
    /// The wire batch.
    pub batch: wire::Batch,
    /// SQL texts to `store_sql` before the batch (id, text).
    pub stored: Vec<(i32, String)>,
    prelude: bool,
    first_user: usize,
    user_steps: usize,
    shape: Shape,
}

fn ok(step: usize) -> BatchCond {
    BatchCond::Ok {
        step: u32::try_from(step).unwrap_or(u32::MAX),
    }
}

fn not(c: BatchCond) -> BatchCond {
    BatchCond::Not { cond: Box::new(c) }
}

fn in_tx_guard(v3: bool, prev: usize) -> BatchCond {
    if v3 {
        BatchCond::And {
            conds: vec![ok(prev), not(BatchCond::IsAutocommit)],
        }
    } else {
        ok(prev)
    }
}

/// Build the batch for `steps` in `mode`, after an optional `prelude`
/// statement (a held `BEGIN`) that everything else depends on.
pub fn build(
    prelude: Option<&Statement>,
    steps: &[Statement],
    mode: BatchMode,
    ctx: BatchContext,
) -> Result<BuiltBatch> {
    let mut out: Vec<wire::BatchStep> = Vec::with_capacity(steps.len() + 4);
    if let Some(p) = prelude {
        out.push(wire::BatchStep {
            condition: None,
            stmt: codec::encode_stmt(p, false)?,
        });
    }
    let gate = |out: &Vec<wire::BatchStep>| out.len().checked_sub(1).map(ok);
    let (stored, ids) = plan_stored_sql(steps, ctx);
    let mut user = steps
        .iter()
        .zip(ids)
        .map(|(s, id)| {
            let mut w = codec::encode_stmt(s, true)?;
            if id.is_some() {
                w.sql = None;
                w.sql_id = id;
            }
            Ok(w)
        })
        .collect::<Result<Vec<_>>>()?
        .into_iter();
    let n = steps.len();
    let (first_user, shape) = match mode {
        BatchMode::ContinueOnError => {
            let first = out.len();
            let cond = gate(&out);
            out.extend(user.map(|stmt| wire::BatchStep {
                condition: cond.clone(),
                stmt,
            }));
            (first, Shape::Plain)
        }
        BatchMode::StopOnError => {
            let first = out.len();
            for stmt in user.by_ref() {
                let condition = gate(&out);
                out.push(wire::BatchStep { condition, stmt });
            }
            (first, Shape::Plain)
        }
        BatchMode::Atomic(behavior) => {
            let start = out.len();
            let savepoint = ctx.in_transaction;
            let open = if savepoint {
                format!("SAVEPOINT {BATCH_SAVEPOINT}")
            } else {
                behavior.begin_sql().to_owned()
            };
            out.push(wire::BatchStep {
                condition: gate(&out),
                stmt: codec::plain_stmt(&open),
            });
            for stmt in user.by_ref() {
                let condition = Some(in_tx_guard(ctx.v3, out.len() - 1));
                out.push(wire::BatchStep { condition, stmt });
            }
            let end = out.len();
            if savepoint {
                out.push(wire::BatchStep {
                    condition: Some(in_tx_guard(ctx.v3, end - 1)),
                    stmt: codec::plain_stmt(&format!("RELEASE {BATCH_SAVEPOINT}")),
                });
                out.push(wire::BatchStep {
                    condition: Some(BatchCond::And {
                        conds: vec![ok(start), not(ok(end))],
                    }),
                    stmt: codec::plain_stmt(&format!("ROLLBACK TO {BATCH_SAVEPOINT}")),
                });
                out.push(wire::BatchStep {
                    condition: Some(ok(end + 1)),
                    stmt: codec::plain_stmt(&format!("RELEASE {BATCH_SAVEPOINT}")),
                });
                (start + 1, Shape::AtomicSavepoint { start, end })
            } else {
                out.push(wire::BatchStep {
                    condition: Some(in_tx_guard(ctx.v3, end - 1)),
                    stmt: codec::plain_stmt("COMMIT"),
                });
                out.push(wire::BatchStep {
                    condition: Some(not(ok(end))),
                    stmt: codec::plain_stmt("ROLLBACK"),
                });
                (start + 1, Shape::AtomicTx { start, end })
            }
        }
    };
    Ok(BuiltBatch {
        batch: wire::Batch { steps: out },
        stored,
        prelude: prelude.is_some(),
        first_user,
        user_steps: n,
        shape,
    })
}

/// Long SQL texts used at least twice in `steps`: (id, text) to store, and
/// each step's id (`None`: send the text).
pub fn plan_stored_sql(
    steps: &[Statement],
    ctx: BatchContext,
) -> (Vec<(i32, String)>, Vec<Option<i32>>) {
    let mut stored: Vec<(i32, String)> = Vec::new();
    let mut ids = vec![None; steps.len()];
    if !ctx.may_store_sql {
        return (stored, ids);
    }
    for (i, s) in steps.iter().enumerate() {
        let len = s.sql.len();
        if !(STORE_MIN_BYTES..=STORE_MAX_BYTES).contains(&len) {
            continue;
        }
        if let Some((id, _)) = stored.iter().find(|(_, t)| **t == *s.sql) {
            ids[i] = Some(*id);
            continue;
        }
        let uses = steps[i..].iter().filter(|o| o.sql == s.sql).count();
        if uses >= 2 && stored.len() < STORE_MAX_COUNT {
            let id = i32::try_from(stored.len() + 1).unwrap_or(i32::MAX);
            stored.push((id, s.sql.to_string()));
            ids[i] = Some(id);
        }
    }
    (stored, ids)
}

/// What the prelude (held `BEGIN`) did, when there was one.
pub fn prelude_error(built: &BuiltBatch, result: &wire::BatchResult) -> Option<Error> {
    if !built.prelude {
        return None;
    }
    result
        .step_errors
        .first()
        .and_then(|e| e.as_ref())
        .map(hrana_error)
}

/// Read a batch result: per-step outcomes for plain modes; for an atomic batch
/// either every step's result or [`Error::Batch`] with the failing user step.
/// The prelude's error (if any) is returned first.
pub fn interpret(built: &BuiltBatch, result: wire::BatchResult) -> Result<BatchResult> {
    let total = built.batch.steps.len();
    if result.step_results.len() != total || result.step_errors.len() != total {
        return Err(Error::Protocol(format!(
            "batch result has {} results and {} errors for {total} steps",
            result.step_results.len(),
            result.step_errors.len()
        )));
    }
    if let Some(e) = prelude_error(built, &result) {
        return Err(e);
    }
    let outcomes: Vec<StepResult> = result
        .step_results
        .into_iter()
        .zip(result.step_errors)
        .map(|(r, e)| match (r, e) {
            (_, Some(e)) => Ok(StepResult::Err(hrana_error(&e))),
            (Some(r), None) => codec::result_set(r).map(StepResult::Ok),
            (None, None) => Ok(StepResult::Skipped),
        })
        .collect::<Result<_>>()?;
    let mut outcomes: Vec<Option<StepResult>> = outcomes.into_iter().map(Some).collect();
    let mut take = |i: usize| outcomes.get_mut(i).and_then(Option::take);
    let user: Vec<StepResult> = (built.first_user..built.first_user + built.user_steps)
        .map(|i| take(i).unwrap_or(StepResult::Skipped))
        .collect();
    match built.shape {
        Shape::Plain => Ok(BatchResult { steps: user }),
        Shape::AtomicTx { start, end } | Shape::AtomicSavepoint { start, end } => {
            if let Some(StepResult::Err(e)) = take(start) {
                return Err(e);
            }
            finish_atomic(user, take(end))
        }
    }
}

fn finish_atomic(user: Vec<StepResult>, end: Option<StepResult>) -> Result<BatchResult> {
    if matches!(end, Some(StepResult::Ok(_))) && user.iter().all(|s| s.ok().is_some()) {
        return Ok(BatchResult { steps: user });
    }
    let mut first_skipped = None;
    for (i, s) in user.into_iter().enumerate() {
        match s {
            StepResult::Err(e) => {
                return Err(Error::Batch {
                    step: i,
                    source: Box::new(e),
                });
            }
            StepResult::Skipped if first_skipped.is_none() => first_skipped = Some(i),
            _ => {}
        }
    }
    match (end, first_skipped) {
        (Some(StepResult::Err(e)), _) => Err(e),
        (_, Some(step)) => Err(Error::Batch {
            step,
            source: Box::new(Error::sqlite(
                codes::SQLITE_ERROR,
                None,
                "the transaction ended before this step of the atomic batch, so it did not run; \
                 nothing was committed by the batch",
            )),
        }),
        _ => Err(Error::Protocol(
            "atomic batch neither committed nor reported a failing step".into(),
        )),
    }
}

/// Check the `sql_id`s of a pipeline before sending it: sqld answers an
/// unknown or duplicate id with a protocol error that fails the whole
/// pipeline (even requests that already ran), so catch it here.
pub fn validate_sql_ids(requests: &[wire::StreamRequest]) -> Result<()> {
    use wire::StreamRequest as R;
    let mut live: Vec<i32> = Vec::new();
    let check = |live: &Vec<i32>, stmt: &wire::Stmt| match (stmt.sql.is_some(), stmt.sql_id) {
        (true, None) => Ok(()),
        (false, Some(id)) if live.contains(&id) => Ok(()),
        (false, Some(id)) => Err(Error::Protocol(format!(
            "client bug: SQL id {id} is used but not stored"
        ))),
        _ => Err(Error::Protocol(
            "client bug: a statement needs exactly one of sql and sql_id".into(),
        )),
    };
    for r in requests {
        match r {
            R::StoreSql { sql_id, .. } => {
                if live.contains(sql_id) {
                    return Err(Error::Protocol(format!(
                        "client bug: SQL id {sql_id} stored twice"
                    )));
                }
                live.push(*sql_id);
            }
            R::CloseSql { sql_id } => live.retain(|id| id != sql_id),
            R::Execute { stmt } => check(&live, stmt)?,
            R::Batch { batch } => {
                for s in &batch.steps {
                    check(&live, &s.stmt)?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sql_ids_are_validated() {
        let stmt = |id: Option<i32>| wire::Stmt {
            sql: id.is_none().then(|| "SELECT 1".to_owned()),
            sql_id: id,
            ..wire::Stmt::default()
        };
        let exec = |id| wire::StreamRequest::Execute { stmt: stmt(id) };
        let store = |id| wire::StreamRequest::StoreSql {
            sql_id: id,
            sql: "SELECT 1".into(),
        };
        assert!(validate_sql_ids(&[store(1), exec(Some(1)), exec(None)]).is_ok());
        assert!(validate_sql_ids(&[exec(Some(1))]).is_err());
        assert!(validate_sql_ids(&[store(1), store(1)]).is_err());
        assert!(
            validate_sql_ids(&[
                store(1),
                wire::StreamRequest::CloseSql { sql_id: 1 },
                exec(Some(1))
            ])
            .is_err()
        );
        let both = wire::Stmt {
            sql: Some("x".into()),
            sql_id: Some(1),
            ..wire::Stmt::default()
        };
        assert!(
            validate_sql_ids(&[store(1), wire::StreamRequest::Execute { stmt: both }]).is_err()
        );
    }
}
