//! The real Django storage in `../fixtures/django_types/` (see its README) and
//! the Rust values its encodings stand for. Shared by sqlport-core's tests
//! (conversion logic against the dump) and the facade's (the SQLite file
//! through the local transport), so that both read the cases one way.
#![allow(dead_code)] // each test binary uses its own part

use serde_json::Value as J;
use sqlport_core::Value;

/// The dump `django_types.py generate` wrote.
pub const JSON: &str = include_str!("../fixtures/django_types/django_types.json");

/// The tables of the fixture, each one Django field.
pub const TABLES: [&str; 8] = [
    "djtypes_awaredatetime",
    "djtypes_naivedatetime",
    "djtypes_datesample",
    "djtypes_timesample",
    "djtypes_durationsample",
    "djtypes_uuidsample",
    "djtypes_jsonsample",
    "djtypes_decimalsample",
];

/// One case: a row Django saved (`written` is set) or raw text another
/// program stored (`written` is `None`).
#[derive(Debug, Clone)]
pub struct Row {
    /// The case name, unique in its table.
    pub label: String,
    /// The Python value saved through the ORM (encoded), `None` for raw rows.
    pub written: Option<J>,
    /// The JSON null saved as `Value(None, JSONField())`.
    pub json_null: bool,
    /// The parameter Django 5.1 bound (`get_db_prep_save`).
    pub bound: Option<Value>,
    /// What SQLite stored.
    pub stored: Value,
    /// What Django read back: an encoded value, `null`, or `{"error": ...}`.
    pub read: J,
}

impl Row {
    /// Django read a value (not `None`, not an error).
    pub fn django_read_value(&self) -> Option<&J> {
        match &self.read {
            J::Null => None,
            J::Object(o) if o.contains_key("error") => None,
            v => Some(v),
        }
    }
}

