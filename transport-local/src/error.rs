//! [`map_error`]: rusqlite errors as sqlport errors.

use rusqlite::types::Type as SqlType;
use sqlport_core::error::ConversionError;
use sqlport_core::{Error, Type};

/// Convert a rusqlite error into sqlport's [`Error`].
///
/// SQLite failures become [`Error::Sqlite`] with the primary code (low 8 bits),
/// the extended code and SQLite's message; rusqlite's own errors map to the
/// matching kind (parameter problems to [`Error::InvalidArguments`], several
/// statements to [`Error::MultipleStatements`], conversions to
/// [`Error::Conversion`], ...).
pub fn map_error(err: rusqlite::Error) -> Error {
    use rusqlite::Error as E;
    match err {
        E::SqliteFailure(e, msg) => sqlite_failure(e, msg),
        E::SqlInputError { error, msg, .. } => sqlite_failure(error, Some(msg)),
        E::MultipleStatement => {
            Error::MultipleStatements("the SQL string holds more than one statement".into())
        }
        E::InvalidParameterCount(given, expected) => Error::InvalidArguments(format!(
            "{given} parameters given but the statement has {expected}"
        )),
        E::InvalidParameterName(name) => {
            Error::InvalidArguments(format!("no parameter named {name:?} in the statement"))
        }
        E::ToSqlConversionFailure(e) => Error::conversion(None, ConversionError::Other(e)),
        E::FromSqlConversionFailure(col, _, e) => {
            Error::conversion(Some(format!("column {col}")), ConversionError::Other(e))
        }
        E::IntegralValueOutOfRange(col, value) => Error::conversion(
            Some(format!("column {col}")),
            ConversionError::OutOfRange {
                value: value.to_string(),
                target: "the requested integer type",
            },
        ),
        E::Utf8Error(e) => Error::conversion(None, ConversionError::Other(Box::new(e))),
        E::InvalidColumnType(col, name, found) => Error::conversion(
            Some(format!("column {col} ({name:?})")),
            ConversionError::InvalidType {
                expected: "another type",
                found: core_type(found),
            },
        ),
        E::NulError(e) => Error::InvalidArguments(format!("unexpected NUL character: {e}")),
        E::InvalidPath(p) => Error::InvalidName {
            name: p.display().to_string(),
            reason: "not a valid path for SQLite".into(),
        },
        E::QueryReturnedNoRows => Error::NoRows,
        E::InvalidColumnIndex(i) => Error::InvalidColumn(format!("index {i}")),
        E::InvalidColumnName(n) => Error::InvalidColumn(format!("{n:?}")),
        E::SqliteSingleThreadedMode => {
            Error::Unsupported("SQLite was built single-threaded".into())
        }
        other => Error::transport(other),
    }
}

fn sqlite_failure(e: rusqlite::ffi::Error, msg: Option<String>) -> Error {
    let extended = e.extended_code;
    let message = msg.unwrap_or_else(|| e.to_string());
    Error::sqlite(extended & 0xff, Some(extended), message)
}

fn core_type(t: SqlType) -> Type {
    match t {
        SqlType::Null => Type::Null,
        SqlType::Integer => Type::Integer,
        SqlType::Real => Type::Real,
        SqlType::Text => Type::Text,
        SqlType::Blob => Type::Blob,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlport_core::ErrorKind;

    #[test]
    fn maps_kinds() {
        let e = map_error(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(2067),
            Some("UNIQUE constraint failed: t.x".into()),
        ));
        assert_eq!(e.sqlite_code(), Some(19));
        assert_eq!(e.extended_code(), Some(2067));
        assert_eq!(
            map_error(rusqlite::Error::MultipleStatement).kind(),
            ErrorKind::MultipleStatements
        );
        assert_eq!(
            map_error(rusqlite::Error::InvalidParameterCount(1, 2)).kind(),
            ErrorKind::InvalidArguments
        );
        assert_eq!(
            map_error(rusqlite::Error::InvalidParameterName(":x".into())).kind(),
            ErrorKind::InvalidArguments
        );
        assert_eq!(
            map_error(rusqlite::Error::QueryReturnedNoRows).kind(),
            ErrorKind::NoRows
        );
        assert_eq!(
            map_error(rusqlite::Error::InvalidColumnIndex(3)).kind(),
            ErrorKind::InvalidColumn
        );
        assert_eq!(
            map_error(rusqlite::Error::InvalidColumnType(
                0,
                "x".into(),
                SqlType::Blob
            ))
            .kind(),
            ErrorKind::Conversion
        );
        assert_eq!(
            map_error(rusqlite::Error::IntegralValueOutOfRange(0, 300)).kind(),
            ErrorKind::Conversion
        );
    }
}
