//! The pipeline endpoint (`/v2/pipeline`, `/v3/pipeline`): one stream's
//! protocol state ([`ServerStream`]) and the request loop.

use super::batch;
use super::encode::{self, bare_response, error_result, ok_result, result_response};
use super::errors::{ErrorCode, Fatal, map_error};
use super::executor::{StatementKind, StreamExecutor};
use super::stmt::{check_floats, to_statement};
use super::store::SqlStore;
use super::{Limits, Version};
use crate::proto::wire;

/// Decode a pipeline request body; failure is the protocol error sqld sends.
pub fn decode_pipeline(body: &[u8]) -> Result<wire::PipelineRequest, Fatal> {
    serde_json::from_slice(body)
        .map_err(|e| Fatal::protocol(format!("Cannot deserialize client message from JSON: {e}")))
}

/// Decode a cursor request body.
pub fn decode_cursor(body: &[u8]) -> Result<wire::CursorRequest, Fatal> {
    serde_json::from_slice(body)
        .map_err(|e| Fatal::protocol(format!("Cannot deserialize client message from JSON: {e}")))
}

/// The outcome of a pipeline that did not fail as a whole.
#[derive(Debug, Clone, PartialEq)]
pub struct PipelineOutput {
    /// One encoded `StreamResult` per request.
    pub results: Vec<String>,
    /// A `close` request ran: the stream is over (reply baton `null`).
    pub closed: bool,
}

impl PipelineOutput {
    /// The response body for this output.
    pub fn encode(&self, baton: Option<&str>, base_url: Option<&str>) -> String {
        encode::encode_pipeline_response(baton, base_url, &self.results)
    }
}

/// The protocol state of one stream (its stored SQL); the connection itself is
/// the caller's [`StreamExecutor`].
#[derive(Debug, Clone, Default)]
pub struct ServerStream {
    store: SqlStore,
}

/// Running size of the encoded results of one response.
pub(crate) struct Budget {
    used: usize,
    max: usize,
}

impl Budget {
    /// A budget of `limits.max_response_bytes`.
    pub(crate) fn new(limits: &Limits) -> Self {
        Budget {
            used: 0,
            max: limits.max_response_bytes,
        }
    }

    /// Whether `len` more bytes would still fit.
    pub(crate) fn fits(&self, len: usize) -> bool {
        self.used.checked_add(len).is_some_and(|n| n <= self.max)
    }

    /// Bytes still free.
    pub(crate) fn remaining(&self) -> usize {
        self.max.saturating_sub(self.used)
    }

    /// Count `len` more bytes; `false` (and nothing counted) if that goes
    /// over the limit.
    pub(crate) fn take(&mut self, len: usize) -> bool {
        match self.used.checked_add(len) {
            Some(n) if n <= self.max => {
                self.used = n;
                true
            }
            _ => false,
        }
    }
}

pub(crate) fn too_large() -> wire::Error {
    ErrorCode::ResponseTooLarge.error("Response is too large")
}

impl ServerStream {
    /// A fresh stream.
    pub fn new() -> Self {
        ServerStream::default()
    }

    /// The stream's stored SQL.
    pub fn store(&self) -> &SqlStore {
        &self.store
    }

    /// Run the requests of one pipeline in order on `exec`. Per-request errors
    /// are in band; a [`Fatal`] error fails the whole HTTP request (requests
    /// that already ran are not undone, as in sqld) and the caller must then
    /// destroy the stream.
    pub fn run_pipeline(
        &mut self,
        version: Version,
        requests: &[wire::StreamRequest],
        exec: &mut dyn StreamExecutor,
        limits: &Limits,
    ) -> Result<PipelineOutput, Fatal> {
        for req in requests {
            check_request_floats(req)?;
        }
        let mut budget = Budget::new(limits);
        let mut results = Vec::with_capacity(requests.len());
        let mut closed = false;
        for req in requests {
            // After `close` the stream has no connection: what needs one is
            // a protocol error (`close`, `store_sql`, `close_sql` still work).
            if closed && needs_connection(req) {
                if matches!(req, wire::StreamRequest::GetAutocommit) && version < Version::V3 {
                    return Err(get_autocommit_on_v2());
                }
                return Err(Fatal::protocol("Stream for this baton was closed"));
            }
            let result = match self.run_request(version, req, exec, &budget)? {
                Ok(response) => ok_result(&response),
                Err(e) => error_result(&e),
            };
            // Every result counts, so many small ones are limited too.
            let result = if budget.take(result.len()) {
                result
            } else {
                error_result(&too_large())
            };
            closed |= matches!(req, wire::StreamRequest::Close);
            results.push(result);
        }
        Ok(PipelineOutput { results, closed })
    }

