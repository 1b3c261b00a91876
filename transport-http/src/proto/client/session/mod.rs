//! The per-connection session: one Hrana stream, its baton and `base_url`, the
//! transaction state (and whether it was lost, [`TxGate`]), a held `BEGIN`,
//! the PRAGMA assignments to re-apply on a new stream ([`super::replay`]),
//! and statements queued by `enqueue`. Sans-IO: every operation yields a
//! [`Next`]: an [`HttpRequest`] to send, or a finished [`Output`].
//!
//! ```text
//!  connect ──probe v3/v2──▶ Idle ◀──────────── Done(Output) ◀──┐
//!                            │ execute / batch / query_stream    │
//!                            ▼ / close                           │
//!                         InFlight ──Send(req)──▶ backend ──reply(status),
//!                            ▲                     Reply::feed(chunks),
//!                            │                     on_reply / on_transport_error
//!                            └── Send(next req): retry on a new stream,
//!                                locate a refused batch's bad step, next probe
//!
//!  Idle, by what the stream holds:
//!    no baton ──BEGIN (held, 0 requests)──▶ held BEGIN ──first stmt──▶ in tx (baton)
//!    in tx ──COMMIT/ROLLBACK──▶ no baton (closed in the same request)
//!    in tx ──expiry, 5xx, cut reply, server rollback──▶ lost: every call fails
//!          with TransactionLost, nothing is sent, until the caller's ROLLBACK
//!    PRAGMA assignment ──▶ baton kept (state) ; idle expiry ──▶ new stream,
//!          PRAGMAs replayed first
//! ```
//!
//! Files: `build.rs` (requests), `body.rs` (reading replies), `reply.rs`
//! (pipeline, v1 and probe replies, HTTP errors, transport failures),
//! `cursor.rs`, `locate.rs` (a batch refused for a parse error), `state.rs`
//! (lost transactions, PRAGMAs, `base_url`).

use sqlport_core::sql::{StatementKind, classify};
use sqlport_core::tx_gate::{Admission, TxGate};
use std::sync::Arc;

use sqlport_core::{
    Batch, BatchResult, Capabilities, Error, Result, ResultSet, Statement, Summary,
};
use url::Url;

use super::batch::BuiltBatch;
use super::negotiate::{self, Negotiated};
use super::request::{HttpRequest, probe};
use super::tx::TxState;
use crate::proto::Version;
use crate::proto::wire::{self, StreamRequest, StreamResponse};

/// The most HTTP requests one operation sends: its own request, the
/// description of a refused batch and the run of the steps before the bad
/// one, each possibly sent once more on a new stream. The session builds no
/// request past it, so a backend that sends every request it is given and
/// feeds every reply back always ends with [`Next::Done`] or an error, and
/// the reply to a request that ran is never dropped.
pub const MAX_REQUESTS_PER_OPERATION: usize = 6;

/// The error for an operation that would need more than
/// [`MAX_REQUESTS_PER_OPERATION`] requests.
pub fn too_many_requests() -> Error {
    Error::Protocol(format!(
        "more than {MAX_REQUESTS_PER_OPERATION} HTTP requests for one operation"
    ))
}

/// A finished operation.
#[derive(Debug)]
pub enum Output {
    /// The result of `execute`.
    Rows(ResultSet),
    /// The result of `batch`.
    Batch(BatchResult),
    /// The summary of `query_stream` (its rows went to the sink).
    Summary(Summary),
    /// The connection is open, speaking this version.
    Connected(Version),
    /// The connection is closed.
    Closed,
}

impl Output {
    /// The rows of a finished `execute`.
    pub fn into_rows(self) -> Result<ResultSet> {
        match self {
            Output::Rows(rs) => Ok(rs),
            _ => Err(Error::Protocol("unexpected output for execute".into())),
        }
    }

    /// The result of a finished `batch`.
    pub fn into_batch(self) -> Result<BatchResult> {
        match self {
            Output::Batch(r) => Ok(r),
            _ => Err(Error::Protocol("unexpected output for batch".into())),
        }
    }

