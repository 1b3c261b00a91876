//! Incremental decoding of a `/v3/cursor` NDJSON body (docs/PROTOCOL.md §7.3): a line
//! decoder fed with byte chunks, and a reader that hands the rows of one
//! target step to a [`RowSink`] as they arrive, so memory stays bounded.

use std::ops::ControlFlow;
use std::sync::Arc;

use sqlport_core::{Column, Error, Result, RowSink};

use super::codec;
use super::errors::hrana_error;
use crate::proto::wire;

/// Longest NDJSON line accepted (one row); longer is a protocol error.
pub const MAX_LINE_BYTES: usize = 64 * 1024 * 1024;

/// Splits a byte stream into `\n`-terminated lines; only an unfinished line is
/// buffered.
#[derive(Debug, Default)]
pub struct LineDecoder {
    partial: Vec<u8>,
}

impl LineDecoder {
    /// Feed a chunk; `on_line` is called for every complete, non-blank line
    /// (without its terminator). Stops at the first error `on_line` returns.
    pub fn feed(
        &mut self,
        mut chunk: &[u8],
        mut on_line: impl FnMut(&[u8]) -> Result<()>,
    ) -> Result<()> {
        while let Some(pos) = memchr::memchr(b'\n', chunk) {
            let (head, rest) = chunk.split_at(pos);
            chunk = rest.get(1..).unwrap_or_default();
            if self.partial.is_empty() {
                emit(head, &mut on_line)?;
            } else {
                self.push(head)?;
                let line = std::mem::take(&mut self.partial);
                emit(&line, &mut on_line)?;
            }
        }
        self.push(chunk)
    }

    fn push(&mut self, bytes: &[u8]) -> Result<()> {
        if self.partial.len() + bytes.len() > MAX_LINE_BYTES {
            return Err(Error::Protocol(format!(
                "cursor line longer than {MAX_LINE_BYTES} bytes"
            )));
        }
        self.partial.extend_from_slice(bytes);
        Ok(())
    }

    /// End of input: the unfinished line, if any is left (not blank).
    pub fn finish(self) -> Option<Vec<u8>> {
        let trimmed = self.partial.trim_ascii();
        (!trimmed.is_empty()).then(|| trimmed.to_vec())
    }
}

fn emit(line: &[u8], on_line: &mut impl FnMut(&[u8]) -> Result<()>) -> Result<()> {
    let line = line.trim_ascii();
    if line.is_empty() {
        Ok(())
    } else {
        on_line(line)
    }
}

/// What happened to one step of a cursor batch.
#[derive(Debug)]
pub enum CursorStep {
    /// The step ran.
    Ok {
        /// Its columns.
        columns: Arc<[Column]>,
        /// Rows changed.
        rows_affected: u64,
        /// Rowid (INSERT/REPLACE).
        last_insert_rowid: Option<i64>,
    },
    /// The step failed.
    Err(Error),
    /// The step did not run.
    Skipped,
}

/// The complete outcome of a cursor body.
#[derive(Debug)]
pub struct CursorOutcome {
    /// Baton from line 1 (null: stream closed).
    pub baton: Option<String>,
    /// `base_url` from line 1.
    pub base_url: Option<String>,
    /// One entry per step.
    pub steps: Vec<CursorStep>,
    /// An `error` entry (the whole batch failed).
    pub batch_error: Option<Error>,
    /// An error returned by the sink (the rest of the body was discarded).
    pub sink_error: Option<Error>,
}

/// Reads one cursor body: line 1, then entries, with the rows of `target`
/// handed to a sink.
#[derive(Debug)]
pub struct CursorReader {
    lines: LineDecoder,
    header: Option<wire::CursorResponse>,
    target: usize,
    steps: Vec<CursorStep>,
    cur: Option<(usize, Arc<[Column]>)>,
    batch_error: Option<Error>,
    sink_error: Option<Error>,
    discard: bool,
    target_columns: Option<Arc<[Column]>>,
}

impl CursorReader {
    /// A reader for a batch of `steps` steps whose step `target` feeds the sink.
    pub fn new(steps: usize, target: usize) -> Self {
        CursorReader {
            lines: LineDecoder::default(),
            header: None,
            target,
            steps: (0..steps).map(|_| CursorStep::Skipped).collect(),
            cur: None,
            batch_error: None,
            sink_error: None,
            discard: false,
            target_columns: None,
        }
    }

    /// Stop reading early: the target step's columns (if seen) and the sink's
    /// error (if it failed). The reader is spent afterwards.
    pub fn take_abandoned(&mut self) -> (Option<Arc<[Column]>>, Option<Error>) {
        (self.target_columns.take(), self.sink_error.take())
    }

    /// The target step's columns, once its `step_begin` arrived.
    pub fn target_columns(&self) -> Option<&Arc<[Column]>> {
        self.target_columns.as_ref()
    }

