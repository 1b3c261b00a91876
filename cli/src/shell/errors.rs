//! How the shell prints an error: the message, then its codes in brackets.
//!
//! ```text
//! Error: UNIQUE constraint failed: t.id [SQLITE_CONSTRAINT (19), extended SQLITE_CONSTRAINT_PRIMARYKEY (1555)]
//! Error: no such table: nope [SQLITE_ERROR (1), hrana SQL_PARSE_ERROR]
//! Error: the remote stream expired ... [kind StreamExpired, hrana STREAM_EXPIRED]
//! ```
//!
//! SQLite failures give the primary code's name and number, the extended code's
//! (local connections report one; sqld sends only primary codes), and the
//! server's Hrana code when it differs from the primary name. Other failures give
//! their [`ErrorKind`](sqlport::ErrorKind), Hrana code and HTTP status where
//! known. Nothing printed here can contain the auth token: the facade's errors
//! never hold it.

use sqlport::{Error, codes};

/// SQLite's extended result codes and their names (from SQLite's `sqlite3.h`:
/// each is a primary code plus a number times 256).
const EXTENDED: &[(i32, &str)] = &[
    (256, "SQLITE_OK_LOAD_PERMANENTLY"),
    (257, "SQLITE_ERROR_MISSING_COLLSEQ"),
    (513, "SQLITE_ERROR_RETRY"),
    (769, "SQLITE_ERROR_SNAPSHOT"),
    (516, "SQLITE_ABORT_ROLLBACK"),
    (261, "SQLITE_BUSY_RECOVERY"),
    (517, "SQLITE_BUSY_SNAPSHOT"),
    (773, "SQLITE_BUSY_TIMEOUT"),
    (262, "SQLITE_LOCKED_SHAREDCACHE"),
    (518, "SQLITE_LOCKED_VTAB"),
    (264, "SQLITE_READONLY_RECOVERY"),
    (520, "SQLITE_READONLY_CANTLOCK"),
    (776, "SQLITE_READONLY_ROLLBACK"),
    (1032, "SQLITE_READONLY_DBMOVED"),
    (1288, "SQLITE_READONLY_CANTINIT"),
    (1544, "SQLITE_READONLY_DIRECTORY"),
    (266, "SQLITE_IOERR_READ"),
    (522, "SQLITE_IOERR_SHORT_READ"),
    (778, "SQLITE_IOERR_WRITE"),
    (1034, "SQLITE_IOERR_FSYNC"),
    (1290, "SQLITE_IOERR_DIR_FSYNC"),
    (1546, "SQLITE_IOERR_TRUNCATE"),
    (1802, "SQLITE_IOERR_FSTAT"),
    (2058, "SQLITE_IOERR_UNLOCK"),
    (2314, "SQLITE_IOERR_RDLOCK"),
    (2570, "SQLITE_IOERR_DELETE"),
    (2826, "SQLITE_IOERR_BLOCKED"),
    (3082, "SQLITE_IOERR_NOMEM"),
    (3338, "SQLITE_IOERR_ACCESS"),
    (3594, "SQLITE_IOERR_CHECKRESERVEDLOCK"),
    (3850, "SQLITE_IOERR_LOCK"),
    (4106, "SQLITE_IOERR_CLOSE"),
    (4362, "SQLITE_IOERR_DIR_CLOSE"),
    (4618, "SQLITE_IOERR_SHMOPEN"),
    (4874, "SQLITE_IOERR_SHMSIZE"),
    (5130, "SQLITE_IOERR_SHMLOCK"),
    (5386, "SQLITE_IOERR_SHMMAP"),
    (5642, "SQLITE_IOERR_SEEK"),
    (5898, "SQLITE_IOERR_DELETE_NOENT"),
    (6154, "SQLITE_IOERR_MMAP"),
    (6410, "SQLITE_IOERR_GETTEMPPATH"),
    (6666, "SQLITE_IOERR_CONVPATH"),
    (6922, "SQLITE_IOERR_VNODE"),
    (7178, "SQLITE_IOERR_AUTH"),
    (7434, "SQLITE_IOERR_BEGIN_ATOMIC"),
    (7690, "SQLITE_IOERR_COMMIT_ATOMIC"),
    (7946, "SQLITE_IOERR_ROLLBACK_ATOMIC"),
    (8202, "SQLITE_IOERR_DATA"),
    (8458, "SQLITE_IOERR_CORRUPTFS"),
    (267, "SQLITE_CORRUPT_VTAB"),
    (523, "SQLITE_CORRUPT_SEQUENCE"),
    (779, "SQLITE_CORRUPT_INDEX"),
    (270, "SQLITE_CANTOPEN_NOTEMPDIR"),
    (526, "SQLITE_CANTOPEN_ISDIR"),
    (782, "SQLITE_CANTOPEN_FULLPATH"),
    (1038, "SQLITE_CANTOPEN_CONVPATH"),
    (1550, "SQLITE_CANTOPEN_SYMLINK"),
    (275, "SQLITE_CONSTRAINT_CHECK"),
    (531, "SQLITE_CONSTRAINT_COMMITHOOK"),
    (787, "SQLITE_CONSTRAINT_FOREIGNKEY"),
    (1043, "SQLITE_CONSTRAINT_FUNCTION"),
    (1299, "SQLITE_CONSTRAINT_NOTNULL"),
    (1555, "SQLITE_CONSTRAINT_PRIMARYKEY"),
    (1811, "SQLITE_CONSTRAINT_TRIGGER"),
    (2067, "SQLITE_CONSTRAINT_UNIQUE"),
    (2323, "SQLITE_CONSTRAINT_VTAB"),
    (2579, "SQLITE_CONSTRAINT_ROWID"),
    (2835, "SQLITE_CONSTRAINT_PINNED"),
    (3091, "SQLITE_CONSTRAINT_DATATYPE"),
    (279, "SQLITE_AUTH_USER"),
    (283, "SQLITE_NOTICE_RECOVER_WAL"),
    (539, "SQLITE_NOTICE_RECOVER_ROLLBACK"),
    (284, "SQLITE_WARNING_AUTOINDEX"),
];

