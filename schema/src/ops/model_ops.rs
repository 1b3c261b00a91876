//! Operations on whole models: create, delete, rename, table name, Meta options.

use crate::catalog::composed_index_name;
use crate::ddl::{Lookup, TableDef};
use crate::editor::Editor;
use crate::error::{Result, SchemaError};
use crate::field::{Field, FieldKind};
use crate::model::{Model, ModelOptions, unique_together};
use crate::quote::{create_index_name, quote_name};
use crate::state::{ProjectState, refers_to};

use super::field_ops::alter_many_to_many;
use super::{Args, Op, Side};

/// `CreateModel(name, fields, options)`.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateModel {
    /// The model (class) name.
    pub name: String,
    /// `[name, field]` pairs, in order.
    pub fields: Vec<(String, Field)>,
    /// The model options.
    pub options: ModelOptions,
}

fn field_list(v: &serde_json::Value) -> Result<Vec<(String, Field)>> {
    crate::model::array(v, "CreateModel", "fields")?
        .iter()
        .map(|pair| {
            let p = pair
                .as_array()
                .filter(|p| p.len() == 2)
                .ok_or_else(|| SchemaError::Json("a field entry must be [name, field]".into()))?;
            Ok((
                crate::model::string(&p[0], "CreateModel", "fields")?,
                Field::from_json(&p[1])?,
            ))
        })
        .collect()
}

impl Op for CreateModel {
    fn from_json(a: &Args<'_>) -> Result<Self> {
        a.allow(&["name", "fields", "options", "bases", "managers"])?;
        let options = match a.opt("options") {
            Some(v) => ModelOptions::from_json(v)?,
            None => ModelOptions::default(),
        };
        Ok(CreateModel {
            name: a.str("name")?,
            fields: field_list(a.get("fields")?)?,
            options,
        })
    }

    fn describe(&self) -> String {
        format!("Create model {}", self.name)
    }

    fn state_forwards(&self, app: &str, state: &mut ProjectState) -> Result<()> {
        let mut m = Model::new(app, self.name.clone());
        m.fields = self.fields.clone();
        m.options = self.options.clone();
        state.add_model(m)
    }

    fn database_forwards(
        &self,
        app: &str,
        ed: &mut Editor,
        _from: &ProjectState,
        to: &ProjectState,
    ) -> Result<()> {
        let m = to.model(app, &self.name)?;
        let td = TableDef::of(to, m);
        ed.create_model(Lookup::one(to), &td)?;
        // Django creates the historical `index_together` indexes at once (not deferred).
        alter_index_together(ed, m, &td, &[], &m.options.index_together)
    }

    fn database_backwards(
        &self,
        app: &str,
        ed: &mut Editor,
        from: &ProjectState,
        to: &ProjectState,
    ) -> Result<()> {
        let m = from.model(app, &self.name)?;
        ed.delete_model(Lookup { states: [from, to] }, &TableDef::of(from, m))
    }

    fn renders(&self, backwards: bool) -> &'static [Side] {
        if backwards {
            &[Side::From]
        } else {
            &[Side::To]
        }
    }
}

/// `DeleteModel(name)`.
#[derive(Debug, Clone, PartialEq)]
pub struct DeleteModel {
    /// The model (class) name.
    pub name: String,
}

impl Op for DeleteModel {
    fn from_json(a: &Args<'_>) -> Result<Self> {
        a.allow(&["name"])?;
        Ok(DeleteModel {
            name: a.str("name")?,
        })
    }

    fn describe(&self) -> String {
        format!("Delete model {}", self.name)
    }

    fn state_forwards(&self, app: &str, state: &mut ProjectState) -> Result<()> {
        state.remove_model(app, &self.name)
    }

    fn database_forwards(
        &self,
        app: &str,
        ed: &mut Editor,
        from: &ProjectState,
        to: &ProjectState,
    ) -> Result<()> {
        let m = from.model(app, &self.name)?;
        ed.delete_model(Lookup { states: [from, to] }, &TableDef::of(from, m))
    }

    fn database_backwards(
        &self,
        app: &str,
        ed: &mut Editor,
        _from: &ProjectState,
        to: &ProjectState,
    ) -> Result<()> {
        let m = to.model(app, &self.name)?;
        let td = TableDef::of(to, m);
        ed.create_model(Lookup::one(to), &td)?;
        alter_index_together(ed, m, &td, &[], &m.options.index_together)
    }

    fn renders(&self, backwards: bool) -> &'static [Side] {
        if backwards {
            &[Side::To]
        } else {
            &[Side::From]
        }
    }
}

