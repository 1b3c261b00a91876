//! A migration plan: the ordered, named steps that apply or unapply migrations atomically,
//! each with what to expect of its result and what to undo if it fails. Built here,
//! run by one driver (`driver.rs`) over a blocking or an async transport.

use sqlport_core::Statement;

use crate::editor::{Emitted, PlanContext};
use crate::error::{Result, SchemaError};
use crate::history::{
    DJANGO_MIGRATIONS_DDL, MigrationRecord, count_recorded, record_applied, record_unapplied,
};
use crate::introspect::DbSchema;
use crate::migration::{Migration, Mode};
use crate::state::ProjectState;

/// What a step does.
#[derive(Debug, Clone, PartialEq)]
pub enum StepAction {
    /// Run a statement.
    Execute(Statement),
    /// Call the Rust handler registered for a `RunPython` callable.
    RunHandler(String),
}

/// What a step's result must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// Anything (the statement succeeding is enough).
    Success,
    /// One row with one integer: this count (the history guards).
    Count(i64),
    /// No rows (`PRAGMA foreign_key_check`).
    NoRows,
}

/// What to undo when a step fails (in this order: roll back, then restore the
/// connection's foreign-key enforcement).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnFailure {
    /// Nothing changed yet: return the error.
    Return,
    /// Foreign keys are off: `PRAGMA foreign_keys = ON`, then return the error.
    RestoreForeignKeys,
    /// Inside the transaction: `ROLLBACK`, `PRAGMA foreign_keys = ON`, then return the error.
    RollBack,
}

/// One step of a plan.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanStep {
    /// What the step is, for logs and errors (`"begin"`, `"shop.0002_x: Add field y to z"`).
    pub name: String,
    /// What it does.
    pub action: StepAction,
    /// What its result must be.
    pub expect: Expect,
    /// What to undo if it fails.
    pub on_failure: OnFailure,
    /// Set on the last step of each migration: the migration is done once it has run.
    pub completes: Option<(MigrationRecord, Direction)>,
}

/// Which way a migration goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Apply.
    Forwards,
    /// Unapply.
    Backwards,
}

/// The steps that apply (or unapply) a list of migrations atomically, and what they do to
/// `django_migrations`.
///
/// A plan is: foreign keys off, `BEGIN IMMEDIATE`, the history table, guards (the planned
/// migrations are still unrecorded / recorded, i.e. nobody migrated meanwhile), each
/// migration's statements and handler calls with its history row, `PRAGMA
/// foreign_key_check` (must return no rows), `COMMIT`, foreign keys on. Every step says
/// what to undo when it fails; all steps run on one connection (`PRAGMA foreign_keys`
/// cannot change inside a transaction).
///
/// A migration with `atomic: false` runs as Django runs it on SQLite, outside any
/// transaction: the plan commits what came before it (after the foreign-key check), runs
/// its statements one by one, checks foreign keys, writes its history row, and opens a
/// new transaction for what follows. Such a plan is atomic only in parts: if the
/// non-atomic migration fails, the migrations before it stay applied, its own statements
/// that ran stay, and its history row is not written.
#[derive(Debug, Clone, PartialEq)]
pub struct MigrationPlan {
    /// The steps, in order.
    pub steps: Vec<PlanStep>,
    /// The migrations this plan applies (forwards) or unapplies (backwards), in order.
    pub moves: Vec<(MigrationRecord, Direction)>,
}

const FK_OFF: &str = "PRAGMA foreign_keys = OFF";
pub(crate) const FK_ON: &str = "PRAGMA foreign_keys = ON";
pub(crate) const ROLLBACK: &str = "ROLLBACK";

fn step(name: impl Into<String>, st: Statement, expect: Expect, on_failure: OnFailure) -> PlanStep {
    PlanStep {
        name: name.into(),
        action: StepAction::Execute(st),
        expect,
        on_failure,
        completes: None,
    }
}

fn in_tx(name: impl Into<String>, st: Statement) -> PlanStep {
    step(name, st, Expect::Success, OnFailure::RollBack)
}

/// The history records a migration stands for (a squashed migration records what it
/// replaces).
fn records_of(m: &Migration) -> Vec<MigrationRecord> {
    if m.replaces.is_empty() {
        vec![MigrationRecord::new(&m.app_label, &m.name)]
    } else {
        m.replaces
            .iter()
            .map(|(a, n)| MigrationRecord::new(a, n))
            .collect()
    }
}

fn record(m: &Migration) -> MigrationRecord {
    MigrationRecord::new(&m.app_label, &m.name)
}

fn is_applied(m: &Migration, applied: &[MigrationRecord]) -> bool {
    records_of(m).iter().all(|r| applied.contains(r))
}

fn label(m: &Migration, what: &str) -> String {
    format!("{}.{}: {what}", m.app_label, m.name)
}

/// The steps after the guards, and whether they are inside a transaction at this point.
struct Body {
    steps: Vec<PlanStep>,
    in_tx: bool,
}

