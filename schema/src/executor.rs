//! Applying migrations through any transport: one plan of statements, run atomically by a
//! thin blocking or async driver, recorded in a `django_migrations`-compatible table.

use sqlport_core::{AsyncTransport, Params, ResultSet, Statement, Transport, Value};

use crate::editor::PlanContext;
use crate::error::{Result, SchemaError};
use crate::introspect::DbSchema;
use crate::migration::Migration;
use crate::state::ProjectState;

/// One row of `django_migrations`: an applied migration.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MigrationRecord {
    /// App label.
    pub app: String,
    /// Migration name.
    pub name: String,
}

/// The statements that apply a list of migrations atomically.
///
/// The fixed statements are arrays, so a plan edited by hand (say, with extra
/// statements in `body`) always has every step the executor runs.
///
/// Run order: `setup` (foreign keys off, `BEGIN IMMEDIATE`, the history table), `guard`
/// (must count 0: nobody recorded these migrations since the plan was made), `body` (the
/// DDL and the `django_migrations` rows), `check` (`PRAGMA foreign_key_check`, which must
/// return no rows), then `commit`; on any failure after `BEGIN`, `rollback` instead. All statements
/// must run on one connection: `PRAGMA foreign_keys` cannot change inside a transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct MigrationPlan {
    /// `PRAGMA foreign_keys = OFF`, `BEGIN IMMEDIATE`, `CREATE TABLE IF NOT EXISTS
    /// "django_migrations" ...`.
    pub setup: [Statement; 3],
    /// Counts the planned migrations already recorded (must be 0).
    pub guard: Statement,
    /// The migration statements and the history rows.
    pub body: Vec<Statement>,
    /// `PRAGMA foreign_key_check`.
    pub check: Statement,
    /// `COMMIT`, `PRAGMA foreign_keys = ON`.
    pub commit: [Statement; 2],
    /// `ROLLBACK`, `PRAGMA foreign_keys = ON`.
    pub rollback: [Statement; 2],
    /// The migrations this plan applies.
    pub applies: Vec<MigrationRecord>,
}

/// Django's `django_migrations` table (with `IF NOT EXISTS`, which SQLite does not keep in
/// `sqlite_master.sql`, so the stored text is Django's byte for byte).
pub const DJANGO_MIGRATIONS_DDL: &str = "CREATE TABLE IF NOT EXISTS \"django_migrations\" (\"id\" integer NOT NULL PRIMARY KEY AUTOINCREMENT, \"app\" varchar(255) NOT NULL, \"name\" varchar(255) NOT NULL, \"applied\" datetime NOT NULL)";

impl MigrationPlan {
    /// Plans the migrations of `migrations` not in `applied`, starting from `base` (the state
    /// of apps the migrations depend on but that are not migrated here, e.g. `auth`).
    /// Already applied migrations only advance the state. Without a snapshot of the
    /// database, `AlterUniqueTogether` drops indexes by the name Django computes.
    pub fn build(
        base: &ProjectState,
        migrations: &[Migration],
        applied: &[MigrationRecord],
    ) -> Result<Self> {
        Self::build_with_schema(base, migrations, applied, None)
    }