/// `RenameModel(old_name, new_name)`.
#[derive(Debug, Clone, PartialEq)]
pub struct RenameModel {
    /// The old name.
    pub old_name: String,
    /// The new name.
    pub new_name: String,
}

impl Op for RenameModel {
    fn from_json(a: &Args<'_>) -> Result<Self> {
        a.allow(&["old_name", "new_name"])?;
        Ok(RenameModel {
            old_name: a.str("old_name")?,
            new_name: a.str("new_name")?,
        })
    }

    fn describe(&self) -> String {
        format!("Rename model {} to {}", self.old_name, self.new_name)
    }

    fn state_forwards(&self, app: &str, state: &mut ProjectState) -> Result<()> {
        let (old_name, new_name) = (&self.old_name, &self.new_name);
        state.get_mut(app, old_name)?.name = new_name.clone();
        state.touch(app, new_name);
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
        Ok(())
    }

    fn database_forwards(
        &self,
        app: &str,
        ed: &mut Editor,
        from: &ProjectState,
        to: &ProjectState,
    ) -> Result<()> {
        rename_model(app, ed, from, to, &self.old_name, &self.new_name)
    }

    fn database_backwards(
        &self,
        app: &str,
        ed: &mut Editor,
        from: &ProjectState,
        to: &ProjectState,
    ) -> Result<()> {
        rename_model(app, ed, from, to, &self.new_name, &self.old_name)
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
            alter_many_to_many(
                ed,
                (old_lk, lk),
                (fm_model, owner_new),
                (fname, fname),
                (f, nf),
            )?;
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
        alter_many_to_many(ed, (old_lk, lk), (om, nm), (fname, fname), (of, nf))?;
    }
    Ok(())
}

/// `AlterModelTable(name, table)`.
#[derive(Debug, Clone, PartialEq)]
pub struct AlterModelTable {
    /// The model (class) name.
    pub name: String,
    /// The new `db_table` (`None`: the default name).
    pub table: Option<String>,
}

impl Op for AlterModelTable {
    fn from_json(a: &Args<'_>) -> Result<Self> {
        a.allow(&["name", "table"])?;
        Ok(AlterModelTable {
            name: a.str("name")?,
            table: a.opt_str("table")?,
        })
    }

    fn describe(&self) -> String {
        format!(
            "Rename table for {} to {}",
            self.name,
            self.table.as_deref().unwrap_or("(default)")
        )
    }

    fn state_forwards(&self, app: &str, state: &mut ProjectState) -> Result<()> {
        state.get_mut(app, &self.name)?.options.db_table = self.table.clone();
        Ok(())
    }

    fn database_forwards(
        &self,
        app: &str,
        ed: &mut Editor,
        from: &ProjectState,
        to: &ProjectState,
    ) -> Result<()> {
        let lk = Lookup { states: [to, from] };
        let old_lk = Lookup { states: [from, to] };
        let (om, nm) = (from.model(app, &self.name)?, to.model(app, &self.name)?);
        ed.alter_db_table(&om.db_table(), &nm.db_table());
        for ((fname, of), (_, nf)) in om.fields.iter().zip(nm.fields.iter()) {
            if of.kind == FieldKind::ManyToManyField && of.through.is_none() {
                let ot = TableDef::through(old_lk, om, fname, of)?;
                let nt = TableDef::through(lk, nm, fname, nf)?;
                ed.alter_db_table(&ot.table, &nt.table);
            }
        }
        Ok(())
    }

    fn database_backwards(
        &self,
        app: &str,
        ed: &mut Editor,
        from: &ProjectState,
        to: &ProjectState,
    ) -> Result<()> {
        self.database_forwards(app, ed, from, to)
    }
}

/// `AlterUniqueTogether(name, unique_together)`.
#[derive(Debug, Clone, PartialEq)]
pub struct AlterUniqueTogether {
    /// The model (class) name.
    pub name: String,
    /// The new `unique_together` (field names).
    pub unique_together: Vec<Vec<String>>,
}

fn together(a: &Args<'_>, key: &str) -> Result<Vec<Vec<String>>> {
    match a.opt(key) {
        None => Ok(Vec::new()),
        Some(v) => unique_together(v),
    }
}

impl Op for AlterUniqueTogether {
    fn from_json(a: &Args<'_>) -> Result<Self> {
        a.allow(&["name", "unique_together"])?;
        Ok(AlterUniqueTogether {
            name: a.str("name")?,
            unique_together: together(a, "unique_together")?,
        })
    }

    fn describe(&self) -> String {
        format!(
            "Alter unique_together for {} ({} constraint(s))",
            self.name,
            self.unique_together.len()
        )
    }

