//! `uuid::Uuid` as Django's `UUIDField` stores it on SQLite (feature `uuid`):
//! written as 32 lowercase hex digits; read from that, the hyphenated, braced
//! and `urn:uuid:` forms, or a 16-byte BLOB.

use uuid::Uuid;

use super::InvalidFormat;
use crate::convert::{FromSql, ToSql};
use crate::error::ConversionError;
use crate::value::{Value, ValueRef};

impl ToSql for Uuid {
    fn to_sql(&self) -> Result<Value, ConversionError> {
        Ok(Value::Text(self.simple().to_string()))
    }
}

impl FromSql for Uuid {
    fn from_sql(value: ValueRef<'_>) -> Result<Self, ConversionError> {
        const TARGET: &str = "uuid::Uuid";
        match value {
            ValueRef::Text(t) => {
                Uuid::try_parse(t).map_err(|e| InvalidFormat::error(TARGET, t, e.to_string()))
            }
            ValueRef::Blob(b) => Uuid::from_slice(b).map_err(|_| ConversionError::OutOfRange {
                value: format!("{}-byte blob", b.len()),
                target: "uuid::Uuid (16 bytes)",
            }),
            v => Err(ConversionError::InvalidType {
                expected: "TEXT (a Django UUID) or a 16-byte BLOB",
                found: v.value_type(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "a1b2c3d4e5f64a7b8c9d0e1f2a3b4c5d";

    #[test]
    fn written_as_django_hex() {
        let u = Uuid::parse_str(HEX).unwrap();
        assert_eq!(u.to_sql().unwrap(), Value::Text(HEX.into()));
        assert_eq!(Uuid::nil().to_sql().unwrap(), Value::Text("0".repeat(32)));
        assert_eq!(Uuid::max().to_sql().unwrap(), Value::Text("f".repeat(32)));
    }

    #[test]
    fn read_from_every_form() {
        let u = Uuid::parse_str(HEX).unwrap();
        for form in [
            HEX.to_owned(),
            HEX.to_uppercase(),
            u.hyphenated().to_string(),
            u.hyphenated().to_string().to_uppercase(),
            u.braced().to_string(),
            u.urn().to_string(),
        ] {
            assert_eq!(Uuid::from_sql(ValueRef::Text(&form)).unwrap(), u, "{form}");
        }
        assert_eq!(Uuid::from_sql(ValueRef::Blob(u.as_bytes())).unwrap(), u);
    }

    #[test]
    fn bad_input_is_a_typed_error() {
        for bad in [
            "",
            "12345678",
            "zz345678123456781234567812345678",
            " a1b2c3d4e5f64a7b8c9d0e1f2a3b4c5d",
        ] {
            let err = Uuid::from_sql(ValueRef::Text(bad)).unwrap_err();
            assert!(
                matches!(&err, ConversionError::Other(e) if e.downcast_ref::<InvalidFormat>().is_some()),
                "{bad:?}: {err:?}"
            );
        }
        assert!(matches!(
            Uuid::from_sql(ValueRef::Blob(&[0; 15])),
            Err(ConversionError::OutOfRange { .. })
        ));
        assert!(matches!(
            Uuid::from_sql(ValueRef::Integer(1)),
            Err(ConversionError::InvalidType { .. })
        ));
    }
}
