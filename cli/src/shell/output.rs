//! How results are printed: the output modes of `.mode`.
//!
//! | mode | output |
//! |---|---|
//! | `table` | an ASCII table (`+---+`), numbers right-aligned, text left-aligned; control characters in text shown as `\n`, `\t`, `\r` or `\xNN` |
//! | `list` | values separated by `|` |
//! | `line` | one `column = value` line per value, rows separated by a blank line |
//! | `csv` | RFC 4180: fields quoted only when needed (`,`, `"`, CR, LF; a lone empty field as `""`), `"` doubled, lines end in CRLF |
//! | `json` | an array of objects, one per row, keys the column names in order; INTEGER and REAL as JSON numbers, TEXT as strings, NULL as `null`, BLOB as a lowercase hex string; a non-finite REAL as `null` |
//!
//! In `table`, `list`, `line` and `csv`, NULL prints as the `.nullvalue` text
//! (empty by default) and a BLOB as `x'0a1b'`. REAL prints with up to 15
//! significant digits in `table`, `list` and `line` (as the `sqlite3` shell does:
//! `0.1 + 0.2` is `0.3`) and exactly (shortest round-trip form) in `csv` and
//! `json`. Headers (`.headers on|off`) apply to `table`, `list` and `csv`; `line`
//! and `json` always name the columns. A query that returns no rows prints nothing,
//! except in `json`, where it prints `[]`. Statements without result columns print
//! nothing.

use std::io::{self, Write};

use sqlport::{Column, Row, Value};
use unicode_width::UnicodeWidthStr;

/// An output mode (`.mode NAME`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Mode {
    /// An ASCII table with borders.
    Table,
    /// Values separated by `|`.
    List,
    /// One `column = value` line per value.
    Line,
    /// RFC 4180 CSV.
    Csv,
    /// A JSON array of objects.
    Json,
}

impl Mode {
    /// The mode called `name`.
    pub fn parse(name: &str) -> Option<Mode> {
        Some(match name.to_ascii_lowercase().as_str() {
            "table" => Mode::Table,
            "list" => Mode::List,
            "line" => Mode::Line,
            "csv" => Mode::Csv,
            "json" => Mode::Json,
            _ => return None,
        })
    }

    /// The mode's name, as `.mode` takes it.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Table => "table",
            Mode::List => "list",
            Mode::Line => "line",
            Mode::Csv => "csv",
            Mode::Json => "json",
        }
    }
}

/// The settings that shape output.
#[derive(Debug, Clone)]
pub struct Format {
    /// The output mode.
    pub mode: Mode,
    /// Print a header line (table, list, csv).
    pub headers: bool,
    /// Text printed for NULL (not in json).
    pub null_text: String,
}

/// Print one result (its columns and rows) in the chosen format.
pub fn print_rows(
    out: &mut dyn Write,
    format: &Format,
    columns: &[Column],
    rows: &[Row],
) -> io::Result<()> {
    if columns.is_empty() {
        return Ok(());
    }
    if rows.is_empty() && format.mode != Mode::Json {
        return Ok(());
    }
    match format.mode {
        Mode::Table => table(out, format, columns, rows),
        Mode::List => list(out, format, columns, rows),
        Mode::Line => line(out, format, columns, rows),
        Mode::Csv => csv(out, format, columns, rows),
        Mode::Json => json(out, columns, rows),
    }
}

/// A REAL as SQLite's shell prints it: up to 15 significant digits, `.0` on whole
/// numbers, exponent form outside `1e-4 ..= 1e15`.
pub fn real_text(r: f64) -> String {
    if r.is_nan() {
        return "NaN".into();
    }
    if r.is_infinite() {
        return if r > 0.0 { "Inf".into() } else { "-Inf".into() };
    }
    if r == 0.0 {
        return if r.is_sign_negative() {
            "-0.0".into()
        } else {
            "0.0".into()
        };
    }
    // `{:.14e}` rounds to 15 significant digits: "d.dddddddddddddde<exp>".
    let sci = format!("{r:.14e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (negative, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => (true, m),
        None => (false, mantissa),
    };
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    let sign = if negative { "-" } else { "" };
    if !(-4..15).contains(&exp) {
        let (first, tail) = digits.split_at(1);
        let tail = if tail.is_empty() { "0" } else { tail };
        let esign = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{first}.{tail}e{esign}{:02}", exp.abs());
    }
    let text = if exp >= 0 {
        let int_len = exp as usize + 1;
        if digits.len() <= int_len {
            format!("{digits}{}.0", "0".repeat(int_len - digits.len()))
        } else {
            format!("{}.{}", &digits[..int_len], &digits[int_len..])
        }
    } else {
        format!("0.{}{digits}", "0".repeat((-exp - 1) as usize))
    };
    format!("{sign}{text}")
}

