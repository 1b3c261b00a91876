//! Column definitions, CREATE TABLE and index statements, as Django 5.1's SQLite backend writes them.

use crate::error::{Result, SchemaError};
use crate::expr::Resolver;
use crate::field::{Field, FieldKind};
use crate::model::{Constraint, Index, Model};
use crate::quote::quote_name;
use crate::state::{ProjectState, split_ref};

/// The states relations are resolved in, first match wins (the new state, then the old one).
#[derive(Clone, Copy)]
pub(crate) struct Lookup<'a> {
    pub states: [&'a ProjectState; 2],
}

impl<'a> Lookup<'a> {
    pub fn one(s: &'a ProjectState) -> Self {
        Lookup { states: [s, s] }
    }

    pub fn model(&self, from_app: &str, to: &str) -> Result<&'a Model> {
        let (app, name) = split_ref(from_app, to);
        for s in self.states {
            if let Some(m) = s.get(app, name) {
                return Ok(m);
            }
        }
        for s in self.states {
            if let Some(m) = s.related(app, name) {
                return Ok(m);
            }
        }
        Err(SchemaError::UnknownModel(format!("{app}.{name}")))
    }
}

/// A table to render: a model, an auto-created M2M through table, or a remade table.
#[derive(Debug, Clone)]
pub(crate) struct TableDef {
    pub app_label: String,
    /// Lower-cased model name (for self-reference detection); empty for through tables.
    pub model_lower: String,
    pub table: String,
    pub fields: Vec<(String, Field)>,
    pub unique_together: Vec<Vec<String>>,
    pub indexes: Vec<Index>,
    pub constraints: Vec<Constraint>,
    /// Whether auto-created M2M tables belong to this definition.
    pub handle_m2m: bool,
    /// When the model was rendered (its fields' creation counters; see `ProjectState::render`).
    pub generation: u64,
}

impl TableDef {
    /// The table of `m` as rendered in `state` (with its render generation).
    pub fn of(state: &ProjectState, m: &Model) -> Self {
        let mut td = Self::from_model(m);
        td.generation = state.generation(&m.app_label, &m.name);
        td
    }

    pub fn from_model(m: &Model) -> Self {
        let mut fields = m.fields.clone();
        // A rendered model lists its fields by creation counter: auto-created ones (an
        // implicit `id`, a parent link) first, the newest first; then the declared order.
        if fields.iter().skip(1).any(|(_, f)| f.auto_created) {
            let mut keyed: Vec<(usize, (String, Field))> = fields.into_iter().enumerate().collect();
            keyed.sort_by_key(|(i, (_, f))| {
                if f.auto_created {
                    (0, -(*i as i64))
                } else {
                    (1, *i as i64)
                }
            });
            fields = keyed.into_iter().map(|(_, f)| f).collect();
        }
        if m.options.order_with_respect_to.is_some() {
            fields.push(("_order".into(), Field::new(FieldKind::IntegerField)));
        }
        TableDef {
            generation: 0,
            app_label: m.app_label.clone(),
            model_lower: m.name_lower(),
            table: m.db_table(),
            fields,
            unique_together: m.options.unique_together.clone(),
            indexes: m.options.indexes.clone(),
            constraints: m.options.constraints.clone(),
            handle_m2m: true,
        }
    }

