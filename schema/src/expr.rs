//! Expressions, database defaults and `Q` conditions, rendered as Django's SQLite compiler does.

use serde_json::Value as Json;

use crate::error::{Result, SchemaError};
use crate::field::FieldKind;
use crate::quote::{quote_name, quote_value_json};

/// Resolves a field name of the model being rendered to its column and kind.
pub(crate) type Resolver<'a> = &'a dyn Fn(&str) -> Result<(String, FieldKind)>;

/// An ORM expression, as used by `db_default`, `GeneratedField`, expression indexes and
/// expression unique constraints.
///
/// JSON forms: `{"sql": "...", "repr": "..."}` (raw SQL), `{"f": "name"}`, `{"value": 2}`,
/// `{"func": "Lower", "args": ["name"]}` (a bare string argument means `F(name)`),
/// `{"func": "Now"}`, `{"op": "*", "lhs": .., "rhs": ..}`, `{"desc": expr}`.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// Raw SQL, used verbatim; `repr` is what Django's `str()` of the expression prints.
    Raw {
        /// The SQL text.
        sql: String,
        /// Text used in operation descriptions.
        repr: Option<String>,
    },
    /// `F("field")`.
    F(String),
    /// `Value(x)`.
    Value(Json),
    /// A database function such as `Lower`, `Upper`, `Now`, `Coalesce`.
    Func {
        /// Django class name.
        name: String,
        /// Arguments.
        args: Vec<Expr>,
    },
    /// `lhs <op> rhs` (`CombinedExpression`).
    Combined {
        /// Left side.
        lhs: Box<Expr>,
        /// Operator (`+`, `-`, `*`, `/`, ...).
        op: String,
        /// Right side.
        rhs: Box<Expr>,
    },
    /// `expr.desc()` in an index.
    Desc(Box<Expr>),
    /// An expression given an explicit `output_field` (`Value(Decimal("1.5"))` is one:
    /// JSON `{"value": "1.5", "output_field": "DecimalField"}`).
    Typed {
        /// The expression.
        expr: Box<Expr>,
        /// The class of its `output_field`.
        kind: FieldKind,
    },
}

impl Expr {
    /// Raw SQL.
    pub fn raw(sql: impl Into<String>) -> Self {
        Expr::Raw {
            sql: sql.into(),
            repr: None,
        }
    }

    /// `Lower(F(name))` style function call on a field.
    pub fn func(name: impl Into<String>, args: Vec<Expr>) -> Self {
        Expr::Func {
            name: name.into(),
            args,
        }
    }

    /// Loads an expression from its JSON form; `"output_field": "<field class>"` next to
    /// `value`, `func` or `op` is the expression's explicit output field.
    pub fn from_json(v: &Json) -> Result<Self> {
        let e = Self::from_json_untyped(v)?;
        let output_field = v.as_object().and_then(|o| o.get("output_field"));
        match output_field {
            None => Ok(e),
            Some(k)
                if matches!(
                    e,
                    Expr::Value(_) | Expr::Func { .. } | Expr::Combined { .. }
                ) =>
            {
                let k = k.as_str().ok_or_else(|| {
                    SchemaError::Json(format!("expression: `output_field` must be a string: {v}"))
                })?;
                Ok(Expr::Typed {
                    expr: Box::new(e),
                    kind: FieldKind::from_class(k)?,
                })
            }
            Some(_) => Err(SchemaError::Json(format!(
                "expression: `output_field` only goes with `value`, `func` or `op`: {v}"
            ))),
        }
    }

