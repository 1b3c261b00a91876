//! SQL functions sqld's SQLite has and the bundled one lacks, registered on
//! every stream connection:
//!
//! - `REGEXP` (`X REGEXP Y` is `regexp(Y, X)`), with the semantics of sqld's
//!   (sqlean's PCRE2) one: a NULL subject gives 0, a NULL pattern is an
//!   error, numbers and blobs are matched as text, matching is
//!   case-sensitive and Unicode-aware, with backreferences and look-around;
//! - SQLite's math functions (`sin` ... `pi`, `ln`, `log`, `pow`, `mod`,
//!   `ceil`, `floor`, `trunc`, ...), with SQLite's rules: arguments that are
//!   not numbers (after numeric affinity) give NULL, so do NaN results;
//!   `ceil`/`floor`/`trunc` keep integers integers.

use std::sync::Arc;

use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::types::{Value, ValueRef};
use rusqlite::{Connection, Error, Result};

/// Most backtracking steps one REGEXP match may take (then it is an error,
/// not a hung statement).
const BACKTRACK_LIMIT: usize = 1_000_000;

fn flags() -> FunctionFlags {
    FunctionFlags::SQLITE_UTF8
        | FunctionFlags::SQLITE_DETERMINISTIC
        | FunctionFlags::SQLITE_INNOCUOUS
}

/// A number after SQLite's numeric affinity.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Num {
    Int(i64),
    Real(f64),
}

impl Num {
    fn as_f64(self) -> f64 {
        match self {
            Num::Int(i) => i as f64,
            Num::Real(r) => r,
        }
    }
}

/// `sqlite3_value_numeric_type`: integers and reals as they are, text that
/// is wholly a decimal number (surrounding spaces allowed) as that number,
/// anything else (NULL, blobs, other text) as not a number.
fn numeric(v: ValueRef<'_>) -> Option<Num> {
    match v {
        ValueRef::Integer(i) => Some(Num::Int(i)),
        ValueRef::Real(r) => Some(Num::Real(r)),
        ValueRef::Text(t) => std::str::from_utf8(t).ok().and_then(numeric_text),
        ValueRef::Null | ValueRef::Blob(_) => None,
    }
}

fn numeric_text(t: &str) -> Option<Num> {
    let t = t.trim_matches(|c: char| matches!(c, ' ' | '\t' | '\n' | '\x0b' | '\x0c' | '\r'));
    let b = t.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    let whole = digits(&mut i);
    let mut frac = 0;
    let mut real = false;
    if b.get(i) == Some(&b'.') {
        i += 1;
        real = true;
        frac = digits(&mut i);
    }
    if whole + frac == 0 {
        return None;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        real = true;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return None;
        }
    }
    if i != b.len() {
        return None;
    }
    if !real {
        if let Ok(n) = t.parse::<i64>() {
            return Some(Num::Int(n));
        }
    }
    t.parse::<f64>().ok().map(Num::Real)
}

/// A double result: NaN is NULL, as SQLite stores it.
fn real(x: f64) -> Value {
    if x.is_nan() {
        Value::Null
    } else {
        Value::Real(x)
    }
}

fn arg(ctx: &Context<'_>, i: usize) -> Option<Num> {
    numeric(ctx.get_raw(i))
}

/// Register `name` taking one number.
fn math1(conn: &Connection, name: &str, f: fn(f64) -> f64) -> Result<()> {
    conn.create_scalar_function(name, 1, flags(), move |ctx| {
        Ok(match arg(ctx, 0) {
            Some(n) => real(f(n.as_f64())),
            None => Value::Null,
        })
    })
}

/// Register `name` taking two numbers.
fn math2(conn: &Connection, name: &str, f: fn(f64, f64) -> f64) -> Result<()> {
    conn.create_scalar_function(name, 2, flags(), move |ctx| {
        Ok(match (arg(ctx, 0), arg(ctx, 1)) {
            (Some(a), Some(b)) => real(f(a.as_f64(), b.as_f64())),
            _ => Value::Null,
        })
    })
}

/// `ceil`, `floor`, `trunc`: integers stay integers.
fn rounding(conn: &Connection, name: &str, f: fn(f64) -> f64) -> Result<()> {
    conn.create_scalar_function(name, 1, flags(), move |ctx| {
        Ok(match arg(ctx, 0) {
            Some(Num::Int(i)) => Value::Integer(i),
            Some(Num::Real(r)) => real(f(r)),
            None => Value::Null,
        })
    })
}

/// `ln`, `log10`, `log2`, `log(x)` (base 10): NULL unless x > 0.
fn log1(conn: &Connection, name: &str, f: fn(f64) -> f64) -> Result<()> {
    conn.create_scalar_function(name, 1, flags(), move |ctx| {
        Ok(match arg(ctx, 0).map(Num::as_f64) {
            Some(x) if x > 0.0 => real(f(x)),
            _ => Value::Null,
        })
    })
}

