//! The interactive loop: rustyline line editing, history, completion, prompts.
//!
//! Prompts: `sqlport> ` when idle, `sqlport*> ` while a transaction is open,
//! `   ...> ` while a statement is incomplete. Ctrl-C drops the half-typed
//! statement, Ctrl-D (on an empty line) leaves. A statement typed over several
//! lines becomes one history entry (lines starting with a space are not
//! recorded); the history file is appended after each entry.

use std::io::Write;
use std::path::{Path, PathBuf};

use rustyline::Editor;
use rustyline::config::{CompletionType, Config};
use rustyline::error::ReadlineError;
use rustyline::history::FileHistory;

use super::completion::{SharedNames, ShellHelper};
use super::session::{Flow, Input, Session};

/// Where the history is kept, unless the user says otherwise: the user's data
/// folder (`$XDG_DATA_HOME/sqlport/history`, `~/.local/share/sqlport/history` on
/// Linux), else `~/.sqlport_history`.
pub fn default_history_path() -> Option<PathBuf> {
    if let Some(data) = dirs::data_dir() {
        let dir = data.join("sqlport");
        if std::fs::create_dir_all(&dir).is_ok() {
            return Some(dir.join("history"));
        }
    }
    dirs::home_dir().map(|h| h.join(".sqlport_history"))
}

/// Read lines from the terminal until `.quit`/`.exit` or Ctrl-D.
pub fn run(session: &mut Session, names: SharedNames, history: Option<&Path>) -> Flow {
    let config = Config::builder()
        .auto_add_history(false)
        .history_ignore_space(true)
        .completion_type(CompletionType::List)
        .build();
    let mut editor: Editor<ShellHelper, FileHistory> = match Editor::with_config(config) {
        Ok(e) => e,
        Err(e) => {
            let _ = writeln!(session.err, "sqlport: cannot start the line editor: {e}");
            session.failed = true;
            return Flow::Exit(1);
        }
    };
    editor.set_helper(Some(ShellHelper::new(names)));
    let mut history = history.map(Path::to_path_buf);
    if let Some(path) = &history {
        if path.exists() {
            if let Err(e) = editor.load_history(path) {
                let _ = writeln!(
                    session.err,
                    "sqlport: history {} not loaded: {e}",
                    path.display()
                );
            }
        }
    }
    let mut input = Input::default();
    let mut entry = String::new();
    loop {
        let prompt = if !input.pending.is_empty() {
            "   ...> "
        } else if session.in_transaction() {
            "sqlport*> "
        } else {
            "sqlport> "
        };
        match editor.readline(prompt) {
            Ok(line) => {
                if !entry.is_empty() {
                    entry.push('\n');
                }
                entry.push_str(&line);
                let flow = session.feed(&mut input, &line);
                if input.pending.is_empty() {
                    let text = std::mem::take(&mut entry);
                    if !text.trim().is_empty() && editor.add_history_entry(text).unwrap_or(false) {
                        if let Some(path) = &history {
                            if let Err(e) = editor.append_history(path) {
                                let _ = writeln!(
                                    session.err,
                                    "sqlport: history {} not saved (no more attempts this session): {e}",
                                    path.display()
                                );
                                history = None;
                            }
                        }
                    }
                }
                if let Flow::Exit(code) = flow {
                    return Flow::Exit(code);
                }
            }
            Err(ReadlineError::Interrupted) => {
                session.cancel(&mut input);
                entry.clear();
            }
            Err(ReadlineError::Eof) => {
                let _ = writeln!(session.out);
                // Ctrl-D on a half-typed statement runs it, as end of input does.
                return session.finish(&mut input);
            }
            Err(e) => {
                let _ = writeln!(session.err, "sqlport: cannot read the terminal: {e}");
                session.failed = true;
                return Flow::Exit(1);
            }
        }
    }
}