    fn from_json_untyped(v: &Json) -> Result<Self> {
        let bad = |m: &str| SchemaError::Json(format!("expression: {m}: {v}"));
        if let Some(s) = v.as_str() {
            return Ok(Expr::F(s.to_string()));
        }
        let o = v
            .as_object()
            .ok_or_else(|| bad("expected an object or a field name"))?;
        if let Some(sql) = o.get("sql") {
            let sql = sql.as_str().ok_or_else(|| bad("`sql` must be a string"))?;
            let repr = o.get("repr").and_then(Json::as_str).map(str::to_string);
            return Ok(Expr::Raw {
                sql: sql.into(),
                repr,
            });
        }
        if let Some(f) = o.get("f") {
            return Ok(Expr::F(
                f.as_str()
                    .ok_or_else(|| bad("`f` must be a string"))?
                    .into(),
            ));
        }
        if let Some(x) = o.get("value") {
            return Ok(Expr::Value(x.clone()));
        }
        if let Some(x) = o.get("desc") {
            return Ok(Expr::Desc(Box::new(Expr::from_json(x)?)));
        }
        if let Some(name) = o.get("func") {
            let name = name
                .as_str()
                .ok_or_else(|| bad("`func` must be a string"))?;
            let args = match o.get("args") {
                None => Vec::new(),
                Some(Json::Array(a)) => a.iter().map(Expr::from_json).collect::<Result<_>>()?,
                Some(_) => return Err(bad("`args` must be an array")),
            };
            return Ok(Expr::Func {
                name: name.into(),
                args,
            });
        }
        if let Some(op) = o.get("op") {
            let op = op.as_str().ok_or_else(|| bad("`op` must be a string"))?;
            let lhs = Expr::from_json(o.get("lhs").ok_or_else(|| bad("missing `lhs`"))?)?;
            let rhs = Expr::from_json(o.get("rhs").ok_or_else(|| bad("missing `rhs`"))?)?;
            return Ok(Expr::Combined {
                lhs: Box::new(lhs),
                op: op.into(),
                rhs: Box::new(rhs),
            });
        }
        Err(bad("unknown expression form"))
    }

    /// Renders the expression as Django's SQLite compiler does: a `Func`, combined
    /// expression or `Value` whose output field is a `DecimalField` is wrapped in
    /// `(CAST(... AS NUMERIC))` (`SQLiteNumericMixin`), at every level.
    pub(crate) fn sql(&self, r: Resolver<'_>) -> Result<String> {
        let body = self.body_sql(r)?;
        Ok(
            if self.is_numeric_mixin() && crate::expr_type::output(self, r)?.is_decimal() {
                format!("(CAST({body} AS NUMERIC))")
            } else {
                body
            },
        )
    }

    /// Whether Django's class for this expression has `SQLiteNumericMixin`.
    fn is_numeric_mixin(&self) -> bool {
        match self {
            Expr::Value(_) | Expr::Func { .. } | Expr::Combined { .. } => true,
            Expr::Typed { expr, .. } => expr.is_numeric_mixin(),
            Expr::Raw { .. } | Expr::F(_) | Expr::Desc(_) => false,
        }
    }

    /// An index or unique constraint's expression as `IndexExpression` renders it: an
    /// expression other than a column reference is wrapped in a parenthesising `Func`
    /// (itself cast when its output is a `DecimalField`), then `DESC` if descending.
    pub(crate) fn index_sql(&self, r: Resolver<'_>) -> Result<String> {
        let (root, desc) = match self {
            Expr::Desc(inner) => (inner.as_ref(), true),
            other => (other, false),
        };
        let root_sql = match root {
            Expr::F(_) => root.sql(r)?,
            other => {
                let inner = other.sql(r)?;
                if crate::expr_type::output(other, r)?.is_decimal() {
                    format!("(CAST(({inner}) AS NUMERIC))")
                } else {
                    format!("({inner})")
                }
            }
        };
        Ok(if desc {
            format!("{root_sql} DESC")
        } else {
            root_sql
        })
    }

    /// The SQL of the expression itself, without `SQLiteNumericMixin`'s cast.
    fn body_sql(&self, r: Resolver<'_>) -> Result<String> {
        Ok(match self {
            Expr::Raw { sql, .. } => sql.clone(),
            Expr::F(name) => quote_name(&r(name)?.0),
            Expr::Value(v) => quote_value_json(v)?,
            Expr::Typed { expr, .. } => expr.body_sql(r)?,
            Expr::Desc(e) => format!("{} DESC", e.sql(r)?),
            Expr::Combined { lhs, op, rhs } => {
                let (l, rr) = (lhs.sql(r)?, rhs.sql(r)?);
                // SQLite's `combine_expression`: no `^` or `#` operators; `%%` is the
                // escaped `%` of the parameter interpolation.
                match op.as_str() {
                    "^" => format!("(POWER({l},{rr}))"),
                    "#" => format!("(BITXOR({l},{rr}))"),
                    "%%" => format!("({l} % {rr})"),
                    _ => format!("({l} {op} {rr})"),
                }
            }
            Expr::Func { name, args } => func_sql(name, args, r)?,
        })
    }

