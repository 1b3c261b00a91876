//! The dot-commands (`.tables`, `.schema`, `.mode`, ...).
//!
//! A line that starts with `.` while no statement is pending is a dot-command.
//! Its arguments are split as a POSIX shell splits words: `'...'` and `"..."`
//! quote, a backslash escapes outside single quotes. A bad command or argument
//! is an error (reported like a failed statement); the shell goes on.

use std::io::Write;

use super::output::Mode;
use super::session::{Flow, Input, MAX_READ_DEPTH, Session};

/// One dot-command, for `.help` and completion.
pub struct Command {
    /// The name with its dot.
    pub name: &'static str,
    /// Its arguments.
    pub args: &'static str,
    /// What it does.
    pub help: &'static str,
}

/// Every dot-command.
pub const COMMANDS: &[Command] = &[
    Command {
        name: ".bail",
        args: "on|off",
        help: "stop at the first error (non-interactive input; default off)",
    },
    Command {
        name: ".exit",
        args: "[CODE]",
        help: "leave the shell with exit status CODE (default 0)",
    },
    Command {
        name: ".headers",
        args: "on|off",
        help: "print column names (table, list, csv)",
    },
    Command {
        name: ".help",
        args: "",
        help: "this list",
    },
    Command {
        name: ".mode",
        args: "table|list|line|csv|json",
        help: "how results are printed (no argument: show the current mode)",
    },
    Command {
        name: ".nullvalue",
        args: "TEXT",
        help: "text printed for NULL (default empty; not in json)",
    },
    Command {
        name: ".quit",
        args: "",
        help: "leave the shell",
    },
    Command {
        name: ".read",
        args: "FILE",
        help: "run the SQL and dot-commands in FILE",
    },
    Command {
        name: ".schema",
        args: "[PATTERN]",
        help: "CREATE statements of all objects, or of the tables matching the LIKE pattern",
    },
    Command {
        name: ".tables",
        args: "[PATTERN]",
        help: "names of tables and views (matching the LIKE pattern)",
    },
    Command {
        name: ".timer",
        args: "on|off",
        help: "print each statement's run time",
    },
];

/// Run the dot-command `line` (trimmed, starting with `.`).
pub fn run(session: &mut Session, input: &mut Input, line: &str) -> Flow {
    let at = input.line;
    let Some(words) = shlex::split(line) else {
        return session.fail(input, at, &format!("unbalanced quotes in {line:?}"));
    };
    let Some((name, args)) = words.split_first() else {
        return Flow::Continue;
    };
    match run_command(session, name, args) {
        Ok(flow) => flow,
        Err(msg) => session.fail(input, at, &msg),
    }
}

fn on_off(name: &str, args: &[String]) -> Result<bool, String> {
    match args {
        [v] => match v.to_ascii_lowercase().as_str() {
            "on" | "yes" | "true" | "1" => Ok(true),
            "off" | "no" | "false" | "0" => Ok(false),
            _ => Err(format!("{name}: expected on or off, got {v:?}")),
        },
        _ => Err(format!("usage: {name} on|off")),
    }
}

