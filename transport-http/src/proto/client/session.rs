//! The per-connection session: one Hrana stream, its baton and `base_url`, the
//! transaction state, a held `BEGIN`, the PRAGMA assignments to re-apply on a
//! new stream, and statements queued by `enqueue`. Sans-IO: every operation
//! yields an [`HttpRequest`] to send or a finished [`Output`]; replies are fed
//! back with [`Session::on_response`] (or, for a cursor body,
//! [`Session::cursor_reader`] and [`Session::cursor_end`]).

use sqlport_core::sql::{StatementKind, classify};
use sqlport_core::{
    Batch, BatchMode, BatchResult, Error, Result, ResultSet, Statement, StepResult, Summary,
};
use url::Url;

use super::batch::{self, BatchContext, BuiltBatch};
use super::codec;
use super::cursor::{CursorOutcome, CursorReader, CursorStep};
use super::errors::{hrana_error, http_error, is_lost_stream, parse_error_body};
use super::request::{HttpRequest, HttpResponse, Method, Version, endpoint};
use super::tx::TxState;
use crate::proto::wire::{self, StreamRequest, StreamResponse, StreamResult};

/// A finished operation.
#[derive(Debug)]
pub enum Output {
    /// The result of `execute`.
    Rows(ResultSet),
    /// The result of `batch`.
    Batch(BatchResult),
    /// The connection is closed.
    Closed,
}

/// What a backend does next.
#[derive(Debug)]
pub enum Next {
    /// Send this request and feed the reply back.
    Send(HttpRequest),
    /// The operation is finished.
    Done(Output),
}

#[derive(Debug, Clone)]
enum Op {
    Execute(Statement),
    Batch(Batch),
    Close,
    Cursor(Statement),
}

/// Where things sit in a sent pipeline.
#[derive(Debug)]
struct Layout {
    kinds: Vec<&'static str>,
    pending: usize,
    replay: usize,
    main: usize,
    get_autocommit: Option<usize>,
    closes: bool,
    built: Option<BuiltBatch>,
}

/// Where things sit in a sent cursor batch.
#[derive(Debug)]
struct CursorLayout {
    steps: usize,
    pending: usize,
    replay: usize,
    prelude: Option<usize>,
    target: usize,
}

#[derive(Debug)]
struct InFlight {
    op: Op,
    prelude: Option<Statement>,
    pending: Vec<Statement>,
    retried: bool,
    sent_baton: bool,
    layout: Option<Layout>,
    cursor: Option<CursorLayout>,
}

/// One connection's view of its Hrana stream.
#[derive(Debug)]
pub struct Session {
    version: Version,
    base: Url,
    stream_base: Option<Url>,
    baton: Option<String>,
    tx: TxState,
    held_begin: Option<Statement>,
    pragmas: Vec<Statement>,
    pending: Vec<Statement>,
    closed: bool,
    inflight: Option<InFlight>,
}

impl Session {
    /// A session for the database at `base`, speaking `version`.
    pub fn new(base: Url, version: Version) -> Self {
        Session {
            version,
            base,
            stream_base: None,
            baton: None,
            tx: TxState::default(),
            held_begin: None,
            pragmas: Vec::new(),
            pending: Vec::new(),
            closed: false,
            inflight: None,
        }
    }

    /// The protocol version in use.
    pub fn version(&self) -> Version {
        self.version
    }

    /// `true` when no transaction is open (a held `BEGIN` counts as open).
    pub fn is_autocommit(&self) -> bool {
        !self.tx.in_tx && self.held_begin.is_none()
    }

    /// Whether a baton (a live server stream) is held.
    pub fn holds_baton(&self) -> bool {
        self.baton.is_some()
    }

    /// Whether the connection holds state the server stream carries (an open
    /// transaction or PRAGMA assignments).
    pub fn holds_state(&self) -> bool {
        self.tx.in_tx || !self.pragmas.is_empty()
    }

    /// Whether `query_stream` can use `/v3/cursor`.
    pub fn supports_cursor(&self) -> bool {
        self.version == Version::V3
    }

