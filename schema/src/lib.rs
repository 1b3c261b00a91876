#![doc = include_str!("../README.md")]
//!
//! The JSON migration format is described in [`format`](mod@format) (`FORMAT.md`).
#![forbid(unsafe_code)]

mod catalog;
mod ddl;
mod defaults;
mod diff;
mod direct;
mod driver;
mod editor;
mod error;
mod expected;
mod expr;
mod expr_type;
mod field;
mod graph;
mod handlers;
mod history;
mod introspect;
mod migrate;
mod migration;
mod model;
mod names;
mod ops;
mod plan;
mod quote;
mod raw_sql;
mod sql_script;
mod state;

/// The JSON migration format (the text of `FORMAT.md`).
pub mod format {
    #![doc = include_str!("../FORMAT.md")]
}

pub use ddl::column_definition;
pub use diff::{Difference, diff};
pub use driver::Progress;
pub use error::{Result, SchemaError};
pub use expr::{Condition, DbDefault, Expr};
pub use field::{Field, FieldKind};
pub use graph::{Key, MigrationGraph, Target};
pub use handlers::{HandlerError, HandlerFuture, Handlers};
pub use history::{DJANGO_MIGRATIONS_DDL, MigrationRecord};
pub use introspect::{
    DbColumn, DbForeignKey, DbIndex, DbSchema, DbTable, introspect, introspect_async,
    introspection_statements, parse_introspection,
};
pub use migrate::{
    Migrator, applied_migrations, applied_migrations_async, execute_plan, execute_plan_async,
    migrate, migrate_async,
};
pub use migration::{Migration, OperationSql};
pub use model::{Constraint, Index, Model, ModelOptions};
pub use ops::{
    AddConstraint, AddField, AddIndex, AlterField, AlterIndexTogether, AlterModelManagers,
    AlterModelOptions, AlterModelTable, AlterModelTableComment, AlterOrderWithRespectTo,
    AlterUniqueTogether, CreateModel, DeleteModel, Operation, RemoveConstraint, RemoveField,
    RemoveIndex, RenameField, RenameIndex, RenameModel, RunPython, RunSql,
    SeparateDatabaseAndState, SqlCode, SqlParams,
};
pub use plan::{Direction, Expect, MigrationPlan, OnFailure, PlanStep, StepAction};
pub use quote::{auto_index_name, create_index_name, names_digest, quote_name};
pub use state::ProjectState;
