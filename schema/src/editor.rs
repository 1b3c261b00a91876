//! An emulation of Django's SQLite schema editor: statements run at once, a deferred list,
//! and the table-remake procedure.

use crate::ddl::{
    Lookup, TableDef, column_parts, index_body, inline_constraint, unique_index_body,
};
use crate::error::{Result, SchemaError};
use crate::field::{Field, FieldKind};
use crate::model::Constraint;
use crate::quote::{create_index_name, quote_field_value, quote_name};

/// A deferred statement; names derived from the table are computed when it is rendered.
#[derive(Debug, Clone)]
pub(crate) enum Deferred {
    /// A field index or unique_together index; named by `_create_index_name`.
    FieldIndex {
        table: String,
        columns: Vec<String>,
        suffix: &'static str,
        unique: bool,
        tablespace: bool,
    },
    /// An index with a fixed name and a prepared body.
    Named {
        name: String,
        table: String,
        body: String,
        unique: bool,
    },
}

impl Deferred {
    fn table(&self) -> &str {
        match self {
            Deferred::FieldIndex { table, .. } | Deferred::Named { table, .. } => table,
        }
    }

    fn rename_table(&mut self, old: &str, new: &str) {
        let t = match self {
            Deferred::FieldIndex { table, .. } | Deferred::Named { table, .. } => table,
        };
        if t == old {
            *t = new.to_string();
        }
    }

    fn references_column(&self, table: &str, column: &str) -> bool {
        match self {
            Deferred::FieldIndex {
                table: t, columns, ..
            } => t == table && columns.iter().any(|c| c == column),
            Deferred::Named { table: t, body, .. } => {
                t == table && body.contains(&quote_name(column))
            }
        }
    }

    pub fn sql(&self) -> String {
        match self {
            Deferred::FieldIndex {
                table,
                columns,
                suffix,
                unique,
                tablespace,
            } => {
                let name = create_index_name(table, columns, suffix);
                let cols: Vec<String> = columns.iter().map(|c| quote_name(c)).collect();
                format!(
                    "CREATE {}INDEX {} ON {} ({}){}",
                    if *unique { "UNIQUE " } else { "" },
                    quote_name(&name),
                    quote_name(table),
                    cols.join(", "),
                    if *tablespace { " " } else { "" }
                )
            }
            Deferred::Named {
                name,
                table,
                body,
                unique,
            } => format!(
                "CREATE {}INDEX {} ON {} {}",
                if *unique { "UNIQUE " } else { "" },
                quote_name(name),
                quote_name(table),
                body
            ),
        }
    }
}

/// A change for `_remake_table`.
#[derive(Debug, Default)]
pub(crate) struct Remake<'a> {
    pub create: Option<(String, Field)>,
    pub delete: Option<String>,
    /// (old name, old field, new name, new field)
    pub alter: Vec<(String, Field, String, Field)>,
    /// The table as it becomes (its render generation and field positions order the
    /// created and altered fields among the old ones); `None`: they go last.
    pub to: Option<&'a TableDef>,
}

/// Django's creation-counter order of a field in a rendered model: auto-created fields
/// first (the newest render first), then the others by render and position; `group`
/// breaks ties between two tables of the same render (old fields first).
fn creation_order(f: &Field, generation: u64, group: u8, idx: usize) -> (u8, i128, u8, i128) {
    let (g, i) = (i128::from(generation), idx as i128);
    if f.auto_created {
        (0, -g, group, -i)
    } else {
        (1, g, group, i)
    }
}

/// What the editor emits: SQL, raw SQL with Django-style parameters (RunSQL), or a call
/// to a Rust handler (RunPython).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Emitted {
    /// A statement Django's editor builds.
    Sql(String),
    /// A `RunSQL` statement as written, with its parameters.
    Raw {
        sql: String,
        params: Option<crate::ops::SqlParams>,
    },
    /// A `RunPython` handler.
    Handler(String),
}

