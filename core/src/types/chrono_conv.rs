//! `chrono` types in Django's storage formats (feature `chrono`); the formats
//! are described in [`types`](super).

use chrono::{
    DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeDelta,
    Timelike, Utc,
};

use super::InvalidFormat;
use super::django_datetime::{self as dj, DateTimeFields, TimeFields};
use crate::convert::{FromSql, ToSql};
use crate::error::ConversionError;
use crate::value::{Value, ValueRef};

fn text<'a>(value: ValueRef<'a>, expected: &'static str) -> Result<&'a str, ConversionError> {
    match value {
        ValueRef::Text(t) => Ok(t),
        v => Err(ConversionError::InvalidType {
            expected,
            found: v.value_type(),
        }),
    }
}

fn write_naive_date(
    out: &mut String,
    d: NaiveDate,
    target: &'static str,
) -> Result<(), ConversionError> {
    dj::check_year(d.year(), target)?;
    // month() and day() are 1..=12 and 1..=31.
    dj::write_date(out, d.year(), d.month() as u8, d.day() as u8);
    Ok(())
}

fn write_naive_time(
    out: &mut String,
    t: NaiveTime,
    target: &'static str,
) -> Result<(), ConversionError> {
    dj::check_not_leap_second(t.nanosecond(), target)?;
    dj::write_time(
        out,
        t.hour() as u8,
        t.minute() as u8,
        t.second() as u8,
        t.nanosecond(),
    );
    Ok(())
}

fn naive_datetime_text(dt: NaiveDateTime, target: &'static str) -> Result<Value, ConversionError> {
    let mut out = String::with_capacity(26);
    write_naive_date(&mut out, dt.date(), target)?;
    out.push(' ');
    write_naive_time(&mut out, dt.time(), target)?;
    Ok(Value::Text(out))
}

fn make_date(
    input: &str,
    d: dj::DateFields,
    target: &'static str,
) -> Result<NaiveDate, ConversionError> {
    NaiveDate::from_ymd_opt(d.year, u32::from(d.month), u32::from(d.day))
        .ok_or_else(|| InvalidFormat::error(target, input, "no such day in that month"))
}

fn make_time(
    input: &str,
    t: TimeFields,
    target: &'static str,
) -> Result<NaiveTime, ConversionError> {
    NaiveTime::from_hms_nano_opt(
        u32::from(t.hour),
        u32::from(t.minute),
        u32::from(t.second),
        t.nanosecond,
    )
    .ok_or_else(|| InvalidFormat::error(target, input, "no such time of day"))
}

/// Parse a datetime; the naive local part and the offset (if any).
fn read_datetime(
    value: ValueRef<'_>,
    target: &'static str,
) -> Result<(NaiveDateTime, Option<FixedOffset>), ConversionError> {
    let s = text(value, "TEXT (a Django datetime)")?;
    let DateTimeFields {
        date,
        time,
        offset_seconds,
    } = dj::parse_datetime(s).map_err(|reason| InvalidFormat::error(target, s, reason))?;
    let naive = make_date(s, date, target)?.and_time(make_time(s, time, target)?);
    let offset = match offset_seconds {
        None => None,
        Some(secs) => Some(
            FixedOffset::east_opt(secs)
                .ok_or_else(|| InvalidFormat::error(target, s, "UTC offset out of range"))?,
        ),
    };
    Ok((naive, offset))
}

// ---- DateField ------------------------------------------------------------

impl ToSql for NaiveDate {
    fn to_sql(&self) -> Result<Value, ConversionError> {
        let mut out = String::with_capacity(10);
        write_naive_date(&mut out, *self, "chrono::NaiveDate (Django years 1..=9999)")?;
        Ok(Value::Text(out))
    }
}

impl FromSql for NaiveDate {
    fn from_sql(value: ValueRef<'_>) -> Result<Self, ConversionError> {
        const TARGET: &str = "chrono::NaiveDate";
        let s = text(value, "TEXT (a Django date)")?;
        let d = dj::parse_date(s).map_err(|reason| InvalidFormat::error(TARGET, s, reason))?;
        make_date(s, d, TARGET)
    }
}

// ---- TimeField ------------------------------------------------------------

impl ToSql for NaiveTime {
    fn to_sql(&self) -> Result<Value, ConversionError> {
        let mut out = String::with_capacity(15);
        write_naive_time(&mut out, *self, "chrono::NaiveTime (no leap seconds)")?;
        Ok(Value::Text(out))
    }
}

impl FromSql for NaiveTime {
    fn from_sql(value: ValueRef<'_>) -> Result<Self, ConversionError> {
        const TARGET: &str = "chrono::NaiveTime";
        let s = text(value, "TEXT (a Django time)")?;
        // An offset is ignored, as Django's parse_time does.
        let (t, _offset) =
            dj::parse_time(s).map_err(|reason| InvalidFormat::error(TARGET, s, reason))?;
        make_time(s, t, TARGET)
    }
}

