//! Quoting of identifiers and values the way Django's SQLite schema editor does it.

use serde_json::Value as Json;

use crate::error::{Result, SchemaError};
use crate::field::FieldKind;

/// `"name"`; a name already wrapped in double quotes is left alone (no escaping, as Django).
pub fn quote_name(name: &str) -> String {
    if name.len() >= 2 && name.starts_with('"') && name.ends_with('"') {
        name.to_string()
    } else {
        format!("\"{name}\"")
    }
}

/// A string literal with `'` doubled.
pub fn quote_str(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Python's `str()` of a float.
pub(crate) fn py_float(f: f64) -> String {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e16 {
        format!("{f:.1}")
    } else {
        format!("{f}")
    }
}

fn number(n: &serde_json::Number) -> String {
    if let Some(i) = n.as_i64() {
        i.to_string()
    } else if let Some(u) = n.as_u64() {
        u.to_string()
    } else {
        py_float(n.as_f64().unwrap_or(0.0))
    }
}

/// `quote_value` for a JSON scalar with no field context.
pub(crate) fn quote_value_json(v: &Json) -> Result<String> {
    Ok(match v {
        Json::Null => "NULL".into(),
        Json::Bool(b) => if *b { "1" } else { "0" }.into(),
        Json::Number(n) => number(n),
        Json::String(s) => quote_str(s),
        Json::Object(o) if o.len() == 1 && o.contains_key("bytes_hex") => {
            format!("X'{}'", o["bytes_hex"].as_str().unwrap_or_default())
        }
        other => {
            return Err(SchemaError::Unsupported(format!(
                "cannot quote value {other}"
            )));
        }
    })
}

/// A value as stored in a field of `kind` (what `get_db_prep_save` + `quote_value` make).
pub(crate) fn quote_field_value(kind: FieldKind, v: &Json) -> Result<String> {
    match kind {
        FieldKind::JSONField if !v.is_null() => Ok(quote_str(&py_json_dumps(v))),
        FieldKind::DecimalField => match v {
            Json::Number(n) => Ok(number(n)),
            Json::String(s) => Ok(format!("(CAST({} AS NUMERIC))", quote_str(s))),
            other => quote_value_json(other),
        },
        FieldKind::UUIDField => match v {
            Json::String(s) => Ok(quote_str(&s.replace('-', "").to_lowercase())),
            other => quote_value_json(other),
        },
        _ => quote_value_json(v),
    }
}

/// A lookup's right-hand side in a condition: decimals are adapted to strings first.
pub(crate) fn quote_lookup_value(kind: FieldKind, v: &Json) -> Result<String> {
    match (kind, v) {
        (FieldKind::DecimalField, Json::Number(n)) => Ok(quote_str(&number(n))),
        _ => quote_value_json(v),
    }
}

/// `json.dumps` with Python's default separators.
pub(crate) fn py_json_dumps(v: &Json) -> String {
    match v {
        Json::Array(a) => format!(
            "[{}]",
            a.iter().map(py_json_dumps).collect::<Vec<_>>().join(", ")
        ),
        Json::Object(o) => format!(
            "{{{}}}",
            o.iter()
                .map(|(k, v)| format!("{}: {}", Json::String(k.clone()), py_json_dumps(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Json::Number(n) if n.is_f64() => py_float(n.as_f64().unwrap_or(0.0)),
        other => other.to_string(),
    }
}

/// Django's `names_digest`: md5 of the concatenated arguments, lower-case hex, cut to `length`.
pub fn names_digest(args: &[&str], length: usize) -> String {
    use md5::{Digest, Md5};
    let mut h = Md5::new();
    for a in args {
        h.update(a.as_bytes());
    }
    let hex: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    hex.chars().take(length).collect()
}

fn cut(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// Django's `_create_index_name(table, columns, suffix)` with SQLite's 200-character limit.
pub fn create_index_name(table: &str, columns: &[String], suffix: &str) -> String {
    const MAX: usize = 200;
    let mut args: Vec<&str> = vec![table];
    args.extend(columns.iter().map(String::as_str));
    let mut hash = format!("{}{suffix}", names_digest(&args, 8));
    let joined = columns.join("_");
    let name = format!("{table}_{joined}_{hash}");
    if name.chars().count() <= MAX {
        return name;
    }
    if hash.chars().count() > MAX / 3 {
        hash = cut(&hash, MAX / 3);
    }
    let other = (MAX - hash.chars().count()) / 2 - 1;
    let name = format!("{}_{}_{hash}", cut(table, other), cut(&joined, other));
    fix_leading(name, true)
}

fn fix_leading(name: String, drop_last: bool) -> String {
    let first = name.chars().next().unwrap_or('x');
    if first == '_' || first.is_ascii_digit() {
        let body: String = if drop_last {
            let n = name.chars().count();
            name.chars().take(n.saturating_sub(1)).collect()
        } else {
            name.chars().skip(1).collect()
        };
        format!("D{body}")
    } else {
        name
    }
}

/// The name `models.Index(fields=...)` gets when none is given (`set_name_with_model`).
/// `fields` are `(column, descending)` pairs.
pub fn auto_index_name(table: &str, fields: &[(String, bool)]) -> String {
    let mut data: Vec<String> = vec![table.to_string()];
    data.extend(
        fields
            .iter()
            .map(|(c, d)| format!("{}{c}", if *d { "-" } else { "" })),
    );
    data.push("idx".into());
    let refs: Vec<&str> = data.iter().map(String::as_str).collect();
    let first = fields.first().map(|(c, _)| c.as_str()).unwrap_or("");
    let name = format!(
        "{}_{}_{}_idx",
        cut(table, 11),
        cut(first, 7),
        names_digest(&refs, 6)
    );
    fix_leading(name, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_fixtures() {
        assert_eq!(
            create_index_name("shop_category", &["parent_id".into()], ""),
            "shop_category_parent_id_901626c9"
        );
        assert_eq!(
            auto_index_name(
                "shop_catalog_product",
                &[("price".into(), true), ("name".into(), false)]
            ),
            "shop_catalo_price_a33639_idx"
        );
        assert_eq!(quote_name("\"x\""), "\"x\"");
        assert_eq!(py_float(1.5), "1.5");
        assert_eq!(py_float(2.0), "2.0");
        assert_eq!(
            py_json_dumps(&serde_json::json!({"a": [1, 2]})),
            "{\"a\": [1, 2]}"
        );
    }
}
