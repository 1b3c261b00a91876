//! The transaction probe of Hrana 2, which has no `get_autocommit`: a
//! two-step batch appended to every v2 pipeline that keeps its stream,
//! `[BEGIN, ROLLBACK if ok(0)]`. Inside a transaction the `BEGIN` fails and
//! nothing runs; in autocommit mode (the server rolled the transaction back:
//! `INSERT OR ROLLBACK`, `ON CONFLICT ROLLBACK`, `RAISE(ROLLBACK)`) it opens
//! a deferred transaction, which takes no lock, and the `ROLLBACK` ends it at
//! once. Either way the connection is left as it was, in the same request.

use crate::proto::wire::{self, StreamResponse, StreamResult};

/// What the probe says about the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TxProbe {
    /// Inside a transaction (the `BEGIN` failed).
    InTransaction,
    /// In autocommit mode: `BEGIN` and `ROLLBACK` both ran, or `BEGIN` failed
    /// with `TRANSACTION_TIMEOUT` (the server already rolled back).
    Autocommit,
    /// `BEGIN` ran but `ROLLBACK` did not: the probe's own transaction may be
    /// open, so the stream must not be used again.
    Stuck,
    /// No answer (the request failed, or a reply of another shape).
    Unknown,
}

/// The probe batch.
pub(super) fn batch() -> wire::Batch {
    let step = |sql: &str, condition| wire::BatchStep {
        condition,
        stmt: wire::Stmt {
            sql: Some(sql.to_owned()),
            want_rows: Some(false),
            ..wire::Stmt::default()
        },
    };
    wire::Batch {
        steps: vec![
            step("BEGIN", None),
            step("ROLLBACK", Some(wire::BatchCond::Ok { step: 0 })),
        ],
    }
}

/// Read the probe's result.
pub(super) fn read(result: Option<StreamResult>) -> TxProbe {
    let Some(StreamResult::Ok {
        response: StreamResponse::Batch { result },
    }) = result
    else {
        return TxProbe::Unknown;
    };
    let ran = |i: usize| matches!(result.step_results.get(i), Some(Some(_)));
    let error = |i: usize| result.step_errors.get(i).and_then(Option::as_ref);
    if ran(0) {
        return if ran(1) {
            TxProbe::Autocommit
        } else {
            TxProbe::Stuck
        };
    }
    match error(0) {
        Some(e) if e.code.as_deref() == Some("TRANSACTION_TIMEOUT") => TxProbe::Autocommit,
        Some(_) => TxProbe::InTransaction,
        None => TxProbe::Unknown,
    }
}
