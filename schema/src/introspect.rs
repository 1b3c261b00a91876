//! Introspection: a fixed plan of four queries, pure parsing into [`DbSchema`], the schema a
//! model set implies, and the comparison of the two.

use std::collections::BTreeMap;

use sqlport_core::{AsyncTransport, ResultSet, Statement, Transport, Value};

use crate::ddl::{Lookup, TableDef, column_parts};
use crate::editor::{Deferred, Editor};
use crate::error::{Result, SchemaError};
use crate::field::FieldKind;
use crate::quote::create_index_name;
use crate::state::ProjectState;

/// One column as `PRAGMA table_xinfo` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbColumn {
    /// Column name.
    pub name: String,
    /// Declared type, as written (SQLite upper-cases some standard names).
    pub decl_type: String,
    /// `NOT NULL`.
    pub notnull: bool,
    /// The DEFAULT text without outer parentheses.
    pub default: Option<String>,
    /// Part of the primary key.
    pub pk: bool,
    /// 0 normal, 2 virtual generated, 3 stored generated.
    pub hidden: i64,
}

/// One index as `PRAGMA index_list` / `index_xinfo` report it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbIndex {
    /// Index name.
    pub name: String,
    /// UNIQUE index.
    pub unique: bool,
    /// `c` (CREATE INDEX), `u` (UNIQUE constraint), `pk` (primary key).
    pub origin: String,
    /// Has a WHERE clause.
    pub partial: bool,
    /// Key columns (`None` for an expression), `-` prefix for DESC.
    pub columns: Vec<Option<String>>,
}

/// One foreign key as `PRAGMA foreign_key_list` reports it (single-column).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct DbForeignKey {
    /// The referencing column.
    pub from: String,
    /// The referenced table.
    pub table: String,
    /// The referenced column.
    pub to: String,
}

/// One table.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DbTable {
    /// Table name.
    pub name: String,
    /// `sqlite_master.sql`.
    pub sql: Option<String>,
    /// Columns in order.
    pub columns: Vec<DbColumn>,
    /// Indexes.
    pub indexes: Vec<DbIndex>,
    /// Foreign keys.
    pub foreign_keys: Vec<DbForeignKey>,
    /// Columns of FK / O2O fields (with or without a constraint); filled only for an
    /// expected schema. Their type follows history, so [`diff`] compares it by affinity.
    pub relation_columns: Vec<String>,
}

/// A database schema: tables by name.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DbSchema {
    /// The tables.
    pub tables: BTreeMap<String, DbTable>,
}

const SKIP: &str = "m.type = 'table' AND m.name NOT LIKE 'sqlite_%'";

/// The four read-only queries introspection runs (tables, columns, indexes, foreign keys).
pub fn introspection_statements() -> Vec<Statement> {
    vec![
        Statement::new(format!(
            "SELECT m.name, m.sql FROM sqlite_master AS m WHERE {SKIP} ORDER BY m.name"
        )),
        Statement::new(format!(
            "SELECT m.name, p.name, p.type, p.\"notnull\", p.dflt_value, p.pk, p.hidden FROM sqlite_master AS m, pragma_table_xinfo(m.name) AS p WHERE {SKIP} ORDER BY m.name, p.cid"
        )),
        Statement::new(format!(
            "SELECT m.name, il.name, il.\"unique\", il.origin, il.partial, ii.name, ii.\"desc\" FROM sqlite_master AS m, pragma_index_list(m.name) AS il, pragma_index_xinfo(il.name) AS ii WHERE {SKIP} AND ii.\"key\" = 1 ORDER BY m.name, il.name, ii.seqno"
        )),
        Statement::new(format!(
            "SELECT m.name, f.\"table\", f.\"from\", f.\"to\" FROM sqlite_master AS m, pragma_foreign_key_list(m.name) AS f WHERE {SKIP} ORDER BY m.name, f.id, f.seq"
        )),
    ]
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::Text(s) => Some(s.clone()),
        Value::Integer(i) => Some(i.to_string()),
        _ => None,
    }
}

fn int(v: &Value) -> i64 {
    match v {
        Value::Integer(i) => *i,
        Value::Text(s) => s.parse().unwrap_or(0),
        _ => 0,
    }
}

fn rows<'a>(rs: &'a ResultSet, width: usize, what: &str) -> Result<Vec<&'a [Value]>> {
    rs.rows
        .iter()
        .map(|r| {
            let v = r.values();
            if v.len() == width {
                Ok(v)
            } else {
                Err(SchemaError::ResultShape(format!(
                    "{what}: expected {width} columns, got {}",
                    v.len()
                )))
            }
        })
        .collect()
}

