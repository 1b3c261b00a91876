//! `sqlport showmigrations [APP ...] [--plan]`.

use std::io::Write;

use sqlport::schema::applied_migrations;

use crate::project::{Error, ProjectArgs, graph};

/// Arguments of `showmigrations`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only these apps.
    pub app_labels: Vec<String>,
    /// Every migration in the order it applies, instead of by app.
    #[arg(long)]
    pub plan: bool,
    /// Where the migrations and the database are.
    #[command(flatten)]
    pub project: ProjectArgs,
}

/// Lists the migrations as Django's `showmigrations` does (`[X]` applied, `[ ]` not).
pub fn run(a: &Args, out: &mut dyn Write) -> Result<(), Error> {
    let applied = match a.project.connect()? {
        Some(mut c) => applied_migrations(c.transport())?,
        None => Vec::new(),
    };
    let g = graph(a.project.migrations()?, &applied)?;
    let mark = |app: &str, name: &str| {
        if g.is_applied(&(app.to_string(), name.to_string())) {
            "[X]"
        } else {
            "[ ]"
        }
    };
    if a.plan {
        for m in g.full_plan() {
            if a.app_labels.is_empty() || a.app_labels.contains(&m.app_label) {
                writeln!(
                    out,
                    "{}  {}.{}",
                    mark(&m.app_label, &m.name),
                    m.app_label,
                    m.name
                )?;
            }
        }
        return Ok(());
    }
    let apps = if a.app_labels.is_empty() {
        g.apps()
    } else {
        for app in &a.app_labels {
            if !g.apps().contains(app) {
                return Err(format!("no migrations for app {app:?}").into());
            }
        }
        a.app_labels.clone()
    };
    for app in apps {
        writeln!(out, "{app}")?;
        // Django lists an app's migrations in its own plan order.
        for m in g.full_plan().into_iter().filter(|m| m.app_label == app) {
            writeln!(out, " {} {}", mark(&m.app_label, &m.name), m.name)?;
        }
    }
    Ok(())
}
