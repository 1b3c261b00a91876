//! `time` types in Django's storage formats (feature `time`); the formats are
//! described in [`types`](super).

use time::{
    Date, Duration, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcDateTime, UtcOffset,
};

use super::InvalidFormat;
use super::django_datetime::{self as dj, DateFields, DateTimeFields, TimeFields};
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

fn write_date(out: &mut String, d: Date, target: &'static str) -> Result<(), ConversionError> {
    dj::check_year(d.year(), target)?;
    dj::write_date(out, d.year(), u8::from(d.month()), d.day());
    Ok(())
}

fn write_time(out: &mut String, t: Time) {
    let (h, m, s, ns) = t.as_hms_nano();
    dj::write_time(out, h, m, s, ns);
}

fn primitive_text(dt: PrimitiveDateTime, target: &'static str) -> Result<Value, ConversionError> {
    let mut out = String::with_capacity(26);
    write_date(&mut out, dt.date(), target)?;
    out.push(' ');
    write_time(&mut out, dt.time());
    Ok(Value::Text(out))
}

fn make_date(input: &str, d: DateFields, target: &'static str) -> Result<Date, ConversionError> {
    let month = Month::try_from(d.month)
        .map_err(|_| InvalidFormat::error(target, input, "month out of range"))?;
    Date::from_calendar_date(d.year, month, d.day)
        .map_err(|_| InvalidFormat::error(target, input, "no such day in that month"))
}

fn make_time(input: &str, t: TimeFields, target: &'static str) -> Result<Time, ConversionError> {
    Time::from_hms_nano(t.hour, t.minute, t.second, t.nanosecond)
        .map_err(|_| InvalidFormat::error(target, input, "no such time of day"))
}

fn read_datetime<'a>(
    value: ValueRef<'a>,
    target: &'static str,
) -> Result<(&'a str, PrimitiveDateTime, Option<UtcOffset>), ConversionError> {
    let s = text(value, "TEXT (a Django datetime)")?;
    let DateTimeFields {
        date,
        time,
        offset_seconds,
    } = dj::parse_datetime(s).map_err(|reason| InvalidFormat::error(target, s, reason))?;
    let naive = PrimitiveDateTime::new(make_date(s, date, target)?, make_time(s, time, target)?);
    let offset = match offset_seconds {
        None => None,
        Some(secs) => Some(
            UtcOffset::from_whole_seconds(secs)
                .map_err(|_| InvalidFormat::error(target, s, "UTC offset out of range"))?,
        ),
    };
    Ok((s, naive, offset))
}

// ---- DateField ------------------------------------------------------------

impl ToSql for Date {
    fn to_sql(&self) -> Result<Value, ConversionError> {
        let mut out = String::with_capacity(10);
        write_date(&mut out, *self, "time::Date (Django years 1..=9999)")?;
        Ok(Value::Text(out))
    }
}

impl FromSql for Date {
    fn from_sql(value: ValueRef<'_>) -> Result<Self, ConversionError> {
        const TARGET: &str = "time::Date";
        let s = text(value, "TEXT (a Django date)")?;
        let d = dj::parse_date(s).map_err(|reason| InvalidFormat::error(TARGET, s, reason))?;
        make_date(s, d, TARGET)
    }
}

// ---- TimeField ------------------------------------------------------------

impl ToSql for Time {
    fn to_sql(&self) -> Result<Value, ConversionError> {
        let mut out = String::with_capacity(15);
        write_time(&mut out, *self);
        Ok(Value::Text(out))
    }
}

impl FromSql for Time {
    fn from_sql(value: ValueRef<'_>) -> Result<Self, ConversionError> {
        const TARGET: &str = "time::Time";
        let s = text(value, "TEXT (a Django time)")?;
        // An offset is ignored, as Django's parse_time does.
        let (t, _offset) =
            dj::parse_time(s).map_err(|reason| InvalidFormat::error(TARGET, s, reason))?;
        make_time(s, t, TARGET)
    }
}