    /// What Python's `str()` of the expression prints (used in operation descriptions).
    pub fn repr(&self) -> String {
        match self {
            Expr::Raw { sql, repr } => repr.clone().unwrap_or_else(|| sql.clone()),
            Expr::F(n) => format!("F({n})"),
            Expr::Value(v) => format!("Value({})", py_repr(v)),
            Expr::Desc(e) => format!("OrderBy({}, descending=True)", e.repr()),
            Expr::Typed { expr, kind } => match (expr.as_ref(), kind) {
                (Expr::Value(Json::String(s)), FieldKind::DecimalField) => {
                    format!("Value(Decimal('{s}'))")
                }
                (e, _) => e.repr(),
            },
            Expr::Combined { lhs, op, rhs } => format!("{} {op} {}", lhs.repr(), rhs.repr()),
            Expr::Func { name, args } => {
                let a: Vec<String> = args.iter().map(Expr::repr).collect();
                format!("{name}({})", a.join(", "))
            }
        }
    }
}

/// A database function as Django's SQLite backend renders it (`as_sqlite` and the
/// functions' SQLite names); other functions are `NAME(args)`.
fn func_sql(name: &str, args: &[Expr], r: Resolver<'_>) -> Result<String> {
    let parts = args.iter().map(|a| a.sql(r)).collect::<Result<Vec<_>>>()?;
    Ok(match (name, parts.as_slice()) {
        ("Now", _) => "STRFTIME('%Y-%m-%d %H:%M:%f', 'NOW')".into(),
        // `Concat` holds one nested `ConcatPair`, joined with `||` over `COALESCE(x, '')`.
        ("Concat", [one]) => one.clone(),
        ("ConcatPair", _) => {
            let c: Vec<String> = parts.iter().map(|p| format!("COALESCE({p}, '')")).collect();
            format!("({})", c.join(" || "))
        }
        // Their SQL depends on what the JSON form does not carry (the cast's output field,
        // the collation, the time zone settings): refused rather than guessed.
        ("Cast" | "Collate", _) => {
            return Err(SchemaError::Unsupported(format!("function {name}")));
        }
        (n, _) if n.starts_with("Extract") || n.starts_with("Trunc") => {
            return Err(SchemaError::Unsupported(format!("function {name}")));
        }
        ("Left", [text, n]) => format!("SUBSTR({text}, 1, {n})"),
        ("Right", [text, n]) => format!("SUBSTR({text}, ({n} * -1), {n})"),
        _ => {
            let function = match name {
                "Ceil" => "CEILING".to_string(),
                "Greatest" => "MAX".into(),
                "Least" => "MIN".into(),
                "StrIndex" => "INSTR".into(),
                "Chr" => "CHAR".into(),
                "Ord" => "UNICODE".into(),
                "JSONObject" => "JSON_OBJECT".into(),
                other => other.to_uppercase(),
            };
            format!("{function}({})", parts.join(", "))
        }
    })
}

fn py_repr(v: &Json) -> String {
    match v {
        Json::String(s) => format!("'{s}'"),
        Json::Bool(true) => "True".into(),
        Json::Bool(false) => "False".into(),
        Json::Null => "None".into(),
        other => other.to_string(),
    }
}

/// A field's `db_default`.
#[derive(Debug, Clone, PartialEq)]
pub enum DbDefault {
    /// A plain Python literal (`db_default=42`). Adding such a field needs a table remake.
    Literal(Json),
    /// An explicit `Value(...)` (`{"value": 42}`); can be added with `ADD COLUMN`.
    Value(Json),
    /// Any other expression (`Now()`, `Upper(Value("x"))`, ...), rendered in parentheses.
    Expr(Expr),
}