    /// The auto-created through table of `owner.field_name`.
    pub fn through(lk: Lookup<'_>, owner: &Model, field_name: &str, field: &Field) -> Result<Self> {
        let to = field.to.as_deref().unwrap_or_default();
        let target = lk.model(&owner.app_label, to)?;
        let table = field
            .db_table
            .clone()
            .unwrap_or_else(|| format!("{}_{}", owner.db_table(), field_name));
        let (o, t) = (owner.name_lower(), target.name_lower());
        let (from, to_name) = if owner.app_label == target.app_label && o == t {
            (format!("from_{o}"), format!("to_{o}"))
        } else {
            (o, t)
        };
        let mut id = Field::new(FieldKind::AutoField).primary_key(true);
        id.auto_created = true;
        let owner_ref = format!("{}.{}", owner.app_label, owner.name);
        let target_ref = format!("{}.{}", target.app_label, target.name);
        Ok(TableDef {
            generation: lk.states[0].generation(&owner.app_label, &owner.name),
            app_label: owner.app_label.clone(),
            model_lower: String::new(),
            table,
            fields: vec![
                ("id".into(), id),
                (from.clone(), Field::foreign_key(owner_ref)),
                (to_name.clone(), Field::foreign_key(target_ref)),
            ],
            unique_together: vec![vec![from, to_name]],
            indexes: Vec::new(),
            constraints: Vec::new(),
            handle_m2m: false,
        })
    }

    pub fn field(&self, name: &str) -> Result<&Field> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, f)| f)
            .ok_or_else(|| SchemaError::UnknownField {
                model: self.table.clone(),
                field: name.to_string(),
            })
    }

    pub fn column(&self, name: &str) -> Result<String> {
        Ok(self.field(name)?.column_name(name))
    }

    pub fn concrete(&self) -> impl Iterator<Item = &(String, Field)> {
        self.fields.iter().filter(|(_, f)| f.is_concrete())
    }

    pub fn is_self_ref(&self, f: &Field) -> bool {
        if !f.kind.is_fk() || self.model_lower.is_empty() {
            return false;
        }
        let (a, n) = split_ref(&self.app_label, f.to.as_deref().unwrap_or_default());
        a == self.app_label && n.eq_ignore_ascii_case(&self.model_lower)
    }

    pub fn resolve(&self, name: &str) -> Result<(String, FieldKind)> {
        let f = self.field(name)?;
        Ok((f.column_name(name), f.kind))
    }
}

/// The pieces of a column definition.
pub(crate) struct ColumnParts {
    pub column: String,
    pub db_type: String,
    /// Type, collation, default, null / generated, PRIMARY KEY / UNIQUE.
    pub core: String,
    pub check: Option<String>,
    pub autoincrement: bool,
    pub references: Option<(String, String)>,
}

impl ColumnParts {
    /// As inside CREATE TABLE (`table_sql`): check, then suffix, then REFERENCES.
    pub fn table_form(&self) -> String {
        let mut s = format!("{} {}", quote_name(&self.column), self.core);
        if let Some(c) = &self.check {
            s.push_str(&format!(" CHECK ({c})"));
        }
        if self.autoincrement {
            s.push_str(" AUTOINCREMENT");
        }
        s.push_str(&self.references_sql());
        s
    }

    /// As in `ALTER TABLE ... ADD COLUMN` (`add_field`): suffix, then check, then REFERENCES.
    pub fn add_form(&self) -> String {
        let mut s = format!("{} {}", quote_name(&self.column), self.core);
        if self.autoincrement {
            s.push_str(" AUTOINCREMENT");
        }
        if let Some(c) = &self.check {
            s.push_str(&format!(" CHECK ({c})"));
        }
        s.push_str(&self.references_sql());
        s
    }

    fn references_sql(&self) -> String {
        match &self.references {
            Some((t, c)) => format!(
                " REFERENCES {} ({}) DEFERRABLE INITIALLY DEFERRED",
                quote_name(t),
                quote_name(c)
            ),
            None => String::new(),
        }
    }
}

/// What an FK column points at: table, column, column type, collation.
pub(crate) struct FkTarget {
    pub table: String,
    pub column: String,
    pub db_type: String,
    pub collation: Option<String>,
}

/// The field an FK points at: `to_field`, or the target's primary key.
fn target_field<'a>(model: &'a Model, to_field: Option<&'a str>) -> Result<(&'a str, &'a Field)> {
    let found = match to_field {
        Some(n) => model.get_field(n).map(|f| (n, f)),
        None => model.pk(),
    };
    found.ok_or_else(|| SchemaError::UnknownField {
        model: model.name.clone(),
        field: to_field.unwrap_or("pk").to_string(),
    })
}