impl Emitted {
    /// The text `sqlmigrate` prints for it (`None` for a handler).
    pub fn sqlmigrate_line(&self) -> Result<Option<String>> {
        let with_end = |s: String| {
            if s.trim_end().ends_with(';') {
                s
            } else {
                s + ";"
            }
        };
        Ok(match self {
            Emitted::Sql(s) => Some(with_end(s.clone())),
            Emitted::Raw { sql, params: None } => Some(with_end(sql.clone())),
            Emitted::Raw {
                sql,
                params: Some(p),
            } => Some(with_end(crate::raw_sql::interpolate(sql, p)?)),
            Emitted::Handler(_) => None,
        })
    }

    /// The plain SQL text (Django's own statements only).
    pub fn sql(&self) -> Option<&str> {
        match self {
            Emitted::Sql(s) => Some(s),
            _ => None,
        }
    }
}

/// The schema editor: collects executed statements and the deferred list.
#[derive(Debug, Default)]
pub(crate) struct Editor {
    pub out: Vec<Emitted>,
    pub deferred: Vec<Deferred>,
    pub ctx: PlanContext,
}

/// What a plan spanning several migrations knows about the database: the indexes it has
/// as the plan runs (see `catalog.rs`).
#[derive(Debug, Default)]
pub(crate) struct PlanContext {
    pub catalog: crate::catalog::IndexCatalog,
}

pub(crate) use crate::defaults::effective_default;

fn prepare_default(f: &Field) -> Result<String> {
    match effective_default(f)? {
        None => Ok("NULL".into()),
        Some(v) => quote_field_value(f.kind, &v),
    }
}

impl Editor {
    pub fn execute(&mut self, sql: String) {
        self.ctx.catalog.apply(&sql);
        self.out.push(Emitted::Sql(sql));
    }

    /// A `RunSQL` statement.
    pub fn execute_raw(&mut self, sql: String, params: Option<crate::ops::SqlParams>) {
        if params.is_none() {
            self.ctx.catalog.apply(&sql);
        }
        self.out.push(Emitted::Raw { sql, params });
    }

    /// A `RunPython` handler call.
    pub fn call_handler(&mut self, name: String) {
        self.out.push(Emitted::Handler(name));
    }

    /// The SQL texts emitted so far (Django's own statements).
    pub fn sql_texts(&self) -> Vec<String> {
        self.out
            .iter()
            .filter_map(|e| e.sql().map(str::to_string))
            .collect()
    }

    /// Runs every deferred statement (the end of a migration).
    pub fn flush(&mut self) {
        let d = std::mem::take(&mut self.deferred);
        for s in d {
            self.execute(s.sql());
        }
    }

    fn table_sql(&mut self, lk: Lookup<'_>, td: &TableDef) -> Result<String> {
        for ut in &td.unique_together {
            let columns = ut
                .iter()
                .map(|f| td.column(f))
                .collect::<Result<Vec<_>>>()?;
            self.deferred.push(Deferred::FieldIndex {
                table: td.table.clone(),
                columns,
                suffix: "_uniq",
                unique: true,
                tablespace: false,
            });
        }
        let mut parts = Vec::new();
        for (name, f) in td.concrete() {
            parts.push(column_parts(lk, td, name, f)?.table_form());
        }
        for c in &td.constraints {
            if let Some(s) = inline_constraint(td, c)? {
                parts.push(s);
            } else if let Some(body) = unique_index_body(td, c)? {
                self.deferred.push(Deferred::Named {
                    name: c.name().to_string(),
                    table: td.table.clone(),
                    body,
                    unique: true,
                });
            }
        }
        Ok(format!(
            "CREATE TABLE {} ({})",
            quote_name(&td.table),
            parts.join(", ")
        ))
    }

    fn field_index(td: &TableDef, name: &str, f: &Field) -> Option<Deferred> {
        (f.is_concrete() && f.effective_db_index() && !f.effective_unique()).then(|| {
            Deferred::FieldIndex {
                table: td.table.clone(),
                columns: vec![f.column_name(name)],
                suffix: "",
                unique: false,
                tablespace: f.db_tablespace.is_some(),
            }
        })
    }