impl DbDefault {
    /// Loads a `db_default`: a JSON scalar is a literal; `{"value": x}` a `Value`; any other
    /// object an expression.
    pub fn from_json(v: &Json) -> Result<Self> {
        match v {
            Json::Object(o) if o.len() == 1 && o.contains_key("value") => {
                Ok(DbDefault::Value(o["value"].clone()))
            }
            Json::Object(o) if o.len() == 1 && o.contains_key("json") => {
                Ok(DbDefault::Literal(o["json"].clone()))
            }
            Json::Object(o) if o.len() == 1 && o.contains_key("bytes_hex") => {
                Ok(DbDefault::Literal(v.clone()))
            }
            Json::Object(_) => Ok(DbDefault::Expr(Expr::from_json(v)?)),
            _ => Ok(DbDefault::Literal(v.clone())),
        }
    }

    /// `Now()`.
    pub fn now() -> Self {
        DbDefault::Expr(Expr::func("Now", vec![]))
    }

    /// The SQL after `DEFAULT `.
    pub(crate) fn sql(&self, kind: FieldKind, r: Resolver<'_>) -> Result<String> {
        match self {
            DbDefault::Literal(v) | DbDefault::Value(v) => crate::quote::quote_field_value(kind, v),
            DbDefault::Expr(e) => Ok(format!("({})", e.sql(r)?)),
        }
    }

    /// The text `PRAGMA table_info` shows as `dflt_value` for this default.
    pub(crate) fn pragma_text(&self, kind: FieldKind, r: Resolver<'_>) -> Result<String> {
        match self {
            DbDefault::Expr(e) => e.sql(r),
            other => other.sql(kind, r),
        }
    }
}

/// A `Q` object: lookups joined by AND or OR, maybe negated.
///
/// JSON: `{"children": [["price__gte", 0], {"children": [...], "connector": "OR"}],
/// "connector": "AND", "negated": false}` (the tuples Django writes into migrations), or
/// `{"sql": "..."}` for raw SQL.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// A lookup such as `("stock__gt", 0)`.
    Lookup(String, Json),
    /// A node of children.
    Node {
        /// The children.
        children: Vec<Condition>,
        /// `true` for OR, `false` for AND.
        or: bool,
        /// `~Q(...)`.
        negated: bool,
    },
    /// Raw SQL.
    Raw(String),
}

impl Condition {
    /// `Q(lookup=value)`.
    pub fn lookup(lookup: impl Into<String>, value: impl Into<Json>) -> Self {
        Condition::Node {
            children: vec![Condition::Lookup(lookup.into(), value.into())],
            or: false,
            negated: false,
        }
    }

    /// Loads a condition from JSON.
    pub fn from_json(v: &Json) -> Result<Self> {
        let bad = |m: &str| SchemaError::Json(format!("condition: {m}: {v}"));
        match v {
            Json::Array(a) if a.len() == 2 && a[0].is_string() => Ok(Condition::Lookup(
                a[0].as_str().unwrap_or_default().to_string(),
                a[1].clone(),
            )),
            Json::Object(o) => {
                if let Some(sql) = o.get("sql") {
                    return Ok(Condition::Raw(
                        sql.as_str()
                            .ok_or_else(|| bad("`sql` must be a string"))?
                            .into(),
                    ));
                }
                let children = match o.get("children") {
                    Some(Json::Array(a)) => {
                        a.iter().map(Condition::from_json).collect::<Result<_>>()?
                    }
                    _ => return Err(bad("expected `children`")),
                };
                let or = match o.get("connector").and_then(Json::as_str) {
                    None | Some("AND") => false,
                    Some("OR") => true,
                    Some(_) => return Err(bad("`connector` must be AND or OR")),
                };
                let negated = o.get("negated").and_then(Json::as_bool).unwrap_or(false);
                for k in o.keys() {
                    if !matches!(k.as_str(), "children" | "connector" | "negated") {
                        return Err(SchemaError::UnknownKeyword {
                            context: "condition".into(),
                            key: k.clone(),
                        });
                    }
                }
                Ok(Condition::Node {
                    children,
                    or,
                    negated,
                })
            }
            _ => Err(bad("expected a [lookup, value] pair or an object")),
        }
    }