    /// Whether the sink asked to stop (the rest is being discarded).
    pub fn is_discarding(&self) -> bool {
        self.discard
    }

    /// Feed a chunk of the body. Errors are protocol errors (the body cannot be
    /// trusted any more); sink errors are kept for [`CursorReader::finish`].
    pub fn feed(&mut self, chunk: &[u8], sink: &mut dyn RowSink) -> Result<()> {
        let mut lines = std::mem::take(&mut self.lines);
        let r = lines.feed(chunk, |line| self.line(line, sink));
        self.lines = lines;
        r
    }

    /// End of body: a truncated body (a step still open, no line 1) is a
    /// protocol error.
    pub fn finish(mut self, sink: &mut dyn RowSink) -> Result<CursorOutcome> {
        let lines = std::mem::take(&mut self.lines);
        if let Some(last) = lines.finish() {
            self.line(&last, sink)?;
        }
        let Some(header) = self.header else {
            return Err(Error::Protocol("empty cursor response".into()));
        };
        if self.cur.is_some() && self.batch_error.is_none() {
            return Err(Error::Protocol(
                "cursor response ended in the middle of a step (truncated body)".into(),
            ));
        }
        Ok(CursorOutcome {
            baton: header.baton,
            base_url: header.base_url,
            steps: self.steps,
            batch_error: self.batch_error,
            sink_error: self.sink_error,
        })
    }

    fn line(&mut self, line: &[u8], sink: &mut dyn RowSink) -> Result<()> {
        if self.header.is_none() {
            let h: wire::CursorResponse = serde_json::from_slice(line)
                .map_err(|e| Error::Protocol(format!("bad cursor header: {e}")))?;
            self.header = Some(h);
            return Ok(());
        }
        if self.batch_error.is_some() {
            return Err(Error::Protocol("cursor entry after an error entry".into()));
        }
        let entry = wire::CursorEntry::from_line(line)
            .map_err(|e| Error::Protocol(format!("bad cursor entry: {e}")))?;
        match entry {
            wire::CursorEntry::StepBegin { step, cols } => {
                let step = self.step_index(step)?;
                if self.cur.is_some() {
                    return Err(Error::Protocol("step_begin inside a step".into()));
                }
                let columns = codec::columns(cols);
                if step == self.target {
                    self.target_columns = Some(columns.clone());
                }
                if step == self.target && !self.discard {
                    if let Err(e) = sink.columns(&columns) {
                        self.sink_failed(e);
                    }
                }
                self.cur = Some((step, columns));
            }
            wire::CursorEntry::Row { row } => {
                let Some((step, columns)) = &self.cur else {
                    return Err(Error::Protocol("row outside a step".into()));
                };
                let row = codec::row(columns, row)?;
                if *step == self.target && !self.discard {
                    match sink.row(row) {
                        Ok(ControlFlow::Continue(())) => {}
                        Ok(ControlFlow::Break(())) => self.discard = true,
                        Err(e) => self.sink_failed(e),
                    }
                }
            }
            wire::CursorEntry::StepEnd {
                affected_row_count,
                last_insert_rowid,
            } => {
                let Some((step, columns)) = self.cur.take() else {
                    return Err(Error::Protocol("step_end outside a step".into()));
                };
                self.set(
                    step,
                    CursorStep::Ok {
                        columns,
                        rows_affected: affected_row_count,
                        last_insert_rowid,
                    },
                )?;
            }
            wire::CursorEntry::StepError { step, error } => {
                let step = self.step_index(step)?;
                if let Some((open, _)) = self.cur.take() {
                    if open != step {
                        return Err(Error::Protocol("step_error for another step".into()));
                    }
                }
                self.set(step, CursorStep::Err(hrana_error(&error)))?;
            }
            wire::CursorEntry::Error { error } => {
                self.cur = None;
                self.batch_error = Some(hrana_error(&error));
            }
            wire::CursorEntry::ReplicationIndex { .. } | wire::CursorEntry::Unknown => {}
        }
        Ok(())
    }

    fn sink_failed(&mut self, e: Error) {
        self.discard = true;
        if self.sink_error.is_none() {
            self.sink_error = Some(e);
        }
    }

    fn step_index(&self, step: u32) -> Result<usize> {
        let i = usize::try_from(step).unwrap_or(usize::MAX);
        if i >= self.steps.len() {
            return Err(Error::Protocol(format!(
                "cursor step {step} out of range ({} steps)",
                self.steps.len()
            )));
        }
        Ok(i)
    }

