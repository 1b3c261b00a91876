//! The reply half of the session: consuming pipeline and v1 replies, HTTP
//! errors (with the transparent retry of a lost idle stream) and transport
//! failures.

use sqlport_core::sql::{StatementKind, classify};
use sqlport_core::tx_gate::ends_transaction;
use sqlport_core::{Error, Result, Statement, StepResult};

use super::super::batch;
use super::super::codec;
use super::super::errors::{hrana_error, http_error, is_lost_stream, parse_error_body};
use super::super::negotiate::{self, Probe};
use super::super::replay;
use super::super::request::HttpResponse;
use super::locate::is_parse_time;
use super::tx_probe::{self, TxProbe};
use super::{InFlight, Layout, Next, Op, Output, Phase, Session, decode_body, response_kind};
use crate::proto::Version;
use crate::proto::wire::{self, StreamResponse, StreamResult};
use sqlport_core::BatchMode;

/// What a pipeline reply led to.
pub(super) enum Step {
    /// A finished operation.
    Out(Output),
    /// The whole batch was refused for a parse error: find the step.
    Locate(Error),
}

impl Session {
    /// The request in flight could not be completed. `reached_server` is
    /// `false` only when the request provably never reached the server
    /// (connection refused, failure before any byte was sent): then it is sent
    /// once more, and if that fails the same way too, the stream, its baton
    /// and its transaction are left as they were. Otherwise the stream is
    /// dropped (a write may have been applied; nothing is replayed; a
    /// transaction is lost) and `err` is returned.
    pub fn on_transport_error(&mut self, err: Error, reached_server: bool) -> Result<Next> {
        let next = self.transport_error(err, reached_server);
        self.finish(next)
    }

    fn transport_error(&mut self, err: Error, reached_server: bool) -> Result<Next> {
        let Some(mut flight) = self.inflight.take() else {
            return Err(err);
        };
        if matches!(flight.op, Op::Probe(_)) {
            // A failed probe decides nothing (and is not retried).
            return Err(err);
        }
        if !reached_server && !flight.retried {
            flight.retried = true;
            return self.send(flight);
        }
        if matches!(flight.op, Op::Close) {
            self.finish_close();
            return Err(err);
        }
        if !reached_server {
            // Neither attempt reached the server: nothing changed there.
            self.restore(flight);
            return Err(err);
        }
        self.drop_stream();
        Err(err)
    }

    /// Feed a complete buffered reply (what [`Session::on_reply`] does with
    /// every reply but a 2xx cursor body; handy for scripted tests).
    pub fn on_response(&mut self, resp: HttpResponse) -> Result<Next> {
        let next = self.response(resp);
        self.finish(next)
    }

    fn response(&mut self, resp: HttpResponse) -> Result<Next> {
        let Some(flight) = self.inflight.take() else {
            return Err(Error::Protocol("reply without a request in flight".into()));
        };
        if let Op::Probe(candidate) = flight.op {
            return self.on_probe(candidate, &resp);
        }
        if !(200..300).contains(&resp.status) {
            return self.on_http_error(flight, resp);
        }
        if matches!(flight.op, Op::Cursor(_)) {
            self.inflight = Some(flight);
            return Err(Error::Protocol(
                "a cursor body is read through Session::reply".into(),
            ));
        }
        if matches!(flight.phase, Phase::Locate { .. }) {
            return self.on_locate(flight, &resp.body);
        }
        let out = match self.version {
            Version::V1 => self.on_v1(&flight, &resp.body).map(Step::Out),
            Version::V2 | Version::V3 => self.on_pipeline(&flight, &resp.body),
        };
        if let Err(e) = &out {
            if e.kind() == sqlport_core::ErrorKind::Protocol {
                // The reply cannot be trusted: forget the stream.
                self.drop_stream();
            }
        }
        if matches!(flight.op, Op::Close) {
            self.finish_close();
        }
        match out? {
            Step::Locate(error) => self.start_locate(flight, error),
            Step::Out(Output::Batch(mut r)) => {
                if let Phase::Prefix {
                    failed,
                    error,
                    total,
                } = flight.phase
                {
                    let prefix_ok = r.steps.iter().all(|s| s.ok().is_some());
                    r.steps.push(if prefix_ok && r.steps.len() == failed {
                        StepResult::Err(error)
                    } else {
                        StepResult::Skipped
                    });
                    while r.steps.len() < total {
                        r.steps.push(StepResult::Skipped);
                    }
                }
                Ok(Next::Done(Output::Batch(r)))
            }
            Step::Out(o) => Ok(Next::Done(o)),
        }
    }

    /// The reply to a version probe: the version is found (and kept for
    /// the connector), or the next probe goes out, or v1 it is.
    fn on_probe(&mut self, candidate: Version, resp: &HttpResponse) -> Result<Next> {
        let found = match negotiate::probe_outcome(resp.status, &resp.body)? {
            Probe::Supported => candidate,
            Probe::Unsupported => match negotiate::next_probe(candidate) {
                Some(next) => return self.start(Op::Probe(next)),
                None => Version::V1,
            },
        };
        self.version = found;
        if let Some(versions) = self.versions.take() {
            versions.settle(found);
        }
        Ok(Next::Done(Output::Connected(found)))
    }

