//! Index and constraint operations.

use crate::ddl::{Lookup, TableDef, index_body};
use crate::editor::Editor;
use crate::error::{Result, SchemaError};
use crate::model::{Constraint, Index, Model};
use crate::quote::quote_name;
use crate::state::ProjectState;

use super::{Args, Op, Side};

fn unknown_index(model: &str, name: &str) -> SchemaError {
    SchemaError::UnknownIndex {
        model: model.into(),
        name: name.into(),
    }
}

fn index_pos(m: &Model, name: &str) -> Result<usize> {
    m.options
        .indexes
        .iter()
        .position(|i| i.name.as_deref() == Some(name))
        .ok_or_else(|| unknown_index(&m.name, name))
}

fn constraint<'a>(m: &'a Model, name: &str) -> Result<&'a Constraint> {
    m.options
        .constraints
        .iter()
        .find(|c| c.name() == name)
        .ok_or_else(|| unknown_index(&m.name, name))
}

/// `CREATE INDEX` for the index `name` of `model` as it is in `state`.
fn create_index(ed: &mut Editor, state: &ProjectState, model: &Model, name: &str) -> Result<()> {
    let td = TableDef::of(state, model);
    let ix = &model.options.indexes[index_pos(model, name)?];
    ed.execute(format!(
        "CREATE INDEX {} ON {} {}",
        quote_name(name),
        quote_name(&td.table),
        index_body(&td, ix)?
    ));
    Ok(())
}

fn drop_index(ed: &mut Editor, name: &str) {
    ed.execute(format!("DROP INDEX {}", quote_name(name)));
}

/// `AddIndex(model_name, index)`.
#[derive(Debug, Clone, PartialEq)]
pub struct AddIndex {
    /// The model name (lower case, as Django writes it).
    pub model_name: String,
    /// The index.
    pub index: Index,
}

impl AddIndex {
    /// The index name as the state knows it (computed if the migration gave none).
    fn name(&self, state: &ProjectState, app: &str) -> Result<String> {
        match &self.index.name {
            Some(n) => Ok(n.clone()),
            None => state
                .model(app, &self.model_name)?
                .options
                .indexes
                .last()
                .and_then(|i| i.name.clone())
                .ok_or_else(|| unknown_index(&self.model_name, "")),
        }
    }
}

impl Op for AddIndex {
    fn from_json(a: &Args<'_>) -> Result<Self> {
        a.allow(&["model_name", "index"])?;
        Ok(AddIndex {
            model_name: a.str("model_name")?,
            index: Index::from_json(a.get("index")?)?,
        })
    }

    fn describe(&self) -> String {
        let (name, model_name) = (self.index.name.as_deref().unwrap_or(""), &self.model_name);
        if self.index.expressions.is_empty() {
            format!(
                "Create index {name} on field(s) {} of model {model_name}",
                self.index.fields.join(", ")
            )
        } else {
            let e: Vec<String> = self.index.expressions.iter().map(|e| e.repr()).collect();
            format!(
                "Create index {name} on {} on model {model_name}",
                e.join(", ")
            )
        }
    }

    fn state_forwards(&self, app: &str, state: &mut ProjectState) -> Result<()> {
        let m = state.get_mut(app, &self.model_name)?;
        m.options.indexes.push(self.index.clone());
        crate::names::name_indexes(m)
    }

    fn database_forwards(
        &self,
        app: &str,
        ed: &mut Editor,
        _from: &ProjectState,
        to: &ProjectState,
    ) -> Result<()> {
        let name = self.name(to, app)?;
        create_index(ed, to, to.model(app, &self.model_name)?, &name)
    }

    fn database_backwards(
        &self,
        app: &str,
        ed: &mut Editor,
        from: &ProjectState,
        _to: &ProjectState,
    ) -> Result<()> {
        drop_index(ed, &self.name(from, app)?);
        Ok(())
    }

