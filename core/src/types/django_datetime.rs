//! Django's date, time and datetime text on SQLite: the reader (the forms
//! Django's `parse_date` / `parse_time` / `parse_datetime` accept, see the
//! module docs of [`types`](super)) and the writer (`str()` of Python's
//! `date`, `time` and naive `datetime`). Shared by the `chrono` and `time`
//! integrations, which only map these plain fields to their types.

use std::fmt::Write as _;

use crate::error::ConversionError;
use crate::value::ValueRef;

/// A calendar date as written; the day is not yet checked against the month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DateFields {
    pub(crate) year: i32,
    pub(crate) month: u8,
    pub(crate) day: u8,
}

/// A time of day, microsecond precision (held in nanoseconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct TimeFields {
    pub(crate) hour: u8,
    pub(crate) minute: u8,
    pub(crate) second: u8,
    pub(crate) nanosecond: u32,
}

/// A datetime as written, with its UTC offset in seconds if it had one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DateTimeFields {
    pub(crate) date: DateFields,
    pub(crate) time: TimeFields,
    pub(crate) offset_seconds: Option<i32>,
}

/// The years Python's `datetime` (and so Django) can hold.
pub(crate) const YEARS: std::ops::RangeInclusive<i32> = 1..=9999;

/// A byte cursor over ASCII syntax; any non-ASCII byte simply fails to match.
struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn new(s: &'a str) -> Self {
        Cursor {
            bytes: s.as_bytes(),
            pos: 0,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn at_end(&self) -> bool {
        self.pos == self.bytes.len()
    }

    fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, b: u8, reason: &'static str) -> Result<(), &'static str> {
        if self.eat(b) { Ok(()) } else { Err(reason) }
    }

    /// Between `min` and `max` ASCII digits as a number.
    fn digits(&mut self, min: usize, max: usize, what: &'static str) -> Result<u32, &'static str> {
        let start = self.pos;
        let mut value: u32 = 0;
        while self.pos - start < max {
            match self.peek() {
                Some(b @ b'0'..=b'9') => {
                    value = value * 10 + u32::from(b - b'0');
                    self.pos += 1;
                }
                _ => break,
            }
        }
        if self.pos - start < min {
            return Err(what);
        }
        Ok(value)
    }
}

fn small(v: u32) -> u8 {
    // Callers read at most two digits, so the value is below 100.
    u8::try_from(v).unwrap_or(u8::MAX)
}

fn date_part(c: &mut Cursor<'_>) -> Result<DateFields, &'static str> {
    let year = c.digits(4, 4, "expected a four-digit year")?;
    c.expect(b'-', "expected '-' after the year")?;
    let month = c.digits(1, 2, "expected a month")?;
    c.expect(b'-', "expected '-' after the month")?;
    let day = c.digits(1, 2, "expected a day")?;
    let year = i32::try_from(year).map_err(|_| "year out of range")?;
    if !YEARS.contains(&year) {
        return Err("year out of range 0001..=9999");
    }
    if !(1..=12).contains(&month) {
        return Err("month out of range 1..=12");
    }
    if !(1..=31).contains(&day) {
        return Err("day out of range 1..=31");
    }
    Ok(DateFields {
        year,
        month: small(month),
        day: small(day),
    })
}

fn time_part(c: &mut Cursor<'_>) -> Result<TimeFields, &'static str> {
    let hour = c.digits(1, 2, "expected an hour")?;
    c.expect(b':', "expected ':' after the hour")?;
    let minute = c.digits(1, 2, "expected minutes")?;
    let mut second = 0;
    let mut nanosecond = 0;
    if c.eat(b':') {
        second = c.digits(1, 2, "expected seconds")?;
        if c.eat(b'.') || c.eat(b',') {
            // Microseconds, as Django keeps: digits past the sixth are ignored.
            let start = c.pos;
            let mut scale = 100_000_000;
            while let Some(b @ b'0'..=b'9') = c.peek() {
                if scale >= 1_000 {
                    nanosecond += u32::from(b - b'0') * scale;
                    scale /= 10;
                }
                c.pos += 1;
            }
            if c.pos == start {
                return Err("expected digits after the decimal separator");
            }
        }
    }
    if hour > 23 {
        return Err("hour out of range 0..=23");
    }
    if minute > 59 {
        return Err("minute out of range 0..=59");
    }
    if second > 59 {
        return Err("second out of range 0..=59 (no leap seconds)");
    }
    Ok(TimeFields {
        hour: small(hour),
        minute: small(minute),
        second: small(second),
        nanosecond,
    })
}

/// `Z`, `±HH`, `±HHMM`, `±HH:MM`, `±HH:MM:SS`, in seconds east of UTC.
fn offset_part(c: &mut Cursor<'_>) -> Result<i32, &'static str> {
    if c.eat(b'Z') {
        return Ok(0);
    }
    let sign = if c.eat(b'+') {
        1
    } else if c.eat(b'-') {
        -1
    } else {
        return Err("unexpected text after the time");
    };
    let hours = c.digits(2, 2, "expected two-digit offset hours")?;
    let mut minutes = 0;
    let mut seconds = 0;
    if c.eat(b':') {
        minutes = c.digits(2, 2, "expected two-digit offset minutes")?;
        if c.eat(b':') {
            seconds = c.digits(2, 2, "expected two-digit offset seconds")?;
        }
    } else if matches!(c.peek(), Some(b'0'..=b'9')) {
        minutes = c.digits(2, 2, "expected two-digit offset minutes")?;
    }
    if hours > 23 || minutes > 59 || seconds > 59 {
        return Err("UTC offset out of range (less than 24 hours)");
    }
    let total = i32::try_from(hours * 3600 + minutes * 60 + seconds).unwrap_or(i32::MAX);
    Ok(sign * total)
}

/// A date as Django reads a `DateField`.
pub(crate) fn parse_date(s: &str) -> Result<DateFields, &'static str> {
    let mut c = Cursor::new(s);
    let date = date_part(&mut c)?;
    if !c.at_end() {
        return Err("unexpected text after the date");
    }
    Ok(date)
}

/// A time as Django reads a `TimeField`; an offset is parsed and returned so
/// that the caller can ignore it as Django does.
pub(crate) fn parse_time(s: &str) -> Result<(TimeFields, Option<i32>), &'static str> {
    let mut c = Cursor::new(s);
    let time = time_part(&mut c)?;
    let offset = if c.at_end() {
        None
    } else {
        Some(offset_part(&mut c)?)
    };
    if !c.at_end() {
        return Err("unexpected text after the offset");
    }
    Ok((time, offset))
}

/// A datetime as Django reads a `DateTimeField`.
pub(crate) fn parse_datetime(s: &str) -> Result<DateTimeFields, &'static str> {
    let mut c = Cursor::new(s);
    let date = date_part(&mut c)?;
    if c.at_end() {
        return Ok(DateTimeFields {
            date,
            time: TimeFields::default(),
            offset_seconds: None,
        });
    }
    if !(c.eat(b' ') || c.eat(b'T') || c.eat(b't')) {
        return Err("expected 'T' or a space between date and time");
    }
    let time = time_part(&mut c)?;
    while c.peek().is_some_and(|b| b.is_ascii_whitespace()) {
        c.pos += 1;
    }
    let offset_seconds = if c.at_end() {
        None
    } else {
        Some(offset_part(&mut c)?)
    };
    if !c.at_end() {
        return Err("unexpected text after the offset");
    }
    Ok(DateTimeFields {
        date,
        time,
        offset_seconds,
    })
}

/// Check a year a Rust value holds before writing it.
pub(crate) fn check_year(year: i32, target: &'static str) -> Result<(), ConversionError> {
    if YEARS.contains(&year) {
        Ok(())
    } else {
        Err(ConversionError::OutOfRange {
            value: format!("year {year}"),
            target,
        })
    }
}

#[cfg(feature = "chrono")]
/// Refuse a chrono leap second (`nanosecond >= 1e9`), which Python cannot hold.
pub(crate) fn check_not_leap_second(
    nanosecond: u32,
    target: &'static str,
) -> Result<(), ConversionError> {
    if nanosecond >= 1_000_000_000 {
        Err(ConversionError::OutOfRange {
            value: "a leap second (:60)".to_owned(),
            target,
        })
    } else {
        Ok(())
    }
}

/// `YYYY-MM-DD`, as Python's `str(date)`. The caller checked the year.
pub(crate) fn write_date(out: &mut String, year: i32, month: u8, day: u8) {
    let _ = write!(out, "{year:04}-{month:02}-{day:02}");
}

/// `HH:MM:SS` or `HH:MM:SS.ffffff` (when the microseconds are not zero), as
/// Python's `str(time)`; sub-microsecond digits are dropped.
pub(crate) fn write_time(out: &mut String, hour: u8, minute: u8, second: u8, nanosecond: u32) {
    let _ = write!(out, "{hour:02}:{minute:02}:{second:02}");
    let micro = nanosecond / 1000;
    if micro != 0 {
        let _ = write!(out, ".{micro:06}");
    }
}

/// Microseconds from an INTEGER, or a REAL rounded half to even.
pub(crate) fn duration_micros(
    value: ValueRef<'_>,
    target: &'static str,
) -> Result<i64, ConversionError> {
    match value {
        ValueRef::Integer(i) => Ok(i),
        ValueRef::Real(r) => {
            let rounded = r.round_ties_even();
            // i64::MIN is exactly representable; i64::MAX rounds up to 2^63.
            if rounded.is_finite()
                && rounded >= i64::MIN as f64
                && rounded < 9.223_372_036_854_776e18
            {
                Ok(rounded as i64)
            } else {
                Err(ConversionError::OutOfRange {
                    value: r.to_string(),
                    target,
                })
            }
        }
        v => Err(ConversionError::InvalidType {
            expected: "INTEGER (Django duration microseconds)",
            found: v.value_type(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dt(s: &str) -> DateTimeFields {
        parse_datetime(s).unwrap_or_else(|e| panic!("{s:?}: {e}"))
    }

    #[test]
    fn canonical_and_relaxed_datetimes() {
        let d = dt("2024-02-29 12:34:56.123456");
        assert_eq!((d.date.year, d.date.month, d.date.day), (2024, 2, 29));
        assert_eq!(
            (d.time.hour, d.time.minute, d.time.second, d.time.nanosecond),
            (12, 34, 56, 123_456_000)
        );
        assert_eq!(d.offset_seconds, None);
        assert_eq!(dt("2024-2-9t1:2").time.minute, 2);
        assert_eq!(dt("2024-02-29T00:00:00,5").time.nanosecond, 500_000_000);
        assert_eq!(
            dt("2024-02-29 00:00:00.1234567891234").time.nanosecond,
            123_456_000
        );
        assert_eq!(dt("2024-02-29").time, TimeFields::default());
        assert_eq!(dt("2024-02-29 00:00:00Z").offset_seconds, Some(0));
        assert_eq!(dt("2024-02-29 00:00 \t-0530").offset_seconds, Some(-19800));
        assert_eq!(dt("2024-02-29 00:00+01").offset_seconds, Some(3600));
        assert_eq!(
            dt("2024-02-29 00:00:00+05:30:15").offset_seconds,
            Some(19815)
        );
        assert_eq!(dt("2024-02-29 00:00:00 ").offset_seconds, None);
    }

    #[test]
    fn rejects_what_django_rejects() {
        for bad in [
            "",
            " 2024-02-29 00:00:00",
            "24-02-29 00:00:00",
            "20240229T000000",
            "2024-02-29X00:00:00",
            "2024-02-29 ",
            "2024-13-01 00:00:00",
            "2024-00-01 00:00:00",
            "2024-01-32 00:00:00",
            "0000-01-01 00:00:00",
            "2024-02-29 24:00:00",
            "2024-02-29 12:60:00",
            "2024-02-29 12:00:60",
            "2024-02-29 12:00:00.",
            "2024-02-29 12:00:00+24:00",
            "2024-02-29 12:00:00+2",
            "2024-02-29 12:00:00+02:00x",
            "2024-02-29 12:00:00 x",
            "2024-02-29 123:00:00",
            "２０２４-02-29",
            "2024-02-29 12:00:00.١",
        ] {
            assert!(parse_datetime(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn dates_and_times() {
        assert_eq!(
            parse_date("0001-1-1").unwrap(),
            DateFields {
                year: 1,
                month: 1,
                day: 1
            }
        );
        assert!(parse_date("2024-02-29 00:00:00").is_err());
        assert!(parse_date("2024-02-29T").is_err());
        let (t, off) = parse_time("23:59:59.999999+02:00").unwrap();
        assert_eq!((t.hour, t.nanosecond, off), (23, 999_999_000, Some(7200)));
        assert_eq!(parse_time("1:2").unwrap().0.minute, 2);
        assert!(parse_time("12:34:56 ").is_err());
        assert!(parse_time("12").is_err());
        assert!(parse_time("1234").is_err());
    }

    #[test]
    fn writer_matches_python_str() {
        let mut s = String::new();
        write_date(&mut s, 1, 2, 3);
        s.push(' ');
        write_time(&mut s, 4, 5, 6, 999);
        assert_eq!(s, "0001-02-03 04:05:06");
        s.clear();
        write_time(&mut s, 23, 59, 59, 120_000_000);
        assert_eq!(s, "23:59:59.120000");
        s.clear();
        write_time(&mut s, 0, 0, 0, 1_000);
        assert_eq!(s, "00:00:00.000001");
        assert!(check_year(0, "t").is_err());
        assert!(check_year(10_000, "t").is_err());
        assert!(check_year(9999, "t").is_ok());
        #[cfg(feature = "chrono")]
        assert!(check_not_leap_second(1_000_000_000, "t").is_err());
    }
}