    fn on_http_error(&mut self, mut flight: InFlight, resp: HttpResponse) -> Result<Next> {
        let body = parse_error_body(&resp.body);
        // Whether the stream held a transaction the caller still wanted:
        // queued statements (a dropped guard's ROLLBACK) count as run.
        let mut tx = self.tx.clone();
        for p in &flight.pending {
            tx.apply(&p.sql);
        }
        let was_in_tx = tx.in_tx;
        // Any non-2xx ends the stream.
        self.drop_stream();
        if matches!(flight.op, Op::Close) {
            self.finish_close();
            return Ok(Next::Done(Output::Closed));
        }
        if flight.sent_baton && is_lost_stream(resp.status, &body) {
            if was_in_tx {
                // Nothing replayed; queued statements (a guard's ROLLBACK)
                // are moot now that the transaction is gone.
                return Err(Error::StreamExpired {
                    in_transaction: true,
                });
            }
            if !flight.retried {
                flight.retried = true;
                // Whatever the lost stream held is gone: rolling it back is moot.
                flight.pending.retain(|p| {
                    !matches!(
                        classify(&p.sql),
                        StatementKind::Rollback
                            | StatementKind::RollbackTo
                            | StatementKind::Release
                    )
                });
                tracing::debug!("stream lost while idle; retrying on a new stream");
                return self.send(flight);
            }
            return Err(Error::StreamExpired {
                in_transaction: false,
            });
        }
        if self.version == Version::V1
            && body.code.is_some()
            && resp.status != 401
            && resp.status != 403
        {
            return Err(hrana_error(&wire::Error {
                message: body.message,
                code: body.code,
            }));
        }
        if body.code.as_deref() == Some("STREAM_EXPIRED") {
            return Err(Error::StreamExpired {
                in_transaction: was_in_tx,
            });
        }
        Err(http_error(resp.status, body))
    }

    fn on_v1(&mut self, flight: &InFlight, body: &[u8]) -> Result<Output> {
        match &flight.op {
            Op::Execute(_) => {
                let r: wire::V1ExecuteResponse = decode_body(body)?;
                codec::result_set(r.result).map(Output::Rows)
            }
            Op::Batch(b) => {
                let r: wire::V1BatchResponse = decode_body(body)?;
                let bb = batch::build(None, &b.steps, b.mode, self.batch_ctx(false, false))?;
                batch::interpret(&bb, r.result).map(Output::Batch)
            }
            Op::Close | Op::Cursor(_) | Op::Probe(_) => Ok(Output::Closed),
        }
    }

    /// Decode a pipeline reply for `layout`: counts and response types
    /// checked, baton and `base_url` taken.
    pub(super) fn decode_pipeline(
        &mut self,
        layout: &Layout,
        body: &[u8],
    ) -> Result<Vec<Option<StreamResult>>> {
        let resp: wire::PipelineResponse = decode_body(body)?;
        if resp.results.len() != layout.kinds.len() {
            return Err(Error::Protocol(format!(
                "pipeline reply has {} results for {} requests",
                resp.results.len(),
                layout.kinds.len()
            )));
        }
        for (i, (r, want)) in resp.results.iter().zip(&layout.kinds).enumerate() {
            if let StreamResult::Ok { response } = r {
                if response_kind(response) != *want {
                    return Err(Error::Protocol(format!(
                        "pipeline result {i} is a {:?} response to a {want:?} request",
                        response_kind(response)
                    )));
                }
            }
        }
        // Stream bookkeeping.
        self.baton = if layout.closes { None } else { resp.baton };
        if self.baton.is_none() {
            self.stream_base = None;
        } else {
            self.take_base_url(resp.base_url.as_deref());
        }
        Ok(resp.results.into_iter().map(Some).collect())
    }

