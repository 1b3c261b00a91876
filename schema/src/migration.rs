//! Migrations: a named list of operations, loaded from JSON, rendered as `sqlmigrate` output
//! or as a plan of statements.

use serde_json::Value as Json;

use crate::editor::{Editor, PlanContext};
use crate::error::{Result, SchemaError};
use crate::model::obj;
use crate::operation::{Operation, operations};
use crate::state::ProjectState;

/// One migration (`shop/migrations/0001_initial.py` transcribed to JSON).
#[derive(Debug, Clone, PartialEq)]
pub struct Migration {
    /// App label (`shop`).
    pub app_label: String,
    /// Migration name (`0001_initial`).
    pub name: String,
    /// `atomic` (default true): sqlmigrate wraps the output in `BEGIN;` / `COMMIT;`.
    pub atomic: bool,
    /// The operations, in order.
    pub operations: Vec<Operation>,
}

/// The SQL of one operation.
#[derive(Debug, Clone, PartialEq)]
pub struct OperationSql {
    /// `describe()` of the operation.
    pub description: String,
    /// Statements, without the trailing `;`.
    pub statements: Vec<String>,
}

impl Migration {
    /// A migration from its parts.
    pub fn new(
        app_label: impl Into<String>,
        name: impl Into<String>,
        operations: Vec<Operation>,
    ) -> Self {
        Migration {
            app_label: app_label.into(),
            name: name.into(),
            atomic: true,
            operations,
        }
    }

    /// Loads `{"app_label": "shop", "name": "0001_initial", "operations": [...]}`.
    pub fn from_json(v: &Json) -> Result<Self> {
        let o = obj(v, "migration")?;
        for k in o.keys() {
            if !matches!(
                k.as_str(),
                "app_label"
                    | "name"
                    | "atomic"
                    | "initial"
                    | "dependencies"
                    | "operations"
                    | "comment"
            ) {
                return Err(crate::model::unknown("migration", k));
            }
        }
        let s = |k: &str| {
            o.get(k)
                .and_then(Json::as_str)
                .map(str::to_string)
                .ok_or_else(|| SchemaError::Json(format!("migration: missing string `{k}`")))
        };
        let ops = o
            .get("operations")
            .ok_or_else(|| SchemaError::Json("migration: missing `operations`".into()))?;
        Ok(Migration {
            app_label: s("app_label")?,
            name: s("name")?,
            atomic: o.get("atomic").and_then(Json::as_bool).unwrap_or(true),
            operations: operations(ops)?,
        })
    }

    /// Loads a migration from JSON text.
    pub fn from_json_str(text: &str) -> Result<Self> {
        let v: Json = serde_json::from_str(text).map_err(|e| SchemaError::Json(e.to_string()))?;
        Self::from_json(&v)
    }

    /// Applies the migration to `state` without producing SQL.
    pub fn apply_state(&self, state: &mut ProjectState) -> Result<()> {
        for op in &self.operations {
            op.state_forwards(&self.app_label, state)?;
        }
        Ok(())
    }

    /// Applies the migration to `state` and returns each operation's SQL, with the deferred
    /// statements that run at the end attached to the last operation.
    pub fn render(&self, state: &mut ProjectState) -> Result<Vec<OperationSql>> {
        self.render_with(state, &mut PlanContext::default())
    }

    /// [`Migration::render`] within a plan that knows the database (a `PlanContext`).
    pub(crate) fn render_with(
        &self,
        state: &mut ProjectState,
        ctx: &mut PlanContext,
    ) -> Result<Vec<OperationSql>> {
        let mut ed = Editor {
            ctx: std::mem::take(ctx),
            ..Default::default()
        };
        let mut out = Vec::new();
        for op in &self.operations {
            let from = state.clone();
            op.state_forwards(&self.app_label, state)?;
            let before = ed.out.len();
            op.database_forwards(&self.app_label, &mut ed, &from, state)?;
            out.push(OperationSql {
                description: op.describe(),
                statements: ed.out[before..].to_vec(),
            });
        }
        ed.flush();
        *ctx = std::mem::take(&mut ed.ctx);
        let total: usize = out.iter().map(|o| o.statements.len()).sum();
        if let Some(last) = out.last_mut() {
            last.statements.extend(ed.out[total..].iter().cloned());
        }
        Ok(out)
    }

