//! Migrations: a named list of operations, loaded from JSON, rendered as `sqlmigrate` output
//! or as a plan of statements.

use serde_json::Value as Json;

use crate::editor::{Editor, Emitted, PlanContext};
use crate::error::{Result, SchemaError};
use crate::model::obj;
use crate::ops::{Operation, operations};
use crate::state::ProjectState;

/// One migration (`shop/migrations/0001_initial.py` transcribed to JSON).
#[derive(Debug, Clone, PartialEq)]
pub struct Migration {
    /// App label (`shop`).
    pub app_label: String,
    /// Migration name (`0001_initial`).
    pub name: String,
    /// `atomic` (default true): sqlmigrate wraps the output in `BEGIN;` / `COMMIT;`, and
    /// `migrate` runs it inside the plan's transaction. A non-atomic migration runs as
    /// Django runs it on SQLite: outside any transaction, statement by statement (a
    /// `RunPython(atomic=True)` in it gets a transaction of its own), its history row
    /// written once all of it succeeded.
    pub atomic: bool,
    /// `dependencies`: `(app_label, name)` pairs; the name may be `__first__` or
    /// `__latest__`, as in Django.
    pub dependencies: Vec<(String, String)>,
    /// `run_before`: migrations that must run after this one.
    pub run_before: Vec<(String, String)>,
    /// `replaces`: the migrations a squashed migration stands for.
    pub replaces: Vec<(String, String)>,
    /// `initial`.
    pub initial: Option<bool>,
    /// The operations, in order.
    pub operations: Vec<Operation>,
}

/// The SQL of one operation.
#[derive(Debug, Clone, PartialEq)]
pub struct OperationSql {
    /// `describe()` of the operation.
    pub description: String,
    /// Statements, without the trailing `;` (a RunSQL statement with parameters has them
    /// written in, as `sqlmigrate` shows it).
    pub statements: Vec<String>,
}

/// One operation rendered: its description and what it emitted.
#[derive(Debug, Clone)]
pub(crate) struct RenderedOp {
    pub description: String,
    /// `false` for RunPython in `sqlmigrate` (no SQL, a note instead).
    pub reduces_to_sql: bool,
    /// Django's `operation.atomic` (see [`Operation::atomic`]).
    pub atomic: bool,
    pub emitted: Vec<Emitted>,
}

/// A migration rendered: each operation, then the deferred statements run at the end.
#[derive(Debug, Clone)]
pub(crate) struct Rendered {
    pub ops: Vec<RenderedOp>,
    pub deferred: Vec<Emitted>,
}

/// How Django drives the editor: `sqlmigrate` (collect_sql: RunPython is skipped, the state
/// starts unrendered) or `migrate` (everything runs, the state is rendered).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    CollectSql,
    Migrate,
}