pub(crate) fn fk_target(lk: Lookup<'_>, app: &str, field: &Field) -> Result<FkTarget> {
    let mut target = lk.model(app, field.to.as_deref().unwrap_or_default())?;
    let (tname, mut tfield) = target_field(target, field.to_field.as_deref())?;
    let table = target.db_table();
    let column = tfield.column_name(tname);
    // An FK to an FK (multi-table inheritance) takes the type of the final target.
    for _ in 0..16 {
        if !tfield.kind.is_fk() {
            break;
        }
        target = lk.model(&target.app_label, tfield.to.as_deref().unwrap_or_default())?;
        tfield = target_field(target, tfield.to_field.as_deref())?.1;
    }
    let db_type = tfield.kind.rel_db_type(tfield.max_length).ok_or_else(|| {
        SchemaError::Unsupported(format!("FK to a {} field", tfield.kind.class_name()))
    })?;
    Ok(FkTarget {
        table,
        column,
        db_type,
        collation: tfield.db_collation.clone(),
    })
}

/// The column definition of `name` in `td`.
pub(crate) fn column_parts(
    lk: Lookup<'_>,
    td: &TableDef,
    name: &str,
    field: &Field,
) -> Result<ColumnParts> {
    let column = field.column_name(name);
    let resolver = |n: &str| td.resolve(n);
    let r: Resolver<'_> = &resolver;
    let mut references = None;
    let (db_type, collation, type_kind) = match field.kind {
        FieldKind::ForeignKey | FieldKind::OneToOneField => {
            let t = fk_target(lk, &td.app_label, field)?;
            if field.db_constraint {
                references = Some((t.table.clone(), t.column.clone()));
            }
            (t.db_type, t.collation, field.kind)
        }
        FieldKind::GeneratedField => {
            let out = field.output_field.as_deref().ok_or_else(|| {
                SchemaError::Unsupported("GeneratedField without output_field".into())
            })?;
            let t = out
                .kind
                .db_type(out.max_length)
                .ok_or_else(|| SchemaError::Unsupported("GeneratedField output type".into()))?;
            (t, out.db_collation.clone(), out.kind)
        }
        FieldKind::ManyToManyField => {
            return Err(SchemaError::Unsupported(
                "an M2M field has no column".into(),
            ));
        }
        k => (
            k.db_type(field.max_length).unwrap_or_default(),
            field.db_collation.clone(),
            k,
        ),
    };
    let mut core = db_type.clone();
    if let Some(c) = collation {
        core.push_str(&format!(" COLLATE {c}"));
    }
    if let Some(d) = &field.db_default {
        core.push_str(&format!(" DEFAULT {}", d.sql(type_kind, r)?));
    }
    if field.kind == FieldKind::GeneratedField {
        let e = field
            .expression
            .as_ref()
            .ok_or_else(|| SchemaError::Unsupported("GeneratedField without expression".into()))?;
        let sql = e.sql(r)?;
        core.push_str(&format!(
            " GENERATED ALWAYS AS ({sql}) {}",
            if field.db_persist {
                "STORED"
            } else {
                "VIRTUAL"
            }
        ));
    } else if field.null {
        core.push_str(" NULL");
    } else {
        core.push_str(" NOT NULL");
    }
    if field.primary_key {
        core.push_str(" PRIMARY KEY");
    } else if field.effective_unique() {
        core.push_str(" UNIQUE");
    }
    let q = quote_name(&column);
    let check = match field.kind {
        FieldKind::PositiveIntegerField
        | FieldKind::PositiveBigIntegerField
        | FieldKind::PositiveSmallIntegerField => Some(format!("{q} >= 0")),
        FieldKind::JSONField => Some(format!("(JSON_VALID({q}) OR {q} IS NULL)")),
        _ => None,
    };
    Ok(ColumnParts {
        column,
        db_type,
        core,
        check,
        autoincrement: field.kind.is_auto(),
        references,
    })
}

