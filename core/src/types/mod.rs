//! Conversions for well-known crates, in the storage formats Django's SQLite
//! backend writes, so a Rust service and a Django app (5.1 and 5.2) read each
//! other's rows. Each integration is behind a Cargo feature of the same name
//! (on `sqlport-core` and on the `sqlport` facade); the crates themselves are
//! re-exported here (`types::chrono`, `types::time`, ...) so that an
//! application can name exactly the version sqlport was built with.
//!
//! | feature | Rust types | Django field | stored as (SQLite) |
//! |---|---|---|---|
//! | `chrono` | `NaiveDateTime`, `DateTime<Utc>`, `DateTime<FixedOffset>` | `DateTimeField` | TEXT `YYYY-MM-DD HH:MM:SS[.ffffff]` |
//! | `chrono` | `NaiveDate` | `DateField` | TEXT `YYYY-MM-DD` |
//! | `chrono` | `NaiveTime` | `TimeField` | TEXT `HH:MM:SS[.ffffff]` |
//! | `chrono` | `TimeDelta` | `DurationField` | INTEGER microseconds |
//! | `time` | `PrimitiveDateTime`, `OffsetDateTime`, `UtcDateTime` | `DateTimeField` | as above |
//! | `time` | `Date`, `Time`, `Duration` | `DateField`, `TimeField`, `DurationField` | as above |
//! | `uuid` | `Uuid` | `UUIDField` | TEXT, 32 lowercase hex digits, no hyphens |
//! | `json` | `serde_json::Value`, `Json<T>` | `JSONField` | TEXT, `json.dumps` format |
//! | `rust_decimal` | `Decimal` | `DecimalField` | TEXT bound, stored by NUMERIC affinity as INTEGER or REAL |
//!
//! Writing ([`ToSql`](crate::ToSql)) produces exactly the parameter Django
//! binds; reading ([`FromSql`](crate::FromSql)) accepts everything Django
//! writes and the ISO 8601 forms Django itself reads. Anything else is a
//! [`ConversionError`](crate::ConversionError), never a panic:
//! [`InvalidType`](crate::ConversionError::InvalidType) for the wrong storage
//! class (and `NULL`: read `Option<T>`),
//! [`OutOfRange`](crate::ConversionError::OutOfRange) for a value the other
//! side cannot hold, and [`Other`](crate::ConversionError::Other) carrying an
//! [`InvalidFormat`] for text that does not parse.
//!
//! ## Dates and times (`chrono`, `time`)
//!
//! Django writes `str(value)`: `2024-02-29 12:34:56.123456`, with a space, no
//! offset, and the fraction only when the microseconds are not zero (then
//! always six digits). Dates are `2024-02-29`, times `12:34:56[.ffffff]`.
//! Years are 0001 to 9999 (Python's range): writing a date outside it is
//! `OutOfRange`. Django keeps microseconds: writing truncates any
//! sub-microsecond part (as `datetime` would), and a chrono leap second
//! (`:60`) is `OutOfRange`.
//!
//! Time zones: with `USE_TZ = True` (Django's default) Django converts aware
//! datetimes to the connection's time zone — UTC unless the database's
//! `TIME_ZONE` option says otherwise — and stores naive text. So
//! `DateTime<Utc>`, `DateTime<FixedOffset>` and `OffsetDateTime` are written as
//! UTC naive text (the offset itself is not kept, as in Django), and naive text
//! is read back into them as UTC. With `USE_TZ = False` Django stores naive
//! local times: use `NaiveDateTime` / `PrimitiveDateTime`. `time::UtcDateTime`
//! is written and read like `DateTime<Utc>`. chrono's `DateTime<Local>` has no
//! conversion (sqlport builds chrono without its clock): convert it with
//! `.with_timezone(&Utc)` or `.fixed_offset()`.
//!
//! Reading accepts, as Django's `parse_datetime` does: `T`, `t` or a space
//! between date and time; one- or two-digit month, day, hour, minute and
//! second; seconds omitted; a fraction after `.` or `,` of any length
//! (microseconds kept, further digits ignored, as Django does);
//! an offset `Z`, `±HH`, `±HHMM`, `±HH:MM` or `±HH:MM:SS`, optionally after
//! whitespace; and a date alone as midnight. A naive type
//! (`NaiveDateTime`, `PrimitiveDateTime`) refuses text that carries an offset
//! rather than dropping it: read such text as `DateTime<Utc>`,
//! `DateTime<FixedOffset>` or `OffsetDateTime` (which keep the offset read,
//! or `+00:00` for naive text). Times read as Django's `parse_time` does: an
//! offset after a time is ignored. Not accepted although Python 3.11+ reads
//! them: ISO basic forms (`20240229T123456`), week dates (`2024-W09-4`) and
//! hour-only times.
//!
//! ## Durations
//!
//! `DurationField` on SQLite is a `bigint` of microseconds (Django's
//! `duration_microseconds`). `TimeDelta` and `time::Duration` are written as
//! that INTEGER, truncating any sub-microsecond part toward zero; one that does not fit
//! `i64` microseconds (about ±292,000 years) is `OutOfRange`. Reading takes an
//! INTEGER, or a REAL (what an aggregate may return) rounded to the nearest
//! microsecond, ties to even, as Python's `timedelta` does.
//!
//! ## UUIDs (`uuid`)
//!
//! `UUIDField` is `char(32)` on SQLite and Django writes `uuid.hex`: 32
//! lowercase hex digits. Reading also accepts the hyphenated, braced and
//! `urn:uuid:` forms in either case, and a 16-byte BLOB (which Django itself
//! cannot read).
//!
//! ## JSON (`json`)
//!
//! Django writes `json.dumps(value)` with Python's defaults: `", "` and `": "`
//! separators, every character outside printable ASCII escaped as `\uXXXX`
//! (surrogate pairs beyond the BMP), floats as Python's `repr` (`1e+16`,
//! `1e-05`, `1.0`). `serde_json::Value` and `Json<T>` are written byte for
//! byte the same. Object keys are written in the order the
//! map holds them: `serde_json` sorts keys unless its `preserve_order` feature
//! is enabled, so a value read from Django and written back keeps Django's
//! bytes only with that feature (the JSON is equal either way). A JSON `null`
//! is the text `null`; SQL `NULL` is `Option::None`. Reading parses TEXT, and
//! takes an INTEGER or REAL as a JSON number (SQLite's `->>` and
//! `json_extract` return those).
//!
//! ## Decimals (`rust_decimal`)
//!
//! Django binds a `DecimalField` value as text (5.1: formatted to the field's
//! `decimal_places`, `"12.50"`; 5.2: `str(Decimal)`, `"12.5"`), but the column's
//! declared type `decimal` has NUMERIC affinity, so SQLite stores an INTEGER
//! when the value is integral (`12`) and otherwise a REAL (`12.5`): only about
//! 15 significant digits survive, whoever writes. `Decimal` is written as its
//! plain text with its own scale (`rescale` it to the
//! field's `decimal_places` to bind Django 5.1's exact text). Reading takes an
//! INTEGER exactly, a REAL rounded to 15 significant digits as Django does
//! (so `0.1` reads as `0.1`, not `0.1000000000000000055…`), and TEXT (a value
//! SQLite kept as text) exactly; the trailing zeros of the field's scale are
//! not restored (`Decimal` equality ignores them). Django also re-rounds
//! INTEGERs to 15 digits, so for integral values beyond 15 digits, already
//! rounded by SQLite on the way in, Rust reads the stored integer and Django
//! a value rounded further.

