//! `sqlport migrate [APP [MIGRATION|zero]] [--plan]`.

use std::io::Write;

use sqlport::schema::{
    Direction, Handlers, Migration, MigrationRecord, Migrator, Operation, Target,
    applied_migrations, introspect,
};

use crate::project::{Error, ProjectArgs};

/// Arguments of `migrate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only this app (to its latest migration, or to MIGRATION).
    pub app_label: Option<String>,
    /// The target migration of the app (a unique prefix works); `zero` unapplies them all.
    pub migration_name: Option<String>,
    /// Dry run: print the planned operations and change nothing.
    #[arg(long, alias = "dry-run")]
    pub plan: bool,
    /// Treat this RunPython callable as a no-op (repeatable; `*` for every one). A Rust
    /// program registers real handlers with `sqlport::schema::Handlers`; without one, a
    /// migration that needs a handler fails before anything runs.
    #[arg(long = "noop-handler", value_name = "CALLABLE")]
    pub noop_handlers: Vec<String>,
    /// Where the migrations and the database are.
    #[command(flatten)]
    pub project: ProjectArgs,
}

fn target(a: &Args) -> Target {
    match (&a.app_label, &a.migration_name) {
        (None, _) => Target::Latest,
        (Some(app), None) => Target::App(app.clone()),
        (Some(app), Some(z)) if z == "zero" => Target::Zero(app.clone()),
        (Some(app), Some(name)) => Target::Migration(app.clone(), name.clone()),
    }
}

/// Django's `describe_operation` for `--plan`.
fn describe(op: &Operation, backwards: bool) -> String {
    let action = match op {
        Operation::RunPython(r) => {
            if backwards && r.reverse_code.is_none() {
                Some("IRREVERSIBLE".to_string())
            } else {
                None
            }
        }
        Operation::RunSql(r) => match (backwards, &r.reverse_sql) {
            (true, None) => Some("IRREVERSIBLE".to_string()),
            (true, Some(s)) => Some(sql_text(s)),
            (false, _) => Some(sql_text(&r.sql)),
        },
        _ => None,
    };
    let prefix = if backwards && action.is_none() && !matches!(op, Operation::RunPython(_)) {
        "Undo "
    } else {
        ""
    };
    let action = action
        .filter(|a| !a.is_empty())
        .map(|a| {
            let a = format!(" -> {a}");
            if a.chars().count() > 40 {
                format!("{}…", a.chars().take(39).collect::<String>())
            } else {
                a
            }
        })
        .unwrap_or_default();
    format!("{prefix}{}{action}", op.describe())
}

fn sql_text(s: &sqlport::schema::SqlCode) -> String {
    match s {
        sqlport::schema::SqlCode::Script(t) => t.replace('\n', ""),
        sqlport::schema::SqlCode::List(items) => items
            .iter()
            .map(|(s, _)| s.as_str())
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// Migrates the database, printing a line per migration; a failure rolls everything back
/// (everything since the last commit, when a non-atomic migration split the plan: what
/// stayed is printed) and is returned (non-zero exit).
pub fn run(a: &Args, out: &mut dyn Write) -> Result<(), Error> {
    let migrations = a.project.migrations()?;
    let base = a.project.base()?;
    let mut conn = a.project.require_connection()?;
    let t = target(a);
    let mut handlers = Handlers::new();
    for m in &migrations {
        for op in &m.operations {
            for name in op.handlers(false).into_iter().chain(op.handlers(true)) {
                let short = name.rsplit('.').next().unwrap_or(&name);
                if a.noop_handlers
                    .iter()
                    .any(|n| n == "*" || *n == name || n == short)
                {
                    handlers.register(name, |_| Ok(()));
                }
            }
        }
    }
    let migrator = Migrator::new(&base, &migrations)
        .target(t.clone())
        .handlers(&handlers);
    writeln!(out, "Operations to perform:")?;
    match &t {
        Target::Latest => {
            let mut apps: Vec<&str> = migrations.iter().map(|m| m.app_label.as_str()).collect();
            apps.sort();
            apps.dedup();
            writeln!(out, "  Apply all migrations: {}", apps.join(", "))?;
        }
        Target::App(app) => writeln!(out, "  Apply all migrations: {app}")?,
        Target::Zero(app) => writeln!(out, "  Unapply all migrations: {app}")?,
        Target::Migration(app, name) => {
            writeln!(out, "  Target specific migration: {name}, from {app}")?
        }
    }
    if a.plan {
        let applied = applied_migrations(conn.transport())?;
        let schema = introspect(conn.transport())?;
        writeln!(out, "Planned operations:")?;
        let plan = migrator.plan(&applied, Some(&schema))?;
        let Some(plan) = plan else {
            writeln!(out, "  No planned migration operations.")?;
            return Ok(());
        };
        for (rec, dir) in &plan.moves {
            writeln!(out, "{rec}")?;
            let m: Option<&Migration> = migrations
                .iter()
                .find(|m| m.app_label == rec.app && m.name == rec.name);
            for op in m.map(|m| m.operations.as_slice()).unwrap_or_default() {
                writeln!(out, "    {}", describe(op, *dir == Direction::Backwards))?;
            }
        }
        return Ok(());
    }
    writeln!(out, "Running migrations:")?;
    out.flush()?;
    let mut progress = |r: &MigrationRecord, d: Direction| {
        let verb = match d {
            Direction::Forwards => "Applying",
            Direction::Backwards => "Unapplying",
        };
        // Printed as each migration's steps finish, inside the one transaction.
        println!("  {verb} {r}... OK");
    };
    let before = applied_migrations(conn.transport())?;
    let done = migrator.run_with_progress(conn.transport(), &mut progress);
    match done {
        Ok(moves) if moves.is_empty() => writeln!(out, "  No migrations to apply.")?,
        Ok(moves) => writeln!(out, "Committed {} migration(s).", moves.len())?,
        Err(e) => {
            // A plan with a non-atomic migration commits in parts: say what stayed.
            match applied_migrations(conn.transport()) {
                Ok(after) if after == before => writeln!(out, "Rolled back: nothing was applied.")?,
                Ok(after) => {
                    let changed: Vec<String> = after
                        .iter()
                        .filter(|r| !before.contains(r))
                        .map(|r| format!("applied {r}"))
                        .chain(
                            before
                                .iter()
                                .filter(|r| !after.contains(r))
                                .map(|r| format!("unapplied {r}")),
                        )
                        .collect();
                    writeln!(
                        out,
                        "Stopped: committed before the failure (a non-atomic migration runs outside the transaction): {}.",
                        changed.join(", ")
                    )?
                }
                Err(_) => writeln!(out, "Failed; the history could not be read again.")?,
            }
            return Err(e.into());
        }
    }
    Ok(())
}