// ---- DateTimeField --------------------------------------------------------

impl ToSql for PrimitiveDateTime {
    fn to_sql(&self) -> Result<Value, ConversionError> {
        primitive_text(*self, "time::PrimitiveDateTime (Django years 1..=9999)")
    }
}

impl FromSql for PrimitiveDateTime {
    fn from_sql(value: ValueRef<'_>) -> Result<Self, ConversionError> {
        const TARGET: &str = "time::PrimitiveDateTime";
        match read_datetime(value, TARGET)? {
            (_, naive, None) => Ok(naive),
            (s, _, Some(_)) => Err(InvalidFormat::error(
                TARGET,
                s,
                "the text has a UTC offset: read it as OffsetDateTime or UtcDateTime",
            )),
        }
    }
}

fn utc_text(utc: UtcDateTime, target: &'static str) -> Result<Value, ConversionError> {
    primitive_text(PrimitiveDateTime::new(utc.date(), utc.time()), target)
}

impl ToSql for OffsetDateTime {
    fn to_sql(&self) -> Result<Value, ConversionError> {
        const TARGET: &str = "time::OffsetDateTime (UTC in Django years 1..=9999)";
        let utc = self
            .checked_to_utc()
            .ok_or_else(|| ConversionError::OutOfRange {
                value: self.to_string(),
                target: TARGET,
            })?;
        utc_text(utc, TARGET)
    }
}

impl FromSql for OffsetDateTime {
    fn from_sql(value: ValueRef<'_>) -> Result<Self, ConversionError> {
        let (_, naive, offset) = read_datetime(value, "time::OffsetDateTime")?;
        Ok(naive.assume_offset(offset.unwrap_or(UtcOffset::UTC)))
    }
}

impl ToSql for UtcDateTime {
    fn to_sql(&self) -> Result<Value, ConversionError> {
        utc_text(*self, "time::UtcDateTime (Django years 1..=9999)")
    }
}

impl FromSql for UtcDateTime {
    fn from_sql(value: ValueRef<'_>) -> Result<Self, ConversionError> {
        const TARGET: &str = "time::UtcDateTime";
        let (s, naive, offset) = read_datetime(value, TARGET)?;
        match offset {
            None => Ok(naive.as_utc()),
            Some(off) => naive.assume_offset(off).checked_to_utc().ok_or_else(|| {
                InvalidFormat::error(TARGET, s, "the UTC time is out of time's year range")
            }),
        }
    }
}

// ---- DurationField --------------------------------------------------------

impl ToSql for Duration {
    fn to_sql(&self) -> Result<Value, ConversionError> {
        // whole_microseconds truncates toward zero.
        i64::try_from(self.whole_microseconds())
            .map(Value::Integer)
            .map_err(|_| ConversionError::OutOfRange {
                value: self.to_string(),
                target: "i64 microseconds (Django DurationField)",
            })
    }
}