    /// [`MigrationPlan::build`] with an introspected snapshot of the database, used (as
    /// Django introspects) to find the real names of the unique_together indexes that
    /// `AlterUniqueTogether` drops.
    pub fn build_with_schema(
        base: &ProjectState,
        migrations: &[Migration],
        applied: &[MigrationRecord],
        schema: Option<&DbSchema>,
    ) -> Result<Self> {
        let mut ctx = PlanContext {
            snapshot: schema.cloned(),
            ..Default::default()
        };
        let mut state = base.clone();
        let mut body = Vec::new();
        let mut applies = Vec::new();
        for m in migrations {
            let rec = MigrationRecord {
                app: m.app_label.clone(),
                name: m.name.clone(),
            };
            if applied.contains(&rec) {
                m.apply_state(&mut state)?;
                continue;
            }
            for op in m.render_with(&mut state, &mut ctx)? {
                body.extend(op.statements.into_iter().map(Statement::new));
            }
            body.push(Statement {
                sql: "INSERT INTO \"django_migrations\" (\"app\", \"name\", \"applied\") VALUES (?, ?, STRFTIME('%Y-%m-%d %H:%M:%f', 'NOW'))".into(),
                params: Params::Positional(vec![Value::Text(rec.app.clone()), Value::Text(rec.name.clone())]),
            });
            applies.push(rec);
        }
        let mut guard_sql = String::from("SELECT COUNT(*) FROM \"django_migrations\" WHERE 0");
        let mut guard_params = Vec::new();
        for r in &applies {
            guard_sql.push_str(" OR (\"app\" = ? AND \"name\" = ?)");
            guard_params.push(Value::Text(r.app.clone()));
            guard_params.push(Value::Text(r.name.clone()));
        }
        Ok(MigrationPlan {
            setup: [
                Statement::new("PRAGMA foreign_keys = OFF"),
                Statement::new("BEGIN IMMEDIATE"),
                Statement::new(DJANGO_MIGRATIONS_DDL),
            ],
            guard: Statement {
                sql: guard_sql.into(),
                params: Params::Positional(guard_params),
            },
            body,
            check: Statement::new("PRAGMA foreign_key_check"),
            commit: [
                Statement::new("COMMIT"),
                Statement::new("PRAGMA foreign_keys = ON"),
            ],
            rollback: [
                Statement::new("ROLLBACK"),
                Statement::new("PRAGMA foreign_keys = ON"),
            ],
            applies,
        })
    }
}

/// The query that lists applied migrations (safe when the table does not exist yet).
fn applied_query() -> [Statement; 2] {
    [
        Statement::new(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'django_migrations'",
        ),
        Statement::new("SELECT \"app\", \"name\" FROM \"django_migrations\" ORDER BY \"id\""),
    ]
}

fn table_exists(rs: &ResultSet) -> bool {
    matches!(rs.rows.first().map(|r| r.values()), Some([Value::Integer(n)]) if *n > 0)
}

fn parse_applied(rs: &ResultSet) -> Result<Vec<MigrationRecord>> {
    rs.rows
        .iter()
        .map(|r| match r.values() {
            [Value::Text(a), Value::Text(n)] => Ok(MigrationRecord {
                app: a.clone(),
                name: n.clone(),
            }),
            other => Err(SchemaError::ResultShape(format!(
                "django_migrations row {other:?}"
            ))),
        })
        .collect()
}

fn check_fk(rs: &ResultSet) -> Result<()> {
    if rs.rows.is_empty() {
        return Ok(());
    }
    let first: Vec<String> = rs.rows[0]
        .values()
        .iter()
        .map(|v| format!("{v:?}"))
        .collect();
    Err(SchemaError::Migration(format!(
        "PRAGMA foreign_key_check found {} violation(s), first: {}",
        rs.rows.len(),
        first.join(", ")
    )))
}

/// Whether some of `migrations` is not recorded in `applied`.
fn any_pending(migrations: &[Migration], applied: &[MigrationRecord]) -> bool {
    migrations.iter().any(|m| {
        !applied
            .iter()
            .any(|r| r.app == m.app_label && r.name == m.name)
    })
}

fn not_in_transaction(autocommit: bool) -> Result<()> {
    if autocommit {
        Ok(())
    } else {
        Err(SchemaError::Migration(
            "cannot migrate inside a transaction (PRAGMA foreign_keys cannot change)".into(),
        ))
    }
}

/// The migrations recorded in `django_migrations` (empty if the table does not exist).
pub fn applied_migrations(t: &mut dyn Transport) -> Result<Vec<MigrationRecord>> {
    let [exists, list] = applied_query();
    if !table_exists(&t.execute(&exists)?) {
        return Ok(Vec::new());
    }
    parse_applied(&t.execute(&list)?)
}

/// Async [`applied_migrations`].
pub async fn applied_migrations_async(t: &mut dyn AsyncTransport) -> Result<Vec<MigrationRecord>> {
    let [exists, list] = applied_query();
    if !table_exists(&t.execute(&exists).await?) {
        return Ok(Vec::new());
    }
    parse_applied(&t.execute(&list).await?)
}

