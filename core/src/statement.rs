//! Statements and batches as handed to a transport.

use std::sync::Arc;

use crate::error::Result;
use crate::params::{IntoParams, Params};

/// One SQL statement with its bound parameters.
///
/// A statement string must hold exactly one statement (a trailing `;` or comment
/// is fine); more is [`Error::MultipleStatements`](crate::Error::MultipleStatements)
/// on every transport, none is [`Error::NoStatement`](crate::Error::NoStatement).
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// The SQL text.
    pub sql: Arc<str>,
    /// The bound parameters.
    pub params: Params,
}

impl Statement {
    /// A statement without parameters.
    pub fn new(sql: impl Into<Arc<str>>) -> Self {
        Statement {
            sql: sql.into(),
            params: Params::None,
        }
    }

    /// A statement with parameters (converted now; a conversion error is returned here).
    pub fn with_params(sql: impl Into<Arc<str>>, params: impl IntoParams) -> Result<Self> {
        Ok(Statement {
            sql: sql.into(),
            params: params.into_params()?,
        })
    }
}

impl From<&str> for Statement {
    fn from(sql: &str) -> Self {
        Statement::new(sql)
    }
}

impl From<String> for Statement {
    fn from(sql: String) -> Self {
        Statement::new(sql)
    }
}

/// How a transaction starts: `BEGIN DEFERRED | IMMEDIATE | EXCLUSIVE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum TransactionBehavior {
    /// Locks are taken when first needed (SQLite's default).
    #[default]
    Deferred,
    /// The write lock is taken at once.
    Immediate,
    /// Like immediate; in WAL mode the same, otherwise also blocks readers.
    Exclusive,
}

impl TransactionBehavior {
    /// The `BEGIN` statement for this behaviour.
    pub fn begin_sql(self) -> &'static str {
        match self {
            TransactionBehavior::Deferred => "BEGIN DEFERRED",
            TransactionBehavior::Immediate => "BEGIN IMMEDIATE",
            TransactionBehavior::Exclusive => "BEGIN EXCLUSIVE",
        }
    }
}

/// How the steps of a [`Batch`] relate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BatchMode {
    /// All steps or none: the batch runs in its own transaction (or, when the
    /// connection is already inside one, in a savepoint), and a failure rolls it
    /// back and is returned as [`Error::Batch`](crate::Error::Batch) with the step index.
    Atomic(TransactionBehavior),
    /// Steps run in order and stop at the first failure; later steps are
    /// [`StepResult::Skipped`]. Nothing is rolled back.
    StopOnError,
    /// Every step runs, whatever the others did.
    ContinueOnError,
}

/// Several statements sent to the transport as one unit (one HTTP round trip).
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    /// The statements, in order.
    pub steps: Vec<Statement>,
    /// How failures are handled.
    pub mode: BatchMode,
}

impl Batch {
    /// An atomic (all-or-nothing, deferred) batch.
    pub fn atomic(steps: impl IntoIterator<Item = Statement>) -> Self {
        Batch {
            steps: steps.into_iter().collect(),
            mode: BatchMode::Atomic(TransactionBehavior::Deferred),
        }
    }

    /// A batch with the given mode.
    pub fn new(steps: impl IntoIterator<Item = Statement>, mode: BatchMode) -> Self {
        Batch {
            steps: steps.into_iter().collect(),
            mode,
        }
    }
}

/// The outcome of one batch step (see [`BatchMode`]).
#[derive(Debug)]
pub enum StepResult {
    /// The step ran.
    Ok(crate::result::ResultSet),
    /// The step ran and failed.
    Err(crate::error::Error),
    /// The step did not run.
    Skipped,
}

impl StepResult {
    /// The result set, if the step ran and succeeded.
    pub fn ok(&self) -> Option<&crate::result::ResultSet> {
        match self {
            StepResult::Ok(r) => Some(r),
            _ => None,
        }
    }

    /// The error, if the step failed.
    pub fn err(&self) -> Option<&crate::error::Error> {
        match self {
            StepResult::Err(e) => Some(e),
            _ => None,
        }
    }
}

/// The outcome of a batch: one entry per step.
#[derive(Debug, Default)]
pub struct BatchResult {
    /// Per-step outcomes, in order.
    pub steps: Vec<StepResult>,
}
