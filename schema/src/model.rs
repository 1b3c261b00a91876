//! Models: fields plus `Meta` options (db_table, unique_together, indexes, constraints).

use serde_json::{Map, Value as Json};

use crate::error::{Result, SchemaError};
use crate::expr::{Condition, Expr};
use crate::field::Field;

/// `models.Index`.
#[derive(Debug, Clone, PartialEq)]
pub struct Index {
    /// The index name; `None` until computed from the model (Django's auto name).
    pub name: Option<String>,
    /// Field names, `-` prefix for descending.
    pub fields: Vec<String>,
    /// Expressions (instead of fields).
    pub expressions: Vec<Expr>,
    /// `condition=` (partial index).
    pub condition: Option<Condition>,
    /// `db_tablespace=` (only changes the spacing of the SQL on SQLite).
    pub db_tablespace: Option<String>,
}

impl Index {
    /// An index on fields (`"-name"` for descending).
    pub fn on_fields<I: IntoIterator<Item = S>, S: Into<String>>(fields: I) -> Self {
        Index {
            name: None,
            fields: fields.into_iter().map(Into::into).collect(),
            expressions: Vec::new(),
            condition: None,
            db_tablespace: None,
        }
    }

    /// Sets the name.
    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets the condition.
    pub fn condition(mut self, c: Condition) -> Self {
        self.condition = Some(c);
        self
    }

    /// Loads `{"fields": [...], "name": ..., "condition": ..., "expressions": [...]}`.
    pub fn from_json(v: &Json) -> Result<Self> {
        let o = obj(v, "index")?;
        let mut ix = Index {
            name: None,
            fields: Vec::new(),
            expressions: Vec::new(),
            condition: None,
            db_tablespace: None,
        };
        for (k, val) in o {
            match k.as_str() {
                "name" => ix.name = Some(string(val, "index", k)?),
                "fields" => ix.fields = strings(val, "index", k)?,
                "expressions" => {
                    ix.expressions = array(val, "index", k)?
                        .iter()
                        .map(Expr::from_json)
                        .collect::<Result<_>>()?
                }
                "condition" => ix.condition = Some(Condition::from_json(val)?),
                "db_tablespace" => {
                    ix.db_tablespace = val.as_str().filter(|t| !t.is_empty()).map(str::to_string)
                }
                "opclasses" | "include" => {}
                _ => return Err(unknown("index", k)),
            }
        }
        if ix.fields.is_empty() && ix.expressions.is_empty() {
            return Err(SchemaError::Json(
                "an index needs `fields` or `expressions`".into(),
            ));
        }
        if !ix.expressions.is_empty() && ix.name.is_none() {
            return Err(SchemaError::Json(
                "an expression index needs a `name`".into(),
            ));
        }
        Ok(ix)
    }
}

/// `models.CheckConstraint` or `models.UniqueConstraint`.
#[derive(Debug, Clone, PartialEq)]
pub enum Constraint {
    /// `CheckConstraint(condition=..., name=...)`.
    Check {
        /// Name.
        name: String,
        /// The condition.
        condition: Condition,
    },
    /// `UniqueConstraint(...)`.
    Unique {
        /// Name.
        name: String,
        /// Field names.
        fields: Vec<String>,
        /// Expressions (instead of fields).
        expressions: Vec<Expr>,
        /// `condition=`.
        condition: Option<Condition>,
        /// `deferrable=`, `include=` or `nulls_distinct=` was given: SQLite gets no DDL.
        unsupported_options: bool,
    },
}

impl Constraint {
    /// A plain `UniqueConstraint(fields=..., name=...)`.
    pub fn unique<I: IntoIterator<Item = S>, S: Into<String>>(
        name: impl Into<String>,
        fields: I,
    ) -> Self {
        Constraint::Unique {
            name: name.into(),
            fields: fields.into_iter().map(Into::into).collect(),
            expressions: Vec::new(),
            condition: None,
            unsupported_options: false,
        }
    }

    /// A `CheckConstraint`.
    pub fn check(name: impl Into<String>, condition: Condition) -> Self {
        Constraint::Check {
            name: name.into(),
            condition,
        }
    }

    /// The constraint name.
    pub fn name(&self) -> &str {
        match self {
            Constraint::Check { name, .. } | Constraint::Unique { name, .. } => name,
        }
    }

    /// Whether SQLite implements it as a separate `CREATE UNIQUE INDEX`.
    pub fn is_index_backed(&self) -> bool {
        matches!(self, Constraint::Unique { expressions, condition, unsupported_options, .. }
            if !expressions.is_empty() || condition.is_some() || *unsupported_options)
    }