    /// Whether the connection was closed.
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// Queue `stmt` to run first in the next request (its outcome is logged).
    /// A queued `ROLLBACK` while a `BEGIN` is held just drops the `BEGIN`.
    pub fn enqueue(&mut self, stmt: Statement) {
        if self.closed {
            return;
        }
        if self.held_begin.is_some() && classify(&stmt.sql) == StatementKind::Rollback {
            self.held_begin = None;
            return;
        }
        if self.version == Version::V1 {
            // Stateless: nothing to roll back between requests.
            return;
        }
        self.pending.push(stmt);
    }

    /// Start `execute`.
    pub fn execute(&mut self, stmt: &Statement) -> Result<Next> {
        self.check_open()?;
        let kind = classify(&stmt.sql);
        if self.version != Version::V1 {
            if kind == StatementKind::Begin
                && self.is_autocommit()
                && self.pending.is_empty()
                && stmt.params.is_empty()
            {
                self.held_begin = Some(stmt.clone());
                return Ok(Next::Done(Output::Rows(ResultSet::default())));
            }
            if matches!(kind, StatementKind::Commit | StatementKind::Rollback)
                && self.held_begin.is_some()
                && !self.tx.in_tx
            {
                self.held_begin = None;
                return Ok(Next::Done(Output::Rows(ResultSet::default())));
            }
        }
        self.start(Op::Execute(stmt.clone()))
    }

    /// Start `batch`.
    pub fn batch(&mut self, batch: &Batch) -> Result<Next> {
        self.check_open()?;
        if batch.steps.is_empty() {
            return Ok(Next::Done(Output::Batch(BatchResult::default())));
        }
        self.start(Op::Batch(batch.clone()))
    }

    /// Start a cursor query (v3 only; see [`Session::supports_cursor`]).
    pub fn cursor(&mut self, stmt: &Statement) -> Result<Next> {
        self.check_open()?;
        if !self.supports_cursor() {
            return Err(Error::Unsupported("cursors need Hrana 3".into()));
        }
        self.start(Op::Cursor(stmt.clone()))
    }

    /// Start `close`: sends `close` if a baton is held (the server rolls back
    /// what is open). The session is closed whatever the outcome.
    pub fn close(&mut self) -> Result<Next> {
        if self.closed {
            return Ok(Next::Done(Output::Closed));
        }
        self.held_begin = None;
        self.pending.clear();
        self.pragmas.clear();
        if self.baton.is_none() || self.version == Version::V1 {
            self.finish_close();
            return Ok(Next::Done(Output::Closed));
        }
        self.start(Op::Close)
    }

    /// A fire-and-forget `close` for a dropped connection, if a baton is held.
    /// The session is closed afterwards; the reply need not be read.
    pub fn close_on_drop(&mut self) -> Option<HttpRequest> {
        if self.closed || self.baton.is_none() || self.version == Version::V1 {
            self.finish_close();
            return None;
        }
        let body = wire::PipelineRequest {
            baton: self.baton.take(),
            requests: vec![StreamRequest::Close],
        };
        let req = self.pipeline_request(&body);
        self.finish_close();
        req.ok()
    }

    fn finish_close(&mut self) {
        self.closed = true;
        self.drop_stream();
        self.held_begin = None;
        self.pending.clear();
        self.pragmas.clear();
        self.inflight = None;
    }

    fn check_open(&self) -> Result<()> {
        if self.closed {
            Err(Error::Closed)
        } else {
            Ok(())
        }
    }

    fn drop_stream(&mut self) {
        self.baton = None;
        self.stream_base = None;
        self.tx.reset();
    }

    fn start(&mut self, op: Op) -> Result<Next> {
        if let Some(stale) = self.inflight.take() {
            // The previous operation was abandoned mid-request (a dropped
            // future): the server ends such a stream and rolls it back.
            let lost_tx = self.tx.in_tx || stale.prelude.is_some();
            self.drop_stream();
            if lost_tx && !matches!(op, Op::Close) {
                return Err(Error::StreamExpired {
                    in_transaction: true,
                });
            }
        }
        let prelude = if matches!(op, Op::Close) {
            None
        } else {
            self.held_begin.take()
        };
        let pending = std::mem::take(&mut self.pending);
        let flight = InFlight {
            op,
            prelude,
            pending,
            retried: false,
            sent_baton: false,
            layout: None,
            cursor: None,
        };
        self.send(flight)
    }

