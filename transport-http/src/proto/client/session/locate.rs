//! Locating the failing step of a batch that sqld refused as a whole because
//! one step does not parse (nothing ran): `describe` every step in one
//! request, then report the step (atomic) or run the steps before it
//! (`StopOnError`). This costs extra round trips only on that error path.

use sqlport_core::{Batch, BatchMode, BatchResult, Error, Result, StepResult};

use super::super::errors::hrana_error;
use super::super::request::HttpRequest;
use super::{InFlight, Layout, Next, Op, Output, Phase, Session, request_kind};
use crate::proto::Version;
use crate::proto::wire::{self, StreamRequest, StreamResult};

/// A Hrana error that sqld raises while parsing, before anything runs.
pub(super) fn is_parse_time(error: &wire::Error) -> bool {
    matches!(
        error.code.as_deref(),
        Some("SQL_PARSE_ERROR" | "SQL_MANY_STATEMENTS" | "SQL_NO_STATEMENT")
    )
}

impl Session {
    /// The batch in `flight` was refused with `error` before anything ran.
    pub(super) fn start_locate(&mut self, mut flight: InFlight, error: Error) -> Result<Next> {
        if self.version == Version::V1 || !matches!(flight.op, Op::Batch(_)) {
            return Err(error);
        }
        // Queued statements ran as requests of their own: not again.
        flight.pending.clear();
        flight.retried = false;
        flight.phase = Phase::Locate { error };
        self.send(flight)
    }

    /// `[describe step 0, ..., describe step n-1, (close)]`.
    pub(super) fn build_locate(&self, flight: &mut InFlight) -> Result<HttpRequest> {
        let Op::Batch(b) = &flight.op else {
            return Err(Error::Protocol("locating a non-batch".into()));
        };
        let mut requests: Vec<StreamRequest> = b
            .steps
            .iter()
            .map(|s| StreamRequest::Describe {
                sql: Some(s.sql.to_string()),
                sql_id: None,
            })
            .collect();
        let closes = !self.holds_state() && !self.keeps_idle_stream();
        if closes {
            requests.push(StreamRequest::Close);
        }
        flight.layout = Some(Layout {
            kinds: requests.iter().map(request_kind).collect(),
            pending: 0,
            replay: 0,
            main: 0,
            main_count: b.steps.len(),
            get_autocommit: None,
            tx_probe: None,
            closes,
            built: None,
        });
        self.pipeline_request(&wire::PipelineRequest {
            baton: self.baton.clone(),
            requests,
        })
    }

    /// The `describe` replies arrived: report or run the prefix.
    pub(super) fn on_locate(&mut self, flight: InFlight, body: &[u8]) -> Result<Next> {
        let InFlight {
            op,
            prelude,
            phase,
            layout,
            ..
        } = flight;
        let (Op::Batch(b), Phase::Locate { error }, Some(layout)) = (op, phase, layout) else {
            return Err(Error::Protocol("no batch being located".into()));
        };
        let results = match self.decode_pipeline(&layout, body) {
            Ok(r) => r,
            Err(e) => {
                self.drop_stream();
                return Err(e);
            }
        };
        if self.baton.is_none() {
            self.tx.reset();
        }
        let total = b.steps.len();
        // sqld describes by preparing with SQLite, which reports a syntax
        // error as `SQL_INPUT_ERROR` (an error with an offset): the step
        // refused is the first whose describe failed so, unless one failed
        // with a parse-time code of sqld's own parser.
        let first = |accept: &dyn Fn(&wire::Error) -> bool| {
            results.iter().enumerate().find_map(|(i, r)| match r {
                Some(StreamResult::Error { error }) if i < total && accept(error) => {
                    Some((i, hrana_error(error)))
                }
                _ => None,
            })
        };
        let found = first(&is_parse_time)
            .or_else(|| first(&|e| e.code.as_deref() == Some("SQL_INPUT_ERROR")));
        let Some((failed, step_error)) = found else {
            return Err(error);
        };
        match b.mode {
            BatchMode::Atomic(_) => {
                // Nothing ran: a held BEGIN is still only held.
                if prelude.is_some() && !self.tx.in_tx {
                    self.held_begin = prelude;
                }
                Err(Error::Batch {
                    step: failed,
                    source: Box::new(step_error),
                })
            }
            _ if failed == 0 && prelude.is_none() => {
                let mut steps = vec![StepResult::Err(step_error)];
                steps.extend((1..total).map(|_| StepResult::Skipped));
                Ok(Next::Done(Output::Batch(BatchResult { steps })))
            }
            _ => {
                let prefix =
                    Batch::new(b.steps.iter().take(failed).cloned(), BatchMode::StopOnError);
                let next = InFlight {
                    op: Op::Batch(prefix),
                    prelude,
                    pending: Vec::new(),
                    retried: false,
                    sent_baton: false,
                    layout: None,
                    cursor: None,
                    phase: Phase::Prefix {
                        failed,
                        error: step_error,
                        total,
                    },
                };
                self.send(next)
            }
        }
    }
}