fn run_command(session: &mut Session, name: &str, args: &[String]) -> Result<Flow, String> {
    let out_err = |e: std::io::Error| format!("cannot write: {e}");
    match name {
        ".quit" | ".q" => Ok(Flow::Exit(if session.failed && !session.interactive {
            1
        } else {
            0
        })),
        ".exit" => match args {
            [] => Ok(Flow::Exit(0)),
            [code] => code
                .parse::<i32>()
                .map(Flow::Exit)
                .map_err(|_| format!(".exit: not a number: {code:?}")),
            _ => Err("usage: .exit [CODE]".into()),
        },
        ".help" => {
            for c in COMMANDS {
                let usage = format!("{} {}", c.name, c.args);
                writeln!(session.out, "{:<34} {}", usage.trim_end(), c.help).map_err(out_err)?;
            }
            Ok(Flow::Continue)
        }
        ".headers" | ".header" => {
            session.format.headers = on_off(name, args)?;
            Ok(Flow::Continue)
        }
        ".timer" => {
            session.timer = on_off(name, args)?;
            Ok(Flow::Continue)
        }
        ".bail" => {
            session.bail = on_off(name, args)?;
            Ok(Flow::Continue)
        }
        ".nullvalue" => match args {
            [text] => {
                session.format.null_text = text.clone();
                Ok(Flow::Continue)
            }
            _ => Err("usage: .nullvalue TEXT".into()),
        },
        ".mode" => match args {
            [] => {
                writeln!(
                    session.out,
                    "current output mode: {}",
                    session.format.mode.name()
                )
                .map_err(out_err)?;
                Ok(Flow::Continue)
            }
            [m] => {
                session.format.mode = Mode::parse(m).ok_or_else(|| {
                    format!(".mode: unknown mode {m:?} (table, list, line, csv, json)")
                })?;
                Ok(Flow::Continue)
            }
            _ => Err("usage: .mode table|list|line|csv|json".into()),
        },
        ".tables" => {
            let pattern = match args {
                [] => "%".to_string(),
                [p] => p.clone(),
                _ => return Err("usage: .tables [PATTERN]".into()),
            };
            let sql = "SELECT name FROM sqlite_schema WHERE type IN ('table', 'view') \
                       AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name LIKE ?1 ORDER BY name";
            let rs = query(session, sql, &pattern)?;
            for row in &rs.rows {
                let name: String = row.get(0).map_err(|e| super::errors::describe(&e))?;
                writeln!(session.out, "{name}").map_err(out_err)?;
            }
            Ok(Flow::Continue)
        }
        ".schema" => {
            let pattern = match args {
                [] => "%".to_string(),
                [p] => p.clone(),
                _ => return Err("usage: .schema [PATTERN]".into()),
            };
            let sql = "SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL \
                       AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' \
                       AND (name LIKE ?1 OR tbl_name LIKE ?1) ORDER BY rowid";
            let rs = query(session, sql, &pattern)?;
            for row in &rs.rows {
                let text: String = row.get(0).map_err(|e| super::errors::describe(&e))?;
                writeln!(session.out, "{text};").map_err(out_err)?;
            }
            Ok(Flow::Continue)
        }
        ".read" => match args {
            [file] => read_file(session, file),
            _ => Err("usage: .read FILE".into()),
        },
        _ => Err(format!(
            "unknown command {name:?}: enter \".help\" for the list"
        )),
    }
}

/// Run a query with one text parameter for a dot-command.
fn query(session: &mut Session, sql: &str, param: &str) -> Result<sqlport::ResultSet, String> {
    let mut shared = session.conn.lock();
    if let Some(lost) = shared.lost.take() {
        return Err(format!(
            "the keep-alive of the open transaction failed, so this command was not run: {}",
            super::errors::describe(&lost)
        ));
    }
    let r = shared.conn.query(sql, [param]);
    shared.last_used = std::time::Instant::now();
    r.map_err(|e| super::errors::describe(&e))
}

/// `.read FILE`: the file's lines as if typed, with its own pending statement.
fn read_file(session: &mut Session, file: &str) -> Result<Flow, String> {
    if session.read_depth >= MAX_READ_DEPTH {
        return Err(format!(
            ".read: files nested more than {MAX_READ_DEPTH} deep"
        ));
    }
    let bytes = std::fs::read(file).map_err(|e| format!(".read {file}: {e}"))?;
    let text = String::from_utf8_lossy(&bytes);
    let mut sub = Input::named(file);
    session.read_depth += 1;
    let mut flow = session.feed(&mut sub, &text);
    if flow == Flow::Continue {
        flow = session.finish(&mut sub);
    }
    session.read_depth -= 1;
    session.refresh_names();
    Ok(flow)
}
