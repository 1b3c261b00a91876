//! Evaluating a field's default the way Django's schema editor does when a table remake
//! copies existing rows (`effective_default`): literals, `dict`/`list`, the clock
//! (`timezone.now`, `auto_now`, `auto_now_add`, `date.today`) and `uuid.uuid4`.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value as Json;

use crate::error::{Result, SchemaError};
use crate::field::{Field, FieldKind};

/// Civil date from days since 1970-01-01 (proleptic Gregorian).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Now, in UTC, as Python's `str()` of a date, time or datetime for a field of `kind`
/// (the database connection's time zone is UTC when `USE_TZ` is on, Django's default).
fn now_text(kind: FieldKind) -> String {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let secs = since.as_secs() as i64;
    let micros = since.subsec_micros();
    let (y, mo, d) = civil(secs.div_euclid(86_400));
    let sod = secs.rem_euclid(86_400);
    let (h, mi, s) = (sod / 3600, (sod % 3600) / 60, sod % 60);
    let date = format!("{y:04}-{mo:02}-{d:02}");
    let mut time = format!("{h:02}:{mi:02}:{s:02}");
    if micros != 0 {
        time.push_str(&format!(".{micros:06}"));
    }
    match kind {
        FieldKind::DateField => date,
        FieldKind::TimeField => time,
        _ => format!("{date} {time}"),
    }
}

/// A version-4 UUID as 32 hex digits (how a UUIDField stores it on SQLite).
fn uuid4_hex() -> String {
    use md5::{Digest, Md5};
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let mut h = Md5::new();
    let t = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    h.update(t.as_nanos().to_le_bytes());
    h.update(N.fetch_add(1, Ordering::Relaxed).to_le_bytes());
    h.update(std::process::id().to_le_bytes());
    let mut b: [u8; 16] = h.finalize().into();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The value of a callable default, as Django's schema editor gets it.
fn call(name: &str, kind: FieldKind) -> Result<Json> {
    Ok(match name {
        "dict" | "builtins.dict" => Json::Object(Default::default()),
        "list" | "builtins.list" => Json::Array(Vec::new()),
        "django.utils.timezone.now"
        | "datetime.datetime.now"
        | "datetime.datetime.utcnow"
        | "datetime.date.today" => Json::String(now_text(kind)),
        "uuid.uuid4" => Json::String(uuid4_hex()),
        other => {
            return Err(SchemaError::Unsupported(format!(
                "callable default `{other}` in a table remake (known: dict, list, django.utils.timezone.now, datetime.datetime.now, datetime.date.today, uuid.uuid4)"
            )));
        }
    })
}

/// Django's `effective_default` for a field (a JSON value; `None` for no default).
pub(crate) fn effective_default(f: &Field) -> Result<Option<Json>> {
    if let Some(d) = &f.default {
        return match d {
            Json::Null => Ok(None),
            Json::Object(o) if o.contains_key("callable") => {
                let name = o["callable"].as_str().unwrap_or_default();
                call(name, f.kind).map(Some)
            }
            other => Ok(Some(other.clone())),
        };
    }
    if !f.null && f.blank && f.kind.empty_strings_allowed() {
        if f.kind == FieldKind::BinaryField {
            return Ok(Some(serde_json::json!({"bytes_hex": ""})));
        }
        return Ok(Some(Json::String(String::new())));
    }
    if f.auto_now || f.auto_now_add {
        return Ok(Some(Json::String(now_text(f.kind))));
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil(0), (1970, 1, 1));
        assert_eq!(civil(19_723), (2024, 1, 1));
        assert_eq!(civil(19_782), (2024, 2, 29));
        assert_eq!(civil(-1), (1969, 12, 31));
    }

    #[test]
    fn clock_and_uuid_shapes() {
        let dt = now_text(FieldKind::DateTimeField);
        assert!(dt.len() == 19 || dt.len() == 26, "{dt}");
        assert_eq!(now_text(FieldKind::DateField).len(), 10);
        let u = uuid4_hex();
        assert_eq!(u.len(), 32);
        assert_eq!(&u[12..13], "4");
        assert_ne!(u, uuid4_hex());
        assert!(call("my.module.make_default", FieldKind::IntegerField).is_err());
    }
}
