//! The special operations: raw SQL, Rust handlers standing in for Python code, and
//! separate database and state changes.

use serde_json::{Map, Value as Json};

use crate::editor::Editor;
use crate::error::{Result, SchemaError};
use crate::state::ProjectState;

use super::{Args, Op, Operation, Side};

/// Parameters of one `RunSQL` statement given as `(sql, params)`.
#[derive(Debug, Clone, PartialEq)]
pub enum SqlParams {
    /// A list: `%s` placeholders.
    Positional(Vec<Json>),
    /// A dict: `%(name)s` placeholders.
    Named(Map<String, Json>),
}

/// The `sql` (or `reverse_sql`) of a `RunSQL`.
#[derive(Debug, Clone, PartialEq)]
pub enum SqlCode {
    /// One string: a script, split into statements as Django does (with sqlparse).
    Script(String),
    /// A list: each item one statement, run as given, with optional parameters.
    List(Vec<(String, Option<SqlParams>)>),
}

impl SqlCode {
    fn from_json(v: &Json, key: &str) -> Result<Self> {
        let bad = |reason: &str| SchemaError::InvalidValue {
            context: "RunSQL".into(),
            key: key.into(),
            reason: reason.into(),
        };
        match v {
            Json::String(s) => Ok(SqlCode::Script(s.clone())),
            Json::Array(items) => items
                .iter()
                .map(|item| match item {
                    Json::String(s) => Ok((s.clone(), None)),
                    Json::Array(pair) => match pair.as_slice() {
                        [Json::String(s), Json::Array(p)] => {
                            Ok((s.clone(), Some(SqlParams::Positional(p.clone()))))
                        }
                        [Json::String(s), Json::Object(p)] => {
                            Ok((s.clone(), Some(SqlParams::Named(p.clone()))))
                        }
                        [Json::String(s), Json::Null] => Ok((s.clone(), None)),
                        _ => Err(bad("expected [sql, params]")),
                    },
                    _ => Err(bad("expected a string or [sql, params]")),
                })
                .collect::<Result<_>>()
                .map(SqlCode::List),
            _ => Err(bad("expected a string or a list")),
        }
    }

    /// The statements Django's `RunSQL._run_sql` executes, into the editor.
    fn run(&self, ed: &mut Editor) {
        match self {
            SqlCode::Script(s) => {
                for st in crate::sql_script::prepare_sql_script(s) {
                    ed.execute_raw(st, None);
                }
            }
            SqlCode::List(items) => {
                for (sql, params) in items {
                    ed.execute_raw(sql.clone(), params.clone());
                }
            }
        }
    }
}

/// `RunSQL(sql, reverse_sql, state_operations, hints, elidable)`.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSql {
    /// The SQL run forwards.
    pub sql: SqlCode,
    /// The SQL run backwards (`None`: irreversible).
    pub reverse_sql: Option<SqlCode>,
    /// Operations that describe the state change the SQL makes.
    pub state_operations: Vec<Operation>,
    /// `elidable=` (only matters when squashing; kept for fidelity).
    pub elidable: bool,
}

impl Op for RunSql {
    fn from_json(a: &Args<'_>) -> Result<Self> {
        a.allow(&[
            "sql",
            "reverse_sql",
            "state_operations",
            "hints",
            "elidable",
        ])?;
        Ok(RunSql {
            sql: SqlCode::from_json(a.get("sql")?, "sql")?,
            reverse_sql: a
                .opt("reverse_sql")
                .map(|v| SqlCode::from_json(v, "reverse_sql"))
                .transpose()?,
            state_operations: a.operations("state_operations")?,
            elidable: a.bool_or("elidable", false)?,
        })
    }

    fn describe(&self) -> String {
        "Raw SQL operation".into()
    }

    fn state_forwards(&self, app: &str, state: &mut ProjectState) -> Result<()> {
        for op in &self.state_operations {
            op.state_forwards(app, state)?;
        }
        Ok(())
    }

    fn database_forwards(
        &self,
        _app: &str,
        ed: &mut Editor,
        _from: &ProjectState,
        _to: &ProjectState,
    ) -> Result<()> {
        self.sql.run(ed);
        Ok(())
    }

    fn database_backwards(
        &self,
        _app: &str,
        ed: &mut Editor,
        _from: &ProjectState,
        _to: &ProjectState,
    ) -> Result<()> {
        match &self.reverse_sql {
            Some(code) => {
                code.run(ed);
                Ok(())
            }
            None => Err(SchemaError::Irreversible(
                "RunSQL without reverse_sql".into(),
            )),
        }
    }

    fn reversible(&self) -> bool {
        self.reverse_sql.is_some()
    }

    fn renders(&self, _backwards: bool) -> &'static [Side] {
        &[]
    }
}

