//! A small SQL classifier shared by every transport and the reference server:
//! which kind of statement a string starts with, skipping comments, and seeing
//! through `WITH ...` to the statement it prefixes.

use crate::statement::TransactionBehavior;

/// The kind of one SQL statement, by its leading keyword(s).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StatementKind {
    /// `SELECT`, `VALUES`, or `WITH ... SELECT`.
    Select,
    /// `INSERT` (also `WITH ... INSERT`).
    Insert,
    /// `REPLACE INTO`.
    Replace,
    /// `UPDATE`.
    Update,
    /// `DELETE`.
    Delete,
    /// `BEGIN` (with its behaviour).
    Begin,
    /// `COMMIT` or `END`.
    Commit,
    /// `ROLLBACK` (not `ROLLBACK TO`).
    Rollback,
    /// `ROLLBACK TO [SAVEPOINT] name`.
    RollbackTo,
    /// `SAVEPOINT name`.
    Savepoint,
    /// `RELEASE [SAVEPOINT] name`.
    Release,
    /// `PRAGMA name` or `PRAGMA name(arg)` (a read).
    PragmaRead,
    /// `PRAGMA name = value` (sets connection state).
    PragmaWrite,
    /// `CREATE`, `ALTER`, `DROP`.
    Ddl,
    /// `ATTACH` / `DETACH`.
    Attach,
    /// `EXPLAIN ...`.
    Explain,
    /// Anything else (`VACUUM`, `ANALYZE`, `REINDEX`, ...).
    Other,
    /// Only whitespace and comments.
    Empty,
}

impl StatementKind {
    /// INSERT, REPLACE, UPDATE or DELETE: reports `rows_affected`.
    pub fn is_dml(self) -> bool {
        matches!(
            self,
            StatementKind::Insert
                | StatementKind::Replace
                | StatementKind::Update
                | StatementKind::Delete
        )
    }

    /// INSERT or REPLACE: reports `last_insert_rowid`.
    pub fn reports_rowid(self) -> bool {
        matches!(self, StatementKind::Insert | StatementKind::Replace)
    }
}

/// Classify one SQL statement by its leading keyword(s), skipping whitespace,
/// comments and leading `;`, and seeing through `WITH ...` to the main verb.
///
/// ```
/// use sqlport_core::sql::{classify, StatementKind};
/// assert_eq!(classify("/* hi */ with x as (select 1) insert into t select * from x"), StatementKind::Insert);
/// assert_eq!(classify("PRAGMA foreign_keys = ON"), StatementKind::PragmaWrite);
/// assert_eq!(classify("  -- nothing"), StatementKind::Empty);
/// ```
pub fn classify(sql: &str) -> StatementKind {
    let mut lexer = Lexer::new(sql);
    let first = loop {
        match lexer.next() {
            None => return StatementKind::Empty,
            Some(Token::Punct(';')) => continue,
            Some(t) => break t,
        }
    };
    let Token::Word(word) = first else {
        return StatementKind::Other;
    };
    let kw = |w: &str, k: &str| w.eq_ignore_ascii_case(k);
    let mut buf = [0u8; KEYWORD_MAX];
    match upper(word, &mut buf) {
        "SELECT" | "VALUES" => StatementKind::Select,
        "INSERT" => StatementKind::Insert,
        "REPLACE" => StatementKind::Replace,
        "UPDATE" => StatementKind::Update,
        "DELETE" => StatementKind::Delete,
        "BEGIN" => StatementKind::Begin,
        "COMMIT" | "END" => StatementKind::Commit,
        "ROLLBACK" => {
            let mut next = lexer.next();
            if matches!(next, Some(Token::Word(w)) if kw(w, "TRANSACTION")) {
                next = lexer.next();
            }
            if matches!(next, Some(Token::Word(w)) if kw(w, "TO")) {
                StatementKind::RollbackTo
            } else {
                StatementKind::Rollback
            }
        }
        "SAVEPOINT" => StatementKind::Savepoint,
        "RELEASE" => StatementKind::Release,
        "PRAGMA" => classify_pragma(&mut lexer),
        "CREATE" | "ALTER" | "DROP" => StatementKind::Ddl,
        "ATTACH" | "DETACH" => StatementKind::Attach,
        "EXPLAIN" => StatementKind::Explain,
        "WITH" => classify_with(&mut lexer),
        _ => StatementKind::Other,
    }
}

