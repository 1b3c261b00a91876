//! One driver for every schema procedure, blocking or async.
//!
//! A procedure (reading the history, introspecting, running a plan, migrating) is a
//! sans-IO state machine: [`Procedure::poll`] says what to do next (run a statement, call a
//! RunPython handler, check that handlers exist) or gives the result, and
//! [`Procedure::feed`] hands it the outcome. [`run_blocking`] and [`run_async`] are the only
//! two loops; they do I/O and nothing else.

use std::collections::VecDeque;

use sqlport_core::{AsyncTransport, ResultSet, Statement, Transport, Value};

use crate::error::{Result, SchemaError};
use crate::handlers::Handlers;
use crate::history::{self, MigrationRecord};
use crate::introspect::{DbSchema, introspection_statements, parse_introspection};
use crate::plan::{Direction, Expect, FK_ON, MigrationPlan, OnFailure, ROLLBACK, StepAction};

/// What a procedure asks of its driver.
pub(crate) enum Request<'a> {
    /// Run this statement; feed its result.
    Execute(&'a Statement),
    /// Call this RunPython handler on the connection; feed `None` or its error.
    Call(&'a str),
    /// Fail with `MissingHandler` unless every one of these has a handler of the driver's
    /// flavour; feed `None` or the error.
    CheckHandlers(&'a [String]),
    /// A migration's steps all ran (report progress); feed `None`.
    Progress(&'a MigrationRecord, Direction),
}

/// Called once per migration whose steps have all run (inside the transaction).
pub type Progress<'a> = &'a mut (dyn FnMut(&MigrationRecord, Direction) + Send);

/// The next thing a procedure needs.
pub(crate) enum Poll<'a, T> {
    Request(Request<'a>),
    Done(Result<T>),
}

/// A sans-IO schema procedure.
pub(crate) trait Procedure {
    type Output;
    fn poll(&mut self) -> Poll<'_, Self::Output>;
    fn feed(&mut self, outcome: Result<Option<ResultSet>>);
}

/// Runs a procedure on a blocking transport.
pub(crate) fn run_blocking<P: Procedure>(
    mut p: P,
    t: &mut dyn Transport,
    h: &Handlers,
    progress: Progress<'_>,
) -> Result<P::Output> {
    loop {
        let outcome = match p.poll() {
            Poll::Done(r) => return r,
            Poll::Request(Request::Execute(st)) => t.execute(st).map(Some).map_err(Into::into),
            Poll::Request(Request::Call(name)) => h.call_blocking(name, t).map(|()| None),
            Poll::Request(Request::CheckHandlers(names)) => h.check(names, true).map(|()| None),
            Poll::Request(Request::Progress(r, d)) => {
                progress(r, d);
                Ok(None)
            }
        };
        p.feed(outcome);
    }
}

/// Runs a procedure on an async transport.
pub(crate) async fn run_async<P: Procedure>(
    mut p: P,
    t: &mut dyn AsyncTransport,
    h: &Handlers,
    progress: Progress<'_>,
) -> Result<P::Output> {
    loop {
        let outcome = match p.poll() {
            Poll::Done(r) => return r,
            Poll::Request(Request::Execute(st)) => {
                t.execute(st).await.map(Some).map_err(Into::into)
            }
            Poll::Request(Request::Call(name)) => h.call_async(name, t).await.map(|()| None),
            Poll::Request(Request::CheckHandlers(names)) => h.check(names, false).map(|()| None),
            Poll::Request(Request::Progress(r, d)) => {
                progress(r, d);
                Ok(None)
            }
        };
        p.feed(outcome);
    }
}

/// Refuses to start inside a transaction (`PRAGMA foreign_keys` cannot change there).
pub(crate) fn not_in_transaction(autocommit: bool) -> Result<()> {
    if autocommit {
        Ok(())
    } else {
        Err(SchemaError::Migration(
            "cannot migrate inside a transaction (PRAGMA foreign_keys cannot change)".into(),
        ))
    }
}

fn result_set(outcome: Result<Option<ResultSet>>) -> Result<ResultSet> {
    outcome?.ok_or_else(|| SchemaError::ResultShape("expected a result set".into()))
}

/// A fixed list of queries, then a parse of their results.
pub(crate) struct Queries<T> {
    statements: Vec<Statement>,
    results: Vec<ResultSet>,
    parse: fn(&[ResultSet]) -> Result<T>,
    error: Option<SchemaError>,
}

impl<T> Queries<T> {
    pub(crate) fn new(statements: Vec<Statement>, parse: fn(&[ResultSet]) -> Result<T>) -> Self {
        Queries {
            statements,
            results: Vec::new(),
            parse,
            error: None,
        }
    }
}

impl<T> Procedure for Queries<T> {
    type Output = T;
    fn poll(&mut self) -> Poll<'_, T> {
        if let Some(e) = self.error.take() {
            return Poll::Done(Err(e));
        }
        match self.statements.get(self.results.len()) {
            Some(st) => Poll::Request(Request::Execute(st)),
            None => Poll::Done((self.parse)(&self.results)),
        }
    }
    fn feed(&mut self, outcome: Result<Option<ResultSet>>) {
        match result_set(outcome) {
            Ok(rs) => self.results.push(rs),
            Err(e) => self.error = Some(e),
        }
    }
}

/// Introspection as a procedure.
pub(crate) fn introspection() -> Queries<DbSchema> {
    Queries::new(introspection_statements(), parse_introspection)
}

/// Reads `django_migrations` (nothing if the table does not exist yet).
pub(crate) struct AppliedQuery {
    exists: Statement,
    list: Statement,
    stage: u8,
    result: Option<Result<Vec<MigrationRecord>>>,
}

impl AppliedQuery {
    pub(crate) fn new() -> Self {
        AppliedQuery {
            exists: history::exists_query(),
            list: history::list_query(),
            stage: 0,
            result: None,
        }
    }
}

impl Procedure for AppliedQuery {
    type Output = Vec<MigrationRecord>;
    fn poll(&mut self) -> Poll<'_, Self::Output> {
        if let Some(r) = self.result.take() {
            return Poll::Done(r);
        }
        match self.stage {
            0 => Poll::Request(Request::Execute(&self.exists)),
            _ => Poll::Request(Request::Execute(&self.list)),
        }
    }
    fn feed(&mut self, outcome: Result<Option<ResultSet>>) {
        let rs = match result_set(outcome) {
            Ok(rs) => rs,
            Err(e) => {
                self.result = Some(Err(e));
                return;
            }
        };
        if self.stage == 0 {
            if history::table_exists(&rs) {
                self.stage = 1;
            } else {
                self.result = Some(Ok(Vec::new()));
            }
        } else {
            self.result = Some(history::parse_applied(&rs));
        }
    }
}

/// Judges a step's result against what it expects.
fn judge(expect: Expect, rs: Option<&ResultSet>, step: &str) -> Result<()> {
    match expect {
        Expect::Success => Ok(()),
        Expect::Count(n) => match rs.and_then(|r| r.rows.first()).map(|r| r.values()) {
            Some([Value::Integer(c)]) if *c == n => Ok(()),
            _ => Err(SchemaError::Migration(format!(
                "{step}: the history changed since the plan was made (someone else migrated meanwhile)"
            ))),
        },
        Expect::NoRows => match rs {
            Some(r) if !r.rows.is_empty() => {
                let first: Vec<String> = r.rows[0]
                    .values()
                    .iter()
                    .map(|v| format!("{v:?}"))
                    .collect();
                Err(SchemaError::Migration(format!(
                    "{step}: {} violation(s), first: {}",
                    r.rows.len(),
                    first.join(", ")
                )))
            }
            _ => Ok(()),
        },
    }
}

/// Runs a plan's steps; on a failure, runs what the failed step's `on_failure` says (its
/// errors ignored) and returns the failure.
pub(crate) struct PlanRun {
    plan: MigrationPlan,
    handlers: Vec<String>,
    checked: bool,
    next: usize,
    /// The step just run completes a migration: report it before the next step.
    report: bool,
    undo: VecDeque<Statement>,
    failure: Option<SchemaError>,
}

impl PlanRun {
    pub(crate) fn new(plan: MigrationPlan) -> Self {
        PlanRun {
            handlers: plan.handlers(),
            plan,
            checked: false,
            next: 0,
            report: false,
            undo: VecDeque::new(),
            failure: None,
        }
    }
}

impl Procedure for PlanRun {
    type Output = ();
    fn poll(&mut self) -> Poll<'_, ()> {
        if !self.checked {
            return Poll::Request(Request::CheckHandlers(&self.handlers));
        }
        if self.failure.is_some() {
            return match self.undo.front() {
                Some(st) => Poll::Request(Request::Execute(st)),
                None => Poll::Done(Err(self
                    .failure
                    .take()
                    .unwrap_or_else(|| SchemaError::Migration("plan failed".into())))),
            };
        }
        if self.report {
            if let Some((r, d)) = self
                .next
                .checked_sub(1)
                .and_then(|i| self.plan.steps[i].completes.as_ref())
            {
                return Poll::Request(Request::Progress(r, *d));
            }
        }
        match self.plan.steps.get(self.next) {
            None => Poll::Done(Ok(())),
            Some(s) => Poll::Request(match &s.action {
                StepAction::Execute(st) => Request::Execute(st),
                StepAction::RunHandler(h) => Request::Call(h),
            }),
        }
    }
    fn feed(&mut self, outcome: Result<Option<ResultSet>>) {
        if !self.checked {
            self.checked = true;
            if let Err(e) = outcome {
                self.failure = Some(e);
            }
            return;
        }
        if self.failure.is_some() {
            self.undo.pop_front();
            return;
        }
        if self.report {
            self.report = false;
            return;
        }
        let Some(step) = self.plan.steps.get(self.next) else {
            return;
        };
        let verdict = outcome.and_then(|rs| judge(step.expect, rs.as_ref(), &step.name));
        match verdict {
            Ok(()) => {
                self.report = step.completes.is_some();
                self.next += 1;
            }
            Err(e) => {
                tracing::warn!(step = %step.name, error = %e, "migration failed; undoing");
                self.undo = match step.on_failure {
                    OnFailure::Return => VecDeque::new(),
                    OnFailure::RestoreForeignKeys => [Statement::new(FK_ON)].into(),
                    OnFailure::RollBack => [Statement::new(ROLLBACK), Statement::new(FK_ON)].into(),
                };
                self.failure = Some(e);
            }
        }
    }
}

