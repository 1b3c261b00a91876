//! Running migrations through any transport: the public entry points, blocking and async,
//! all driving the same procedures (`driver.rs`).

use sqlport_core::{AsyncTransport, Transport};

use crate::driver::{self, AppliedQuery, Migrate, PlanRun, Planner, Progress};
use crate::error::Result;
use crate::graph::{MigrationGraph, Target};
use crate::handlers::Handlers;
use crate::history::MigrationRecord;
use crate::introspect::DbSchema;
use crate::migration::Migration;
use crate::plan::{Direction, MigrationPlan};
use crate::state::ProjectState;

fn no_progress() -> impl FnMut(&MigrationRecord, Direction) + Send {
    |_: &MigrationRecord, _: Direction| {}
}

/// The migrations recorded in `django_migrations` (empty if the table does not exist).
pub fn applied_migrations(t: &mut dyn Transport) -> Result<Vec<MigrationRecord>> {
    driver::run_blocking(AppliedQuery::new(), t, &Handlers::new(), &mut no_progress())
}

/// Async [`applied_migrations`].
pub async fn applied_migrations_async(t: &mut dyn AsyncTransport) -> Result<Vec<MigrationRecord>> {
    driver::run_async(AppliedQuery::new(), t, &Handlers::new(), &mut no_progress()).await
}

/// Runs a prebuilt plan through a blocking transport (all on this one connection). A plan
/// that calls RunPython handlers needs [`Migrator`].
pub fn execute_plan(t: &mut dyn Transport, plan: &MigrationPlan) -> Result<()> {
    driver::not_in_transaction(t.is_autocommit())?;
    driver::run_blocking(
        PlanRun::new(plan.clone()),
        t,
        &Handlers::new(),
        &mut no_progress(),
    )
}

/// Async [`execute_plan`].
pub async fn execute_plan_async(t: &mut dyn AsyncTransport, plan: &MigrationPlan) -> Result<()> {
    driver::not_in_transaction(t.is_autocommit())?;
    let run = PlanRun::new(plan.clone());
    driver::run_async(run, t, &Handlers::new(), &mut no_progress()).await
}

/// The planner of [`migrate`]: every migration of the list not yet applied, in list order.
fn list_planner<'a>(base: &'a ProjectState, migrations: &'a [Migration]) -> Planner<'a> {
    Box::new(move |applied: &[MigrationRecord], schema: &DbSchema| {
        let plan = MigrationPlan::build_with_schema(base, migrations, applied, Some(schema))?;
        Ok((!plan.moves.is_empty()).then_some(plan))
    })
}

fn applied_only(moves: Vec<(MigrationRecord, Direction)>) -> Vec<MigrationRecord> {
    moves.into_iter().map(|(r, _)| r).collect()
}

/// Applies the not-yet-applied `migrations` (in this order) atomically through a blocking
/// transport and returns what was applied. On failure nothing is applied and the error is
/// returned. Migrations with RunPython handlers, dependencies or a target: [`Migrator`].
///
/// ```
/// use sqlport_schema::{migrate, Migration, ProjectState};
/// let m = Migration::from_json_str(r#"{"app_label": "shop", "name": "0001_initial",
///   "operations": [{"op": "CreateModel", "name": "Tag",
///     "fields": [["label", {"class": "CharField", "max_length": 40}]]}]}"#).unwrap();
/// let mut t = sqlport_local::LocalConnector::open_memory().unwrap().connect_local().unwrap();
/// let applied = migrate(&mut t, &ProjectState::new(), &[m.clone()]).unwrap();
/// assert_eq!(applied[0].name, "0001_initial");
/// // Already recorded in django_migrations: nothing to do the second time.
/// assert!(migrate(&mut t, &ProjectState::new(), &[m]).unwrap().is_empty());
/// ```
pub fn migrate(
    t: &mut dyn Transport,
    base: &ProjectState,
    migrations: &[Migration],
) -> Result<Vec<MigrationRecord>> {
    let p = Migrate::new(t.is_autocommit(), list_planner(base, migrations));
    driver::run_blocking(p, t, &Handlers::new(), &mut no_progress()).map(applied_only)
}

/// Async [`migrate`].
pub async fn migrate_async(
    t: &mut dyn AsyncTransport,
    base: &ProjectState,
    migrations: &[Migration],
) -> Result<Vec<MigrationRecord>> {
    let p = Migrate::new(t.is_autocommit(), list_planner(base, migrations));
    driver::run_async(p, t, &Handlers::new(), &mut no_progress())
        .await
        .map(applied_only)
}

