//! [`Session`]: the shell's state and what it does with each line of input.

use std::io::Write;
use std::time::Instant;

use sqlport::core::sql::{StatementKind, classify, is_blank};

use super::completion::{Names, SharedNames};
use super::errors::describe;
use super::keepalive::SharedConnection;
use super::output::{Format, print_rows};
use sqlport::core::split::split;

/// What the input loop does next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Read more input.
    Continue,
    /// Stop with this exit status (`.quit`, `.exit N`, or a failure under `.bail on`).
    Exit(i32),
}

/// One source of input (the terminal, standard input, `-c`, a `.read` file):
/// the text of a statement not yet complete, and line numbers for messages.
#[derive(Debug, Default)]
pub struct Input {
    /// Text of the statement being read (empty, or not blank).
    pub pending: String,
    /// Lines read so far.
    pub line: usize,
    /// Line on which `pending` starts.
    pending_line: usize,
    /// Name for messages (a `.read` file).
    pub source: Option<String>,
}

impl Input {
    /// A new input, named for messages.
    pub fn named(source: impl Into<String>) -> Self {
        Input {
            source: Some(source.into()),
            ..Input::default()
        }
    }
}

/// The shell: its connection, settings and output.
pub struct Session {
    /// The connection (shared with the keep-alive thread, if any).
    pub conn: SharedConnection,
    /// How results are printed.
    pub format: Format,
    /// Print each statement's run time.
    pub timer: bool,
    /// Stop at the first failure (non-interactive input only).
    pub bail: bool,
    /// Input comes from a person at a terminal.
    pub interactive: bool,
    /// Results.
    pub out: Box<dyn Write>,
    /// Errors and notices.
    pub err: Box<dyn Write>,
    /// Some statement or command failed.
    pub failed: bool,
    /// Names for tab completion (interactive sessions only).
    pub names: Option<SharedNames>,
    /// Nesting depth of `.read`.
    pub read_depth: usize,
}

/// `.read` files may nest this deep (a file that reads itself stops here).
pub const MAX_READ_DEPTH: usize = 16;

impl Session {
    /// Feed text (one or more lines) from `input`.
    pub fn feed(&mut self, input: &mut Input, text: &str) -> Flow {
        for line in text.split_inclusive('\n') {
            if let Flow::Exit(code) = self.feed_line(input, line) {
                return Flow::Exit(code);
            }
        }
        Flow::Continue
    }

    /// Feed one line: a dot-command if no statement is pending, else SQL; every
    /// statement it completes runs.
    fn feed_line(&mut self, input: &mut Input, line: &str) -> Flow {
        input.line += 1;
        if input.pending.is_empty() {
            if line.trim_start().starts_with('.') {
                let flow = super::dot::run(self, input, line.trim());
                let _ = self.out.flush();
                return flow;
            }
            input.pending_line = input.line;
        }
        input.pending.push_str(line);
        if !line.ends_with('\n') {
            input.pending.push('\n');
        }
        let pending = std::mem::take(&mut input.pending);
        let parts = split(&pending);
        let mut flow = Flow::Continue;
        for range in parts.complete {
            let sql = &pending[range.clone()];
            let at = input.pending_line
                + pending[..range.start].matches('\n').count()
                + leading_newlines(sql);
            flow = self.run_sql(input, sql, at);
            if flow != Flow::Continue {
                break;
            }
        }
        if flow == Flow::Continue && !parts.rest_is_blank {
            let rest = &pending[parts.rest_start..];
            input.pending_line +=
                pending[..parts.rest_start].matches('\n').count() + leading_newlines(rest);
            input.pending = rest.trim_start().to_string();
        }
        let _ = self.out.flush();
        flow
    }

    /// End of input: run what is pending even without its `;` (SQLite reports
    /// an incomplete statement).
    pub fn finish(&mut self, input: &mut Input) -> Flow {
        let pending = std::mem::take(&mut input.pending);
        if pending.is_empty() {
            return Flow::Continue;
        }
        let flow = self.run_sql(input, &pending, input.pending_line);
        let _ = self.out.flush();
        flow
    }

    /// Forget a half-typed statement (Ctrl-C at the prompt).
    pub fn cancel(&mut self, input: &mut Input) {
        input.pending.clear();
    }

