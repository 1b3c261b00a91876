//! Conversions between Rust types and SQLite values: [`ToSql`] and [`FromSql`].
//!
//! Both traits are open: implement them for your own types.
//!
//! Policy, the same on every transport:
//! - Integers of every width convert both ways; a value that does not fit the
//!   target is [`ConversionError::OutOfRange`], never truncated. `u64` (and
//!   `usize`) above `i64::MAX` cannot be bound: store such numbers as text or real.
//! - `f32`/`f64` bind only when finite ([`ConversionError::NonFinite`] otherwise;
//!   SQLite would turn NaN into NULL and a Hrana server rejects the request).
//!   Reading an `INTEGER` as `f64` is allowed (`i64 as f64`).
//! - `bool` is stored as `0`/`1` and read from any integer (non-zero is `true`).
//! - `String` reads `TEXT` only; `Vec<u8>` reads `BLOB` or the bytes of `TEXT`.
//! - `NULL` reads into `Option<T>` as `None`; into any other type it is
//!   [`ConversionError::InvalidType`].

use std::borrow::Cow;
use std::rc::Rc;
use std::sync::Arc;

use crate::error::ConversionError;
use crate::value::{Value, ValueRef};

/// A Rust value that can be bound as a statement parameter.
pub trait ToSql {
    /// Convert to an owned SQLite value.
    fn to_sql(&self) -> Result<Value, ConversionError>;

    /// The value to bind, borrowed from `self` where it can be (text and
    /// bytes), so that a transport binding it directly (a prepared statement
    /// on a local connection) copies nothing. The default owns
    /// [`ToSql::to_sql`]'s value; both must give the same SQLite value and
    /// the same errors.
    fn to_sql_output(&self) -> Result<ToSqlOutput<'_>, ConversionError> {
        self.to_sql().map(ToSqlOutput::Owned)
    }
}

/// What [`ToSql::to_sql_output`] gives: a SQLite value borrowed from the Rust
/// value, or owned when it had to be built.
#[derive(Debug, Clone, PartialEq)]
pub enum ToSqlOutput<'a> {
    /// Borrowed from the Rust value.
    Borrowed(ValueRef<'a>),
    /// Built by the conversion.
    Owned(Value),
}

impl ToSqlOutput<'_> {
    /// The value, borrowed.
    pub fn as_value_ref(&self) -> ValueRef<'_> {
        match self {
            ToSqlOutput::Borrowed(v) => *v,
            ToSqlOutput::Owned(v) => v.as_ref(),
        }
    }

    /// The value, owned.
    pub fn into_value(self) -> Value {
        match self {
            ToSqlOutput::Borrowed(v) => v.to_owned_value(),
            ToSqlOutput::Owned(v) => v,
        }
    }
}

/// A borrowed value, refused (as [`ToSql`] for [`Value`] does) when it is a
/// non-finite real.
fn checked(v: ValueRef<'_>) -> Result<ToSqlOutput<'_>, ConversionError> {
    match v {
        ValueRef::Real(r) if !r.is_finite() => Err(ConversionError::NonFinite(r)),
        v => Ok(ToSqlOutput::Borrowed(v)),
    }
}

/// A Rust type that can be read from a SQLite value.
pub trait FromSql: Sized {
    /// Convert from a borrowed SQLite value.
    fn from_sql(value: ValueRef<'_>) -> Result<Self, ConversionError>;
}

fn invalid(expected: &'static str, value: ValueRef<'_>) -> ConversionError {
    ConversionError::InvalidType {
        expected,
        found: value.value_type(),
    }
}

// ---- ToSql ----------------------------------------------------------------

impl ToSql for Value {
    fn to_sql(&self) -> Result<Value, ConversionError> {
        match self {
            Value::Real(r) if !r.is_finite() => Err(ConversionError::NonFinite(*r)),
            v => Ok(v.clone()),
        }
    }

    fn to_sql_output(&self) -> Result<ToSqlOutput<'_>, ConversionError> {
        checked(self.as_ref())
    }
}

impl ToSql for ValueRef<'_> {
    fn to_sql(&self) -> Result<Value, ConversionError> {
        self.to_owned_value().to_sql()
    }

    fn to_sql_output(&self) -> Result<ToSqlOutput<'_>, ConversionError> {
        checked(*self)
    }
}

