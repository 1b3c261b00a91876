//! A small SQL lexer: the parameter names of a statement, and a script split
//! into statements. The core has neither (see the report); the local
//! transport could ask SQLite, but a remote connection must know them before
//! the statement reaches the server (to bind a mapping the way `sqlite3` does,
//! ignoring keys the SQL does not use, and to send a script as one batch).

/// A token boundary the scanner cares about.
#[derive(Debug, PartialEq, Eq)]
enum Piece<'a> {
    /// A parameter: `?`, `?NNN`, `:name`, `@name`, `$name` (as written).
    Param(&'a str),
    /// A word (keyword or bare identifier), as written.
    Word(&'a str),
    /// `;` outside quotes and comments.
    Semicolon(usize),
    /// Anything else that is not blank or a comment.
    Other,
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80
}

/// Scan `sql`, calling `f` for each piece; comments and blanks are skipped.
fn scan<'a>(sql: &'a str, mut f: impl FnMut(Piece<'a>)) {
    let b = sql.as_bytes();
    let n = b.len();
    let mut i = 0;
    while i < n {
        let c = b[i];
        match c {
            b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' => i += 1,
            b'-' if b.get(i + 1) == Some(&b'-') => {
                while i < n && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i < n && !(b[i] == b'*' && b.get(i + 1) == Some(&b'/')) {
                    i += 1;
                }
                i = (i + 2).min(n);
            }
            b'\'' | b'"' | b'`' => {
                // Quoted; a doubled quote is an escaped quote.
                i += 1;
                while i < n {
                    if b[i] == c {
                        if b.get(i + 1) == Some(&c) {
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    i += 1;
                }
                i = (i + 1).min(n);
                f(Piece::Other);
            }
            b'[' => {
                while i < n && b[i] != b']' {
                    i += 1;
                }
                i = (i + 1).min(n);
                f(Piece::Other);
            }
            b';' => {
                f(Piece::Semicolon(i));
                i += 1;
            }
            b'?' => {
                let start = i;
                i += 1;
                while i < n && b[i].is_ascii_digit() {
                    i += 1;
                }
                f(Piece::Param(&sql[start..i]));
            }
            b':' | b'@' | b'$' if b.get(i + 1).is_some_and(|&d| is_ident(d)) => {
                let start = i;
                i += 1;
                while i < n
                    && (is_ident(b[i])
                        || (c == b'$' && b[i] == b':' && b.get(i + 1) == Some(&b':')))
                {
                    i += if b[i] == b':' { 2 } else { 1 };
                }
                f(Piece::Param(&sql[start..i]));
            }
            _ if is_ident(c) => {
                let start = i;
                while i < n && (is_ident(b[i]) || b[i] == b'$') {
                    i += 1;
                }
                f(Piece::Word(&sql[start..i]));
            }
            _ => {
                // Keep multi-byte characters whole: advance to the next char boundary.
                i += 1;
                while i < n && !sql.is_char_boundary(i) {
                    i += 1;
                }
                f(Piece::Other);
            }
        }
    }
}

/// What a statement's parameters look like.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ParamInfo {
    /// Distinct named parameters in order of first use, as written (`:a`).
    pub names: Vec<String>,
    /// Number of positional parameters (`?` counts one each, `?NNN` up to NNN).
    pub positional: usize,
}

/// The parameters of `sql` (one statement).
pub fn param_info(sql: &str) -> ParamInfo {
    let mut info = ParamInfo::default();
    let mut next = 0usize;
    scan(sql, |p| {
        if let Piece::Param(p) = p {
            if let Some(digits) = p.strip_prefix('?') {
                if digits.is_empty() {
                    next += 1;
                } else if let Ok(k) = digits.parse::<usize>() {
                    next = next.max(k);
                }
                info.positional = next;
            } else if !info.names.iter().any(|n| n == p) {
                info.names.push(p.to_owned());
            }
        }
    });
    info
}

/// Split a script into its statements (text between top-level semicolons,
/// a `CREATE TRIGGER ... BEGIN ... END` body kept whole); blank pieces and
/// pieces holding only comments are dropped.
pub fn split_script(sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut start = 0usize;
    // State of the current statement: words seen so far, to notice CREATE
    // [TEMP] TRIGGER, and BEGIN/END nesting inside a trigger body.
    let mut words: Vec<String> = Vec::new();
    let mut in_trigger = false;
    let mut depth = 0usize;
    let mut has_content = false;
    scan(sql, |p| match p {
        Piece::Semicolon(at) => {
            if in_trigger && depth > 0 {
                return;
            }
            if has_content {
                out.push(sql[start..at].trim().to_owned());
            }
            start = at + 1;
            words.clear();
            in_trigger = false;
            depth = 0;
            has_content = false;
        }
        Piece::Word(w) => {
            has_content = true;
            let upper = w.to_ascii_uppercase();
            if words.len() < 4 {
                words.push(upper.clone());
                if words.first().map(String::as_str) == Some("CREATE")
                    && words.iter().any(|w| w == "TRIGGER")
                {
                    in_trigger = true;
                }
            }
            if in_trigger {
                match upper.as_str() {
                    "BEGIN" => depth += 1,
                    "END" if depth > 0 => depth -= 1,
                    "CASE" => depth += 1,
                    _ => {}
                }
            }
        }
        Piece::Param(_) | Piece::Other => has_content = true,
    });
    if has_content {
        out.push(sql[start..].trim().to_owned());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_skip_quotes_and_comments() {
        let info = param_info("SELECT ':x', \"?\", :a, @b, $c, ? -- :d\n /* ? */ , :a, ?");
        assert_eq!(info.names, vec![":a", "@b", "$c"]);
        assert_eq!(info.positional, 2);
        assert_eq!(param_info("SELECT ?3, ?").positional, 4);
    }

    #[test]
    fn scripts_split_on_top_level_semicolons() {
        let parts = split_script(
            "CREATE TABLE t(x); -- c;\nINSERT INTO t VALUES (';');;\n\
             CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE t SET x = CASE WHEN 1 THEN 2 END; DELETE FROM t; END;\n\
             SELECT 1 /* ; */",
        );
        assert_eq!(parts.len(), 4, "{parts:?}");
        assert!(parts[2].ends_with("DELETE FROM t; END"));
        assert!(split_script("  -- only a comment\n").is_empty());
    }
}
