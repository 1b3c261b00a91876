//! Letting a request in: authentication (before the body is read), the body
//! (bounded in bytes and time), a slot in the pool of SQL work, and the
//! stream it runs on (bounded overall and per client).

use std::hash::{BuildHasher, Hash, Hasher};
use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::Response;
use http_body_util::{BodyExt as _, LengthLimitError, Limited};
use sqlport_http::proto::server::{Fatal, ServerStream};
use tokio::sync::OwnedSemaphorePermit;

use super::app::Shared;
use super::auth::{Access, Refused, bearer};
use super::control::Control;
use super::executor::LocalExecutor;
use super::policy::Policy;
use super::registry::{Client, Lease, StreamData};
use super::responses::{busy, error_json, fatal, internal, refusal, unauthorized};

/// Check the request's credentials (nothing of the body is read yet).
pub(crate) fn authorize(shared: &Shared, parts: &Parts) -> Result<Access, Box<Response>> {
    match &shared.auth {
        None => Ok(Access::ReadWrite),
        Some(a) => a.check(&parts.headers).map_err(|r| {
            Box::new(match r {
                Refused::Unauthorized(m) => unauthorized(m),
                Refused::NotFound(m) => error_json(StatusCode::NOT_FOUND, m.to_owned()),
            })
        }),
    }
}

/// Who the request's streams count against: its bearer token when the
/// server checks tokens, else its IP address.
pub(crate) fn client_of(shared: &Shared, parts: &Parts) -> Client {
    let mut h = shared.client_keys.build_hasher();
    if shared.auth.is_some() {
        if let Ok(token) = bearer(&parts.headers) {
            "token".hash(&mut h);
            token.hash(&mut h);
            return h.finish();
        }
    }
    "ip".hash(&mut h);
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .hash(&mut h);
    h.finish()
}

/// Read the body: at most `max_body_bytes` (413 past it, before reading
/// anything when `Content-Length` says so), within `body_read_timeout` (408).
pub(crate) async fn read_body(
    shared: &Shared,
    parts: &Parts,
    body: Body,
) -> Result<Bytes, Response> {
    let max = shared.config.max_body_bytes;
    let too_large = || {
        error_json(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("Request body is larger than {max} bytes"),
        )
    };
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max as u64) {
        return Err(too_large());
    }
    let read = Limited::new(body, max).collect();
    match tokio::time::timeout(shared.config.body_read_timeout, read).await {
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(e)) if e.downcast_ref::<LengthLimitError>().is_some() => Err(too_large()),
        Ok(Err(_)) => Err(error_json(
            StatusCode::BAD_REQUEST,
            "The request body could not be read".into(),
        )),
        Err(_) => Err(error_json(
            StatusCode::REQUEST_TIMEOUT,
            "The request body was not received in time".into(),
        )),
    }
}

/// A slot in the pool of SQL work, shared by every endpoint; 503 when none
/// frees up within the queue timeout.
pub(crate) async fn slot(shared: &Shared) -> Result<OwnedSemaphorePermit, Response> {
    let acquire = Arc::clone(&shared.pool).acquire_owned();
    match tokio::time::timeout(shared.config.queue_timeout, acquire).await {
        Ok(Ok(permit)) => Ok(permit),
        _ => Err(busy()),
    }
}

/// A new connection's controls.
pub(crate) fn new_control(shared: &Shared) -> Arc<Control> {
    Control::new(Arc::clone(&shared.flags), Policy::new())
}

/// Open a connection with the server's guards (blocking work).
pub(crate) async fn open_executor(shared: &Arc<Shared>) -> Result<LocalExecutor, Response> {
    let connector = shared.connector.clone();
    let settings = shared.settings;
    let control = new_control(shared);
    let opened = tokio::task::spawn_blocking(move || {
        connector
            .connect_local()
            .map(|conn| LocalExecutor::new(conn, settings, control))
    })
    .await;
    match opened {
        Ok(Ok(exec)) => Ok(exec),
        Ok(Err(e)) => Err(internal("cannot open a connection to the database", e)),
        Err(e) => Err(internal("the connection task failed", e)),
    }
}

/// Take the stream a baton names, or open a new one for `client`. A stream
/// lent to a cursor whose batch still runs is waited for, at most the queue
/// timeout (then 503, and the baton stays valid).
pub(crate) async fn lease(
    shared: &Arc<Shared>,
    baton: Option<&str>,
    client: Client,
) -> Result<(Lease, Box<StreamData>), Response> {
    let refused = |r| {
        refusal(
            r,
            shared.config.max_streams,
            shared.config.max_streams_per_client,
        )
    };
    match baton {
        Some(b) => shared
            .registry
            .acquire(b, shared.config.queue_timeout)
            .await
            .map_err(refused),
        None => {
            let lease = shared.registry.open(client).map_err(refused)?;
            let exec = open_executor(shared).await?;
            Ok((
                lease,
                Box::new(StreamData {
                    exec,
                    proto: ServerStream::new(),
                }),
            ))
        }
    }
}

/// A body that does not decode: a protocol error; if it still names a live
/// stream's baton, that stream is destroyed, as for any protocol error.
pub(crate) async fn malformed(shared: &Shared, body: &[u8], f: &Fatal) -> Response {
    let baton = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("baton").and_then(|b| b.as_str()).map(str::to_owned));
    if let Some(data) = baton.and_then(|b| shared.registry.destroy(&b)) {
        // Dropping the connection rolls back: keep it off the async workers.
        let _ = tokio::task::spawn_blocking(move || drop(data)).await;
    }
    fatal(f)
}

/// A stream request let in: who asks, what it asks, the stream it runs on
/// and its slot in the pool.
pub(crate) struct Admitted<R> {
    /// What the credentials allow.
    pub(crate) access: Access,
    /// The decoded request.
    pub(crate) req: R,
    /// Exclusive use of the stream.
    pub(crate) lease: Lease,
    /// The stream's connection and protocol state.
    pub(crate) data: Box<StreamData>,
    /// The slot in the pool of SQL work (held until the work ends).
    pub(crate) permit: OwnedSemaphorePermit,
}

/// Authenticate, read and decode the body (a malformed one destroys the
/// stream its baton names), wait for a slot, then take the stream the baton
/// names or open one.
pub(crate) async fn admit<R>(
    shared: &Arc<Shared>,
    req: axum::extract::Request,
    decode: fn(&[u8]) -> Result<R, Fatal>,
    baton: fn(&R) -> Option<&str>,
) -> Result<Admitted<R>, Response> {
    let (parts, body) = req.into_parts();
    let access = authorize(shared, &parts).map_err(|r| *r)?;
    let body = read_body(shared, &parts, body).await?;
    let decoded = match decode(&body) {
        Ok(r) => r,
        Err(f) => return Err(malformed(shared, &body, &f).await),
    };
    let permit = slot(shared).await?;
    let client = client_of(shared, &parts);
    let (lease, data) = lease(shared, baton(&decoded), client).await?;
    Ok(Admitted {
        access,
        req: decoded,
        lease,
        data,
        permit,
    })
}