    /// Build the request for `flight` and park it as in flight. On a build
    /// error the held `BEGIN` and queued statements go back.
    fn send(&mut self, mut flight: InFlight) -> Result<Next> {
        let built = match &flight.op {
            Op::Cursor(stmt) => {
                let stmt = stmt.clone();
                self.build_cursor(&mut flight, &stmt)
            }
            _ => match self.version {
                Version::V1 => self.build_v1(&flight),
                Version::V2 | Version::V3 => self.build_pipeline(&mut flight),
            },
        };
        match built {
            Ok(req) => {
                flight.sent_baton = req.carries_baton;
                self.inflight = Some(flight);
                Ok(Next::Send(req))
            }
            Err(e) => {
                self.restore(flight);
                Err(e)
            }
        }
    }

    fn restore(&mut self, flight: InFlight) {
        if flight.prelude.is_some() && !self.tx.in_tx {
            self.held_begin = flight.prelude;
        }
        let mut pending = flight.pending;
        pending.append(&mut self.pending);
        self.pending = pending;
    }

    fn url(&self, path: &str) -> String {
        endpoint(self.stream_base.as_ref().unwrap_or(&self.base), path)
    }

    fn pipeline_request(&self, body: &wire::PipelineRequest) -> Result<HttpRequest> {
        let (path, name) = match self.version {
            Version::V3 => ("v3/pipeline", "v3/pipeline"),
            _ => ("v2/pipeline", "v2/pipeline"),
        };
        Ok(HttpRequest {
            method: Method::Post,
            url: self.url(path),
            endpoint: name,
            body: encode_body(body)?,
            carries_baton: body.baton.is_some(),
            streaming: false,
        })
    }

    /// Whether the stream must be kept after `flight` runs (predicted; the
    /// next request closes a stream kept needlessly).
    fn keeps_stream(&self, flight: &InFlight) -> bool {
        if !self.pragmas.is_empty() {
            return true;
        }
        let mut tx = self.tx.clone();
        for p in &flight.pending {
            tx.apply(&p.sql);
        }
        if let Some(p) = &flight.prelude {
            tx.apply(&p.sql);
        }
        match &flight.op {
            Op::Close => false,
            Op::Execute(s) | Op::Cursor(s) => {
                classify(&s.sql) == StatementKind::PragmaWrite || tx.after(&s.sql).in_tx
            }
            Op::Batch(b) => {
                let mut after = tx.clone();
                let mut keep = false;
                for s in &b.steps {
                    after.apply(&s.sql);
                    keep |= classify(&s.sql) == StatementKind::PragmaWrite;
                }
                keep || after.in_tx || (tx.in_tx && !matches!(b.mode, BatchMode::Atomic(_)))
            }
        }
    }

