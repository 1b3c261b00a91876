//! Moving a streamed query's rows between threads, for the adapters that run
//! a transport of one flavour behind the API of the other: the
//! [`async_over_blocking`](crate::async_over_blocking) (blocking transport → async API) and
//! `sqlport-conformance`'s bridge (async transport → blocking API).
//!
//! The side that runs the query hands its rows to a [`RelaySink`], which
//! sends them in [`RowBatch`]es through any bounded channel; the side that
//! owns the caller's sink hands each batch to [`deliver`]. Memory stays
//! bounded by the channel; a caller's sink that stops (or fails) stops the
//! sender at its next send, once the receiving side drops its end.

use std::ops::ControlFlow;
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::result::{Column, Row, RowSink};

/// What travels from the side that runs a query to the caller's sink.
#[derive(Debug)]
pub enum RowBatch {
    /// The result's columns (once, before any row).
    Columns(Arc<[Column]>),
    /// The next rows, in order.
    Rows(Vec<Row>),
}

/// A [`RowSink`] that sends rows in batches of `chunk` through `send`
/// (`false` from `send`: the receiver is gone, stop the query).
///
/// Rows still buffered when the query ends go out with [`RelaySink::flush`],
/// whether the query succeeded or failed: rows produced before a statement
/// failed while stepping are the caller's, as they are on the blocking path.
pub struct RelaySink<F: FnMut(RowBatch) -> bool> {
    send: F,
    chunk: usize,
    buf: Vec<Row>,
    open: bool,
}

impl<F: FnMut(RowBatch) -> bool> RelaySink<F> {
    /// A sink sending batches of at most `chunk` rows (at least one).
    pub fn new(chunk: usize, send: F) -> Self {
        RelaySink {
            send,
            chunk: chunk.max(1),
            buf: Vec::new(),
            open: true,
        }
    }

    /// Send the buffered rows (if the receiver is still there).
    pub fn flush(&mut self) {
        if self.open && !self.buf.is_empty() {
            let rows = std::mem::take(&mut self.buf);
            self.open = (self.send)(RowBatch::Rows(rows));
        }
    }
}

impl<F: FnMut(RowBatch) -> bool> RowSink for RelaySink<F> {
    fn columns(&mut self, columns: &Arc<[Column]>) -> Result<()> {
        // A gone receiver means the caller stopped; `row` then breaks.
        self.open = (self.send)(RowBatch::Columns(columns.clone()));
        Ok(())
    }

    fn row(&mut self, row: Row) -> Result<ControlFlow<()>> {
        if !self.open {
            return Ok(ControlFlow::Break(()));
        }
        self.buf.push(row);
        if self.buf.len() >= self.chunk {
            self.flush();
        }
        Ok(if self.open {
            ControlFlow::Continue(())
        } else {
            ControlFlow::Break(())
        })
    }
}

/// A future that returns `Pending` once (waking its task at once), then
/// `Ready`: the yield point an async transport takes when its sink
/// [wants a pause](RowSink::wants_pause). Runtime-agnostic.
pub fn yield_once() -> impl std::future::Future<Output = ()> + Send {
    let mut yielded = false;
    std::future::poll_fn(move |cx| {
        if yielded {
            std::task::Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        }
    })
}

/// Why delivery stopped before the stream ended.
#[derive(Debug)]
pub enum Stopped {
    /// The caller's sink returned `Break`.
    ByCaller,
    /// The caller's sink failed; the query's own result is then replaced by
    /// this error.
    Failed(Error),
}

/// Hand one batch to the caller's `sink`. `Break` means stop receiving
/// (drop the receiving end, so the sender stops) and wait for the query's
/// result.
pub fn deliver(batch: RowBatch, sink: &mut (impl RowSink + ?Sized)) -> ControlFlow<Stopped> {
    match batch {
        RowBatch::Columns(columns) => match sink.columns(&columns) {
            Ok(()) => ControlFlow::Continue(()),
            Err(e) => ControlFlow::Break(Stopped::Failed(e)),
        },
        RowBatch::Rows(rows) => {
            for row in rows {
                match sink.row(row) {
                    Ok(ControlFlow::Continue(())) => {}
                    Ok(ControlFlow::Break(())) => return ControlFlow::Break(Stopped::ByCaller),
                    Err(e) => return ControlFlow::Break(Stopped::Failed(e)),
                }
            }
            ControlFlow::Continue(())
        }
    }
}

/// The result of a relayed query: the caller's sink error wins over the
/// query's own result.
pub fn outcome<T>(stopped: Option<Stopped>, result: Result<T>) -> Result<T> {
    match stopped {
        Some(Stopped::Failed(e)) => Err(e),
        _ => result,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::result::CollectRows;
    use crate::value::Value;

    fn row(i: i64) -> Row {
        Row::new(
            Arc::from(vec![Column::new("x", None)]),
            vec![Value::Integer(i)],
        )
        .unwrap()
    }

    #[test]
    fn rows_go_in_chunks_and_the_rest_on_flush() {
        let mut sent = Vec::new();
        let mut sink = RelaySink::new(2, |b| {
            sent.push(b);
            true
        });
        sink.columns(&Arc::from(Vec::new())).unwrap();
        for i in 0..3 {
            assert!(sink.row(row(i)).unwrap().is_continue());
        }
        sink.flush();
        drop(sink);
        let sizes: Vec<usize> = sent
            .iter()
            .map(|b| match b {
                RowBatch::Columns(_) => 0,
                RowBatch::Rows(r) => r.len(),
            })
            .collect();
        assert_eq!(sizes, [0, 2, 1]);
        let mut out = CollectRows::default();
        for b in sent {
            assert!(deliver(b, &mut out).is_continue());
        }
        assert_eq!(out.rows.len(), 3);
    }

    #[test]
    fn a_gone_receiver_stops_the_sender() {
        let mut sink = RelaySink::new(1, |_| false);
        sink.columns(&Arc::from(Vec::new())).unwrap();
        assert!(sink.row(row(1)).unwrap().is_break());
    }
}