impl<T: ToSql + ?Sized> ToSql for &T {
    fn to_sql(&self) -> Result<Value, ConversionError> {
        (**self).to_sql()
    }
    fn to_sql_output(&self) -> Result<ToSqlOutput<'_>, ConversionError> {
        (**self).to_sql_output()
    }
}

impl<T: ToSql + ?Sized> ToSql for Box<T> {
    fn to_sql(&self) -> Result<Value, ConversionError> {
        (**self).to_sql()
    }
    fn to_sql_output(&self) -> Result<ToSqlOutput<'_>, ConversionError> {
        (**self).to_sql_output()
    }
}

impl<T: ToSql + ?Sized> ToSql for Rc<T> {
    fn to_sql(&self) -> Result<Value, ConversionError> {
        (**self).to_sql()
    }
    fn to_sql_output(&self) -> Result<ToSqlOutput<'_>, ConversionError> {
        (**self).to_sql_output()
    }
}

impl<T: ToSql + ?Sized> ToSql for Arc<T> {
    fn to_sql(&self) -> Result<Value, ConversionError> {
        (**self).to_sql()
    }
    fn to_sql_output(&self) -> Result<ToSqlOutput<'_>, ConversionError> {
        (**self).to_sql_output()
    }
}

impl<T: ToSql> ToSql for Option<T> {
    fn to_sql(&self) -> Result<Value, ConversionError> {
        match self {
            Some(v) => v.to_sql(),
            None => Ok(Value::Null),
        }
    }
    fn to_sql_output(&self) -> Result<ToSqlOutput<'_>, ConversionError> {
        match self {
            Some(v) => v.to_sql_output(),
            None => Ok(ToSqlOutput::Borrowed(ValueRef::Null)),
        }
    }
}

macro_rules! to_sql_lossless_int {
    ($($t:ty),*) => {$(
        impl ToSql for $t {
            fn to_sql(&self) -> Result<Value, ConversionError> {
                Ok(Value::Integer(i64::from(*self)))
            }
        }
    )*};
}
to_sql_lossless_int!(i8, i16, i32, i64, u8, u16, u32, bool);

macro_rules! to_sql_checked_int {
    ($($t:ty),*) => {$(
        impl ToSql for $t {
            fn to_sql(&self) -> Result<Value, ConversionError> {
                i64::try_from(*self)
                    .map(Value::Integer)
                    .map_err(|_| ConversionError::OutOfRange {
                        value: self.to_string(),
                        target: "i64 (SQLite INTEGER)",
                    })
            }
        }
    )*};
}
to_sql_checked_int!(u64, usize, isize, i128, u128);

impl ToSql for f64 {
    fn to_sql(&self) -> Result<Value, ConversionError> {
        if self.is_finite() {
            Ok(Value::Real(*self))
        } else {
            Err(ConversionError::NonFinite(*self))
        }
    }
}

impl ToSql for f32 {
    fn to_sql(&self) -> Result<Value, ConversionError> {
        f64::from(*self).to_sql()
    }
}

impl ToSql for str {
    fn to_sql(&self) -> Result<Value, ConversionError> {
        Ok(Value::Text(self.to_owned()))
    }
    fn to_sql_output(&self) -> Result<ToSqlOutput<'_>, ConversionError> {
        Ok(ToSqlOutput::Borrowed(ValueRef::Text(self)))
    }
}

impl ToSql for String {
    fn to_sql(&self) -> Result<Value, ConversionError> {
        Ok(Value::Text(self.clone()))
    }
    fn to_sql_output(&self) -> Result<ToSqlOutput<'_>, ConversionError> {
        Ok(ToSqlOutput::Borrowed(ValueRef::Text(self)))
    }
}