    /// Loads `{"type": "CheckConstraint"|"UniqueConstraint", ...}`.
    pub fn from_json(v: &Json) -> Result<Self> {
        let o = obj(v, "constraint")?;
        let ty = o.get("type").and_then(Json::as_str).unwrap_or("");
        let name = o
            .get("name")
            .and_then(Json::as_str)
            .ok_or_else(|| SchemaError::Json("a constraint needs a `name`".into()))?
            .to_string();
        match ty.rsplit('.').next().unwrap_or("") {
            "CheckConstraint" => {
                let mut cond = None;
                for (k, val) in o {
                    match k.as_str() {
                        "type" | "name" | "violation_error_message" | "violation_error_code" => {}
                        "condition" | "check" => cond = Some(Condition::from_json(val)?),
                        _ => return Err(unknown("constraint", k)),
                    }
                }
                let condition = cond.ok_or_else(|| {
                    SchemaError::Json("a CheckConstraint needs `condition`".into())
                })?;
                Ok(Constraint::Check { name, condition })
            }
            "UniqueConstraint" => {
                let (mut fields, mut expressions, mut condition, mut unsupported) =
                    (Vec::new(), Vec::new(), None, false);
                for (k, val) in o {
                    match k.as_str() {
                        "type"
                        | "name"
                        | "violation_error_message"
                        | "violation_error_code"
                        | "opclasses" => {}
                        "fields" => fields = strings(val, "constraint", k)?,
                        "expressions" => {
                            expressions = array(val, "constraint", k)?
                                .iter()
                                .map(Expr::from_json)
                                .collect::<Result<_>>()?
                        }
                        "condition" => condition = Some(Condition::from_json(val)?),
                        "deferrable" | "include" | "nulls_distinct" => {
                            unsupported |= !val.is_null()
                        }
                        _ => return Err(unknown("constraint", k)),
                    }
                }
                Ok(Constraint::Unique {
                    name,
                    fields,
                    expressions,
                    condition,
                    unsupported_options: unsupported,
                })
            }
            other => Err(SchemaError::Json(format!(
                "unknown constraint type `{other}`"
            ))),
        }
    }
}

/// The `Meta` options that matter for the schema.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ModelOptions {
    /// `db_table`; `None` means `<app_label>_<model name lower>`.
    pub db_table: Option<String>,
    /// `unique_together`, as field names.
    pub unique_together: Vec<Vec<String>>,
    /// `indexes`.
    pub indexes: Vec<Index>,
    /// `constraints`.
    pub constraints: Vec<Constraint>,
    /// `order_with_respect_to`: adds `"_order" integer NOT NULL` as the last column.
    pub order_with_respect_to: Option<String>,
    /// The historical `index_together` (kept in migration states only: Django 5.1 no
    /// longer renders it, so a table remake drops these indexes).
    pub index_together: Vec<Vec<String>>,
}

const IGNORED_OPTIONS: &[&str] = &[
    "ordering",
    "verbose_name",
    "verbose_name_plural",
    "db_table_comment",
    "abstract",
    "managed",
    "get_latest_by",
    "permissions",
    "default_permissions",
    "default_related_name",
    "base_manager_name",
    "default_manager_name",
    "required_db_features",
    "required_db_vendor",
    "select_on_save",
    "swappable",
    "proxy",
    "app_label",
    "db_tablespace",
];

impl ModelOptions {
    /// Loads a `CreateModel` `options` dict.
    pub fn from_json(v: &Json) -> Result<Self> {
        let o = obj(v, "options")?;
        let mut m = ModelOptions::default();
        for (k, val) in o {
            match k.as_str() {
                "db_table" => m.db_table = Some(string(val, "options", k)?),
                "unique_together" => m.unique_together = unique_together(val)?,
                "index_together" => m.index_together = unique_together(val)?,
                "indexes" => {
                    m.indexes = array(val, "options", k)?
                        .iter()
                        .map(Index::from_json)
                        .collect::<Result<_>>()?
                }
                "constraints" => {
                    m.constraints = array(val, "options", k)?
                        .iter()
                        .map(Constraint::from_json)
                        .collect::<Result<_>>()?
                }
                "order_with_respect_to" => {
                    m.order_with_respect_to =
                        val.as_str().map(str::to_string).or(if val.is_null() {
                            None
                        } else {
                            Some(string(val, "options", k)?)
                        })
                }
                k2 if IGNORED_OPTIONS.contains(&k2) => {}
                _ => return Err(unknown("options", k)),
            }
        }
        Ok(m)
    }
}

