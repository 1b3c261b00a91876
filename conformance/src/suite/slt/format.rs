//! Formatting values the way SQLite's sqllogictest runner (`slt_sqlite.c`)
//! does, by the column type letter of the `query` record: `I` as `%lld` of the
//! value converted to an integer, `R` as `%.3f` of the value converted to a
//! real, `T` as text; `NULL` as `NULL`, empty text as `(empty)`, and bytes
//! outside `' '..='~'` as `@`. Without a type letter a value is formatted by
//! its storage class.

use sqlport::Value;

/// Format one value for a column of type letter `ty` (`'I'`, `'R'`, `'T'`,
/// anything else: by storage class).
pub fn format_value(value: &Value, ty: Option<char>) -> String {
    if value.is_null() {
        return "NULL".into();
    }
    match ty {
        Some('I') => to_integer(value).to_string(),
        Some('R') => format!("{:.3}", to_real(value)),
        Some('T') => text(&to_text(value)),
        _ => match value {
            Value::Integer(i) => i.to_string(),
            Value::Real(r) => format!("{r:.3}"),
            other => text(&to_text(other)),
        },
    }
}

/// Text as slt prints it: `(empty)` for "", unprintable bytes as `@`.
fn text(s: &[u8]) -> String {
    if s.is_empty() {
        return "(empty)".into();
    }
    s.iter()
        .map(|&b| {
            if (b' '..=b'~').contains(&b) {
                b as char
            } else {
                '@'
            }
        })
        .collect()
}

/// SQLite's text form of a value.
fn to_text(value: &Value) -> Vec<u8> {
    match value {
        Value::Null => Vec::new(),
        Value::Integer(i) => i.to_string().into_bytes(),
        Value::Real(r) => real_to_text(*r).into_bytes(),
        Value::Text(t) => t.as_bytes().to_vec(),
        Value::Blob(b) => b.clone(),
    }
}

/// SQLite renders a REAL as text with `%!.15g`: 15 significant digits, and a
/// `.0` on integral values.
pub fn real_to_text(r: f64) -> String {
    if !r.is_finite() {
        return if r.is_nan() {
            "NaN".into()
        } else if r > 0.0 {
            "Inf".into()
        } else {
            "-Inf".into()
        };
    }
    if r == 0.0 {
        return "0.0".into();
    }
    let sci = format!("{r:.14e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..15).contains(&exp) {
        let mut m = mantissa.trim_end_matches('0').to_owned();
        if m.ends_with('.') {
            m.push('0');
        }
        let sign = if exp < 0 { '-' } else { '+' };
        return format!("{m}e{sign}{:02}", exp.abs());
    }
    let decimals = usize::try_from(14 - exp).unwrap_or(0);
    let fixed = format!("{r:.decimals$}");
    if fixed.contains('.') {
        let t = fixed.trim_end_matches('0');
        if t.ends_with('.') {
            format!("{t}0")
        } else {
            t.to_owned()
        }
    } else {
        format!("{fixed}.0")
    }
}

/// The longest numeric prefix of `s` (after leading spaces) as a real, as
/// SQLite converts text to a number; 0.0 when there is none.
fn text_to_real(s: &[u8]) -> f64 {
    let s = String::from_utf8_lossy(s);
    let b = s.trim_start().as_bytes();
    let digits = |mut i: usize| {
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        i
    };
    let mut i = usize::from(matches!(b.first(), Some(b'-' | b'+')));
    let int_end = digits(i);
    let mut end = int_end;
    if end < b.len() && b[end] == b'.' {
        end = digits(end + 1);
    }
    if end == i || (end == i + 1 && int_end == i) {
        return 0.0;
    }
    i = end;
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        let mut j = i + 1;
        if j < b.len() && (b[j] == b'-' || b[j] == b'+') {
            j += 1;
        }
        let k = digits(j);
        if k > j {
            end = k;
        }
    }
    std::str::from_utf8(&b[..end])
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or(0.0)
}

/// `sqlite3_column_int64` of a value.
fn to_integer(value: &Value) -> i64 {
    match value {
        Value::Null => 0,
        Value::Integer(i) => *i,
        // `as` saturates, as SQLite does.
        Value::Real(r) => *r as i64,
        Value::Text(_) | Value::Blob(_) => {
            let bytes = to_text(value);
            let s = String::from_utf8_lossy(&bytes);
            let t = s.trim_start();
            let digits_end = t
                .char_indices()
                .find(|&(i, c)| !(c.is_ascii_digit() || (i == 0 && (c == '-' || c == '+'))))
                .map_or(t.len(), |(i, _)| i);
            match t[..digits_end].parse::<i64>() {
                Ok(i) => i,
                Err(_) => text_to_real(&bytes) as i64,
            }
        }
    }
}

/// `sqlite3_column_double` of a value.
fn to_real(value: &Value) -> f64 {
    match value {
        Value::Null => 0.0,
        Value::Integer(i) => *i as f64,
        Value::Real(r) => *r,
        Value::Text(_) | Value::Blob(_) => text_to_real(&to_text(value)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slt_formats() {
        assert_eq!(format_value(&Value::Null, Some('I')), "NULL");
        assert_eq!(format_value(&Value::Integer(-3), Some('I')), "-3");
        assert_eq!(format_value(&Value::Real(3.7), Some('I')), "3");
        assert_eq!(format_value(&Value::Integer(2), Some('R')), "2.000");
        assert_eq!(format_value(&Value::Real(1.0 / 3.0), Some('R')), "0.333");
        assert_eq!(
            format_value(&Value::Text(String::new()), Some('T')),
            "(empty)"
        );
        assert_eq!(format_value(&Value::Text("a\tb".into()), Some('T')), "a@b");
        assert_eq!(format_value(&Value::Text("12abc".into()), Some('I')), "12");
        assert_eq!(format_value(&Value::Text("abc".into()), Some('R')), "0.000");
        assert_eq!(
            format_value(&Value::Text("2.5x".into()), Some('R')),
            "2.500"
        );
        assert_eq!(format_value(&Value::Real(1.5), Some('T')), "1.5");
        assert_eq!(format_value(&Value::Real(2.0), None), "2.000");
    }

    #[test]
    fn reals_as_sqlite_text() {
        assert_eq!(real_to_text(1.0), "1.0");
        assert_eq!(real_to_text(0.1 + 0.2), "0.3");
        assert_eq!(real_to_text(-2.5), "-2.5");
        assert_eq!(real_to_text(1e20), "1.0e+20");
        assert_eq!(real_to_text(1.5e-7), "1.5e-07");
    }
}