    fn model_indexes(td: &TableDef) -> Result<Vec<Deferred>> {
        let mut out: Vec<Deferred> = td
            .concrete()
            .filter_map(|(n, f)| Self::field_index(td, n, f))
            .collect();
        for ix in &td.indexes {
            let name = ix
                .name
                .clone()
                .ok_or_else(|| SchemaError::Json("index without a name".into()))?;
            out.push(Deferred::Named {
                name,
                table: td.table.clone(),
                body: index_body(td, ix)?,
                unique: false,
            });
        }
        Ok(out)
    }

    pub fn create_model(&mut self, lk: Lookup<'_>, td: &TableDef) -> Result<()> {
        let sql = self.table_sql(lk, td)?;
        self.execute(sql);
        let ix = Self::model_indexes(td)?;
        self.deferred.extend(ix);
        if td.handle_m2m {
            let owner = lk.model(&td.app_label, &td.model_lower)?;
            for (name, f) in &td.fields {
                if f.kind == FieldKind::ManyToManyField && f.through.is_none() {
                    let through = TableDef::through(lk, owner, name, f)?;
                    self.create_model(lk, &through)?;
                }
            }
        }
        Ok(())
    }

    pub fn delete_table(&mut self, table: &str) {
        self.execute(format!("DROP TABLE {}", quote_name(table)));
        self.deferred.retain(|d| d.table() != table);
    }

    pub fn delete_model(&mut self, lk: Lookup<'_>, td: &TableDef) -> Result<()> {
        if td.handle_m2m {
            let owner = lk.model(&td.app_label, &td.model_lower)?;
            for (name, f) in &td.fields {
                if f.kind == FieldKind::ManyToManyField && f.through.is_none() {
                    let through = TableDef::through(lk, owner, name, f)?;
                    self.delete_table(&through.table);
                }
            }
        }
        self.delete_table(&td.table);
        Ok(())
    }

    pub fn alter_db_table(&mut self, old: &str, new: &str) {
        if old == new {
            return;
        }
        self.execute(format!(
            "ALTER TABLE {} RENAME TO {}",
            quote_name(old),
            quote_name(new)
        ));
        for d in &mut self.deferred {
            d.rename_table(old, new);
        }
    }

    /// `add_field` of the SQLite editor. `td` is the model before the field is added.
    pub fn add_field(
        &mut self,
        lk: Lookup<'_>,
        td: &TableDef,
        owner_lookup: &TableDef,
        name: &str,
        f: &Field,
    ) -> Result<()> {
        let m2m = f.kind == FieldKind::ManyToManyField;
        if m2m && f.through.is_none() {
            let owner = lk.model(&owner_lookup.app_label, &owner_lookup.model_lower)?;
            let through = TableDef::through(lk, owner, name, f)?;
            return self.create_model(lk, &through);
        }
        let literal_db_default =
            matches!(&f.db_default, Some(d) if !matches!(d, crate::expr::DbDefault::Value(_)));
        // A M2M with its own through model, like any column SQLite cannot add
        // in place, goes through the table remake.
        if m2m
            || f.primary_key
            || f.effective_unique()
            || !f.null
            || effective_default(f)?.is_some()
            || literal_db_default
        {
            return self.remake(
                lk,
                td,
                Remake {
                    create: Some((name.into(), f.clone())),
                    to: Some(owner_lookup),
                    ..Default::default()
                },
            );
        }
        let mut with = td.clone();
        with.fields.push((name.to_string(), f.clone()));
        let parts = column_parts(lk, &with, name, f)?;
        self.execute(format!(
            "ALTER TABLE {} ADD COLUMN {}",
            quote_name(&td.table),
            parts.add_form()
        ));
        if let Some(d) = Self::field_index(&with, name, f) {
            self.deferred.push(d);
        }
        Ok(())
    }