/// Builds the plan once the history and the schema are known; `Ok(None)`: nothing to do.
pub(crate) type Planner<'a> =
    Box<dyn FnOnce(&[MigrationRecord], &DbSchema) -> Result<Option<MigrationPlan>> + Send + 'a>;

/// Migrating: read the history, introspect, plan, run the plan.
pub(crate) struct Migrate<'a> {
    stage: MigrateStage<'a>,
}

enum MigrateStage<'a> {
    Applied(AppliedQuery, Option<Planner<'a>>),
    Schema(Queries<DbSchema>, Vec<MigrationRecord>, Option<Planner<'a>>),
    Run(PlanRun, Vec<(MigrationRecord, Direction)>),
    Done(Option<Result<Vec<(MigrationRecord, Direction)>>>),
}

impl<'a> Migrate<'a> {
    pub(crate) fn new(autocommit: bool, planner: Planner<'a>) -> Self {
        let stage = match not_in_transaction(autocommit) {
            Ok(()) => MigrateStage::Applied(AppliedQuery::new(), Some(planner)),
            Err(e) => MigrateStage::Done(Some(Err(e))),
        };
        Migrate { stage }
    }
}

impl Procedure for Migrate<'_> {
    type Output = Vec<(MigrationRecord, Direction)>;
    fn poll(&mut self) -> Poll<'_, Self::Output> {
        loop {
            // Advance through stages whose sub-procedure has finished.
            let next = match &mut self.stage {
                MigrateStage::Done(r) => {
                    return Poll::Done(r.take().unwrap_or_else(|| Ok(Vec::new())));
                }
                MigrateStage::Applied(q, planner) => match q.poll() {
                    Poll::Done(Ok(applied)) => {
                        MigrateStage::Schema(introspection(), applied, planner.take())
                    }
                    Poll::Done(Err(e)) => MigrateStage::Done(Some(Err(e))),
                    Poll::Request(_) => break,
                },
                MigrateStage::Schema(q, applied, planner) => match q.poll() {
                    Poll::Done(Ok(schema)) => {
                        let planner = planner.take();
                        match planner.map(|p| p(applied, &schema)) {
                            Some(Ok(Some(plan))) => {
                                let moves = plan.moves.clone();
                                MigrateStage::Run(PlanRun::new(plan), moves)
                            }
                            Some(Ok(None)) | None => MigrateStage::Done(Some(Ok(Vec::new()))),
                            Some(Err(e)) => MigrateStage::Done(Some(Err(e))),
                        }
                    }
                    Poll::Done(Err(e)) => MigrateStage::Done(Some(Err(e))),
                    Poll::Request(_) => break,
                },
                MigrateStage::Run(run, moves) => match run.poll() {
                    Poll::Done(r) => MigrateStage::Done(Some(r.map(|()| std::mem::take(moves)))),
                    Poll::Request(_) => break,
                },
            };
            self.stage = next;
        }
        match &mut self.stage {
            MigrateStage::Applied(q, _) => q.poll().map_output(),
            MigrateStage::Schema(q, _, _) => q.poll().map_output(),
            MigrateStage::Run(run, _) => run.poll().map_output(),
            MigrateStage::Done(_) => Poll::Done(Ok(Vec::new())),
        }
    }
    fn feed(&mut self, outcome: Result<Option<ResultSet>>) {
        match &mut self.stage {
            MigrateStage::Applied(q, _) => q.feed(outcome),
            MigrateStage::Schema(q, _, _) => q.feed(outcome),
            MigrateStage::Run(run, _) => run.feed(outcome),
            MigrateStage::Done(_) => {}
        }
    }
}

impl<'a, T> Poll<'a, T> {
    /// A pending request of a sub-procedure, re-typed for its parent (a `Done` here never
    /// happens: the parent loop advanced past finished sub-procedures).
    fn map_output<U>(self) -> Poll<'a, U> {
        match self {
            Poll::Request(r) => Poll::Request(r),
            Poll::Done(_) => Poll::Done(Err(SchemaError::Migration(
                "internal: a finished step was polled".into(),
            ))),
        }
    }
}