    fn set(&mut self, step: usize, outcome: CursorStep) -> Result<()> {
        match self.steps.get_mut(step) {
            Some(slot @ CursorStep::Skipped) => {
                *slot = outcome;
                Ok(())
            }
            Some(_) => Err(Error::Protocol(format!(
                "cursor step {step} reported twice"
            ))),
            None => Err(Error::Protocol(format!("cursor step {step} out of range"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlport_core::{CollectRows, ErrorKind, Row, Value};

    #[test]
    fn lines_split_across_chunks() {
        let mut d = LineDecoder::default();
        let mut got = Vec::new();
        for chunk in [&b"ab"[..], b"c\n\nde", b"f\r\ng", b""] {
            d.feed(chunk, |l| {
                got.push(l.to_vec());
                Ok(())
            })
            .unwrap();
        }
        assert_eq!(got, vec![b"abc".to_vec(), b"def".to_vec()]);
        assert_eq!(d.finish(), Some(b"g".to_vec()));
    }

    const BODY: &str = concat!(
        "{\"baton\":\"b1\",\"base_url\":null}\n",
        "{\"type\":\"step_begin\",\"step\":0,\"cols\":[]}\n",
        "{\"type\":\"step_end\",\"affected_row_count\":0,\"last_insert_rowid\":null}\n",
        "{\"type\":\"step_begin\",\"step\":1,\"cols\":[{\"name\":\"x\",\"decltype\":null}]}\n",
        "{\"type\":\"row\",\"row\":[{\"type\":\"integer\",\"value\":\"1\"}]}\n",
        "{\"type\":\"row\",\"row\":[{\"type\":\"integer\",\"value\":\"2\"}]}\n",
        "{\"type\":\"step_end\",\"affected_row_count\":0,\"last_insert_rowid\":3}\n",
        "{\"type\":\"step_error\",\"step\":3,\"error\":{\"message\":\"m\",\"code\":\"SQLITE_CONSTRAINT\"}}\n",
        "{\"type\":\"replication_index\",\"replication_index\":13}\n",
    );

    #[test]
    fn reads_byte_by_byte() {
        let mut r = CursorReader::new(5, 1);
        let mut sink = CollectRows::default();
        for b in BODY.as_bytes() {
            r.feed(std::slice::from_ref(b), &mut sink).unwrap();
        }
        let out = r.finish(&mut sink).unwrap();
        assert_eq!(out.baton.as_deref(), Some("b1"));
        assert_eq!(sink.rows.len(), 2);
        assert_eq!(sink.rows[1].values(), &[Value::Integer(2)]);
        assert!(matches!(
            out.steps[1],
            CursorStep::Ok {
                last_insert_rowid: Some(3),
                ..
            }
        ));
        assert!(matches!(out.steps[2], CursorStep::Skipped));
        assert!(matches!(&out.steps[3], CursorStep::Err(e) if e.sqlite_code() == Some(19)));
        assert!(matches!(out.steps[4], CursorStep::Skipped));
    }

    #[test]
    fn truncated_bodies_are_errors() {
        let cut = BODY
            .find("{\"type\":\"step_end\",\"affected_row_count\":0,\"last_insert_rowid\":3}")
            .unwrap();
        for end in [0, 10, cut, cut + 5] {
            let mut r = CursorReader::new(5, 1);
            let mut sink = CollectRows::default();
            let res = r
                .feed(&BODY.as_bytes()[..end], &mut sink)
                .and_then(|()| r.finish(&mut sink).map(|_| ()));
            assert_eq!(res.unwrap_err().kind(), ErrorKind::Protocol, "cut at {end}");
        }
    }

    #[test]
    fn garbage_is_a_protocol_error() {
        for body in [
            "not json\n",
            "{\"baton\":null}\n{\"type\":\"row\",\"row\":[]}\n",
            "{\"baton\":null}\n{\"type\":\"step_begin\",\"step\":9,\"cols\":[]}\n",
            "{\"baton\":null}\n{\"type\":\"step_begin\",\"step\":0,\"cols\":[]}\n{\"type\":\"row\",\"row\":[{\"type\":\"integer\",\"value\":\"x\"}]}\n",
        ] {
            let mut r = CursorReader::new(1, 0);
            let mut sink = CollectRows::default();
            let res = r
                .feed(body.as_bytes(), &mut sink)
                .and_then(|()| r.finish(&mut sink).map(|_| ()));
            assert_eq!(res.unwrap_err().kind(), ErrorKind::Protocol, "{body}");
        }
    }

    struct StopAfterOne(usize);
    impl RowSink for StopAfterOne {
        fn columns(&mut self, _: &Arc<[Column]>) -> Result<()> {
            Ok(())
        }
        fn row(&mut self, _: Row) -> Result<ControlFlow<()>> {
            self.0 += 1;
            Ok(ControlFlow::Break(()))
        }
    }

    #[test]
    fn break_discards_the_rest() {
        let mut r = CursorReader::new(5, 1);
        let mut sink = StopAfterOne(0);
        r.feed(BODY.as_bytes(), &mut sink).unwrap();
        assert!(r.is_discarding());
        let out = r.finish(&mut sink).unwrap();
        assert_eq!(sink.0, 1);
        assert!(out.sink_error.is_none());
    }
}
