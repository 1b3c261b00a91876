//! [`RawConnection`]: one database connection for the Python layer.

use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use pyo3::prelude::*;
use pyo3::types::PyAny;
use sqlport::core::sql::{StatementKind, classify, is_blank};
use sqlport::local::{LocalConfig, LocalConnector};
use sqlport::{Batch, BatchMode, Error, HranaVersion, OpenOptions, Statement, StepResult, Target};

use crate::convert::to_params;
use crate::errors::{self, IntoPy, new_err};
use crate::sqltext::{param_info, split_script};
use crate::stream::{RawStream, StreamState, lock};
use crate::worker::{self, Backend, Worker};

/// Statements per batch request in `execute_many` (bounds memory and request size).
const MANY_CHUNK: usize = 256;

/// One connection: a worker thread that owns the transport.
#[pyclass(module = "sqlport._sqlport", frozen)]
pub struct RawConnection {
    worker: Worker,
    remote: bool,
    /// The stream still reading rows, if any: drained before the next job.
    active: Mutex<Weak<Mutex<StreamState>>>,
}

fn seconds(py: Python<'_>, what: &str, value: f64) -> PyResult<Duration> {
    Duration::try_from_secs_f64(value).map_err(|_| {
        new_err(
            py,
            "ProgrammingError",
            format!("{what} must be a non-negative number of seconds"),
        )
    })
}

/// `(is_remote, redacted NAME)` for a NAME; an invalid NAME raises InterfaceError.
#[pyfunction]
pub fn parse_name(py: Python<'_>, name: &str) -> PyResult<(bool, String)> {
    let target = Target::parse(name).py_err(py)?;
    Ok((target.is_remote(), sqlport::core::name::redact_name(name)))
}

fn open_backend(
    name: &str,
    options: OpenOptions,
    local: LocalConfig,
) -> Result<(Backend, bool), Error> {
    match Target::parse(name)? {
        Target::Local(target) => {
            let connector = LocalConnector::open(&target, local)?;
            Ok((Backend::Local(Box::new(connector.connect_local()?)), false))
        }
        Target::Remote(_) => {
            let db = sqlport::blocking::Database::open_with(name, options)?;
            Ok((Backend::Remote(db.connect()?), true))
        }
    }
}

impl RawConnection {
    /// Read the rest of the active stream into its buffer, so the worker is free.
    fn settle(&self, py: Python<'_>) {
        let active = {
            let mut guard = self.active.lock().unwrap_or_else(|p| p.into_inner());
            std::mem::take(&mut *guard).upgrade()
        };
        if let Some(state) = active {
            py.detach(move || lock(&state).drain());
        }
    }

    fn call<R: Send + 'static>(
        &self,
        py: Python<'_>,
        job: impl FnOnce(&mut crate::worker::Slot) -> Result<R, Error> + Send + 'static,
    ) -> PyResult<R> {
        self.settle(py);
        py.detach(|| self.worker.call(job)).py_err(py)
    }

    fn closed_err(py: Python<'_>) -> PyErr {
        new_err(
            py,
            "ProgrammingError",
            "Cannot operate on a closed database.",
        )
    }
}