/// Parses the results of [`introspection_statements`], in the same order.
pub fn parse_introspection(results: &[ResultSet]) -> Result<DbSchema> {
    let [tables, columns, indexes, fks] = results else {
        return Err(SchemaError::ResultShape(format!(
            "expected 4 result sets, got {}",
            results.len()
        )));
    };
    let mut s = DbSchema::default();
    for r in rows(tables, 2, "tables")? {
        let name = text(&r[0]).ok_or_else(|| SchemaError::ResultShape("table name".into()))?;
        s.tables.insert(
            name.clone(),
            DbTable {
                name,
                sql: text(&r[1]),
                ..Default::default()
            },
        );
    }
    let table = |s: &mut DbSchema, v: &Value| -> Result<String> {
        let n = text(v).ok_or_else(|| SchemaError::ResultShape("table name".into()))?;
        s.tables.entry(n.clone()).or_insert_with(|| DbTable {
            name: n.clone(),
            ..Default::default()
        });
        Ok(n)
    };
    for r in rows(columns, 7, "columns")? {
        let t = table(&mut s, &r[0])?;
        let col = DbColumn {
            name: text(&r[1]).unwrap_or_default(),
            decl_type: text(&r[2]).unwrap_or_default(),
            notnull: int(&r[3]) != 0,
            default: text(&r[4]),
            pk: int(&r[5]) != 0,
            hidden: int(&r[6]),
        };
        if let Some(tb) = s.tables.get_mut(&t) {
            tb.columns.push(col);
        }
    }
    for r in rows(indexes, 7, "indexes")? {
        let t = table(&mut s, &r[0])?;
        let name = text(&r[1]).unwrap_or_default();
        let col = text(&r[5]).map(|c| if int(&r[6]) != 0 { format!("-{c}") } else { c });
        if let Some(tb) = s.tables.get_mut(&t) {
            match tb.indexes.iter_mut().find(|i| i.name == name) {
                Some(ix) => ix.columns.push(col),
                None => tb.indexes.push(DbIndex {
                    name,
                    unique: int(&r[2]) != 0,
                    origin: text(&r[3]).unwrap_or_default(),
                    partial: int(&r[4]) != 0,
                    columns: vec![col],
                }),
            }
        }
    }
    for r in rows(fks, 4, "foreign keys")? {
        let t = table(&mut s, &r[0])?;
        let fk = DbForeignKey {
            table: text(&r[1]).unwrap_or_default(),
            from: text(&r[2]).unwrap_or_default(),
            to: text(&r[3]).unwrap_or_default(),
        };
        if let Some(tb) = s.tables.get_mut(&t) {
            tb.foreign_keys.push(fk);
        }
    }
    Ok(s)
}

/// Introspects a database through a blocking transport.
pub fn introspect(t: &mut dyn Transport) -> Result<DbSchema> {
    let mut results = Vec::new();
    for st in introspection_statements() {
        results.push(t.execute(&st)?);
    }
    parse_introspection(&results)
}

/// Introspects a database through an async transport.
pub async fn introspect_async(t: &mut dyn AsyncTransport) -> Result<DbSchema> {
    let mut results = Vec::new();
    for st in introspection_statements() {
        results.push(t.execute(&st).await?);
    }
    parse_introspection(&results)
}

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

    /// The schema a fresh `migrate` of this state would create (no `sql` text), for [`diff`].
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

/// One difference between a model set and a database.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Difference {
    /// A table the models need is missing.
    MissingTable(String),
    /// A table exists that no model describes (reported only when asked for).
    ExtraTable(String),
    /// A column is missing.
    MissingColumn {
        /// Table.
        table: String,
        /// Column.
        column: String,
    },
    /// A column exists that the model does not describe.
    ExtraColumn {
        /// Table.
        table: String,
        /// Column.
        column: String,
    },
    /// A column differs in one property (`type`, `notnull`, `default`, `pk`, `generated`).
    ColumnMismatch {
        /// Table.
        table: String,
        /// Column.
        column: String,
        /// Which property.
        property: &'static str,
        /// What the models say.
        expected: String,
        /// What the database has.
        actual: String,
    },
    /// A named index (or index-backed unique constraint) is missing.
    MissingIndex {
        /// Table.
        table: String,
        /// Index name.
        name: String,
    },
    /// A named index exists that the models do not describe.
    ExtraIndex {
        /// Table.
        table: String,
        /// Index name.
        name: String,
    },
    /// A named index has other columns or uniqueness.
    IndexMismatch {
        /// Table.
        table: String,
        /// Index name.
        name: String,
    },
    /// A UNIQUE constraint (inline or table-level) over these columns is missing.
    MissingUnique {
        /// Table.
        table: String,
        /// Columns.
        columns: Vec<String>,
    },
    /// A UNIQUE constraint over these columns exists that the models do not describe.
    ExtraUnique {
        /// Table.
        table: String,
        /// Columns.
        columns: Vec<String>,
    },
    /// A foreign key is missing.
    MissingForeignKey {
        /// Table.
        table: String,
        /// The foreign key.
        fk: DbForeignKey,
    },
    /// A foreign key exists that the models do not describe.
    ExtraForeignKey {
        /// Table.
        table: String,
        /// The foreign key.
        fk: DbForeignKey,
    },
}

