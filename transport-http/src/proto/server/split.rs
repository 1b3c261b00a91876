//! Splitting a `sequence` script into statements: `;` ends a statement except
//! inside quotes, comments and the `BEGIN … END` body of a `CREATE TRIGGER`.

/// Split `sql` into its statements (each with its trailing `;`, if any). Pieces
/// holding only whitespace and comments are dropped. Never panics; an
/// unterminated quote or comment runs to the end of the text.
///
/// ```
/// use sqlport_http::proto::server::split_statements;
/// let parts = split_statements("CREATE TABLE t(x); INSERT INTO t VALUES ('a;b'); -- done");
/// assert_eq!(parts, vec!["CREATE TABLE t(x);", " INSERT INTO t VALUES ('a;b');"]);
/// ```
pub fn split_statements(sql: &str) -> Vec<&str> {
    let bytes = sql.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    // Words of the current statement seen so far (up to the trigger keyword).
    let mut words: Vec<String> = Vec::new();
    let mut in_trigger = false;
    let mut depth: u32 = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'\'' | b'"' | b'`' => {
                i = skip_quoted(bytes, i, b);
            }
            b'[' => {
                i = skip_quoted(bytes, i, b']');
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i < bytes.len() && !(bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/')) {
                    i += 1;
                }
                i = (i + 2).min(bytes.len());
            }
            b';' if !in_trigger || depth == 0 => {
                push(&mut out, &sql[start..=i]);
                i += 1;
                start = i;
                words.clear();
                in_trigger = false;
                depth = 0;
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let s = i;
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] == b'$')
                {
                    i += 1;
                }
                let word = sql[s..i].to_ascii_uppercase();
                if in_trigger {
                    match word.as_str() {
                        "BEGIN" | "CASE" => depth = depth.saturating_add(1),
                        "END" => depth = depth.saturating_sub(1),
                        _ => {}
                    }
                } else if words.len() < 4 {
                    words.push(word);
                    let w: Vec<&str> = words.iter().map(String::as_str).collect();
                    in_trigger = matches!(
                        w.as_slice(),
                        ["CREATE", "TRIGGER"] | ["CREATE", "TEMP" | "TEMPORARY", "TRIGGER"]
                    );
                }
            }
            _ => i += 1,
        }
    }
    if start < sql.len() {
        push(&mut out, &sql[start..]);
    }
    out
}

fn push<'a>(out: &mut Vec<&'a str>, piece: &'a str) {
    if !sqlport_core::sql::is_blank(piece) {
        out.push(piece);
    }
}

/// Index just past the quoted run starting at `i` (doubled quotes escape).
fn skip_quoted(bytes: &[u8], i: usize, close: u8) -> usize {
    let mut j = i + 1;
    while j < bytes.len() {
        if bytes[j] == close {
            if close != b']' && bytes.get(j + 1) == Some(&close) {
                j += 2;
                continue;
            }
            return j + 1;
        }
        j += 1;
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_on_semicolons_outside_quotes_and_comments() {
        assert_eq!(
            split_statements("select 1; select 2"),
            vec!["select 1;", " select 2"]
        );
        assert_eq!(
            split_statements(
                "select ';'; select \"a;\"; /* ; */ select [x;]; -- ;\nselect 'it''s;'"
            ),
            vec![
                "select ';';",
                " select \"a;\";",
                " /* ; */ select [x;];",
                " -- ;\nselect 'it''s;'"
            ]
        );
        assert!(split_statements("  ;; -- nothing\n /* x */").is_empty());
        assert!(split_statements("").is_empty());
    }

    #[test]
    fn keeps_trigger_bodies_whole() {
        let sql = "CREATE TABLE t(x); CREATE TEMP TRIGGER tr AFTER INSERT ON t BEGIN \
                   UPDATE t SET x = CASE WHEN x > 1 THEN 1 ELSE 2 END; DELETE FROM t WHERE 0; END; SELECT 1";
        let parts = split_statements(sql);
        assert_eq!(parts.len(), 3, "{parts:?}");
        assert!(parts[1].trim_start().starts_with("CREATE TEMP TRIGGER"));
        assert!(parts[1].ends_with("END;"));
    }

    #[test]
    fn unterminated_input_does_not_panic() {
        for s in [
            "select 'abc",
            "select /* x",
            "select [a",
            "-- x",
            "\u{e9}; select 'é",
        ] {
            let _ = split_statements(s);
        }
    }
}
