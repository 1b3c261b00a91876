//! Splitting SQL text into its statements, so a `statement` record holding
//! several (`INSERT ...; DROP INDEX t1i1;`) runs as SQLite's `sqlite3_exec`
//! runs it: one statement after the other on one connection, stopping at the
//! first error. Transports run one statement per call (over HTTP, the
//! statements become a sequence of requests on one stream).
//!
//! A `;` ends a statement unless it is inside a string, a quoted identifier, a
//! comment, or the body of a `CREATE TRIGGER` (which ends at its own `END`;
//! `CASE ... END` inside the body is counted so its `END` does not).

/// One lexical piece of SQL text, as far as splitting cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token<'a> {
    /// Whitespace or a comment.
    Space,
    /// `;`.
    Semicolon,
    /// A keyword or unquoted identifier.
    Word(&'a str),
    /// Anything else: literals, quoted identifiers, operators.
    Other,
}

/// The byte length of the token at the start of `s` (not empty), and what it is.
fn next_token(s: &str) -> (usize, Token<'_>) {
    let b = s.as_bytes();
    let Some(&first) = b.first() else {
        return (0, Token::Space);
    };
    let until = |from: usize, end: &[u8]| -> usize {
        s.get(from..)
            .and_then(|rest| {
                rest.as_bytes()
                    .windows(end.len())
                    .position(|w| w == end)
                    .map(|p| from + p + end.len())
            })
            .unwrap_or(b.len())
    };
    // A quoted run: `q ... q`, with `qq` standing for one `q`.
    let quoted = |q: u8| -> usize {
        let mut i = 1;
        while i < b.len() {
            if b[i] == q {
                if b.get(i + 1) == Some(&q) {
                    i += 2;
                    continue;
                }
                return i + 1;
            }
            i += 1;
        }
        b.len()
    };
    match first {
        b';' => (1, Token::Semicolon),
        b'-' if b.get(1) == Some(&b'-') => (until(2, b"\n"), Token::Space),
        b'/' if b.get(1) == Some(&b'*') => (until(2, b"*/"), Token::Space),
        c if c.is_ascii_whitespace() => {
            let n = b.iter().take_while(|c| c.is_ascii_whitespace()).count();
            (n, Token::Space)
        }
        b'\'' | b'"' | b'`' => (quoted(first), Token::Other),
        b'[' => (until(1, b"]"), Token::Other),
        c if c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80 => {
            let n = s
                .char_indices()
                .find(|&(_, c)| !(c.is_alphanumeric() || c == '_' || c == '$'))
                .map_or(s.len(), |(i, _)| i);
            (n, Token::Word(&s[..n]))
        }
        _ => (s.chars().next().map_or(1, char::len_utf8), Token::Other),
    }
}

/// Where a statement is, as far as `;` is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before the first word of a statement.
    Start,
    /// After `CREATE` (and maybe `TEMP`): a `TRIGGER` would start a trigger.
    Create,
    /// In an ordinary statement.
    Plain,
    /// In a `CREATE TRIGGER`, `case_depth` `CASE`s open.
    Trigger { case_depth: usize },
    /// After the `END` of a trigger body.
    TriggerEnd,
}

/// The statements of `sql`, in order, each without its `;`; pieces holding
/// only whitespace and comments are left out (SQLite runs nothing for them).
pub fn split_statements(sql: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut state = State::Start;
    let mut start = 0;
    let mut has_content = false;
    let mut pos = 0;
    while pos < sql.len() {
        let rest = sql.get(pos..).unwrap_or_default();
        let (len, token) = next_token(rest);
        let len = len.max(1);
        match token {
            Token::Space => {}
            Token::Semicolon => {
                if matches!(state, State::Trigger { .. }) {
                    // Inside a trigger body: part of the statement.
                } else {
                    if has_content {
                        out.push(sql.get(start..pos).unwrap_or_default());
                    }
                    start = pos + len;
                    has_content = false;
                    state = State::Start;
                }
            }
            Token::Word(word) => {
                has_content = true;
                let w = word.to_ascii_uppercase();
                state = match (state, w.as_str()) {
                    (State::Start, "CREATE") => State::Create,
                    (State::Create, "TEMP" | "TEMPORARY") => State::Create,
                    (State::Create, "TRIGGER") => State::Trigger { case_depth: 0 },
                    (State::Start | State::Create, _) => State::Plain,
                    (State::Trigger { case_depth }, "CASE") => State::Trigger {
                        case_depth: case_depth + 1,
                    },
                    (State::Trigger { case_depth: 0 }, "END") => State::TriggerEnd,
                    (State::Trigger { case_depth }, "END") => State::Trigger {
                        case_depth: case_depth - 1,
                    },
                    (other, _) => other,
                };
            }
            Token::Other => {
                has_content = true;
                if matches!(state, State::Start | State::Create) {
                    state = State::Plain;
                }
            }
        }
        pos += len;
    }
    if has_content {
        out.push(sql.get(start..).unwrap_or_default());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::split_statements;

    #[test]
    fn splits_like_sqlite_exec() {
        assert_eq!(
            split_statements("INSERT INTO t1 VALUES(-1,'true');\nDROP INDEX t1i1;"),
            vec!["INSERT INTO t1 VALUES(-1,'true')", "\nDROP INDEX t1i1"]
        );
        assert_eq!(split_statements("SELECT 1"), vec!["SELECT 1"]);
        assert_eq!(
            split_statements(" ; -- nothing\n;/* x; */"),
            Vec::<&str>::new()
        );
        assert_eq!(
            split_statements("SELECT 'a;b', \"c;\"\"d\", [e;f], `g;h` -- i;j\n; SELECT 2"),
            vec![
                "SELECT 'a;b', \"c;\"\"d\", [e;f], `g;h` -- i;j\n",
                " SELECT 2"
            ]
        );
    }

    #[test]
    fn trigger_bodies_keep_their_semicolons() {
        let sql = "CREATE TEMP TRIGGER r AFTER INSERT ON t BEGIN \
                   UPDATE t SET x = CASE WHEN 1 THEN 2 ELSE 3 END; DELETE FROM u; END; SELECT 1";
        let got = split_statements(sql);
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(got[0].ends_with("DELETE FROM u; END"));
        assert_eq!(got[1], " SELECT 1");
        // A table named `trigger` is not a trigger.
        assert_eq!(
            split_statements("CREATE TABLE \"trigger\"(x); SELECT 1").len(),
            2
        );
    }
}
