//! The server-wide budget of response bytes ([`ResponseBudget`]), like
//! sqld's `SQLD_MAX_TOTAL_RESPONSE_SIZE`: rows of pipeline and `/v1` results
//! while they are encoded, the finished replies until they are written out,
//! and cursor lines queued for their reader all hold bytes of it.
//!
//! Rows are counted as they arrive ([`Charging`]), at about their encoded
//! size ([`row_bytes`]); a row that does not fit stops its statement with
//! `RESPONSE_TOO_LARGE`, so a reply over the budget is never built. Cursor
//! lines are counted at their exact length and wait for room instead (the
//! stall timeout then stops the cursor).

use std::convert::Infallible;
use std::ops::ControlFlow;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};

use axum::body::Bytes;
use hyper::body::{Frame, SizeHint};

use sqlport_core::{Column, Error, Row, RowSink, Value};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Bytes of responses held at once, server-wide.
#[derive(Debug)]
pub(crate) struct ResponseBudget {
    room: Arc<Semaphore>,
    capacity: usize,
    peak: AtomicUsize,
}

impl ResponseBudget {
    /// A budget of `capacity` bytes.
    pub(crate) fn new(capacity: usize) -> Self {
        let capacity = capacity.clamp(1, Semaphore::MAX_PERMITS);
        ResponseBudget {
            room: Arc::new(Semaphore::new(capacity)),
            capacity,
            peak: AtomicUsize::new(0),
        }
    }

    /// Take `bytes` if they fit now (a request larger than the whole budget
    /// never does).
    pub(crate) fn try_take(&self, bytes: usize) -> Option<OwnedSemaphorePermit> {
        let n = u32::try_from(bytes).ok()?;
        let permit = Arc::clone(&self.room).try_acquire_many_owned(n).ok()?;
        self.note_peak();
        Some(permit)
    }

    /// Take `bytes` (at most the whole budget), waiting for room (async).
    pub(crate) async fn take(&self, bytes: usize) -> Option<OwnedSemaphorePermit> {
        let n = u32::try_from(bytes.min(self.capacity)).unwrap_or(u32::MAX);
        let permit = Arc::clone(&self.room).acquire_many_owned(n).await.ok()?;
        self.note_peak();
        Some(permit)
    }

    fn note_peak(&self) {
        self.peak.fetch_max(self.in_use(), Ordering::SeqCst);
    }

    /// Bytes held now.
    pub(crate) fn in_use(&self) -> usize {
        self.capacity.saturating_sub(self.room.available_permits())
    }

    /// The most bytes ever held at once.
    pub(crate) fn peak(&self) -> usize {
        self.peak.load(Ordering::SeqCst)
    }
}

impl Default for ResponseBudget {
    fn default() -> Self {
        ResponseBudget::new(32 * 1024 * 1024)
    }
}

/// The error for a result that does not fit in the server-wide budget (the
/// code sqld gives).
pub(crate) fn too_large() -> Error {
    Error::Remote {
        code: "RESPONSE_TOO_LARGE".into(),
        message: "Response is too large: the server is holding too many response bytes".into(),
    }
}

/// About how many bytes `row` takes once encoded as Hrana JSON (exact for
/// integers, NULL and blobs; text without escapes; floats at most).
pub(crate) fn row_bytes(row: &[Value]) -> usize {
    let values: usize = row
        .iter()
        .map(|v| match v {
            Value::Null => 15,
            Value::Integer(i) => 30 + i.to_string().len(),
            Value::Real(_) => 50,
            Value::Text(t) => 29 + t.len(),
            Value::Blob(b) => 29 + b.len().div_ceil(3) * 4,
        })
        .sum();
    values + row.len() + 2
}

/// A sink that counts each row against the budget before passing it on.
pub(crate) struct Charging<'a> {
    pub(crate) inner: &'a mut dyn RowSink,
    pub(crate) budget: &'a ResponseBudget,
    /// The bytes this statement holds so far.
    pub(crate) held: Option<OwnedSemaphorePermit>,
}

impl RowSink for Charging<'_> {
    fn columns(&mut self, columns: &Arc<[Column]>) -> sqlport_core::Result<()> {
        self.inner.columns(columns)
    }

    fn row(&mut self, row: Row) -> sqlport_core::Result<ControlFlow<()>> {
        let Some(permit) = self.budget.try_take(row_bytes(row.values())) else {
            return Err(too_large());
        };
        match &mut self.held {
            Some(held) => held.merge(permit),
            None => self.held = Some(permit),
        }
        self.inner.row(row)
    }
}

/// A reply body that holds `charge` until it has been written out (or the
/// connection is gone): it reports its end only when polled after its
/// bytes, which hyper does once its write buffer has drained.
pub(crate) fn held_body(bytes: Bytes, charge: Option<OwnedSemaphorePermit>) -> axum::body::Body {
    axum::body::Body::new(Held {
        len: bytes.len() as u64,
        data: Some(bytes),
        charge,
    })
}

struct Held {
    data: Option<Bytes>,
    len: u64,
    charge: Option<OwnedSemaphorePermit>,
}

impl hyper::body::Body for Held {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        match self.data.take() {
            Some(bytes) => Poll::Ready(Some(Ok(Frame::data(bytes)))),
            None => {
                self.charge = None;
                Poll::Ready(None)
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        false
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_is_never_passed_and_its_peak_is_kept() {
        let b = ResponseBudget::new(100);
        let a = b.try_take(60).unwrap();
        assert!(b.try_take(41).is_none());
        let c = b.try_take(40).unwrap();
        assert_eq!((b.in_use(), b.peak()), (100, 100));
        drop((a, c));
        assert_eq!((b.in_use(), b.peak()), (0, 100));
        assert!(b.try_take(101).is_none(), "more than the whole budget");
    }

    #[test]
    fn row_sizes_match_the_encoding_for_blobs_and_integers() {
        let blob = Value::Blob(vec![7; 1000]);
        let encoded = serde_json::json!({"type": "blob", "base64": "x".repeat(1336)}).to_string();
        assert!(row_bytes(std::slice::from_ref(&blob)) >= encoded.len());
        let int = Value::Integer(-1234);
        let encoded = serde_json::json!({"type": "integer", "value": "-1234"}).to_string();
        assert!(row_bytes(std::slice::from_ref(&int)) >= encoded.len());
    }
}