/// Applies the not-yet-applied `migrations` atomically through a blocking transport and
/// returns what was applied. On failure nothing is applied and the error is returned.
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
    not_in_transaction(t.is_autocommit())?;
    let applied = applied_migrations(t)?;
    if !any_pending(migrations, &applied) {
        return Ok(Vec::new());
    }
    let schema = crate::introspect::introspect(t)?;
    let plan = MigrationPlan::build_with_schema(base, migrations, &applied, Some(&schema))?;
    if plan.applies.is_empty() {
        return Ok(Vec::new());
    }
    execute_plan(t, &plan)?;
    Ok(plan.applies)
}

/// Async [`migrate`].
pub async fn migrate_async(
    t: &mut dyn AsyncTransport,
    base: &ProjectState,
    migrations: &[Migration],
) -> Result<Vec<MigrationRecord>> {
    not_in_transaction(t.is_autocommit())?;
    let applied = applied_migrations_async(t).await?;
    if !any_pending(migrations, &applied) {
        return Ok(Vec::new());
    }
    let schema = crate::introspect::introspect_async(t).await?;
    let plan = MigrationPlan::build_with_schema(base, migrations, &applied, Some(&schema))?;
    if plan.applies.is_empty() {
        return Ok(Vec::new());
    }
    execute_plan_async(t, &plan).await?;
    Ok(plan.applies)
}

/// The statements inside the transaction, in order, and how each result is judged.
fn steps(plan: &MigrationPlan) -> impl Iterator<Item = (&Statement, Step)> {
    std::iter::once((&plan.setup[2], Step::Plain))
        .chain(std::iter::once((&plan.guard, Step::Guard)))
        .chain(plan.body.iter().map(|s| (s, Step::Plain)))
        .chain(std::iter::once((&plan.check, Step::ForeignKeyCheck)))
        .chain(std::iter::once((&plan.commit[0], Step::Plain)))
}

#[derive(Clone, Copy)]
enum Step {
    Plain,
    Guard,
    ForeignKeyCheck,
}

fn judge(step: Step, rs: &ResultSet) -> Result<()> {
    match step {
        Step::Plain => Ok(()),
        Step::ForeignKeyCheck => check_fk(rs),
        Step::Guard => match rs.rows.first().map(|r| r.values()) {
            Some([Value::Integer(0)]) => Ok(()),
            _ => Err(SchemaError::Migration(
                "some planned migrations were recorded by someone else meanwhile".into(),
            )),
        },
    }
}

/// Runs a prebuilt plan through a blocking transport (all on this one connection).
pub fn execute_plan(t: &mut dyn Transport, plan: &MigrationPlan) -> Result<()> {
    not_in_transaction(t.is_autocommit())?;
    t.execute(&plan.setup[0])?;
    if let Err(e) = t.execute(&plan.setup[1]) {
        let _ = t.execute(&plan.commit[1]);
        return Err(e.into());
    }
    let mut run = || -> Result<()> {
        for (st, step) in steps(plan) {
            judge(step, &t.execute(st)?)?;
        }
        Ok(())
    };
    match run() {
        Ok(()) => {
            t.execute(&plan.commit[1])?;
            Ok(())
        }
        Err(e) => {
            tracing::warn!(error = %e, "migration failed; rolling back");
            for s in &plan.rollback {
                let _ = t.execute(s);
            }
            Err(e)
        }
    }
}

/// Async [`execute_plan`].
pub async fn execute_plan_async(t: &mut dyn AsyncTransport, plan: &MigrationPlan) -> Result<()> {
    not_in_transaction(t.is_autocommit())?;
    t.execute(&plan.setup[0]).await?;
    if let Err(e) = t.execute(&plan.setup[1]).await {
        let _ = t.execute(&plan.commit[1]).await;
        return Err(e.into());
    }
    let mut result: Result<()> = Ok(());
    for (st, step) in steps(plan) {
        result = match t.execute(st).await {
            Ok(rs) => judge(step, &rs),
            Err(e) => Err(e.into()),
        };
        if result.is_err() {
            break;
        }
    }
    match result {
        Ok(()) => {
            t.execute(&plan.commit[1]).await?;
            Ok(())
        }
        Err(e) => {
            tracing::warn!(error = %e, "migration failed; rolling back");
            for s in &plan.rollback {
                let _ = t.execute(s).await;
            }
            Err(e)
        }
    }
}