impl ToSql for Cow<'_, str> {
    fn to_sql(&self) -> Result<Value, ConversionError> {
        Ok(Value::Text(self.to_string()))
    }
    fn to_sql_output(&self) -> Result<ToSqlOutput<'_>, ConversionError> {
        Ok(ToSqlOutput::Borrowed(ValueRef::Text(self)))
    }
}

impl ToSql for [u8] {
    fn to_sql(&self) -> Result<Value, ConversionError> {
        Ok(Value::Blob(self.to_vec()))
    }
    fn to_sql_output(&self) -> Result<ToSqlOutput<'_>, ConversionError> {
        Ok(ToSqlOutput::Borrowed(ValueRef::Blob(self)))
    }
}

impl<const N: usize> ToSql for [u8; N] {
    fn to_sql(&self) -> Result<Value, ConversionError> {
        Ok(Value::Blob(self.to_vec()))
    }
    fn to_sql_output(&self) -> Result<ToSqlOutput<'_>, ConversionError> {
        Ok(ToSqlOutput::Borrowed(ValueRef::Blob(self)))
    }
}

impl ToSql for Vec<u8> {
    fn to_sql(&self) -> Result<Value, ConversionError> {
        Ok(Value::Blob(self.clone()))
    }
    fn to_sql_output(&self) -> Result<ToSqlOutput<'_>, ConversionError> {
        Ok(ToSqlOutput::Borrowed(ValueRef::Blob(self)))
    }
}

impl ToSql for Cow<'_, [u8]> {
    fn to_sql(&self) -> Result<Value, ConversionError> {
        Ok(Value::Blob(self.to_vec()))
    }
    fn to_sql_output(&self) -> Result<ToSqlOutput<'_>, ConversionError> {
        Ok(ToSqlOutput::Borrowed(ValueRef::Blob(self)))
    }
}

// ---- FromSql --------------------------------------------------------------

impl FromSql for Value {
    fn from_sql(value: ValueRef<'_>) -> Result<Self, ConversionError> {
        Ok(value.to_owned_value())
    }
}

impl<T: FromSql> FromSql for Option<T> {
    fn from_sql(value: ValueRef<'_>) -> Result<Self, ConversionError> {
        match value {
            ValueRef::Null => Ok(None),
            v => T::from_sql(v).map(Some),
        }
    }
}

impl FromSql for i64 {
    fn from_sql(value: ValueRef<'_>) -> Result<Self, ConversionError> {
        match value {
            ValueRef::Integer(i) => Ok(i),
            v => Err(invalid("INTEGER", v)),
        }
    }
}

macro_rules! from_sql_checked_int {
    ($($t:ty),*) => {$(
        impl FromSql for $t {
            fn from_sql(value: ValueRef<'_>) -> Result<Self, ConversionError> {
                let i = i64::from_sql(value)?;
                <$t>::try_from(i).map_err(|_| ConversionError::OutOfRange {
                    value: i.to_string(),
                    target: stringify!($t),
                })
            }
        }
    )*};
}
from_sql_checked_int!(i8, i16, i32, u8, u16, u32, u64, usize, isize, i128, u128);

impl FromSql for bool {
    fn from_sql(value: ValueRef<'_>) -> Result<Self, ConversionError> {
        match value {
            ValueRef::Integer(i) => Ok(i != 0),
            v => Err(invalid("INTEGER (boolean)", v)),
        }
    }
}

impl FromSql for f64 {
    fn from_sql(value: ValueRef<'_>) -> Result<Self, ConversionError> {
        match value {
            ValueRef::Real(r) => Ok(r),
            ValueRef::Integer(i) => Ok(i as f64),
            v => Err(invalid("REAL", v)),
        }
    }
}

impl FromSql for f32 {
    fn from_sql(value: ValueRef<'_>) -> Result<Self, ConversionError> {
        let f = f64::from_sql(value)?;
        if f.is_finite() && (f > f64::from(f32::MAX) || f < f64::from(f32::MIN)) {
            return Err(ConversionError::OutOfRange {
                value: f.to_string(),
                target: "f32",
            });
        }
        Ok(f as f32)
    }
}

