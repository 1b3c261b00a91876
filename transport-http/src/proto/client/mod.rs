//! The client half of the Hrana core: encoding requests, decoding responses,
//! the per-connection [`Session`] state machine and the incremental cursor
//! reader. No I/O: backends send [`HttpRequest`]s and feed replies back.

pub mod batch;
pub mod codec;
pub mod cursor;
pub mod errors;
pub mod negotiate;
pub mod replay;
pub mod request;
pub mod session;
pub mod tx;

#[cfg(test)]
mod proptests;

pub use crate::proto::Version;
pub use cursor::{CursorOutcome, CursorReader, LineDecoder};
pub use negotiate::{Negotiated, capabilities};
pub use request::{HttpRequest, HttpResponse, Method};
pub use session::{
    MAX_BODY_BYTES, MAX_REQUESTS_PER_OPERATION, Next, Output, Reply, Session, too_many_requests,
};
