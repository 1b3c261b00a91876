//! [`RawStream`]: the rows of one statement, pulled by a cursor.

use std::collections::VecDeque;
use std::sync::mpsc::Receiver;
use std::sync::{Arc, Mutex, MutexGuard};

use pyo3::prelude::*;
use pyo3::types::PyTuple;
use sqlport::{Column, Error, Row, Summary};

use crate::errors;
use crate::worker::Msg;

/// The state shared by a stream and its connection (which drains it before
/// running anything else on the same connection).
#[derive(Default)]
pub struct StreamState {
    rx: Option<Receiver<Msg>>,
    rows: VecDeque<Row>,
    columns: Option<Arc<[Column]>>,
    summary: Option<Summary>,
    error: Option<Error>,
}

impl StreamState {
    /// A stream fed by `rx`.
    pub fn new(rx: Receiver<Msg>) -> Self {
        StreamState {
            rx: Some(rx),
            ..Default::default()
        }
    }

    /// A finished stream with no columns and no rows (blank SQL).
    pub fn empty() -> Self {
        StreamState {
            summary: Some(Summary {
                columns: Arc::from(Vec::new()),
                rows_affected: 0,
                last_insert_rowid: None,
                rows_read: None,
                rows_written: None,
            }),
            ..Default::default()
        }
    }

    /// `true` once the worker finished the statement (or the stream was cancelled).
    pub fn finished(&self) -> bool {
        self.rx.is_none()
    }

    /// Receive one message (blocks).
    fn recv_one(&mut self) {
        let Some(rx) = &self.rx else { return };
        match rx.recv() {
            Ok(Msg::Rows(rows)) => {
                if self.columns.is_none() {
                    self.columns = rows.first().map(|r| r.columns_arc().clone());
                }
                self.rows.extend(rows);
            }
            Ok(Msg::Done(summary)) => {
                if self.columns.is_none() {
                    self.columns = Some(summary.columns.clone());
                }
                self.summary = Some(summary);
                self.rx = None;
            }
            Ok(Msg::Err(e)) => {
                self.error = Some(e);
                self.rx = None;
            }
            Err(_) => {
                self.error = Some(Error::Closed);
                self.rx = None;
            }
        }
    }

    /// Wait for the first rows, the end, or an error.
    pub fn wait_first(&mut self) {
        while self.rows.is_empty() && !self.finished() {
            self.recv_one();
        }
    }

    /// Receive everything that is left (the connection is needed for
    /// another statement; rows stay buffered for the cursor).
    pub fn drain(&mut self) {
        while !self.finished() {
            self.recv_one();
        }
    }

    /// The error of a statement that failed before producing any row.
    pub fn take_error_if_empty(&mut self) -> Option<Error> {
        if self.rows.is_empty() {
            self.error.take()
        } else {
            None
        }
    }

    /// Stop reading: the worker's next send fails and the statement stops.
    pub fn cancel(&mut self) {
        self.rx = None;
        self.rows.clear();
    }

    /// Up to `n` rows (all with `None`), or the pending error when no rows remain.
    fn take(&mut self, n: Option<usize>) -> Result<Vec<Row>, Error> {
        let want = n.unwrap_or(usize::MAX);
        while self.rows.len() < want && !self.finished() {
            self.recv_one();
        }
        if self.rows.is_empty() {
            if let Some(e) = self.error.take() {
                return Err(e);
            }
        }
        let k = want.min(self.rows.len());
        let out: Vec<Row> = self.rows.drain(..k).collect();
        // Look one message ahead once the buffer is empty, as sqlite3 steps
        // one row ahead: a statement that fails after its last row (a
        // constraint checked at the end of an INSERT ... RETURNING) raises
        // when that row is fetched, not never.
        while self.rows.is_empty() && !self.finished() {
            self.recv_one();
        }
        if self.rows.is_empty() {
            if let Some(e) = self.error.take() {
                return Err(e);
            }
        }
        Ok(out)
    }
}

/// Lock a stream state, tolerating a poisoned lock (the state stays usable).
pub fn lock(state: &Mutex<StreamState>) -> MutexGuard<'_, StreamState> {
    state.lock().unwrap_or_else(|p| p.into_inner())
}

/// The result of one statement: columns, rows (pulled in chunks), counts.
#[pyclass(module = "sqlport._sqlport", frozen)]
pub struct RawStream {
    pub(crate) state: Arc<Mutex<StreamState>>,
    /// INSERT/UPDATE/DELETE/REPLACE: `rowcount` is the number of rows changed.
    pub(crate) dml: bool,
}

#[pymethods]
impl RawStream {
    /// Up to `n` rows as tuples (all remaining rows when `n` is `None`).
    #[pyo3(signature = (n=None))]
    fn fetch<'py>(&self, py: Python<'py>, n: Option<usize>) -> PyResult<Vec<Bound<'py, PyTuple>>> {
        let state = self.state.clone();
        let rows = py.detach(move || lock(&state).take(n));
        let rows = rows.map_err(|e| errors::to_py(py, &e))?;
        rows.iter()
            .map(|row| {
                PyTuple::new(
                    py,
                    row.values().iter().map(|v| crate::convert::to_py(py, v)),
                )
            })
            .collect()
    }

    /// `[(name, declared type or None), ...]`, or `None` when the statement
    /// returns no columns.
    #[getter]
    fn columns(&self) -> Option<Vec<(String, Option<String>)>> {
        let st = lock(&self.state);
        let cols = st.columns.as_ref()?;
        if cols.is_empty() {
            return None;
        }
        Some(
            cols.iter()
                .map(|c| (c.name.clone(), c.decl_type.clone()))
                .collect(),
        )
    }

    /// `true` once the statement finished on the connection.
    #[getter]
    fn finished(&self) -> bool {
        lock(&self.state).finished()
    }

    /// Rows changed by INSERT/UPDATE/DELETE/REPLACE, once finished; `-1` before.
    #[getter]
    fn rowcount(&self) -> i64 {
        let st = lock(&self.state);
        match &st.summary {
            Some(s) if self.dml => i64::try_from(s.rows_affected).unwrap_or(i64::MAX),
            _ => -1,
        }
    }

    /// The rowid of the last inserted row, once finished.
    #[getter]
    fn lastrowid(&self) -> Option<i64> {
        lock(&self.state)
            .summary
            .as_ref()
            .and_then(|s| s.last_insert_rowid)
    }

    /// Read the rest of the result into memory (frees the connection).
    fn drain(&self, py: Python<'_>) {
        let state = self.state.clone();
        py.detach(move || lock(&state).drain());
    }

    /// Stop reading: the rest of the result is discarded.
    fn cancel(&self) {
        lock(&self.state).cancel();
    }
}
