//! Properties of the type integrations over generated inputs: no input makes
//! a reader panic, every value in Django's range survives a write and a read,
//! and the JSON float text always reads back as the same float.
#![allow(unused_imports)] // each feature uses part of them

use proptest::prelude::*;

use crate::convert::{FromSql, ToSql};
use crate::value::{Value, ValueRef};

/// Text shaped like a Django datetime, valid or not, to reach deep paths.
const DATETIME_LIKE: &str = "[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([ Tt][0-9]{1,2}:[0-9]{1,2}(:[0-9]{1,2}([.,][0-9]{1,12})?)?( ?(Z|[+-][0-9]{2}(:?[0-9]{2}(:[0-9]{2})?)?))?)?";

/// Every reader on one input: only `Ok` or `Err`, never a panic.
fn read_all(v: ValueRef<'_>) {
    #[cfg(feature = "chrono")]
    {
        use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Utc};
        let _ = NaiveDateTime::from_sql(v);
        let _ = NaiveDate::from_sql(v);
        let _ = NaiveTime::from_sql(v);
        let _ = DateTime::<Utc>::from_sql(v);
        let _ = DateTime::<FixedOffset>::from_sql(v);
        let _ = TimeDelta::from_sql(v);
    }
    #[cfg(feature = "time")]
    {
        use time::{Date, Duration, OffsetDateTime, PrimitiveDateTime, Time, UtcDateTime};
        let _ = PrimitiveDateTime::from_sql(v);
        let _ = OffsetDateTime::from_sql(v);
        let _ = UtcDateTime::from_sql(v);
        let _ = Date::from_sql(v);
        let _ = Time::from_sql(v);
        let _ = Duration::from_sql(v);
    }
    #[cfg(feature = "uuid")]
    let _ = uuid::Uuid::from_sql(v);
    #[cfg(feature = "json")]
    let _ = serde_json::Value::from_sql(v);
    #[cfg(feature = "rust_decimal")]
    let _ = rust_decimal::Decimal::from_sql(v);
}

proptest! {
    #[test]
    fn no_text_makes_a_reader_panic(s in ".{0,80}") {
        read_all(ValueRef::Text(&s));
    }

    #[test]
    fn no_datetime_like_text_makes_a_reader_panic(s in DATETIME_LIKE) {
        read_all(ValueRef::Text(&s));
    }

    #[test]
    fn no_number_or_blob_makes_a_reader_panic(
        i in any::<i64>(),
        f in any::<f64>(),
        b in proptest::collection::vec(any::<u8>(), 0..40),
    ) {
        read_all(ValueRef::Integer(i));
        read_all(ValueRef::Real(f));
        read_all(ValueRef::Blob(&b));
    }
}

#[cfg(feature = "chrono")]
proptest! {
    #[test]
    fn chrono_values_in_django_range_round_trip(
        days in 0i64..3_652_059,
        secs in 0u32..86_400,
        micros in 0u32..1_000_000,
        offset in -86_399i32..86_400,
    ) {
        use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Utc};
        let date = NaiveDate::from_ymd_opt(1, 1, 1).unwrap() + TimeDelta::days(days);
        let time = NaiveTime::from_num_seconds_from_midnight_opt(secs, micros * 1000).unwrap();
        let dt = date.and_time(time);
        prop_assert_eq!(NaiveDate::from_sql(date.to_sql()?.as_ref())?, date);
        prop_assert_eq!(NaiveTime::from_sql(time.to_sql()?.as_ref())?, time);
        prop_assert_eq!(NaiveDateTime::from_sql(dt.to_sql()?.as_ref())?, dt);
        let aware = dt.and_local_timezone(FixedOffset::east_opt(offset).unwrap()).unwrap();
        match aware.to_sql() {
            // The instant survives; the offset is not stored (as in Django).
            Ok(v) => prop_assert_eq!(DateTime::<Utc>::from_sql(v.as_ref())?, aware),
            Err(_) => prop_assert!(!(1..=9999).contains(&chrono::Datelike::year(&aware.naive_utc()))),
        }
    }

    #[test]
    fn chrono_durations_round_trip(us in any::<i64>()) {
        let d = chrono::TimeDelta::microseconds(us);
        prop_assert_eq!(d.to_sql()?, Value::Integer(us));
        prop_assert_eq!(chrono::TimeDelta::from_sql(ValueRef::Integer(us))?, d);
    }

    #[test]
    fn parsed_datetime_text_is_rewritten_to_the_same_value(s in DATETIME_LIKE) {
        use chrono::{DateTime, FixedOffset};
        if let Ok(dt) = DateTime::<FixedOffset>::from_sql(ValueRef::Text(&s)) {
            if let Ok(v) = dt.to_sql() {
                prop_assert_eq!(DateTime::<FixedOffset>::from_sql(v.as_ref())?, dt);
            }
        }
    }
}