/// A BLOB as an SQL literal, `x'0a1b'`.
pub fn blob_literal(b: &[u8]) -> String {
    format!("x'{}'", hex(b))
}

fn hex(b: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(b.len() * 2);
    for byte in b {
        let _ = write!(s, "{byte:02x}");
    }
    s
}

/// A value as text (table, list, line).
fn display(v: &Value, format: &Format) -> String {
    match v {
        Value::Null => format.null_text.clone(),
        Value::Integer(i) => i.to_string(),
        Value::Real(r) => real_text(*r),
        Value::Text(t) => t.clone(),
        Value::Blob(b) => blob_literal(b),
    }
}

/// Control characters made visible, so that a value stays on its table row.
fn escape_controls(s: &str) -> String {
    if !s.chars().any(char::is_control) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

fn table(out: &mut dyn Write, format: &Format, columns: &[Column], rows: &[Row]) -> io::Result<()> {
    let cells: Vec<Vec<(String, bool)>> = rows
        .iter()
        .map(|row| {
            row.values()
                .iter()
                .map(|v| {
                    let numeric = matches!(v, Value::Integer(_) | Value::Real(_));
                    (escape_controls(&display(v, format)), numeric)
                })
                .collect()
        })
        .collect();
    let names: Vec<String> = columns.iter().map(|c| escape_controls(&c.name)).collect();
    let mut widths: Vec<usize> = names
        .iter()
        .map(|n| if format.headers { n.width() } else { 0 })
        .collect();
    for row in &cells {
        for (w, (text, _)) in widths.iter_mut().zip(row) {
            *w = (*w).max(text.width());
        }
    }
    let rule: String = {
        let mut s = String::from("+");
        for w in &widths {
            s.push_str(&"-".repeat(w + 2));
            s.push('+');
        }
        s
    };
    let pad = |text: &str, width: usize, right: bool| {
        let fill = " ".repeat(width.saturating_sub(text.width()));
        if right {
            format!("{fill}{text}")
        } else {
            format!("{text}{fill}")
        }
    };
    writeln!(out, "{rule}")?;
    if format.headers {
        let mut line = String::from("|");
        for (name, w) in names.iter().zip(&widths) {
            line.push_str(&format!(" {} |", pad(name, *w, false)));
        }
        writeln!(out, "{line}")?;
        writeln!(out, "{rule}")?;
    }
    for row in &cells {
        let mut line = String::from("|");
        for ((text, numeric), w) in row.iter().zip(&widths) {
            line.push_str(&format!(" {} |", pad(text, *w, *numeric)));
        }
        writeln!(out, "{line}")?;
    }
    writeln!(out, "{rule}")
}

fn list(out: &mut dyn Write, format: &Format, columns: &[Column], rows: &[Row]) -> io::Result<()> {
    if format.headers {
        let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
        writeln!(out, "{}", names.join("|"))?;
    }
    for row in rows {
        let values: Vec<String> = row.values().iter().map(|v| display(v, format)).collect();
        writeln!(out, "{}", values.join("|"))?;
    }
    Ok(())
}

fn line(out: &mut dyn Write, format: &Format, columns: &[Column], rows: &[Row]) -> io::Result<()> {
    let width = columns.iter().map(|c| c.name.width()).max().unwrap_or(0);
    for (i, row) in rows.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        for (col, v) in columns.iter().zip(row.values()) {
            let fill = " ".repeat(width.saturating_sub(col.name.width()));
            writeln!(out, "{fill}{} = {}", col.name, display(v, format))?;
        }
    }
    Ok(())
}

fn csv_field(v: &Value, format: &Format) -> String {
    match v {
        Value::Null => format.null_text.clone(),
        Value::Integer(i) => i.to_string(),
        Value::Real(r) => serde_json::Number::from_f64(*r)
            .map(|n| n.to_string())
            .unwrap_or_else(|| real_text(*r)),
        Value::Text(t) => t.clone(),
        Value::Blob(b) => blob_literal(b),
    }
}

fn csv(out: &mut dyn Write, format: &Format, columns: &[Column], rows: &[Row]) -> io::Result<()> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .quote_style(csv::QuoteStyle::Necessary)
        .flexible(true)
        .from_writer(out);
    let fail = |e: csv::Error| io::Error::other(e.to_string());
    if format.headers {
        writer
            .write_record(columns.iter().map(|c| c.name.as_bytes()))
            .map_err(fail)?;
    }
    for row in rows {
        writer
            .write_record(row.values().iter().map(|v| csv_field(v, format)))
            .map_err(fail)?;
    }
    writer.flush()
}

fn json_value(v: &Value) -> serde_json::Value {
    match v {
        Value::Null => serde_json::Value::Null,
        Value::Integer(i) => serde_json::Value::from(*i),
        Value::Real(r) => serde_json::Number::from_f64(*r)
            .map(serde_json::Value::Number)
            .unwrap_or(serde_json::Value::Null),
        Value::Text(t) => serde_json::Value::String(t.clone()),
        Value::Blob(b) => serde_json::Value::String(hex(b)),
    }
}

