//! # sqlport-schema
//!
//! Django's model vocabulary for Rust, and the exact SQL Django 5.1's SQLite backend emits
//! for it: column definitions, `CREATE TABLE`, index and constraint names, M2M through
//! tables, and the table-remake procedure for alterations SQLite cannot do in place.
//! Introspection and migrations are plans of statements plus pure parsing functions, run by
//! thin blocking and async drivers over any `sqlport_core` transport.
//!
//! The JSON migration format is described in [`format`](mod@format) (`FORMAT.md` beside this crate).
//!
//! ```
//! use sqlport_schema::{Migration, ProjectState};
//! let m = Migration::from_json_str(r#"{
//!   "app_label": "shop", "name": "0001_initial",
//!   "operations": [
//!     {"op": "CreateModel", "name": "Tag", "fields": [
//!       ["id", {"class": "SmallAutoField", "primary_key": true}],
//!       ["label", {"class": "CharField", "max_length": 40}]
//!     ]}
//!   ]}"#).unwrap();
//! let sql = m.sqlmigrate(&mut ProjectState::new()).unwrap();
//! assert!(sql.contains(r#"CREATE TABLE "shop_tag" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "label" varchar(40) NOT NULL);"#));
//! ```
#![forbid(unsafe_code)]

mod ddl;
mod diff;
mod direct;
mod editor;
mod error;
mod executor;
mod expected;
mod expr;
mod field;
mod forwards;
mod introspect;
mod migration;
mod model;
mod names;
mod operation;
mod quote;

/// The JSON migration format (the text of `FORMAT.md`).
pub mod format {
    #![doc = include_str!("../FORMAT.md")]
}
mod state;

pub use ddl::column_definition;
pub use diff::{Difference, diff};
pub use error::{Result, SchemaError};
pub use executor::{
    DJANGO_MIGRATIONS_DDL, MigrationPlan, MigrationRecord, applied_migrations,
    applied_migrations_async, migrate, migrate_async,
};
pub use expr::{Condition, DbDefault, Expr};
pub use field::{Field, FieldKind};
pub use introspect::{
    DbColumn, DbForeignKey, DbIndex, DbSchema, DbTable, introspect, introspect_async,
    introspection_statements, parse_introspection,
};
pub use migration::{Migration, OperationSql};
pub use model::{Constraint, Index, Model, ModelOptions};
pub use operation::Operation;
pub use quote::{auto_index_name, create_index_name, names_digest, quote_name};
pub use state::ProjectState;
