//! Migration operations (Django's `django.db.migrations.operations`).
//!
//! Each operation is a struct in one of the files beside this one, implementing [`Op`]:
//! how it loads from JSON, its `describe()`, its state change, and its SQL forwards and
//! backwards. The [`Operation`] enum and its JSON dispatch are generated from the one list
//! in [`operations!`]: adding an operation is a struct, its `Op` impl, and one line there.

mod field_ops;
mod index_ops;
mod model_ops;
mod special_ops;

use serde_json::{Map, Value as Json};

use crate::editor::Editor;
use crate::error::{Result, SchemaError};
use crate::model::{array, obj, string, unknown};
use crate::state::ProjectState;

pub use field_ops::{AddField, AlterField, RemoveField, RenameField};
pub use index_ops::{AddConstraint, AddIndex, RemoveConstraint, RemoveIndex, RenameIndex};
pub use model_ops::{
    AlterIndexTogether, AlterModelManagers, AlterModelOptions, AlterModelTable,
    AlterModelTableComment, AlterOrderWithRespectTo, AlterUniqueTogether, CreateModel, DeleteModel,
    RenameModel,
};
pub use special_ops::{RunPython, RunSql, SeparateDatabaseAndState, SqlCode, SqlParams};

/// Which of an operation's two states Django renders (builds model classes for).
///
/// The order matters: Django numbers every field it creates, and a remade table lists its
/// columns by that number, so a field taken from the state rendered first goes before the
/// fields of the state rendered later (see `ProjectState::render`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    /// The state before the operation (`from_state`).
    From,
    /// The state after the operation (`to_state`).
    To,
}

/// The behaviour every operation implements (crate-internal; the public face is
/// [`Operation`]).
pub(crate) trait Op {
    /// Loads the operation from its JSON keyword arguments (`op` already removed).
    fn from_json(args: &Args<'_>) -> Result<Self>
    where
        Self: Sized;
    /// Django's `describe()`.
    fn describe(&self) -> String;
    /// Django's `state_forwards`.
    fn state_forwards(&self, app: &str, state: &mut ProjectState) -> Result<()>;
    /// Django's `database_forwards`.
    fn database_forwards(
        &self,
        app: &str,
        ed: &mut Editor,
        from: &ProjectState,
        to: &ProjectState,
    ) -> Result<()>;
    /// Django's `database_backwards` (`from` is the state after the operation, `to` the
    /// state before it).
    fn database_backwards(
        &self,
        app: &str,
        ed: &mut Editor,
        from: &ProjectState,
        to: &ProjectState,
    ) -> Result<()>;
    /// Whether the operation can be unapplied (Django's `reversible`).
    fn reversible(&self) -> bool {
        true
    }
    /// `false` for RunPython: `sqlmigrate` prints a note instead of SQL.
    fn reduces_to_sql(&self) -> bool {
        true
    }
    /// Django's `operation.atomic` (true only for `RunPython(atomic=True)`): in a
    /// non-atomic migration, the operation still runs in a transaction of its own.
    fn atomic(&self) -> bool {
        false
    }
    /// The states Django renders, in order, when it runs the operation's SQL forwards
    /// (`backwards` false) or backwards.
    fn renders(&self, backwards: bool) -> &'static [Side] {
        let _ = backwards;
        &[Side::To, Side::From]
    }
}

/// The keyword arguments of one operation in JSON, with checked access.
pub(crate) struct Args<'a> {
    pub op: &'a str,
    pub map: &'a Map<String, Json>,
}

