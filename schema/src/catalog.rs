//! The indexes a database has as a plan runs, for the names Django finds by introspection.
//!
//! Django computes most index names, but looks a few up in the database
//! (`_constraint_names`): the index of a removed `unique_together` or `index_together`
//! entry, and the unnamed index of `RenameIndex(old_fields=...)`. The catalog starts from
//! an introspected snapshot (or from nothing: only the tables the plan creates are known)
//! and follows every statement the plan emits (`CREATE INDEX`, `DROP INDEX`, `CREATE
//! TABLE`, `DROP TABLE`, table and column renames), as the database would.
//!
//! Like Django's SQLite introspection it sees the indexes made by `CREATE INDEX`
//! (`PRAGMA index_list` rows with SQL), not the automatic indexes of inline `UNIQUE`
//! constraints.

use std::collections::BTreeMap;

use crate::error::{Result, SchemaError};
use crate::introspect::DbSchema;

/// One index as `PRAGMA index_list` / `index_info` show it.
#[derive(Debug, Clone, PartialEq)]
struct CatalogIndex {
    name: String,
    /// Key columns (`None`: an expression).
    columns: Vec<Option<String>>,
    unique: bool,
}

/// The indexes of the tables known so far (see the module docs).
#[derive(Debug, Clone, Default)]
pub(crate) struct IndexCatalog {
    /// A snapshot of the whole database: a table not listed does not exist.
    complete: bool,
    /// Known tables: `Some(indexes)`, or `None` once dropped.
    tables: BTreeMap<String, Option<Vec<CatalogIndex>>>,
    /// Statements no longer change it (`sqlmigrate` runs nothing: Django introspects the
    /// database as it was before the migration).
    pub frozen: bool,
}

/// What a lookup found.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Found {
    /// The table is not known (no snapshot of it, not created by the plan).
    Unknown,
    /// The names of the indexes that match, in the order the database lists them.
    Names(Vec<String>),
}

impl IndexCatalog {
    /// The catalog of an introspected database.
    pub fn from_snapshot(s: &DbSchema) -> Self {
        let tables = s
            .tables
            .iter()
            .map(|(name, t)| {
                let indexes = t
                    .indexes
                    .iter()
                    .filter(|i| i.origin == "c")
                    .map(|i| CatalogIndex {
                        name: i.name.clone(),
                        columns: i
                            .columns
                            .iter()
                            .map(|c| c.as_ref().map(|c| c.trim_start_matches('-').to_string()))
                            .collect(),
                        unique: i.unique,
                    })
                    .collect();
                (name.clone(), Some(indexes))
            })
            .collect();
        IndexCatalog {
            complete: true,
            tables,
            frozen: false,
        }
    }