    /// Renders the condition as Django's `WhereNode` does.
    pub(crate) fn sql(&self, r: Resolver<'_>) -> Result<String> {
        match self {
            Condition::Raw(s) => Ok(s.clone()),
            Condition::Lookup(l, v) => lookup_sql(l, v, r),
            Condition::Node {
                children,
                or,
                negated,
            } => {
                let parts = children
                    .iter()
                    .map(|c| c.sql(r))
                    .collect::<Result<Vec<_>>>()?;
                let joined = parts.join(if *or { " OR " } else { " AND " });
                Ok(if *negated {
                    format!("NOT ({joined})")
                } else if parts.len() > 1 {
                    format!("({joined})")
                } else {
                    joined
                })
            }
        }
    }
}

fn split_lookup(l: &str) -> (&str, Option<&str>) {
    match l.split_once("__") {
        Some((f, r)) => (f, Some(r)),
        None => (l, None),
    }
}

fn lookup_sql(lookup: &str, v: &Json, r: Resolver<'_>) -> Result<String> {
    let (field, op) = split_lookup(lookup);
    let (column, kind) = r(field)?;
    let col = quote_name(&column);
    let val = |v: &Json| match v
        .as_object()
        .and_then(|o| o.get("f"))
        .and_then(Json::as_str)
    {
        Some(f) => Ok(format!("({})", quote_name(&r(f)?.0))),
        None => crate::quote::quote_lookup_value(kind, v),
    };
    let like = |pattern: String| -> Result<String> {
        Ok(format!(
            "{col} LIKE {} ESCAPE '\\'",
            crate::quote::quote_str(&pattern)
        ))
    };
    let like_text = |v: &Json| -> Result<String> {
        let s = v
            .as_str()
            .ok_or_else(|| SchemaError::Unsupported(format!("{lookup} needs a string")))?;
        Ok(s.replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_"))
    };
    Ok(match op.unwrap_or("exact") {
        "exact" => match v {
            Json::Null => format!("{col} IS NULL"),
            Json::Bool(b) if kind == FieldKind::BooleanField => {
                if *b {
                    col
                } else {
                    format!("NOT {col}")
                }
            }
            _ => format!("{col} = {}", val(v)?),
        },
        "gt" => format!("{col} > {}", val(v)?),
        "gte" => format!("{col} >= {}", val(v)?),
        "lt" => format!("{col} < {}", val(v)?),
        "lte" => format!("{col} <= {}", val(v)?),
        "isnull" => match v.as_bool() {
            Some(true) => format!("{col} IS NULL"),
            Some(false) => format!("{col} IS NOT NULL"),
            None => {
                return Err(SchemaError::Unsupported(format!(
                    "isnull needs a boolean: {lookup}"
                )));
            }
        },
        "range" => match v.as_array().map(Vec::as_slice) {
            Some([a, b]) => format!("{col} BETWEEN {} AND {}", val(a)?, val(b)?),
            _ => {
                return Err(SchemaError::Unsupported(format!(
                    "`range` needs two values: {lookup}"
                )));
            }
        },
        "startswith" => like(format!("{}%", like_text(v)?))?,
        "endswith" => like(format!("%{}", like_text(v)?))?,
        "contains" => like(format!("%{}%", like_text(v)?))?,
        "in" => {
            let items = v
                .as_array()
                .ok_or_else(|| SchemaError::Unsupported(format!("`in` needs a list: {lookup}")))?
                .iter()
                .map(val)
                .collect::<Result<Vec<_>>>()?;
            format!("{col} IN ({})", items.join(", "))
        }
        other => return Err(SchemaError::Unsupported(format!("lookup `{other}`"))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn res(name: &str) -> Result<(String, FieldKind)> {
        Ok(match name {
            "price" => ("price".into(), FieldKind::DecimalField),
            "active" => ("active".into(), FieldKind::BooleanField),
            "category" => ("category_id".into(), FieldKind::ForeignKey),
            n => (n.into(), FieldKind::IntegerField),
        })
    }

    #[test]
    fn conditions_render_like_django() {
        let q = |j: Json| Condition::from_json(&j).unwrap().sql(&res).unwrap();
        assert_eq!(
            q(serde_json::json!({"children": [["price__gte", 0]]})),
            "\"price\" >= '0'"
        );
        assert_eq!(
            q(
                serde_json::json!({"children": [["stock__isnull", true], ["stock__lte", 100000]], "connector": "OR"})
            ),
            "(\"stock\" IS NULL OR \"stock\" <= 100000)"
        );
        assert_eq!(
            q(serde_json::json!({"children": [["active", true]]})),
            "\"active\""
        );
        assert_eq!(
            q(serde_json::json!({"children": [["score", 10]]})),
            "\"score\" = 10"
        );
        assert_eq!(
            q(serde_json::json!({"children": [["x__range", [1, 9]]]})),
            "\"x\" BETWEEN 1 AND 9"
        );
        assert_eq!(
            q(serde_json::json!({"children": [["x__gt", {"f": "y"}]]})),
            "\"x\" > (\"y\")"
        );
        assert_eq!(
            q(serde_json::json!({"children": [["x__startswith", "a%"]]})),
            "\"x\" LIKE 'a\\%%' ESCAPE '\\'"
        );
        assert_eq!(
            q(
                serde_json::json!({"children": [{"children": [["p", ""]], "negated": true}, ["d__gte", "2000-01-01"]]})
            ),
            "(NOT (\"p\" = '') AND \"d\" >= '2000-01-01')"
        );
        assert!(Condition::from_json(&serde_json::json!({"children": 1})).is_err());
        let c = Condition::from_json(&serde_json::json!({"children": [["x__regex", 1]]})).unwrap();
        assert!(c.sql(&res).is_err());
    }

    #[test]
    fn expressions_render() {
        let e = Expr::from_json(&serde_json::json!({"func": "Lower", "args": ["name"]})).unwrap();
        assert_eq!(e.sql(&res).unwrap(), "LOWER(\"name\")");
        assert_eq!(e.repr(), "Lower(F(name))");
        let e = Expr::from_json(&serde_json::json!({"func": "Upper", "args": [{"value": "x"}]}))
            .unwrap();
        assert_eq!(e.sql(&res).unwrap(), "UPPER('x')");
        assert!(Expr::from_json(&serde_json::json!({"what": 1})).is_err());
        // Real Django 5.1.15 (SQLite), these expressions in an index: `Ceil("fl")`,
        // `F("i") ** 2`, `F("i") % 3`, `F("i").bitand(3)`, `Right("c", 2)`.
        let sql = |j: Json| Expr::from_json(&j).unwrap().sql(&res).unwrap();
        use serde_json::json;
        assert_eq!(
            sql(json!({"func": "Ceil", "args": ["fl"]})),
            "CEILING(\"fl\")"
        );
        assert_eq!(
            sql(json!({"op": "^", "lhs": "i", "rhs": {"value": 2}})),
            "(POWER(\"i\",2))"
        );
        assert_eq!(
            sql(json!({"op": "%%", "lhs": "i", "rhs": {"value": 3}})),
            "(\"i\" % 3)"
        );
        assert_eq!(
            sql(json!({"op": "&", "lhs": "i", "rhs": {"value": 3}})),
            "(\"i\" & 3)"
        );
        assert_eq!(
            sql(json!({"func": "Right", "args": ["c", {"value": 2}]})),
            "SUBSTR(\"c\", (2 * -1), 2)"
        );
        for refused in ["Cast", "Collate", "ExtractYear", "TruncDate"] {
            let e = Expr::from_json(&json!({"func": refused, "args": ["c"]})).unwrap();
            assert!(
                matches!(e.sql(&res), Err(SchemaError::Unsupported(_))),
                "{refused}"
            );
        }
    }
}