/// The index column list, `("a", "b" DESC)` or `((LOWER("x")))`.
pub(crate) fn index_body(td: &TableDef, ix: &Index) -> Result<String> {
    let resolver = |n: &str| td.resolve(n);
    let r: Resolver<'_> = &resolver;
    let mut parts = Vec::new();
    for f in &ix.fields {
        let (desc, name) = match f.strip_prefix('-') {
            Some(n) => (true, n),
            None => (false, f.as_str()),
        };
        parts.push(format!(
            "{}{}",
            quote_name(&td.column(name)?),
            if desc { " DESC" } else { "" }
        ));
    }
    for e in &ix.expressions {
        parts.push(expression_item(e, r)?);
    }
    let mut s = format!("({})", parts.join(", "));
    let single_field_ts = match ix.fields.as_slice() {
        [one] => td
            .field(one.trim_start_matches('-'))?
            .db_tablespace
            .is_some(),
        _ => false,
    };
    if ix.db_tablespace.is_some() || single_field_ts {
        s.push(' ');
    }
    if let Some(c) = &ix.condition {
        s.push_str(&format!(" WHERE {}", c.sql(r)?));
    }
    Ok(s)
}

fn expression_item(e: &crate::expr::Expr, r: Resolver<'_>) -> Result<String> {
    e.index_sql(r)
}

/// The column list and WHERE of an index-backed unique constraint.
pub(crate) fn unique_index_body(td: &TableDef, c: &Constraint) -> Result<Option<String>> {
    let Constraint::Unique {
        fields,
        expressions,
        condition,
        unsupported_options,
        ..
    } = c
    else {
        return Ok(None);
    };
    if *unsupported_options {
        return Ok(None);
    }
    let resolver = |n: &str| td.resolve(n);
    let r: Resolver<'_> = &resolver;
    let mut parts = Vec::new();
    for f in fields {
        parts.push(quote_name(&td.column(f)?));
    }
    for e in expressions {
        parts.push(expression_item(e, r)?);
    }
    let mut s = format!("({})", parts.join(", "));
    if let Some(c) = condition {
        s.push_str(&format!(" WHERE {}", c.sql(r)?));
    }
    Ok(Some(s))
}

/// The inline `CONSTRAINT` clause of a check or plain unique constraint.
pub(crate) fn inline_constraint(td: &TableDef, c: &Constraint) -> Result<Option<String>> {
    let resolver = |n: &str| td.resolve(n);
    let r: Resolver<'_> = &resolver;
    match c {
        Constraint::Check { name, condition } => Ok(Some(format!(
            "CONSTRAINT {} CHECK ({})",
            quote_name(name),
            condition.sql(r)?
        ))),
        Constraint::Unique { name, fields, .. } if !c.is_index_backed() => {
            let cols = fields
                .iter()
                .map(|f| td.column(f).map(|c| quote_name(&c)))
                .collect::<Result<Vec<_>>>()?;
            Ok(Some(format!(
                "CONSTRAINT {} UNIQUE ({})",
                quote_name(name),
                cols.join(", ")
            )))
        }
        _ => Ok(None),
    }
}

/// The exact column definition Django puts inside CREATE TABLE for `model.field`.
///
/// ```
/// use sqlport_schema::{column_definition, Field, FieldKind, Model, ProjectState};
/// let state = ProjectState::from_models([Model::new("shop", "Product")
///     .field("stock", Field::new(FieldKind::PositiveIntegerField).null(true))])
///     .unwrap();
/// assert_eq!(
///     column_definition(&state, "shop", "Product", "stock").unwrap(),
///     r#""stock" integer unsigned NULL CHECK ("stock" >= 0)"#
/// );
/// ```
pub fn column_definition(
    state: &ProjectState,
    app_label: &str,
    model: &str,
    field: &str,
) -> Result<String> {
    let m = state.model(app_label, model)?;
    let td = TableDef::from_model(m);
    let f = td.field(field)?;
    Ok(column_parts(Lookup::one(state), &td, field, f)?.table_form())
}