    /// Follows one statement the plan runs (anything it does not recognise changes
    /// nothing).
    pub fn apply(&mut self, sql: &str) {
        if self.frozen {
            return;
        }
        let mut t = Tokens::new(sql);
        match (t.word().as_deref(), t.word().as_deref()) {
            (Some("CREATE"), Some("TABLE")) => {
                if let Some(name) = t.ident() {
                    self.tables.insert(name, Some(Vec::new()));
                }
            }
            (Some("CREATE"), Some(w @ ("INDEX" | "UNIQUE"))) => {
                let unique = w == "UNIQUE";
                if unique && t.word().as_deref() != Some("INDEX") {
                    return;
                }
                let (Some(name), Some("ON"), Some(table)) =
                    (t.ident(), t.word().as_deref(), t.ident())
                else {
                    return;
                };
                let columns = t.key_columns();
                if let Some(Some(list)) = self.tables.get_mut(&table) {
                    list.push(CatalogIndex {
                        name,
                        columns,
                        unique,
                    });
                }
            }
            (Some("DROP"), Some("INDEX")) => {
                if let Some(name) = t.ident() {
                    for list in self.tables.values_mut().flatten() {
                        list.retain(|i| i.name != name);
                    }
                }
            }
            (Some("DROP"), Some("TABLE")) => {
                if let Some(name) = t.ident() {
                    self.tables.insert(name, None);
                }
            }
            (Some("ALTER"), Some("TABLE")) => {
                let Some(table) = t.ident() else { return };
                match (t.word().as_deref(), t.word().as_deref()) {
                    (Some("RENAME"), Some("TO")) => {
                        if let Some(new) = t.ident() {
                            match self.tables.insert(table.clone(), None) {
                                Some(moved) => {
                                    self.tables.insert(new, moved);
                                }
                                None if self.complete => {
                                    self.tables.insert(new, None);
                                }
                                None => {
                                    // Unknown before, unknown after.
                                    self.tables.remove(&table);
                                    self.tables.remove(&new);
                                }
                            }
                        }
                    }
                    (Some("RENAME"), Some("COLUMN")) => {
                        let (Some(old), Some("TO"), Some(new)) =
                            (t.ident(), t.word().as_deref(), t.ident())
                        else {
                            return;
                        };
                        if let Some(Some(list)) = self.tables.get_mut(&table) {
                            for c in list.iter_mut().flat_map(|i| i.columns.iter_mut()) {
                                if c.as_deref() == Some(old.as_str()) {
                                    *c = Some(new.clone());
                                }
                            }
                        }
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }

    /// Django's `_constraint_names(model, columns, unique=..., index=True, exclude=...)`
    /// on `table`.
    pub fn find(&self, table: &str, columns: &[String], unique: bool, exclude: &[&str]) -> Found {
        let list = match self.tables.get(table) {
            Some(Some(list)) => list.as_slice(),
            Some(None) => &[],
            None if self.complete => &[],
            None => return Found::Unknown,
        };
        Found::Names(
            list.iter()
                .filter(|i| {
                    i.unique == unique
                        && i.columns.len() == columns.len()
                        && i.columns
                            .iter()
                            .zip(columns)
                            .all(|(a, b)| a.as_deref() == Some(b.as_str()))
                        && !exclude.contains(&i.name.as_str())
                })
                .map(|i| i.name.clone())
                .collect(),
        )
    }
}

/// Django's `_delete_composed_index` (and `RenameIndex`'s lookup of an unnamed index): the
/// one index on `columns` of `table`, found in the catalog; `computed` when the catalog does
/// not know the table. For a unique index, several matches resolve to `computed` if it is
/// one of them (Django's preference for the default name).
pub(crate) fn composed_index_name(
    catalog: &IndexCatalog,
    table: &str,
    columns: &[String],
    unique: bool,
    exclude: &[&str],
    computed: String,
) -> Result<String> {
    match catalog.find(table, columns, unique, exclude) {
        Found::Unknown => Ok(computed),
        Found::Names(mut names) => {
            if unique && names.contains(&computed) {
                return Ok(computed);
            }
            match names.len() {
                1 => Ok(names.remove(0)),
                n => Err(SchemaError::IndexNotFound {
                    table: table.to_string(),
                    columns: columns.to_vec(),
                    found: n,
                }),
            }
        }
    }
}

/// A tiny reader of the statements this crate writes: keywords and quoted identifiers.
struct Tokens<'a> {
    rest: &'a str,
}

impl<'a> Tokens<'a> {
    fn new(s: &'a str) -> Self {
        Tokens { rest: s }
    }

    fn skip_space(&mut self) {
        self.rest = self.rest.trim_start();
    }

    /// An unquoted keyword, upper-cased.
    fn word(&mut self) -> Option<String> {
        self.skip_space();
        let end = self
            .rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(self.rest.len());
        if end == 0 {
            return None;
        }
        let w = self.rest[..end].to_ascii_uppercase();
        self.rest = &self.rest[end..];
        Some(w)
    }

    /// A `"quoted"` identifier (doubled quotes inside).
    fn ident(&mut self) -> Option<String> {
        self.skip_space();
        let body = self.rest.strip_prefix('"')?;
        let mut out = String::new();
        let mut chars = body.char_indices();
        while let Some((i, c)) = chars.next() {
            if c == '"' {
                if body[i + 1..].starts_with('"') {
                    out.push('"');
                    chars.next();
                } else {
                    self.rest = &body[i + 1..];
                    return Some(out);
                }
            } else {
                out.push(c);
            }
        }
        None
    }

    /// The parenthesised key list of `CREATE INDEX ... ON "t" (...)`: a plain column (with
    /// an optional order or collation) is its name, anything else an expression.
    fn key_columns(&mut self) -> Vec<Option<String>> {
        self.skip_space();
        let Some(body) = self.rest.strip_prefix('(') else {
            return Vec::new();
        };
        let (mut depth, mut quoted, mut start) = (0usize, false, 0usize);
        let mut items = Vec::new();
        for (i, c) in body.char_indices() {
            match c {
                '"' | '\'' => quoted = !quoted,
                '(' if !quoted => depth += 1,
                ')' if !quoted && depth == 0 => {
                    items.push(&body[start..i]);
                    break;
                }
                ')' if !quoted => depth -= 1,
                ',' if !quoted && depth == 0 => {
                    items.push(&body[start..i]);
                    start = i + 1;
                }
                _ => {}
            }
        }
        items
            .into_iter()
            .map(|item| {
                let mut t = Tokens::new(item);
                let name = t.ident()?;
                let rest = t.rest.trim().to_ascii_uppercase();
                let plain = rest.is_empty()
                    || rest == "ASC"
                    || rest == "DESC"
                    || rest.starts_with("COLLATE ");
                plain.then_some(name)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(c: &IndexCatalog, t: &str, cols: &[&str], unique: bool) -> Found {
        let cols: Vec<String> = cols.iter().map(|s| s.to_string()).collect();
        c.find(t, &cols, unique, &[])
    }

    #[test]
    fn follows_the_statements_of_a_plan() {
        let mut c = IndexCatalog::default();
        assert_eq!(names(&c, "t", &["a"], false), Found::Unknown);
        c.apply(r#"CREATE TABLE "t" ("id" integer NOT NULL PRIMARY KEY, "a" integer)"#);
        c.apply(r#"CREATE INDEX "t_a_b_idx" ON "t" ("a", "b")"#);
        c.apply(r#"CREATE UNIQUE INDEX "t_a_uniq" ON "t" ("a")"#);
        c.apply(r#"CREATE INDEX "t_lower" ON "t" ((LOWER("a")), "b" DESC) WHERE "a" > 0"#);
        assert_eq!(
            names(&c, "t", &["a", "b"], false),
            Found::Names(vec!["t_a_b_idx".into()])
        );
        assert_eq!(
            names(&c, "t", &["a"], true),
            Found::Names(vec!["t_a_uniq".into()])
        );
        c.apply(r#"ALTER TABLE "t" RENAME COLUMN "a" TO "z""#);
        c.apply(r#"ALTER TABLE "t" RENAME TO "u""#);
        assert_eq!(
            names(&c, "u", &["z", "b"], false),
            Found::Names(vec!["t_a_b_idx".into()])
        );
        assert_eq!(names(&c, "t", &["a", "b"], false), Found::Names(vec![]));
        c.apply(r#"DROP INDEX "t_a_b_idx""#);
        assert_eq!(names(&c, "u", &["z", "b"], false), Found::Names(vec![]));
        c.apply(r#"DROP TABLE "u""#);
        assert_eq!(names(&c, "u", &["z"], true), Found::Names(vec![]));
        c.frozen = true;
        c.apply(r#"CREATE TABLE "v" ("id" integer)"#);
        assert_eq!(names(&c, "v", &["id"], true), Found::Unknown);
    }

    #[test]
    fn the_default_unique_name_wins_and_a_count_other_than_one_is_an_error() {
        let mut c = IndexCatalog::default();
        c.apply(r#"CREATE TABLE "t" ("a" integer, "b" integer)"#);
        c.apply(r#"CREATE UNIQUE INDEX "x" ON "t" ("a", "b")"#);
        c.apply(r#"CREATE UNIQUE INDEX "t_a_b_uniq" ON "t" ("a", "b")"#);
        let cols = ["a".to_string(), "b".to_string()];
        let n = composed_index_name(&c, "t", &cols, true, &[], "t_a_b_uniq".into()).unwrap();
        assert_eq!(n, "t_a_b_uniq");
        let e = composed_index_name(&c, "t", &cols, true, &[], "other".into()).unwrap_err();
        assert!(matches!(e, SchemaError::IndexNotFound { found: 2, .. }));
        let n = composed_index_name(&c, "t", &cols, true, &["x"], "other".into()).unwrap();
        assert_eq!(n, "t_a_b_uniq");
        let e = composed_index_name(&c, "t", &cols, false, &[], "t_a_b_idx".into()).unwrap_err();
        assert!(matches!(e, SchemaError::IndexNotFound { found: 0, .. }));
        let n = composed_index_name(&c, "w", &cols, false, &[], "w_idx".into()).unwrap();
        assert_eq!(n, "w_idx");
    }

    #[test]
    fn odd_statements_change_nothing_and_do_not_panic() {
        let mut c = IndexCatalog::default();
        for s in [
            "",
            "CREATE",
            "CREATE INDEX",
            r#"CREATE INDEX "unterminated"#,
            r#"CREATE UNIQUE "x" ON "t" ("a")"#,
            r#"CREATE INDEX "x" ON "missing" ("a""#,
            "ALTER TABLE",
            r#"ALTER TABLE "t" RENAME COLUMN "a""#,
            "DROP INDEX x",
            "é€ 😀 (((",
        ] {
            c.apply(s);
        }
        assert!(c.tables.is_empty());
    }
}
