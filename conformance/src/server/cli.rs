//! `sqlport-conformance serve`: run the reference server from the command line.

/// Arguments of `serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Database: a file path or `:memory:`.
    #[arg(default_value = ":memory:")]
    pub database: String,
}

/// Run the server until Ctrl-C.
pub fn run(args: ServeArgs) -> std::process::ExitCode {
    eprintln!("serve {}: not implemented yet", args.database);
    std::process::ExitCode::FAILURE
}