    fn state_forwards(&self, app: &str, state: &mut ProjectState) -> Result<()> {
        state.get_mut(app, &self.name)?.options.unique_together = self.unique_together.clone();
        Ok(())
    }

    fn database_forwards(
        &self,
        app: &str,
        ed: &mut Editor,
        from: &ProjectState,
        to: &ProjectState,
    ) -> Result<()> {
        let fm = TableDef::from_model(from.model(app, &self.name)?);
        let new_model = to.model(app, &self.name)?;
        let tm = TableDef::from_model(new_model);
        for old in &fm.unique_together {
            if !tm.unique_together.contains(old) {
                let cols = columns(&tm, old)?;
                let name = composed_index_name(
                    &ed.ctx.catalog,
                    &tm.table,
                    &cols,
                    true,
                    &meta_names(new_model),
                    create_index_name(&tm.table, &cols, "_uniq"),
                )?;
                ed.execute(format!("DROP INDEX {}", quote_name(&name)));
            }
        }
        for new in &tm.unique_together {
            if !fm.unique_together.contains(new) {
                let cols = columns(&tm, new)?;
                let qcols: Vec<String> = cols.iter().map(|c| quote_name(c)).collect();
                ed.execute(format!(
                    "CREATE UNIQUE INDEX {} ON {} ({})",
                    quote_name(&create_index_name(&tm.table, &cols, "_uniq")),
                    quote_name(&tm.table),
                    qcols.join(", ")
                ));
            }
        }
        Ok(())
    }

    fn database_backwards(
        &self,
        app: &str,
        ed: &mut Editor,
        from: &ProjectState,
        to: &ProjectState,
    ) -> Result<()> {
        self.database_forwards(app, ed, from, to)
    }
}

fn columns(td: &TableDef, names: &[String]) -> Result<Vec<String>> {
    names.iter().map(|f| td.column(f)).collect()
}

/// The names of a model's `Meta.indexes` and `Meta.constraints` (Django's
/// `_delete_composed_index` leaves them out of its lookup).
fn meta_names(m: &Model) -> Vec<&str> {
    m.options
        .indexes
        .iter()
        .filter_map(|i| i.name.as_deref())
        .chain(m.options.constraints.iter().map(|c| c.name()))
        .collect()
}

/// The schema editor's `alter_index_together`: drops the indexes of removed entries (by
/// the name found in the database, else the computed one) and creates the added ones at
/// once, named with the `_idx` suffix.
fn alter_index_together(
    ed: &mut Editor,
    model: &Model,
    td: &TableDef,
    old: &[Vec<String>],
    new: &[Vec<String>],
) -> Result<()> {
    for o in old.iter().filter(|o| !new.contains(o)) {
        let cols = columns(td, o)?;
        let name = composed_index_name(
            &ed.ctx.catalog,
            &td.table,
            &cols,
            false,
            &meta_names(model),
            create_index_name(&td.table, &cols, "_idx"),
        )?;
        ed.execute(format!("DROP INDEX {}", quote_name(&name)));
    }
    for n in new.iter().filter(|n| !old.contains(n)) {
        let cols = columns(td, n)?;
        let qcols: Vec<String> = cols.iter().map(|c| quote_name(c)).collect();
        ed.execute(format!(
            "CREATE INDEX {} ON {} ({})",
            quote_name(&create_index_name(&td.table, &cols, "_idx")),
            quote_name(&td.table),
            qcols.join(", ")
        ));
    }
    Ok(())
}

/// `AlterIndexTogether(name, index_together)` (Django keeps it for historical migrations;
/// `index_together` is no longer a `Meta` option, so a later table remake loses these
/// indexes, exactly as in Django).
#[derive(Debug, Clone, PartialEq)]
pub struct AlterIndexTogether {
    /// The model (class) name.
    pub name: String,
    /// The new `index_together` (field names).
    pub index_together: Vec<Vec<String>>,
}

impl Op for AlterIndexTogether {
    fn from_json(a: &Args<'_>) -> Result<Self> {
        a.allow(&["name", "index_together"])?;
        Ok(AlterIndexTogether {
            name: a.str("name")?,
            index_together: together(a, "index_together")?,
        })
    }

    fn describe(&self) -> String {
        format!(
            "Alter index_together for {} ({} constraint(s))",
            self.name,
            self.index_together.len()
        )
    }

    fn state_forwards(&self, app: &str, state: &mut ProjectState) -> Result<()> {
        state.get_mut(app, &self.name)?.options.index_together = self.index_together.clone();
        Ok(())
    }

