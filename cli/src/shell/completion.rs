//! Tab completion: table and view names, column names, SQL keywords, and
//! dot-command names at the start of a line.
//!
//! The names are read from `sqlite_schema` (and `pragma_table_info`) when the
//! shell starts and again after each statement that changes the schema, so a
//! Tab costs no round trip.

use std::cell::RefCell;
use std::rc::Rc;

use rustyline::completion::{Completer, Pair};
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::validate::Validator;
use rustyline::{Context, Helper};

use super::dot::COMMANDS;

/// The schema names completion offers.
#[derive(Debug, Default, Clone)]
pub struct Names {
    /// Table and view names.
    pub tables: Vec<String>,
    /// Column names of every table and view (deduplicated).
    pub columns: Vec<String>,
}

/// Names shared by the shell (which refreshes them) and the line editor.
pub type SharedNames = Rc<RefCell<Names>>;

/// SQL keywords offered for completion.
const KEYWORDS: &[&str] = &[
    "ABORT",
    "ALTER",
    "ANALYZE",
    "AND",
    "ASC",
    "ATTACH",
    "AUTOINCREMENT",
    "BEGIN",
    "BETWEEN",
    "CASCADE",
    "CASE",
    "CHECK",
    "COLLATE",
    "COLUMN",
    "COMMIT",
    "CONFLICT",
    "CONSTRAINT",
    "CREATE",
    "CROSS",
    "DEFAULT",
    "DEFERRED",
    "DELETE",
    "DESC",
    "DISTINCT",
    "DROP",
    "ELSE",
    "END",
    "ESCAPE",
    "EXCEPT",
    "EXCLUSIVE",
    "EXISTS",
    "EXPLAIN",
    "FOREIGN",
    "FROM",
    "GLOB",
    "GROUP",
    "HAVING",
    "IMMEDIATE",
    "INDEX",
    "INNER",
    "INSERT",
    "INTEGER",
    "INTERSECT",
    "INTO",
    "JOIN",
    "KEY",
    "LEFT",
    "LIKE",
    "LIMIT",
    "NOT",
    "NULL",
    "OFFSET",
    "ORDER",
    "OUTER",
    "PRAGMA",
    "PRIMARY",
    "REAL",
    "REFERENCES",
    "RELEASE",
    "RENAME",
    "REPLACE",
    "RETURNING",
    "ROLLBACK",
    "SAVEPOINT",
    "SELECT",
    "TABLE",
    "TEMPORARY",
    "TEXT",
    "THEN",
    "TRANSACTION",
    "TRIGGER",
    "UNION",
    "UNIQUE",
    "UPDATE",
    "USING",
    "VACUUM",
    "VALUES",
    "VIEW",
    "WHEN",
    "WHERE",
    "WITH",
    "WITHOUT",
];

/// The rustyline helper: completion only (no hints, highlighting or validation:
/// the shell itself decides when a statement is complete).
pub struct ShellHelper {
    names: SharedNames,
}

impl ShellHelper {
    /// A helper completing from `names`.
    pub fn new(names: SharedNames) -> Self {
        ShellHelper { names }
    }

    /// Candidates for the word `prefix` in `line` (up to the cursor).
    pub fn candidates(&self, before: &str, prefix: &str) -> Vec<String> {
        let head = before.trim_start();
        if head.starts_with('.') && !head.contains(char::is_whitespace) {
            // A dot-command name.
            return COMMANDS
                .iter()
                .map(|c| c.name)
                .filter(|n| n.starts_with(head))
                .map(|n| n[head.len() - prefix.len()..].to_string())
                .collect();
        }
        let lower = prefix.to_ascii_lowercase();
        let matches = |n: &str| n.to_ascii_lowercase().starts_with(&lower);
        let names = self.names.borrow();
        let mut out: Vec<String> = names
            .tables
            .iter()
            .chain(names.columns.iter())
            .filter(|n| matches(n))
            .cloned()
            .collect();
        if !head.starts_with('.') && !prefix.is_empty() {
            let upper = !prefix.chars().any(|c| c.is_ascii_lowercase());
            out.extend(KEYWORDS.iter().filter(|k| matches(k)).map(|k| {
                if upper {
                    (*k).to_string()
                } else {
                    k.to_ascii_lowercase()
                }
            }));
        }
        out.sort();
        out.dedup();
        out
    }
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$' || c == '.' || !c.is_ascii()
}

impl Completer for ShellHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let before = line.get(..pos).unwrap_or(line);
        let start = before
            .char_indices()
            .rev()
            .take_while(|(_, c)| is_word_char(*c))
            .last()
            .map_or(before.len(), |(i, _)| i);
        // `schema.table`: complete the part after the dot.
        let word = &before[start..];
        let (start, prefix) = match word.rfind('.') {
            Some(dot) if !before.trim_start().starts_with('.') => {
                (start + dot + 1, &word[dot + 1..])
            }
            _ => (start, word),
        };
        let pairs = self
            .candidates(before, prefix)
            .into_iter()
            .map(|c| Pair {
                display: c.clone(),
                replacement: c,
            })
            .collect();
        Ok((start, pairs))
    }
}

impl Hinter for ShellHelper {
    type Hint = String;
}

impl Highlighter for ShellHelper {}

impl Validator for ShellHelper {}

impl Helper for ShellHelper {}

#[cfg(test)]
mod tests {
    use super::*;

    fn helper() -> ShellHelper {
        ShellHelper::new(Rc::new(RefCell::new(Names {
            tables: vec!["widgets".into(), "Orders".into()],
            columns: vec!["id".into(), "width".into()],
        })))
    }

    #[test]
    fn completes_tables_columns_and_keywords() {
        let h = helper();
        assert_eq!(
            h.candidates("SELECT * FROM wid", "wid"),
            ["widgets", "width"]
        );
        assert_eq!(
            h.candidates("select * from ord", "ord"),
            ["Orders", "order"]
        );
        assert_eq!(h.candidates("SEL", "SEL"), ["SELECT"]);
        assert_eq!(h.candidates("sel", "sel"), ["select"]);
    }

    #[test]
    fn completes_dot_commands_and_their_table_arguments() {
        let h = helper();
        assert_eq!(h.candidates(".sch", ".sch"), [".schema"]);
        assert!(h.candidates(".", ".").contains(&".tables".to_string()));
        assert_eq!(h.candidates(".schema wi", "wi"), ["widgets", "width"]);
    }
}