    /// `remove_field` of the SQLite editor.
    pub fn remove_field(&mut self, lk: Lookup<'_>, td: &TableDef, name: &str) -> Result<()> {
        let f = td.field(name)?.clone();
        if f.kind == FieldKind::ManyToManyField {
            if f.through.is_none() {
                let owner = lk.model(&td.app_label, &td.model_lower)?;
                let through = TableDef::through(lk, owner, name, &f)?;
                self.delete_table(&through.table);
            }
            return Ok(());
        }
        let raw_db_index = f.effective_db_index();
        let needs_remake = f.primary_key
            || f.effective_unique()
            || raw_db_index
            || (f.kind.is_fk() && f.db_constraint);
        if !needs_remake {
            let column = f.column_name(name);
            self.execute(format!(
                "ALTER TABLE {} DROP COLUMN {}",
                quote_name(&td.table),
                quote_name(&column)
            ));
            let table = td.table.clone();
            self.deferred
                .retain(|d| !d.references_column(&table, &column));
            return Ok(());
        }
        self.remake(
            lk,
            td,
            Remake {
                delete: Some(name.into()),
                ..Default::default()
            },
        )
    }

    fn signature(lk: Lookup<'_>, app: &str, f: &Field) -> Field {
        let mut s = f.db_signature();
        if f.kind.is_fk() {
            if let Ok(m) = lk.model(app, f.to.as_deref().unwrap_or_default()) {
                s.to = Some(m.db_table());
            }
        }
        s
    }

    /// `alter_field` of the SQLite editor (non-M2M fields).
    pub fn alter_field(
        &mut self,
        (old_lk, lk): (Lookup<'_>, Lookup<'_>),
        td: &TableDef,
        to_td: &TableDef,
        old: (&str, &Field),
        new: (&str, &Field),
    ) -> Result<()> {
        let (old_col, new_col) = (old.1.column_name(old.0), new.1.column_name(new.0));
        if old_col == new_col
            && Self::signature(old_lk, &td.app_label, old.1)
                == Self::signature(lk, &td.app_label, new.1)
        {
            return Ok(());
        }
        if old.1.kind == FieldKind::ManyToManyField || new.1.kind == FieldKind::ManyToManyField {
            return Err(SchemaError::Unsupported(
                "AlterField on a ManyToManyField".into(),
            ));
        }
        let is_fk_constrained = |f: &Field| f.kind.is_fk() && f.db_constraint;
        if old_col != new_col && !is_fk_constrained(old.1) && !is_fk_constrained(new.1) {
            let mut with_new = td.clone();
            with_new.fields.push((new.0.to_string(), new.1.clone()));
            let a = column_parts(old_lk, td, old.0, old.1)?.core;
            let b = column_parts(lk, &with_new, new.0, new.1)?.core;
            if a == b {
                self.execute(format!(
                    "ALTER TABLE {} RENAME COLUMN {} TO {}",
                    quote_name(&td.table),
                    quote_name(&old_col),
                    quote_name(&new_col)
                ));
                return Ok(());
            }
        }
        self.remake(
            lk,
            td,
            Remake {
                alter: vec![(old.0.into(), old.1.clone(), new.0.into(), new.1.clone())],
                to: Some(to_td),
                ..Default::default()
            },
        )?;
        // Tables whose FKs point at a unique field whose type or collation changed are
        // remade too, so that their FK columns take the new type.
        if new.1.effective_unique() {
            let mut with_old = td.clone();
            with_old.fields.push((old.0.to_string(), old.1.clone()));
            let mut with_new = td.clone();
            with_new.fields.push((new.0.to_string(), new.1.clone()));
            let a = column_parts(old_lk, &with_old, old.0, old.1)?;
            let b = column_parts(lk, &with_new, new.0, new.1)?;
            if a.db_type != b.db_type || old.1.db_collation != new.1.db_collation {
                for related in self.related_tables(lk, td, new.0, new.1)? {
                    self.remake(lk, &related, Remake::default())?;
                }
            }
        }
        Ok(())
    }

