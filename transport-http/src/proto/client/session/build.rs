//! Building the request of an operation: the pipeline (v2/v3), the v1
//! request, and the parts they share with the cursor request (the queued and
//! replayed statements that run first).

use sqlport_core::{Batch, BatchMode, Error, Result, Statement};

use super::super::batch::{self, BatchContext, BuiltBatch};
use super::super::codec;
use super::super::replay;
use super::super::request::{HttpRequest, Method, endpoint};
use super::{InFlight, Layout, Op, Session, encode_body, request_kind, tx_probe};
use crate::proto::Version;
use crate::proto::wire::{self, StreamRequest};

/// The statements that run before an operation's own: the queued ones
/// (`pending` of them), then, on a new stream, the PRAGMA assignments to
/// re-apply (`replay` of them).
pub(super) struct Prefix {
    pub(super) stmts: Vec<wire::Stmt>,
    pub(super) pending: usize,
    pub(super) replay: usize,
}

/// The operation's own requests in a pipeline.
struct MainPart {
    /// `store_sql` requests first, then the operation's own.
    requests: Vec<StreamRequest>,
    /// How many of `requests`, at the end, are the operation's own.
    own: usize,
    /// SQL texts stored for the batch (closed after it if the stream is kept).
    stored: Vec<(i32, String)>,
    built: Option<BuiltBatch>,
}

impl Session {
    pub(super) fn url(&self, path: &str) -> String {
        endpoint(self.stream_base.as_ref().unwrap_or(&self.base), path)
    }

    pub(super) fn pipeline_request(&self, body: &wire::PipelineRequest) -> Result<HttpRequest> {
        let path = match self.version {
            Version::V3 => "v3/pipeline",
            _ => "v2/pipeline",
        };
        Ok(HttpRequest {
            method: Method::Post,
            url: self.url(path),
            endpoint: path,
            body: encode_body(body)?,
            carries_baton: body.baton.is_some(),
            streaming: false,
        })
    }

    /// The queued statements of `flight`, then (on a new stream) the PRAGMA
    /// assignments to re-apply.
    pub(super) fn prefix(&self, flight: &InFlight) -> Result<Prefix> {
        let replayed = if self.baton.is_none() {
            &self.pragmas[..]
        } else {
            &[]
        };
        let stmts = flight
            .pending
            .iter()
            .chain(replayed)
            .map(|p| codec::encode_stmt(p, false))
            .collect::<Result<Vec<_>>>()?;
        Ok(Prefix {
            stmts,
            pending: flight.pending.len(),
            replay: replayed.len(),
        })
    }

    /// Whether the stream must be kept after `flight` runs (predicted; the
    /// next request closes a stream kept needlessly).
    fn keeps_stream(&self, flight: &InFlight) -> bool {
        if matches!(flight.op, Op::Close | Op::Probe(_)) {
            return false;
        }
        if !self.pragmas.is_empty() || self.keeps_idle_stream() {
            return true;
        }
        let sets_state = |s: &Statement| replay::replayable(&s.sql).is_some();
        let mut tx = self.tx.clone();
        for p in &flight.pending {
            tx.apply(&p.sql);
        }
        if let Some(p) = &flight.prelude {
            tx.apply(&p.sql);
        }
        match &flight.op {
            Op::Close | Op::Probe(_) => false,
            Op::Execute(s) | Op::Cursor(s) => sets_state(s) || tx.after(&s.sql).in_tx,
            Op::Batch(b) => {
                let mut after = tx.clone();
                let mut keep = false;
                for s in &b.steps {
                    after.apply(&s.sql);
                    keep |= sets_state(s);
                }
                keep || after.in_tx || (tx.in_tx && !matches!(b.mode, BatchMode::Atomic(_)))
            }
        }
    }

