//! The server half of the Hrana core: decode request bodies (the [`wire`]
//! types), run them against an abstract per-stream [`StreamExecutor`], and
//! encode response bodies exactly in the shapes sqld writes.
//!
//! Like the client half it does no I/O and reads no clock: the caller (the
//! reference server in `sqlport-conformance`) owns sockets, batons, timers and
//! the database connections, and measures statement durations itself
//! ([`StreamExecutor::last_duration_ms`]).
//!
//! Failures come in two levels, as in sqld (docs/PROTOCOL.md §2.2):
//! - per-request errors are written in band ([`map_error`], [`ErrorCode`]);
//! - [`Fatal`] errors fail the whole HTTP request and destroy the stream: a
//!   protocol error (400 text/plain) or an internal error (500 JSON).
//!
//! [`wire`]: crate::proto::wire

mod batch;
mod cursor;
mod encode;
mod errors;
mod executor;
mod pipeline;
mod split;
mod stmt;
mod store;
mod v1;

pub use cursor::{
    CursorOutput, PreparedCursor, cursor_head, cursor_trailer, prepare_cursor, run_cursor,
};
pub use encode::{encode_error, encode_pipeline_response, encode_stmt_result, encode_value};
pub use errors::{ErrorCode, Fatal, map_error};
pub use executor::{Analysis, Analyzed, Description, StatementKind, StreamExecutor};
pub use pipeline::{PipelineOutput, ServerStream, decode_cursor, decode_pipeline};
pub use split::split_statements;
pub use store::{MAX_SQL_BYTES, MAX_STORED_SQL, SqlStore};
pub use v1::{V1Outcome, run_v1_batch, run_v1_execute};

/// The Hrana version a request arrived on (the endpoint decides it).
pub use crate::proto::Version;

/// Server-side limits applied while encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest pipeline (or v1) response body, in bytes of encoded results;
    /// a request whose result would go over it gets `RESPONSE_TOO_LARGE`, and
    /// its statement is stopped as soon as its encoding passes what is left.
    pub max_response_bytes: usize,
    /// Longest cursor line (one `row` entry), in bytes; a longer row stops
    /// the cursor's batch with `RESPONSE_TOO_LARGE`
    /// ([`PreparedCursor::with_max_line_bytes`]).
    pub max_line_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_response_bytes: 10 * 1000 * 1000,
            max_line_bytes: 10 * 1000 * 1000,
        }
    }
}

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;