impl<'a> Args<'a> {
    /// Fails on any key not in `keys` (`op` aside).
    pub fn allow(&self, keys: &[&str]) -> Result<()> {
        for k in self.map.keys() {
            if k != "op" && !keys.contains(&k.as_str()) {
                return Err(unknown(self.op, k));
            }
        }
        Ok(())
    }
    /// A required value.
    pub fn get(&self, k: &str) -> Result<&'a Json> {
        self.map
            .get(k)
            .ok_or_else(|| SchemaError::Json(format!("{}: missing `{k}`", self.op)))
    }
    /// An optional value (`null` counts as absent).
    pub fn opt(&self, k: &str) -> Option<&'a Json> {
        self.map.get(k).filter(|v| !v.is_null())
    }
    /// A required string.
    pub fn str(&self, k: &str) -> Result<String> {
        string(self.get(k)?, self.op, k)
    }
    /// An optional string.
    pub fn opt_str(&self, k: &str) -> Result<Option<String>> {
        self.opt(k).map(|v| string(v, self.op, k)).transpose()
    }
    /// An optional boolean with a default.
    pub fn bool_or(&self, k: &str, default: bool) -> Result<bool> {
        match self.opt(k) {
            None => Ok(default),
            Some(v) => v.as_bool().ok_or_else(|| SchemaError::InvalidValue {
                context: self.op.into(),
                key: k.into(),
                reason: "expected a boolean".into(),
            }),
        }
    }
    /// A list of nested operations.
    pub fn operations(&self, k: &str) -> Result<Vec<Operation>> {
        match self.opt(k) {
            None => Ok(Vec::new()),
            Some(v) => operations(v),
        }
    }
}

