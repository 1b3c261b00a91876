//! The schema a model set implies: tables, columns, indexes, unique sets and foreign keys,
//! in the same shape introspection returns, plus every column definition.

use crate::ddl::{Lookup, TableDef, column_parts};
use crate::editor::{Deferred, Editor};
use crate::error::Result;
use crate::field::FieldKind;
use crate::introspect::{DbColumn, DbForeignKey, DbIndex, DbSchema, DbTable};
use crate::quote::create_index_name;
use crate::state::ProjectState;

/// Every table a state implies (models and auto-created M2M tables), in creation order.
pub(crate) fn table_defs(state: &ProjectState) -> Result<Vec<TableDef>> {
    let lk = Lookup::one(state);
    let mut out = Vec::new();
    for m in &state.models {
        out.push(TableDef::from_model(m));
        for (n, f) in &m.fields {
            if f.kind == FieldKind::ManyToManyField && f.through.is_none() {
                out.push(TableDef::through(lk, m, n, f)?);
            }
        }
    }
    Ok(out)
}

impl ProjectState {
    /// The column definition of every concrete field of every table, as
    /// `(table, field name, column, definition)`.
    pub fn column_definitions(&self) -> Result<Vec<(String, String, String, String)>> {
        let lk = Lookup::one(self);
        let mut out = Vec::new();
        for td in table_defs(self)? {
            for (n, f) in td.concrete() {
                let p = column_parts(lk, &td, n, f)?;
                out.push((
                    td.table.clone(),
                    n.clone(),
                    p.column.clone(),
                    p.table_form(),
                ));
            }
        }
        Ok(out)
    }

    /// The schema a fresh `migrate` of this state would create (no `sql` text), for [`diff`](crate::diff()).
    pub fn expected_schema(&self) -> Result<DbSchema> {
        let lk = Lookup::one(self);
        let mut s = DbSchema::default();
        for td in table_defs(self)? {
            let mut t = DbTable {
                name: td.table.clone(),
                ..Default::default()
            };
            let resolver = |n: &str| td.resolve(n);
            for (n, f) in td.concrete() {
                let p = column_parts(lk, &td, n, f)?;
                let generated = f.kind == FieldKind::GeneratedField;
                let default = match &f.db_default {
                    Some(d) => Some(d.pragma_text(f.kind, &resolver)?),
                    None => None,
                };
                t.columns.push(DbColumn {
                    name: p.column.clone(),
                    decl_type: p.db_type.clone(),
                    notnull: !f.null && !generated,
                    default,
                    pk: f.primary_key,
                    hidden: if generated {
                        if f.db_persist { 3 } else { 2 }
                    } else {
                        0
                    },
                });
                if f.kind.is_fk() {
                    t.relation_columns.push(p.column.clone());
                }
                if let Some((table, to)) = &p.references {
                    t.foreign_keys.push(DbForeignKey {
                        from: p.column.clone(),
                        table: table.clone(),
                        to: to.clone(),
                    });
                }
                if f.effective_unique() && !(f.primary_key && f.kind.is_auto()) {
                    t.indexes.push(DbIndex {
                        name: String::new(),
                        unique: true,
                        origin: if f.primary_key { "pk" } else { "u" }.into(),
                        partial: false,
                        columns: vec![Some(p.column.clone())],
                    });
                }
            }
            for c in &td.constraints {
                if let crate::model::Constraint::Unique { fields, .. } = c {
                    if !c.is_index_backed() {
                        let cols = fields
                            .iter()
                            .map(|f| td.column(f).map(Some))
                            .collect::<Result<Vec<_>>>()?;
                        t.indexes.push(DbIndex {
                            name: String::new(),
                            unique: true,
                            origin: "u".into(),
                            partial: false,
                            columns: cols,
                        });
                    }
                }
            }
            let mut ed = Editor::default();
            let mut plain = td.clone();
            plain.handle_m2m = false;
            ed.create_model(lk, &plain)?;
            t.sql = ed.sql_texts().into_iter().next();
            for d in &ed.deferred {
                t.indexes.push(match d {
                    Deferred::FieldIndex {
                        table,
                        columns,
                        suffix,
                        unique,
                        ..
                    } => DbIndex {
                        name: create_index_name(table, columns, suffix),
                        unique: *unique,
                        origin: "c".into(),
                        partial: false,
                        columns: columns.iter().cloned().map(Some).collect(),
                    },
                    Deferred::Named {
                        name, unique, body, ..
                    } => DbIndex {
                        name: name.clone(),
                        unique: *unique,
                        origin: "c".into(),
                        partial: body.contains(" WHERE "),
                        columns: Vec::new(),
                    },
                });
            }
            s.tables.insert(t.name.clone(), t);
        }
        Ok(s)
    }
}
