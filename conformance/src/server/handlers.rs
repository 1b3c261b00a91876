//! HTTP handlers. SQLite work runs on tokio's blocking pool with the stream's
//! state moved in and back; the registry lease guarantees one request per
//! stream at a time.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sqlport_http::proto::server::{
    Fatal, ServerStream, StreamExecutor, V1Outcome, Version, cursor_head, cursor_trailer,
    decode_cursor, decode_pipeline, prepare_cursor, run_v1_batch, run_v1_execute, split_statements,
};
use sqlport_http::proto::wire;

use super::app::Shared;
use super::auth::Access;
use super::executor::LocalExecutor;
use super::registry::{Lease, Refusal, StreamData};

/// Cursor lines buffered between the batch and the socket.
const CURSOR_BUFFER: usize = 64;

const HELLO: &str = "Hello, this is HTTP API v2 (Hrana over HTTP)";

fn text(status: StatusCode, body: impl Into<String>) -> Response {
    let mut r = (status, body.into()).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    r
}

fn json(status: StatusCode, body: String) -> Response {
    let mut r = (status, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

fn error_json(status: StatusCode, message: String) -> Response {
    json(status, serde_json::json!({ "error": message }).to_string())
}

fn fatal(f: &Fatal) -> Response {
    let status = StatusCode::from_u16(f.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if f.content_type() == "text/plain" {
        text(status, f.body())
    } else {
        json(status, f.body())
    }
}

fn internal(message: impl std::fmt::Display) -> Response {
    error_json(
        StatusCode::INTERNAL_SERVER_ERROR,
        format!("Internal Error: `{message}`"),
    )
}

fn forbidden() -> Response {
    error_json(
        StatusCode::FORBIDDEN,
        "Authorization forbidden: Current session doesn't not have Write permission to namespace default".into(),
    )
}

fn refusal(r: Refusal, max_streams: usize) -> Response {
    match r {
        Refusal::Invalid => text(StatusCode::BAD_REQUEST, "Received an invalid baton"),
        Refusal::Stale => text(
            StatusCode::BAD_REQUEST,
            "Received a baton that has already been used",
        ),
        Refusal::Expired => json(
            StatusCode::BAD_REQUEST,
            r#"{"message":"The stream has expired due to inactivity","code":"STREAM_EXPIRED"}"#
                .into(),
        ),
        Refusal::TooMany => error_json(
            StatusCode::TOO_MANY_REQUESTS,
            format!("Too many concurrent requests: at most {max_streams} streams may be open"),
        ),
    }
}

fn authorize(shared: &Shared, headers: &HeaderMap) -> Result<Access, Box<Response>> {
    match &shared.auth {
        None => Ok(Access::ReadWrite),
        Some(a) => a.check(headers).map_err(|m| {
            Box::new(error_json(
                StatusCode::UNAUTHORIZED,
                format!("Unauthorized: `{m}`"),
            ))
        }),
    }
}

/// `GET /health`: 200, empty body.
pub(crate) async fn health() -> StatusCode {
    StatusCode::OK
}

/// `GET /version`.
pub(crate) async fn version() -> Response {
    text(
        StatusCode::OK,
        format!("sqlport-reference-server {}", env!("CARGO_PKG_VERSION")),
    )
}

/// `GET /v2`, `GET /v3`: the same banner as sqld.
pub(crate) async fn hello() -> Response {
    text(StatusCode::OK, HELLO)
}

/// `GET /v1`.
pub(crate) async fn hello_v1() -> Response {
    text(StatusCode::OK, "This is sqld HTTP API v1")
}

/// Take the stream a baton names, or open a new one.
async fn lease(
    shared: &Arc<Shared>,
    baton: Option<&str>,
) -> Result<(Lease, Box<StreamData>), Response> {
    let max = shared.config.max_streams;
    match baton {
        Some(b) => shared.registry.acquire(b).map_err(|r| refusal(r, max)),
        None => {
            let lease = shared.registry.open().map_err(|r| refusal(r, max))?;
            let connector = shared.connector.clone();
            let opened = tokio::task::spawn_blocking(move || connector.connect_local()).await;
            match opened {
                Ok(Ok(conn)) => Ok((
                    lease,
                    Box::new(StreamData {
                        exec: LocalExecutor::new(conn),
                        proto: ServerStream::new(),
                    }),
                )),
                Ok(Err(e)) => Err(internal(format!("cannot open a connection: {e}"))),
                Err(e) => Err(internal(e)),
            }
        }
    }
}

/// Why a stream's run failed as a whole.
enum Failure {
    Fatal(Fatal),
    Forbidden,
}

/// `true` unless every one of `sqls` is known to only read (for read-only
/// tokens). SQL that does not prepare now counts as a write: it may prepare
/// once an earlier statement of the same request has run (`ATTACH`, which
/// SQLite calls read-only, then a write to the attached database).
fn writes<'a>(exec: &mut LocalExecutor, sqls: impl IntoIterator<Item = &'a str>) -> bool {
    sqls.into_iter()
        .flat_map(split_statements)
        .any(|sql| !matches!(exec.describe(sql), Ok(d) if d.is_readonly))
}

fn batch_sqls(batch: &wire::Batch, proto: &ServerStream) -> Vec<Arc<str>> {
    batch
        .steps
        .iter()
        .filter_map(|s| {
            proto
                .store()
                .resolve(s.stmt.sql.as_deref(), s.stmt.sql_id)
                .ok()
        })
        .collect()
}

fn pipeline_sqls(requests: &[wire::StreamRequest], proto: &ServerStream) -> Vec<Arc<str>> {
    let mut out = Vec::new();
    for r in requests {
        match r {
            wire::StreamRequest::Execute { stmt } => {
                out.extend(proto.store().resolve(stmt.sql.as_deref(), stmt.sql_id).ok());
            }
            wire::StreamRequest::Batch { batch } => out.extend(batch_sqls(batch, proto)),
            wire::StreamRequest::Sequence { sql, sql_id } => {
                out.extend(proto.store().resolve(sql.as_deref(), *sql_id).ok());
            }
            wire::StreamRequest::StoreSql { sql, .. } => out.push(Arc::from(sql.as_str())),
            _ => {}
        }
    }
    out
}

/// A body that does not decode: a protocol error; if it still names a live
/// stream's baton, that stream is destroyed, as for any protocol error.
async fn malformed(shared: &Shared, body: &[u8], f: &Fatal) -> Response {
    let baton = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("baton").and_then(|b| b.as_str()).map(str::to_owned));
    if let Some(data) = baton.and_then(|b| shared.registry.destroy(&b)) {
        // Dropping the connection rolls back: keep it off the async workers.
        let _ = tokio::task::spawn_blocking(move || drop(data)).await;
    }
    fatal(f)
}

/// A stream request let in: who asks, what it asks, and the stream it runs on.
struct Admitted<R> {
    access: Access,
    req: R,
    lease: Lease,
    data: Box<StreamData>,
}

/// Authenticate, decode the body (a malformed one destroys the stream its
/// baton names) and take the stream the baton names, or open one.
async fn admit<R>(
    shared: &Arc<Shared>,
    headers: &HeaderMap,
    body: &[u8],
    decode: fn(&[u8]) -> Result<R, Fatal>,
    baton: fn(&R) -> Option<&str>,
) -> Result<Admitted<R>, Response> {
    let access = authorize(shared, headers).map_err(|r| *r)?;
    let req = match decode(body) {
        Ok(r) => r,
        Err(f) => return Err(malformed(shared, body, &f).await),
    };
    let (lease, data) = lease(shared, baton(&req)).await?;
    Ok(Admitted {
        access,
        req,
        lease,
        data,
    })
}

/// `POST /v2/pipeline`, `POST /v3/pipeline`.
pub(crate) async fn pipeline(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
    version: Version,
) -> Response {
    let Admitted {
        access,
        req,
        lease,
        data,
    } = match admit(&shared, &headers, &body, decode_pipeline, |r| {
        r.baton.as_deref()
    })
    .await
    {
        Ok(a) => a,
        Err(r) => return r,
    };
    let limits = shared.limits;
    let task = tokio::task::spawn_blocking(move || {
        let mut data = data;
        if access == Access::ReadOnly {
            let sqls = pipeline_sqls(&req.requests, &data.proto);
            if writes(&mut data.exec, sqls.iter().map(|s| &**s)) {
                return (None, Err(Failure::Forbidden));
            }
        }
        let StreamData { exec, proto } = &mut *data;
        match proto.run_pipeline(version, &req.requests, exec, &limits) {
            Ok(out) => {
                let keep = (!out.closed).then_some(data);
                (keep, Ok(out))
            }
            Err(f) => (None, Err(Failure::Fatal(f))),
        }
    });
    let (data, outcome) = match task.await {
        Ok(x) => x,
        Err(e) => return internal(e),
    };
    let baton = lease.finish(data);
    match outcome {
        Ok(out) => json(StatusCode::OK, out.encode(baton.as_deref(), None)),
        Err(Failure::Fatal(f)) => {
            tracing::debug!(error = %f, "pipeline failed as a whole; stream destroyed");
            fatal(&f)
        }
        Err(Failure::Forbidden) => forbidden(),
    }
}

/// `POST /v3/cursor`. Checks run first (a parse error is a 500 before any
/// body); then line 1 goes out with the next baton and entries follow as the
/// batch produces them, through a bounded channel, so memory stays bounded
/// however large the result. If the client goes away mid-body, the batch stops
/// and the stream is destroyed (rolled back), as in sqld.
pub(crate) async fn cursor(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Admitted {
        access,
        req,
        lease,
        data,
    } = match admit(&shared, &headers, &body, decode_cursor, |r| {
        r.baton.as_deref()
    })
    .await
    {
        Ok(a) => a,
        Err(r) => return r,
    };
    let (started_tx, started_rx) = tokio::sync::oneshot::channel::<Result<(), Failure>>();
    let (lines_tx, lines_rx) = tokio::sync::mpsc::channel::<Bytes>(CURSOR_BUFFER);
    let task = tokio::task::spawn_blocking(move || {
        let (mut lease, mut data) = (lease, data);
        let StreamData { exec, proto } = &mut *data;
        let checked = if access == Access::ReadOnly
            && writes(exec, batch_sqls(&req.batch, proto).iter().map(|s| &**s))
        {
            Err(Failure::Forbidden)
        } else {
            prepare_cursor(proto, &req.batch, exec).map_err(Failure::Fatal)
        };
        let prepared = match checked {
            Ok(p) => p,
            Err(failure) => {
                lease.finish(None);
                let _ = started_tx.send(Err(failure));
                return;
            }
        };
        let baton = lease.rotate();
        if started_tx.send(Ok(())).is_err() {
            lease.finish(None);
            return;
        }
        let send = |line: String| {
            let mut bytes = line.into_bytes();
            bytes.push(b'\n');
            lines_tx.blocking_send(Bytes::from(bytes)).is_ok()
        };
        if !send(cursor_head(baton.as_deref(), None)) {
            lease.finish(None);
            return;
        }
        match prepared.run(exec, &mut |line| send(line)) {
            Ok(true) => {
                // Free the stream before the last line, so a client that read
                // to the end can use the baton at once.
                lease.release(data);
                let _ = send(cursor_trailer());
            }
            Ok(false) => {
                tracing::debug!("cursor reader went away; stream destroyed");
                lease.finish(None);
            }
            Err(f) => {
                // Too late for a status: end the body early (the client sees a
                // truncated cursor) and destroy the stream.
                tracing::debug!(error = %f, "cursor failed mid-body; stream destroyed");
                lease.finish(None);
            }
        }
    });
    match started_rx.await {
        Ok(Ok(())) => {
            let stream = futures_util::stream::unfold(lines_rx, |mut rx| async move {
                rx.recv()
                    .await
                    .map(|line| (Ok::<_, std::convert::Infallible>(line), rx))
            });
            let mut r = Response::new(axum::body::Body::from_stream(stream));
            r.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
            r
        }
        Ok(Err(Failure::Fatal(f))) => fatal(&f),
        Ok(Err(Failure::Forbidden)) => forbidden(),
        Err(_) => match task.await {
            Err(e) => internal(e),
            Ok(()) => internal("the cursor ended before it started"),
        },
    }
}

/// The SQL a `/v1/execute` body would run (none if it does not decode: then
/// it is refused before anything runs).
fn v1_execute_sqls(body: &[u8]) -> Vec<Arc<str>> {
    serde_json::from_slice::<wire::V1ExecuteRequest>(body)
        .map(|r| r.stmt.sql.as_deref().map(Arc::from).into_iter().collect())
        .unwrap_or_default()
}

/// The SQL a `/v1/batch` body would run.
fn v1_batch_sqls(body: &[u8]) -> Vec<Arc<str>> {
    serde_json::from_slice::<wire::V1BatchRequest>(body)
        .map(|r| batch_sqls(&r.batch, &ServerStream::new()))
        .unwrap_or_default()
}

/// A v1 request on a fresh connection. `sqls` reads the body's SQL for the
/// read-only check, with the same decoding `run` uses.
async fn v1(
    shared: Arc<Shared>,
    headers: HeaderMap,
    body: Bytes,
    sqls: fn(&[u8]) -> Vec<Arc<str>>,
    run: fn(&[u8], &mut dyn StreamExecutor, &sqlport_http::proto::server::Limits) -> V1Outcome,
) -> Response {
    let access = match authorize(&shared, &headers) {
        Ok(a) => a,
        Err(r) => return *r,
    };
    let limits = shared.limits;
    let connector = shared.connector.clone();
    let task = tokio::task::spawn_blocking(move || {
        // A fresh connection per request; dropping it rolls back what it left open.
        let conn = connector.connect_local()?;
        let mut exec = LocalExecutor::new(conn);
        if access == Access::ReadOnly && writes(&mut exec, sqls(&body).iter().map(|s| &**s)) {
            return Ok(None);
        }
        Ok::<_, sqlport_core::Error>(Some(run(&body, &mut exec, &limits)))
    });
    match task.await {
        Ok(Ok(Some(out))) => {
            let status =
                StatusCode::from_u16(out.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut r = (status, out.body).into_response();
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(out.content_type),
            );
            r
        }
        Ok(Ok(None)) => forbidden(),
        Ok(Err(e)) => internal(e),
        Err(e) => internal(e),
    }
}

/// `POST /v1/execute`.
pub(crate) async fn v1_execute(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    v1(shared, headers, body, v1_execute_sqls, run_v1_execute).await
}

/// `POST /v1/batch`.
pub(crate) async fn v1_batch(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    v1(shared, headers, body, v1_batch_sqls, run_v1_batch).await
}
