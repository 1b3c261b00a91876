//! `tracing` instrumentation shared by both flavours: statement text at debug
//! level, never parameter values above trace.

use sqlport_core::{Batch, ParamsRef, Statement};

/// A span around one statement.
pub(crate) fn statement_span(stmt: &Statement) -> tracing::Span {
    let span = tracing::debug_span!("sqlport.statement", sql = %stmt.sql);
    tracing::trace!(parent: &span, params = ?stmt.params, "bound parameters");
    span
}

/// A span around one run of a prepared statement (the same as
/// [`statement_span`] of the statement it runs).
pub(crate) fn prepared_span(sql: &str, params: &ParamsRef<'_>) -> tracing::Span {
    let span = tracing::debug_span!("sqlport.statement", sql = %sql);
    tracing::trace!(parent: &span, params = ?params, "bound parameters");
    span
}

/// A span around one batch.
pub(crate) fn batch_span(batch: &Batch) -> tracing::Span {
    tracing::debug_span!("sqlport.batch", steps = batch.steps.len(), mode = ?batch.mode)
}