    fn build_pipeline(&self, flight: &mut InFlight) -> Result<HttpRequest> {
        let mut requests = Vec::new();
        for p in &flight.pending {
            requests.push(StreamRequest::Execute {
                stmt: codec::encode_stmt(p, false)?,
            });
        }
        let pending = requests.len();
        if self.baton.is_none() {
            for p in &self.pragmas {
                requests.push(StreamRequest::Execute {
                    stmt: codec::encode_stmt(p, false)?,
                });
            }
        }
        let replay = requests.len() - pending;
        let keep = self.keeps_stream(flight);
        let mut built = None;
        match &flight.op {
            Op::Execute(stmt) => match &flight.prelude {
                None => requests.push(StreamRequest::Execute {
                    stmt: codec::encode_stmt(stmt, true)?,
                }),
                Some(begin) => {
                    let b = batch::build(
                        Some(begin),
                        std::slice::from_ref(stmt),
                        BatchMode::ContinueOnError,
                        self.batch_ctx(true, false),
                    )?;
                    requests.push(StreamRequest::Batch {
                        batch: b.batch.clone(),
                    });
                    built = Some(b);
                }
            },
            Op::Batch(b) => {
                let in_tx = self.tx.in_tx || flight.prelude.is_some();
                let bb = batch::build(
                    flight.prelude.as_ref(),
                    &b.steps,
                    b.mode,
                    self.batch_ctx(in_tx, true),
                )?;
                for (id, sql) in &bb.stored {
                    requests.push(StreamRequest::StoreSql {
                        sql_id: *id,
                        sql: sql.clone(),
                    });
                }
                requests.push(StreamRequest::Batch {
                    batch: bb.batch.clone(),
                });
                built = Some(bb);
            }
            Op::Close => requests.push(StreamRequest::Close),
            Op::Cursor(_) => {
                return Err(Error::Protocol("cursor op in a pipeline".into()));
            }
        }
        let main = requests.len() - 1;
        let closing_op = matches!(flight.op, Op::Close);
        if keep && !closing_op {
            if let Some(b) = &built {
                for (id, _) in &b.stored {
                    requests.push(StreamRequest::CloseSql { sql_id: *id });
                }
            }
        }
        let get_autocommit = (self.version == Version::V3 && !closing_op).then(|| {
            requests.push(StreamRequest::GetAutocommit);
            requests.len() - 1
        });
        let closes = closing_op || !keep;
        if closes && !closing_op {
            requests.push(StreamRequest::Close);
        }
        batch::validate_sql_ids(&requests)?;
        let kinds = requests.iter().map(request_kind).collect();
        flight.layout = Some(Layout {
            kinds,
            pending,
            replay,
            main,
            get_autocommit,
            closes,
            built,
        });
        self.pipeline_request(&wire::PipelineRequest {
            baton: self.baton.clone(),
            requests,
        })
    }

    fn batch_ctx(&self, in_transaction: bool, may_store_sql: bool) -> BatchContext {
        BatchContext {
            v3: self.version == Version::V3,
            in_transaction,
            may_store_sql: may_store_sql && self.version != Version::V1,
        }
    }

    fn build_v1(&self, flight: &InFlight) -> Result<HttpRequest> {
        let (path, body) = match &flight.op {
            Op::Execute(stmt) => (
                "v1/execute",
                encode_body(&wire::V1ExecuteRequest {
                    stmt: codec::encode_stmt(stmt, true)?,
                })?,
            ),
            Op::Batch(b) => {
                let bb = batch::build(None, &b.steps, b.mode, self.batch_ctx(false, false))?;
                (
                    "v1/batch",
                    encode_body(&wire::V1BatchRequest { batch: bb.batch })?,
                )
            }
            Op::Close | Op::Cursor(_) => {
                return Err(Error::Unsupported("not available on v1".into()));
            }
        };
        Ok(HttpRequest {
            method: Method::Post,
            url: self.url(path),
            endpoint: path,
            body,
            carries_baton: false,
            streaming: false,
        })
    }