    /// What `python manage.py sqlmigrate` prints for this migration, given the state before it.
    /// The state is advanced past the migration.
    pub fn sqlmigrate(&self, state: &mut ProjectState) -> Result<String> {
        let ops = self.render(state)?;
        let mut lines: Vec<String> = Vec::new();
        if ops.is_empty() {
            return Ok(String::new());
        }
        if self.atomic {
            lines.push("BEGIN;".into());
        }
        for op in &ops {
            lines.push("--".into());
            lines.push(format!("-- {}", op.description));
            lines.push("--".into());
            if op.statements.is_empty() {
                lines.push("-- (no-op)".into());
            }
            for s in &op.statements {
                lines.push(format!("{s};"));
            }
        }
        if self.atomic {
            lines.push("COMMIT;".into());
        }
        Ok(lines.join("\n") + "\n")
    }

    /// The statements the migration runs, in order (a plan), given the state before it.
    pub fn statements(&self, state: &mut ProjectState) -> Result<Vec<String>> {
        Ok(self
            .render(state)?
            .into_iter()
            .flat_map(|o| o.statements)
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_doc_example_renders() {
        let doc = include_str!("../FORMAT.md");
        let start = doc.find("```json\n").map(|i| i + 8).unwrap_or(0);
        let end = doc[start..].find("```").map(|i| start + i).unwrap_or(start);
        let m = Migration::from_json_str(&doc[start..end]).unwrap();
        let mut state = ProjectState::new();
        let sql = m.sqlmigrate(&mut state).unwrap();
        assert!(sql.starts_with("BEGIN;\n--\n-- Create model Tag\n--\n"));
        assert!(sql.contains("CONSTRAINT \"product_price_gte_0\" CHECK (\"price\" >= '0')"));
        assert!(sql.contains("CREATE TABLE \"shop_catalog_product_tags\""));
        assert!(sql.ends_with("COMMIT;\n"));
    }

    /// The largest char boundary at or below `i` (`str::floor_char_boundary` is newer than
    /// our MSRV).
    fn floor(s: &str, mut i: usize) -> usize {
        i = i.min(s.len());
        while !s.is_char_boundary(i) {
            i -= 1;
        }
        i
    }

    #[test]
    fn malformed_input_is_an_error_not_a_panic() {
        let doc = include_str!("../tests/fixtures/migrations/0001_initial.json");
        // Every prefix, and every single-character corruption at a sample of positions.
        let bytes = doc.as_bytes();
        let mut errors = 0;
        for cut in (0..bytes.len()).step_by(97) {
            if Migration::from_json_str(&doc[..floor(doc, cut)]).is_err() {
                errors += 1;
            }
        }
        assert!(errors > 10);
        for pos in (0..bytes.len()).step_by(53) {
            for repl in ["1", "\"", "{", "]", "null", "-5", "\"x\""] {
                let mut s = String::from(&doc[..floor(doc, pos)]);
                s.push_str(repl);
                s.push_str(&doc[floor(doc, pos + 1)..]);
                if let Ok(m) = Migration::from_json_str(&s) {
                    let _ = m.sqlmigrate(&mut ProjectState::new());
                }
            }
        }
        for bad in [
            "{}",
            "[]",
            "null",
            r#"{"app_label": "a", "name": "b", "operations": [{"op": "Nope"}]}"#,
            r#"{"app_label": "a", "name": "b", "operations": [{"op": "AddField", "model_name": "x", "name": "y", "field": {"class": "IntegerField"}}]}"#,
            r#"{"app_label": "a", "name": "b", "operations": [{"op": "CreateModel", "name": "X", "fields": [["a", {"class": "ForeignKey", "to": "a.missing"}]]}]}"#,
        ] {
            let r =
                Migration::from_json_str(bad).and_then(|m| m.sqlmigrate(&mut ProjectState::new()));
            assert!(r.is_err(), "{bad}");
        }
    }
}

crate::model::deserialize_via_json!(Migration);