    /// The summary of a finished `query_stream`.
    pub fn into_summary(self) -> Result<Summary> {
        match self {
            Output::Summary(s) => Ok(s),
            _ => Err(Error::Protocol("unexpected output for query_stream".into())),
        }
    }
}

/// What a backend does next.
#[derive(Debug)]
pub enum Next {
    /// Send this request and feed the reply back.
    Send(HttpRequest),
    /// The operation is finished.
    Done(Output),
}

impl Next {
    /// The output of a finished operation (an error while a request is
    /// still to be sent).
    pub fn into_output(self) -> Result<Output> {
        match self {
            Next::Done(out) => Ok(out),
            Next::Send(_) => Err(Error::Protocol("the operation is not finished".into())),
        }
    }
}

#[derive(Debug, Clone)]
enum Op {
    Execute(Statement),
    Batch(Batch),
    Close,
    Cursor(Statement),
    /// A version probe (`GET /v3`, `GET /v2`) while connecting.
    Probe(Version),
}

/// Where things sit in a sent pipeline.
#[derive(Debug)]
struct Layout {
    kinds: Vec<&'static str>,
    pending: usize,
    replay: usize,
    main: usize,
    /// How many requests from `main` on are the operation's own (more than
    /// one for a `ContinueOnError` batch sent as independent requests).
    main_count: usize,
    get_autocommit: Option<usize>,
    /// Where the v2 transaction probe sits ([`tx_probe`]).
    tx_probe: Option<usize>,
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
    phase: Phase,
}

/// Where a batch operation stands. sqld refuses a whole `batch` (nothing
/// runs) when any step fails to parse; the session then finds the failing
/// step with `describe` and, for `StopOnError`, runs the steps before it.
#[derive(Debug)]
enum Phase {
    /// The operation's own request.
    Main,
    /// Describing each step; `error` is the batch's error.
    Locate { error: Error },
    /// Running the steps before `failed` (which fails with `error`); the
    /// rest of `total` are skipped.
    Prefix {
        failed: usize,
        error: Error,
        total: usize,
    },
}

/// One connection's view of its Hrana stream.
#[derive(Debug)]
pub struct Session {
    version: Version,
    base: Url,
    stream_base: Option<Url>,
    baton: Option<String>,
    /// The stateless stream a finished cursor left open (a cursor cannot
    /// close its stream): reused by the next cursor so back-to-back cursors
    /// share one server stream, dropped by anything else.
    spare: Option<(String, Option<Url>)>,
    tx: TxState,
    /// Whether the transaction was lost (refuses everything until `ROLLBACK`).
    gate: TxGate,
    op: Option<OpTrack>,
    held_begin: Option<Statement>,
    /// Replayable PRAGMA assignments that stand (outside transactions, or
    /// from committed ones).
    pragmas: Vec<Statement>,
    /// Replayable PRAGMA assignments made inside the open transaction: kept
    /// if it commits, dropped if it rolls back or is lost.
    tx_pragmas: Vec<Statement>,
    pending: Vec<Statement>,
    closed: bool,
    inflight: Option<InFlight>,
    /// Requests built for the current operation.
    requests: usize,
    /// Where a negotiated version is kept (while connecting).
    versions: Option<Arc<Negotiated>>,
    /// The operation is a `query_stream` run as `execute` (no cursor): its
    /// rows go to the sink when it finishes.
    feeding: bool,
    /// Keep the stream between operations even when it holds no state
    /// ([`Session::set_keep_idle_stream`]).
    keep_idle: bool,
}

impl Session {
    /// A session for the database at `base`, speaking `version`.
    pub fn new(base: Url, version: Version) -> Self {
        Session {
            version,
            base,
            stream_base: None,
            baton: None,
            spare: None,
            tx: TxState::default(),
            gate: TxGate::default(),
            op: None,
            held_begin: None,
            pragmas: Vec::new(),
            tx_pragmas: Vec::new(),
            pending: Vec::new(),
            closed: false,
            inflight: None,
            requests: 0,
            versions: None,
            feeding: false,
            keep_idle: false,
        }
    }

