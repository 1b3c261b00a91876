//! Where one SQL statement ends: the one statement splitter of sqlport, used
//! by `execute_batch` (a script run as a batch), the interactive shell (is
//! the typed input complete yet?) and the Python module's `executescript`.
//!
//! A statement is complete at a `;` that is outside string literals, quoted
//! identifiers (`"x"`, `` `x` ``, `[x]`) and comments (`-- ...`, `/* ... */`).
//! `CREATE [TEMP] TRIGGER ... BEGIN ... END;` is one statement: inside a trigger
//! body a `;` ends only the inner statement, and the trigger ends at the `;` after
//! the `END` that closes its `BEGIN` (`CASE ... END` inside the body is counted, so
//! it does not end the trigger early). Unterminated literals and comments make the
//! rest incomplete; nothing here panics on any input.

use std::ops::Range;

/// The statements of a script, in order: each without its terminating `;` and
/// trimmed of surrounding whitespace. Empty statements (`;;`) and pieces that
/// hold only comments are dropped; an unterminated last statement is kept (the
/// server reports its error). Never panics.
///
/// ```
/// let script = "CREATE TABLE t (x); -- note;\nINSERT INTO t VALUES (';');;\n\
///               CREATE TRIGGER tr AFTER INSERT ON t BEGIN DELETE FROM t; END;\n\
///               SELECT 1";
/// let parts = sqlport_core::split::statements(script);
/// assert_eq!(parts.len(), 4);
/// assert_eq!(parts[1], "-- note;\nINSERT INTO t VALUES (';')");
/// assert!(parts[2].ends_with("DELETE FROM t; END"));
/// assert_eq!(parts[3], "SELECT 1");
/// ```
pub fn statements(script: &str) -> Vec<&str> {
    let s = split(script);
    let mut out = Vec::with_capacity(s.complete.len() + 1);
    for r in s.complete {
        let text = script.get(r).unwrap_or("");
        let text = text.strip_suffix(';').unwrap_or(text).trim();
        if !crate::sql::is_blank(text) {
            out.push(text);
        }
    }
    let rest = script.get(s.rest_start..).unwrap_or("").trim();
    if !crate::sql::is_blank(rest) {
        out.push(rest);
    }
    out
}

/// The result of [`split`]: complete statements, then what is left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    /// Byte ranges of the complete statements, each ending with its `;`.
    pub complete: Vec<Range<usize>>,
    /// Start of the text after the last complete statement.
    pub rest_start: usize,
    /// `true` when the rest holds only whitespace and finished comments.
    pub rest_is_blank: bool,
}

/// Where the scanner is inside the statement being read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Head {
    /// No word yet.
    Start,
    /// After `EXPLAIN` (and `QUERY PLAN`).
    Explain,
    /// After `CREATE`.
    Create,
    /// After `CREATE TEMP`/`TEMPORARY`.
    CreateTemp,
    /// A `CREATE TRIGGER` statement.
    Trigger,
    /// Any other statement.
    Other,
}

/// Per-statement state of the scanner.
#[derive(Debug, Clone, Copy)]
struct Statement {
    head: Head,
    /// Inside a trigger: its `BEGIN` has been seen.
    in_body: bool,
    /// Inside a trigger: the `END` closing the body has been seen.
    body_done: bool,
    /// Open `CASE` expressions (whose `END` does not close the trigger).
    case_depth: u32,
    /// Any token other than `;` seen.
    significant: bool,
}

impl Statement {
    fn new() -> Self {
        Statement {
            head: Head::Start,
            in_body: false,
            body_done: false,
            case_depth: 0,
            significant: false,
        }
    }

    fn word(&mut self, word: &str) {
        self.significant = true;
        let is = |k: &str| word.eq_ignore_ascii_case(k);
        self.head = match self.head {
            Head::Start | Head::Explain if is("EXPLAIN") || is("QUERY") || is("PLAN") => {
                Head::Explain
            }
            Head::Start | Head::Explain if is("CREATE") => Head::Create,
            Head::Create if is("TEMP") || is("TEMPORARY") => Head::CreateTemp,
            Head::Create | Head::CreateTemp if is("TRIGGER") => Head::Trigger,
            Head::Trigger => {
                if is("CASE") {
                    self.case_depth = self.case_depth.saturating_add(1);
                } else if is("END") {
                    if self.case_depth > 0 {
                        self.case_depth -= 1;
                    } else if self.in_body {
                        self.in_body = false;
                        self.body_done = true;
                    }
                } else if is("BEGIN") && !self.in_body && !self.body_done {
                    self.in_body = true;
                }
                Head::Trigger
            }
            _ => Head::Other,
        };
    }

