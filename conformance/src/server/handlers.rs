//! HTTP handlers. SQL runs on tokio's blocking pool, one slot of the server's
//! bounded pool per request, with the stream's state moved in and back; the
//! registry lease guarantees one request per stream at a time. If the client
//! goes away, the handler's future is dropped and its statement interrupted.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sqlport_http::proto::server::{
    StreamExecutor, V1Outcome, Version, decode_cursor, decode_pipeline, split_statements,
};
use sqlport_http::proto::wire;

use super::app::Shared;
use super::auth::Access;
use super::control::CancelOnDrop;
use super::cursor;
use super::executor::LocalExecutor;
use super::registry::StreamData;
use super::request::{self, Admitted};
use super::responses::{fatal, forbidden, internal, refusal, text};

const HELLO: &str = "Hello, this is HTTP API v2 (Hrana over HTTP)";

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

/// Why a stream's run failed as a whole.
pub(crate) enum Failure {
    /// A protocol or internal error.
    Fatal(sqlport_http::proto::server::Fatal),
    /// A write with a read-only token.
    Forbidden,
}

/// `true` unless every one of `sqls` is known to only read (for read-only
/// tokens). SQL that does not prepare now counts as a write: it may prepare
/// once an earlier statement of the same request has run.
pub(crate) fn writes<'a>(
    exec: &mut LocalExecutor,
    sqls: impl IntoIterator<Item = &'a str>,
) -> bool {
    sqls.into_iter()
        .flat_map(split_statements)
        .any(|sql| !matches!(exec.describe(sql), Ok(d) if d.is_readonly))
}

pub(crate) fn batch_sqls(
    batch: &wire::Batch,
    proto: &sqlport_http::proto::server::ServerStream,
) -> Vec<Arc<str>> {
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

fn pipeline_sqls(
    requests: &[wire::StreamRequest],
    proto: &sqlport_http::proto::server::ServerStream,
) -> Vec<Arc<str>> {
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

/// `POST /v2/pipeline`, `POST /v3/pipeline`.
pub(crate) async fn pipeline(
    State(shared): State<Arc<Shared>>,
    req: Request,
    version: Version,
) -> Response {
    let Admitted {
        access,
        req,
        lease,
        data,
        permit,
    } = match request::admit(&shared, req, decode_pipeline, |r| r.baton.as_deref()).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let limits = shared.limits;
    let cancel = CancelOnDrop::new(data.exec.control());
    let task = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let mut data = data;
        data.exec.begin_request(access);
        if access == Access::ReadOnly {
            let sqls = pipeline_sqls(&req.requests, &data.proto);
            if writes(&mut data.exec, sqls.iter().map(|s| &**s)) {
                return (None, Err(Failure::Forbidden));
            }
        }
        let StreamData { exec, proto } = &mut *data;
        let outcome = proto.run_pipeline(version, &req.requests, exec, &limits);
        data.exec.end_request();
        match outcome {
            Ok(out) => {
                let keep = (!out.closed).then_some(data);
                (keep, Ok(out))
            }
            Err(f) => (None, Err(Failure::Fatal(f))),
        }
    });
    let joined = task.await;
    cancel.disarm();
    let (data, outcome) = match joined {
        Ok(x) => x,
        Err(e) => return internal("the request's task failed", e),
    };
    let baton = lease.finish(data);
    match outcome {
        Ok(out) => super::responses::json(StatusCode::OK, out.encode(baton.as_deref(), None)),
        Err(Failure::Fatal(f)) => {
            tracing::debug!(error = %f, "pipeline failed as a whole; stream destroyed");
            fatal(&f)
        }
        Err(Failure::Forbidden) => forbidden(),
    }
}

/// `POST /v3/cursor` (see [`cursor`]).
pub(crate) async fn cursor(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    match request::admit(&shared, req, decode_cursor, |r| r.baton.as_deref()).await {
        Ok(admitted) => cursor::run(&shared, admitted).await,
        Err(r) => r,
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
        .map(|r| batch_sqls(&r.batch, &sqlport_http::proto::server::ServerStream::new()))
        .unwrap_or_default()
}

type V1Run = fn(&[u8], &mut dyn StreamExecutor, &sqlport_http::proto::server::Limits) -> V1Outcome;

/// A v1 request on a fresh connection, which counts as a stream (against
/// `max_streams` and the client's share) while it runs. `sqls` reads the
/// body's SQL for the read-only check, with the same decoding `run` uses.
async fn v1(
    shared: Arc<Shared>,
    req: Request,
    sqls: fn(&[u8]) -> Vec<Arc<str>>,
    run: V1Run,
) -> Response {
    let (parts, body) = req.into_parts();
    let access = match request::authorize(&shared, &parts) {
        Ok(a) => a,
        Err(r) => return *r,
    };
    let body = match request::read_body(&shared, &parts, body).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let permit = match request::slot(&shared).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let lease = match shared.registry.open(request::client_of(&shared, &parts)) {
        Ok(l) => l,
        Err(r) => {
            return refusal(
                r,
                shared.config.max_streams,
                shared.config.max_streams_per_client,
            );
        }
    };
    let limits = shared.limits;
    let connector = shared.connector.clone();
    let settings = shared.settings;
    let control = request::new_control(&shared);
    let cancel = CancelOnDrop::new(Arc::clone(&control));
    let task = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        // A fresh connection per request; dropping it rolls back what it left open.
        let conn = connector.connect_local()?;
        let mut exec = LocalExecutor::new(conn, settings, control);
        exec.begin_request(access);
        if access == Access::ReadOnly && writes(&mut exec, sqls(&body).iter().map(|s| &**s)) {
            return Ok(None);
        }
        Ok::<_, sqlport_core::Error>(Some(run(&body, &mut exec, &limits)))
    });
    let joined = task.await;
    cancel.disarm();
    lease.finish(None);
    match joined {
        Ok(Ok(Some(out))) => {
            let status =
                StatusCode::from_u16(out.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let body = if status == StatusCode::INTERNAL_SERVER_ERROR {
                super::responses::scrub_paths(&out.body)
            } else {
                out.body
            };
            let mut r = (status, body).into_response();
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(out.content_type),
            );
            r
        }
        Ok(Ok(None)) => forbidden(),
        Ok(Err(e)) => internal("cannot open a connection to the database", e),
        Err(e) => internal("the request's task failed", e),
    }
}

/// `POST /v1/execute`.
pub(crate) async fn v1_execute(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    v1(
        shared,
        req,
        v1_execute_sqls,
        sqlport_http::proto::server::run_v1_execute,
    )
    .await
}

/// `POST /v1/batch`.
pub(crate) async fn v1_batch(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    v1(
        shared,
        req,
        v1_batch_sqls,
        sqlport_http::proto::server::run_v1_batch,
    )
    .await
}
