//! Introspection: a fixed plan of four queries and pure parsing into [`DbSchema`]; thin
//! blocking and async drivers.

use std::collections::BTreeMap;

use sqlport_core::{AsyncTransport, ResultSet, Statement, Transport, Value};

use crate::error::{Result, SchemaError};

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
    /// expected schema. Their type follows history, so [`diff`](crate::diff()) compares it by affinity.
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
    let h = crate::handlers::Handlers::new();
    crate::driver::run_blocking(crate::driver::introspection(), t, &h, &mut |_, _| {})
}

/// Introspects a database through an async transport.
pub async fn introspect_async(t: &mut dyn AsyncTransport) -> Result<DbSchema> {
    let h = crate::handlers::Handlers::new();
    crate::driver::run_async(crate::driver::introspection(), t, &h, &mut |_, _| {}).await
}