fn json(out: &mut dyn Write, columns: &[Column], rows: &[Row]) -> io::Result<()> {
    if rows.is_empty() {
        return writeln!(out, "[]");
    }
    let keys: Vec<String> = columns
        .iter()
        .map(|c| serde_json::Value::String(c.name.clone()).to_string())
        .collect();
    for (i, row) in rows.iter().enumerate() {
        let open = if i == 0 { "[" } else { "" };
        let mut obj = String::from("{");
        for (j, (key, v)) in keys.iter().zip(row.values()).enumerate() {
            if j > 0 {
                obj.push(',');
            }
            obj.push_str(key);
            obj.push(':');
            obj.push_str(&json_value(v).to_string());
        }
        obj.push('}');
        let close = if i + 1 == rows.len() { "]" } else { "," };
        writeln!(out, "{open}{obj}{close}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn rows(columns: &[&str], values: Vec<Vec<Value>>) -> (Vec<Column>, Vec<Row>) {
        let cols: Arc<[Column]> = columns.iter().map(|c| Column::new(*c, None)).collect();
        let rows = values
            .into_iter()
            .map(|v| Row::new(cols.clone(), v).unwrap())
            .collect();
        (cols.to_vec(), rows)
    }

    fn render(mode: Mode, headers: bool, columns: &[Column], rows: &[Row]) -> String {
        let mut out = Vec::new();
        let format = Format {
            mode,
            headers,
            null_text: String::new(),
        };
        print_rows(&mut out, &format, columns, rows).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn reals_print_like_the_sqlite_shell() {
        for (r, want) in [
            (1.0, "1.0"),
            (0.1 + 0.2, "0.3"),
            (-2.5, "-2.5"),
            (1e15, "1.0e+15"),
            (123456789012345.0, "123456789012345.0"),
            (1e-5, "1.0e-05"),
            (0.0001, "0.0001"),
            (1.5e300, "1.5e+300"),
            (std::f64::consts::PI, "3.14159265358979"),
            (0.0, "0.0"),
            (100.0, "100.0"),
        ] {
            assert_eq!(real_text(r), want, "{r}");
        }
    }

    #[test]
    fn every_mode() {
        let (c, r) = rows(
            &["id", "name", "x"],
            vec![
                vec![
                    Value::Integer(1),
                    Value::Text("ada".into()),
                    Value::Real(2.5),
                ],
                vec![
                    Value::Integer(10),
                    Value::Text("a,\"b\"".into()),
                    Value::Null,
                ],
                vec![
                    Value::Integer(-3),
                    Value::Text("é\nz".into()),
                    Value::Blob(vec![1, 0xab]),
                ],
            ],
        );
        assert_eq!(
            render(Mode::Table, true, &c, &r),
            "+----+-------+---------+\n\
             | id | name  | x       |\n\
             +----+-------+---------+\n\
             |  1 | ada   |     2.5 |\n\
             | 10 | a,\"b\" |         |\n\
             | -3 | é\\nz  | x'01ab' |\n\
             +----+-------+---------+\n"
        );
        assert_eq!(
            render(Mode::List, true, &c, &r),
            "id|name|x\n1|ada|2.5\n10|a,\"b\"|\n-3|é\nz|x'01ab'\n"
        );
        assert_eq!(
            render(Mode::Line, true, &c, &r),
            "  id = 1\nname = ada\n   x = 2.5\n\n  id = 10\nname = a,\"b\"\n   x = \n\n  id = -3\nname = é\nz\n   x = x'01ab'\n"
        );
        assert_eq!(
            render(Mode::Csv, true, &c, &r),
            "id,name,x\r\n1,ada,2.5\r\n10,\"a,\"\"b\"\"\",\r\n-3,\"é\nz\",x'01ab'\r\n"
        );
        assert_eq!(
            render(Mode::Json, true, &c, &r),
            "[{\"id\":1,\"name\":\"ada\",\"x\":2.5},\n{\"id\":10,\"name\":\"a,\\\"b\\\"\",\"x\":null},\n{\"id\":-3,\"name\":\"é\\nz\",\"x\":\"01ab\"}]\n"
        );
    }

    #[test]
    fn empty_results() {
        let (c, r) = rows(&["a"], vec![]);
        for mode in [Mode::Table, Mode::List, Mode::Line, Mode::Csv] {
            assert_eq!(render(mode, true, &c, &r), "", "{mode:?}");
        }
        assert_eq!(render(Mode::Json, true, &c, &r), "[]\n");
        assert_eq!(render(Mode::Json, true, &[], &[]), "");
    }
}