/// `log(b, x)`: NULL unless b > 1 and x > 0 (x read as a double, as SQLite
/// reads it).
fn log_base(ctx: &Context<'_>) -> Result<Value> {
    let Some(base) = arg(ctx, 0).map(Num::as_f64) else {
        return Ok(Value::Null);
    };
    if base <= 0.0 {
        return Ok(Value::Null);
    }
    let b = base.ln();
    if b <= 0.0 {
        return Ok(Value::Null);
    }
    let x = match ctx.get_raw(1) {
        ValueRef::Integer(i) => i as f64,
        ValueRef::Real(r) => r,
        ValueRef::Text(t) => std::str::from_utf8(t)
            .ok()
            .and_then(leading_number)
            .unwrap_or(0.0),
        ValueRef::Null | ValueRef::Blob(_) => 0.0,
    };
    if x <= 0.0 {
        return Ok(Value::Null);
    }
    Ok(real(x.ln() / b))
}

/// `sqlite3_value_double` of text: the longest leading decimal number.
fn leading_number(t: &str) -> Option<f64> {
    let t = t.trim_start();
    (1..=t.len())
        .rev()
        .filter(|&n| t.is_char_boundary(n))
        .find_map(|n| match numeric_text(&t[..n])? {
            Num::Int(i) => Some(i as f64),
            Num::Real(r) => Some(r),
        })
}

fn deg_to_rad(x: f64) -> f64 {
    x * (std::f64::consts::PI / 180.0)
}

fn rad_to_deg(x: f64) -> f64 {
    x * (180.0 / std::f64::consts::PI)
}

/// Text of a value, as REGEXP matches it (`None` for NULL).
fn as_text(v: ValueRef<'_>) -> Option<String> {
    match v {
        ValueRef::Null => None,
        ValueRef::Integer(i) => Some(i.to_string()),
        ValueRef::Real(r) => Some(real_text(r)),
        ValueRef::Text(t) | ValueRef::Blob(t) => Some(String::from_utf8_lossy(t).into_owned()),
    }
}

/// A REAL as SQLite writes it as text (`100.0`, `1.5`, `1.0e+20`).
fn real_text(r: f64) -> String {
    if r.is_finite() && r.fract() == 0.0 && r.abs() < 1e15 {
        format!("{r:.1}")
    } else if r.is_finite() && (r.abs() >= 1e15 || (r != 0.0 && r.abs() < 1e-4)) {
        let s = format!("{r:e}");
        match s.split_once('e') {
            Some((m, e)) => {
                let m = if m.contains('.') {
                    m.to_owned()
                } else {
                    format!("{m}.0")
                };
                let (sign, digits) = match e.strip_prefix('-') {
                    Some(d) => ("-", d),
                    None => ("+", e),
                };
                format!("{m}e{sign}{digits:0>2}")
            }
            None => s,
        }
    } else if r.is_infinite() {
        if r > 0.0 { "Inf".into() } else { "-Inf".into() }
    } else {
        format!("{r}")
    }
}

/// `regexp(pattern, subject)`.
fn regexp(ctx: &Context<'_>) -> Result<i64> {
    let Some(subject) = as_text(ctx.get_raw(1)) else {
        return Ok(0);
    };
    if matches!(ctx.get_raw(0), ValueRef::Null) {
        return Err(Error::UserFunctionError("missing regexp pattern".into()));
    }
    let re: Arc<fancy_regex::Regex> = ctx.get_or_create_aux(0, |v| {
        let pattern = as_text(v).unwrap_or_default();
        fancy_regex::RegexBuilder::new(&pattern)
            .backtrack_limit(BACKTRACK_LIMIT)
            .build()
            .map_err(|e| e.to_string())
    })?;
    match re.is_match(&subject) {
        Ok(m) => Ok(i64::from(m)),
        Err(e) => Err(Error::UserFunctionError(e.to_string().into())),
    }
}