    fn build_cursor(&self, flight: &mut InFlight, stmt: &Statement) -> Result<HttpRequest> {
        let mut steps = Vec::new();
        for p in &flight.pending {
            steps.push(wire::BatchStep {
                condition: None,
                stmt: codec::encode_stmt(p, false)?,
            });
        }
        let pending = steps.len();
        if self.baton.is_none() {
            for p in &self.pragmas {
                steps.push(wire::BatchStep {
                    condition: None,
                    stmt: codec::encode_stmt(p, false)?,
                });
            }
        }
        let replay = steps.len() - pending;
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

    /// The request in flight could not be completed. `reached_server` is
    /// `false` only when the request provably never reached the server
    /// (connection refused, failure before any byte was sent): then it is sent
    /// once more. Otherwise the stream is dropped (a write may have been
    /// applied; nothing is replayed) and `err` is returned.
    pub fn on_transport_error(&mut self, err: Error, reached_server: bool) -> Result<Next> {
        let Some(mut flight) = self.inflight.take() else {
            return Err(err);
        };
        if !reached_server && !flight.retried {
            flight.retried = true;
            return self.send(flight);
        }
        if matches!(flight.op, Op::Close) {
            self.finish_close();
            return Err(err);
        }
        self.drop_stream();
        Err(err)
    }

    /// Feed a complete reply (any status for pipelines and v1; non-2xx for a
    /// cursor, whose 2xx body goes through [`Session::cursor_reader`]).
    pub fn on_response(&mut self, resp: HttpResponse) -> Result<Next> {
        let Some(flight) = self.inflight.take() else {
            return Err(Error::Protocol("reply without a request in flight".into()));
        };
        if !(200..300).contains(&resp.status) {
            return self.on_http_error(flight, resp);
        }
        if matches!(flight.op, Op::Cursor(_)) {
            self.inflight = Some(flight);
            return Err(Error::Protocol(
                "a cursor body must be read with cursor_reader".into(),
            ));
        }
        let out = match self.version {
            Version::V1 => self.on_v1(&flight, &resp.body),
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
        out.map(Next::Done)
    }

    fn on_http_error(&mut self, mut flight: InFlight, resp: HttpResponse) -> Result<Next> {
        let body = parse_error_body(&resp.body);
        let was_in_tx = self.tx.in_tx;
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
            Op::Close | Op::Cursor(_) => Ok(Output::Closed),
        }
    }

    fn on_pipeline(&mut self, flight: &InFlight, body: &[u8]) -> Result<Output> {
        let layout = flight
            .layout
            .as_ref()
            .ok_or_else(|| Error::Protocol("pipeline reply without a layout".into()))?;
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
        } else if let Some(u) = resp.base_url.as_deref() {
            match Url::parse(u) {
                Ok(url) if matches!(url.scheme(), "http" | "https") => {
                    self.stream_base = Some(url);
                }
                _ => tracing::warn!("ignoring a base_url that is not an http(s) URL"),
            }
        }
        let mut results = resp.results.into_iter().map(Some).collect::<Vec<_>>();
        let mut take = |i: usize| results.get_mut(i).and_then(Option::take);

        // Queued statements and replayed PRAGMAs: logged, not reported.
        for i in 0..layout.pending + layout.replay {
            match take(i) {
                Some(StreamResult::Ok { .. }) => {
                    if let Some(p) = flight.pending.get(i) {
                        self.tx.apply(&p.sql);
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

        let main = take(layout.main);
        let out = self.main_result(flight, layout, main);

        if let Some(i) = layout.get_autocommit {
            if let Some(StreamResult::Ok {
                response: StreamResponse::GetAutocommit { is_autocommit },
            }) = take(i)
            {
                self.tx.set_autocommit(is_autocommit);
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
                let built = layout
                    .built
                    .as_ref()
                    .ok_or_else(|| Error::Protocol("batch reply without a batch".into()))?;
                if let Some(p) = &flight.prelude {
                    if batch::prelude_error(built, &result).is_none() {
                        self.tx.apply(&p.sql);
                    }
                }
                let mut r = batch::interpret(built, result)?;
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
                let built = layout
                    .built
                    .as_ref()
                    .ok_or_else(|| Error::Protocol("batch reply without a batch".into()))?;
                if let Some(p) = &flight.prelude {
                    if batch::prelude_error(built, &result).is_none() {
                        self.tx.apply(&p.sql);
                    }
                }
                let r = batch::interpret(built, result)?;
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

    /// Account for a statement that ran successfully.
    fn ran(&mut self, stmt: &Statement) {
        self.tx.apply(&stmt.sql);
        if classify(&stmt.sql) == StatementKind::PragmaWrite {
            // The last assignment of a PRAGMA wins: keep the list bounded.
            let name = pragma_name(&stmt.sql);
            self.pragmas.retain(|p| pragma_name(&p.sql) != name);
            self.pragmas.push(stmt.clone());
        }
    }

    /// A 2xx cursor reply arrived: the reader to feed its body to.
    pub fn cursor_reader(&self) -> Result<CursorReader> {
        let layout = self
            .inflight
            .as_ref()
            .and_then(|f| f.cursor.as_ref())
            .ok_or_else(|| Error::Protocol("no cursor in flight".into()))?;
        Ok(CursorReader::new(layout.steps, layout.target))
    }

    /// Whether, after the sink stopped early, the rest of a cursor body must
    /// still be read (the stream holds state), rather than dropped.
    pub fn cursor_must_drain(&self) -> bool {
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
    pub fn cursor_abandon(&mut self, reader: &CursorReader) -> Result<Summary> {
        self.inflight = None;
        self.drop_stream();
        Ok(Summary {
            columns: reader
                .target_columns()
                .cloned()
                .unwrap_or_else(|| Vec::new().into()),
            rows_affected: 0,
            last_insert_rowid: None,
        })
    }

    /// The cursor body ended (or failed to be read: pass the error). Returns
    /// the statement's summary.
    pub fn cursor_end(&mut self, outcome: Result<CursorOutcome>) -> Result<Summary> {
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
        if let Some(u) = outcome.base_url.as_deref() {
            if let Ok(url) = Url::parse(u) {
                if matches!(url.scheme(), "http" | "https") {
                    self.stream_base = Some(url);
                }
            }
        }
        let mut steps = outcome.steps.into_iter().map(Some).collect::<Vec<_>>();
        let mut take = |i: usize| steps.get_mut(i).and_then(Option::take);
        for i in 0..layout.pending + layout.replay {
            match take(i) {
                Some(CursorStep::Ok { .. }) => {
                    if let Some(p) = flight.pending.get(i) {
                        self.tx.apply(&p.sql);
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
                Some(CursorStep::Ok { .. }) => self.tx.apply(&p.sql),
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
                        }),
                    }
                }
                Some(CursorStep::Err(e)) => Err(e),
                _ => Err(Error::Protocol("cursor statement did not run".into())),
            }
        };
        if self.baton.is_none() {
            self.drop_stream();
        } else if !self.holds_state() {
            // Nothing to keep: let the server expire the stream rather than
            // spend a round trip on `close`.
            self.baton = None;
            self.stream_base = None;
        }
        result
    }
}

/// `PRAGMA [schema.]name = value` -> `schema.name`, lower-cased.
fn pragma_name(sql: &str) -> String {
    let t = sql.trim_start();
    let rest = t.get(6..).unwrap_or_default();
    rest.split(['=', '(', ';'])
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

fn encode_body<T: serde::Serialize>(body: &T) -> Result<Vec<u8>> {
    serde_json::to_vec(body).map_err(|e| {
        // Only non-finite floats can fail, and they are refused earlier.
        Error::conversion(
            None,
            sqlport_core::error::ConversionError::Other(Box::new(e)),
        )
    })
}

fn decode_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T> {
    serde_json::from_slice(body).map_err(|e| Error::Protocol(format!("undecodable reply: {e}")))
}

fn request_kind(r: &StreamRequest) -> &'static str {
    match r {
        StreamRequest::Close => "close",
        StreamRequest::Execute { .. } => "execute",
        StreamRequest::Batch { .. } => "batch",
        StreamRequest::Sequence { .. } => "sequence",
        StreamRequest::Describe { .. } => "describe",
        StreamRequest::StoreSql { .. } => "store_sql",
        StreamRequest::CloseSql { .. } => "close_sql",
        StreamRequest::GetAutocommit => "get_autocommit",
    }
}

fn response_kind(r: &StreamResponse) -> &'static str {
    match r {
        StreamResponse::Close => "close",
        StreamResponse::Execute { .. } => "execute",
        StreamResponse::Batch { .. } => "batch",
        StreamResponse::Sequence => "sequence",
        StreamResponse::Describe { .. } => "describe",
        StreamResponse::StoreSql => "store_sql",
        StreamResponse::CloseSql => "close_sql",
        StreamResponse::GetAutocommit { .. } => "get_autocommit",
    }
}

#[cfg(test)]
#[path = "session_tests.rs"]
mod tests;