    fn on_pipeline(&mut self, flight: &InFlight, body: &[u8]) -> Result<Step> {
        let layout = flight
            .layout
            .as_ref()
            .ok_or_else(|| Error::Protocol("pipeline reply without a layout".into()))?;
        let mut results = self.decode_pipeline(layout, body)?;
        let refused = match (&flight.op, &flight.phase, results.get(layout.main)) {
            (Op::Batch(b), Phase::Main, Some(Some(StreamResult::Error { error })))
                if b.mode != BatchMode::ContinueOnError && is_parse_time(error) =>
            {
                Some(hrana_error(error))
            }
            _ => None,
        };
        let mut take = |i: usize| results.get_mut(i).and_then(Option::take);

        // Queued statements and replayed PRAGMAs: logged, not reported.
        for i in 0..layout.pending + layout.replay {
            match take(i) {
                Some(StreamResult::Ok { .. }) => {
                    if let Some(p) = flight.pending.get(i) {
                        self.account(&p.sql);
                    }
                }
                Some(StreamResult::Error { error }) => tracing::warn!(
                    code = error.code.as_deref().unwrap_or(""),
                    replayed = i >= layout.pending,
                    "a queued or replayed statement failed"
                ),
                None => {}
            }
        }

        let out = if let Some(error) = refused {
            Ok(Step::Locate(error))
        } else if layout.main_count == 1 {
            let main = take(layout.main);
            self.main_result(flight, layout, main).map(Step::Out)
        } else {
            let results = (layout.main..layout.main + layout.main_count)
                .map(&mut take)
                .collect::<Vec<_>>();
            self.pipelined_batch(flight, results).map(Step::Out)
        };

        if let Some(i) = layout.get_autocommit {
            if let Some(StreamResult::Ok {
                response: StreamResponse::GetAutocommit { is_autocommit },
            }) = take(i)
            {
                self.tx.set_autocommit(is_autocommit);
            }
        }
        if let Some(i) = layout.tx_probe {
            match tx_probe::read(take(i)) {
                // The server ended the transaction (settle() tells whether
                // the caller did).
                TxProbe::Autocommit => self.tx.set_autocommit(true),
                TxProbe::Stuck => {
                    // The probe's BEGIN may still be open: leave the stream.
                    tracing::warn!(
                        "the transaction probe could not roll back; dropping the stream"
                    );
                    self.drop_stream();
                }
                // The statements' own accounting stands.
                TxProbe::InTransaction | TxProbe::Unknown => {}
            }
        }
        if self.baton.is_none() {
            self.tx.reset();
        }
        out
    }

    fn main_result(
        &mut self,
        flight: &InFlight,
        layout: &Layout,
        main: Option<StreamResult>,
    ) -> Result<Output> {
        let main = main.ok_or_else(|| Error::Protocol("missing main result".into()))?;
        let response = match main {
            StreamResult::Error { error } => return Err(hrana_error(&error)),
            StreamResult::Ok { response } => response,
        };
        match (&flight.op, response) {
            (Op::Close, _) => Ok(Output::Closed),
            (Op::Execute(stmt), StreamResponse::Execute { result }) => {
                let rs = codec::result_set(result)?;
                self.ran(stmt);
                Ok(Output::Rows(rs))
            }
            (Op::Execute(stmt), StreamResponse::Batch { result }) => {
                let mut r = self.batch_reply(flight, layout, result)?;
                match r.steps.pop() {
                    Some(StepResult::Ok(rs)) => {
                        self.ran(stmt);
                        Ok(Output::Rows(rs))
                    }
                    Some(StepResult::Err(e)) => Err(e),
                    _ => Err(Error::Protocol("statement was skipped".into())),
                }
            }
            (Op::Batch(b), StreamResponse::Batch { result }) => {
                let r = self.batch_reply(flight, layout, result)?;
                for (s, o) in b.steps.iter().zip(&r.steps) {
                    if o.ok().is_some() {
                        self.ran(s);
                    }
                }
                Ok(Output::Batch(r))
            }
            _ => Err(Error::Protocol("unexpected response type".into())),
        }
    }

    /// Read the reply to the batch built for `flight` (a held `BEGIN` that
    /// ran now counts as open).
    fn batch_reply(
        &mut self,
        flight: &InFlight,
        layout: &Layout,
        result: wire::BatchResult,
    ) -> Result<sqlport_core::BatchResult> {
        let built = layout
            .built
            .as_ref()
            .ok_or_else(|| Error::Protocol("batch reply without a batch".into()))?;
        if let Some(p) = &flight.prelude {
            if batch::prelude_error(built, &result).is_none() {
                self.account(&p.sql);
            }
        }
        batch::interpret(built, result)
    }

    /// A `ContinueOnError` batch sent as one `execute` request per step.
    fn pipelined_batch(
        &mut self,
        flight: &InFlight,
        results: Vec<Option<StreamResult>>,
    ) -> Result<Output> {
        let Op::Batch(b) = &flight.op else {
            return Err(Error::Protocol("pipelined results for a non-batch".into()));
        };
        let mut steps = Vec::with_capacity(results.len());
        for (stmt, r) in b.steps.iter().zip(results) {
            steps.push(match r {
                Some(StreamResult::Ok {
                    response: StreamResponse::Execute { result },
                }) => {
                    let rs = codec::result_set(result)?;
                    self.ran(stmt);
                    StepResult::Ok(rs)
                }
                Some(StreamResult::Error { error }) => StepResult::Err(hrana_error(&error)),
                _ => return Err(Error::Protocol("missing batch step result".into())),
            });
        }
        Ok(Output::Batch(sqlport_core::BatchResult { steps }))
    }

    /// Account for a statement of the operation that ran successfully: the
    /// transaction state, whether it ended the caller's transaction, and a
    /// replayable PRAGMA assignment (recorded at once outside a
    /// transaction; inside one, kept only if it commits).
    pub(super) fn ran(&mut self, stmt: &Statement) {
        if ends_transaction(&stmt.sql) {
            if let Some(op) = &mut self.op {
                op.ended_by_caller = true;
            }
        }
        self.account(&stmt.sql);
        if let Some(name) = replay::replayable(&stmt.sql) {
            if !self.tx.in_tx {
                self.record_pragma(stmt.clone());
            } else if replay::kept_from_transactions(&name) {
                self.tx_pragmas.push(stmt.clone());
            }
        }
    }
}