    /// Whether a `;` here ends the statement.
    fn ends_at_semicolon(&self) -> bool {
        self.head != Head::Trigger || !self.in_body
    }
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$' || !c.is_ascii()
}

/// Split `text` into complete statements and an incomplete rest.
///
/// ```text
/// "SELECT 1; SELECT 'a;b'; SELECT" -> complete ["SELECT 1;", " SELECT 'a;b';"], rest " SELECT"
/// ```
pub fn split(text: &str) -> Split {
    let mut complete = Vec::new();
    let mut start = 0usize;
    let mut stmt = Statement::new();
    // `true` while inside an unterminated literal or comment at the end.
    let mut open = false;
    let mut iter = text.char_indices().peekable();
    while let Some((i, c)) = iter.next() {
        match c {
            c if c.is_whitespace() => {}
            ';' => {
                if stmt.ends_at_semicolon() {
                    complete.push(start..i + 1);
                    start = i + 1;
                    stmt = Statement::new();
                }
            }
            '-' if matches!(iter.peek(), Some((_, '-'))) => {
                // A line comment runs to the end of the line (or of the input,
                // which finishes it: a line comment needs no terminator).
                for (_, ch) in iter.by_ref() {
                    if ch == '\n' {
                        break;
                    }
                }
            }
            '/' if matches!(iter.peek(), Some((_, '*'))) => {
                iter.next();
                let mut closed = false;
                let mut prev = '\0';
                for (_, ch) in iter.by_ref() {
                    if prev == '*' && ch == '/' {
                        closed = true;
                        break;
                    }
                    prev = ch;
                }
                if !closed {
                    open = true;
                }
            }
            '\'' | '"' | '`' | '[' => {
                stmt.significant = true;
                if stmt.head == Head::Start || stmt.head == Head::Explain {
                    stmt.head = Head::Other;
                }
                let close = if c == '[' { ']' } else { c };
                let mut closed = false;
                while let Some((_, ch)) = iter.next() {
                    if ch == close {
                        // A doubled quote is an escaped quote (not for `[...]`).
                        if c != '[' && matches!(iter.peek(), Some((_, n)) if *n == close) {
                            iter.next();
                            continue;
                        }
                        closed = true;
                        break;
                    }
                }
                if !closed {
                    open = true;
                }
            }
            c if is_word_char(c) => {
                let mut end = i + c.len_utf8();
                while let Some(&(j, ch)) = iter.peek() {
                    if !is_word_char(ch) {
                        break;
                    }
                    end = j + ch.len_utf8();
                    iter.next();
                }
                stmt.word(text.get(i..end).unwrap_or(""));
            }
            _ => {
                stmt.significant = true;
                if stmt.head == Head::Start || stmt.head == Head::Explain {
                    stmt.head = Head::Other;
                }
            }
        }
    }
    Split {
        complete,
        rest_start: start,
        rest_is_blank: !stmt.significant && !open,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(text: &str) -> (Vec<&str>, &str, bool) {
        let s = split(text);
        let complete = s.complete.iter().map(|r| &text[r.clone()]).collect();
        (complete, &text[s.rest_start..], s.rest_is_blank)
    }

    #[test]
    fn splits_at_semicolons_outside_literals_and_comments() {
        let (c, rest, blank) = parts("SELECT 1; SELECT 'a;b'; SELECT \"x;\"; SELECT");
        assert_eq!(c, ["SELECT 1;", " SELECT 'a;b';", " SELECT \"x;\";"]);
        assert_eq!(rest, " SELECT");
        assert!(!blank);

        let (c, rest, blank) = parts("SELECT 1 -- ; not here\n, 2; /* ; */ SELECT [a;b], `c;d`;\n");
        assert_eq!(
            c,
            [
                "SELECT 1 -- ; not here\n, 2;",
                " /* ; */ SELECT [a;b], `c;d`;"
            ]
        );
        assert_eq!(rest, "\n");
        assert!(blank);
    }

    #[test]
    fn doubled_quotes_are_escapes() {
        let (c, rest, _) = parts("SELECT 'it''s; fine'; SELECT \"a\"\";b\";");
        assert_eq!(c, ["SELECT 'it''s; fine';", " SELECT \"a\"\";b\";"]);
        assert_eq!(rest, "");
    }

    #[test]
    fn unterminated_literals_and_comments_are_incomplete() {
        for text in [
            "SELECT 'abc;",
            "SELECT \"abc;",
            "SELECT [abc;",
            "SELECT `abc;",
            "SELECT 1 /* ; ",
        ] {
            let (c, rest, blank) = parts(text);
            assert!(c.is_empty(), "{text}");
            assert_eq!(rest, text);
            assert!(!blank, "{text}");
        }
        // A comment alone, unterminated, is not blank either (still being typed).
        let (_, _, blank) = parts("/* note");
        assert!(!blank);
        // A finished comment, or a line comment at the end, is blank.
        assert!(parts("/* note */ -- x").2);
        assert!(parts("   \n").2);
    }

    #[test]
    fn triggers_end_after_end() {
        let trigger = "CREATE TRIGGER t AFTER INSERT ON a BEGIN\n  INSERT INTO b VALUES (1);\n  UPDATE c SET x = CASE WHEN 1 THEN 2 END;\nEND;";
        let text = format!("{trigger} SELECT 1;");
        let (c, rest, _) = parts(&text);
        assert_eq!(c, [trigger, " SELECT 1;"]);
        assert_eq!(rest, "");

        // Not complete before the END.
        let partial = "create temp trigger t after insert on a begin insert into b values (1);";
        let (c, _, blank) = parts(partial);
        assert!(c.is_empty());
        assert!(!blank);
        let text = format!("{partial} end;");
        let (c, ..) = parts(&text);
        assert_eq!(c.len(), 1);

        // EXPLAIN, TEMPORARY, a WHEN clause with CASE ... END before BEGIN.
        let t = "EXPLAIN CREATE TEMPORARY TRIGGER t BEFORE DELETE ON a WHEN CASE 1 WHEN 1 THEN 1 END BEGIN SELECT 1; END;";
        let (c, ..) = parts(t);
        assert_eq!(c, [t]);

        // A malformed trigger without BEGIN ends at its `;` (SQLite reports the error).
        let (c, ..) = parts("CREATE TRIGGER oops; SELECT 1;");
        assert_eq!(c, ["CREATE TRIGGER oops;", " SELECT 1;"]);

        // Words that only look like the trigger keywords.
        let (c, ..) = parts("CREATE TABLE trigger_log (x); SELECT 'BEGIN'; SELECT [end];");
        assert_eq!(c.len(), 3);
        let (c, ..) = parts("BEGIN; END;");
        assert_eq!(c, ["BEGIN;", " END;"]);
    }

    #[test]
    fn empty_statements_and_unicode() {
        let (c, rest, blank) = parts(";;");
        assert_eq!(c, [";", ";"]);
        assert_eq!(rest, "");
        assert!(blank);
        let (c, ..) = parts("SELECT 'é;ü'; SELECT ñ;");
        assert_eq!(c, ["SELECT 'é;ü';", " SELECT ñ;"]);
    }

    #[test]
    fn script_statements() {
        assert!(statements("").is_empty());
        assert!(statements(" ;; -- c\n /* d */ ;").is_empty());
        assert_eq!(statements("SELECT 1"), ["SELECT 1"]);
        assert_eq!(statements("SELECT 1;SELECT 2;"), ["SELECT 1", "SELECT 2"]);
        assert_eq!(
            statements("SELECT 'a;b'; SELECT 2 -- tail"),
            ["SELECT 'a;b'", "SELECT 2 -- tail"]
        );
        // An unterminated literal is one (bad) statement, for the server to refuse.
        assert_eq!(
            statements("SELECT 1; SELECT 'x;"),
            ["SELECT 1", "SELECT 'x;"]
        );
    }

    #[test]
    fn never_panics() {
        for text in [
            "'",
            "\"",
            "`",
            "[",
            "/*",
            "/",
            "-",
            "--",
            "*/",
            "é",
            "'\u{0}'",
            ";'",
            "CREATE",
            "CREATE TRIGGER",
            "CREATE TRIGGER x BEGIN",
            "END",
            "x'00'",
        ] {
            let s = split(text);
            assert!(s.rest_start <= text.len());
            for r in s.complete {
                assert!(text.get(r).is_some());
            }
        }
    }
}
