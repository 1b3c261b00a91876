//! The runner's command line: `sqlport-conformance [NAME] [--auth-token-env VAR]
//! [--filter PATTERN] [--slt PATH]... [--format human|json|junit] [--list]`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use sqlport::AuthToken;

use super::builtin;
use super::cases::cases;
use super::report::{Format, render};
use super::runner::{RunOptions, run};
use super::subject::Subject;

/// Arguments of a conformance run.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct RunArgs {
    /// Database NAME or URL to test. Without it: the embedded local database
    /// (blocking and async) plus both HTTP backends against an in-process
    /// reference server.
    pub name: Option<String>,
    /// Read the auth token for a remote NAME from this environment variable.
    #[arg(long, value_name = "VAR")]
    pub auth_token_env: Option<String>,
    /// Run only cases whose name contains PATTERN (e.g. `values::`).
    #[arg(long, value_name = "PATTERN")]
    pub filter: Option<String>,
    /// Run this sqllogictest file through every transport (repeatable); with
    /// `--slt`, only the files run, not the built-in cases.
    #[arg(long, value_name = "PATH")]
    pub slt: Vec<PathBuf>,
    /// Output format of the report (stdout).
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// List the cases and what they need, and exit.
    #[arg(long)]
    pub list: bool,
}

/// The subjects for `args`, and what must stay alive while they run.
fn subjects(args: &RunArgs) -> Result<(Vec<Subject>, Option<builtin::ServerGuard>), String> {
    let token = match &args.auth_token_env {
        Some(var) => match std::env::var(var) {
            Ok(t) => Some(AuthToken::new(t)),
            Err(_) => return Err(format!("environment variable {var} is not set")),
        },
        None => None,
    };
    match &args.name {
        Some(name) => builtin::for_name(name, token)
            .map(|s| (s, None))
            .map_err(|e| e.to_string()),
        None => {
            let (server, target) = builtin::start_server()
                .map_err(|e| format!("cannot start the reference server: {e}"))?;
            let subjects = vec![
                builtin::local(),
                builtin::local_async(),
                builtin::http_blocking_at(target.clone()),
                builtin::http_async_at(target),
            ];
            Ok((subjects, Some(server)))
        }
    }
}

/// Run the conformance suite as the command line asks; the exit status is
/// non-zero when a case failed (1) or the run could not start (2).
pub fn run_cli(args: RunArgs) -> ExitCode {
    let all = cases();
    let options = RunOptions {
        filter: args.filter.clone(),
        no_cases: !args.slt.is_empty(),
        bundled_slt: true,
        slt: args.slt.clone(),
        progress: true,
    };
    if args.list {
        let mut out = std::io::stdout().lock();
        for case in all.iter().filter(|c| options.selects(c.name)) {
            let needs: Vec<&str> = case.requirements().iter().map(|r| r.name()).collect();
            let _ = writeln!(
                out,
                "{}{}",
                case.name,
                if needs.is_empty() {
                    String::new()
                } else {
                    format!("  (needs {})", needs.join(", "))
                }
            );
        }
        for file in super::slt::BUNDLED {
            let name = file.case_name();
            if options.selects(&name) {
                let _ = writeln!(out, "{name}");
            }
        }
        return ExitCode::SUCCESS;
    }
    let (subjects, _server) = match subjects(&args) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("sqlport-conformance: {e}");
            return ExitCode::from(2);
        }
    };
    let report = run(&subjects, &all, &options);
    let text = render(&report, args.format);
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    if args.format != Format::Human {
        eprintln!(
            "{} passed, {} failed, {} skipped",
            report.passed(),
            report.failed(),
            report.skipped()
        );
    }
    if report.is_success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
