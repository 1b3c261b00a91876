//! The cursor half of the session: building a `/v3/cursor` request and
//! consuming its incrementally read body.

use sqlport_core::sql::{StatementKind, classify};
use sqlport_core::{Error, Result, Statement, Summary};

use super::super::cursor::{CursorOutcome, CursorReader, CursorStep};
use super::super::request::{HttpRequest, Method};
use super::{CursorLayout, InFlight, Op, Session, encode_body};
use crate::proto::client::codec;
use crate::proto::wire;

impl Session {
    /// The `/v3/cursor` request of `flight`: queued and replayed statements,
    /// a held `BEGIN`, then `stmt` (run only if the `BEGIN` succeeded).
    pub(super) fn build_cursor(
        &self,
        flight: &mut InFlight,
        stmt: &Statement,
    ) -> Result<HttpRequest> {
        let prefix = self.prefix(flight)?;
        let (pending, replay) = (prefix.pending, prefix.replay);
        let mut steps: Vec<wire::BatchStep> = prefix
            .stmts
            .into_iter()
            .map(|stmt| wire::BatchStep {
                condition: None,
                stmt,
            })
            .collect();
        let prelude = match &flight.prelude {
            Some(begin) => {
                steps.push(wire::BatchStep {
                    condition: None,
                    stmt: codec::encode_stmt(begin, false)?,
                });
                Some(steps.len() - 1)
            }
            None => None,
        };
        steps.push(wire::BatchStep {
            condition: prelude.map(|p| wire::BatchCond::Ok {
                step: u32::try_from(p).unwrap_or(u32::MAX),
            }),
            stmt: codec::encode_stmt(stmt, true)?,
        });
        let target = steps.len() - 1;
        flight.cursor = Some(CursorLayout {
            steps: steps.len(),
            pending,
            replay,
            prelude,
            target,
        });
        let body = wire::CursorRequest {
            baton: self.baton.clone(),
            batch: wire::Batch { steps },
        };
        Ok(HttpRequest {
            method: Method::Post,
            url: self.url("v3/cursor"),
            endpoint: "v3/cursor",
            body: encode_body(&body)?,
            carries_baton: body.baton.is_some(),
            streaming: true,
        })
    }

    /// Whether, after the sink stopped early, the rest of a cursor body must
    /// still be read (the stream holds state), rather than dropped.
    pub(super) fn cursor_must_drain(&self) -> bool {
        self.holds_state()
            || self.inflight.as_ref().is_some_and(|f| {
                f.prelude.is_some()
                    || !f.pending.is_empty()
                    || !matches!(&f.op, Op::Cursor(s) if classify(&s.sql) == StatementKind::Select)
            })
    }

    /// The sink stopped early and nothing needs the stream (see
    /// [`Session::cursor_must_drain`]): the backend drops the body, and the
    /// stream is forgotten (the server ends it). Returns the summary so far.
    /// A sink error is returned as is.
    pub(super) fn cursor_abandon(&mut self, reader: &mut CursorReader) -> Result<Summary> {
        self.inflight = None;
        self.drop_stream();
        let (columns, sink_error) = reader.take_abandoned();
        if let Some(e) = sink_error {
            return Err(e);
        }
        Ok(Summary {
            columns: columns.unwrap_or_else(|| Vec::new().into()),
            rows_affected: 0,
            last_insert_rowid: None,
            rows_read: None,
            rows_written: None,
        })
    }

    /// The cursor body ended (or failed to be read: pass the error). Returns
    /// the statement's summary.
    pub(super) fn cursor_end(&mut self, outcome: Result<CursorOutcome>) -> Result<Summary> {
        let result = self.cursor_outcome(outcome);
        self.settle();
        result
    }

    fn cursor_outcome(&mut self, outcome: Result<CursorOutcome>) -> Result<Summary> {
        let Some(flight) = self.inflight.take() else {
            return Err(Error::Protocol("no cursor in flight".into()));
        };
        let (Op::Cursor(stmt), Some(layout)) = (&flight.op, &flight.cursor) else {
            return Err(Error::Protocol("no cursor in flight".into()));
        };
        let outcome = match outcome {
            Ok(o) => o,
            Err(e) => {
                // Truncated or unreadable body: the stream is unusable.
                self.drop_stream();
                return Err(e);
            }
        };
        // A cursor cannot close its stream; keep the baton only if state is held.
        self.baton = outcome.baton;
        self.take_base_url(outcome.base_url.as_deref());
        let mut steps = outcome.steps.into_iter().map(Some).collect::<Vec<_>>();
        let mut take = |i: usize| steps.get_mut(i).and_then(Option::take);
        for i in 0..layout.pending + layout.replay {
            match take(i) {
                Some(CursorStep::Ok { .. }) => {
                    if let Some(p) = flight.pending.get(i) {
                        self.account(&p.sql);
                    }
                }
                Some(CursorStep::Err(e)) => tracing::warn!(
                    code = e.remote_code().unwrap_or(""),
                    "a queued or replayed statement failed"
                ),
                _ => {}
            }
        }
        let mut prelude_err = None;
        if let (Some(i), Some(p)) = (layout.prelude, &flight.prelude) {
            match take(i) {
                Some(CursorStep::Ok { .. }) => self.account(&p.sql),
                Some(CursorStep::Err(e)) => prelude_err = Some(e),
                _ => {}
            }
        }
        let target = take(layout.target);
        let result = if let Some(e) = outcome.batch_error {
            Err(e)
        } else if let Some(e) = prelude_err {
            Err(e)
        } else {
            match target {
                Some(CursorStep::Ok {
                    columns,
                    rows_affected,
                    last_insert_rowid,
                }) => {
                    self.ran(stmt);
                    match outcome.sink_error {
                        Some(e) => Err(e),
                        None => Ok(Summary {
                            columns,
                            rows_affected,
                            last_insert_rowid,
                            rows_read: None,
                            rows_written: None,
                        }),
                    }
                }
                Some(CursorStep::Err(e)) => Err(e),
                _ => Err(Error::Protocol("cursor statement did not run".into())),
            }
        };
        if self.baton.is_none() {
            self.drop_stream();
        } else if !self.holds_state() && !self.keeps_idle_stream() {
            // Nothing to keep: no round trip is spent on `close`. The next
            // cursor reuses the stream; anything else leaves it to expire.
            if let Some(baton) = self.baton.take() {
                self.spare = Some((baton, self.stream_base.take()));
            }
        }
        result
    }
}
