//! The `sqlport-conformance` command: runs the conformance suite against a NAME
//! (default: the embedded local database plus both HTTP backends against the
//! in-process reference server), or `serve`s the reference server.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// sqlport conformance runner and reference Hrana server.
#[derive(Debug, Parser)]
#[command(version, about, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    run: sqlport_conformance::suite::cli::RunArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the reference Hrana-over-HTTP server (development and tests only).
    Serve(sqlport_conformance::server::cli::ServeArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Serve(args)) => sqlport_conformance::server::cli::run(args),
        None => sqlport_conformance::suite::cli::run_cli(cli.run),
    }
}