    /// Keep the server stream between operations even when the connection
    /// holds no state (no transaction, no PRAGMA to replay), instead of
    /// closing it in the same request. A point query on a kept stream costs
    /// sqld about half the time of one on a fresh stream (BENCHMARKS.md),
    /// but the stream holds one of the server's SQLite connections until the
    /// next operation, the connection's close, or the server's idle expiry;
    /// an expired idle stream is replaced transparently, as when PRAGMAs are
    /// held. No effect on v1, which has no streams.
    pub fn set_keep_idle_stream(&mut self, keep: bool) {
        self.keep_idle = keep;
    }

    /// Whether the stream is kept after an operation that leaves no state:
    /// [`Session::set_keep_idle_stream`] on a version with streams.
    fn keeps_idle_stream(&self) -> bool {
        self.keep_idle && self.version != Version::V1
    }

    /// Open a connection to the database at `base`: the version is the one
    /// `versions` knows, else found by probing (docs/PROTOCOL.md §1.2) and kept in
    /// `versions` for the connector's later connections. The returned
    /// [`Next`] is [`Output::Connected`] at once when the version is known.
    /// `keep_idle` is [`Session::set_keep_idle_stream`].
    pub fn connect(
        base: Url,
        versions: &Arc<Negotiated>,
        keep_idle: bool,
    ) -> (Session, Result<Next>) {
        if let Some(version) = versions.get() {
            let mut session = Session::new(base, version);
            session.keep_idle = keep_idle;
            return (session, Ok(Next::Done(Output::Connected(version))));
        }
        let mut session = Session::new(base, Version::V3);
        session.keep_idle = keep_idle;
        session.versions = Some(versions.clone());
        let next = session.start(Op::Probe(Version::V3));
        (session, next)
    }

    /// What this connection can do (by its version).
    pub fn capabilities(&self) -> Capabilities {
        negotiate::capabilities(self.version)
    }

    /// The protocol version in use.
    pub fn version(&self) -> Version {
        self.version
    }

    /// `true` when no transaction is open (a held `BEGIN` counts as open,
    /// and so does a lost transaction until the caller's `ROLLBACK`).
    pub fn is_autocommit(&self) -> bool {
        if self.inflight.is_some() {
            // An operation abandoned mid-request (a dropped future): the
            // next call settles it; a transaction it ran in will be lost.
            return !self.op.is_some_and(|o| o.tx_before);
        }
        if self.held_begin.is_some() || self.gate.is_lost() {
            return false;
        }
        // Queued statements (a dropped guard's ROLLBACK) count as run.
        let mut tx = self.tx.clone();
        for p in &self.pending {
            tx.apply(&p.sql);
        }
        !tx.in_tx
    }

