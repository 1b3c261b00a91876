//! The cursor endpoint (`/v3/cursor`): a batch whose results are written as
//! newline-delimited entries, row by row, so a large result never has to be
//! held in memory.

use std::ops::ControlFlow;
use std::sync::Arc;

use sqlport_core::{Column, Row, RowSink};

use super::Version;
use super::batch;
use super::encode;
use super::errors::{Fatal, map_error};
use super::executor::StreamExecutor;
use super::pipeline::ServerStream;
use super::stmt::Prepared;
use crate::proto::wire;

/// The entries of a buffered cursor response, after its first line.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CursorOutput {
    /// Encoded entries, one JSON object each, without newlines.
    pub entries: Vec<String>,
}

impl CursorOutput {
    /// The whole NDJSON body: line 1 `{"baton","base_url"}`, then the entries,
    /// each line ending in `\n`.
    pub fn encode(&self, baton: Option<&str>, base_url: Option<&str>) -> String {
        let head = cursor_head(baton, base_url);
        let len: usize = self.entries.iter().map(|e| e.len() + 1).sum();
        let mut out = String::with_capacity(head.len() + 1 + len);
        out.push_str(&head);
        out.push('\n');
        for e in &self.entries {
            out.push_str(e);
            out.push('\n');
        }
        out
    }
}

/// Line 1 of a cursor response (without its newline).
pub fn cursor_head(baton: Option<&str>, base_url: Option<&str>) -> String {
    encode::encode(&wire::CursorResponse {
        baton: baton.map(str::to_owned),
        base_url: base_url.map(str::to_owned),
    })
}

/// The last entry of a cursor response: sqld's `replication_index` (a number).
pub fn cursor_trailer() -> String {
    "{\"type\":\"replication_index\",\"replication_index\":0}".to_owned()
}

/// A cursor batch that passed the checks sqld makes before answering (protocol
/// errors, parse errors), ready to run.
#[derive(Debug)]
pub struct PreparedCursor<'a> {
    batch: &'a wire::Batch,
    stmts: Vec<Prepared>,
    max_line_bytes: usize,
}

/// Check a cursor batch on `stream`. Protocol errors are [`Fatal::Protocol`];
/// an error that fails the whole batch before it runs (e.g. a parse error) is
/// [`Fatal::Internal`] (HTTP 500), as sqld answers. The rights the
/// statements need are checked when the batch runs ([`PreparedCursor::run`]),
/// after the first line has gone out, as on sqld.
pub fn prepare_cursor<'a>(
    stream: &ServerStream,
    batch: &'a wire::Batch,
    exec: &mut dyn StreamExecutor,
) -> Result<PreparedCursor<'a>, Fatal> {
    super::pipeline::check_batch_floats(batch)?;
    match batch::prepare(batch, Version::V3, stream.store(), exec)? {
        Ok(stmts) => Ok(PreparedCursor {
            batch,
            stmts,
            max_line_bytes: usize::MAX,
        }),
        Err(e) => Err(Fatal::Internal(e.message)),
    }
}

/// Writes a step's entries as rows arrive.
struct EntrySink<'e> {
    step: usize,
    emit: &'e mut (dyn FnMut(String) -> bool + Send),
    max_line_bytes: usize,
    began: bool,
    stopped: bool,
    too_large: bool,
}

impl EntrySink<'_> {
    fn send(&mut self, entry: String) -> bool {
        if !self.stopped && !(self.emit)(entry) {
            self.stopped = true;
        }
        !self.stopped
    }
}

impl RowSink for EntrySink<'_> {
    fn columns(&mut self, columns: &Arc<[Column]>) -> sqlport_core::Result<()> {
        self.began = true;
        self.send(encode::cursor_step_begin(self.step, columns));
        Ok(())
    }

    fn row(&mut self, row: Row) -> sqlport_core::Result<ControlFlow<()>> {
        let Some(line) = encode::cursor_row_limited(row.values(), self.max_line_bytes) else {
            self.too_large = true;
            return Ok(ControlFlow::Break(()));
        };
        Ok(if self.send(line) {
            ControlFlow::Continue(())
        } else {
            ControlFlow::Break(())
        })
    }
}

