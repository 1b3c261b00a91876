//! A small SQL lexer: the parameter names of a statement (a script is split
//! into statements by the core's splitter). The core has no parameter
//! scanner; the local transport could ask SQLite, but a remote connection must know them before
//! the statement reaches the server (to bind a mapping the way `sqlite3` does,
//! ignoring keys the SQL does not use, and to send a script as one batch).

/// A token boundary the scanner cares about.
#[derive(Debug, PartialEq, Eq)]
enum Piece<'a> {
    /// A parameter: `?`, `?NNN`, `:name`, `@name`, `$name` (as written).
    Param(&'a str),
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
                // A word: `$` inside it is not a parameter.
                while i < n && (is_ident(b[i]) || b[i] == b'$') {
                    i += 1;
                }
                f(Piece::Other);
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

/// Split a script into its statements with the core's splitter
/// ([`sqlport::core::split::statements`]): text between top-level semicolons,
/// a `CREATE TRIGGER ... BEGIN ... END` body kept whole; blank pieces and
/// pieces holding only comments are dropped.
pub fn split_script(sql: &str) -> Vec<String> {
    sqlport::core::split::statements(sql)
        .into_iter()
        .map(str::to_owned)
        .collect()
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