#[pymethods]
impl RawConnection {
    /// Open `name` (any NAME form). Local: `busy_timeout`, `read_only`,
    /// `create`, `cached_statements`, `wal`; remote: `auth_token`,
    /// `request_timeout`, `connect_timeout`, `protocol` (`"auto"`, `"v3"`,
    /// `"v2"`, `"v1"`), `keep_idle_stream` (`OpenOptions::keep_idle_stream`).
    #[new]
    #[pyo3(signature = (name, *, auth_token=None, busy_timeout=5.0, request_timeout=30.0,
        connect_timeout=10.0, protocol="auto", read_only=false, create=true,
        cached_statements=64, wal=true, keep_idle_stream=false))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        name: &str,
        auth_token: Option<String>,
        busy_timeout: f64,
        request_timeout: f64,
        connect_timeout: f64,
        protocol: &str,
        read_only: bool,
        create: bool,
        cached_statements: usize,
        wal: bool,
        keep_idle_stream: bool,
    ) -> PyResult<Self> {
        let protocol: Option<HranaVersion> = match protocol.to_ascii_lowercase().as_str() {
            "auto" => None,
            other => match other.parse() {
                Ok(version) => Some(version),
                Err(_) => {
                    return Err(new_err(
                        py,
                        "ProgrammingError",
                        "protocol must be one of 'auto', 'v3', 'v2', 'v1'",
                    ));
                }
            },
        };
        let mut options = OpenOptions::new()
            .timeout(seconds(py, "request_timeout", request_timeout)?)
            .connect_timeout(seconds(py, "connect_timeout", connect_timeout)?)
            .protocol(protocol)
            .keep_idle_stream(keep_idle_stream);
        if let Some(token) = auth_token.filter(|t| !t.is_empty()) {
            options = options.auth_token(token);
        }
        let local = LocalConfig::default()
            .busy_timeout(seconds(py, "timeout", busy_timeout)?)
            .read_only(read_only)
            .create(create)
            .statement_cache_capacity(cached_statements)
            .wal(wal);
        let name = name.to_owned();
        let (backend, remote) = py
            .detach(move || open_backend(&name, options, local))
            .py_err(py)?;
        let worker = Worker::spawn(backend).py_err(py)?;
        Ok(RawConnection {
            worker,
            remote,
            active: Mutex::new(Weak::new()),
        })
    }

    /// `True` for a remote (HTTP) connection.
    #[getter]
    fn is_remote(&self) -> bool {
        self.remote
    }

    /// `True` while a transaction is open.
    #[getter]
    fn in_transaction(&self) -> bool {
        !self.worker.is_autocommit()
    }

    /// `True` once closed.
    #[getter]
    fn closed(&self) -> bool {
        self.worker.is_stopped()
    }

    /// Run one statement; returns once its first rows (or its end) arrived.
    #[pyo3(signature = (sql, params=None))]
    fn query(
        &self,
        py: Python<'_>,
        sql: &str,
        params: Option<Bound<'_, PyAny>>,
    ) -> PyResult<RawStream> {
        if self.worker.is_stopped() {
            return Err(Self::closed_err(py));
        }
        if split_script(sql).len() > 1 {
            // Checked here, not left to the transport: a remote server answers
            // it with an HTTP error that carries no code.
            return Err(new_err(
                py,
                "ProgrammingError",
                "You can only execute one statement at a time.",
            ));
        }
        let info = param_info(sql);
        let params = to_params(params.as_ref(), &info)?;
        let dml = classify(sql).is_dml();
        if is_blank(sql) {
            return Ok(RawStream {
                state: Arc::new(Mutex::new(StreamState::empty())),
                dml,
            });
        }
        let stmt = Statement {
            sql: Arc::from(sql),
            params,
        };
        self.settle(py);
        let rx = worker::stream(&self.worker, stmt).map_err(|_| Self::closed_err(py))?;
        let state = Arc::new(Mutex::new(StreamState::new(rx)));
        let waiting = state.clone();
        py.detach(move || lock(&waiting).wait_first());
        let finished = lock(&state).finished();
        if !finished {
            *self.active.lock().unwrap_or_else(|p| p.into_inner()) = Arc::downgrade(&state);
        } else {
            // A statement that failed before any row raises now, like sqlite3.
            let err = {
                let mut st = lock(&state);
                st.take_error_if_empty()
            };
            if let Some(e) = err {
                return Err(errors::to_py(py, &e));
            }
        }
        Ok(RawStream { state, dml })
    }

    /// Run one DML statement once per parameter set (batched: one request
    /// per 256 sets remotely); stops at the first failure. Returns the total
    /// rows changed and the last insert rowid.
    fn execute_many(
        &self,
        py: Python<'_>,
        sql: &str,
        param_sets: Bound<'_, PyAny>,
    ) -> PyResult<(i64, Option<i64>)> {
        if self.worker.is_stopped() {
            return Err(Self::closed_err(py));
        }
        let info = param_info(sql);
        let sql: Arc<str> = Arc::from(sql);
        let mut total: u64 = 0;
        let mut last_rowid = None;
        let mut chunk = Vec::with_capacity(MANY_CHUNK);
        let mut iter = param_sets.try_iter()?;
        loop {
            let next = iter.next().transpose()?;
            if let Some(params) = &next {
                chunk.push(Statement {
                    sql: sql.clone(),
                    params: to_params(Some(params), &info)?,
                });
            }
            if chunk.len() == MANY_CHUNK || (next.is_none() && !chunk.is_empty()) {
                let batch = Batch::new(std::mem::take(&mut chunk), BatchMode::StopOnError);
                let result = self.call(py, move |slot| slot.backend.transport().batch(&batch))?;
                for outcome in result.steps {
                    match outcome {
                        StepResult::Ok(rs) => {
                            total += rs.rows_affected;
                            if rs.last_insert_rowid.is_some() {
                                last_rowid = rs.last_insert_rowid;
                            }
                        }
                        StepResult::Err(e) => return Err(errors::to_py(py, &e)),
                        StepResult::Skipped => {}
                    }
                }
            }
            if next.is_none() {
                break;
            }
        }
        Ok((i64::try_from(total).unwrap_or(i64::MAX), last_rowid))
    }

    /// Run a script of `;`-separated statements without parameters (one
    /// request remotely); stops at the first failure.
    fn execute_script(&self, py: Python<'_>, sql: &str) -> PyResult<()> {
        if self.worker.is_stopped() {
            return Err(Self::closed_err(py));
        }
        let sql = sql.to_owned();
        self.call(py, move |slot| match &mut slot.backend {
            Backend::Local(t) => t
                .raw()
                .execute_batch(&sql)
                .map_err(sqlport::local::map_error),
            Backend::Remote(c) => {
                let steps: Vec<Statement> =
                    split_script(&sql).into_iter().map(Statement::new).collect();
                if steps.is_empty() {
                    return Ok(());
                }
                let result = c.batch(&Batch::new(steps, BatchMode::StopOnError))?;
                for outcome in result.steps {
                    if let StepResult::Err(e) = outcome {
                        return Err(e);
                    }
                }
                Ok(())
            }
        })
    }

    /// Register a scalar function (local connections only).
    #[pyo3(signature = (name, narg, func, deterministic=false))]
    fn create_function(
        &self,
        py: Python<'_>,
        name: String,
        narg: i32,
        func: Bound<'_, PyAny>,
        deterministic: bool,
    ) -> PyResult<()> {
        if self.remote {
            return Err(new_err(
                py,
                "NotSupportedError",
                "user-defined functions run in this process: a remote database cannot call them",
            ));
        }
        let func = func.unbind();
        self.call(py, move |slot| {
            crate::functions::create_scalar(slot, &name, narg, func, deterministic)
        })
    }

    /// Register an aggregate class with `step` and `finalize` (local only).
    fn create_aggregate(
        &self,
        py: Python<'_>,
        name: String,
        narg: i32,
        aggregate_class: Bound<'_, PyAny>,
    ) -> PyResult<()> {
        if self.remote {
            return Err(new_err(
                py,
                "NotSupportedError",
                "user-defined aggregates run in this process: a remote database cannot call them",
            ));
        }
        let class = aggregate_class.unbind();
        self.call(py, move |slot| {
            crate::functions::create_aggregate(slot, &name, narg, class)
        })
    }

    /// Close: roll back an open transaction and end the worker. Idempotent.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        if self.worker.is_stopped() {
            return Ok(());
        }
        // Cancel a stream still reading: its rows are no longer wanted.
        let active = {
            let mut guard = self.active.lock().unwrap_or_else(|p| p.into_inner());
            std::mem::take(&mut *guard).upgrade()
        };
        if let Some(state) = active {
            lock(&state).cancel();
        }
        let result = py.detach(|| self.worker.call(|slot| slot.backend.transport().close()));
        self.worker.stop();
        match result {
            Ok(()) | Err(Error::Closed) => Ok(()),
            Err(e) => Err(errors::to_py(py, &e)),
        }
    }

    /// The statement kind of `sql` as the core classifies it (`"insert"`, ...).
    #[staticmethod]
    fn statement_kind(sql: &str) -> &'static str {
        match classify(sql) {
            StatementKind::Select => "select",
            StatementKind::Insert => "insert",
            StatementKind::Replace => "replace",
            StatementKind::Update => "update",
            StatementKind::Delete => "delete",
            StatementKind::Begin => "begin",
            StatementKind::Commit => "commit",
            StatementKind::Rollback => "rollback",
            StatementKind::RollbackTo => "rollback_to",
            StatementKind::Savepoint => "savepoint",
            StatementKind::Release => "release",
            StatementKind::PragmaRead => "pragma_read",
            StatementKind::PragmaWrite => "pragma_write",
            StatementKind::Ddl => "ddl",
            StatementKind::Attach => "attach",
            StatementKind::Explain => "explain",
            StatementKind::Empty => "empty",
            _ => "other",
        }
    }
}
