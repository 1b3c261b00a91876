//! The cursor endpoint (`/v3/cursor`): a batch whose results are written as
//! newline-delimited entries.

use std::ops::ControlFlow;

use super::Version;
use super::batch::{self, StepOutcome};
use super::encode;
use super::errors::Fatal;
use super::executor::StreamExecutor;
use super::pipeline::ServerStream;
use crate::proto::wire;

/// The entries of a cursor response, after its first line.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CursorOutput {
    /// Encoded entries, one JSON object each, without newlines.
    pub entries: Vec<String>,
}

impl CursorOutput {
    /// The whole NDJSON body: line 1 `{"baton","base_url"}`, then the entries,
    /// each line ending in `\n`.
    pub fn encode(&self, baton: Option<&str>, base_url: Option<&str>) -> String {
        let head = encode::encode(&wire::CursorResponse {
            baton: baton.map(str::to_owned),
            base_url: base_url.map(str::to_owned),
        });
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

/// Run a cursor batch on `stream`. Protocol errors are [`Fatal::Protocol`];
/// an error that fails the whole batch before it runs (e.g. a parse error) is
/// [`Fatal::Internal`] (HTTP 500), as sqld answers. Executed steps give
/// `step_begin row* step_end`, a lone `step_error` when the statement did
/// not prepare or bind, or `step_begin step_error` when it failed running; skipped steps give nothing; a
/// final `replication_index` entry (a number) follows.
pub fn run_cursor(
    stream: &mut ServerStream,
    batch: &wire::Batch,
    exec: &mut dyn StreamExecutor,
) -> Result<CursorOutput, Fatal> {
    let stmts = match batch::prepare(batch, Version::V3, stream.store(), exec)? {
        Ok(s) => s,
        Err(e) => return Err(Fatal::Internal(e.message)),
    };
    let mut entries = Vec::new();
    batch::run(batch, &stmts, exec, true, |i, outcome| {
        match outcome {
            StepOutcome::Ok(rs, _) => {
                entries.push(encode::cursor_step_begin(i, &rs.columns));
                for row in &rs.rows {
                    entries.push(encode::cursor_row(row.values()));
                }
                entries.push(encode::cursor_step_end(&rs));
            }
            StepOutcome::Err(e, cols) => {
                if let Some(cols) = cols {
                    entries.push(encode::cursor_step_begin(i, &cols));
                }
                entries.push(encode::cursor_step_error(i, &e));
            }
            StepOutcome::Skipped => {}
        }
        Ok(ControlFlow::Continue(()))
    })?;
    entries.push("{\"type\":\"replication_index\",\"replication_index\":0}".to_owned());
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
    }
}