    fn renders(&self, backwards: bool) -> &'static [Side] {
        if backwards {
            &[Side::From]
        } else {
            &[Side::To]
        }
    }
}

/// `RemoveIndex(model_name, name)`.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoveIndex {
    /// The model name (lower case, as Django writes it).
    pub model_name: String,
    /// The index name.
    pub name: String,
}

impl Op for RemoveIndex {
    fn from_json(a: &Args<'_>) -> Result<Self> {
        a.allow(&["model_name", "name"])?;
        Ok(RemoveIndex {
            model_name: a.str("model_name")?,
            name: a.str("name")?,
        })
    }

    fn describe(&self) -> String {
        format!("Remove index {} from {}", self.name, self.model_name)
    }

    fn state_forwards(&self, app: &str, state: &mut ProjectState) -> Result<()> {
        let m = state.get_mut(app, &self.model_name)?;
        index_pos(m, &self.name)?;
        m.options
            .indexes
            .retain(|i| i.name.as_deref() != Some(self.name.as_str()));
        Ok(())
    }

    fn database_forwards(
        &self,
        _app: &str,
        ed: &mut Editor,
        _from: &ProjectState,
        _to: &ProjectState,
    ) -> Result<()> {
        drop_index(ed, &self.name);
        Ok(())
    }

    fn database_backwards(
        &self,
        app: &str,
        ed: &mut Editor,
        _from: &ProjectState,
        to: &ProjectState,
    ) -> Result<()> {
        create_index(ed, to, to.model(app, &self.model_name)?, &self.name)
    }

    fn renders(&self, backwards: bool) -> &'static [Side] {
        if backwards {
            &[Side::To]
        } else {
            &[Side::From]
        }
    }
}

/// `RenameIndex(model_name, new_name, old_name)` or `RenameIndex(model_name, new_name,
/// old_fields)`: SQLite cannot rename an index, so the index is dropped and created again
/// under the new name.
///
/// With `old_fields` (Django's way out of `index_together`), the unnamed index on those
/// fields becomes the `Meta.indexes` entry `new_name`; its current name is looked up in the
/// database as Django does (computed as `index_together` names it when the database is not
/// known), and unapplying it is a no-op (the index keeps its new name, as in Django).
#[derive(Debug, Clone, PartialEq)]
pub struct RenameIndex {
    /// The model name (lower case, as Django writes it).
    pub model_name: String,
    /// The new name.
    pub new_name: String,
    /// The old name (exclusive with `old_fields`).
    pub old_name: Option<String>,
    /// The fields of the unnamed `index_together` index (exclusive with `old_name`).
    pub old_fields: Option<Vec<String>>,
    /// `old_fields` was a Python list, not a tuple (only changes `describe()`).
    pub old_fields_is_list: bool,
}

/// Python's `repr()` of a tuple or list of strings.
fn python_repr(items: &[String], list: bool) -> String {
    let quoted: Vec<String> = items
        .iter()
        .map(|s| {
            if s.contains('\'') && !s.contains('"') {
                format!("\"{s}\"")
            } else {
                format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
            }
        })
        .collect();
    match (list, quoted.len()) {
        (true, _) => format!("[{}]", quoted.join(", ")),
        (false, 1) => format!("({},)", quoted[0]),
        (false, _) => format!("({})", quoted.join(", ")),
    }
}

impl RenameIndex {
    /// The unnamed index's current name: found in the database (the plan's catalog), or
    /// computed as `index_together` names it.
    fn unnamed_index(
        ed: &Editor,
        from: &ProjectState,
        app: &str,
        model_name: &str,
        fields: &[String],
    ) -> Result<(String, Vec<String>)> {
        let fm = from.model(app, model_name)?;
        let td = TableDef::of(from, fm);
        let cols = fields
            .iter()
            .map(|f| td.column(f))
            .collect::<Result<Vec<_>>>()?;
        let computed = crate::quote::create_index_name(&td.table, &cols, "_idx");
        let name = crate::catalog::composed_index_name(
            &ed.ctx.catalog,
            &td.table,
            &cols,
            false,
            &[],
            computed,
        )?;
        Ok((name, cols))
    }
}