    /// Run one statement and print its result or its error.
    fn run_sql(&mut self, input: &Input, sql: &str, line: usize) -> Flow {
        if is_blank(sql) {
            return Flow::Continue;
        }
        let sql = sql.trim();
        let started = Instant::now();
        let result = {
            let mut shared = self.conn.lock();
            let result = match shared.lost.take() {
                Some(lost) => Err(Lost(lost)),
                None => {
                    let r = shared.conn.query(sql, ());
                    shared.last_used = Instant::now();
                    r.map_err(Failed)
                }
            };
            if let Err(Failed(e) | Lost(e)) = &result {
                if ends_the_transaction(e) {
                    // The server already dropped the transaction; the
                    // connection refuses everything (TransactionLost) until
                    // it is rolled back. The shell does that at once (no
                    // request is sent) and goes on in autocommit, after
                    // reporting the error that lost it.
                    let _ = shared.conn.execute("ROLLBACK", ());
                }
            }
            result
        };
        let elapsed = started.elapsed();
        match result {
            Ok(rs) => {
                if let Err(e) = print_rows(&mut *self.out, &self.format, &rs.columns, &rs.rows) {
                    let _ = writeln!(self.err, "Error: cannot write the result: {e}");
                }
                if self.timer {
                    let _ = writeln!(self.out, "Run Time: real {:.3}", elapsed.as_secs_f64());
                }
                if classify(sql) == StatementKind::Ddl {
                    self.refresh_names();
                }
                Flow::Continue
            }
            Err(Failed(e)) => {
                let msg = describe(&e);
                self.fail(input, line, &msg)
            }
            Err(Lost(e)) => {
                let msg = format!(
                    "the keep-alive of the open transaction failed, so this statement was not run: {}",
                    describe(&e)
                );
                self.fail(input, line, &msg)
            }
        }
    }

    /// Report a failure; under `.bail on` (non-interactive) stop with status 1.
    pub fn fail(&mut self, input: &Input, line: usize, message: &str) -> Flow {
        self.failed = true;
        let _ = self.out.flush();
        let place = match (&input.source, self.interactive) {
            (Some(src), _) => format!("{src}:{line}: "),
            (None, false) => format!("near line {line}: "),
            (None, true) => String::new(),
        };
        let _ = writeln!(self.err, "Error: {place}{message}");
        let _ = self.err.flush();
        if self.bail && !self.interactive {
            Flow::Exit(1)
        } else {
            Flow::Continue
        }
    }

    /// Re-read table and column names for completion (interactive sessions).
    pub fn refresh_names(&mut self) {
        let Some(names) = &self.names else {
            return;
        };
        let fresh = read_names(&self.conn);
        *names.borrow_mut() = fresh;
    }

    /// Whether a transaction is open (the prompt shows it).
    pub fn in_transaction(&self) -> bool {
        !self.conn.lock().conn.is_autocommit()
    }
}

/// An error to report: from the statement, or from a keep-alive before it.
enum Outcome {
    Failed(sqlport::Error),
    Lost(sqlport::Error),
}
use Outcome::{Failed, Lost};

/// An error after which the connection's transaction is gone on the server.
fn ends_the_transaction(e: &sqlport::Error) -> bool {
    matches!(
        e.kind(),
        sqlport::ErrorKind::StreamExpired | sqlport::ErrorKind::TransactionLost
    )
}

fn leading_newlines(s: &str) -> usize {
    let trimmed = s.len() - s.trim_start().len();
    s[..trimmed].matches('\n').count()
}

/// Table, view and column names, for completion; empty if they cannot be read.
pub fn read_names(conn: &SharedConnection) -> Names {
    let mut shared = conn.lock();
    let sql = "SELECT s.name, p.name FROM sqlite_schema AS s \
               LEFT JOIN pragma_table_info(s.name) AS p \
               WHERE s.type IN ('table', 'view') AND s.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'";
    let mut names = Names::default();
    if let Ok(rs) = shared.conn.query(sql, ()) {
        for row in &rs.rows {
            if let Ok(t) = row.get::<String>(0) {
                names.tables.push(t);
            }
            if let Ok(Some(c)) = row.get::<Option<String>>(1) {
                names.columns.push(c);
            }
        }
    }
    shared.last_used = Instant::now();
    names.tables.sort();
    names.tables.dedup();
    names.columns.sort();
    names.columns.dedup();
    names
}