    fn database_forwards(
        &self,
        app: &str,
        ed: &mut Editor,
        from: &ProjectState,
        to: &ProjectState,
    ) -> Result<()> {
        let (fm, tm) = (from.model(app, &self.name)?, to.model(app, &self.name)?);
        alter_index_together(
            ed,
            tm,
            &TableDef::from_model(tm),
            &fm.options.index_together,
            &tm.options.index_together,
        )
    }

    fn database_backwards(
        &self,
        app: &str,
        ed: &mut Editor,
        from: &ProjectState,
        to: &ProjectState,
    ) -> Result<()> {
        self.database_forwards(app, ed, from, to)
    }
}

/// `AlterOrderWithRespectTo(name, order_with_respect_to)`: adds or drops the `_order`
/// column.
#[derive(Debug, Clone, PartialEq)]
pub struct AlterOrderWithRespectTo {
    /// The model (class) name.
    pub name: String,
    /// The field the rows are ordered within (`None`: no ordering).
    pub order_with_respect_to: Option<String>,
}

impl Op for AlterOrderWithRespectTo {
    fn from_json(a: &Args<'_>) -> Result<Self> {
        a.allow(&["name", "order_with_respect_to"])?;
        Ok(AlterOrderWithRespectTo {
            name: a.str("name")?,
            order_with_respect_to: a.opt_str("order_with_respect_to")?,
        })
    }

    fn describe(&self) -> String {
        format!(
            "Set order_with_respect_to on {} to {}",
            self.name,
            self.order_with_respect_to.as_deref().unwrap_or("None")
        )
    }

    fn state_forwards(&self, app: &str, state: &mut ProjectState) -> Result<()> {
        state
            .get_mut(app, &self.name)?
            .options
            .order_with_respect_to = self.order_with_respect_to.clone();
        Ok(())
    }

    fn database_forwards(
        &self,
        app: &str,
        ed: &mut Editor,
        from: &ProjectState,
        to: &ProjectState,
    ) -> Result<()> {
        let (fm, tm) = (from.model(app, &self.name)?, to.model(app, &self.name)?);
        let (had, has) = (
            fm.options.order_with_respect_to.is_some(),
            tm.options.order_with_respect_to.is_some(),
        );
        let from_td = TableDef::of(from, fm);
        if had && !has {
            ed.remove_field(Lookup { states: [from, to] }, &from_td, "_order")?;
        } else if has && !had {
            let to_td = TableDef::of(to, tm);
            let order = to_td.field("_order")?.clone().default(0);
            ed.add_field(
                Lookup { states: [to, from] },
                &from_td,
                &to_td,
                "_order",
                &order,
            )?;
        }
        Ok(())
    }

    fn database_backwards(
        &self,
        app: &str,
        ed: &mut Editor,
        from: &ProjectState,
        to: &ProjectState,
    ) -> Result<()> {
        self.database_forwards(app, ed, from, to)
    }
}

/// Generates the operations that change only Python-side options (no SQL on SQLite).
macro_rules! no_sql_option_ops {
    ($($(#[$doc:meta])* $ty:ident { $($key:literal),* } => $fmt:literal, $renders:expr;)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq)]
        pub struct $ty {
            /// The model (class) name.
            pub name: String,
        }

        impl Op for $ty {
            fn from_json(a: &Args<'_>) -> Result<Self> {
                a.allow(&["name", $($key),*])?;
                Ok($ty { name: a.str("name")? })
            }

            fn describe(&self) -> String {
                format!($fmt, self.name)
            }

            fn state_forwards(&self, app: &str, state: &mut ProjectState) -> Result<()> {
                state.get_mut(app, &self.name)?;
                Ok(())
            }

            fn database_forwards(
                &self,
                _app: &str,
                _ed: &mut Editor,
                _from: &ProjectState,
                _to: &ProjectState,
            ) -> Result<()> {
                Ok(())
            }

            fn database_backwards(
                &self,
                _app: &str,
                _ed: &mut Editor,
                _from: &ProjectState,
                _to: &ProjectState,
            ) -> Result<()> {
                Ok(())
            }

            fn renders(&self, _backwards: bool) -> &'static [Side] {
                $renders
            }
        }
    )*};
}

no_sql_option_ops! {
    /// `AlterModelOptions(name, options)`: Python-side options only, no SQL.
    AlterModelOptions { "options" } => "Change Meta options on {}", &[];
    /// `AlterModelManagers(name, managers)`: no SQL.
    AlterModelManagers { "managers" } => "Change managers on {}", &[];
    /// `AlterModelTableComment(name, table_comment)`: SQLite has no table comments.
    AlterModelTableComment { "table_comment" } => "Alter {} table comment", &[Side::To, Side::From];
}