/// For a `BEGIN` statement, the transaction behaviour it asks for (`BEGIN`
/// alone is [`TransactionBehavior::Deferred`]); `None` for any other statement.
///
/// ```
/// use sqlport_core::{sql::begin_behavior, TransactionBehavior};
/// assert_eq!(begin_behavior("begin immediate"), Some(TransactionBehavior::Immediate));
/// assert_eq!(begin_behavior("BEGIN TRANSACTION"), Some(TransactionBehavior::Deferred));
/// assert_eq!(begin_behavior("COMMIT"), None);
/// ```
pub fn begin_behavior(sql: &str) -> Option<TransactionBehavior> {
    if classify(sql) != StatementKind::Begin {
        return None;
    }
    let mut lexer = Lexer::new(sql);
    // Skip to the BEGIN keyword.
    for tok in lexer.by_ref() {
        if let Token::Word(_) = tok {
            break;
        }
    }
    match lexer.next() {
        Some(Token::Word(w)) if w.eq_ignore_ascii_case("IMMEDIATE") => {
            Some(TransactionBehavior::Immediate)
        }
        Some(Token::Word(w)) if w.eq_ignore_ascii_case("EXCLUSIVE") => {
            Some(TransactionBehavior::Exclusive)
        }
        _ => Some(TransactionBehavior::Deferred),
    }
}

/// The target of a `PRAGMA` statement: `PRAGMA [schema.]name [= value | (arg)]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PragmaTarget {
    /// The schema, lower-cased, when one is written (`main`, `temp`, ...).
    pub schema: Option<String>,
    /// The PRAGMA's name, lower-cased.
    pub name: String,
    /// Whether a value or argument follows (`= value` or `(arg)`): for a
    /// setting, an assignment; for a table-valued PRAGMA, an argument.
    pub has_argument: bool,
}

/// For a `PRAGMA` statement, its schema, name and whether it has an
/// argument; `None` for any other statement or a name that is quoted.
///
/// ```
/// use sqlport_core::sql::pragma_target;
/// let p = pragma_target("/* x */ PRAGMA Main.Foreign_Keys = OFF").unwrap();
/// assert_eq!((p.schema.as_deref(), p.name.as_str(), p.has_argument), (Some("main"), "foreign_keys", true));
/// assert!(pragma_target("PRAGMA foreign_keys(0)").unwrap().has_argument);
/// assert!(!pragma_target("PRAGMA user_version").unwrap().has_argument);
/// assert_eq!(pragma_target("SELECT 1"), None);
/// ```
pub fn pragma_target(sql: &str) -> Option<PragmaTarget> {
    let mut lexer = Lexer::new(sql);
    let first = loop {
        match lexer.next()? {
            Token::Punct(';') => continue,
            t => break t,
        }
    };
    if !matches!(first, Token::Word(w) if w.eq_ignore_ascii_case("PRAGMA")) {
        return None;
    }
    let Token::Word(first_name) = lexer.next()? else {
        return None;
    };
    let mut next = lexer.next();
    let (schema, name) = if next == Some(Token::Punct('.')) {
        let Some(Token::Word(name)) = lexer.next() else {
            return None;
        };
        next = lexer.next();
        (Some(first_name.to_ascii_lowercase()), name)
    } else {
        (None, first_name)
    };
    Some(PragmaTarget {
        schema,
        name: name.to_ascii_lowercase(),
        has_argument: matches!(next, Some(Token::Punct('=' | '('))),
    })
}

