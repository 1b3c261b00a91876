#![doc = include_str!("../README.md")]
//!
//! The JSON migration format is described in [`format`](mod@format) (`FORMAT.md`).
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
    applied_migrations_async, execute_plan, execute_plan_async, migrate, migrate_async,
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