    /// The tables whose columns reference `td.name` (FKs with that `to_field`, or the pk;
    /// for a pk also the auto M2M tables), other than `td` itself.
    fn related_tables(
        &self,
        lk: Lookup<'_>,
        td: &TableDef,
        name: &str,
        f: &Field,
    ) -> Result<Vec<TableDef>> {
        let state = lk.states[0];
        let is_this = |app: &str, to: &str| {
            let (a, n) = crate::state::split_ref(app, to);
            a == td.app_label && n.eq_ignore_ascii_case(&td.model_lower)
        };
        let mut out: Vec<TableDef> = Vec::new();
        let push = |t: TableDef, out: &mut Vec<TableDef>| {
            if t.table != td.table && !out.iter().any(|o| o.table == t.table) {
                out.push(t);
            }
        };
        for m in &state.models {
            let self_model = m.app_label == td.app_label && m.name_lower() == td.model_lower;
            for (n, rf) in &m.fields {
                let to = rf.to.as_deref().unwrap_or_default();
                if rf.kind.is_fk() && !self_model && is_this(&m.app_label, to) {
                    let hits = match &rf.to_field {
                        Some(tf) => tf == name,
                        None => f.primary_key,
                    };
                    if hits {
                        push(TableDef::from_model(m), &mut out);
                    }
                }
                let auto_m2m = rf.kind == FieldKind::ManyToManyField && rf.through.is_none();
                if auto_m2m && f.primary_key && (is_this(&m.app_label, to) || self_model) {
                    let self_ref = self_model && is_this(&m.app_label, to);
                    if !self_ref {
                        push(TableDef::through(lk, m, n, rf)?, &mut out);
                    }
                }
            }
        }
        Ok(out)
    }

