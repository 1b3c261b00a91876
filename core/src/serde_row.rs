//! Deserialize a [`Row`] into any `serde::Deserialize` type (feature `serde`):
//! a struct or map by column name, a tuple or sequence by position, and a
//! single-column row into a plain value.
//!
//! Values convert as [`FromSql`] does: integers of every width
//! are range-checked, `f32`/`f64` read REAL or INTEGER, `bool` reads an
//! INTEGER, strings read TEXT, bytes read BLOB (or the bytes of TEXT), a
//! `Vec<u8>` read as a sequence reads a BLOB, `Option` reads NULL as `None`,
//! and an enum reads a unit variant from its name as TEXT. A failure is
//! [`Error::Conversion`] naming the column.

use std::fmt;

use serde::de::value::{BorrowedStrDeserializer, SeqDeserializer};
use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};
use serde::forward_to_deserialize_any;

use crate::convert::FromSql;
use crate::error::{ConversionError, Error, Result};
use crate::result::{Column, Row};
use crate::value::Value;

impl Row {
    /// Deserialize this row, e.g. into a struct whose fields are column names.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// use serde::Deserialize;
    /// use sqlport_core::{Column, Row, Value};
    ///
    /// #[derive(Deserialize, Debug, PartialEq)]
    /// struct User { id: i64, name: String, email: Option<String> }
    ///
    /// let cols: Arc<[Column]> = vec![
    ///     Column::new("id", None), Column::new("name", None), Column::new("email", None),
    /// ].into();
    /// let row = Row::new(cols, vec![Value::Integer(1), Value::Text("ann".into()), Value::Null])?;
    /// let user: User = row.deserialize()?;
    /// assert_eq!(user, User { id: 1, name: "ann".into(), email: None });
    /// let (id, name): (i64, String) = Row::new(
    ///     vec![Column::new("a", None), Column::new("b", None)].into(),
    ///     vec![Value::Integer(2), Value::Text("bo".into())],
    /// )?.deserialize()?;
    /// assert_eq!((id, name.as_str()), (2, "bo"));
    /// # Ok::<(), sqlport_core::Error>(())
    /// ```
    pub fn deserialize<T: serde::de::DeserializeOwned>(&self) -> Result<T> {
        T::deserialize(RowDeserializer { row: self }).map_err(DeError::into_error)
    }
}

/// Why deserialization failed, and in which column.
#[derive(Debug)]
struct DeError {
    context: Option<String>,
    source: ConversionError,
}

impl DeError {
    fn new(source: ConversionError) -> Self {
        DeError {
            context: None,
            source,
        }
    }

    fn in_column(mut self, context: impl FnOnce() -> String) -> Self {
        if self.context.is_none() {
            self.context = Some(context());
        }
        self
    }

    fn into_error(self) -> Error {
        Error::conversion(self.context, self.source)
    }
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.context {
            Some(c) => write!(f, "{}: {}", c, self.source),
            None => write!(f, "{}", self.source),
        }
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError::new(ConversionError::Other(msg.to_string().into()))
    }
}

fn column_context(i: usize, columns: &[Column]) -> String {
    let name = columns.get(i).map_or("", |c| c.name.as_str());
    format!("column {i} ({name:?})")
}

// ---- the row ----------------------------------------------------------------

struct RowDeserializer<'a> {
    row: &'a Row,
}

impl<'a> RowDeserializer<'a> {
    /// The only value of a one-column row (for plain-value targets).
    fn single(&self) -> Result<ValueDeserializer<'a>, DeError> {
        match self.row.values() {
            [v] => Ok(ValueDeserializer { value: v }),
            values => Err(DeError::new(ConversionError::Other(
                format!(
                    "a row of {} columns cannot become a single value",
                    values.len()
                )
                .into(),
            ))),
        }
    }

    fn map_access(&self) -> RowMap<'a> {
        RowMap {
            columns: self.row.columns(),
            values: self.row.values(),
            next: 0,
        }
    }

    fn seq_access(&self) -> RowSeq<'a> {
        RowSeq {
            columns: self.row.columns(),
            values: self.row.values(),
            next: 0,
        }
    }
}

macro_rules! single_value {
    ($($method:ident),*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
            let columns = self.row.columns();
            self.single()?
                .$method(visitor)
                .map_err(|e| e.in_column(|| column_context(0, columns)))
        }
    )*};
}

impl<'de> de::Deserializer<'de> for RowDeserializer<'de> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_map(self.map_access())
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_map(self.map_access())
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_map(self.map_access())
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_seq(self.seq_access())
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        if len != self.row.len() {
            return Err(DeError::new(ConversionError::Other(
                format!(
                    "the row has {} columns but the tuple has {len} fields",
                    self.row.len()
                )
                .into(),
            )));
        }
        visitor.visit_seq(self.seq_access())
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_tuple(len, visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_unit()
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        let columns = self.row.columns();
        self.single()?
            .deserialize_enum(name, variants, visitor)
            .map_err(|e| e.in_column(|| column_context(0, columns)))
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_unit()
    }

    single_value!(
        deserialize_bool,
        deserialize_i8,
        deserialize_i16,
        deserialize_i32,
        deserialize_i64,
        deserialize_i128,
        deserialize_u8,
        deserialize_u16,
        deserialize_u32,
        deserialize_u64,
        deserialize_u128,
        deserialize_f32,
        deserialize_f64,
        deserialize_char,
        deserialize_str,
        deserialize_string,
        deserialize_bytes,
        deserialize_byte_buf,
        deserialize_option,
        deserialize_unit,
        deserialize_identifier
    );
}