/// The longest keyword [`classify`] looks at (`SAVEPOINT`, `ROLLBACK`, ...).
const KEYWORD_MAX: usize = 16;

/// `word` in upper case, in `buf` (no allocation: `classify` runs on every
/// statement); a word longer than any keyword becomes `""`.
fn upper<'b>(word: &str, buf: &'b mut [u8; KEYWORD_MAX]) -> &'b str {
    let Some(dst) = buf.get_mut(..word.len()) else {
        return "";
    };
    dst.copy_from_slice(word.as_bytes());
    dst.make_ascii_uppercase();
    std::str::from_utf8(dst).unwrap_or("")
}

/// `true` when `sql` holds only whitespace, comments and `;`.
pub fn is_blank(sql: &str) -> bool {
    Lexer::new(sql).all(|t| t == Token::Punct(';'))
}

fn classify_pragma(lexer: &mut Lexer<'_>) -> StatementKind {
    // PRAGMA [schema.]name [= value | (arg)]
    let mut expect_name = true;
    for tok in lexer.by_ref() {
        match tok {
            Token::Word(_) | Token::Quoted if expect_name => expect_name = false,
            Token::Punct('.') if !expect_name => expect_name = true,
            Token::Punct('=') => return StatementKind::PragmaWrite,
            _ => return StatementKind::PragmaRead,
        }
    }
    StatementKind::PragmaRead
}

fn classify_with(lexer: &mut Lexer<'_>) -> StatementKind {
    let mut depth: u32 = 0;
    for tok in lexer.by_ref() {
        match tok {
            Token::Punct('(') => depth = depth.saturating_add(1),
            Token::Punct(')') => depth = depth.saturating_sub(1),
            Token::Punct(';') if depth == 0 => break,
            Token::Word(w) if depth == 0 => match upper(w, &mut [0u8; KEYWORD_MAX]) {
                "SELECT" | "VALUES" => return StatementKind::Select,
                "INSERT" => return StatementKind::Insert,
                "REPLACE" => return StatementKind::Replace,
                "UPDATE" => return StatementKind::Update,
                "DELETE" => return StatementKind::Delete,
                _ => {}
            },
            _ => {}
        }
    }
    StatementKind::Other
}

/// A token of SQL, as far as the classifier cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token<'a> {
    /// A bare word (keyword or identifier) or a number.
    Word(&'a str),
    /// A string literal or a quoted identifier.
    Quoted,
    /// Any other character.
    Punct(char),
}

/// Splits SQL into [`Token`]s, skipping whitespace and comments. Never panics:
/// unterminated comments and quotes run to the end of the input.
struct Lexer<'a> {
    src: &'a str,
    pos: usize,
}

impl<'a> Lexer<'a> {
    fn new(src: &'a str) -> Self {
        Lexer { src, pos: 0 }
    }

    fn rest(&self) -> &'a str {
        self.src.get(self.pos..).unwrap_or("")
    }

    /// Advance past the first occurrence of `end` (or to the end of input).
    fn skip_past(&mut self, end: &str) {
        let rest = self.rest();
        self.pos += rest.find(end).map_or(rest.len(), |i| i + end.len());
    }

    /// Skip a quoted run opened by `quote` (already consumed), where a doubled
    /// quote is an escaped one.
    fn skip_quoted(&mut self, quote: char) {
        loop {
            let rest = self.rest();
            match rest.find(quote) {
                None => {
                    self.pos = self.src.len();
                    return;
                }
                Some(i) => {
                    self.pos += i + quote.len_utf8();
                    if self.rest().starts_with(quote) {
                        self.pos += quote.len_utf8();
                    } else {
                        return;
                    }
                }
            }
        }
    }
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$' || !c.is_ascii()
}

impl<'a> Iterator for Lexer<'a> {
    type Item = Token<'a>;