    /// Django's `_remake_table`.
    pub fn remake(&mut self, lk: Lookup<'_>, td: &TableDef, ch: Remake<'_>) -> Result<()> {
        // The new model's body, each field with its creation-counter order key.
        type Keyed = ((u8, i128, u8, i128), (String, Field));
        let mut body: Vec<Keyed> = Vec::new();
        let mut mapping: Vec<(String, String)> = Vec::new();
        let clone_gen = crate::state::next_generation();
        for (idx, (n, f)) in td.fields.iter().enumerate() {
            if !f.is_concrete() {
                continue;
            }
            // Self-referential FKs are cloned: a new field, newest of all.
            let key = if td.is_self_ref(f) {
                creation_order(f, clone_gen, 2, idx)
            } else {
                creation_order(f, td.generation, 0, idx)
            };
            body.push((key, (n.clone(), f.clone())));
            if f.kind != FieldKind::GeneratedField {
                let c = f.column_name(n);
                mapping.push((c.clone(), quote_name(&c)));
            }
        }
        let new_key = |name: &str, f: &Field| match ch.to {
            Some(to) => {
                let idx = to
                    .fields
                    .iter()
                    .position(|(n, _)| n == name)
                    .unwrap_or(usize::MAX);
                creation_order(f, to.generation, 1, idx)
            }
            None => creation_order(f, u64::MAX >> 1, 1, 0),
        };
        let introduces_pk = ch.create.as_ref().is_some_and(|(_, f)| f.primary_key)
            || ch.alter.iter().any(|(_, _, _, f)| f.primary_key);
        if introduces_pk {
            let altered: Vec<&str> = ch.alter.iter().map(|(_, _, n, _)| n.as_str()).collect();
            let mut dropped = Vec::new();
            for (_, (n, f)) in body.iter_mut() {
                if f.primary_key && !altered.contains(&n.as_str()) {
                    f.primary_key = false;
                    if f.auto_created {
                        dropped.push((n.clone(), f.column_name(n)));
                    }
                }
            }
            for (n, c) in dropped {
                body.retain(|(_, (x, _))| *x != n);
                mapping.retain(|(x, _)| *x != c);
            }
        }
        if let Some((n, f)) = &ch.create {
            body.push((new_key(n, f), (n.clone(), f.clone())));
            if f.db_default.is_none() && f.is_concrete() && f.kind != FieldKind::GeneratedField {
                mapping.push((f.column_name(n), prepare_default(f)?));
            }
        }
        let mut rename_mapping: Vec<(String, String)> = Vec::new();
        for (on, of, nn, nf) in &ch.alter {
            body.retain(|(_, (n, _))| n != on);
            let oc = of.column_name(on);
            mapping.retain(|(c, _)| *c != oc);
            body.push((new_key(nn, nf), (nn.clone(), nf.clone())));
            rename_mapping.push((on.clone(), nn.clone()));
            if nf.kind == FieldKind::GeneratedField {
                continue;
            }
            let expr = if of.null && !nf.null {
                let default = match &nf.db_default {
                    Some(d) => {
                        let resolver = |n: &str| td.resolve(n);
                        d.sql(nf.kind, &resolver)?
                    }
                    None => prepare_default(nf)?,
                };
                format!("coalesce({}, {default})", quote_name(&oc))
            } else {
                quote_name(&oc)
            };
            mapping.push((nf.column_name(nn), expr));
        }
        let mut indexes = td.indexes.clone();
        if let Some(dn) = &ch.delete {
            body.retain(|(_, (n, _))| n != dn);
            let f = td.field(dn)?;
            let dc = f.column_name(dn);
            mapping.retain(|(c, _)| *c != dc);
            indexes.retain(|ix| !ix.fields.iter().any(|x| x == dn));
        }
        let unique_together = td
            .unique_together
            .iter()
            .map(|ut| {
                ut.iter()
                    .map(|n| {
                        rename_mapping
                            .iter()
                            .find(|(o, _)| o == n)
                            .map(|(_, nn)| nn.clone())
                            .unwrap_or_else(|| n.clone())
                    })
                    .collect()
            })
            .collect();
        body.sort_by_key(|(k, _)| *k);
        let new_td = TableDef {
            app_label: td.app_label.clone(),
            model_lower: td.model_lower.clone(),
            table: format!("new__{}", td.table.trim_matches('"')),
            fields: body.into_iter().map(|(_, f)| f).collect(),
            unique_together,
            indexes,
            constraints: td.constraints.clone(),
            handle_m2m: false,
            generation: td.generation,
        };
        self.create_model(lk, &new_td)?;
        let cols: Vec<String> = mapping.iter().map(|(c, _)| quote_name(c)).collect();
        let exprs: Vec<&str> = mapping.iter().map(|(_, e)| e.as_str()).collect();
        self.execute(format!(
            "INSERT INTO {} ({}) SELECT {} FROM {}",
            quote_name(&new_td.table),
            cols.join(", "),
            exprs.join(", "),
            quote_name(&td.table)
        ));
        self.delete_table(&td.table);
        self.alter_db_table(&new_td.table, &td.table);
        self.flush();
        Ok(())
    }

    /// `add_constraint` of the SQLite editor. `td` already holds the constraint.
    pub fn add_constraint(&mut self, lk: Lookup<'_>, td: &TableDef, c: &Constraint) -> Result<()> {
        if c.is_index_backed() {
            if let Some(body) = unique_index_body(td, c)? {
                self.execute(format!(
                    "CREATE UNIQUE INDEX {} ON {} {}",
                    quote_name(c.name()),
                    quote_name(&td.table),
                    body
                ));
            }
            return Ok(());
        }
        self.remake(lk, td, Remake::default())
    }

    /// `remove_constraint` of the SQLite editor. `td` no longer holds the constraint.
    pub fn remove_constraint(
        &mut self,
        lk: Lookup<'_>,
        td: &TableDef,
        c: &Constraint,
    ) -> Result<()> {
        if c.is_index_backed() {
            if matches!(
                c,
                Constraint::Unique {
                    unsupported_options: false,
                    ..
                }
            ) {
                self.execute(format!("DROP INDEX {}", quote_name(c.name())));
            }
            return Ok(());
        }
        self.remake(lk, td, Remake::default())
    }
}