impl Body {
    /// A step that undoes what it can: roll back inside a transaction, else only restore
    /// foreign-key enforcement (statements already run outside a transaction stay).
    fn push(&mut self, name: String, action: StepAction, expect: Expect) {
        self.steps.push(PlanStep {
            name,
            action,
            expect,
            on_failure: if self.in_tx {
                OnFailure::RollBack
            } else {
                OnFailure::RestoreForeignKeys
            },
            completes: None,
        });
    }

    fn begin(&mut self, name: &str) {
        if !self.in_tx {
            self.steps.push(step(
                name,
                Statement::new("BEGIN IMMEDIATE"),
                Expect::Success,
                OnFailure::RestoreForeignKeys,
            ));
            self.in_tx = true;
        }
    }

    /// Commits the open transaction, after `PRAGMA foreign_key_check` when `check` (the
    /// schema editor's exit) .
    fn end_transaction(&mut self, check: bool) {
        if !self.in_tx {
            return;
        }
        if check {
            self.push(
                "foreign key check".into(),
                StepAction::Execute(Statement::new("PRAGMA foreign_key_check")),
                Expect::NoRows,
            );
        }
        self.push(
            "commit".into(),
            StepAction::Execute(Statement::new("COMMIT")),
            Expect::Success,
        );
        self.in_tx = false;
    }

    /// One migration's steps and history rows. An atomic migration runs inside the plan's
    /// transaction (opened again if a non-atomic one closed it); a non-atomic one, as
    /// Django runs it on SQLite, outside any transaction: the transaction so far is
    /// committed, each statement runs on its own (a `RunPython(atomic=True)` in a
    /// transaction of its own), then the foreign-key check, then its history rows, which
    /// are therefore written only once everything else succeeded.
    fn migration(
        &mut self,
        m: &Migration,
        r: crate::migration::Rendered,
        history: Vec<PlanStep>,
        direction: Direction,
    ) -> Result<()> {
        if m.atomic {
            self.begin(&label(m, "begin"));
        } else {
            self.end_transaction(true);
        }
        let mut n = 0;
        let mut emit = |body: &mut Body, e: &Emitted| -> Result<()> {
            n += 1;
            let name = label(m, &format!("step {n}"));
            let action = match e {
                Emitted::Sql(s) => StepAction::Execute(Statement::new(s.as_str())),
                Emitted::Raw { sql, params } => {
                    StepAction::Execute(crate::raw_sql::statement(sql, params.as_ref())?)
                }
                Emitted::Handler(h) => StepAction::RunHandler(h.clone()),
            };
            body.push(name, action, Expect::Success);
            Ok(())
        };
        for op in &r.ops {
            let own_tx = !m.atomic && op.atomic && !op.emitted.is_empty();
            if own_tx {
                self.begin(&label(m, "begin (atomic operation)"));
            }
            for e in &op.emitted {
                emit(self, e)?;
            }
            if own_tx {
                self.end_transaction(false);
            }
        }
        for e in &r.deferred {
            emit(self, e)?;
        }
        if !m.atomic {
            self.push(
                label(m, "foreign key check"),
                StepAction::Execute(Statement::new("PRAGMA foreign_key_check")),
                Expect::NoRows,
            );
        }
        for h in history {
            let on_failure = if self.in_tx {
                OnFailure::RollBack
            } else {
                OnFailure::RestoreForeignKeys
            };
            self.steps.push(PlanStep { on_failure, ..h });
        }
        if let Some(last) = self.steps.last_mut() {
            last.completes = Some((record(m), direction));
        }
        Ok(())
    }
}

impl MigrationPlan {
    /// Plans every migration of `migrations` (in this order) not in `applied`, starting
    /// from `base` (the state of apps the migrations depend on but that are not migrated
    /// here). Without a snapshot of the database, `AlterUniqueTogether` drops indexes by
    /// the name Django computes.
    pub fn build(
        base: &ProjectState,
        migrations: &[Migration],
        applied: &[MigrationRecord],
    ) -> Result<Self> {
        Self::build_with_schema(base, migrations, applied, None)
    }

    /// [`MigrationPlan::build`] with an introspected snapshot of the database, used (as
    /// Django introspects) to find the real names of the indexes that
    /// `AlterUniqueTogether` / `AlterIndexTogether` drop.
    pub fn build_with_schema(
        base: &ProjectState,
        migrations: &[Migration],
        applied: &[MigrationRecord],
        schema: Option<&DbSchema>,
    ) -> Result<Self> {
        let moves: Vec<(&Migration, Direction)> = migrations
            .iter()
            .filter(|m| !is_applied(m, applied))
            .map(|m| (m, Direction::Forwards))
            .collect();
        Self::from_moves(base, migrations, applied, &moves, schema)
    }