impl FromSql for String {
    fn from_sql(value: ValueRef<'_>) -> Result<Self, ConversionError> {
        match value {
            ValueRef::Text(t) => Ok(t.to_owned()),
            v => Err(invalid("TEXT", v)),
        }
    }
}

impl FromSql for Vec<u8> {
    fn from_sql(value: ValueRef<'_>) -> Result<Self, ConversionError> {
        match value {
            ValueRef::Blob(b) => Ok(b.to_vec()),
            ValueRef::Text(t) => Ok(t.as_bytes().to_vec()),
            v => Err(invalid("BLOB", v)),
        }
    }
}

impl<const N: usize> FromSql for [u8; N] {
    fn from_sql(value: ValueRef<'_>) -> Result<Self, ConversionError> {
        let bytes = Vec::<u8>::from_sql(value)?;
        let len = bytes.len();
        bytes.try_into().map_err(|_| ConversionError::OutOfRange {
            value: format!("{len}-byte blob"),
            target: "fixed-size byte array",
        })
    }
}

// ---- From impls for Value (infallible ones) -------------------------------

macro_rules! value_from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for Value {
            fn from(v: $t) -> Self {
                Value::Integer(i64::from(v))
            }
        }
    )*};
}
value_from_int!(i8, i16, i32, i64, u8, u16, u32, bool);

impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_owned())
    }
}

impl From<Vec<u8>> for Value {
    fn from(v: Vec<u8>) -> Self {
        Value::Blob(v)
    }
}