fn pairs(v: Option<&Json>, key: &str) -> Result<Vec<(String, String)>> {
    let Some(v) = v.filter(|v| !v.is_null()) else {
        return Ok(Vec::new());
    };
    crate::model::array(v, "migration", key)?
        .iter()
        .map(|p| match p.as_array().map(Vec::as_slice) {
            Some([Json::String(a), Json::String(n)]) => Ok((a.clone(), n.clone())),
            _ => Err(SchemaError::InvalidValue {
                context: "migration".into(),
                key: key.into(),
                reason: "expected [app_label, name] pairs".into(),
            }),
        })
        .collect()
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
            dependencies: Vec::new(),
            run_before: Vec::new(),
            replaces: Vec::new(),
            initial: None,
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
                    | "run_before"
                    | "replaces"
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
            dependencies: pairs(o.get("dependencies"), "dependencies")?,
            run_before: pairs(o.get("run_before"), "run_before")?,
            replaces: pairs(o.get("replaces"), "replaces")?,
            initial: o.get("initial").and_then(Json::as_bool),
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

    /// Whether every operation can be unapplied.
    pub fn reversible(&self) -> bool {
        self.operations.iter().all(Operation::reversible)
    }

    /// Applies the migration to `state` and returns each operation's SQL as `migrate` runs
    /// it, with the deferred statements that run at the end attached to the last operation.
    pub fn render(&self, state: &mut ProjectState) -> Result<Vec<OperationSql>> {
        state.render()?;
        let ops = self.forwards(state, &mut PlanContext::default(), Mode::Migrate)?;
        public(ops)
    }

    /// Django's `Migration.apply` into a fresh editor (the deferred statements are flushed
    /// at the end, as when the schema editor closes). `state` is advanced.
    pub(crate) fn forwards(
        &self,
        state: &mut ProjectState,
        ctx: &mut PlanContext,
        mode: Mode,
    ) -> Result<Rendered> {
        let mut ed = Editor {
            ctx: std::mem::take(ctx),
            ..Default::default()
        };
        let mut out = Vec::new();
        for op in &self.operations {
            let before = ed.out.len();
            if mode == Mode::CollectSql && !op.reduces_to_sql() {
                out.push((op, false, before));
                continue;
            }
            let mut from = state.clone();
            op.state_forwards(&self.app_label, state)?;
            op.database(&self.app_label, &mut ed, &mut from, state, false)?;
            out.push((op, true, before));
        }
        Ok(finish(ed, ctx, out))
    }

    /// Django's `Migration.unapply`: the SQL of unapplying this migration, given the state
    /// before it (which is left unchanged). Fails before emitting anything if an operation
    /// is irreversible.
    pub(crate) fn backwards(
        &self,
        state: &ProjectState,
        ctx: &mut PlanContext,
        mode: Mode,
    ) -> Result<Rendered> {
        let mut to_run = Vec::with_capacity(self.operations.len());
        let mut new_state = state.clone();
        for op in &self.operations {
            if !op.reversible() {
                return Err(SchemaError::Irreversible(format!(
                    "{}.{}: operation `{}` cannot be reversed",
                    self.app_label,
                    self.name,
                    op.describe()
                )));
            }
            let old_state = new_state.clone();
            op.state_forwards(&self.app_label, &mut new_state)?;
            to_run.push((op, old_state, new_state.clone()));
        }
        let mut ed = Editor {
            ctx: std::mem::take(ctx),
            ..Default::default()
        };
        let mut out = Vec::new();
        for (op, mut to, mut from) in to_run.into_iter().rev() {
            let before = ed.out.len();
            if mode == Mode::CollectSql && !op.reduces_to_sql() {
                out.push((op, false, before));
                continue;
            }
            op.database(&self.app_label, &mut ed, &mut from, &mut to, true)?;
            out.push((op, true, before));
        }
        Ok(finish(ed, ctx, out))
    }

    /// What `python manage.py sqlmigrate` prints for this migration, given the state before
    /// it (Django loads that state afresh: it is not rendered yet). The state is advanced
    /// past the migration.
    ///
    /// The few index names Django looks up in the database (see
    /// [`MigrationGraph::sqlmigrate`](crate::MigrationGraph::sqlmigrate)) are computed here.
    pub fn sqlmigrate(&self, state: &mut ProjectState) -> Result<String> {
        self.sqlmigrate_in(state, PlanContext::default())
    }

    /// What `python manage.py sqlmigrate --backwards` prints, given the state before the
    /// migration (left unchanged).
    pub fn sqlmigrate_backwards(&self, state: &ProjectState) -> Result<String> {
        self.sqlmigrate_backwards_in(state, PlanContext::default())
    }

    /// [`Migration::sqlmigrate`] with what is known of the database's indexes.
    pub(crate) fn sqlmigrate_in(
        &self,
        state: &mut ProjectState,
        mut ctx: PlanContext,
    ) -> Result<String> {
        *state = unrendered(state);
        ctx.catalog.frozen = true;
        let ops = self.forwards(state, &mut ctx, Mode::CollectSql)?;
        self.sqlmigrate_text(&ops)
    }

    /// [`Migration::sqlmigrate_backwards`] with what is known of the database's indexes.
    pub(crate) fn sqlmigrate_backwards_in(
        &self,
        state: &ProjectState,
        mut ctx: PlanContext,
    ) -> Result<String> {
        ctx.catalog.frozen = true;
        let ops = self.backwards(&unrendered(state), &mut ctx, Mode::CollectSql)?;
        self.sqlmigrate_text(&ops)
    }

    fn sqlmigrate_text(&self, r: &Rendered) -> Result<String> {
        let mut lines: Vec<String> = Vec::new();
        if r.ops.is_empty() {
            return Ok(String::new());
        }
        if self.atomic {
            lines.push("BEGIN;".into());
        }
        for op in &r.ops {
            lines.push("--".into());
            lines.push(format!("-- {}", op.description));
            lines.push("--".into());
            if !op.reduces_to_sql {
                lines.push("-- THIS OPERATION CANNOT BE WRITTEN AS SQL".into());
                continue;
            }
            let mut any = false;
            for e in &op.emitted {
                if let Some(l) = e.sqlmigrate_line()? {
                    lines.push(l);
                    any = true;
                }
            }
            if !any {
                lines.push("-- (no-op)".into());
            }
        }
        for e in &r.deferred {
            lines.extend(e.sqlmigrate_line()?);
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

fn unrendered(state: &ProjectState) -> ProjectState {
    state.unrendered()
}

/// Splits the editor's output by operation, then flushes the deferred statements, which
/// come last (Django runs them when the schema editor closes).
fn finish(mut ed: Editor, ctx: &mut PlanContext, ops: Vec<(&Operation, bool, usize)>) -> Rendered {
    let mut out = Vec::with_capacity(ops.len());
    let total = ed.out.len();
    for (i, (op, ran, start)) in ops.iter().enumerate() {
        let end = ops.get(i + 1).map(|o| o.2).unwrap_or(total);
        out.push(RenderedOp {
            description: op.describe(),
            reduces_to_sql: *ran,
            atomic: op.atomic(),
            emitted: ed.out[*start..end].to_vec(),
        });
    }
    ed.flush();
    *ctx = std::mem::take(&mut ed.ctx);
    Rendered {
        ops: out,
        deferred: ed.out.split_off(total),
    }
}

/// The public form: each operation's statements, the deferred ones with the last.
fn public(r: Rendered) -> Result<Vec<OperationSql>> {
    let Rendered { mut ops, deferred } = r;
    if let Some(last) = ops.last_mut() {
        last.emitted.extend(deferred);
    }
    ops.into_iter()
        .map(|o| {
            let mut statements = Vec::new();
            for e in &o.emitted {
                if let Some(l) = e.sqlmigrate_line()? {
                    let l = l.strip_suffix(';').map(str::to_string).unwrap_or(l);
                    statements.push(l);
                }
            }
            Ok(OperationSql {
                description: o.description,
                statements,
            })
        })
        .collect()
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
