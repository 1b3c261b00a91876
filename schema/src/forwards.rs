//! The SQL side of each operation (Django's `database_forwards`), written into an editor.

use crate::ddl::{Lookup, TableDef};
use crate::editor::{Editor, Remake};
use crate::error::{Result, SchemaError};
use crate::field::{Field, FieldKind};
use crate::model::Model;
use crate::operation::Operation;
use crate::quote::{create_index_name, quote_name};
use crate::state::{ProjectState, refers_to};

impl Operation {
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
                // state_forwards appended the index (named, if it had no name).
                let td = TableDef::from_model(to.model(app, model_name)?);
                let ix = td.indexes.last().ok_or_else(|| SchemaError::UnknownIndex {
                    model: model_name.clone(),
                    name: index.name.clone().unwrap_or_default(),
                })?;
                ed.execute(format!(
                    "CREATE INDEX {} ON {} {}",
                    quote_name(ix.name.as_deref().unwrap_or_default()),
                    quote_name(&td.table),
                    crate::ddl::index_body(&td, ix)?
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
                        let name = ed
                            .ctx
                            .existing_unique_index(&fm.table, &cols)
                            .unwrap_or_else(|| create_index_name(&fm.table, &cols, "_uniq"));
                        ed.execute(format!("DROP INDEX {}", quote_name(&name)));
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