/// Generates [`Operation`] (one variant per operation struct), its JSON dispatch and its
/// dispatch to [`Op`].
macro_rules! operations {
    ($($(#[$doc:meta])* $variant:ident => $json:literal),* $(,)?) => {
        /// One migration operation, with Django's names and arguments.
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub enum Operation {
            $($(#[$doc])* $variant($variant),)*
        }

        $(impl From<$variant> for Operation {
            fn from(o: $variant) -> Self {
                Operation::$variant(o)
            }
        })*

        impl Operation {
            fn op(&self) -> &dyn Op {
                match self {
                    $(Operation::$variant(o) => o,)*
                }
            }

            fn parse(args: &Args<'_>) -> Result<Self> {
                match args.op {
                    $($json => Ok(Operation::$variant(<$variant as Op>::from_json(args)?)),)*
                    other => Err(SchemaError::Unsupported(format!("operation `{other}`"))),
                }
            }
        }
    };
}

operations! {
    /// `CreateModel(name, fields, options)`.
    CreateModel => "CreateModel",
    /// `DeleteModel(name)`.
    DeleteModel => "DeleteModel",
    /// `RenameModel(old_name, new_name)`.
    RenameModel => "RenameModel",
    /// `AlterModelTable(name, table)`.
    AlterModelTable => "AlterModelTable",
    /// `AlterModelTableComment(name, table_comment)` (no SQL on SQLite).
    AlterModelTableComment => "AlterModelTableComment",
    /// `AlterUniqueTogether(name, unique_together)`.
    AlterUniqueTogether => "AlterUniqueTogether",
    /// `AlterIndexTogether(name, index_together)`.
    AlterIndexTogether => "AlterIndexTogether",
    /// `AlterOrderWithRespectTo(name, order_with_respect_to)`.
    AlterOrderWithRespectTo => "AlterOrderWithRespectTo",
    /// `AlterModelOptions(name, options)` (no SQL).
    AlterModelOptions => "AlterModelOptions",
    /// `AlterModelManagers(name, managers)` (no SQL).
    AlterModelManagers => "AlterModelManagers",
    /// `AddField(model_name, name, field, preserve_default)`.
    AddField => "AddField",
    /// `RemoveField(model_name, name)`.
    RemoveField => "RemoveField",
    /// `AlterField(model_name, name, field, preserve_default)`.
    AlterField => "AlterField",
    /// `RenameField(model_name, old_name, new_name)`.
    RenameField => "RenameField",
    /// `AddIndex(model_name, index)`.
    AddIndex => "AddIndex",
    /// `RemoveIndex(model_name, name)`.
    RemoveIndex => "RemoveIndex",
    /// `RenameIndex(model_name, new_name, old_name)`.
    RenameIndex => "RenameIndex",
    /// `AddConstraint(model_name, constraint)`.
    AddConstraint => "AddConstraint",
    /// `RemoveConstraint(model_name, name)`.
    RemoveConstraint => "RemoveConstraint",
    /// `RunSQL(sql, reverse_sql, state_operations, hints, elidable)`.
    RunSql => "RunSQL",
    /// `RunPython(code, reverse_code, atomic, hints, elidable)`.
    RunPython => "RunPython",
    /// `SeparateDatabaseAndState(database_operations, state_operations)`.
    SeparateDatabaseAndState => "SeparateDatabaseAndState",
}

impl Operation {
    /// A `CreateModel` for a model built in Rust.
    ///
    /// ```
    /// use sqlport_schema::{Field, FieldKind, Migration, Model, Operation, ProjectState};
    /// let tag = Model::new("shop", "Tag")
    ///     .field("id", Field::new(FieldKind::SmallAutoField).primary_key(true))
    ///     .field("label", Field::new(FieldKind::CharField).max_length(40).unique(true));
    /// let m = Migration::new("shop", "0001_initial", vec![Operation::create_model(&tag)]);
    /// let sql = m.statements(&mut ProjectState::new()).unwrap();
    /// assert_eq!(sql, vec![
    ///     r#"CREATE TABLE "shop_tag" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "label" varchar(40) NOT NULL UNIQUE)"#,
    /// ]);
    /// ```
    pub fn create_model(model: &crate::model::Model) -> Self {
        Operation::CreateModel(CreateModel {
            name: model.name.clone(),
            fields: model.fields.clone(),
            options: model.options.clone(),
        })
    }

    /// Loads `{"op": "AddField", "model_name": ..., ...}` (the JSON format, `FORMAT.md`).
    pub fn from_json(v: &Json) -> Result<Self> {
        let map = obj(v, "operation")?;
        let op = map
            .get("op")
            .and_then(Json::as_str)
            .ok_or_else(|| SchemaError::Json("an operation needs a string `op`".into()))?;
        let op = op.rsplit('.').next().unwrap_or(op);
        Self::parse(&Args { op, map })
    }

    /// Django's `describe()`: the text sqlmigrate prints after `-- `.
    pub fn describe(&self) -> String {
        self.op().describe()
    }

    /// Applies the operation to the project state (Django's `state_forwards`).
    pub fn state_forwards(&self, app: &str, state: &mut ProjectState) -> Result<()> {
        self.op().state_forwards(app, state)
    }

    /// Whether the operation can be unapplied (RunPython without `reverse_code` and RunSQL
    /// without `reverse_sql` cannot).
    pub fn reversible(&self) -> bool {
        self.op().reversible()
    }

    /// `false` for `RunPython`: `sqlmigrate` prints `-- THIS OPERATION CANNOT BE WRITTEN AS SQL`.
    pub fn reduces_to_sql(&self) -> bool {
        self.op().reduces_to_sql()
    }

    /// Django's `operation.atomic`: `true` only for `RunPython(atomic=True)`, which runs in
    /// a transaction of its own inside a non-atomic migration.
    pub fn atomic(&self) -> bool {
        self.op().atomic()
    }

    /// The SQL forwards or backwards, into the editor, rendering states as Django does.
    pub(crate) fn database(
        &self,
        app: &str,
        ed: &mut Editor,
        from: &mut ProjectState,
        to: &mut ProjectState,
        backwards: bool,
    ) -> Result<()> {
        for side in self.op().renders(backwards) {
            match side {
                Side::From => from.render()?,
                Side::To => to.render()?,
            }
        }
        if backwards {
            self.op().database_backwards(app, ed, from, to)
        } else {
            self.op().database_forwards(app, ed, from, to)
        }
    }

    /// The names of the Rust handlers this operation calls (RunPython), forwards or
    /// backwards, nested operations included.
    pub fn handlers(&self, backwards: bool) -> Vec<String> {
        match self {
            Operation::RunPython(r) => r.handler(backwards).into_iter().collect(),
            Operation::SeparateDatabaseAndState(s) => s
                .database_operations
                .iter()
                .flat_map(|o| o.handlers(backwards))
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// Parses a list of operations.
pub(crate) fn operations(v: &Json) -> Result<Vec<Operation>> {
    array(v, "migration", "operations")?
        .iter()
        .map(Operation::from_json)
        .collect()
}

crate::model::deserialize_via_json!(Operation);
