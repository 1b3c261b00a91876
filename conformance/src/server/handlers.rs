//! HTTP handlers. SQL runs on tokio's blocking pool, one slot of the server's
//! bounded pool per request, with the stream's state moved in and back; the
//! registry lease guarantees one request per stream at a time. If the client
//! goes away, the handler's future is dropped and its statement interrupted.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sqlport_http::proto::server::{
    StreamExecutor, V1Outcome, Version, decode_cursor, decode_pipeline,
};

use super::app::Shared;
use super::control::CancelOnDrop;
use super::cursor;
use super::executor::LocalExecutor;
use super::registry::StreamData;
use super::request::{self, Admitted};
use super::response_budget::held_body;
use super::responses::{fatal, internal, refusal, text};

const HELLO: &str = "Hello, this is HTTP API v2 (Hrana over HTTP)";

/// `GET /health`: 200, empty body.
pub(crate) async fn health() -> StatusCode {
    StatusCode::OK
}

/// `GET /version` (without a content type, as sqld answers it).
pub(crate) async fn version() -> Response {
    let mut r = format!("sqlport-reference-server {}", env!("CARGO_PKG_VERSION")).into_response();
    r.headers_mut().remove(header::CONTENT_TYPE);
    r
}

/// `GET /`: sqld upgrades it to a WebSocket (Hrana over WebSocket, which
/// this server does not speak); a plain GET gets 404, as from sqld.
pub(crate) async fn root() -> StatusCode {
    StatusCode::NOT_FOUND
}

/// `GET /v2`, `GET /v3`: the same banner as sqld.
pub(crate) async fn hello() -> Response {
    text(StatusCode::OK, HELLO)
}

/// `GET /v1`.
pub(crate) async fn hello_v1() -> Response {
    text(StatusCode::OK, "This is sqld HTTP API v1")
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
        data.exec.charge_responses();
        let StreamData { exec, proto } = &mut *data;
        let outcome = proto.run_pipeline(version, &req.requests, exec, &limits);
        data.exec.end_request();
        let charge = data.exec.take_charge();
        match outcome {
            Ok(out) => {
                let keep = (!out.closed).then_some(data);
                (keep, Ok((out, charge)))
            }
            Err(f) => (None, Err(f)),
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
        Ok((out, charge)) => {
            // The rows' bytes stay counted until the reply is written out.
            let body = out.encode(baton.as_deref(), None);
            let mut r = Response::new(held_body(Bytes::from(body), charge));
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            r
        }
        Err(f) => {
            tracing::debug!(error = %f, "pipeline failed as a whole; stream destroyed");
            fatal(&f)
        }
    }
}

/// `POST /v3/cursor` (see [`cursor`]).
pub(crate) async fn cursor(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    match request::admit(&shared, req, decode_cursor, |r| r.baton.as_deref()).await {
        Ok(admitted) => cursor::run(&shared, admitted).await,
        Err(r) => r,
    }
}

type V1Run = fn(&[u8], &mut dyn StreamExecutor, &sqlport_http::proto::server::Limits) -> V1Outcome;

/// A v1 request on a fresh connection, which counts as a stream (against
/// `max_streams` and the client's share) while it runs.
async fn v1(shared: Arc<Shared>, req: Request, run: V1Run) -> Response {
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
        exec.charge_responses();
        let out = run(&body, &mut exec, &limits);
        Ok::<_, sqlport_core::Error>((out, exec.take_charge()))
    });
    let joined = task.await;
    cancel.disarm();
    lease.finish(None);
    match joined {
        Ok(Ok((out, charge))) => {
            let status =
                StatusCode::from_u16(out.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let body = if status == StatusCode::INTERNAL_SERVER_ERROR {
                super::responses::scrub_paths(&out.body)
            } else {
                out.body
            };
            let mut r = Response::new(held_body(Bytes::from(body), charge));
            *r.status_mut() = status;
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(out.content_type),
            );
            r
        }
        Ok(Err(e)) => internal("cannot open a connection to the database", e),
        Err(e) => internal("the request's task failed", e),
    }
}

/// `POST /v1/execute`.
pub(crate) async fn v1_execute(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    v1(shared, req, sqlport_http::proto::server::run_v1_execute).await
}

/// `POST /v1/batch`.
pub(crate) async fn v1_batch(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    v1(shared, req, sqlport_http::proto::server::run_v1_batch).await
}