impl FromSql for Duration {
    fn from_sql(value: ValueRef<'_>) -> Result<Self, ConversionError> {
        dj::duration_micros(value, "time::Duration").map(Duration::microseconds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_format_error(e: &ConversionError) -> bool {
        matches!(e, ConversionError::Other(inner) if inner.downcast_ref::<InvalidFormat>().is_some())
    }

    fn pdt(y: i32, mo: u8, d: u8, h: u8, mi: u8, s: u8, micro: u32) -> PrimitiveDateTime {
        PrimitiveDateTime::new(
            Date::from_calendar_date(y, Month::try_from(mo).unwrap(), d).unwrap(),
            Time::from_hms_micro(h, mi, s, micro).unwrap(),
        )
    }

    #[test]
    fn datetime_text_is_djangos() {
        assert_eq!(
            pdt(2024, 2, 29, 12, 34, 56, 123_456).to_sql().unwrap(),
            Value::Text("2024-02-29 12:34:56.123456".into())
        );
        let aware = pdt(2024, 6, 30, 23, 30, 0, 500_000)
            .assume_offset(UtcOffset::from_hms(5, 30, 0).unwrap());
        assert_eq!(
            aware.to_sql().unwrap(),
            Value::Text("2024-06-30 18:00:00.500000".into())
        );
        assert_eq!(
            aware.to_utc().to_sql().unwrap(),
            Value::Text("2024-06-30 18:00:00.500000".into())
        );
        assert_eq!(
            Time::from_hms_nano(1, 2, 3, 999).unwrap().to_sql().unwrap(),
            Value::Text("01:02:03".into())
        );
    }

    #[test]
    fn out_of_django_range_is_refused_on_write() {
        for bad in [pdt(0, 12, 31, 0, 0, 0, 0), pdt(-5, 1, 1, 0, 0, 0, 0)] {
            assert!(matches!(
                bad.to_sql(),
                Err(ConversionError::OutOfRange { .. })
            ));
            assert!(bad.date().to_sql().is_err());
            assert!(bad.assume_utc().to_sql().is_err());
        }
        let early = pdt(1, 1, 1, 0, 0, 0, 0).assume_offset(UtcOffset::from_hms(1, 0, 0).unwrap());
        assert!(matches!(
            early.to_sql(),
            Err(ConversionError::OutOfRange { .. })
        ));
    }

    #[test]
    fn offsets_on_read() {
        let t = ValueRef::Text("2024-02-29T12:34:56-05");
        let odt = OffsetDateTime::from_sql(t).unwrap();
        assert_eq!(odt.offset().whole_seconds(), -18_000);
        assert_eq!(odt.to_utc(), UtcDateTime::from_sql(t).unwrap());
        assert!(is_format_error(
            &PrimitiveDateTime::from_sql(t).unwrap_err()
        ));
        let naive = OffsetDateTime::from_sql(ValueRef::Text("2024-02-29 12:34:56")).unwrap();
        assert_eq!(naive.offset(), UtcOffset::UTC);
        // UTC past 9999 cannot be held by time without `large-dates`.
        assert!(is_format_error(
            &UtcDateTime::from_sql(ValueRef::Text("9999-12-31 23:00:00-05:00")).unwrap_err()
        ));
        let late = OffsetDateTime::from_sql(ValueRef::Text("9999-12-31 23:00:00-05:00")).unwrap();
        assert!(matches!(
            late.to_sql(),
            Err(ConversionError::OutOfRange { .. })
        ));
    }

    #[test]
    fn bad_input_is_a_typed_error() {
        assert!(is_format_error(
            &Date::from_sql(ValueRef::Text("2023-02-29")).unwrap_err()
        ));
        assert!(is_format_error(
            &Time::from_sql(ValueRef::Text("24:00:00")).unwrap_err()
        ));
        assert!(matches!(
            Date::from_sql(ValueRef::Integer(20_240_229)),
            Err(ConversionError::InvalidType { .. })
        ));
        assert!(matches!(
            Time::from_sql(ValueRef::Blob(b"12:00")),
            Err(ConversionError::InvalidType { .. })
        ));
    }

    #[test]
    fn durations_are_microseconds() {
        assert_eq!(
            Duration::nanoseconds(-1_999).to_sql().unwrap(),
            Value::Integer(-1)
        );
        assert_eq!(
            Duration::new(-86_401, 0).to_sql().unwrap(),
            Value::Integer(-86_401_000_000)
        );
        assert!(matches!(
            Duration::MAX.to_sql(),
            Err(ConversionError::OutOfRange { .. })
        ));
        assert_eq!(
            Duration::from_sql(ValueRef::Integer(i64::MAX)).unwrap(),
            Duration::microseconds(i64::MAX)
        );
        assert_eq!(
            Duration::from_sql(ValueRef::Real(1.5)).unwrap(),
            Duration::microseconds(2)
        );
    }
}
