//! Operations on one field: add, remove, alter, rename (many-to-many fields included).

use crate::ddl::{Lookup, TableDef};
use crate::editor::{Editor, Remake};
use crate::error::{Result, SchemaError};
use crate::field::{Field, FieldKind};
use crate::model::Model;
use crate::quote::quote_name;
use crate::state::ProjectState;

use super::{Args, Op, Side};

fn field_pos(m: &Model, name: &str) -> Result<usize> {
    m.fields
        .iter()
        .position(|(n, _)| n == name)
        .ok_or_else(|| SchemaError::UnknownField {
            model: m.name.clone(),
            field: name.into(),
        })
}

/// `AddField(model_name, name, field, preserve_default)`.
#[derive(Debug, Clone, PartialEq)]
pub struct AddField {
    /// The model name (lower case, as Django writes it).
    pub model_name: String,
    /// The field name.
    pub name: String,
    /// The field.
    pub field: Field,
    /// `false`: the default only fills existing rows and is not kept in the state.
    pub preserve_default: bool,
}

impl Op for AddField {
    fn from_json(a: &Args<'_>) -> Result<Self> {
        a.allow(&["model_name", "name", "field", "preserve_default"])?;
        Ok(AddField {
            model_name: a.str("model_name")?,
            name: a.str("name")?,
            field: Field::from_json(a.get("field")?)?,
            preserve_default: a.bool_or("preserve_default", true)?,
        })
    }

    fn describe(&self) -> String {
        format!("Add field {} to {}", self.name, self.model_name)
    }

    fn state_forwards(&self, app: &str, state: &mut ProjectState) -> Result<()> {
        let m = state.get_mut(app, &self.model_name)?;
        if m.get_field(&self.name).is_some() {
            return Err(SchemaError::DuplicateField {
                model: self.model_name.clone(),
                field: self.name.clone(),
            });
        }
        let mut f = self.field.clone();
        if !self.preserve_default {
            f.default = None;
        }
        m.fields.push((self.name.clone(), f));
        Ok(())
    }

    fn database_forwards(
        &self,
        app: &str,
        ed: &mut Editor,
        from: &ProjectState,
        to: &ProjectState,
    ) -> Result<()> {
        let from_td = TableDef::of(from, from.model(app, &self.model_name)?);
        let to_td = TableDef::of(to, to.model(app, &self.model_name)?);
        ed.add_field(
            Lookup { states: [to, from] },
            &from_td,
            &to_td,
            &self.name,
            &self.field,
        )
    }

    fn database_backwards(
        &self,
        app: &str,
        ed: &mut Editor,
        from: &ProjectState,
        to: &ProjectState,
    ) -> Result<()> {
        let td = TableDef::of(from, from.model(app, &self.model_name)?);
        ed.remove_field(Lookup { states: [from, to] }, &td, &self.name)
    }

    fn renders(&self, backwards: bool) -> &'static [Side] {
        if backwards {
            &[Side::From]
        } else {
            &[Side::To, Side::From]
        }
    }
}

/// `RemoveField(model_name, name)`.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoveField {
    /// The model name (lower case, as Django writes it).
    pub model_name: String,
    /// The field name.
    pub name: String,
}

impl Op for RemoveField {
    fn from_json(a: &Args<'_>) -> Result<Self> {
        a.allow(&["model_name", "name"])?;
        Ok(RemoveField {
            model_name: a.str("model_name")?,
            name: a.str("name")?,
        })
    }

    fn describe(&self) -> String {
        format!("Remove field {} from {}", self.name, self.model_name)
    }

    fn state_forwards(&self, app: &str, state: &mut ProjectState) -> Result<()> {
        let m = state.get_mut(app, &self.model_name)?;
        field_pos(m, &self.name)?;
        m.fields.retain(|(n, _)| *n != self.name);
        Ok(())
    }

    fn database_forwards(
        &self,
        app: &str,
        ed: &mut Editor,
        from: &ProjectState,
        to: &ProjectState,
    ) -> Result<()> {
        let td = TableDef::of(from, from.model(app, &self.model_name)?);
        ed.remove_field(Lookup { states: [from, to] }, &td, &self.name)
    }

