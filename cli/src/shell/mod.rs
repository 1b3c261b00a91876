//! `sqlport shell NAME`: an interactive SQL shell, like `sqlite3`, on any NAME.
//!
//! The shell holds one connection: locally a SQLite connection, remotely one
//! Hrana stream, so `BEGIN; ...; COMMIT` typed over several lines is one real
//! transaction on the server (the prompt shows `*` while it is open). Input
//! comes from the terminal (line editing, history, tab completion), from
//! standard input when it is not a terminal (no prompts, no history), or from
//! `-c SQL`.
//!
//! Exit status: 0, or 1 when a statement or dot-command failed in
//! non-interactive input (all input still runs unless `--bail`/`.bail on`
//! stops at the first failure), or the code given to `.exit CODE`. An
//! interactive session ends with 0 unless `.exit CODE` says otherwise.

mod completion;
mod dot;
mod errors;
mod keepalive;
mod output;
mod session;
mod terminal;

use std::cell::RefCell;
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::rc::Rc;
use std::time::Duration;

use sqlport::blocking::Database;
use sqlport::{OpenOptions, Target};

use keepalive::{KeepAlive, SharedConnection};
use output::{Format, Mode};
use session::{Flow, Input, Session};

/// The environment variable read for the auth token unless `--auth-token-env` names another.
pub const TOKEN_ENV: &str = "SQLPORT_AUTH_TOKEN";

/// `sqlport shell` arguments.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The database NAME: a file, `:memory:`, `file:` URI, `http(s)://...`,
    /// `libsql://...` or a host name.
    pub name: String,
    /// Run this SQL (statements and dot-commands, one per line) and exit.
    #[arg(short = 'c', long = "command", value_name = "SQL")]
    pub command: Option<String>,
    /// Read the auth token from this environment variable (default
    /// SQLPORT_AUTH_TOKEN). The token is never printed.
    #[arg(long, value_name = "VAR")]
    pub auth_token_env: Option<String>,
    /// Output mode to start with (default: table on a terminal, list otherwise).
    #[arg(long, value_enum)]
    pub mode: Option<Mode>,
    /// Print column names (default: on a terminal only).
    #[arg(long, overrides_with = "no_headers")]
    pub headers: bool,
    /// Do not print column names.
    #[arg(long)]
    pub no_headers: bool,
    /// Text printed for NULL.
    #[arg(long, value_name = "TEXT")]
    pub nullvalue: Option<String>,
    /// Stop at the first failing statement or command (non-interactive input).
    #[arg(long)]
    pub bail: bool,
    /// History file (env SQLPORT_HISTORY; `off` disables). Default: the user's
    /// data folder (`~/.local/share/sqlport/history` on Linux), else `~/.sqlport_history`.
    #[arg(long, value_name = "FILE", env = "SQLPORT_HISTORY")]
    pub history: Option<PathBuf>,
    /// Keep no history.
    #[arg(long)]
    pub no_history: bool,
    /// While a remote transaction is open and the shell idle, ping the server
    /// after this many seconds so the stream does not expire (0: never).
    #[arg(long, value_name = "SECONDS", default_value = "4", value_parser = parse_seconds)]
    pub keepalive: Duration,
}

fn parse_seconds(s: &str) -> Result<Duration, String> {
    let secs: f64 = s
        .parse()
        .map_err(|_| format!("not a number of seconds: {s:?}"))?;
    Duration::try_from_secs_f64(secs).map_err(|_| format!("not a usable number of seconds: {s:?}"))
}

impl Args {
    /// The history file to use, if any.
    fn history_path(&self) -> Option<PathBuf> {
        if self.no_history {
            return None;
        }
        match &self.history {
            Some(p) if p.as_os_str().is_empty() || p.as_os_str() == "off" => None,
            Some(p) => Some(p.clone()),
            None => terminal::default_history_path(),
        }
    }