impl PreparedCursor<'_> {
    /// Refuse rows whose `row` entry would be longer than `max` bytes: the
    /// batch then stops with an `error` entry `RESPONSE_TOO_LARGE` (as sqld
    /// stops a batch whose response is too large). Unlimited by default.
    pub fn with_max_line_bytes(mut self, max: usize) -> Self {
        self.max_line_bytes = max;
        self
    }

    /// Run the batch, handing each entry (encoded, without newline) to `emit`
    /// as it is produced; `emit` returns `false` when nobody reads any more,
    /// which stops the batch (`Ok(false)`). Executed steps give `step_begin
    /// row* step_end`, a lone `step_error` when the statement did not prepare
    /// or bind, or `step_begin row* step_error` when it failed running;
    /// skipped steps give nothing. The [`cursor_trailer`] is not emitted: the
    /// caller writes it once it has released the stream, so a client that read
    /// to the end always finds the stream free. Credentials lacking a right a
    /// statement needs fail it with [`Fatal::Forbidden`] before any step runs
    /// (the caller can only cut the body short).
    pub fn run(
        self,
        exec: &mut dyn StreamExecutor,
        emit: &mut (dyn FnMut(String) -> bool + Send),
    ) -> Result<bool, Fatal> {
        batch::permit_all(exec, &self.stmts)?;
        let mut ok = Vec::with_capacity(self.stmts.len());
        for (i, (step, stmt)) in self.batch.steps.iter().zip(&self.stmts).enumerate() {
            let run = step
                .condition
                .as_ref()
                .is_none_or(|c| batch::eval_cond(c, &ok, exec));
            if !run {
                ok.push(false);
                continue;
            }
            let mut sink = EntrySink {
                step: i,
                emit: &mut *emit,
                max_line_bytes: self.max_line_bytes,
                began: false,
                stopped: false,
                too_large: false,
            };
            let result = exec.query_stream(&stmt.stmt, &mut sink);
            if sink.stopped {
                return Ok(false);
            }
            if sink.too_large {
                let entry = encode::encode(&wire::CursorEntry::Error {
                    error: super::pipeline::too_large(),
                });
                return Ok(emit(entry));
            }
            let entry = match result {
                Ok(summary) => {
                    if !sink.began && !sink.send(encode::cursor_step_begin(i, &summary.columns)) {
                        return Ok(false);
                    }
                    ok.push(true);
                    encode::cursor_step_end(summary.rows_affected, summary.last_insert_rowid)
                }
                Err(e) => {
                    ok.push(false);
                    encode::cursor_step_error(i, &map_error(&e)?)
                }
            };
            if !emit(entry) {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

/// Run a cursor batch on `stream` and buffer its entries (trailer included).
/// See [`prepare_cursor`] and [`PreparedCursor::run`].
pub fn run_cursor(
    stream: &mut ServerStream,
    batch: &wire::Batch,
    exec: &mut dyn StreamExecutor,
) -> Result<CursorOutput, Fatal> {
    let prepared = prepare_cursor(stream, batch, exec)?;
    let mut entries = Vec::new();
    prepared.run(exec, &mut |e| {
        entries.push(e);
        true
    })?;
    entries.push(cursor_trailer());
    Ok(CursorOutput { entries })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_writes_head_then_lines() {
        let out = CursorOutput {
            entries: vec!["{\"type\":\"x\"}".into()],
        };
        let body = out.encode(Some("b"), None);
        let lines: Vec<&str> = body.split_terminator('\n').collect();
        assert_eq!(lines.len(), 2);
        let head: wire::CursorResponse = serde_json::from_str(lines[0]).unwrap();
        assert_eq!(head.baton.as_deref(), Some("b"));
        assert!(body.ends_with('\n'));
        let trailer: wire::CursorEntry = serde_json::from_str(&cursor_trailer()).unwrap();
        assert!(matches!(
            trailer,
            wire::CursorEntry::ReplicationIndex { .. }
        ));
    }
}