impl From<&[u8]> for Value {
    fn from(v: &[u8]) -> Self {
        Value::Blob(v.to_vec())
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

impl TryFrom<f64> for Value {
    type Error = ConversionError;
    fn try_from(v: f64) -> Result<Self, ConversionError> {
        v.to_sql()
    }
}

impl TryFrom<u64> for Value {
    type Error = ConversionError;
    fn try_from(v: u64) -> Result<Self, ConversionError> {
        v.to_sql()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_edges() {
        assert_eq!(i64::MIN.to_sql().unwrap(), Value::Integer(i64::MIN));
        assert_eq!(i64::MAX.to_sql().unwrap(), Value::Integer(i64::MAX));
        assert_eq!(
            (i64::MAX as u64).to_sql().unwrap(),
            Value::Integer(i64::MAX)
        );
        assert!(matches!(
            (i64::MAX as u64 + 1).to_sql(),
            Err(ConversionError::OutOfRange { .. })
        ));
        assert!(matches!(
            u64::MAX.to_sql(),
            Err(ConversionError::OutOfRange { .. })
        ));
        assert!(matches!(
            u8::from_sql(ValueRef::Integer(256)),
            Err(ConversionError::OutOfRange { .. })
        ));
        assert!(matches!(
            u64::from_sql(ValueRef::Integer(-1)),
            Err(ConversionError::OutOfRange { .. })
        ));
        assert_eq!(i8::from_sql(ValueRef::Integer(-128)).unwrap(), -128);
        assert_eq!(
            u64::from_sql(ValueRef::Integer(i64::MAX)).unwrap(),
            i64::MAX as u64
        );
    }

    #[test]
    fn floats_must_be_finite_to_bind() {
        for f in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert!(matches!(f.to_sql(), Err(ConversionError::NonFinite(_))));
            assert!(Value::Real(f).to_sql().is_err());
        }
        assert!(f32::NAN.to_sql().is_err());
        assert_eq!((-0.0f64).to_sql().unwrap(), Value::Real(-0.0));
        assert_eq!(f64::from_sql(ValueRef::Integer(3)).unwrap(), 3.0);
        assert!(f32::from_sql(ValueRef::Real(1e300)).is_err());
    }

    #[test]
    fn text_and_blob() {
        let t = "a\0b".to_sql().unwrap();
        assert_eq!(t, Value::Text("a\0b".into()));
        assert_eq!(String::from_sql(t.as_ref()).unwrap(), "a\0b");
        let empty = Vec::<u8>::new().to_sql().unwrap();
        assert_eq!(empty, Value::Blob(vec![]));
        assert_eq!(
            Vec::<u8>::from_sql(empty.as_ref()).unwrap(),
            Vec::<u8>::new()
        );
        assert!(String::from_sql(ValueRef::Blob(b"x")).is_err());
        assert!(<[u8; 2]>::from_sql(ValueRef::Blob(b"abc")).is_err());
    }

    #[test]
    fn null_and_option() {
        assert_eq!(Option::<i64>::from_sql(ValueRef::Null).unwrap(), None);
        assert!(matches!(
            i64::from_sql(ValueRef::Null),
            Err(ConversionError::InvalidType { .. })
        ));
        assert_eq!(None::<i32>.to_sql().unwrap(), Value::Null);
        assert!(bool::from_sql(ValueRef::Integer(2)).unwrap());
        assert!(i64::from_sql(ValueRef::Real(1.0)).is_err());
    }

    #[test]
    fn wide_and_unsigned_edges() {
        assert_eq!(
            i128::from_sql(ValueRef::Integer(i64::MIN)).unwrap(),
            i128::from(i64::MIN)
        );
        assert!(matches!(
            (i128::from(i64::MAX) + 1).to_sql(),
            Err(ConversionError::OutOfRange { .. })
        ));
        assert!(matches!(
            (i128::from(i64::MIN) - 1).to_sql(),
            Err(ConversionError::OutOfRange { .. })
        ));
        assert!(matches!(
            u128::MAX.to_sql(),
            Err(ConversionError::OutOfRange { .. })
        ));
        assert!(matches!(
            u128::from_sql(ValueRef::Integer(-1)),
            Err(ConversionError::OutOfRange { .. })
        ));
        assert_eq!(usize::from_sql(ValueRef::Integer(0)).unwrap(), 0);
        assert!(Value::try_from(u64::MAX).is_err());
        assert_eq!(Value::try_from(7u64).unwrap(), Value::Integer(7));
        assert_eq!(
            i32::from_sql(ValueRef::Integer(i64::from(i32::MIN))).unwrap(),
            i32::MIN
        );
        assert!(i32::from_sql(ValueRef::Integer(i64::from(i32::MAX) + 1)).is_err());
    }

    #[test]
    fn non_finite_reads_follow_the_value() {
        // Reading is not refused: a transport hands back what SQLite stored.
        assert_eq!(
            f64::from_sql(ValueRef::Real(f64::INFINITY)).unwrap(),
            f64::INFINITY
        );
        assert!(f64::from_sql(ValueRef::Real(f64::NAN)).unwrap().is_nan());
        assert_eq!(
            f32::from_sql(ValueRef::Real(f64::NEG_INFINITY)).unwrap(),
            f32::NEG_INFINITY
        );
        assert!(Value::try_from(f64::NAN).is_err());
        assert!(f32::INFINITY.to_sql().is_err());
        assert_eq!(
            f64::from_sql(ValueRef::Integer(i64::MAX)).unwrap(),
            i64::MAX as f64
        );
    }

    #[test]
    fn owned_and_borrowed_values_agree() {
        let values = [
            Value::Null,
            Value::Integer(i64::MIN),
            Value::Real(-0.5),
            Value::Text("x\0y".into()),
            Value::Blob(vec![]),
        ];
        for v in values {
            assert_eq!(Value::from(v.as_ref()), v);
            assert_eq!(v.as_ref().value_type(), v.value_type());
            assert_eq!(Value::from_sql(v.as_ref()).unwrap(), v);
        }
        assert_eq!(Value::from(Some("a")), Value::Text("a".into()));
        assert_eq!(Value::from(None::<i64>), Value::Null);
        assert_eq!(
            Vec::<u8>::from_sql(ValueRef::Text("ab")).unwrap(),
            b"ab".to_vec()
        );
        assert_eq!(<[u8; 2]>::from_sql(ValueRef::Blob(b"ab")).unwrap(), *b"ab");
        assert!(bool::from_sql(ValueRef::Text("true")).is_err());
        assert!(!bool::from_sql(ValueRef::Integer(0)).unwrap());
        assert_eq!(true.to_sql().unwrap(), Value::Integer(1));
    }
}
