//! Batches: condition validation and evaluation (sqld semantics: `error` is
//! `!ok`), parse checks before anything runs, and step-by-step execution.

use std::ops::ControlFlow;

use sqlport_core::Statement;

use super::Version;
use super::encode;
use super::errors::{Fatal, map_error};
use super::executor::{StatementKind, StreamExecutor};
use super::pipeline::Budget;
use super::stmt::{Prepared, to_statement};
use super::store::SqlStore;
use crate::proto::wire;

/// What happened to one step.
pub(crate) enum StepOutcome {
    /// It ran; its encoded `StmtResult`.
    Ok(String),
    /// It ran, but its result did not fit in what was left of the budget.
    TooLarge,
    /// It ran and failed.
    Err(wire::Error),
    /// Its condition was false.
    Skipped,
}

/// Run one statement and encode its `StmtResult` as its rows arrive, within
/// `max` bytes: `Ok(None)` (the statement stopped at once) when the result
/// would be larger.
pub(crate) fn execute_encoded(
    exec: &mut dyn StreamExecutor,
    stmt: &Statement,
    max: usize,
) -> sqlport_core::Result<Option<String>> {
    let mut writer = encode::StmtResultWriter::new(max);
    let summary = exec.query_stream(stmt, &mut writer)?;
    Ok(writer.finish(&summary, exec.last_duration_ms()))
}

/// Check that every condition references only earlier steps, and that
/// `is_autocommit` is used on v3 only.
fn validate_cond(cond: &wire::BatchCond, step: usize, version: Version) -> Result<(), Fatal> {
    // Conditions nest; bound the walk with an explicit stack.
    let mut stack = vec![cond];
    while let Some(c) = stack.pop() {
        match c {
            wire::BatchCond::Ok { step: s } | wire::BatchCond::Error { step: s } => {
                if (*s as usize) >= step {
                    return Err(Fatal::protocol(
                        "Invalid reference to step in a batch condition",
                    ));
                }
            }
            wire::BatchCond::Not { cond } => stack.push(cond),
            wire::BatchCond::And { conds } | wire::BatchCond::Or { conds } => {
                stack.extend(conds.iter())
            }
            wire::BatchCond::IsAutocommit => {
                if version < Version::V3 {
                    return Err(Fatal::protocol(
                        "BatchCond of type `is_autocommit` is only supported in protocol version hrana3 and higher",
                    ));
                }
            }
        }
    }
    Ok(())
}

pub(crate) fn eval_cond(cond: &wire::BatchCond, ok: &[bool], exec: &dyn StreamExecutor) -> bool {
    match cond {
        wire::BatchCond::Ok { step } => ok.get(*step as usize).copied().unwrap_or(false),
        wire::BatchCond::Error { step } => !ok.get(*step as usize).copied().unwrap_or(false),
        wire::BatchCond::Not { cond } => !eval_cond(cond, ok, exec),
        wire::BatchCond::And { conds } => conds.iter().all(|c| eval_cond(c, ok, exec)),
        wire::BatchCond::Or { conds } => conds.iter().any(|c| eval_cond(c, ok, exec)),
        wire::BatchCond::IsAutocommit => exec.is_autocommit(),
    }
}

/// Turn a batch into statements as sqld does, step by step: the step's
/// statement (protocol errors are `Err`; errors sqld finds while parsing, such
/// as bad SQL, no or several statements, mixed arguments, fail the whole batch
/// before any step runs: `Ok(Err(..))`), then its condition (a protocol error
/// if it looks at a later step, or uses `is_autocommit` before v3).
pub(crate) fn prepare(
    batch: &wire::Batch,
    version: Version,
    store: &SqlStore,
    exec: &mut dyn StreamExecutor,
) -> Result<Result<Vec<Prepared>, wire::Error>, Fatal> {
    let mut stmts = Vec::with_capacity(batch.steps.len());
    for (i, step) in batch.steps.iter().enumerate() {
        if version == Version::V1 && step.stmt.sql_id.is_some() {
            return Err(Fatal::protocol(
                "`sql_id` is only supported in protocol version hrana2 and higher",
            ));
        }
        match to_statement(&step.stmt, store, exec)? {
            Ok(s) => stmts.push(s),
            Err(e) => return Ok(Err(e)),
        }
        if let Some(cond) = &step.condition {
            validate_cond(cond, i, version)?;
        }
    }
    Ok(Ok(stmts))
}