/// Columns as a map (first column of each name wins).
struct RowMap<'a> {
    columns: &'a [Column],
    values: &'a [Value],
    next: usize,
}

impl<'de> de::MapAccess<'de> for RowMap<'de> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        while let Some(col) = self.columns.get(self.next) {
            let duplicate = self
                .columns
                .get(..self.next)
                .is_some_and(|before| before.iter().any(|c| c.name == col.name));
            if duplicate {
                self.next += 1;
                continue;
            }
            return seed
                .deserialize(BorrowedStrDeserializer::new(col.name.as_str()))
                .map(Some);
        }
        Ok(None)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let i = self.next;
        self.next += 1;
        let value = self.values.get(i).ok_or_else(|| {
            DeError::new(ConversionError::Other(
                "value requested past the last column".into(),
            ))
        })?;
        seed.deserialize(ValueDeserializer { value })
            .map_err(|e| e.in_column(|| column_context(i, self.columns)))
    }
}

/// Columns by position.
struct RowSeq<'a> {
    columns: &'a [Column],
    values: &'a [Value],
    next: usize,
}

impl<'de> de::SeqAccess<'de> for RowSeq<'de> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        let i = self.next;
        let Some(value) = self.values.get(i) else {
            return Ok(None);
        };
        self.next += 1;
        seed.deserialize(ValueDeserializer { value })
            .map(Some)
            .map_err(|e| e.in_column(|| column_context(i, self.columns)))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.values.len().saturating_sub(self.next))
    }
}

// ---- one value ----------------------------------------------------------------

struct ValueDeserializer<'a> {
    value: &'a Value,
}

impl ValueDeserializer<'_> {
    fn get<T: FromSql>(&self) -> Result<T, DeError> {
        T::from_sql(self.value.as_ref()).map_err(DeError::new)
    }

    fn invalid(&self, expected: &'static str) -> DeError {
        DeError::new(ConversionError::InvalidType {
            expected,
            found: self.value.value_type(),
        })
    }
}

macro_rules! via_from_sql {
    ($($method:ident => $t:ty, $visit:ident);* $(;)?) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
            visitor.$visit(self.get::<$t>()?)
        }
    )*};
}

impl<'de> de::Deserializer<'de> for ValueDeserializer<'de> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.value {
            Value::Null => visitor.visit_unit(),
            Value::Integer(i) => visitor.visit_i64(*i),
            Value::Real(r) => visitor.visit_f64(*r),
            Value::Text(t) => visitor.visit_borrowed_str(t),
            Value::Blob(b) => visitor.visit_borrowed_bytes(b),
        }
    }

    via_from_sql! {
        deserialize_bool => bool, visit_bool;
        deserialize_i8 => i8, visit_i8;
        deserialize_i16 => i16, visit_i16;
        deserialize_i32 => i32, visit_i32;
        deserialize_i64 => i64, visit_i64;
        deserialize_i128 => i128, visit_i128;
        deserialize_u8 => u8, visit_u8;
        deserialize_u16 => u16, visit_u16;
        deserialize_u32 => u32, visit_u32;
        deserialize_u64 => u64, visit_u64;
        deserialize_u128 => u128, visit_u128;
        deserialize_f32 => f32, visit_f32;
        deserialize_f64 => f64, visit_f64;
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.value {
            Value::Text(t) => {
                let mut chars = t.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => visitor.visit_char(c),
                    _ => Err(DeError::new(ConversionError::OutOfRange {
                        value: format!("{}-character text", t.chars().count()),
                        target: "char",
                    })),
                }
            }
            _ => Err(self.invalid("TEXT (one character)")),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.value {
            Value::Text(t) => visitor.visit_borrowed_str(t),
            _ => Err(self.invalid("TEXT")),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.value {
            Value::Blob(b) => visitor.visit_borrowed_bytes(b),
            Value::Text(t) => visitor.visit_borrowed_bytes(t.as_bytes()),
            _ => Err(self.invalid("BLOB")),
        }
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.value {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.value {
            Value::Null => visitor.visit_unit(),
            _ => Err(self.invalid("NULL")),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.value {
            Value::Blob(b) => visitor.visit_seq(SeqDeserializer::<_, DeError>::new(
                b.iter().copied().map(IntoDeserializer::into_deserializer),
            )),
            _ => Err(self.invalid("BLOB (as a sequence of bytes)")),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match self.value {
            Value::Text(t) => visitor.visit_enum(BorrowedStrDeserializer::new(t)),
            _ => Err(self.invalid("TEXT (an enum variant name)")),
        }
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_unit()
    }

    forward_to_deserialize_any! { map struct }
}

#[cfg(test)]
#[path = "serde_row_tests.rs"]
mod tests;