    /// Whether the transaction was lost and waits for the caller's `ROLLBACK`.
    pub fn is_transaction_lost(&self) -> bool {
        self.gate.is_lost()
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
    /// A queued `ROLLBACK` while a `BEGIN` is held just drops the `BEGIN`; a
    /// queued `ROLLBACK`, `ROLLBACK TO` or `RELEASE` with no transaction open
    /// is dropped.
    pub fn enqueue(&mut self, stmt: Statement) {
        if self.closed {
            return;
        }
        self.abandon_stale();
        match self.gate.admit(&stmt.sql) {
            Ok(Admission::Run) => {}
            // The ROLLBACK that ends a lost transaction: nothing to send.
            Ok(Admission::Absorbed) => return,
            Err(_) => {
                tracing::debug!("dropping a queued statement: the transaction was lost");
                return;
            }
        }
        let kind = classify(&stmt.sql);
        if self.held_begin.is_some() && kind == StatementKind::Rollback {
            self.held_begin = None;
            return;
        }
        if self.is_autocommit()
            && matches!(
                kind,
                StatementKind::Rollback | StatementKind::RollbackTo | StatementKind::Release
            )
        {
            // Nothing is open (e.g. the transaction was lost with its
            // stream): there is nothing to roll back.
            tracing::debug!("dropping a queued rollback: no transaction is open");
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
        self.abandon_stale();
        if self.gate.admit(&stmt.sql)? == Admission::Absorbed {
            return Ok(Next::Done(Output::Rows(ResultSet::default())));
        }
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
        let next = self.start(Op::Execute(stmt.clone()));
        self.finish(next)
    }

    /// Start `batch`.
    pub fn batch(&mut self, batch: &Batch) -> Result<Next> {
        self.check_open()?;
        self.abandon_stale();
        self.gate.admit_many()?;
        if batch.steps.is_empty() {
            return Ok(Next::Done(Output::Batch(BatchResult::default())));
        }
        let next = self.start(Op::Batch(batch.clone()));
        self.finish(next)
    }

    /// Start `query_stream`: its rows go to the sink given to
    /// [`Session::on_reply`] as they arrive, through `/v3/cursor` on v3;
    /// on v1 and v2 (no cursor) the statement runs as `execute` and its
    /// rows are handed over at the end. Finishes with [`Output::Summary`].
    pub fn query_stream(&mut self, stmt: &Statement) -> Result<Next> {
        if !self.supports_cursor() {
            let next = self.execute(stmt)?;
            return Ok(match next {
                Next::Done(Output::Rows(rs)) => Next::Done(Output::Summary(Summary {
                    columns: rs.columns,
                    rows_affected: rs.rows_affected,
                    last_insert_rowid: rs.last_insert_rowid,
                    rows_read: rs.rows_read,
                    rows_written: rs.rows_written,
                })),
                next => {
                    self.feeding = matches!(next, Next::Send(_));
                    next
                }
            });
        }
        self.check_open()?;
        self.abandon_stale();
        self.gate.admit_many()?;
        let next = self.start(Op::Cursor(stmt.clone()));
        self.finish(next)
    }

    /// Start `close`: sends `close` if a baton is held (the server rolls back
    /// what is open). The session is closed whatever the outcome.
    pub fn close(&mut self) -> Result<Next> {
        if self.closed {
            return Ok(Next::Done(Output::Closed));
        }
        self.abandon_stale();
        self.gate.clear();
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
        self.op = None;
        self.gate.clear();
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
        self.spare = None;
        self.tx.reset();
        self.tx_pragmas.clear();
    }

    fn start(&mut self, op: Op) -> Result<Next> {
        match self.spare.take() {
            Some((baton, base)) if self.baton.is_none() && matches!(op, Op::Cursor(_)) => {
                self.baton = Some(baton);
                self.stream_base = base;
            }
            // Anything else starts clean; the spare stream expires on its own.
            _ => {}
        }
        let prelude = if matches!(op, Op::Close) {
            None
        } else {
            self.held_begin.take()
        };
        let pending = std::mem::take(&mut self.pending);
        let mut tx = self.tx.clone();
        for p in &pending {
            tx.apply(&p.sql);
        }
        self.op = Some(OpTrack {
            tx_before: !matches!(op, Op::Close) && (tx.in_tx || prelude.is_some()),
            ended_by_caller: false,
        });
        self.requests = 0;
        self.feeding = false;
        let flight = InFlight {
            op,
            prelude,
            pending,
            retried: false,
            sent_baton: false,
            layout: None,
            cursor: None,
            phase: Phase::Main,
        };
        self.send(flight)
    }

    /// Build the request for `flight` and park it as in flight. On a build
    /// error, or past [`MAX_REQUESTS_PER_OPERATION`], the held `BEGIN` and
    /// queued statements go back.
    fn send(&mut self, mut flight: InFlight) -> Result<Next> {
        if self.requests >= MAX_REQUESTS_PER_OPERATION {
            self.restore(flight);
            return Err(too_many_requests());
        }
        let built = match &flight.op {
            _ if matches!(flight.phase, Phase::Locate { .. }) => self.build_locate(&mut flight),
            Op::Cursor(stmt) => {
                let stmt = stmt.clone();
                self.build_cursor(&mut flight, &stmt)
            }
            Op::Probe(version) => Ok(probe(&self.base, *version)),
            _ => match self.version {
                Version::V1 => self.build_v1(&flight),
                Version::V2 | Version::V3 => self.build_pipeline(&mut flight),
            },
        };
        match built {
            Ok(req) => {
                flight.sent_baton = req.carries_baton;
                self.requests += 1;
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
mod tests;

mod body;
mod build;
mod cursor;
mod locate;
mod reply;
mod state;
mod tx_probe;
use state::OpTrack;

pub use body::{MAX_BODY_BYTES, Reply};