#[cfg(feature = "time")]
proptest! {
    #[test]
    fn time_values_in_django_range_round_trip(
        days in 0i32..3_652_059,
        secs in 0u32..86_400,
        micros in 0u32..1_000_000,
        us in any::<i64>(),
    ) {
        use time::{Date, Duration, PrimitiveDateTime, Time};
        let date = Date::from_julian_day(1_721_426 + days).unwrap();
        let time = Time::MIDNIGHT + Duration::seconds(i64::from(secs)) + Duration::microseconds(i64::from(micros));
        let dt = PrimitiveDateTime::new(date, time);
        prop_assert_eq!(Date::from_sql(date.to_sql()?.as_ref())?, date);
        prop_assert_eq!(Time::from_sql(time.to_sql()?.as_ref())?, time);
        prop_assert_eq!(PrimitiveDateTime::from_sql(dt.to_sql()?.as_ref())?, dt);
        let d = Duration::microseconds(us);
        prop_assert_eq!(Duration::from_sql(d.to_sql()?.as_ref())?, d);
    }
}

#[cfg(feature = "json")]
proptest! {
    #[test]
    fn python_float_text_reads_back_as_the_same_float(f in any::<f64>().prop_filter("finite", |f| f.is_finite())) {
        let mut s = String::new();
        super::json_conv::write_python_float(&mut s, f);
        let back: f64 = s.parse().unwrap();
        prop_assert_eq!(back.to_bits(), f.to_bits(), "{}", s);
        // Always a JSON number that Python reads as a float, not an int.
        prop_assert!(s.contains(['.', 'e']), "{}", s);
    }

    #[test]
    fn json_strings_round_trip(s in "\\PC{0,40}|[\\x00-\\x7f]{0,40}") {
        let v = serde_json::Value::String(s);
        let Value::Text(text) = v.to_sql()? else { panic!("JSON is text") };
        prop_assert!(text.is_ascii());
        prop_assert_eq!(serde_json::Value::from_sql(ValueRef::Text(&text))?, v);
    }
}

#[cfg(feature = "rust_decimal")]
proptest! {
    #[test]
    fn decimals_round_trip_as_text(m in any::<i64>(), scale in 0u32..=18) {
        let d = rust_decimal::Decimal::new(m, scale);
        let v = d.to_sql()?;
        let back = rust_decimal::Decimal::from_sql(v.as_ref())?;
        prop_assert_eq!(back, d);
        prop_assert_eq!(back.scale(), d.scale());
    }
}

#[cfg(feature = "uuid")]
proptest! {
    #[test]
    fn uuids_round_trip(bytes in any::<[u8; 16]>()) {
        let u = uuid::Uuid::from_bytes(bytes);
        prop_assert_eq!(uuid::Uuid::from_sql(u.to_sql()?.as_ref())?, u);
        let hyphenated = u.hyphenated().to_string();
        prop_assert_eq!(uuid::Uuid::from_sql(ValueRef::Text(&hyphenated))?, u);
    }
}
