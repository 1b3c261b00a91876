//! The stateless v1 endpoints (`/v1/execute`, `/v1/batch`): every request runs
//! on a fresh connection; statement errors become HTTP statuses (docs/PROTOCOL.md §1.4).

use super::batch;
use super::encode;
use super::errors::{Fatal, map_error};
use super::executor::StreamExecutor;
use super::pipeline::{Budget, check_batch_floats, permit, too_large};
use super::stmt::{check_floats, to_statement};
use super::store::SqlStore;
use super::{Limits, Version};
use crate::proto::wire;

/// A complete v1 HTTP response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V1Outcome {
    /// HTTP status.
    pub status: u16,
    /// `Content-Type`.
    pub content_type: &'static str,
    /// Body.
    pub body: String,
}

impl V1Outcome {
    fn json(status: u16, body: String) -> Self {
        V1Outcome {
            status,
            content_type: "application/json",
            body,
        }
    }

    fn fatal(f: &Fatal) -> Self {
        V1Outcome {
            status: f.status(),
            content_type: f.content_type(),
            body: f.body(),
        }
    }

    /// sqld's `response_error_response`: status by error code.
    fn error(e: &wire::Error) -> Self {
        let status = match e.code.as_deref().unwrap_or("") {
            "ARGS_BOTH_POSITIONAL_AND_NAMED" => 501,
            "TRANSACTION_TIMEOUT" | "TRANSACTION_BUSY" => 503,
            c if c.starts_with("SQLITE_") => 500,
            _ => 400,
        };
        V1Outcome::json(status, encode::encode_error(e))
    }
}

fn decode<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, Fatal> {
    serde_json::from_slice(body)
        .map_err(|e| Fatal::protocol(format!("Cannot deserialize client message from JSON: {e}")))
}

fn no_sql_id(stmt: &wire::Stmt) -> Result<(), Fatal> {
    if stmt.sql_id.is_some() {
        return Err(Fatal::protocol(
            "`sql_id` is only supported in protocol version hrana2 and higher",
        ));
    }
    Ok(())
}

/// `POST /v1/execute`: `{"stmt":Stmt}` → `{"result":StmtResult}`.
pub fn run_v1_execute(body: &[u8], exec: &mut dyn StreamExecutor, limits: &Limits) -> V1Outcome {
    let mut run = || -> Result<V1Outcome, Fatal> {
        let req: wire::V1ExecuteRequest = decode(body)?;
        no_sql_id(&req.stmt)?;
        check_floats(&req.stmt)?;
        let prepared = match to_statement(&req.stmt, &SqlStore::new(), exec)? {
            Ok(s) => s,
            Err(e) => return Ok(V1Outcome::error(&e)),
        };
        permit(exec, &[&prepared.kind])?;
        match batch::execute_encoded(exec, &prepared.stmt, Budget::new(limits).remaining()) {
            Ok(Some(text)) => Ok(V1Outcome::json(200, format!("{{\"result\":{text}}}"))),
            Ok(None) => Err(Fatal::protocol(too_large().message)),
            Err(e) => Ok(V1Outcome::error(&map_error(&e)?)),
        }
    };
    run().unwrap_or_else(|f| V1Outcome::fatal(&f))
}

/// `POST /v1/batch`: `{"batch":Batch}` → `{"result":BatchResult}`; step
/// failures are inside the result.
pub fn run_v1_batch(body: &[u8], exec: &mut dyn StreamExecutor, limits: &Limits) -> V1Outcome {
    let mut run = || -> Result<V1Outcome, Fatal> {
        let req: wire::V1BatchRequest = decode(body)?;
        for step in &req.batch.steps {
            no_sql_id(&step.stmt)?;
        }
        check_batch_floats(&req.batch)?;
        let stmts = match batch::prepare(&req.batch, Version::V1, &SqlStore::new(), exec)? {
            Ok(s) => s,
            Err(e) => return Ok(V1Outcome::error(&e)),
        };
        batch::permit_all(exec, &stmts)?;
        match batch::run_encoded(&req.batch, &stmts, exec, &Budget::new(limits))? {
            Some(result) => Ok(V1Outcome::json(200, format!("{{\"result\":{result}}}"))),
            None => Err(Fatal::protocol(too_large().message)),
        }
    };
    run().unwrap_or_else(|f| V1Outcome::fatal(&f))
}