/// The rights a prepared batch needs, checked before any step runs.
pub(crate) fn permit_all(exec: &mut dyn StreamExecutor, stmts: &[Prepared]) -> Result<(), Fatal> {
    let kinds: Vec<&StatementKind> = stmts.iter().map(|p| &p.kind).collect();
    super::pipeline::permit(exec, &kinds)
}

/// Run prepared steps in order, evaluating conditions, and hand each outcome to
/// `on_step`, which may stop the batch. `room(i)` is how many bytes step `i`'s
/// encoded result may take.
pub(crate) fn run(
    batch: &wire::Batch,
    stmts: &[Prepared],
    exec: &mut dyn StreamExecutor,
    mut room: impl FnMut() -> usize,
    mut on_step: impl FnMut(usize, StepOutcome) -> Result<ControlFlow<()>, Fatal>,
) -> Result<(), Fatal> {
    let mut ok = Vec::with_capacity(stmts.len());
    for (i, (step, stmt)) in batch.steps.iter().zip(stmts).enumerate() {
        let run = step
            .condition
            .as_ref()
            .is_none_or(|c| eval_cond(c, &ok, exec));
        let outcome = if run {
            match execute_encoded(exec, &stmt.stmt, room()) {
                Ok(Some(text)) => StepOutcome::Ok(text),
                Ok(None) => StepOutcome::TooLarge,
                Err(e) => StepOutcome::Err(map_error(&e)?),
            }
        } else {
            StepOutcome::Skipped
        };
        ok.push(matches!(outcome, StepOutcome::Ok(..)));
        if on_step(i, outcome)?.is_break() {
            break;
        }
    }
    Ok(())
}

/// Run prepared steps (see [`run`]) and encode their `BatchResult`, or `None`
/// when the encoded step results would not fit in `budget` (the batch stops
/// at the step that passed it).
pub(crate) fn run_encoded(
    batch: &wire::Batch,
    stmts: &[Prepared],
    exec: &mut dyn StreamExecutor,
    budget: &Budget,
) -> Result<Option<String>, Fatal> {
    let mut results = Vec::with_capacity(stmts.len());
    let mut errors = Vec::with_capacity(stmts.len());
    let mut overflow = false;
    let size = std::cell::Cell::new(0usize);
    let room = || budget.remaining().saturating_sub(size.get());
    run(batch, stmts, exec, room, |_, outcome| {
        match outcome {
            StepOutcome::Ok(text) => {
                size.set(size.get().saturating_add(text.len()));
                if !budget.fits(size.get()) {
                    overflow = true;
                    return Ok(ControlFlow::Break(()));
                }
                results.push(Some(text));
                errors.push(None);
            }
            StepOutcome::TooLarge => {
                overflow = true;
                return Ok(ControlFlow::Break(()));
            }
            StepOutcome::Err(e) => {
                results.push(None);
                errors.push(Some(e));
            }
            StepOutcome::Skipped => {
                results.push(None);
                errors.push(None);
            }
        }
        Ok(ControlFlow::Continue(()))
    })?;
    Ok((!overflow).then(|| encode::batch_result(&results, &errors)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cond(json: &str) -> wire::BatchCond {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn conditions_may_only_look_back() {
        assert!(validate_cond(&cond(r#"{"type":"ok","step":0}"#), 1, Version::V2).is_ok());
        assert!(validate_cond(&cond(r#"{"type":"ok","step":1}"#), 1, Version::V3).is_err());
        let nested =
            cond(r#"{"type":"and","conds":[{"type":"not","cond":{"type":"error","step":5}}]}"#);
        assert!(validate_cond(&nested, 3, Version::V3).is_err());
        assert!(validate_cond(&nested, 6, Version::V3).is_ok());
        assert!(validate_cond(&cond(r#"{"type":"is_autocommit"}"#), 0, Version::V2).is_err());
        assert!(validate_cond(&cond(r#"{"type":"is_autocommit"}"#), 0, Version::V3).is_ok());
    }
}