/// `RunPython(code, reverse_code, atomic, hints, elidable)`.
///
/// `migrate` calls the Rust handler registered under the callable's name (see
/// [`Handlers`](crate::Handlers)); `RunPython.noop` needs none.
#[derive(Debug, Clone, PartialEq)]
pub struct RunPython {
    /// The forwards callable, by its dotted name (`app.migrations.0002_x.forwards`).
    pub code: String,
    /// The backwards callable (`None`: irreversible).
    pub reverse_code: Option<String>,
    /// `atomic=`: `Some(true)` runs the callable in a transaction of its own even in a
    /// non-atomic migration (in an atomic one, everything is in the migration's
    /// transaction anyway).
    pub atomic: Option<bool>,
    /// `elidable=` (only matters when squashing; kept for fidelity).
    pub elidable: bool,
}

/// Whether a callable name is `RunPython.noop`.
pub(crate) fn is_noop(name: &str) -> bool {
    name == "RunPython.noop" || name.ends_with(".RunPython.noop")
}

impl RunPython {
    /// The handler run forwards or backwards; `None` for `RunPython.noop` (or no reverse).
    pub fn handler(&self, backwards: bool) -> Option<String> {
        let name = if backwards {
            self.reverse_code.as_deref()?
        } else {
            self.code.as_str()
        };
        (!is_noop(name)).then(|| name.to_string())
    }
}

impl Op for RunPython {
    fn from_json(a: &Args<'_>) -> Result<Self> {
        a.allow(&["code", "reverse_code", "atomic", "hints", "elidable"])?;
        Ok(RunPython {
            code: a.str("code")?,
            reverse_code: a.opt_str("reverse_code")?,
            atomic: a.opt("atomic").and_then(Json::as_bool),
            elidable: a.bool_or("elidable", false)?,
        })
    }

    fn describe(&self) -> String {
        "Raw Python operation".into()
    }

    fn state_forwards(&self, _app: &str, _state: &mut ProjectState) -> Result<()> {
        Ok(())
    }

    fn database_forwards(
        &self,
        _app: &str,
        ed: &mut Editor,
        _from: &ProjectState,
        _to: &ProjectState,
    ) -> Result<()> {
        if let Some(h) = self.handler(false) {
            ed.call_handler(h);
        }
        Ok(())
    }

    fn database_backwards(
        &self,
        _app: &str,
        ed: &mut Editor,
        _from: &ProjectState,
        _to: &ProjectState,
    ) -> Result<()> {
        if self.reverse_code.is_none() {
            return Err(SchemaError::Irreversible(format!(
                "RunPython({}) has no reverse_code",
                self.code
            )));
        }
        if let Some(h) = self.handler(true) {
            ed.call_handler(h);
        }
        Ok(())
    }

    fn reversible(&self) -> bool {
        self.reverse_code.is_some()
    }

    fn atomic(&self) -> bool {
        self.atomic == Some(true)
    }

    fn reduces_to_sql(&self) -> bool {
        false
    }

    fn renders(&self, _backwards: bool) -> &'static [Side] {
        &[Side::From]
    }
}

/// `SeparateDatabaseAndState(database_operations, state_operations)`.
#[derive(Debug, Clone, PartialEq)]
pub struct SeparateDatabaseAndState {
    /// Operations whose SQL runs (their state changes are not kept).
    pub database_operations: Vec<Operation>,
    /// Operations whose state changes are kept (their SQL does not run).
    pub state_operations: Vec<Operation>,
}

impl Op for SeparateDatabaseAndState {
    fn from_json(a: &Args<'_>) -> Result<Self> {
        a.allow(&["database_operations", "state_operations"])?;
        Ok(SeparateDatabaseAndState {
            database_operations: a.operations("database_operations")?,
            state_operations: a.operations("state_operations")?,
        })
    }

    fn describe(&self) -> String {
        "Custom state/database change combination".into()
    }

    fn state_forwards(&self, app: &str, state: &mut ProjectState) -> Result<()> {
        for op in &self.state_operations {
            op.state_forwards(app, state)?;
        }
        Ok(())
    }

    fn database_forwards(
        &self,
        app: &str,
        ed: &mut Editor,
        from: &ProjectState,
        _to: &ProjectState,
    ) -> Result<()> {
        let mut from = from.clone();
        for op in &self.database_operations {
            let mut to = from.clone();
            op.state_forwards(app, &mut to)?;
            op.database(app, ed, &mut from, &mut to, false)?;
            from = to;
        }
        Ok(())
    }

    fn database_backwards(
        &self,
        app: &str,
        ed: &mut Editor,
        _from: &ProjectState,
        to: &ProjectState,
    ) -> Result<()> {
        let mut before = Vec::with_capacity(self.database_operations.len());
        let mut state = to.clone();
        for op in &self.database_operations {
            before.push(state.clone());
            op.state_forwards(app, &mut state)?;
        }
        for (op, mut to_state) in self.database_operations.iter().zip(before).rev() {
            let mut from_state = state;
            op.database(app, ed, &mut from_state, &mut to_state, true)?;
            state = to_state;
        }
        Ok(())
    }

    fn reversible(&self) -> bool {
        self.database_operations.iter().all(Operation::reversible)
    }

    fn renders(&self, _backwards: bool) -> &'static [Side] {
        &[]
    }
}
