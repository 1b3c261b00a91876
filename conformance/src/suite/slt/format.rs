//! Formatting values the way SQLite's sqllogictest harness (`slt_sqlite.c`)
//! does, by the column type letter of the `query` record:
//!
//! - `I`: `sqlite3_column_int` printed with `%d`: the value converted to a
//!   64-bit integer as SQLite converts (text by its leading integer, reals
//!   truncated and saturated), then cut to 32 bits;
//! - `R`: `sqlite3_column_double` printed with SQLite's own `%.3f`, which
//!   keeps at most 16 significant digits (`-9223372036854775808.0` prints as
//!   `-9223372036854776000.000`), into a 200-byte buffer (1e183 and beyond
//!   print as an empty string);
//! - `T`: `sqlite3_column_text` (a REAL as SQLite's `%!.15g`), cut at the
//!   first NUL, `(empty)` when empty, and every byte outside `' '..='~'`
//!   printed as `@`;
//! - `NULL` as `NULL` whatever the letter.
//!
//! Without a type letter (the `sqllogictest` crate's own format) a value is
//! formatted by its storage class.

use sqlport::Value;

/// Format one value for a column of type letter `ty` (`'I'`, `'R'`, `'T'`,
/// anything else: by storage class).
pub fn format_value(value: &Value, ty: Option<char>) -> String {
    if value.is_null() {
        return "NULL".into();
    }
    match ty {
        // `sqlite3_column_int` keeps the low 32 bits of the 64-bit value.
        Some('I') => (to_integer(value) as i32).to_string(),
        Some('R') => harness_real(to_real(value)),
        Some('T') => text(&to_text(value)),
        _ => match value {
            Value::Integer(i) => i.to_string(),
            Value::Real(r) => format!("{r:.3}"),
            other => text(&to_text(other)),
        },
    }
}