/// The `SQLITE_*` name of a result code: the extended name when it is one,
/// else the primary name.
pub fn code_name(code: i32) -> Option<&'static str> {
    EXTENDED
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, n)| *n)
        .or_else(|| (code <= 0xff).then(|| codes::primary_name(code)).flatten())
}

/// The bracketed codes of an error, e.g. `[SQLITE_CONSTRAINT (19), extended
/// SQLITE_CONSTRAINT_UNIQUE (2067)]`.
pub fn codes_of(e: &Error) -> String {
    let mut parts = Vec::new();
    if let Some(s) = e.as_sqlite() {
        parts.push(format!(
            "{} ({})",
            code_name(s.code & 0xff).unwrap_or("SQLITE_?"),
            s.code & 0xff
        ));
        if let Some(ext) = s.extended_code.filter(|x| *x != s.code) {
            parts.push(format!(
                "extended {} ({ext})",
                code_name(ext).unwrap_or("SQLITE_?")
            ));
        }
        if let Some(rc) = &s.remote_code {
            if Some(rc.as_str()) != codes::primary_name(s.code) {
                parts.push(format!("hrana {rc}"));
            }
        }
    } else {
        parts.push(format!("kind {:?}", e.kind()));
        if let Some(rc) = e.remote_code() {
            parts.push(format!("hrana {rc}"));
        }
        match e.root() {
            Error::Http { status, .. } | Error::Auth { status, .. } => {
                parts.push(format!("http {status}"));
            }
            _ => {}
        }
    }
    if let Some(step) = e.failed_step() {
        parts.push(format!("step {step}"));
    }
    format!("[{}]", parts.join(", "))
}

/// The error's message without its codes (SQLite's own message for SQLite failures).
pub fn message_of(e: &Error) -> String {
    match e.as_sqlite() {
        Some(s) => s.message.clone(),
        None => e.root().to_string(),
    }
}

/// `MESSAGE [CODES]`.
pub fn describe(e: &Error) -> String {
    format!("{} {}", message_of(e), codes_of(e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_primary_and_extended_codes() {
        assert_eq!(code_name(19), Some("SQLITE_CONSTRAINT"));
        assert_eq!(code_name(2067), Some("SQLITE_CONSTRAINT_UNIQUE"));
        assert_eq!(
            code_name(codes::SQLITE_BUSY_SNAPSHOT),
            Some("SQLITE_BUSY_SNAPSHOT")
        );
        assert_eq!(code_name(99_999), None);
        for (code, name) in EXTENDED {
            // Every extended code's low byte is its primary code.
            let primary = codes::primary_name(code & 0xff).unwrap();
            let family = primary.strip_prefix("SQLITE_").unwrap();
            assert!(name.starts_with(&format!("SQLITE_{family}_")), "{name}");
        }
    }

    #[test]
    fn describes_sqlite_and_other_errors() {
        let e = Error::sqlite(19, Some(2067), "UNIQUE constraint failed: t.a");
        assert_eq!(
            describe(&e),
            "UNIQUE constraint failed: t.a [SQLITE_CONSTRAINT (19), extended SQLITE_CONSTRAINT_UNIQUE (2067)]"
        );
        let e = Error::Sqlite(sqlport::SqliteError {
            code: 1,
            extended_code: None,
            message: "no such table: x".into(),
            remote_code: Some("SQL_PARSE_ERROR".into()),
        });
        assert_eq!(codes_of(&e), "[SQLITE_ERROR (1), hrana SQL_PARSE_ERROR]");
        let e = Error::StreamExpired {
            in_transaction: true,
        };
        assert_eq!(codes_of(&e), "[kind StreamExpired, hrana STREAM_EXPIRED]");
        let e = Error::Auth {
            status: 401,
            message: "check the token".into(),
        };
        assert_eq!(codes_of(&e), "[kind Auth, http 401]");
    }
}