use std::fmt;

#[cfg(any(feature = "chrono", feature = "time"))]
mod django_datetime;

#[cfg(feature = "chrono")]
mod chrono_conv;
#[cfg(feature = "rust_decimal")]
mod decimal_conv;
#[cfg(feature = "json")]
mod json_conv;
#[cfg(feature = "time")]
mod time_conv;
#[cfg(feature = "uuid")]
mod uuid_conv;

#[cfg(all(
    test,
    any(
        feature = "chrono",
        feature = "time",
        feature = "uuid",
        feature = "json",
        feature = "rust_decimal"
    )
))]
mod properties;

#[cfg(feature = "json")]
pub use json_conv::Json;

/// The `chrono` crate sqlport was built with (feature `chrono`).
#[cfg(feature = "chrono")]
pub use ::chrono;
/// The `rust_decimal` crate sqlport was built with (feature `rust_decimal`).
#[cfg(feature = "rust_decimal")]
pub use ::rust_decimal;
/// The `serde_json` crate sqlport was built with (feature `json`).
#[cfg(feature = "json")]
pub use ::serde_json;
/// The `time` crate sqlport was built with (feature `time`).
#[cfg(feature = "time")]
pub use ::time;
/// The `uuid` crate sqlport was built with (feature `uuid`).
#[cfg(feature = "uuid")]
pub use ::uuid;

/// Text that holds no value of the Rust type in any accepted form. Carried
/// by [`ConversionError::Other`](crate::ConversionError::Other);
/// find it with `downcast_ref::<InvalidFormat>()`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidFormat {
    /// The Rust type being read, e.g. `"chrono::NaiveDateTime"`.
    pub target: &'static str,
    /// The input, shortened to at most 64 characters.
    pub input: String,
    /// What is wrong with it.
    pub reason: String,
}

impl fmt::Display for InvalidFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot read {} from {:?}: {}",
            self.target, self.input, self.reason
        )
    }
}

impl std::error::Error for InvalidFormat {}

#[allow(dead_code)] // unused when no integration feature is enabled
impl InvalidFormat {
    const MAX_INPUT_CHARS: usize = 64;

    /// A `ConversionError` for `input` that is not a `target`.
    pub(crate) fn error(
        target: &'static str,
        input: &str,
        reason: impl Into<String>,
    ) -> crate::ConversionError {
        let mut shown: String = input.chars().take(Self::MAX_INPUT_CHARS).collect();
        if shown.len() < input.len() {
            shown.push('…');
        }
        crate::ConversionError::Other(Box::new(InvalidFormat {
            target,
            input: shown,
            reason: reason.into(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_format_shortens_long_input_at_a_char_boundary() {
        let long = "é".repeat(100);
        let err = InvalidFormat::error("T", &long, "why");
        let crate::ConversionError::Other(inner) = err else {
            panic!("expected Other");
        };
        let f = inner.downcast_ref::<InvalidFormat>().unwrap();
        assert_eq!(f.input.chars().count(), InvalidFormat::MAX_INPUT_CHARS + 1);
        assert!(f.input.ends_with('…'));
        assert_eq!(f.target, "T");
        assert!(f.to_string().contains("why"));
    }
}
