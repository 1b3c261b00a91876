//! SQLite values: the owned [`Value`], the borrowed [`ValueRef`] and the storage class [`Type`].

use std::fmt;

/// The five SQLite storage classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Type {
    /// `NULL`.
    Null,
    /// A signed 64-bit integer.
    Integer,
    /// A 64-bit IEEE float.
    Real,
    /// UTF-8 text.
    Text,
    /// Raw bytes.
    Blob,
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Type::Null => "NULL",
            Type::Integer => "INTEGER",
            Type::Real => "REAL",
            Type::Text => "TEXT",
            Type::Blob => "BLOB",
        })
    }
}

/// An owned SQLite value.
///
/// Integers keep the full `i64` range on every transport (over HTTP they travel as
/// decimal strings, never through `f64`). Text may contain NUL characters. A `Real`
/// read back is finite, except where documented: the local transport returns
/// `±inf` as SQLite stores it; over HTTP the sign of an infinity is lost and it is
/// read as `NaN` (JSON has no infinity). Binding a non-finite float is refused on
/// every transport (see [`ToSql`](crate::ToSql) for `f64`).
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    /// `NULL`.
    #[default]
    Null,
    /// A signed 64-bit integer.
    Integer(i64),
    /// A 64-bit float.
    Real(f64),
    /// UTF-8 text (embedded NUL preserved).
    Text(String),
    /// Raw bytes (the empty blob is a blob, not `NULL`).
    Blob(Vec<u8>),
}

impl Value {
    /// The storage class of this value.
    pub fn value_type(&self) -> Type {
        self.as_ref().value_type()
    }

    /// Borrow this value.
    pub fn as_ref(&self) -> ValueRef<'_> {
        match self {
            Value::Null => ValueRef::Null,
            Value::Integer(i) => ValueRef::Integer(*i),
            Value::Real(r) => ValueRef::Real(*r),
            Value::Text(t) => ValueRef::Text(t),
            Value::Blob(b) => ValueRef::Blob(b),
        }
    }

    /// `true` for `NULL`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
}

/// A borrowed SQLite value, as handed to [`FromSql`](crate::FromSql).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ValueRef<'a> {
    /// `NULL`.
    Null,
    /// A signed 64-bit integer.
    Integer(i64),
    /// A 64-bit float.
    Real(f64),
    /// UTF-8 text.
    Text(&'a str),
    /// Raw bytes.
    Blob(&'a [u8]),
}

impl ValueRef<'_> {
    /// The storage class of this value.
    pub fn value_type(&self) -> Type {
        match self {
            ValueRef::Null => Type::Null,
            ValueRef::Integer(_) => Type::Integer,
            ValueRef::Real(_) => Type::Real,
            ValueRef::Text(_) => Type::Text,
            ValueRef::Blob(_) => Type::Blob,
        }
    }

    /// Copy into an owned [`Value`].
    pub fn to_owned_value(&self) -> Value {
        match *self {
            ValueRef::Null => Value::Null,
            ValueRef::Integer(i) => Value::Integer(i),
            ValueRef::Real(r) => Value::Real(r),
            ValueRef::Text(t) => Value::Text(t.to_owned()),
            ValueRef::Blob(b) => Value::Blob(b.to_vec()),
        }
    }
}

impl<'a> From<&'a Value> for ValueRef<'a> {
    fn from(v: &'a Value) -> Self {
        v.as_ref()
    }
}

impl From<ValueRef<'_>> for Value {
    fn from(v: ValueRef<'_>) -> Self {
        v.to_owned_value()
    }
}
