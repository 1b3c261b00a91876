//! Reading a reply: the one way every reply (pipeline, v1, probe, cursor)
//! comes back into the session. A backend calls [`Session::reply`] with the
//! status, feeds the body's chunks to [`Reply::feed`] as they arrive (until
//! the body ends or `feed` says stop), and hands the reply back with
//! [`Session::on_reply`].

use std::ops::ControlFlow;

use sqlport_core::{Error, ErrorKind, Result, RowSink};

use super::super::cursor::CursorReader;
use super::super::request::HttpResponse;
use super::{Next, Op, Output, Session};

/// Longest buffered (non-cursor) reply body accepted.
pub const MAX_BODY_BYTES: usize = 256 * 1024 * 1024;

/// Longest version-probe reply body read (the rest is not needed).
const MAX_PROBE_BODY_BYTES: usize = 64 * 1024;

/// A reply being read (from [`Session::reply`]).
#[derive(Debug)]
pub struct Reply {
    status: u16,
    received: usize,
    body: Body,
}

#[derive(Debug)]
enum Body {
    /// Kept whole, then decoded at the end. `lenient`: a read error or an
    /// overlong body is not an error (probe and error replies: what was
    /// read is enough).
    Buffered {
        bytes: Vec<u8>,
        limit: usize,
        overflow: bool,
        lenient: bool,
    },
    /// A 2xx `/v3/cursor` body, decoded line by line into the sink.
    Cursor {
        reader: Box<CursorReader>,
        must_drain: bool,
        failed: Option<Error>,
        abandoned: bool,
    },
}

impl Reply {
    /// Feed the next chunk of the body. `Break`: stop reading and call
    /// [`Session::on_reply`] now (the rest of the body is not needed).
    pub fn feed(&mut self, chunk: &[u8], sink: &mut dyn RowSink) -> ControlFlow<()> {
        self.received += chunk.len();
        match &mut self.body {
            Body::Buffered {
                bytes,
                limit,
                overflow,
                lenient: _,
            } => {
                if bytes.len() + chunk.len() > *limit {
                    *overflow = true;
                    return ControlFlow::Break(());
                }
                bytes.extend_from_slice(chunk);
                ControlFlow::Continue(())
            }
            Body::Cursor {
                reader,
                must_drain,
                failed,
                abandoned,
            } => {
                if let Err(e) = reader.feed(chunk, sink) {
                    *failed = Some(e);
                    return ControlFlow::Break(());
                }
                if reader.is_discarding() && !*must_drain {
                    *abandoned = true;
                    return ControlFlow::Break(());
                }
                ControlFlow::Continue(())
            }
        }
    }

    /// Body bytes fed so far.
    pub fn received(&self) -> usize {
        self.received
    }

    /// The status of the reply.
    pub fn status(&self) -> u16 {
        self.status
    }
}

impl Session {
    /// The head of the reply to the request in flight arrived: read its
    /// body into the returned [`Reply`].
    pub fn reply(&self, status: u16) -> Reply {
        let flight = self.inflight.as_ref();
        let ok = (200..300).contains(&status);
        let cursor = flight.and_then(|f| f.cursor.as_ref()).filter(|_| ok);
        let body = match cursor {
            Some(layout) => Body::Cursor {
                reader: Box::new(CursorReader::new(layout.steps, layout.target)),
                must_drain: self.cursor_must_drain(),
                failed: None,
                abandoned: false,
            },
            None => {
                let probe = flight.is_some_and(|f| matches!(f.op, Op::Probe(_)));
                let cursor_error = flight.is_some_and(|f| matches!(f.op, Op::Cursor(_)));
                Body::Buffered {
                    bytes: Vec::new(),
                    limit: if probe {
                        MAX_PROBE_BODY_BYTES
                    } else {
                        MAX_BODY_BYTES
                    },
                    overflow: false,
                    lenient: probe || cursor_error,
                }
            }
        };
        Reply {
            status,
            received: 0,
            body,
        }
    }

    /// The reply was read: to its end, until [`Reply::feed`] said stop, or
    /// until reading failed (`read_error`, mapped by the backend: a
    /// [`Error::Timeout`] when the per-read idle timeout fired). The rows of
    /// a cursor (and of [`Session::query_stream`] on v1/v2) go to `sink`.
    pub fn on_reply(
        &mut self,
        reply: Reply,
        read_error: Option<Error>,
        sink: &mut dyn RowSink,
    ) -> Result<Next> {
        let status = reply.status;
        let next = match reply.body {
            Body::Buffered {
                bytes,
                overflow,
                lenient,
                limit,
            } => match (read_error, overflow) {
                (Some(e), _) if !lenient => self.on_transport_error(e, true),
                (_, true) if !lenient => self.on_transport_error(
                    Error::Protocol(format!("reply body larger than {limit} bytes")),
                    true,
                ),
                _ => self.on_response(HttpResponse {
                    status,
                    body: bytes,
                }),
            },
            Body::Cursor {
                mut reader,
                failed,
                abandoned,
                must_drain: _,
            } => {
                let summary = if let Some(e) = failed {
                    self.cursor_end(Err(e))
                } else if abandoned {
                    let done = self.cursor_abandon(&mut reader);
                    self.settle();
                    done
                } else {
                    let outcome = match read_error {
                        Some(e) => Err(cursor_read_error(e)),
                        None => (*reader).finish(sink),
                    };
                    self.cursor_end(outcome)
                };
                summary.map(|s| Next::Done(Output::Summary(s)))
            }
        };
        self.stream_rows(next, sink)
    }

    /// [`Session::query_stream`] without a cursor (v1, v2): hand the rows
    /// of the finished `execute` to the sink.
    fn stream_rows(&mut self, next: Result<Next>, sink: &mut dyn RowSink) -> Result<Next> {
        if !matches!(next, Ok(Next::Send(_))) && std::mem::take(&mut self.feeding) {
            if let Ok(Next::Done(Output::Rows(rs))) = next {
                let summary = sqlport_core::transport::feed(rs, sink)?;
                return Ok(Next::Done(Output::Summary(summary)));
            }
        }
        next
    }
}

/// The error for a cursor body that could not be read to its end: the
/// timeout as is, anything else a protocol error (the body is cut short).
fn cursor_read_error(e: Error) -> Error {
    if e.kind() == ErrorKind::Timeout {
        e
    } else {
        Error::Protocol(format!("cursor body could not be read: {e}"))
    }
}