/// Register every function on `conn`.
pub(crate) fn register(conn: &Connection) -> Result<()> {
    conn.create_scalar_function("regexp", 2, flags(), regexp)?;
    for (name, f) in [
        ("acos", f64::acos as fn(f64) -> f64),
        ("asin", f64::asin),
        ("atan", f64::atan),
        ("acosh", f64::acosh),
        ("asinh", f64::asinh),
        ("atanh", f64::atanh),
        ("cos", f64::cos),
        ("sin", f64::sin),
        ("tan", f64::tan),
        ("cosh", f64::cosh),
        ("sinh", f64::sinh),
        ("tanh", f64::tanh),
        ("exp", f64::exp),
        ("sqrt", f64::sqrt),
        ("radians", deg_to_rad),
        ("degrees", rad_to_deg),
    ] {
        math1(conn, name, f)?;
    }
    for (name, f) in [
        ("atan2", f64::atan2 as fn(f64, f64) -> f64),
        ("pow", f64::powf),
        ("power", f64::powf),
        ("mod", |a: f64, b: f64| a % b),
    ] {
        math2(conn, name, f)?;
    }
    for (name, f) in [
        ("ceil", f64::ceil as fn(f64) -> f64),
        ("ceiling", f64::ceil),
        ("floor", f64::floor),
        ("trunc", f64::trunc),
    ] {
        rounding(conn, name, f)?;
    }
    for (name, f) in [
        ("ln", f64::ln as fn(f64) -> f64),
        ("log", f64::log10),
        ("log10", f64::log10),
        ("log2", f64::log2),
    ] {
        log1(conn, name, f)?;
    }
    conn.create_scalar_function("log", 2, flags(), log_base)?;
    conn.create_scalar_function("pi", 0, flags(), |_| Ok(std::f64::consts::PI))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn() -> Connection {
        let c = Connection::open_in_memory().unwrap();
        register(&c).unwrap();
        c
    }

    fn one(c: &Connection, sql: &str) -> Value {
        c.query_row(sql, [], |r| r.get::<_, Value>(0)).unwrap()
    }

    #[test]
    fn regexp_has_sqlds_semantics() {
        let c = conn();
        for (sql, want) in [
            ("SELECT 'abc' REGEXP 'b'", 1),
            ("SELECT 'abc' REGEXP '^b'", 0),
            ("SELECT 'ABC' REGEXP 'b'", 0),
            ("SELECT NULL REGEXP 'a'", 0),
            ("SELECT NULL REGEXP NULL", 0),
            ("SELECT 1 REGEXP '1'", 1),
            ("SELECT 1.5 REGEXP '^1\\.5$'", 1),
            ("SELECT x'61' REGEXP 'a'", 1),
            ("SELECT 'aa' REGEXP '(a)\\1'", 1),
            ("SELECT 'foobar' REGEXP 'foo(?=bar)'", 1),
            ("SELECT 'héllo' REGEXP '^h\\wllo$'", 1),
            ("SELECT '5' REGEXP 5", 1),
        ] {
            assert_eq!(one(&c, sql), Value::Integer(want), "{sql}");
        }
        assert!(
            c.query_row("SELECT 'a' REGEXP NULL", [], |_| Ok(()))
                .is_err()
        );
        assert!(
            c.query_row("SELECT 'a' REGEXP '('", [], |_| Ok(()))
                .is_err()
        );
    }

    #[test]
    fn math_follows_sqlite() {
        let c = conn();
        assert_eq!(one(&c, "SELECT ceil(3)"), Value::Integer(3));
        assert_eq!(one(&c, "SELECT ceil(1.2)"), Value::Real(2.0));
        assert_eq!(one(&c, "SELECT ceil('2.5')"), Value::Real(3.0));
        assert_eq!(one(&c, "SELECT ceil('abc')"), Value::Null);
        assert_eq!(one(&c, "SELECT sqrt(-1)"), Value::Null);
        assert_eq!(one(&c, "SELECT log(100)"), Value::Real(2.0));
        assert_eq!(one(&c, "SELECT log(2, 8)"), Value::Real(3.0));
        assert_eq!(one(&c, "SELECT log(1, 8)"), Value::Null);
        assert_eq!(one(&c, "SELECT ln(0)"), Value::Null);
        assert_eq!(one(&c, "SELECT mod(-7, 3)"), Value::Real(-1.0));
        assert_eq!(one(&c, "SELECT mod(1, 0)"), Value::Null);
        assert_eq!(one(&c, "SELECT sin(x'01')"), Value::Null);
        assert_eq!(one(&c, "SELECT pi()"), Value::Real(std::f64::consts::PI));
        assert_eq!(one(&c, "SELECT degrees(pi())"), Value::Real(180.0));
    }

    #[test]
    fn numeric_affinity_of_text() {
        assert_eq!(numeric_text(" 12 "), Some(Num::Int(12)));
        assert_eq!(numeric_text("1e2"), Some(Num::Real(100.0)));
        assert_eq!(numeric_text(".5"), Some(Num::Real(0.5)));
        assert_eq!(numeric_text("12abc"), None);
        assert_eq!(numeric_text("inf"), None);
        assert_eq!(numeric_text(""), None);
        assert_eq!(numeric_text("-"), None);
        assert_eq!(numeric_text("99999999999999999999"), Some(Num::Real(1e20)));
        assert_eq!(real_text(100.0), "100.0");
        assert_eq!(real_text(1e20), "1.0e+20");
    }
}
