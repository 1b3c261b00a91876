//! `sqlport`: an interactive SQL shell and Django-compatible migrations on any
//! database NAME, local or remote.
//!
//! ```text
//! sqlport migrate [APP [MIGRATION|zero]] [--plan]   apply or unapply, atomically
//! sqlport showmigrations [APP ...] [--plan]         what is applied
//! sqlport sqlmigrate APP MIGRATION [--backwards]    the SQL, as Django prints it
//! sqlport shell NAME [-c SQL]                       an interactive SQL shell, like sqlite3
//! sqlport serve [DATABASE] [--listen ADDR] ...       the reference Hrana server (development)
//! sqlport check [NAME] [--filter PATTERN] ...        the conformance suite against a NAME
//! ```
//!
//! `serve` and `check` are `sqlport-conformance`'s own command line (its
//! `cli` feature), with the same options as `sqlport-conformance serve` and
//! `sqlport-conformance [NAME]`.
//!
//! Migrations are JSON files (the format of `sqlport-schema`, one Django migration each)
//! anywhere under `--migrations DIR`; the database is `--database NAME` (or
//! `SQLPORT_DATABASE`), a token comes from `SQLPORT_AUTH_TOKEN`.
#![forbid(unsafe_code)]

mod commands;
mod project;
mod shell;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// The `sqlport` command line.
#[derive(Debug, Parser)]
#[command(
    name = "sqlport",
    version,
    about = "sqlport: an SQL shell and Django-compatible migrations on local SQLite or remote libSQL"
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply (or, with an earlier target, unapply) migrations atomically.
    Migrate(commands::migrate::Args),
    /// List migrations and whether each is applied.
    Showmigrations(commands::showmigrations::Args),
    /// Print the SQL of one migration, byte for byte as Django's `sqlmigrate`.
    Sqlmigrate(commands::sqlmigrate::Args),
    /// An interactive SQL shell on any NAME, local or remote (like `sqlite3`).
    Shell(shell::Args),
    /// Run the reference Hrana-over-HTTP server (development and tests only).
    Serve(sqlport_conformance::server::cli::ServeArgs),
    /// Run the conformance suite against a NAME (without one: the local
    /// transports and both HTTP backends against an in-process server).
    Check(sqlport_conformance::suite::cli::RunArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut out = std::io::stdout().lock();
    let result = match cli.command {
        Command::Shell(a) => return shell::run(&a),
        Command::Serve(a) => return sqlport_conformance::server::cli::run(a),
        Command::Check(a) => return sqlport_conformance::suite::cli::run_cli(a),
        Command::Migrate(a) => commands::migrate::run(&a, &mut out),
        Command::Showmigrations(a) => commands::showmigrations::run(&a, &mut out),
        Command::Sqlmigrate(a) => commands::sqlmigrate::run(&a, &mut out),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sqlport: {e}");
            ExitCode::FAILURE
        }
    }
}
