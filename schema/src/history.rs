//! The `django_migrations` table: which migrations a database has applied.

use sqlport_core::{Params, ResultSet, Statement, Value};

use crate::error::{Result, SchemaError};

/// One row of `django_migrations`: an applied migration.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MigrationRecord {
    /// App label.
    pub app: String,
    /// Migration name.
    pub name: String,
}

impl MigrationRecord {
    /// A record for `app.name`.
    pub fn new(app: impl Into<String>, name: impl Into<String>) -> Self {
        MigrationRecord {
            app: app.into(),
            name: name.into(),
        }
    }
}

impl std::fmt::Display for MigrationRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.app, self.name)
    }
}

/// Django's `django_migrations` table (with `IF NOT EXISTS`, which SQLite does not keep in
/// `sqlite_master.sql`, so the stored text is Django's byte for byte).
pub const DJANGO_MIGRATIONS_DDL: &str = "CREATE TABLE IF NOT EXISTS \"django_migrations\" (\"id\" integer NOT NULL PRIMARY KEY AUTOINCREMENT, \"app\" varchar(255) NOT NULL, \"name\" varchar(255) NOT NULL, \"applied\" datetime NOT NULL)";

/// Whether `django_migrations` exists (safe before the table is made).
pub(crate) fn exists_query() -> Statement {
    Statement::new(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'django_migrations'",
    )
}

/// The applied migrations, in the order they were recorded.
pub(crate) fn list_query() -> Statement {
    Statement::new("SELECT \"app\", \"name\" FROM \"django_migrations\" ORDER BY \"id\"")
}

pub(crate) fn table_exists(rs: &ResultSet) -> bool {
    matches!(rs.rows.first().map(|r| r.values()), Some([Value::Integer(n)]) if *n > 0)
}

pub(crate) fn parse_applied(rs: &ResultSet) -> Result<Vec<MigrationRecord>> {
    rs.rows
        .iter()
        .map(|r| match r.values() {
            [Value::Text(a), Value::Text(n)] => Ok(MigrationRecord::new(a.clone(), n.clone())),
            other => Err(SchemaError::ResultShape(format!(
                "django_migrations row {other:?}"
            ))),
        })
        .collect()
}

/// `record_applied`.
pub(crate) fn record_applied(r: &MigrationRecord) -> Statement {
    Statement {
        sql: "INSERT INTO \"django_migrations\" (\"app\", \"name\", \"applied\") VALUES (?, ?, STRFTIME('%Y-%m-%d %H:%M:%f', 'NOW'))".into(),
        params: Params::Positional(vec![Value::Text(r.app.clone()), Value::Text(r.name.clone())]),
    }
}

/// `record_unapplied`.
pub(crate) fn record_unapplied(r: &MigrationRecord) -> Statement {
    Statement {
        sql: "DELETE FROM \"django_migrations\" WHERE \"app\" = ? AND \"name\" = ?".into(),
        params: Params::Positional(vec![
            Value::Text(r.app.clone()),
            Value::Text(r.name.clone()),
        ]),
    }
}

/// Counts how many of `records` are recorded as applied.
pub(crate) fn count_recorded(records: &[MigrationRecord]) -> Statement {
    let mut sql = String::from("SELECT COUNT(*) FROM \"django_migrations\" WHERE 0");
    let mut params = Vec::new();
    for r in records {
        sql.push_str(" OR (\"app\" = ? AND \"name\" = ?)");
        params.push(Value::Text(r.app.clone()));
        params.push(Value::Text(r.name.clone()));
    }
    Statement {
        sql: sql.into(),
        params: Params::Positional(params),
    }
}