// ---- DateTimeField --------------------------------------------------------

impl ToSql for NaiveDateTime {
    fn to_sql(&self) -> Result<Value, ConversionError> {
        naive_datetime_text(*self, "chrono::NaiveDateTime (Django years 1..=9999)")
    }
}

impl FromSql for NaiveDateTime {
    fn from_sql(value: ValueRef<'_>) -> Result<Self, ConversionError> {
        const TARGET: &str = "chrono::NaiveDateTime";
        match read_datetime(value, TARGET)? {
            (naive, None) => Ok(naive),
            (_, Some(_)) => Err(InvalidFormat::error(
                TARGET,
                text(value, "TEXT")?,
                "the text has a UTC offset: read it as DateTime<Utc> or DateTime<FixedOffset>",
            )),
        }
    }
}

impl ToSql for DateTime<Utc> {
    fn to_sql(&self) -> Result<Value, ConversionError> {
        naive_datetime_text(
            self.naive_utc(),
            "chrono::DateTime<Utc> (Django years 1..=9999)",
        )
    }
}

impl FromSql for DateTime<Utc> {
    fn from_sql(value: ValueRef<'_>) -> Result<Self, ConversionError> {
        const TARGET: &str = "chrono::DateTime<Utc>";
        let (naive, offset) = read_datetime(value, TARGET)?;
        let utc = match offset {
            None => Some(naive),
            Some(off) => naive.checked_sub_offset(off),
        };
        utc.map(|n| n.and_utc()).ok_or_else(|| {
            InvalidFormat::error(TARGET, text(value, "TEXT").unwrap_or(""), "out of range")
        })
    }
}

impl ToSql for DateTime<FixedOffset> {
    fn to_sql(&self) -> Result<Value, ConversionError> {
        naive_datetime_text(
            self.naive_utc(),
            "chrono::DateTime<FixedOffset> (UTC in Django years 1..=9999)",
        )
    }
}

impl FromSql for DateTime<FixedOffset> {
    fn from_sql(value: ValueRef<'_>) -> Result<Self, ConversionError> {
        const TARGET: &str = "chrono::DateTime<FixedOffset>";
        let (naive, offset) = read_datetime(value, TARGET)?;
        let offset = offset.unwrap_or_else(|| Utc.fix());
        naive.and_local_timezone(offset).single().ok_or_else(|| {
            InvalidFormat::error(TARGET, text(value, "TEXT").unwrap_or(""), "out of range")
        })
    }
}

// ---- DurationField --------------------------------------------------------

impl ToSql for TimeDelta {
    fn to_sql(&self) -> Result<Value, ConversionError> {
        // num_microseconds truncates toward zero and is None past i64.
        self.num_microseconds()
            .map(Value::Integer)
            .ok_or_else(|| ConversionError::OutOfRange {
                value: format!("{self}"),
                target: "i64 microseconds (Django DurationField)",
            })
    }
}