/// Parses `unique_together`: a list of lists of field names (a single flat list is one entry).
pub(crate) fn unique_together(v: &Json) -> Result<Vec<Vec<String>>> {
    let a = array(v, "options", "unique_together")?;
    if a.iter().all(Json::is_string) && !a.is_empty() {
        return Ok(vec![strings(v, "options", "unique_together")?]);
    }
    a.iter()
        .map(|x| strings(x, "options", "unique_together"))
        .collect()
}

/// A model: name, ordered fields, options.
///
/// ```
/// use sqlport_schema::{Field, FieldKind, Model};
/// let m = Model::new("shop", "Tag")
///     .field("id", Field::new(FieldKind::SmallAutoField).primary_key(true))
///     .field("label", Field::new(FieldKind::CharField).max_length(40));
/// assert_eq!(m.db_table(), "shop_tag");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// App label (`shop`).
    pub app_label: String,
    /// Class name (`Product`).
    pub name: String,
    /// Fields in declaration order.
    pub fields: Vec<(String, Field)>,
    /// Meta options.
    pub options: ModelOptions,
}

impl Model {
    /// An empty model.
    pub fn new(app_label: impl Into<String>, name: impl Into<String>) -> Self {
        Model {
            app_label: app_label.into(),
            name: name.into(),
            fields: Vec::new(),
            options: ModelOptions::default(),
        }
    }

    /// Adds a field.
    pub fn field(mut self, name: impl Into<String>, field: Field) -> Self {
        self.fields.push((name.into(), field));
        self
    }

    /// Sets `db_table`.
    pub fn with_db_table(mut self, t: impl Into<String>) -> Self {
        self.options.db_table = Some(t.into());
        self
    }

    /// Adds a `unique_together` entry.
    pub fn unique_together<I: IntoIterator<Item = S>, S: Into<String>>(
        mut self,
        fields: I,
    ) -> Self {
        self.options
            .unique_together
            .push(fields.into_iter().map(Into::into).collect());
        self
    }

    /// Adds a `Meta.indexes` entry.
    pub fn index(mut self, ix: Index) -> Self {
        self.options.indexes.push(ix);
        self
    }

    /// Adds a `Meta.constraints` entry.
    pub fn constraint(mut self, c: Constraint) -> Self {
        self.options.constraints.push(c);
        self
    }

    /// The lower-cased class name (Django's `model_name`).
    pub fn name_lower(&self) -> String {
        self.name.to_lowercase()
    }

    /// The table name.
    pub fn db_table(&self) -> String {
        self.options
            .db_table
            .clone()
            .unwrap_or_else(|| format!("{}_{}", self.app_label, self.name_lower()))
    }

    /// A field by name.
    pub fn get_field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|(n, _)| n == name).map(|(_, f)| f)
    }

    /// The primary key field (name and field).
    pub fn pk(&self) -> Option<(&str, &Field)> {
        self.fields
            .iter()
            .find(|(_, f)| f.primary_key)
            .map(|(n, f)| (n.as_str(), f))
    }
}

pub(crate) fn obj<'a>(v: &'a Json, ctx: &str) -> Result<&'a Map<String, Json>> {
    v.as_object()
        .ok_or_else(|| SchemaError::Json(format!("{ctx}: expected an object")))
}

pub(crate) fn array<'a>(v: &'a Json, ctx: &str, key: &str) -> Result<&'a Vec<Json>> {
    v.as_array().ok_or_else(|| SchemaError::InvalidValue {
        context: ctx.into(),
        key: key.into(),
        reason: "expected a list".into(),
    })
}

pub(crate) fn string(v: &Json, ctx: &str, key: &str) -> Result<String> {
    v.as_str()
        .map(str::to_string)
        .ok_or_else(|| SchemaError::InvalidValue {
            context: ctx.into(),
            key: key.into(),
            reason: "expected a string".into(),
        })
}

pub(crate) fn strings(v: &Json, ctx: &str, key: &str) -> Result<Vec<String>> {
    array(v, ctx, key)?
        .iter()
        .map(|x| string(x, ctx, key))
        .collect()
}

pub(crate) fn unknown(ctx: &str, key: &str) -> SchemaError {
    SchemaError::UnknownKeyword {
        context: ctx.into(),
        key: key.into(),
    }
}

/// `serde::Deserialize` through the `from_json` loaders, so errors are this crate's typed
/// errors rendered as serde messages.
macro_rules! deserialize_via_json {
    ($($t:ty),*) => {$(
        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
                let v = Json::deserialize(d)?;
                <$t>::from_json(&v).map_err(serde::de::Error::custom)
            }
        }
    )*};
}

deserialize_via_json!(Index, Constraint, ModelOptions);
pub(crate) use deserialize_via_json;