    /// The pipeline of `flight`: queued and replayed statements, the
    /// operation's own requests, then `close_sql`, `get_autocommit` (v3) or
    /// the transaction probe (v2, on a kept stream), and `close` (unless the
    /// stream is kept).
    pub(super) fn build_pipeline(&self, flight: &mut InFlight) -> Result<HttpRequest> {
        let prefix = self.prefix(flight)?;
        let keep = self.keeps_stream(flight);
        let closing_op = matches!(flight.op, Op::Close);
        let mut requests: Vec<StreamRequest> = prefix
            .stmts
            .into_iter()
            .map(|stmt| StreamRequest::Execute { stmt })
            .collect();
        let main_part = self.main_requests(flight)?;
        let main_count = main_part.own;
        requests.extend(main_part.requests);
        let main = requests.len() - main_count;
        if keep && !closing_op {
            for (id, _) in &main_part.stored {
                requests.push(StreamRequest::CloseSql { sql_id: *id });
            }
        }
        let get_autocommit = (self.version == Version::V3 && !closing_op).then(|| {
            requests.push(StreamRequest::GetAutocommit);
            requests.len() - 1
        });
        // v2 has no get_autocommit: a kept stream is probed instead, in the
        // same request (tx_probe.rs).
        let tx_probe = (self.version == Version::V2 && keep && !closing_op).then(|| {
            requests.push(StreamRequest::Batch {
                batch: tx_probe::batch(),
            });
            requests.len() - 1
        });
        let closes = closing_op || !keep;
        if closes && !closing_op {
            requests.push(StreamRequest::Close);
        }
        batch::validate_sql_ids(&requests)?;
        flight.layout = Some(Layout {
            kinds: requests.iter().map(request_kind).collect(),
            pending: prefix.pending,
            replay: prefix.replay,
            main,
            main_count,
            get_autocommit,
            tx_probe,
            closes,
            built: main_part.built,
        });
        self.pipeline_request(&wire::PipelineRequest {
            baton: self.baton.clone(),
            requests,
        })
    }

    /// The operation's own requests.
    fn main_requests(&self, flight: &InFlight) -> Result<MainPart> {
        let mut part = MainPart {
            requests: Vec::new(),
            own: 1,
            stored: Vec::new(),
            built: None,
        };
        match (&flight.op, &flight.prelude) {
            (Op::Execute(stmt), None) => part.requests.push(StreamRequest::Execute {
                stmt: codec::encode_stmt(stmt, true)?,
            }),
            (Op::Execute(stmt), Some(begin)) => {
                // The held BEGIN rides with the statement, which runs only if it succeeded.
                let b = batch::build(
                    Some(begin),
                    std::slice::from_ref(stmt),
                    BatchMode::ContinueOnError,
                    self.batch_ctx(true, false),
                )?;
                part.requests.push(StreamRequest::Batch {
                    batch: b.batch.clone(),
                });
                part.built = Some(b);
            }
            (Op::Batch(b), None) if b.mode == BatchMode::ContinueOnError => {
                self.independent_steps(b, &mut part)?;
            }
            (Op::Batch(b), prelude) => {
                let in_tx = self.tx.in_tx || prelude.is_some();
                let bb = batch::build(
                    prelude.as_ref(),
                    &b.steps,
                    b.mode,
                    self.batch_ctx(in_tx, true),
                )?;
                part.requests.extend(store_requests(&bb.stored));
                part.requests.push(StreamRequest::Batch {
                    batch: bb.batch.clone(),
                });
                part.stored.clone_from(&bb.stored);
                part.built = Some(bb);
            }
            (Op::Close, _) => part.requests.push(StreamRequest::Close),
            (Op::Cursor(_) | Op::Probe(_), _) => {
                return Err(Error::Protocol("not a pipeline operation".into()));
            }
        }
        Ok(part)
    }

    /// A `ContinueOnError` batch as independent pipeline requests: one
    /// statement's parse error cannot fail the others (a Hrana batch fails
    /// whole on a parse error), same round trip. The `store_sql` requests
    /// come first and are not counted among the operation's own.
    fn independent_steps(&self, b: &Batch, part: &mut MainPart) -> Result<()> {
        let (to_store, ids) = batch::plan_stored_sql(&b.steps, self.batch_ctx(false, true));
        let mut steps = Vec::with_capacity(b.steps.len());
        for (s, id) in b.steps.iter().zip(ids) {
            let mut stmt = codec::encode_stmt(s, true)?;
            if id.is_some() {
                stmt.sql = None;
                stmt.sql_id = id;
            }
            steps.push(StreamRequest::Execute { stmt });
        }
        part.requests.extend(store_requests(&to_store));
        part.own = steps.len();
        part.requests.extend(steps);
        part.stored = to_store;
        Ok(())
    }

    pub(super) fn batch_ctx(&self, in_transaction: bool, may_store_sql: bool) -> BatchContext {
        BatchContext {
            v3: self.version == Version::V3,
            in_transaction,
            may_store_sql: may_store_sql && self.version != Version::V1,
        }
    }

    pub(super) fn build_v1(&self, flight: &InFlight) -> Result<HttpRequest> {
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
            Op::Close | Op::Cursor(_) | Op::Probe(_) => {
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
}

fn store_requests(stored: &[(i32, String)]) -> impl Iterator<Item = StreamRequest> + '_ {
    stored.iter().map(|(id, sql)| StreamRequest::StoreSql {
        sql_id: *id,
        sql: sql.clone(),
    })
}
