//! Migration operations (Django's `migrations.*`): loading, describing and state changes
//! (their SQL is in `forwards.rs`).

use serde_json::Value as Json;

use crate::error::{Result, SchemaError};
use crate::field::Field;
use crate::model::{
    Constraint, Index, Model, ModelOptions, array, obj, string, unique_together, unknown,
};
use crate::state::{ProjectState, refers_to};

/// One migration operation, with Django's names and arguments.
#[derive(Debug, Clone, PartialEq)]
pub enum Operation {
    /// `CreateModel(name, fields, options)`.
    CreateModel {
        /// The model (class) name, or the field name for field operations.
        name: String,
        /// `[name, field]` pairs, in order.
        fields: Vec<(String, Field)>,
        /// The model options.
        options: ModelOptions,
    },
    /// `DeleteModel(name)`.
    DeleteModel {
        /// The model (class) name, or the field name for field operations.
        name: String,
    },
    /// `RenameModel(old_name, new_name)`.
    RenameModel {
        /// The old name.
        old_name: String,
        /// The new name.
        new_name: String,
    },
    /// `AlterModelTable(name, table)`.
    AlterModelTable {
        /// The model (class) name, or the field name for field operations.
        name: String,
        /// The new `db_table` (`None`: the default name).
        table: Option<String>,
    },
    /// `AddField(model_name, name, field, preserve_default)`.
    AddField {
        /// The model name (lower case, as Django writes it).
        model_name: String,
        /// The model (class) name, or the field name for field operations.
        name: String,
        /// The field.
        field: Field,
        /// `false`: the default is only used to fill existing rows.
        preserve_default: bool,
    },
    /// `RemoveField(model_name, name)`.
    RemoveField {
        /// The model name (lower case, as Django writes it).
        model_name: String,
        /// The model (class) name, or the field name for field operations.
        name: String,
    },
    /// `AlterField(model_name, name, field)`.
    AlterField {
        /// The model name (lower case, as Django writes it).
        model_name: String,
        /// The model (class) name, or the field name for field operations.
        name: String,
        /// The field.
        field: Field,
    },
    /// `RenameField(model_name, old_name, new_name)`.
    RenameField {
        /// The model name (lower case, as Django writes it).
        model_name: String,
        /// The old name.
        old_name: String,
        /// The new name.
        new_name: String,
    },
    /// `AddIndex(model_name, index)`.
    AddIndex {
        /// The model name (lower case, as Django writes it).
        model_name: String,
        /// The index.
        index: Index,
    },
    /// `RemoveIndex(model_name, name)`.
    RemoveIndex {
        /// The model name (lower case, as Django writes it).
        model_name: String,
        /// The model (class) name, or the field name for field operations.
        name: String,
    },
    /// `RenameIndex(model_name, new_name, old_name)`.
    RenameIndex {
        /// The model name (lower case, as Django writes it).
        model_name: String,
        /// The new name.
        new_name: String,
        /// The old name.
        old_name: String,
    },
    /// `AddConstraint(model_name, constraint)`.
    AddConstraint {
        /// The model name (lower case, as Django writes it).
        model_name: String,
        /// The constraint.
        constraint: Constraint,
    },
    /// `RemoveConstraint(model_name, name)`.
    RemoveConstraint {
        /// The model name (lower case, as Django writes it).
        model_name: String,
        /// The model (class) name, or the field name for field operations.
        name: String,
    },
    /// `AlterUniqueTogether(name, unique_together)`.
    AlterUniqueTogether {
        /// The model (class) name, or the field name for field operations.
        name: String,
        /// The new `unique_together` (field names).
        unique_together: Vec<Vec<String>>,
    },
    /// Options with no schema effect (`AlterModelOptions`, `AlterModelManagers`, ...): no-op.
    NoOp {
        /// The description printed by `sqlmigrate`.
        describe: String,
    },
}

