//! Comparing the schema a model set implies with an introspected one.

use crate::introspect::{DbForeignKey, DbSchema, DbTable};

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
    /// A column's full definition in `sqlite_master.sql` differs (CHECK, COLLATE, DEFAULT
    /// expression, GENERATED expression, REFERENCES ...), though PRAGMA shows no difference.
    ColumnDefinitionMismatch {
        /// Table.
        table: String,
        /// Column.
        column: String,
        /// The definition the models imply.
        expected: String,
        /// The definition stored in the database.
        actual: String,
    },
    /// A table-level constraint (`CONSTRAINT "name" CHECK (...)` / `UNIQUE (...)`) is missing.
    MissingConstraint {
        /// Table.
        table: String,
        /// The constraint as the models write it.
        sql: String,
    },
    /// A table-level constraint exists that the models do not describe.
    ExtraConstraint {
        /// Table.
        table: String,
        /// The constraint as stored.
        sql: String,
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
/// because an FK keeps the type its target had when it was created. When both sides carry
/// the `CREATE TABLE` text, each column's full definition (CHECK, COLLATE, DEFAULT,
/// GENERATED, REFERENCES) and the table-level constraints are compared too, again by
/// name; a column already reported from PRAGMA data is not reported twice. Tables the
/// models do not describe are reported only with `report_extra_tables`.
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

/// Each item of `expected` not in `actual` as `missing`, then each item of
/// `actual` not in `expected` as `extra`.
fn both_ways<T: PartialEq + Clone>(
    expected: &[T],
    actual: &[T],
    missing: impl Fn(T) -> Difference,
    extra: impl Fn(T) -> Difference,
    out: &mut Vec<Difference>,
) {
    out.extend(
        expected
            .iter()
            .filter(|x| !actual.contains(x))
            .map(|x| missing(x.clone())),
    );
    out.extend(
        actual
            .iter()
            .filter(|x| !expected.contains(x))
            .map(|x| extra(x.clone())),
    );
}

/// Splits the body of a stored `CREATE TABLE "t" (...)` into its top-level items.
pub(crate) fn split_create_table(sql: &str) -> Option<Vec<String>> {
    let open = sql.find('(')?;
    let close = sql.rfind(')')?;
    if close <= open {
        return None;
    }
    let body = &sql[open + 1..close];
    let (mut items, mut cur, mut depth, mut quote) =
        (Vec::new(), String::new(), 0i32, None::<char>);
    for c in body.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"' | '`') => quote = Some(c),
            (None, '[') => quote = Some(']'),
            (None, '(') => depth += 1,
            (None, ')') => depth -= 1,
            (None, ',') if depth == 0 => {
                items.push(cur.trim().to_string());
                cur.clear();
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    if !cur.trim().is_empty() {
        items.push(cur.trim().to_string());
    }
    Some(items)
}

/// `(column name, definition)` pairs and table constraints.
type Definitions = (Vec<(String, String)>, Vec<String>);

/// Column definitions by column name, and the table constraints, of a CREATE TABLE.
fn definitions(sql: &str) -> Option<Definitions> {
    let (mut cols, mut cons) = (Vec::new(), Vec::new());
    for item in split_create_table(sql)? {
        match item.strip_prefix('"').and_then(|r| r.split_once('"')) {
            Some((name, _)) => cols.push((name.to_string(), item.clone())),
            None => cons.push(item),
        }
    }
    Some((cols, cons))
}

/// The definition without `"name" <type>` (the type is compared separately).
fn after_type<'a>(def: &'a str, column: &str, decl_type: &str) -> &'a str {
    let prefix = format!("\"{column}\" ");
    let rest = def.strip_prefix(&prefix).unwrap_or(def);
    match rest.get(..decl_type.len()) {
        Some(t) if t.eq_ignore_ascii_case(decl_type) => &rest[decl_type.len()..],
        _ => rest,
    }
}

