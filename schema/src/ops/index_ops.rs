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

/// `RenameIndex(model_name, new_name, old_name)`: SQLite cannot rename an index, so the
/// index is dropped and created again under the new name.
#[derive(Debug, Clone, PartialEq)]
pub struct RenameIndex {
    /// The model name (lower case, as Django writes it).
    pub model_name: String,
    /// The new name.
    pub new_name: String,
    /// The old name.
    pub old_name: String,
}

impl Op for RenameIndex {
    fn from_json(a: &Args<'_>) -> Result<Self> {
        a.allow(&["model_name", "new_name", "old_name", "old_fields"])?;
        if a.opt("old_fields").is_some() {
            return Err(SchemaError::Unsupported(
                "RenameIndex with old_fields".into(),
            ));
        }
        Ok(RenameIndex {
            model_name: a.str("model_name")?,
            new_name: a.str("new_name")?,
            old_name: a.str("old_name")?,
        })
    }

    fn describe(&self) -> String {
        format!(
            "Rename index {} on {} to {}",
            self.old_name, self.model_name, self.new_name
        )
    }

    fn state_forwards(&self, app: &str, state: &mut ProjectState) -> Result<()> {
        let m = state.get_mut(app, &self.model_name)?;
        let i = index_pos(m, &self.old_name)?;
        m.options.indexes[i].name = Some(self.new_name.clone());
        Ok(())
    }

    fn database_forwards(
        &self,
        app: &str,
        ed: &mut Editor,
        _from: &ProjectState,
        to: &ProjectState,
    ) -> Result<()> {
        let m = to.model(app, &self.model_name)?;
        index_pos(m, &self.new_name)?;
        drop_index(ed, &self.old_name);
        create_index(ed, to, m, &self.new_name)
    }

    fn database_backwards(
        &self,
        app: &str,
        ed: &mut Editor,
        _from: &ProjectState,
        to: &ProjectState,
    ) -> Result<()> {
        let m = to.model(app, &self.model_name)?;
        index_pos(m, &self.old_name)?;
        drop_index(ed, &self.new_name);
        create_index(ed, to, m, &self.old_name)
    }

    fn renders(&self, _backwards: bool) -> &'static [Side] {
        &[Side::To]
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
