//! The bookkeeping half of the session: telling a lost transaction from one
//! the caller ended ([`TxGate`](sqlport_core::tx_gate::TxGate)), the PRAGMA
//! assignments made inside a transaction, and which `base_url` to follow.

use sqlport_core::sql::{StatementKind, classify};
use sqlport_core::{Result, Statement};
use url::Url;

use super::super::replay;
use super::{Next, Session};

/// The operation under way, for telling a lost transaction from one the
/// caller ended.
#[derive(Debug, Clone, Copy)]
pub(super) struct OpTrack {
    /// The caller had a transaction open for this operation (after the
    /// queued statements, counting a held `BEGIN`).
    pub(super) tx_before: bool,
    /// A `COMMIT`, `ROLLBACK` or `RELEASE` of the operation ran successfully.
    pub(super) ended_by_caller: bool,
}

impl Session {
    /// The previous operation was abandoned mid-request (a dropped future):
    /// the server ends such a stream and rolls it back. A transaction it ran
    /// in is lost.
    pub(super) fn abandon_stale(&mut self) {
        if self.inflight.take().is_some() {
            tracing::debug!("the previous operation was abandoned mid-request; its stream is gone");
            self.drop_stream();
            self.held_begin = None;
            self.settle();
        }
    }

    /// The operation under way is finished (done or failed): a transaction
    /// the caller had open that is gone without the caller ending it is
    /// lost ([`TxGate`]).
    pub(super) fn settle(&mut self) {
        let Some(op) = self.op.take() else {
            return;
        };
        if !self.tx.in_tx {
            self.tx_pragmas.clear();
        }
        let open_now = self.tx.in_tx || self.held_begin.is_some();
        if self.gate.settle(op.tx_before, open_now, op.ended_by_caller) {
            self.pending.clear();
            self.held_begin = None;
        }
    }

    /// Settle the operation unless it goes on with another request.
    pub(super) fn finish(&mut self, next: Result<Next>) -> Result<Next> {
        if !matches!(next, Ok(Next::Send(_))) {
            self.settle();
        }
        next
    }

    /// Account for a statement that ran successfully on the server: the
    /// transaction state, and the PRAGMA assignments made inside a
    /// transaction (kept when it commits, dropped when it rolls back).
    pub(super) fn account(&mut self, sql: &str) {
        let was_in_tx = self.tx.in_tx;
        self.tx.apply(sql);
        if was_in_tx && !self.tx.in_tx {
            let made_inside = std::mem::take(&mut self.tx_pragmas);
            if matches!(
                classify(sql),
                StatementKind::Commit | StatementKind::Release
            ) {
                for p in made_inside {
                    self.record_pragma(p);
                }
            }
        }
    }

    /// Keep a replayable PRAGMA assignment (the last one of a name wins).
    pub(super) fn record_pragma(&mut self, stmt: Statement) {
        let name = replay::replayable(&stmt.sql);
        self.pragmas.retain(|p| replay::replayable(&p.sql) != name);
        self.pragmas.push(stmt);
    }

    /// Take the `base_url` a reply carries for this stream. It is followed
    /// only on the database URL's own origin (same scheme, host and port):
    /// the token never goes to another server, nor from HTTPS to HTTP.
    pub(super) fn take_base_url(&mut self, base_url: Option<&str>) {
        let Some(u) = base_url else {
            return;
        };
        match Url::parse(u) {
            Ok(url)
                if matches!(url.scheme(), "http" | "https")
                    && url.origin() == self.base.origin() =>
            {
                self.stream_base = Some(url);
            }
            Ok(_) => tracing::warn!("ignoring a base_url on another origin than the database URL"),
            Err(_) => tracing::warn!("ignoring a base_url that is not a URL"),
        }
    }
}