/// A SQLite value in the dump's encoding.
pub fn sql(j: &J) -> Value {
    let o = j.as_object().expect("an encoded SQL value is an object");
    if let Some(i) = o.get("integer") {
        Value::Integer(i.as_i64().expect("integer"))
    } else if let Some(r) = o.get("real") {
        Value::Real(r.as_f64().expect("real"))
    } else if let Some(t) = o.get("text") {
        Value::Text(t.as_str().expect("text").to_owned())
    } else if let Some(b) = o.get("blob") {
        let hex = b.as_str().expect("blob hex");
        Value::Blob(
            (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
                .collect(),
        )
    } else {
        Value::Null
    }
}

/// The dump as parsed JSON.
pub fn doc() -> J {
    serde_json::from_str(JSON).expect("the fixture dump is JSON")
}

/// The cases of one table, in insertion order.
pub fn rows(table: &str) -> Vec<Row> {
    let doc = doc();
    let rows = doc["tables"][table]["rows"]
        .as_array()
        .unwrap_or_else(|| panic!("table {table} in the dump"));
    rows.iter()
        .map(|r| Row {
            label: r["label"].as_str().expect("label").to_owned(),
            written: Some(r["written"].clone()).filter(|w| !w.is_null()),
            json_null: r["json_null"].as_bool().unwrap_or(false),
            bound: Some(&r["bound"]).filter(|b| !b.is_null()).map(sql),
            stored: sql(&r["stored"]),
            read: r["read"].clone(),
        })
        .collect()
}

fn ints(j: &J, key: &str) -> Vec<i64> {
    j[key]
        .as_array()
        .unwrap_or_else(|| panic!("{key} in {j}"))
        .iter()
        .map(|v| v.as_i64().expect("int"))
        .collect()
}

fn u(v: i64) -> u32 {
    u32::try_from(v).expect("small")
}

/// The UTC offset of an encoded datetime, if it had one.
pub fn offset(j: &J) -> Option<i32> {
    j["offset"]
        .as_i64()
        .map(|o| i32::try_from(o).expect("offset"))
}

/// Microseconds of an encoded duration.
pub fn micros(j: &J) -> i64 {
    j["microseconds"].as_i64().expect("microseconds")
}

#[cfg(feature = "chrono")]
pub mod chrono_values {
    //! Encoded Python values as chrono values.
    use super::*;
    use sqlport_core::types::chrono::{
        DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Utc,
    };

    pub fn naive(j: &J) -> NaiveDateTime {
        let c = ints(j, "datetime");
        NaiveDate::from_ymd_opt(i32::try_from(c[0]).unwrap(), u(c[1]), u(c[2]))
            .unwrap()
            .and_hms_micro_opt(u(c[3]), u(c[4]), u(c[5]), u(c[6]))
            .unwrap()
    }

    /// With its offset, or `+00:00` for a naive value.
    pub fn fixed(j: &J) -> DateTime<FixedOffset> {
        let off = FixedOffset::east_opt(offset(j).unwrap_or(0)).unwrap();
        naive(j).and_local_timezone(off).single().unwrap()
    }

    pub fn utc(j: &J) -> DateTime<Utc> {
        fixed(j).with_timezone(&Utc)
    }

    pub fn date(j: &J) -> NaiveDate {
        let c = ints(j, "date");
        NaiveDate::from_ymd_opt(i32::try_from(c[0]).unwrap(), u(c[1]), u(c[2])).unwrap()
    }

    pub fn time(j: &J) -> NaiveTime {
        let c = ints(j, "time");
        NaiveTime::from_hms_micro_opt(u(c[0]), u(c[1]), u(c[2]), u(c[3])).unwrap()
    }

    pub fn delta(j: &J) -> TimeDelta {
        TimeDelta::microseconds(micros(j))
    }
}

#[cfg(feature = "time")]
pub mod time_values {
    //! Encoded Python values as `time` values.
    use super::*;
    use sqlport_core::types::time::{
        Date, Duration, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset,
    };

    fn month(v: i64) -> Month {
        Month::try_from(u8::try_from(v).unwrap()).unwrap()
    }

    pub fn date(j: &J) -> Date {
        let c = ints(j, "date");
        Date::from_calendar_date(i32::try_from(c[0]).unwrap(), month(c[1]), c[2] as u8).unwrap()
    }

    pub fn time(j: &J) -> Time {
        let c = ints(j, "time");
        Time::from_hms_micro(c[0] as u8, c[1] as u8, c[2] as u8, u(c[3])).unwrap()
    }

    pub fn primitive(j: &J) -> PrimitiveDateTime {
        let c = ints(j, "datetime");
        PrimitiveDateTime::new(
            Date::from_calendar_date(i32::try_from(c[0]).unwrap(), month(c[1]), c[2] as u8)
                .unwrap(),
            Time::from_hms_micro(c[3] as u8, c[4] as u8, c[5] as u8, u(c[6])).unwrap(),
        )
    }

    /// With its offset, or UTC for a naive value.
    pub fn offset_dt(j: &J) -> OffsetDateTime {
        let off = UtcOffset::from_whole_seconds(offset(j).unwrap_or(0)).unwrap();
        primitive(j).assume_offset(off)
    }

    pub fn duration(j: &J) -> Duration {
        Duration::microseconds(micros(j))
    }
}

#[cfg(feature = "uuid")]
pub fn uuid(j: &J) -> sqlport_core::types::uuid::Uuid {
    sqlport_core::types::uuid::Uuid::parse_str(j["uuid"].as_str().unwrap()).unwrap()
}

#[cfg(feature = "rust_decimal")]
pub fn decimal(j: &J) -> sqlport_core::types::rust_decimal::Decimal {
    use sqlport_core::types::rust_decimal::Decimal;
    let s = j["decimal"].as_str().unwrap();
    if s.contains(['e', 'E']) {
        Decimal::from_scientific(s).unwrap()
    } else {
        s.parse().unwrap()
    }
}

#[cfg(feature = "json")]
pub fn json(j: &J) -> serde_json::Value {
    j["json"].clone()
}

/// What sqlport binds for a row's `written` value, through the Rust type a
/// Rust service would use for that Django field (chrono for dates and times;
/// a `Decimal` rescaled to the field's `decimal_places`, 2, as Django 5.1
/// formats it). `None` when the integration is not compiled in.
pub fn ours(table: &str, row: &Row) -> Option<Value> {
    #[allow(unused_imports)] // unused with only the `time` feature
    use sqlport_core::ToSql;
    const COMPILED: [(&str, bool); 3] = [
        ("djtypes_uuidsample", cfg!(feature = "uuid")),
        ("djtypes_jsonsample", cfg!(feature = "json")),
        ("djtypes_decimalsample", cfg!(feature = "rust_decimal")),
    ];
    let compiled = COMPILED
        .iter()
        .find(|(t, _)| *t == table)
        .map_or(cfg!(feature = "chrono"), |(_, on)| *on);
    if !compiled {
        return None;
    }
    #[cfg(feature = "json")]
    if row.json_null {
        return Some(serde_json::Value::Null.to_sql().expect("JSON null"));
    }
    let Some(w) = &row.written else {
        return Some(Value::Null);
    };
    let _ = w;
    let v: Option<Result<Value, sqlport_core::ConversionError>> = match table {
        #[cfg(feature = "chrono")]
        "djtypes_awaredatetime" => Some(chrono_values::fixed(w).to_sql()),
        #[cfg(feature = "chrono")]
        "djtypes_naivedatetime" => Some(chrono_values::naive(w).to_sql()),
        #[cfg(feature = "chrono")]
        "djtypes_datesample" => Some(chrono_values::date(w).to_sql()),
        #[cfg(feature = "chrono")]
        "djtypes_timesample" => Some(chrono_values::time(w).to_sql()),
        #[cfg(feature = "chrono")]
        "djtypes_durationsample" => Some(chrono_values::delta(w).to_sql()),
        #[cfg(feature = "uuid")]
        "djtypes_uuidsample" => Some(uuid(w).to_sql()),
        #[cfg(feature = "json")]
        "djtypes_jsonsample" => Some(json(w).to_sql()),
        #[cfg(feature = "rust_decimal")]
        "djtypes_decimalsample" => {
            let mut d = decimal(w);
            d.rescale(2);
            Some(d.to_sql())
        }
        _ => None,
    };
    v.map(|r| r.unwrap_or_else(|e| panic!("{table}.{}: {e}", row.label)))
}
