//! Migration operations (Django's `migrations.*`): loading, describing, state changes and SQL.

use serde_json::Value as Json;

use crate::ddl::{Lookup, TableDef};
use crate::editor::{Editor, Remake};
use crate::error::{Result, SchemaError};
use crate::field::{Field, FieldKind};
use crate::model::{
    Constraint, Index, Model, ModelOptions, array, obj, string, unique_together, unknown,
};
use crate::quote::{create_index_name, quote_name};
use crate::state::{ProjectState, refers_to};

/// One migration operation, with Django's names and arguments.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub enum Operation {
    /// `CreateModel(name, fields, options)`.
    CreateModel {
        name: String,
        fields: Vec<(String, Field)>,
        options: ModelOptions,
    },
    /// `DeleteModel(name)`.
    DeleteModel { name: String },
    /// `RenameModel(old_name, new_name)`.
    RenameModel { old_name: String, new_name: String },
    /// `AlterModelTable(name, table)`.
    AlterModelTable { name: String, table: Option<String> },
    /// `AddField(model_name, name, field, preserve_default)`.
    AddField {
        model_name: String,
        name: String,
        field: Field,
        preserve_default: bool,
    },
    /// `RemoveField(model_name, name)`.
    RemoveField { model_name: String, name: String },
    /// `AlterField(model_name, name, field)`.
    AlterField {
        model_name: String,
        name: String,
        field: Field,
    },
    /// `RenameField(model_name, old_name, new_name)`.
    RenameField {
        model_name: String,
        old_name: String,
        new_name: String,
    },
    /// `AddIndex(model_name, index)`.
    AddIndex { model_name: String, index: Index },
    /// `RemoveIndex(model_name, name)`.
    RemoveIndex { model_name: String, name: String },
    /// `RenameIndex(model_name, new_name, old_name)`.
    RenameIndex {
        model_name: String,
        new_name: String,
        old_name: String,
    },
    /// `AddConstraint(model_name, constraint)`.
    AddConstraint {
        model_name: String,
        constraint: Constraint,
    },
    /// `RemoveConstraint(model_name, name)`.
    RemoveConstraint { model_name: String, name: String },
    /// `AlterUniqueTogether(name, unique_together)`.
    AlterUniqueTogether {
        name: String,
        unique_together: Vec<Vec<String>>,
    },
    /// Options with no schema effect (`AlterModelOptions`, `AlterModelManagers`, ...): no-op.
    NoOp { describe: String },
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

    /// Emits the operation's SQL (Django's `database_forwards`) into the editor.
    pub(crate) fn database_forwards(
        &self,
        app: &str,
        ed: &mut Editor,
        from: &ProjectState,
        to: &ProjectState,
    ) -> Result<()> {
        let lk = Lookup { states: [to, from] };
        let old_lk = Lookup { states: [from, to] };
        match self {
            Operation::CreateModel { name, .. } => {
                ed.create_model(lk, &TableDef::from_model(to.model(app, name)?))?;
            }
            Operation::DeleteModel { name } => {
                ed.delete_model(old_lk, &TableDef::from_model(from.model(app, name)?))?;
            }
            Operation::RenameModel { old_name, new_name } => {
                rename_model(app, ed, from, to, old_name, new_name)?
            }
            Operation::AlterModelTable { name, .. } => {
                let (om, nm) = (from.model(app, name)?, to.model(app, name)?);
                ed.alter_db_table(&om.db_table(), &nm.db_table());
                for ((fname, of), (_, nf)) in om.fields.iter().zip(nm.fields.iter()) {
                    if of.kind == FieldKind::ManyToManyField && of.through.is_none() {
                        let ot = TableDef::through(old_lk, om, fname, of)?;
                        let nt = TableDef::through(lk, nm, fname, nf)?;
                        ed.alter_db_table(&ot.table, &nt.table);
                    }
                }
            }
            Operation::AddField {
                model_name,
                name,
                field,
                ..
            } => {
                let from_td = TableDef::from_model(from.model(app, model_name)?);
                let to_td = TableDef::from_model(to.model(app, model_name)?);
                ed.add_field(lk, &from_td, &to_td, name, field)?;
            }
            Operation::RemoveField { model_name, name } => {
                ed.remove_field(
                    old_lk,
                    &TableDef::from_model(from.model(app, model_name)?),
                    name,
                )?;
            }
            Operation::AlterField {
                model_name, name, ..
            } => alter_field_op(app, ed, from, to, model_name, name, name)?,
            Operation::RenameField {
                model_name,
                old_name,
                new_name,
            } => alter_field_op(app, ed, from, to, model_name, old_name, new_name)?,
            Operation::AddIndex { model_name, index } => {
                let td = TableDef::from_model(to.model(app, model_name)?);
                let name = td
                    .indexes
                    .iter()
                    .rev()
                    .find(|i| i.fields == index.fields && i.expressions == index.expressions)
                    .and_then(|i| i.name.clone())
                    .unwrap_or_default();
                let ix = td
                    .indexes
                    .iter()
                    .find(|i| i.name.as_deref() == Some(&name))
                    .cloned()
                    .unwrap_or_else(|| index.clone());
                ed.execute(format!(
                    "CREATE INDEX {} ON {} {}",
                    quote_name(&name),
                    quote_name(&td.table),
                    crate::ddl::index_body(&td, &ix)?
                ));
            }
            Operation::RemoveIndex { name, .. } => {
                ed.execute(format!("DROP INDEX {}", quote_name(name)))
            }
            Operation::RenameIndex {
                model_name,
                new_name,
                old_name,
            } => {
                let td = TableDef::from_model(to.model(app, model_name)?);
                let ix = td
                    .indexes
                    .iter()
                    .find(|i| i.name.as_deref() == Some(new_name))
                    .ok_or_else(|| SchemaError::UnknownIndex {
                        model: model_name.clone(),
                        name: new_name.clone(),
                    })?;
                ed.execute(format!("DROP INDEX {}", quote_name(old_name)));
                ed.execute(format!(
                    "CREATE INDEX {} ON {} {}",
                    quote_name(new_name),
                    quote_name(&td.table),
                    crate::ddl::index_body(&td, ix)?
                ));
            }
            Operation::AddConstraint {
                model_name,
                constraint,
            } => {
                ed.add_constraint(
                    lk,
                    &TableDef::from_model(to.model(app, model_name)?),
                    constraint,
                )?;
            }
            Operation::RemoveConstraint { model_name, name } => {
                let fm = from.model(app, model_name)?;
                let c = fm
                    .options
                    .constraints
                    .iter()
                    .find(|c| c.name() == name)
                    .ok_or_else(|| SchemaError::UnknownIndex {
                        model: model_name.clone(),
                        name: name.clone(),
                    })?;
                ed.remove_constraint(lk, &TableDef::from_model(to.model(app, model_name)?), c)?;
            }
            Operation::AlterUniqueTogether {
                name,
                unique_together,
            } => {
                let fm = TableDef::from_model(from.model(app, name)?);
                let tm = TableDef::from_model(to.model(app, name)?);
                for old in &fm.unique_together {
                    if !unique_together.contains(old) {
                        let cols = old
                            .iter()
                            .map(|f| fm.column(f))
                            .collect::<Result<Vec<_>>>()?;
                        ed.execute(format!(
                            "DROP INDEX {}",
                            quote_name(&create_index_name(&fm.table, &cols, "_uniq"))
                        ));
                    }
                }
                for new in unique_together {
                    if !fm.unique_together.contains(new) {
                        let cols = new
                            .iter()
                            .map(|f| tm.column(f))
                            .collect::<Result<Vec<_>>>()?;
                        let qcols: Vec<String> = cols.iter().map(|c| quote_name(c)).collect();
                        ed.execute(format!(
                            "CREATE UNIQUE INDEX {} ON {} ({})",
                            quote_name(&create_index_name(&tm.table, &cols, "_uniq")),
                            quote_name(&tm.table),
                            qcols.join(", ")
                        ));
                    }
                }
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

/// `AlterField` / `RenameField`: the editor's `alter_field`, M2M fields included.
fn alter_field_op(
    app: &str,
    ed: &mut Editor,
    from: &ProjectState,
    to: &ProjectState,
    model_name: &str,
    old_name: &str,
    new_name: &str,
) -> Result<()> {
    let lk = Lookup { states: [to, from] };
    let old_lk = Lookup { states: [from, to] };
    let (fm, tm) = (from.model(app, model_name)?, to.model(app, model_name)?);
    let td = TableDef::from_model(fm);
    let old = td.field(old_name)?.clone();
    let new = tm
        .get_field(new_name)
        .cloned()
        .ok_or_else(|| SchemaError::UnknownField {
            model: model_name.to_string(),
            field: new_name.to_string(),
        })?;
    let m2m = (
        old.kind == FieldKind::ManyToManyField,
        new.kind == FieldKind::ManyToManyField,
    );
    match m2m {
        (false, false) => ed.alter_field(old_lk, lk, &td, (old_name, &old), (new_name, &new)),
        (true, true) if old.through.is_none() && new.through.is_none() => {
            let same = old_name == new_name && old.db_signature() == new.db_signature();
            if same {
                return Ok(());
            }
            alter_many_to_many(ed, old_lk, lk, fm, tm, (old_name, new_name), &old, &new)
        }
        (true, true) if old.through.is_some() && new.through.is_some() => Ok(()),
        _ => Err(SchemaError::Unsupported(format!(
            "changing {model_name}.{old_name} between a ManyToManyField and another kind, or between auto and custom through tables"
        ))),
    }
}

/// `RenameModel.database_forwards`.
fn rename_model(
    app: &str,
    ed: &mut Editor,
    from: &ProjectState,
    to: &ProjectState,
    old_name: &str,
    new_name: &str,
) -> Result<()> {
    let lk = Lookup { states: [to, from] };
    let old_lk = Lookup { states: [from, to] };
    let om = from.model(app, old_name)?;
    let nm = to.model(app, new_name)?;
    ed.alter_db_table(&om.db_table(), &nm.db_table());
    // Related objects: auto M2M fields of any model (this one included) that point at it.
    for fm_model in &from.models {
        for (fname, f) in &fm_model.fields {
            let points_here = f.kind == FieldKind::ManyToManyField
                && f.through.is_none()
                && f.to
                    .as_deref()
                    .is_some_and(|t| refers_to(&fm_model.app_label, t, app, old_name));
            if !points_here {
                continue;
            }
            let is_self = fm_model.app_label == app && fm_model.name.eq_ignore_ascii_case(old_name);
            let owner_new = if is_self {
                nm
            } else {
                to.model(&fm_model.app_label, &fm_model.name)?
            };
            let nf = owner_new
                .get_field(fname)
                .ok_or_else(|| SchemaError::UnknownField {
                    model: owner_new.name.clone(),
                    field: fname.clone(),
                })?;
            alter_many_to_many(ed, old_lk, lk, fm_model, owner_new, (fname, fname), f, nf)?;
        }
    }
    // Then the model's own M2M fields that point elsewhere.
    for ((fname, of), (_, nf)) in om.fields.iter().zip(nm.fields.iter()) {
        if of.kind != FieldKind::ManyToManyField || of.through.is_some() {
            continue;
        }
        if of
            .to
            .as_deref()
            .is_some_and(|t| refers_to(app, t, app, old_name))
        {
            continue;
        }
        alter_many_to_many(ed, old_lk, lk, om, nm, (fname, fname), of, nf)?;
    }
    Ok(())
}

/// `_alter_many_to_many` of the SQLite editor.
#[allow(clippy::too_many_arguments)]
fn alter_many_to_many(
    ed: &mut Editor,
    old_lk: Lookup<'_>,
    lk: Lookup<'_>,
    old_owner: &Model,
    new_owner: &Model,
    (old_name, new_name): (&str, &str),
    of: &Field,
    nf: &Field,
) -> Result<()> {
    let ot = TableDef::through(old_lk, old_owner, old_name, of)?;
    let nt = TableDef::through(lk, new_owner, new_name, nf)?;
    let (o_self, o_rev) = (&ot.fields[1], &ot.fields[2]);
    let (n_self, n_rev) = (&nt.fields[1], &nt.fields[2]);
    if ot.table == nt.table {
        let ch = Remake {
            alter: vec![
                (
                    o_rev.0.clone(),
                    o_rev.1.clone(),
                    n_rev.0.clone(),
                    n_rev.1.clone(),
                ),
                (
                    o_self.0.clone(),
                    o_self.1.clone(),
                    n_self.0.clone(),
                    n_self.1.clone(),
                ),
            ],
            new_order: vec![n_self.0.clone(), n_rev.0.clone()],
            ..Default::default()
        };
        return ed.remake(lk, &ot, ch);
    }
    ed.create_model(lk, &nt)?;
    ed.execute(format!(
        "INSERT INTO {} (id, {}, {}) SELECT id, {}, {} FROM {}",
        quote_name(&nt.table),
        n_self.1.column_name(&n_self.0),
        n_rev.1.column_name(&n_rev.0),
        o_self.1.column_name(&o_self.0),
        o_rev.1.column_name(&o_rev.0),
        quote_name(&ot.table)
    ));
    ed.delete_table(&ot.table);
    Ok(())
}

/// Parses a list of operations.
pub(crate) fn operations(v: &Json) -> Result<Vec<Operation>> {
    array(v, "migration", "operations")?
        .iter()
        .map(Operation::from_json)
        .collect()
}