/// Text as the harness prints it: up to the first NUL, `(empty)` for "",
/// unprintable bytes as `@`.
fn text(s: &[u8]) -> String {
    let s = s.split(|&b| b == 0).next().unwrap_or_default();
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

/// The significant decimal digits of `a` (finite, > 0) as SQLite's printf
/// gets them (`sqlite3FpDecode`): 19 digits, then rounded half up to
/// `round` digits (`round <= 0`: counted from the decimal point, `-round`
/// after it), never more than `max` digits. Returns the digits (0..=9, no
/// trailing zeros needed) and the position of the decimal point.
fn decimal_digits(a: f64, round: i32, max: usize) -> (Vec<u8>, i32) {
    let sci = format!("{a:.18e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let mut digits: Vec<u8> = mantissa
        .bytes()
        .filter(u8::is_ascii_digit)
        .map(|b| b - b'0')
        .collect();
    let mut point = exp.parse::<i32>().unwrap_or(0) + 1;
    let mut round = round;
    if round <= 0 {
        round = point - round;
        if round == 0 && digits.first().is_some_and(|d| *d >= 5) {
            digits.insert(0, 0);
            point += 1;
            round = 1;
        }
    }
    let wanted = usize::try_from(round).unwrap_or(0);
    if wanted > 0 && (wanted < digits.len() || digits.len() > max) {
        let keep = wanted.min(max);
        let up = digits.get(keep).is_some_and(|d| *d >= 5);
        digits.truncate(keep);
        if up {
            // Bounded by the number of digits.
            let mut j = keep;
            loop {
                if j == 0 {
                    digits.insert(0, 1);
                    point += 1;
                    break;
                }
                j -= 1;
                if let Some(d) = digits.get_mut(j) {
                    if *d < 9 {
                        *d += 1;
                        break;
                    }
                    *d = 0;
                }
            }
        }
    }
    (digits, point)
}

/// SQLite's `printf("%.Nf", r)`: fixed notation with `precision` decimals
/// and at most 16 significant digits (the rest printed as zeros).
pub fn sqlite_fixed(r: f64, precision: usize) -> String {
    if r.is_nan() {
        return "NaN".into();
    }
    if r.is_infinite() {
        return if r > 0.0 { "Inf".into() } else { "-Inf".into() };
    }
    let mut out = String::new();
    if r < 0.0 {
        out.push('-');
    }
    let (digits, point) = if r == 0.0 {
        (vec![0], 1)
    } else {
        let precision = i32::try_from(precision).unwrap_or(i32::MAX);
        decimal_digits(r.abs(), -precision, 16)
    };
    let digit = |pos: i32| -> char {
        usize::try_from(pos)
            .ok()
            .and_then(|p| digits.get(p))
            .map_or('0', |d| char::from(b'0' + d))
    };
    if point <= 0 {
        out.push('0');
    } else {
        out.extend((0..point).map(digit));
    }
    if precision > 0 {
        out.push('.');
        let precision = i32::try_from(precision).unwrap_or(i32::MAX);
        out.extend((point..point + precision).map(digit));
    }
    out
}

/// The harness's `R` value: `sqlite3_snprintf(200, buf, "%.3f", r)`. SQLite's
/// printf gives up (prints nothing) when a fixed-point number needs more than
/// the buffer: when its decimal exponent plus the 3 decimals plus 15 passes
/// 200, so for 1e183 and beyond.
fn harness_real(r: f64) -> String {
    if r.is_finite() && r != 0.0 {
        let (_, point) = decimal_digits(r.abs(), -3, 16);
        if (point - 1) + 3 + 15 > 200 {
            return String::new();
        }
    }
    sqlite_fixed(r, 3)
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
    let sign = if r < 0.0 { "-" } else { "" };
    let (mut digits, point) = decimal_digits(r.abs(), 15, 26);
    while digits.len() > 1 && digits.last() == Some(&0) {
        digits.pop();
    }
    let text: String = digits.iter().map(|d| char::from(b'0' + d)).collect();
    let exp = point - 1;
    if !(-4..15).contains(&exp) {
        let (first, rest) = text.split_at(1);
        let rest = if rest.is_empty() { "0" } else { rest };
        let esign = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{first}.{rest}e{esign}{:02}", exp.abs());
    }
    let n = usize::try_from(point).unwrap_or(0);
    if point <= 0 {
        let zeros = "0".repeat(usize::try_from(-point).unwrap_or(0));
        format!("{sign}0.{zeros}{text}")
    } else if n >= text.len() {
        format!("{sign}{text}{}.0", "0".repeat(n - text.len()))
    } else {
        format!("{sign}{}.{}", &text[..n], &text[n..])
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

/// `sqlite3_column_int64` of a value: reals truncated toward zero and
/// saturated, text and blobs by their leading integer.
fn to_integer(value: &Value) -> i64 {
    match value {
        Value::Null => 0,
        Value::Integer(i) => *i,
        // `as` truncates and saturates, as SQLite does.
        Value::Real(r) => *r as i64,
        Value::Text(_) | Value::Blob(_) => leading_integer(&to_text(value)),
    }
}

/// The integer at the start of `s` as SQLite reads it (`sqlite3Atoi64`):
/// leading whitespace, a sign, digits; saturated when it does not fit; 0
/// without digits.
fn leading_integer(s: &[u8]) -> i64 {
    let mut i = s.iter().take_while(|b| is_space(**b)).count();
    let negative = match s.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let digits: Vec<u8> = s
        .get(i..)
        .unwrap_or_default()
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .copied()
        .skip_while(|b| *b == b'0')
        .collect();
    let saturated = if negative { i64::MIN } else { i64::MAX };
    if digits.len() > 19 {
        return saturated;
    }
    let magnitude = digits
        .iter()
        .fold(0u64, |acc, d| acc * 10 + u64::from(d - b'0'));
    match i64::try_from(magnitude) {
        Ok(m) if negative => -m,
        Ok(m) => m,
        Err(_) => saturated,
    }
}

/// SQLite's `isspace`.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
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
    fn harness_conversions() {
        // `sqlite3_column_int` is 32 bits wide.
        assert_eq!(format_value(&Value::Integer(i64::MAX), Some('I')), "-1");
        assert_eq!(format_value(&Value::Integer(1 << 32), Some('I')), "0");
        assert_eq!(format_value(&Value::Real(1e300), Some('I')), "-1");
        assert_eq!(format_value(&Value::Text("1e5".into()), Some('I')), "1");
        assert_eq!(
            format_value(&Value::Text(" -0042x".into()), Some('I')),
            "-42"
        );
        assert_eq!(leading_integer(b"99999999999999999999"), i64::MAX);
        assert_eq!(leading_integer(b"-9223372036854775808"), i64::MIN);
        assert_eq!(leading_integer(b"9223372036854775808"), i64::MAX);
        // `%.3f` keeps 16 significant digits.
        assert_eq!(
            format_value(&Value::Real(-9_223_372_036_854_775_808.0), Some('R')),
            "-9223372036854776000.000"
        );
        assert_eq!(
            format_value(&Value::Real(-18_446_744_073_709_551_616.0), Some('R')),
            "-18446744073709550000.000"
        );
        assert_eq!(format_value(&Value::Real(1e300), Some('R')), "");
        assert_eq!(format_value(&Value::Real(-1e184), Some('R')), "");
        assert_eq!(format_value(&Value::Real(9.99e182), Some('R')).len(), 187);
        assert_eq!(sqlite_fixed(0.0005, 3), "0.001");
        assert_eq!(sqlite_fixed(0.0004, 3), "0.000");
        assert_eq!(sqlite_fixed(-0.0001, 3), "-0.000");
        assert_eq!(sqlite_fixed(9.9996, 3), "10.000");
        assert_eq!(sqlite_fixed(-0.0, 3), "0.000");
        // Text stops at a NUL.
        assert_eq!(format_value(&Value::Text("a\0b".into()), Some('T')), "a");
        assert_eq!(
            format_value(&Value::Blob(vec![0, 65]), Some('T')),
            "(empty)"
        );
        assert_eq!(format_value(&Value::Text("é".into()), Some('T')), "@@");
    }

    #[test]
    fn reals_as_sqlite_text() {
        assert_eq!(real_to_text(1.0), "1.0");
        assert_eq!(real_to_text(0.1 + 0.2), "0.3");
        assert_eq!(real_to_text(-2.5), "-2.5");
        assert_eq!(real_to_text(1e20), "1.0e+20");
        assert_eq!(real_to_text(1.5e-7), "1.5e-07");
        assert_eq!(real_to_text(0.0001), "0.0001");
        assert_eq!(real_to_text(123456789012345.0), "123456789012345.0");
        assert_eq!(real_to_text(1234567890123456.0), "1.23456789012346e+15");
        assert_eq!(
            real_to_text(-9_223_372_036_854_775_808.0),
            "-9.22337203685478e+18"
        );
    }
}
