//! `sqlport sqlmigrate APP MIGRATION [--backwards]`.

use std::io::Write;

use sqlport::schema::applied_migrations;

use crate::project::{Error, ProjectArgs, graph};

/// Arguments of `sqlmigrate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The app label.
    pub app_label: String,
    /// The migration name (or a unique prefix of it).
    pub migration_name: String,
    /// The SQL that unapplies the migration.
    #[arg(long)]
    pub backwards: bool,
    /// Where the migrations (and, optionally, the database) are.
    #[command(flatten)]
    pub project: ProjectArgs,
}

/// Prints the SQL as Django's `sqlmigrate` does: the state is the migration's ancestors
/// only; a database, when named, only tells which squashed migrations apply.
pub fn run(a: &Args, out: &mut dyn Write) -> Result<(), Error> {
    let applied = match a.project.connect()? {
        Some(mut c) => applied_migrations(c.transport())?,
        None => Vec::new(),
    };
    let g = graph(a.project.migrations()?, &applied)?;
    let key = g.resolve(&a.app_label, &a.migration_name)?;
    let migration = g.get(&key).ok_or("migration vanished from the graph")?;
    let mut state = g.project_state(&a.project.base()?, &key, false)?;
    let text = if a.backwards {
        migration.sqlmigrate_backwards(&state)?
    } else {
        migration.sqlmigrate(&mut state)?
    };
    if text.is_empty() {
        eprintln!("No operations found.");
    }
    out.write_all(text.as_bytes())?;
    Ok(())
}