impl FromSql for TimeDelta {
    fn from_sql(value: ValueRef<'_>) -> Result<Self, ConversionError> {
        dj::duration_micros(value, "chrono::TimeDelta").map(TimeDelta::microseconds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn is_format_error(e: &ConversionError) -> bool {
        matches!(e, ConversionError::Other(inner) if inner.downcast_ref::<InvalidFormat>().is_some())
    }

    fn ndt(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32, micro: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, mo, d)
            .unwrap()
            .and_hms_micro_opt(h, mi, s, micro)
            .unwrap()
    }

    #[test]
    fn datetime_text_is_djangos() {
        let v = ndt(2024, 2, 29, 12, 34, 56, 123_456).to_sql().unwrap();
        assert_eq!(v, Value::Text("2024-02-29 12:34:56.123456".into()));
        let v = ndt(1, 1, 1, 0, 0, 0, 0).to_sql().unwrap();
        assert_eq!(v, Value::Text("0001-01-01 00:00:00".into()));
        let nanos = NaiveDate::from_ymd_opt(2024, 1, 1)
            .unwrap()
            .and_hms_nano_opt(0, 0, 0, 999)
            .unwrap();
        assert_eq!(
            nanos.to_sql().unwrap(),
            Value::Text("2024-01-01 00:00:00".into())
        );
        let aware = FixedOffset::east_opt(-3 * 3600)
            .unwrap()
            .from_local_datetime(&ndt(2023, 12, 31, 22, 0, 0, 0))
            .unwrap();
        assert_eq!(
            aware.to_sql().unwrap(),
            Value::Text("2024-01-01 01:00:00".into())
        );
    }

    #[test]
    fn out_of_django_range_is_refused_on_write() {
        for bad in [ndt(0, 12, 31, 0, 0, 0, 0), ndt(10_000, 1, 1, 0, 0, 0, 0)] {
            assert!(matches!(
                bad.to_sql(),
                Err(ConversionError::OutOfRange { .. })
            ));
            assert!(bad.and_utc().to_sql().is_err());
            assert!(bad.date().to_sql().is_err());
        }
        // UTC falls before year 1.
        let early = FixedOffset::east_opt(3600)
            .unwrap()
            .from_local_datetime(&ndt(1, 1, 1, 0, 0, 0, 0))
            .unwrap();
        assert!(matches!(
            early.to_sql(),
            Err(ConversionError::OutOfRange { .. })
        ));
        let leap = NaiveTime::from_hms_milli_opt(23, 59, 59, 1_500).unwrap();
        assert!(matches!(
            leap.to_sql(),
            Err(ConversionError::OutOfRange { .. })
        ));
    }

    #[test]
    fn offsets_on_read() {
        let t = ValueRef::Text("2024-02-29T12:34:56+02:00");
        let utc = DateTime::<Utc>::from_sql(t).unwrap();
        assert_eq!(utc.naive_utc(), ndt(2024, 2, 29, 10, 34, 56, 0));
        let fixed = DateTime::<FixedOffset>::from_sql(t).unwrap();
        assert_eq!(fixed.offset().local_minus_utc(), 7200);
        assert_eq!(fixed, utc);
        let err = NaiveDateTime::from_sql(t).unwrap_err();
        assert!(is_format_error(&err));
        let naive = ValueRef::Text("2024-02-29 12:34:56");
        assert_eq!(
            DateTime::<FixedOffset>::from_sql(naive)
                .unwrap()
                .offset()
                .local_minus_utc(),
            0
        );
        // Crossing the upper year bound on conversion to UTC still reads.
        let late = DateTime::<Utc>::from_sql(ValueRef::Text("9999-12-31 23:00:00-05:00")).unwrap();
        assert_eq!(late.year(), 10_000);
        assert!(late.to_sql().is_err());
    }

    #[test]
    fn bad_input_is_a_typed_error() {
        assert!(is_format_error(
            &NaiveDate::from_sql(ValueRef::Text("2023-02-29")).unwrap_err()
        ));
        assert!(is_format_error(
            &NaiveDateTime::from_sql(ValueRef::Text("2024-02-30 00:00:00")).unwrap_err()
        ));
        assert!(is_format_error(
            &NaiveTime::from_sql(ValueRef::Text("12:34:60")).unwrap_err()
        ));
        assert!(matches!(
            NaiveDateTime::from_sql(ValueRef::Integer(1_709_210_096)),
            Err(ConversionError::InvalidType { .. })
        ));
        assert!(matches!(
            NaiveDate::from_sql(ValueRef::Null),
            Err(ConversionError::InvalidType { .. })
        ));
        assert_eq!(Option::<NaiveDate>::from_sql(ValueRef::Null).unwrap(), None);
    }

    #[test]
    fn leap_days_round_trip() {
        for d in ["2024-02-29", "2000-02-29", "1600-02-29", "0004-02-29"] {
            let date = NaiveDate::from_sql(ValueRef::Text(d)).unwrap();
            assert_eq!(date.to_sql().unwrap(), Value::Text(d.into()));
        }
        assert!(NaiveDate::from_sql(ValueRef::Text("1900-02-29")).is_err());
    }

    #[test]
    fn durations_are_microseconds() {
        let d = TimeDelta::microseconds(-1);
        assert_eq!(d.to_sql().unwrap(), Value::Integer(-1));
        assert_eq!(
            TimeDelta::nanoseconds(-1_999).to_sql().unwrap(),
            Value::Integer(-1)
        );
        assert_eq!(
            TimeDelta::nanoseconds(1_999).to_sql().unwrap(),
            Value::Integer(1)
        );
        assert!(matches!(
            TimeDelta::MAX.to_sql(),
            Err(ConversionError::OutOfRange { .. })
        ));
        assert_eq!(
            TimeDelta::from_sql(ValueRef::Integer(i64::MIN)).unwrap(),
            TimeDelta::microseconds(i64::MIN)
        );
        assert_eq!(
            TimeDelta::from_sql(ValueRef::Real(2.5)).unwrap(),
            TimeDelta::microseconds(2)
        );
        assert_eq!(
            TimeDelta::from_sql(ValueRef::Real(-1.5)).unwrap(),
            TimeDelta::microseconds(-2)
        );
        for bad in [f64::NAN, f64::INFINITY, 9.3e18, -9.3e18] {
            assert!(matches!(
                TimeDelta::from_sql(ValueRef::Real(bad)),
                Err(ConversionError::OutOfRange { .. })
            ));
        }
        assert!(matches!(
            TimeDelta::from_sql(ValueRef::Text("1 day")),
            Err(ConversionError::InvalidType { .. })
        ));
    }
}