    fn options(&self) -> Result<OpenOptions, String> {
        let mut options = OpenOptions::new();
        let token = match &self.auth_token_env {
            Some(var) => Some(std::env::var(var).map_err(|_| {
                format!(
                    "--auth-token-env {var}: the environment variable is not set (or not UTF-8)"
                )
            })?),
            None => std::env::var(TOKEN_ENV).ok(),
        };
        if let Some(token) = token.filter(|t| !t.is_empty()) {
            options = options.auth_token(token);
        }
        Ok(options)
    }
}

/// Run the shell; the exit status as documented in the module.
pub fn run(args: &Args) -> ExitCode {
    let shown = sqlport::core::name::redact_name(&args.name);
    let options = match args.options() {
        Ok(o) => o,
        Err(msg) => {
            eprintln!("sqlport: {msg}");
            return ExitCode::FAILURE;
        }
    };
    let conn = match Database::open_with(&args.name, options).and_then(|db| db.connect()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("sqlport: cannot open {shown}: {}", errors::describe(&e));
            return ExitCode::FAILURE;
        }
    };
    let interactive = args.command.is_none() && std::io::stdin().is_terminal();
    let remote = Target::parse(&args.name).is_ok_and(|t| t.is_remote());
    let mut format = Format {
        mode: args
            .mode
            .unwrap_or(if interactive { Mode::Table } else { Mode::List }),
        headers: interactive,
        null_text: args.nullvalue.clone().unwrap_or_default(),
    };
    if args.headers {
        format.headers = true;
    }
    if args.no_headers {
        format.headers = false;
    }
    let shared = SharedConnection::new(conn);
    let keepalive = if remote && !args.keepalive.is_zero() {
        match KeepAlive::start(shared.clone(), args.keepalive) {
            Ok(k) => Some(k),
            Err(e) => {
                eprintln!("sqlport: no keep-alive for open transactions: {e}");
                None
            }
        }
    } else {
        None
    };
    let mut session = Session {
        conn: shared,
        format,
        timer: false,
        bail: args.bail,
        interactive,
        out: Box::new(std::io::stdout()),
        err: Box::new(std::io::stderr()),
        failed: false,
        names: None,
        read_depth: 0,
    };

    let flow = if let Some(sql) = &args.command {
        let mut input = Input::default();
        match session.feed(&mut input, sql) {
            Flow::Continue => session.finish(&mut input),
            exit => exit,
        }
    } else if interactive {
        let names = Rc::new(RefCell::new(session::read_names(&session.conn)));
        session.names = Some(names.clone());
        let where_ = if remote { "remote" } else { "local" };
        let _ = writeln!(
            session.out,
            "sqlport {} shell on {shown} ({where_}). Enter \".help\" for the dot-commands.",
            env!("CARGO_PKG_VERSION")
        );
        terminal::run(&mut session, names, args.history_path().as_deref())
    } else {
        run_piped(&mut session)
    };

    let code = match flow {
        Flow::Exit(code) => code,
        Flow::Continue => i32::from(session.failed && !interactive),
    };
    let _ = session.out.flush();
    let in_transaction = session.in_transaction();
    let conn = session.conn.clone();
    drop(session);
    drop(keepalive);
    if in_transaction {
        eprintln!("sqlport: the open transaction was rolled back");
    }
    if let Some(conn) = conn.into_inner() {
        if let Err(e) = conn.close() {
            eprintln!("sqlport: closing the connection: {}", errors::describe(&e));
        }
    }
    // As a POSIX exit status: the low 8 bits (`.exit -1` is 255).
    ExitCode::from(u8::try_from(code.rem_euclid(256)).unwrap_or(1))
}

/// Standard input that is not a terminal: lines as they come, no prompts.
fn run_piped(session: &mut Session) -> Flow {
    let stdin = std::io::stdin();
    let mut reader = stdin.lock();
    let mut input = Input::default();
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_until(b'\n', &mut buf) {
            Ok(0) => return session.finish(&mut input),
            Ok(_) => {
                let line = String::from_utf8_lossy(&buf);
                if let Flow::Exit(code) = session.feed(&mut input, &line) {
                    return Flow::Exit(code);
                }
            }
            Err(e) => {
                let _ = writeln!(session.err, "sqlport: cannot read standard input: {e}");
                session.failed = true;
                return Flow::Exit(1);
            }
        }
    }
}