/// Migrates a set of migrations (several apps, dependencies resolved as Django does) to a
/// target, forwards or backwards, atomically, with RunPython handlers.
///
/// ```
/// use sqlport_schema::{Direction, Handlers, Migration, Migrator, ProjectState, Target};
/// let m1 = Migration::from_json_str(r#"{"app_label": "shop", "name": "0001_initial",
///   "operations": [{"op": "CreateModel", "name": "Tag",
///     "fields": [["label", {"class": "CharField", "max_length": 40}]]}]}"#).unwrap();
/// let m2 = Migration::from_json_str(r#"{"app_label": "shop", "name": "0002_fill",
///   "dependencies": [["shop", "0001_initial"]],
///   "operations": [{"op": "RunPython", "code": "shop.migrations.0002_fill.fill",
///                   "reverse_code": "django.db.migrations.operations.special.RunPython.noop"}]}"#).unwrap();
/// let mut handlers = Handlers::new();
/// handlers.register("fill", |t| {
///     t.execute(&sqlport_core::Statement::new("INSERT INTO shop_tag (label) VALUES ('x')"))?;
///     Ok(())
/// });
/// let mut t = sqlport_local::LocalConnector::open_memory().unwrap().connect_local().unwrap();
/// let all = vec![m1, m2];
/// let done = Migrator::new(&ProjectState::new(), &all).handlers(&handlers).run(&mut t).unwrap();
/// assert_eq!(done.len(), 2);
/// // Back to before 0002 (the reverse is RunPython.noop), then all the way back.
/// let back = Migrator::new(&ProjectState::new(), &all)
///     .target(Target::Migration("shop".into(), "0001".into()))
///     .run(&mut t).unwrap();
/// assert_eq!(back[0].1, Direction::Backwards);
/// Migrator::new(&ProjectState::new(), &all).target(Target::Zero("shop".into())).run(&mut t).unwrap();
/// ```
pub struct Migrator<'a> {
    base: &'a ProjectState,
    migrations: &'a [Migration],
    handlers: Option<&'a Handlers>,
    target: Target,
}

impl std::fmt::Debug for Migrator<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Migrator")
            .field("migrations", &self.migrations.len())
            .field("target", &self.target)
            .finish_non_exhaustive()
    }
}

impl<'a> Migrator<'a> {
    /// A migrator for `migrations` (any order) over `base` (the state of apps that have
    /// no migrations here), to [`Target::Latest`], with no handlers.
    pub fn new(base: &'a ProjectState, migrations: &'a [Migration]) -> Self {
        Migrator {
            base,
            migrations,
            handlers: None,
            target: Target::Latest,
        }
    }

    /// The RunPython handlers.
    pub fn handlers(mut self, h: &'a Handlers) -> Self {
        self.handlers = Some(h);
        self
    }

    /// Where to migrate.
    pub fn target(mut self, target: Target) -> Self {
        self.target = target;
        self
    }

    /// The plan for a database with this history (`schema`: its introspected snapshot, to
    /// drop unique_together indexes by their real names); `None`: nothing to do. This is
    /// the dry run.
    pub fn plan(
        &self,
        applied: &[MigrationRecord],
        schema: Option<&DbSchema>,
    ) -> Result<Option<MigrationPlan>> {
        let graph = MigrationGraph::new(self.migrations.to_vec(), applied)?;
        if let Some((app, leaves)) = graph.conflicts().into_iter().next() {
            return Err(crate::error::SchemaError::Migration(format!(
                "conflicting migrations detected; multiple leaf nodes in the migration graph: ({} in {app}); add a merge migration",
                leaves.join(", ")
            )));
        }
        let moves = graph.migration_plan(&self.target)?;
        if moves.is_empty() {
            return Ok(None);
        }
        let full: Vec<Migration> = graph.full_plan().into_iter().cloned().collect();
        MigrationPlan::from_moves(self.base, &full, graph.applied(), &moves, schema).map(Some)
    }

    fn planner(&self) -> Planner<'_> {
        Box::new(move |applied: &[MigrationRecord], schema: &DbSchema| {
            self.plan(applied, Some(schema))
        })
    }

    /// Runs the migration through a blocking transport; returns what was applied or
    /// unapplied, in order.
    pub fn run(&self, t: &mut dyn Transport) -> Result<Vec<(MigrationRecord, Direction)>> {
        self.run_with_progress(t, &mut no_progress())
    }

    /// [`Migrator::run`], calling `progress` as each migration's steps complete.
    pub fn run_with_progress(
        &self,
        t: &mut dyn Transport,
        progress: Progress<'_>,
    ) -> Result<Vec<(MigrationRecord, Direction)>> {
        let empty = Handlers::new();
        let h = self.handlers.unwrap_or(&empty);
        driver::run_blocking(
            Migrate::new(t.is_autocommit(), self.planner()),
            t,
            h,
            progress,
        )
    }

    /// Async [`Migrator::run`].
    pub async fn run_async(
        &self,
        t: &mut dyn AsyncTransport,
    ) -> Result<Vec<(MigrationRecord, Direction)>> {
        self.run_async_with_progress(t, &mut no_progress()).await
    }

    /// Async [`Migrator::run_with_progress`].
    pub async fn run_async_with_progress(
        &self,
        t: &mut dyn AsyncTransport,
        progress: Progress<'_>,
    ) -> Result<Vec<(MigrationRecord, Direction)>> {
        let empty = Handlers::new();
        let h = self.handlers.unwrap_or(&empty);
        let p = Migrate::new(t.is_autocommit(), self.planner());
        driver::run_async(p, t, h, progress).await
    }
}