/// The SQLite affinity family of a declared type, for FK columns whose type follows history.
fn affinity(t: &str) -> &'static str {
    let t = t.to_ascii_uppercase();
    if t.contains("INT") {
        "INTEGER"
    } else if t.contains("CHAR") || t.contains("CLOB") || t.contains("TEXT") {
        "TEXT"
    } else if t.contains("BLOB") || t.is_empty() {
        "BLOB"
    } else if t.contains("REAL") || t.contains("FLOA") || t.contains("DOUB") {
        "REAL"
    } else {
        "NUMERIC"
    }
}

fn unique_sets(t: &DbTable) -> Vec<Vec<String>> {
    let mut v: Vec<Vec<String>> = t
        .indexes
        .iter()
        .filter(|i| i.origin != "c" && i.unique)
        .map(|i| {
            i.columns
                .iter()
                .map(|c| c.clone().unwrap_or_default())
                .collect()
        })
        .collect();
    v.sort();
    v
}

/// Compares the schema the models imply with an introspected one, column by column (by
/// name, not position: remakes reorder columns), index by index and FK by FK.
///
/// Types compare case-insensitively; the type of an FK column compares by affinity only,
/// because an FK keeps the type its target had when it was created. Tables the models do
/// not describe are reported only with `report_extra_tables`.
pub fn diff(expected: &DbSchema, actual: &DbSchema, report_extra_tables: bool) -> Vec<Difference> {
    let mut out = Vec::new();
    for (name, e) in &expected.tables {
        let Some(a) = actual.tables.get(name) else {
            out.push(Difference::MissingTable(name.clone()));
            continue;
        };
        diff_table(name, e, a, &mut out);
    }
    if report_extra_tables {
        for name in actual.tables.keys() {
            if !expected.tables.contains_key(name) {
                out.push(Difference::ExtraTable(name.clone()));
            }
        }
    }
    out
}

fn diff_table(name: &str, e: &DbTable, a: &DbTable, out: &mut Vec<Difference>) {
    let t = || name.to_string();
    for ec in &e.columns {
        let Some(ac) = a.columns.iter().find(|c| c.name == ec.name) else {
            out.push(Difference::MissingColumn {
                table: t(),
                column: ec.name.clone(),
            });
            continue;
        };
        let mut mismatch = |property: &'static str, x: String, y: String| {
            out.push(Difference::ColumnMismatch {
                table: t(),
                column: ec.name.clone(),
                property,
                expected: x,
                actual: y,
            });
        };
        let is_fk = e.relation_columns.contains(&ec.name);
        let type_ok = if is_fk {
            affinity(&ec.decl_type) == affinity(&ac.decl_type)
        } else {
            ec.decl_type.eq_ignore_ascii_case(&ac.decl_type)
        };
        if !type_ok {
            mismatch("type", ec.decl_type.clone(), ac.decl_type.clone());
        }
        if ec.notnull != ac.notnull {
            mismatch("notnull", ec.notnull.to_string(), ac.notnull.to_string());
        }
        if ec.default != ac.default {
            mismatch(
                "default",
                ec.default.clone().unwrap_or_default(),
                ac.default.clone().unwrap_or_default(),
            );
        }
        if ec.pk != ac.pk {
            mismatch("pk", ec.pk.to_string(), ac.pk.to_string());
        }
        if ec.hidden != ac.hidden {
            mismatch("generated", ec.hidden.to_string(), ac.hidden.to_string());
        }
    }
    for ac in &a.columns {
        if !e.columns.iter().any(|c| c.name == ac.name) {
            out.push(Difference::ExtraColumn {
                table: t(),
                column: ac.name.clone(),
            });
        }
    }
    for ei in e.indexes.iter().filter(|i| i.origin == "c") {
        match a.indexes.iter().find(|i| i.name == ei.name) {
            None => out.push(Difference::MissingIndex {
                table: t(),
                name: ei.name.clone(),
            }),
            Some(ai) => {
                let cols_differ = !ei.columns.is_empty() && ei.columns != ai.columns;
                if ai.unique != ei.unique || cols_differ || ai.partial != ei.partial {
                    out.push(Difference::IndexMismatch {
                        table: t(),
                        name: ei.name.clone(),
                    });
                }
            }
        }
    }
    for ai in a.indexes.iter().filter(|i| i.origin == "c") {
        if !e.indexes.iter().any(|i| i.name == ai.name) {
            out.push(Difference::ExtraIndex {
                table: t(),
                name: ai.name.clone(),
            });
        }
    }
    let (eu, au) = (unique_sets(e), unique_sets(a));
    for u in &eu {
        if !au.contains(u) {
            out.push(Difference::MissingUnique {
                table: t(),
                columns: u.clone(),
            });
        }
    }
    for u in &au {
        if !eu.contains(u) {
            out.push(Difference::ExtraUnique {
                table: t(),
                columns: u.clone(),
            });
        }
    }
    let (mut ef, mut af) = (e.foreign_keys.clone(), a.foreign_keys.clone());
    ef.sort();
    af.sort();
    for f in &ef {
        if !af.contains(f) {
            out.push(Difference::MissingForeignKey {
                table: t(),
                fk: f.clone(),
            });
        }
    }
    for f in &af {
        if !ef.contains(f) {
            out.push(Difference::ExtraForeignKey {
                table: t(),
                fk: f.clone(),
            });
        }
    }
}
