//! Splitting a SQL script into statements the way Django's `prepare_sql_script` does with
//! sqlparse (`sqlparse.split`, then `sqlparse.format(strip_comments=True)`), for the
//! cases migrations use: `;` outside quotes, comments and trigger bodies ends a statement
//! (the `;` stays with it), comments are removed, surrounding whitespace is trimmed.

/// The statements of `script`, as Django's SQLite backend prepares them.
pub(crate) fn prepare_sql_script(script: &str) -> Vec<String> {
    split(script)
        .into_iter()
        .map(|s| strip_comments(&s))
        .collect()
}

/// `sqlparse.split`: statements with their `;`, trimmed; a trailing part with nothing but
/// whitespace is dropped.
fn split(script: &str) -> Vec<String> {
    let chars: Vec<char> = script.chars().collect();
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut i = 0;
    // Depth of BEGIN ... END blocks (trigger bodies) in the current statement.
    let mut block = 0usize;
    let mut word = String::new();
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let end_word = |word: &mut String, block: &mut usize, cur: &str| {
            let w = word.to_ascii_uppercase();
            if w == "BEGIN" && is_create_trigger(cur) {
                *block += 1;
            } else if w == "END" && *block > 0 {
                *block -= 1;
            }
            word.clear();
        };
        if c.is_alphanumeric() || c == '_' {
            word.push(c);
            cur.push(c);
            i += 1;
            continue;
        }
        if !word.is_empty() {
            end_word(&mut word, &mut block, &cur);
        }
        match c {
            '\'' | '"' | '`' | '[' => {
                let close = if c == '[' { ']' } else { c };
                cur.push(c);
                i += 1;
                while i < chars.len() {
                    cur.push(chars[i]);
                    i += 1;
                    if chars[i - 1] == close {
                        break;
                    }
                }
            }
            '-' if next == Some('-') => {
                while i < chars.len() && chars[i] != '\n' {
                    cur.push(chars[i]);
                    i += 1;
                }
            }
            '/' if next == Some('*') => {
                cur.push_str("/*");
                i += 2;
                while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                    cur.push(chars[i]);
                    i += 1;
                }
                if i < chars.len() {
                    cur.push_str("*/");
                    i += 2;
                }
            }
            ';' if block == 0 => {
                cur.push(';');
                i += 1;
                // sqlparse keeps a comment on the same line with the statement it ends.
                let mut j = i;
                while j < chars.len() && (chars[j] == ' ' || chars[j] == '\t') {
                    j += 1;
                }
                if chars.get(j) == Some(&'-') && chars.get(j + 1) == Some(&'-') {
                    while j < chars.len() && chars[j] != '\n' {
                        cur.push(chars[j]);
                        j += 1;
                    }
                    i = j;
                }
                out.push(cur.trim().to_string());
                cur.clear();
            }
            _ => {
                cur.push(c);
                i += 1;
            }
        }
    }
    if !word.is_empty() && word.eq_ignore_ascii_case("END") && block > 0 {
        block -= 1;
    }
    let _ = block;
    if !cur.trim().is_empty() {
        out.push(cur.trim().to_string());
    }
    out
}

fn is_create_trigger(stmt: &str) -> bool {
    let upper = stmt.to_ascii_uppercase();
    let mut words = upper.split_whitespace();
    words.next() == Some("CREATE") && upper.contains("TRIGGER")
}

/// Removes `--` and `/* */` comments outside quotes, as sqlparse's comment filter does: a
/// line comment and the spaces before it become the newline that ended it (nothing at
/// the end of the text), a block comment disappears.
fn strip_comments(stmt: &str) -> String {
    let chars: Vec<char> = stmt.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\'' | '"' | '`' | '[' => {
                let close = if c == '[' { ']' } else { c };
                out.push(c);
                i += 1;
                while i < chars.len() {
                    out.push(chars[i]);
                    i += 1;
                    if chars[i - 1] == close {
                        break;
                    }
                }
            }
            '-' if chars.get(i + 1) == Some(&'-') => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
                let trimmed = out.trim_end_matches([' ', '\t']).len();
                out.truncate(trimmed);
                if i < chars.len() {
                    out.push('\n');
                    i += 1;
                }
            }
            '/' if chars.get(i + 1) == Some(&'*') => {
                i += 2;
                while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                    i += 1;
                }
                i = (i + 2).min(chars.len());
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    let trimmed_start = out.trim_start_matches('\n');
    trimmed_start.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each case checked against sqlparse 0.5 (Django 5.1's dependency).
    #[test]
    fn splits_like_sqlparse() {
        let cases: &[(&str, &[&str])] = &[
            (
                "CREATE TABLE x (a int);\nINSERT INTO x VALUES (1); -- c\n",
                &["CREATE TABLE x (a int);", "INSERT INTO x VALUES (1);"],
            ),
            ("select 1", &["select 1"]),
            (
                "insert into t values ('a;b'); select \"x;\"",
                &["insert into t values ('a;b');", "select \"x;\""],
            ),
            (
                "CREATE TRIGGER t AFTER INSERT ON x BEGIN UPDATE x SET a=1; END; select 3",
                &[
                    "CREATE TRIGGER t AFTER INSERT ON x BEGIN UPDATE x SET a=1; END;",
                    "select 3",
                ],
            ),
            ("select 1 --c\n  , 2;", &["select 1\n  , 2;"]),
            ("-- lead\nselect 1;", &["select 1;"]),
            ("SELECT 1;\n\n-- only comment\n", &["SELECT 1;", ""]),
        ];
        for (script, want) in cases {
            assert_eq!(prepare_sql_script(script), *want, "{script:?}");
        }
    }
}