fn diff_definitions(name: &str, e: &DbTable, a: &DbTable, out: &mut Vec<Difference>) {
    let (Some(es), Some(as_)) = (&e.sql, &a.sql) else {
        return;
    };
    let (Some((ecols, econs)), Some((acols, acons))) = (definitions(es), definitions(as_)) else {
        return;
    };
    for (col, edef) in &ecols {
        let already = out.iter().any(|d| matches!(d,
            Difference::ColumnMismatch { table, column, .. } | Difference::MissingColumn { table, column }
                if table == name && column == col));
        let (Some((_, adef)), Some(ec), Some(ac)) = (
            acols.iter().find(|(c, _)| c == col),
            e.columns.iter().find(|c| &c.name == col),
            a.columns.iter().find(|c| &c.name == col),
        ) else {
            continue;
        };
        if already {
            continue;
        }
        let same = after_type(edef, col, &ec.decl_type) == after_type(adef, col, &ac.decl_type);
        if !same {
            out.push(Difference::ColumnDefinitionMismatch {
                table: name.to_string(),
                column: col.clone(),
                expected: edef.clone(),
                actual: adef.clone(),
            });
        }
    }
    for c in &econs {
        if !acons.contains(c) {
            out.push(Difference::MissingConstraint {
                table: name.to_string(),
                sql: c.clone(),
            });
        }
    }
    for c in &acons {
        if !econs.contains(c) {
            out.push(Difference::ExtraConstraint {
                table: name.to_string(),
                sql: c.clone(),
            });
        }
    }
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
    both_ways(
        &unique_sets(e),
        &unique_sets(a),
        |columns| Difference::MissingUnique {
            table: t(),
            columns,
        },
        |columns| Difference::ExtraUnique {
            table: t(),
            columns,
        },
        out,
    );
    let (mut ef, mut af) = (e.foreign_keys.clone(), a.foreign_keys.clone());
    ef.sort();
    af.sort();
    both_ways(
        &ef,
        &af,
        |fk| Difference::MissingForeignKey { table: t(), fk },
        |fk| Difference::ExtraForeignKey { table: t(), fk },
        out,
    );
    diff_definitions(name, e, a, out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::introspect::DbIndex;

    #[test]
    fn unique_sets_and_foreign_keys_are_compared_both_ways() {
        let fk = |to: &str| DbForeignKey {
            table: to.into(),
            from: "owner_id".into(),
            to: "id".into(),
        };
        let unique = |col: &str| DbIndex {
            name: format!("sqlite_autoindex_t_{col}"),
            unique: true,
            origin: "u".into(),
            partial: false,
            columns: vec![Some(col.into())],
        };
        let table = |fks: Vec<DbForeignKey>, indexes: Vec<DbIndex>| DbTable {
            name: "t".into(),
            foreign_keys: fks,
            indexes,
            ..Default::default()
        };
        let schema = |t: DbTable| DbSchema {
            tables: [("t".to_string(), t)].into_iter().collect(),
        };
        let expected = schema(table(vec![fk("a"), fk("b")], vec![unique("x")]));
        let actual = schema(table(vec![fk("b"), fk("c")], vec![unique("y")]));
        assert_eq!(
            diff(&expected, &actual, true),
            vec![
                Difference::MissingUnique {
                    table: "t".into(),
                    columns: vec!["x".into()],
                },
                Difference::ExtraUnique {
                    table: "t".into(),
                    columns: vec!["y".into()],
                },
                Difference::MissingForeignKey {
                    table: "t".into(),
                    fk: fk("a"),
                },
                Difference::ExtraForeignKey {
                    table: "t".into(),
                    fk: fk("c"),
                },
            ]
        );
        assert_eq!(diff(&expected, &expected, true), vec![]);
    }

    #[test]
    fn create_table_splitting_respects_quotes_and_parentheses() {
        let sql = r#"CREATE TABLE "t" ("a,b" integer DEFAULT 'x, y)' NOT NULL, "c" text CHECK ((JSON_VALID("c") OR "c" IS NULL)), CONSTRAINT "k" UNIQUE ("a,b", "c"))"#;
        let items = split_create_table(sql).unwrap();
        assert_eq!(items.len(), 3, "{items:?}");
        assert_eq!(items[0], r#""a,b" integer DEFAULT 'x, y)' NOT NULL"#);
        let (cols, cons) = definitions(sql).unwrap();
        assert_eq!(cols[1].0, "c");
        assert_eq!(
            cons,
            vec![r#"CONSTRAINT "k" UNIQUE ("a,b", "c")"#.to_string()]
        );
        assert!(split_create_table("garbage").is_none());
        assert!(split_create_table(") (").is_none());
        assert_eq!(after_type(r#""x" bigint NULL"#, "x", "BIGINT"), " NULL");
    }
}
