//! `tracing` instrumentation shared by both flavours: statement text at debug
//! level, never parameter values above trace.
//!
//! Spans are made only once a `tracing` dispatcher exists (a subscriber set
//! globally or for a scope). Without one, `tracing` built with its `log`
//! feature (which sqlx, reqwest and others turn on) would still record every
//! span's fields for `log` on each statement: about a sixth of the gap to
//! rusqlite on a prepared insert (BENCHMARKS.md).

use sqlport_core::{Batch, ParamsRef, Statement};

/// `false` while no `tracing` dispatcher exists: nothing would take a span.
fn wanted() -> bool {
    tracing::dispatcher::has_been_set()
}

/// A span around one statement.
pub(crate) fn statement_span(stmt: &Statement) -> tracing::Span {
    if !wanted() {
        return tracing::Span::none();
    }
    let span = tracing::debug_span!("sqlport.statement", sql = %stmt.sql);
    tracing::trace!(parent: &span, params = ?stmt.params, "bound parameters");
    span
}

/// A span around one run of a prepared statement (the same as
/// [`statement_span`] of the statement it runs).
pub(crate) fn prepared_span(sql: &str, params: &ParamsRef<'_>) -> tracing::Span {
    if !wanted() {
        return tracing::Span::none();
    }
    let span = tracing::debug_span!("sqlport.statement", sql = %sql);
    tracing::trace!(parent: &span, params = ?params, "bound parameters");
    span
}

/// A span around one batch.
pub(crate) fn batch_span(batch: &Batch) -> tracing::Span {
    if !wanted() {
        return tracing::Span::none();
    }
    tracing::debug_span!("sqlport.batch", steps = batch.steps.len(), mode = ?batch.mode)
}