impl Op for RenameIndex {
    fn from_json(a: &Args<'_>) -> Result<Self> {
        a.allow(&[
            "model_name",
            "new_name",
            "old_name",
            "old_fields",
            "old_fields_is_list",
        ])?;
        let old_name = a.opt_str("old_name")?.filter(|s| !s.is_empty());
        let old_fields = match a.opt("old_fields") {
            None => None,
            Some(v) => Some(
                crate::model::array(v, "RenameIndex", "old_fields")?
                    .iter()
                    .map(|f| crate::model::string(f, "RenameIndex", "old_fields"))
                    .collect::<Result<Vec<_>>>()?,
            )
            .filter(|f| !f.is_empty()),
        };
        let invalid = |reason: &str| SchemaError::InvalidValue {
            context: "RenameIndex".into(),
            key: "old_name".into(),
            reason: reason.into(),
        };
        match (&old_name, &old_fields) {
            (None, None) => {
                return Err(invalid(
                    "RenameIndex requires one of old_name and old_fields",
                ));
            }
            (Some(_), Some(_)) => {
                return Err(invalid("old_name and old_fields are mutually exclusive"));
            }
            _ => {}
        }
        Ok(RenameIndex {
            model_name: a.str("model_name")?,
            new_name: a.str("new_name")?,
            old_name,
            old_fields,
            old_fields_is_list: a.bool_or("old_fields_is_list", false)?,
        })
    }

    fn describe(&self) -> String {
        match (&self.old_name, &self.old_fields) {
            (Some(old), _) => format!(
                "Rename index {old} on {} to {}",
                self.model_name, self.new_name
            ),
            (None, fields) => format!(
                "Rename unnamed index for {} on {} to {}",
                python_repr(
                    fields.as_deref().unwrap_or_default(),
                    self.old_fields_is_list
                ),
                self.model_name,
                self.new_name
            ),
        }
    }

    fn state_forwards(&self, app: &str, state: &mut ProjectState) -> Result<()> {
        let m = state.get_mut(app, &self.model_name)?;
        match (&self.old_name, &self.old_fields) {
            (Some(old), _) => {
                let i = index_pos(m, old)?;
                m.options.indexes[i].name = Some(self.new_name.clone());
            }
            (None, fields) => {
                let fields = fields.clone().unwrap_or_default();
                m.options.index_together.retain(|t| *t != fields);
                m.options
                    .indexes
                    .push(Index::on_fields(fields).named(self.new_name.clone()));
            }
        }
        Ok(())
    }

    fn database_forwards(
        &self,
        app: &str,
        ed: &mut Editor,
        from: &ProjectState,
        to: &ProjectState,
    ) -> Result<()> {
        let m = to.model(app, &self.model_name)?;
        let old_name = match (&self.old_name, &self.old_fields) {
            (Some(old), _) => {
                index_pos(from.model(app, &self.model_name)?, old)?;
                old.clone()
            }
            (None, fields) => {
                let fields = fields.as_deref().unwrap_or_default();
                Self::unnamed_index(ed, from, app, &self.model_name, fields)?.0
            }
        };
        // Django leaves an index whose name does not change alone.
        if old_name == self.new_name {
            return Ok(());
        }
        index_pos(m, &self.new_name)?;
        drop_index(ed, &old_name);
        create_index(ed, to, m, &self.new_name)
    }

    fn database_backwards(
        &self,
        app: &str,
        ed: &mut Editor,
        from: &ProjectState,
        to: &ProjectState,
    ) -> Result<()> {
        let Some(old_name) = &self.old_name else {
            // Django: unapplying the rename of an unnamed index is a no-op.
            return Ok(());
        };
        let m = to.model(app, &self.model_name)?;
        index_pos(from.model(app, &self.model_name)?, &self.new_name)?;
        if *old_name == self.new_name {
            return Ok(());
        }
        index_pos(m, old_name)?;
        drop_index(ed, &self.new_name);
        create_index(ed, to, m, old_name)
    }