    fn database_backwards(
        &self,
        app: &str,
        ed: &mut Editor,
        from: &ProjectState,
        to: &ProjectState,
    ) -> Result<()> {
        let from_td = TableDef::of(from, from.model(app, &self.model_name)?);
        let to_td = TableDef::of(to, to.model(app, &self.model_name)?);
        let f = to_td.field(&self.name)?.clone();
        ed.add_field(
            Lookup { states: [to, from] },
            &from_td,
            &to_td,
            &self.name,
            &f,
        )
    }

    fn renders(&self, backwards: bool) -> &'static [Side] {
        if backwards {
            &[Side::To, Side::From]
        } else {
            &[Side::From]
        }
    }
}

/// `AlterField(model_name, name, field, preserve_default)`.
#[derive(Debug, Clone, PartialEq)]
pub struct AlterField {
    /// The model name (lower case, as Django writes it).
    pub model_name: String,
    /// The field name.
    pub name: String,
    /// The field as it becomes.
    pub field: Field,
    /// `false`: the default only fills existing rows and is not kept in the state.
    pub preserve_default: bool,
}

impl Op for AlterField {
    fn from_json(a: &Args<'_>) -> Result<Self> {
        a.allow(&["model_name", "name", "field", "preserve_default"])?;
        Ok(AlterField {
            model_name: a.str("model_name")?,
            name: a.str("name")?,
            field: Field::from_json(a.get("field")?)?,
            preserve_default: a.bool_or("preserve_default", true)?,
        })
    }

    fn describe(&self) -> String {
        format!("Alter field {} on {}", self.name, self.model_name)
    }

    fn state_forwards(&self, app: &str, state: &mut ProjectState) -> Result<()> {
        let m = state.get_mut(app, &self.model_name)?;
        let i = field_pos(m, &self.name)?;
        let mut f = self.field.clone();
        if !self.preserve_default {
            f.default = None;
        }
        m.fields[i].1 = f;
        Ok(())
    }

    fn database_forwards(
        &self,
        app: &str,
        ed: &mut Editor,
        from: &ProjectState,
        to: &ProjectState,
    ) -> Result<()> {
        let default = (!self.preserve_default).then_some(&self.field.default);
        let names = (self.name.as_str(), self.name.as_str());
        alter_field_op(app, ed, (from, to), &self.model_name, names, default)
    }

    fn database_backwards(
        &self,
        app: &str,
        ed: &mut Editor,
        from: &ProjectState,
        to: &ProjectState,
    ) -> Result<()> {
        let names = (self.name.as_str(), self.name.as_str());
        alter_field_op(app, ed, (from, to), &self.model_name, names, None)
    }
}

/// `RenameField(model_name, old_name, new_name)`.
#[derive(Debug, Clone, PartialEq)]
pub struct RenameField {
    /// The model name (lower case, as Django writes it).
    pub model_name: String,
    /// The old name.
    pub old_name: String,
    /// The new name.
    pub new_name: String,
}

impl Op for RenameField {
    fn from_json(a: &Args<'_>) -> Result<Self> {
        a.allow(&["model_name", "old_name", "new_name"])?;
        Ok(RenameField {
            model_name: a.str("model_name")?,
            old_name: a.str("old_name")?,
            new_name: a.str("new_name")?,
        })
    }

    fn describe(&self) -> String {
        format!(
            "Rename field {} on {} to {}",
            self.old_name, self.model_name, self.new_name
        )
    }

