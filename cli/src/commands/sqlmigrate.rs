//! `sqlport sqlmigrate APP MIGRATION [--backwards]`.

use std::io::Write;

use sqlport::schema::{applied_migrations, introspect};

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
/// only. A database, when named, tells which squashed migrations apply and, as in Django,
/// is where the names of the indexes Django looks up are found (see
/// `MigrationGraph::sqlmigrate`); without one they are those of a database migrated from
/// empty.
pub fn run(a: &Args, out: &mut dyn Write) -> Result<(), Error> {
    let (applied, schema) = match a.project.connect()? {
        Some(mut c) => (
            applied_migrations(c.transport())?,
            Some(introspect(c.transport())?),
        ),
        None => (Vec::new(), None),
    };
    let g = graph(a.project.migrations()?, &applied)?;
    let key = g.resolve(&a.app_label, &a.migration_name)?;
    let text = g.sqlmigrate(&a.project.base()?, &key, a.backwards, schema.as_ref())?;
    if text.is_empty() {
        eprintln!("No operations found.");
    }
    out.write_all(text.as_bytes())?;
    Ok(())
}