    fn renders(&self, backwards: bool) -> &'static [Side] {
        match (backwards, self.old_fields.is_some()) {
            (true, true) => &[],
            (false, true) => &[Side::To, Side::From],
            _ => &[Side::To],
        }
    }
}

/// `AddConstraint(model_name, constraint)`.
#[derive(Debug, Clone, PartialEq)]
pub struct AddConstraint {
    /// The model name (lower case, as Django writes it).
    pub model_name: String,
    /// The constraint.
    pub constraint: Constraint,
}

impl Op for AddConstraint {
    fn from_json(a: &Args<'_>) -> Result<Self> {
        a.allow(&["model_name", "constraint"])?;
        Ok(AddConstraint {
            model_name: a.str("model_name")?,
            constraint: Constraint::from_json(a.get("constraint")?)?,
        })
    }

    fn describe(&self) -> String {
        format!(
            "Create constraint {} on model {}",
            self.constraint.name(),
            self.model_name
        )
    }

    fn state_forwards(&self, app: &str, state: &mut ProjectState) -> Result<()> {
        state
            .get_mut(app, &self.model_name)?
            .options
            .constraints
            .push(self.constraint.clone());
        Ok(())
    }

    fn database_forwards(
        &self,
        app: &str,
        ed: &mut Editor,
        from: &ProjectState,
        to: &ProjectState,
    ) -> Result<()> {
        let td = TableDef::of(to, to.model(app, &self.model_name)?);
        ed.add_constraint(Lookup { states: [to, from] }, &td, &self.constraint)
    }

    fn database_backwards(
        &self,
        app: &str,
        ed: &mut Editor,
        from: &ProjectState,
        to: &ProjectState,
    ) -> Result<()> {
        let td = TableDef::of(to, to.model(app, &self.model_name)?);
        ed.remove_constraint(Lookup { states: [to, from] }, &td, &self.constraint)
    }

    fn renders(&self, _backwards: bool) -> &'static [Side] {
        &[Side::To]
    }
}

/// `RemoveConstraint(model_name, name)`.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoveConstraint {
    /// The model name (lower case, as Django writes it).
    pub model_name: String,
    /// The constraint name.
    pub name: String,
}

impl Op for RemoveConstraint {
    fn from_json(a: &Args<'_>) -> Result<Self> {
        a.allow(&["model_name", "name"])?;
        Ok(RemoveConstraint {
            model_name: a.str("model_name")?,
            name: a.str("name")?,
        })
    }

    fn describe(&self) -> String {
        format!(
            "Remove constraint {} from model {}",
            self.name, self.model_name
        )
    }

    fn state_forwards(&self, app: &str, state: &mut ProjectState) -> Result<()> {
        let m = state.get_mut(app, &self.model_name)?;
        constraint(m, &self.name)?;
        m.options.constraints.retain(|c| c.name() != self.name);
        Ok(())
    }

    fn database_forwards(
        &self,
        app: &str,
        ed: &mut Editor,
        from: &ProjectState,
        to: &ProjectState,
    ) -> Result<()> {
        let c = constraint(from.model(app, &self.model_name)?, &self.name)?;
        let td = TableDef::of(to, to.model(app, &self.model_name)?);
        ed.remove_constraint(Lookup { states: [to, from] }, &td, c)
    }

    fn database_backwards(
        &self,
        app: &str,
        ed: &mut Editor,
        from: &ProjectState,
        to: &ProjectState,
    ) -> Result<()> {
        let m = to.model(app, &self.model_name)?;
        let c = constraint(m, &self.name)?;
        ed.add_constraint(Lookup { states: [to, from] }, &TableDef::of(to, m), c)
    }

    fn renders(&self, _backwards: bool) -> &'static [Side] {
        &[Side::To]
    }
}