    fn run_request(
        &mut self,
        version: Version,
        req: &wire::StreamRequest,
        exec: &mut dyn StreamExecutor,
        budget: &Budget,
    ) -> Result<Result<String, wire::Error>, Fatal> {
        use wire::StreamRequest as R;
        Ok(match req {
            R::Close => Ok(bare_response("close")),
            R::Execute { stmt } => {
                let prepared = match to_statement(stmt, &self.store, exec)? {
                    Ok(s) => s,
                    Err(e) => return Ok(Err(e)),
                };
                permit(exec, &[&prepared.kind])?;
                match batch::execute_encoded(exec, &prepared.stmt, budget.remaining()) {
                    Ok(Some(text)) => Ok(result_response("execute", &text)),
                    Ok(None) => Err(too_large()),
                    Err(e) => Err(map_error(&e)?),
                }
            }
            R::Batch { batch } => self.run_batch(version, batch, exec, budget)?,
            R::Sequence { sql, sql_id } => {
                let sql = self.store.resolve(sql.as_deref(), *sql_id)?;
                run_sequence(&sql, exec)?.map(|()| bare_response("sequence"))
            }
            R::Describe { sql, sql_id } => {
                let sql = self.store.resolve(sql.as_deref(), *sql_id)?;
                match exec.describe(&sql) {
                    Ok(d) => {
                        let result = wire::DescribeResult {
                            params: d
                                .params
                                .into_iter()
                                .map(|name| wire::DescribeParam { name })
                                .collect(),
                            cols: d
                                .columns
                                .into_iter()
                                .map(|c| wire::DescribeCol {
                                    name: c.name,
                                    decltype: c.decl_type,
                                })
                                .collect(),
                            is_explain: d.is_explain,
                            is_readonly: d.is_readonly,
                        };
                        Ok(result_response("describe", &encode::encode(&result)))
                    }
                    Err(e) => Err(map_error(&e)?),
                }
            }
            R::StoreSql { sql_id, sql } => self
                .store
                .store(*sql_id, sql)?
                .map(|()| bare_response("store_sql")),
            R::CloseSql { sql_id } => {
                self.store.close(*sql_id);
                Ok(bare_response("close_sql"))
            }
            R::GetAutocommit => {
                if version < Version::V3 {
                    return Err(get_autocommit_on_v2());
                }
                Ok(format!(
                    "{{\"type\":\"get_autocommit\",\"is_autocommit\":{}}}",
                    exec.is_autocommit()
                ))
            }
        })
    }

    /// Run a batch request: its result, or the whole batch's error.
    pub(crate) fn run_batch(
        &mut self,
        version: Version,
        batch: &wire::Batch,
        exec: &mut dyn StreamExecutor,
        budget: &Budget,
    ) -> Result<Result<String, wire::Error>, Fatal> {
        let stmts = match batch::prepare(batch, version, &self.store, exec)? {
            Ok(s) => s,
            Err(e) => return Ok(Err(e)),
        };
        batch::permit_all(exec, &stmts)?;
        Ok(match batch::run_encoded(batch, &stmts, exec, budget)? {
            Some(result) => Ok(result_response("batch", &result)),
            None => Err(too_large()),
        })
    }
}

/// Run a `sequence` script as sqld does: parse it whole first (any failure
/// is the request's `SQL_PARSE_ERROR`, and nothing runs), check the rights
/// its statements need, then run them in order, without arguments, stopping
/// at the first failure.
fn run_sequence(
    sql: &str,
    exec: &mut dyn StreamExecutor,
) -> Result<Result<(), wire::Error>, Fatal> {
    let analysis = exec.analyze(sql);
    if let Some(e) = analysis.error {
        let w = map_error(&e)?;
        let w = if w.code.as_deref() == Some(ErrorCode::SqlParseError.as_str()) {
            w
        } else {
            ErrorCode::SqlParseError.error(format!("SQL string could not be parsed: {}", w.message))
        };
        return Ok(Err(w));
    }
    let kinds: Vec<&StatementKind> = analysis.statements.iter().map(|a| &a.kind).collect();
    permit(exec, &kinds)?;
    for part in &analysis.statements {
        let stmt = sqlport_core::Statement::new(part.sql.as_str());
        if let Err(e) = exec.execute_discarding_rows(&stmt) {
            return Ok(Err(map_error(&e)?));
        }
    }
    Ok(Ok(()))
}

/// A request that needs the stream's connection.
fn needs_connection(req: &wire::StreamRequest) -> bool {
    !matches!(
        req,
        wire::StreamRequest::Close
            | wire::StreamRequest::StoreSql { .. }
            | wire::StreamRequest::CloseSql { .. }
    )
}

fn get_autocommit_on_v2() -> Fatal {
    Fatal::protocol(
        "The `get_autocommit` request is only supported in protocol version hrana3 and higher",
    )
}

/// The credentials' check before statements run ([`StreamExecutor::permit`]).
pub(crate) fn permit(exec: &mut dyn StreamExecutor, kinds: &[&StatementKind]) -> Result<(), Fatal> {
    exec.permit(kinds).map_err(Fatal::Forbidden)
}

/// A `null` float anywhere in the request fails the whole body, as sqld
/// fails to deserialize it.
pub(crate) fn check_request_floats(req: &wire::StreamRequest) -> Result<(), Fatal> {
    match req {
        wire::StreamRequest::Execute { stmt } => check_floats(stmt),
        wire::StreamRequest::Batch { batch } => check_batch_floats(batch),
        _ => Ok(()),
    }
}

/// [`check_request_floats`] for a batch.
pub(crate) fn check_batch_floats(batch: &wire::Batch) -> Result<(), Fatal> {
    batch.steps.iter().try_for_each(|s| check_floats(&s.stmt))
}