    fn next(&mut self) -> Option<Token<'a>> {
        loop {
            let rest = self.rest();
            let c = rest.chars().next()?;
            if c.is_whitespace() {
                self.pos += c.len_utf8();
                continue;
            }
            if rest.starts_with("--") {
                self.skip_past("\n");
                continue;
            }
            if rest.starts_with("/*") {
                self.pos += 2;
                self.skip_past("*/");
                continue;
            }
            self.pos += c.len_utf8();
            return Some(match c {
                '\'' | '"' | '`' => {
                    self.skip_quoted(c);
                    Token::Quoted
                }
                '[' => {
                    self.skip_past("]");
                    Token::Quoted
                }
                c if is_word_char(c) && c != '$' => {
                    let start = self.pos - c.len_utf8();
                    let tail = self.rest();
                    let len = tail
                        .find(|ch: char| !is_word_char(ch))
                        .unwrap_or(tail.len());
                    self.pos += len;
                    Token::Word(self.src.get(start..self.pos).unwrap_or(""))
                }
                c => Token::Punct(c),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use StatementKind as K;

    #[test]
    fn classifies_leading_keywords() {
        let cases: &[(&str, StatementKind)] = &[
            ("SELECT 1", K::Select),
            ("  select 1", K::Select),
            ("VALUES (1),(2)", K::Select),
            ("insert into t values (1)", K::Insert),
            ("INSERT OR REPLACE INTO t VALUES (1)", K::Insert),
            ("REPLACE INTO t VALUES (1)", K::Replace),
            ("UPDATE t SET x = 1", K::Update),
            ("DELETE FROM t", K::Delete),
            ("BEGIN", K::Begin),
            ("begin immediate transaction", K::Begin),
            ("COMMIT", K::Commit),
            ("END", K::Commit),
            ("end transaction", K::Commit),
            ("ROLLBACK", K::Rollback),
            ("ROLLBACK TRANSACTION", K::Rollback),
            ("ROLLBACK TO sp1", K::RollbackTo),
            ("rollback transaction to savepoint sp1", K::RollbackTo),
            ("SAVEPOINT sp1", K::Savepoint),
            ("RELEASE sp1", K::Release),
            ("RELEASE SAVEPOINT sp1", K::Release),
            ("PRAGMA foreign_keys", K::PragmaRead),
            ("PRAGMA foreign_keys;", K::PragmaRead),
            ("PRAGMA table_info(t)", K::PragmaRead),
            ("PRAGMA main.table_info('t')", K::PragmaRead),
            ("PRAGMA foreign_keys = ON", K::PragmaWrite),
            ("PRAGMA foreign_keys=0", K::PragmaWrite),
            ("pragma main.journal_mode = wal", K::PragmaWrite),
            ("PRAGMA \"main\".cache_size = 10", K::PragmaWrite),
            ("CREATE TABLE t (x)", K::Ddl),
            ("ALTER TABLE t ADD y", K::Ddl),
            ("DROP TABLE t", K::Ddl),
            ("ATTACH 'x.db' AS x", K::Attach),
            ("DETACH x", K::Attach),
            ("EXPLAIN SELECT 1", K::Explain),
            ("EXPLAIN QUERY PLAN SELECT 1", K::Explain),
            ("VACUUM", K::Other),
            ("ANALYZE", K::Other),
            ("REINDEX", K::Other),
            ("(select 1)", K::Other),
            ("", K::Empty),
            ("   \n\t ", K::Empty),
            ("-- just a comment", K::Empty),
            ("/* block */ -- and line\n", K::Empty),
            ("/* unterminated", K::Empty),
            (";", K::Empty),
            ("; ;", K::Empty),
        ];
        for (sql, want) in cases {
            assert_eq!(classify(sql), *want, "{sql:?}");
        }
    }

    #[test]
    fn skips_comments() {
        assert_eq!(classify("-- x\nSELECT 1"), K::Select);
        assert_eq!(classify("/* insert */ delete from t"), K::Delete);
        assert_eq!(
            classify("/* a */ /* b */\n-- c\n  update t set x=1"),
            K::Update
        );
        assert_eq!(
            classify("-- only a comment with no newline SELECT"),
            K::Empty
        );
    }

    #[test]
    fn sees_through_with() {
        let cases: &[(&str, StatementKind)] = &[
            ("WITH x AS (SELECT 1) SELECT * FROM x", K::Select),
            (
                "with recursive c(n) as (values(1) union all select n+1 from c where n<5) select n from c",
                K::Select,
            ),
            (
                "WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x",
                K::Insert,
            ),
            (
                "WITH x AS (SELECT 1) REPLACE INTO t SELECT * FROM x",
                K::Replace,
            ),
            (
                "WITH x AS (SELECT 1) UPDATE t SET a = (SELECT * FROM x)",
                K::Update,
            ),
            (
                "WITH x AS (SELECT 1), y AS (SELECT 2) DELETE FROM t WHERE a IN x",
                K::Delete,
            ),
            (
                "WITH x(a, b) AS MATERIALIZED (SELECT 1, 2) DELETE FROM t",
                K::Delete,
            ),
            (
                "WITH x AS NOT MATERIALIZED (SELECT 'DELETE') UPDATE t SET a=1",
                K::Update,
            ),
            ("WITH \"select\" AS (SELECT 1) DELETE FROM t", K::Delete),
            ("WITH [delete] AS (SELECT 1) UPDATE t SET a=1", K::Update),
            ("WITH `insert` AS (SELECT 1) DELETE FROM t", K::Delete),
            ("WITH 'x' AS (SELECT ')') DELETE FROM t", K::Delete),
            (
                "WITH x AS (SELECT 1 /* ) */) -- )\n DELETE FROM t",
                K::Delete,
            ),
            ("WITH x AS (SELECT 1", K::Other),
            ("WITH", K::Other),
        ];
        for (sql, want) in cases {
            assert_eq!(classify(sql), *want, "{sql:?}");
        }
    }

    #[test]
    fn dml_and_rowid_flags() {
        assert!(K::Insert.is_dml() && K::Insert.reports_rowid());
        assert!(K::Replace.is_dml() && K::Replace.reports_rowid());
        assert!(K::Update.is_dml() && !K::Update.reports_rowid());
        assert!(K::Delete.is_dml() && !K::Delete.reports_rowid());
        assert!(!K::Select.is_dml() && !K::Select.reports_rowid());
    }

    #[test]
    fn begin_behaviours() {
        assert_eq!(begin_behavior("BEGIN"), Some(TransactionBehavior::Deferred));
        assert_eq!(
            begin_behavior("begin deferred"),
            Some(TransactionBehavior::Deferred)
        );
        assert_eq!(
            begin_behavior("/*x*/ BEGIN IMMEDIATE"),
            Some(TransactionBehavior::Immediate)
        );
        assert_eq!(
            begin_behavior("BEGIN EXCLUSIVE TRANSACTION"),
            Some(TransactionBehavior::Exclusive)
        );
        assert_eq!(begin_behavior("SELECT 1"), None);
    }

    #[test]
    fn blank_detection() {
        assert!(is_blank(""));
        assert!(is_blank(" ; -- c\n /* d */ ;"));
        assert!(!is_blank("SELECT 1"));
        assert!(!is_blank("; x"));
    }

    #[test]
    fn never_panics_on_odd_input() {
        for sql in [
            "'",
            "\"",
            "`",
            "[",
            "/*",
            "--",
            "é",
            "WITH é",
            "PRAGMA",
            "PRAGMA .",
            "ROLLBACK TRANSACTION",
            "\0",
            "x'00'",
        ] {
            let _ = classify(sql);
            let _ = begin_behavior(sql);
            let _ = is_blank(sql);
        }
    }
}