    fn state_forwards(&self, app: &str, state: &mut ProjectState) -> Result<()> {
        let (old_name, new_name) = (&self.old_name, &self.new_name);
        let m = state.get_mut(app, &self.model_name)?;
        let i = field_pos(m, old_name)?;
        // As Django's `ProjectState.rename_field` (`fields[new] = fields.pop(old)`): the
        // renamed field moves to the end of the model's fields.
        let (_, f) = m.fields.remove(i);
        m.fields.push((new_name.clone(), f));
        let rename = |n: &mut String| {
            if n == old_name {
                *n = new_name.clone();
            }
        };
        for ut in m.options.unique_together.iter_mut() {
            ut.iter_mut().for_each(rename);
        }
        for it in m.options.index_together.iter_mut() {
            it.iter_mut().for_each(rename);
        }
        // As in Django, `Meta.indexes`, `Meta.constraints` and `order_with_respect_to` are
        // left as they are: a migration renames them itself (the autodetector writes
        // RemoveIndex / AddIndex), and a table remade while they name the old field fails.
        // Fields elsewhere that point at the renamed field by name (`to_field`).
        let (app_l, model_l) = (app.to_string(), self.model_name.clone());
        for other in &mut state.models {
            let from_app = other.app_label.clone();
            for (_, f) in &mut other.fields {
                let points_here =
                    f.to.as_deref()
                        .is_some_and(|t| crate::state::refers_to(&from_app, t, &app_l, &model_l));
                if points_here && f.to_field.as_deref() == Some(old_name) {
                    f.to_field = Some(new_name.clone());
                }
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
        let names = (self.old_name.as_str(), self.new_name.as_str());
        alter_field_op(app, ed, (from, to), &self.model_name, names, None)
    }

    fn database_backwards(
        &self,
        app: &str,
        ed: &mut Editor,
        from: &ProjectState,
        to: &ProjectState,
    ) -> Result<()> {
        let names = (self.new_name.as_str(), self.old_name.as_str());
        alter_field_op(app, ed, (from, to), &self.model_name, names, None)
    }
}

/// `AlterField` / `RenameField`: the editor's `alter_field`, many-to-many fields included.
/// `default` replaces the new field's default (`preserve_default=False`).
pub(super) fn alter_field_op(
    app: &str,
    ed: &mut Editor,
    (from, to): (&ProjectState, &ProjectState),
    model_name: &str,
    (old_name, new_name): (&str, &str),
    default: Option<&Option<serde_json::Value>>,
) -> Result<()> {
    let lk = Lookup { states: [to, from] };
    let old_lk = Lookup { states: [from, to] };
    let (fm, tm) = (from.model(app, model_name)?, to.model(app, model_name)?);
    let td = TableDef::of(from, fm);
    let to_td = TableDef::of(to, tm);
    let old = td.field(old_name)?.clone();
    let mut new = to_td.field(new_name)?.clone();
    if let Some(d) = default {
        new.default = d.clone();
    }
    let m2m = |f: &Field| f.kind == FieldKind::ManyToManyField;
    match (m2m(&old), m2m(&new)) {
        (false, false) => ed.alter_field(
            (old_lk, lk),
            &td,
            &to_td,
            (old_name, &old),
            (new_name, &new),
        ),
        (true, true) if old.through.is_none() && new.through.is_none() => {
            let same = old_name == new_name && old.db_signature() == new.db_signature();
            if same {
                return Ok(());
            }
            alter_many_to_many(
                ed,
                (old_lk, lk),
                (fm, tm),
                (old_name, new_name),
                (&old, &new),
            )
        }
        // Both with their own through model: nothing to do.
        (true, true) if old.through.is_some() && new.through.is_some() => Ok(()),
        // Switching to or from a many-to-many field: Django's `_alter_field` refuses
        // ("cannot alter from/to a ManyToManyField"); the autodetector writes a
        // RemoveField + AddField instead.
        _ => Err(SchemaError::Unsupported(format!(
            "{model_name}.{old_name}: as in Django, a field cannot be altered to or from a ManyToManyField, nor gain or lose a through model (use RemoveField and AddField)"
        ))),
    }
}

/// `_alter_many_to_many` of the SQLite editor.
pub(super) fn alter_many_to_many(
    ed: &mut Editor,
    (old_lk, lk): (Lookup<'_>, Lookup<'_>),
    (old_owner, new_owner): (&Model, &Model),
    (old_name, new_name): (&str, &str),
    (of, nf): (&Field, &Field),
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
            to: Some(&nt),
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
