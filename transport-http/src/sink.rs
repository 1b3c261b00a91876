//! The sink of operations that return no streamed rows.

use std::ops::ControlFlow;
use std::sync::Arc;

use sqlport_core::{Column, Result, Row, RowSink};

/// Takes no rows: only a cursor (`query_stream`) hands rows to its sink.
pub(crate) struct NoRows;

impl RowSink for NoRows {
    fn columns(&mut self, _: &Arc<[Column]>) -> Result<()> {
        Ok(())
    }

    fn row(&mut self, _: Row) -> Result<ControlFlow<()>> {
        Ok(ControlFlow::Break(()))
    }
}
