//! The `tracing` span of one HTTP request: endpoint, whether a baton was
//! carried, bytes sent; status, bytes received and duration when known.
//! Never the token, never parameter values.

use std::time::Instant;

use crate::proto::client::HttpRequest;

/// One request's span and start time.
pub(crate) struct RequestTrace {
    pub(crate) span: tracing::Span,
    started: Instant,
}

impl RequestTrace {
    /// Open the span of `req`.
    pub(crate) fn start(req: &HttpRequest) -> Self {
        let span = tracing::debug_span!(
            "hrana_http",
            endpoint = req.endpoint,
            baton = req.carries_baton,
            request_bytes = req.body.len(),
            status = tracing::field::Empty,
            response_bytes = tracing::field::Empty,
            duration_ms = tracing::field::Empty,
        );
        RequestTrace {
            span,
            started: Instant::now(),
        }
    }

    /// The reply's head arrived with `status`.
    pub(crate) fn status(&self, status: u16) {
        self.span.record("status", status);
    }

    /// The request failed before a reply (`reached_server`: it may have run).
    pub(crate) fn failed(&self, error: &sqlport_core::Error, reached_server: bool) {
        let _g = self.span.enter();
        tracing::debug!(error = %error, reached_server, "HTTP request failed");
    }

    /// The reply was read (`response_bytes` of body).
    pub(crate) fn done(&self, response_bytes: usize) {
        let duration_ms = self.started.elapsed().as_secs_f64() * 1000.0;
        self.span.record("response_bytes", response_bytes);
        self.span.record("duration_ms", duration_ms);
        let _g = self.span.enter();
        tracing::debug!(response_bytes, duration_ms, "HTTP request done");
    }
}
