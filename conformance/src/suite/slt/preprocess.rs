//! What SQLite's own runner accepts and the `sqllogictest` parser does not:
//! `onlyif`/`skipif` lines followed by a `# comment`, and `halt` under a
//! condition (the parser would carry the condition over to the next record).

/// The engine name conditions are evaluated against.
pub const ENGINE: &str = "sqlite";

fn condition(line: &str) -> Option<(bool, &str)> {
    let mut words = line.split_whitespace();
    let only = match words.next()? {
        "onlyif" => true,
        "skipif" => false,
        _ => return None,
    };
    Some((only, words.next()?))
}

/// Rewrite `text` so the `sqllogictest` parser reads it as SQLite's runner
/// would. Lines keep their numbers (removed lines become comments); a `halt`
/// that applies to this engine ends the script there.
pub fn preprocess(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut out: Vec<String> = Vec::with_capacity(lines.len());
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if let Some((only, label)) = condition(line) {
            // A run of conditions: does a `halt` follow it?
            let mut j = i;
            let mut applies = true;
            while j < lines.len() {
                match condition(lines[j]) {
                    Some((only, label)) => applies &= (label == ENGINE) == only,
                    None => break,
                }
                j += 1;
            }
            if j < lines.len() && lines[j].trim() == "halt" {
                if applies {
                    break;
                }
                for _ in i..=j {
                    out.push("# (conditional halt not for this engine)".into());
                }
                i = j + 1;
                continue;
            }
            let word = if only { "onlyif" } else { "skipif" };
            out.push(format!("{word} {label}"));
        } else if line.trim() == "halt" {
            break;
        } else {
            out.push(line.to_owned());
        }
        i += 1;
    }
    let mut s = out.join("\n");
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::preprocess;

    #[test]
    fn strips_condition_comments() {
        let t = preprocess("onlyif sqlite # empty RHS\nquery I nosort\nSELECT 1\n----\n1\n");
        assert!(t.starts_with("onlyif sqlite\nquery I"));
    }

    #[test]
    fn conditional_halts() {
        let t = preprocess("onlyif mssql\nhalt\n\nstatement ok\nSELECT 1\n");
        assert!(t.contains("statement ok"));
        assert!(!t.contains("onlyif"));
        let t = preprocess("onlyif sqlite\nhalt\n\nstatement ok\nSELECT 1\n");
        assert!(!t.contains("statement ok"));
        let t = preprocess("skipif sqlite\nhalt\nstatement ok\nSELECT 1\n");
        assert!(t.contains("statement ok"));
        let t = preprocess("statement ok\nSELECT 1\n\nhalt\n\nstatement ok\nSELECT 2\n");
        assert!(!t.contains("SELECT 2"));
    }
}