    /// The plan of `moves` (Django's executor plan: migrations to apply, or to unapply, in
    /// order), given every known migration in forwards order (`full`, Django's full plan)
    /// and what the database has applied. Forwards, the state starts from `base` plus the
    /// applied migrations; backwards, each migration is unapplied from the state before it.
    pub fn from_moves(
        base: &ProjectState,
        full: &[Migration],
        applied: &[MigrationRecord],
        moves: &[(&Migration, Direction)],
        schema: Option<&DbSchema>,
    ) -> Result<Self> {
        let forwards = moves.iter().any(|(_, d)| *d == Direction::Forwards);
        let backwards = moves.iter().any(|(_, d)| *d == Direction::Backwards);
        if forwards && backwards {
            return Err(SchemaError::Migration(
                "a plan cannot both apply and unapply migrations".into(),
            ));
        }
        let mut ctx = PlanContext {
            catalog: schema
                .map(crate::catalog::IndexCatalog::from_snapshot)
                .unwrap_or_default(),
        };
        let mut body = Body {
            steps: Vec::new(),
            in_tx: true,
        };
        if forwards {
            // Django's executor: the state of every applied migration, rendered, then
            // each planned migration applied in full-plan order.
            let mut state = base.clone();
            for m in full.iter().filter(|m| is_applied(m, applied)) {
                m.apply_state(&mut state)?;
            }
            state.render()?;
            for m in full {
                if !moves.iter().any(|(x, _)| record(x) == record(m)) {
                    continue;
                }
                let r = m.forwards(&mut state, &mut ctx, Mode::Migrate)?;
                let history: Vec<PlanStep> = records_of(m)
                    .iter()
                    .map(|rec| in_tx(label(m, "record applied"), record_applied(rec)))
                    .collect();
                body.migration(m, r, history, Direction::Forwards)?;
            }
        } else if backwards {
            // The state before each migration to unapply, walking the full plan.
            let mut before: Vec<(MigrationRecord, ProjectState)> = Vec::new();
            let mut state = base.clone();
            for m in full {
                if moves.iter().any(|(x, _)| record(x) == record(m)) {
                    state.render()?;
                    before.push((record(m), state.clone()));
                    m.apply_state(&mut state)?;
                } else if is_applied(m, applied) {
                    m.apply_state(&mut state)?;
                }
            }
            for (m, _) in moves {
                let s = before
                    .iter()
                    .find(|(r, _)| *r == record(m))
                    .map(|(_, s)| s)
                    .ok_or_else(|| SchemaError::UnknownMigration(record(m).to_string()))?;
                let r = m.backwards(s, &mut ctx, Mode::Migrate)?;
                let mut recs = records_of(m);
                if !m.replaces.is_empty() {
                    recs.push(record(m));
                }
                let history: Vec<PlanStep> = recs
                    .iter()
                    .map(|rec| in_tx(label(m, "record unapplied"), record_unapplied(rec)))
                    .collect();
                body.migration(m, r, history, Direction::Backwards)?;
            }
        }
        body.end_transaction(true);
        let body = body.steps;
        let (fwd, bwd): (Vec<MigrationRecord>, Vec<MigrationRecord>) = {
            let mut f = Vec::new();
            let mut b = Vec::new();
            for (m, d) in moves {
                match d {
                    Direction::Forwards => f.extend(records_of(m)),
                    Direction::Backwards => b.extend(records_of(m)),
                }
            }
            (f, b)
        };
        let mut steps = vec![
            step(
                "foreign keys off",
                Statement::new(FK_OFF),
                Expect::Success,
                OnFailure::Return,
            ),
            step(
                "begin",
                Statement::new("BEGIN IMMEDIATE"),
                Expect::Success,
                OnFailure::RestoreForeignKeys,
            ),
            in_tx("history table", Statement::new(DJANGO_MIGRATIONS_DDL)),
            step(
                "guard: migrations to apply are still unrecorded",
                count_recorded(&fwd),
                Expect::Count(0),
                OnFailure::RollBack,
            ),
            step(
                "guard: migrations to unapply are still recorded",
                count_recorded(&bwd),
                Expect::Count(bwd.len() as i64),
                OnFailure::RollBack,
            ),
        ];
        steps.extend(body);
        steps.push(step(
            "foreign keys on",
            Statement::new(FK_ON),
            Expect::Success,
            OnFailure::Return,
        ));
        Ok(MigrationPlan {
            steps,
            moves: moves.iter().map(|(m, d)| (record(m), *d)).collect(),
        })
    }

    /// The `RunPython` handlers the plan calls.
    pub fn handlers(&self) -> Vec<String> {
        self.steps
            .iter()
            .filter_map(|s| match &s.action {
                StepAction::RunHandler(h) => Some(h.clone()),
                StepAction::Execute(_) => None,
            })
            .collect()
    }

    /// The migrations this plan applies (forwards only).
    pub fn applies(&self) -> Vec<MigrationRecord> {
        self.moves
            .iter()
            .filter(|(_, d)| *d == Direction::Forwards)
            .map(|(r, _)| r.clone())
            .collect()
    }
}