fn field_list(v: &Json) -> Result<Vec<(String, Field)>> {
    array(v, "CreateModel", "fields")?
        .iter()
        .map(|pair| {
            let p = pair
                .as_array()
                .filter(|p| p.len() == 2)
                .ok_or_else(|| SchemaError::Json("a field entry must be [name, field]".into()))?;
            Ok((
                string(&p[0], "CreateModel", "fields")?,
                Field::from_json(&p[1])?,
            ))
        })
        .collect()
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
    pub fn create_model(model: &Model) -> Self {
        Operation::CreateModel {
            name: model.name.clone(),
            fields: model.fields.clone(),
            options: model.options.clone(),
        }
    }

    /// Loads `{"op": "AddField", "model_name": ..., ...}`.
    pub fn from_json(v: &Json) -> Result<Self> {
        let o = obj(v, "operation")?;
        let op = o
            .get("op")
            .and_then(Json::as_str)
            .ok_or_else(|| SchemaError::Json("an operation needs a string `op`".into()))?;
        let ctx = op.to_string();
        let get = |k: &str| {
            o.get(k)
                .ok_or_else(|| SchemaError::Json(format!("{ctx}: missing `{k}`")))
        };
        let s = |k: &str| get(k).and_then(|v| string(v, &ctx, k));
        let allowed = |keys: &[&str]| -> Result<()> {
            for k in o.keys() {
                if k != "op" && !keys.contains(&k.as_str()) {
                    return Err(unknown(&ctx, k));
                }
            }
            Ok(())
        };
        Ok(match op {
            "CreateModel" => {
                allowed(&["name", "fields", "options", "bases", "managers"])?;
                let options = match o.get("options") {
                    Some(v) => ModelOptions::from_json(v)?,
                    None => ModelOptions::default(),
                };
                Operation::CreateModel {
                    name: s("name")?,
                    fields: field_list(get("fields")?)?,
                    options,
                }
            }
            "DeleteModel" => {
                allowed(&["name"])?;
                Operation::DeleteModel { name: s("name")? }
            }
            "RenameModel" => {
                allowed(&["old_name", "new_name"])?;
                Operation::RenameModel {
                    old_name: s("old_name")?,
                    new_name: s("new_name")?,
                }
            }
            "AlterModelTable" => {
                allowed(&["name", "table"])?;
                Operation::AlterModelTable {
                    name: s("name")?,
                    table: o.get("table").and_then(Json::as_str).map(str::to_string),
                }
            }
            "AddField" => {
                allowed(&["model_name", "name", "field", "preserve_default"])?;
                Operation::AddField {
                    model_name: s("model_name")?,
                    name: s("name")?,
                    field: Field::from_json(get("field")?)?,
                    preserve_default: o
                        .get("preserve_default")
                        .and_then(Json::as_bool)
                        .unwrap_or(true),
                }
            }
            "RemoveField" => {
                allowed(&["model_name", "name"])?;
                Operation::RemoveField {
                    model_name: s("model_name")?,
                    name: s("name")?,
                }
            }
            "AlterField" => {
                allowed(&["model_name", "name", "field", "preserve_default"])?;
                Operation::AlterField {
                    model_name: s("model_name")?,
                    name: s("name")?,
                    field: Field::from_json(get("field")?)?,
                }
            }
            "RenameField" => {
                allowed(&["model_name", "old_name", "new_name"])?;
                Operation::RenameField {
                    model_name: s("model_name")?,
                    old_name: s("old_name")?,
                    new_name: s("new_name")?,
                }
            }
            "AddIndex" => {
                allowed(&["model_name", "index"])?;
                Operation::AddIndex {
                    model_name: s("model_name")?,
                    index: Index::from_json(get("index")?)?,
                }
            }
            "RemoveIndex" => {
                allowed(&["model_name", "name"])?;
                Operation::RemoveIndex {
                    model_name: s("model_name")?,
                    name: s("name")?,
                }
            }
            "RenameIndex" => {
                allowed(&["model_name", "new_name", "old_name", "old_fields"])?;
                if o.contains_key("old_fields") {
                    return Err(SchemaError::Unsupported(
                        "RenameIndex with old_fields".into(),
                    ));
                }
                Operation::RenameIndex {
                    model_name: s("model_name")?,
                    new_name: s("new_name")?,
                    old_name: s("old_name")?,
                }
            }
            "AddConstraint" => {
                allowed(&["model_name", "constraint"])?;
                Operation::AddConstraint {
                    model_name: s("model_name")?,
                    constraint: Constraint::from_json(get("constraint")?)?,
                }
            }
            "RemoveConstraint" => {
                allowed(&["model_name", "name"])?;
                Operation::RemoveConstraint {
                    model_name: s("model_name")?,
                    name: s("name")?,
                }
            }
            "AlterUniqueTogether" => {
                allowed(&["name", "unique_together"])?;
                let ut = match o.get("unique_together") {
                    None | Some(Json::Null) => Vec::new(),
                    Some(v) => unique_together(v)?,
                };
                Operation::AlterUniqueTogether {
                    name: s("name")?,
                    unique_together: ut,
                }
            }
            "AlterModelOptions"
            | "AlterModelManagers"
            | "AlterModelTableComment"
            | "AlterOrderWithRespectTo" => {
                if op == "AlterOrderWithRespectTo" {
                    return Err(SchemaError::Unsupported("AlterOrderWithRespectTo".into()));
                }
                let name = s("name")?;
                let describe = match op {
                    "AlterModelOptions" => format!("Change Meta options on {name}"),
                    "AlterModelManagers" => format!("Change managers on {name}"),
                    _ => format!("Alter {name} table comment"),
                };
                Operation::NoOp { describe }
            }
            other => return Err(SchemaError::Unsupported(format!("operation `{other}`"))),
        })
    }

    /// Django's `describe()`: the text sqlmigrate prints after `-- `.
    pub fn describe(&self) -> String {
        match self {
            Operation::CreateModel { name, .. } => format!("Create model {name}"),
            Operation::DeleteModel { name } => format!("Delete model {name}"),
            Operation::RenameModel { old_name, new_name } => {
                format!("Rename model {old_name} to {new_name}")
            }
            Operation::AlterModelTable { name, table } => {
                format!(
                    "Rename table for {name} to {}",
                    table.as_deref().unwrap_or("(default)")
                )
            }
            Operation::AddField {
                model_name, name, ..
            } => format!("Add field {name} to {model_name}"),
            Operation::RemoveField { model_name, name } => {
                format!("Remove field {name} from {model_name}")
            }
            Operation::AlterField {
                model_name, name, ..
            } => format!("Alter field {name} on {model_name}"),
            Operation::RenameField {
                model_name,
                old_name,
                new_name,
            } => {
                format!("Rename field {old_name} on {model_name} to {new_name}")
            }
            Operation::AddIndex { model_name, index } => {
                let name = index.name.as_deref().unwrap_or("");
                if index.expressions.is_empty() {
                    format!(
                        "Create index {name} on field(s) {} of model {model_name}",
                        index.fields.join(", ")
                    )
                } else {
                    let e: Vec<String> = index.expressions.iter().map(|e| e.repr()).collect();
                    format!(
                        "Create index {name} on {} on model {model_name}",
                        e.join(", ")
                    )
                }
            }
            Operation::RemoveIndex { model_name, name } => {
                format!("Remove index {name} from {model_name}")
            }
            Operation::RenameIndex {
                model_name,
                new_name,
                old_name,
            } => {
                format!("Rename index {old_name} on {model_name} to {new_name}")
            }
            Operation::AddConstraint {
                model_name,
                constraint,
            } => {
                format!(
                    "Create constraint {} on model {model_name}",
                    constraint.name()
                )
            }
            Operation::RemoveConstraint { model_name, name } => {
                format!("Remove constraint {name} from model {model_name}")
            }
            Operation::AlterUniqueTogether {
                name,
                unique_together,
            } => {
                format!(
                    "Alter unique_together for {name} ({} constraint(s))",
                    unique_together.len()
                )
            }
            Operation::NoOp { describe } => describe.clone(),
        }
    }

    /// Applies the operation to the project state (Django's `state_forwards`).
    pub fn state_forwards(&self, app: &str, state: &mut ProjectState) -> Result<()> {
        match self {
            Operation::CreateModel {
                name,
                fields,
                options,
            } => {
                let mut m = Model::new(app, name.clone());
                m.fields = fields.clone();
                m.options = options.clone();
                state.add_model(m)?;
            }
            Operation::DeleteModel { name } => {
                state.model(app, name)?;
                state
                    .models
                    .retain(|m| !(m.app_label == app && m.name.eq_ignore_ascii_case(name)));
            }
            Operation::RenameModel { old_name, new_name } => {
                let m = state.get_mut(app, old_name)?;
                m.name = new_name.clone();
                let new_ref = format!("{app}.{new_name}");
                for m in &mut state.models {
                    let from_app = m.app_label.clone();
                    for (_, f) in &mut m.fields {
                        if let Some(to) = &f.to {
                            if refers_to(&from_app, to, app, old_name) {
                                f.to = Some(new_ref.clone());
                            }
                        }
                        if let Some(th) = &f.through {
                            if refers_to(&from_app, th, app, old_name) {
                                f.through = Some(new_ref.clone());
                            }
                        }
                    }
                }
            }
            Operation::AlterModelTable { name, table } => {
                state.get_mut(app, name)?.options.db_table = table.clone();
            }
            Operation::AddField {
                model_name,
                name,
                field,
                preserve_default,
            } => {
                let m = state.get_mut(app, model_name)?;
                if m.get_field(name).is_some() {
                    return Err(SchemaError::DuplicateField {
                        model: model_name.clone(),
                        field: name.clone(),
                    });
                }
                let mut f = field.clone();
                if !preserve_default {
                    f.default = None;
                }
                m.fields.push((name.clone(), f));
            }
            Operation::RemoveField { model_name, name } => {
                let m = state.get_mut(app, model_name)?;
                field_pos(m, name)?;
                m.fields.retain(|(n, _)| n != name);
            }
            Operation::AlterField {
                model_name,
                name,
                field,
            } => {
                let m = state.get_mut(app, model_name)?;
                let i = field_pos(m, name)?;
                m.fields[i].1 = field.clone();
            }
            Operation::RenameField {
                model_name,
                old_name,
                new_name,
            } => {
                let m = state.get_mut(app, model_name)?;
                let i = field_pos(m, old_name)?;
                m.fields[i].0 = new_name.clone();
                for ut in &mut m.options.unique_together {
                    for n in ut.iter_mut().filter(|n| *n == old_name) {
                        *n = new_name.clone();
                    }
                }
                for ix in &mut m.options.indexes {
                    for n in ix.fields.iter_mut() {
                        if n == old_name {
                            *n = new_name.clone();
                        } else if n.strip_prefix('-') == Some(old_name.as_str()) {
                            *n = format!("-{new_name}");
                        }
                    }
                }
                for c in &mut m.options.constraints {
                    match c {
                        Constraint::Check { condition, .. } => {
                            condition.rename_field(old_name, new_name)
                        }
                        Constraint::Unique {
                            fields, condition, ..
                        } => {
                            for n in fields.iter_mut().filter(|n| *n == old_name) {
                                *n = new_name.clone();
                            }
                            if let Some(c) = condition {
                                c.rename_field(old_name, new_name);
                            }
                        }
                    }
                }
            }
            Operation::AddIndex { model_name, index } => {
                let m = state.get_mut(app, model_name)?;
                m.options.indexes.push(index.clone());
                crate::names::name_indexes(m)?;
            }
            Operation::RemoveIndex { model_name, name } => {
                let m = state.get_mut(app, model_name)?;
                index_pos(m, name)?;
                m.options
                    .indexes
                    .retain(|i| i.name.as_deref() != Some(name));
            }
            Operation::RenameIndex {
                model_name,
                new_name,
                old_name,
            } => {
                let m = state.get_mut(app, model_name)?;
                let i = index_pos(m, old_name)?;
                m.options.indexes[i].name = Some(new_name.clone());
            }
            Operation::AddConstraint {
                model_name,
                constraint,
            } => {
                state
                    .get_mut(app, model_name)?
                    .options
                    .constraints
                    .push(constraint.clone());
            }
            Operation::RemoveConstraint { model_name, name } => {
                let m = state.get_mut(app, model_name)?;
                constraint_pos(m, name)?;
                m.options.constraints.retain(|c| c.name() != name);
            }
            Operation::AlterUniqueTogether {
                name,
                unique_together,
            } => {
                state.get_mut(app, name)?.options.unique_together = unique_together.clone();
            }
            Operation::NoOp { .. } => {}
        }
        Ok(())
    }
}

fn field_pos(m: &Model, name: &str) -> Result<usize> {
    m.fields
        .iter()
        .position(|(n, _)| n == name)
        .ok_or_else(|| SchemaError::UnknownField {
            model: m.name.clone(),
            field: name.into(),
        })
}

fn index_pos(m: &Model, name: &str) -> Result<usize> {
    m.options
        .indexes
        .iter()
        .position(|i| i.name.as_deref() == Some(name))
        .ok_or_else(|| SchemaError::UnknownIndex {
            model: m.name.clone(),
            name: name.into(),
        })
}

fn constraint_pos(m: &Model, name: &str) -> Result<usize> {
    m.options
        .constraints
        .iter()
        .position(|c| c.name() == name)
        .ok_or_else(|| SchemaError::UnknownIndex {
            model: m.name.clone(),
            name: name.into(),
        })
}

/// Parses a list of operations.
pub(crate) fn operations(v: &Json) -> Result<Vec<Operation>> {
    array(v, "migration", "operations")?
        .iter()
        .map(Operation::from_json)
        .collect()
}
