//! Django model fields: the kinds, their options, and how they load from JSON.

use serde_json::{Map, Value as Json};

use crate::error::{Result, SchemaError};
use crate::expr::{DbDefault, Expr};

/// Every built-in Django field class, named as in `django.db.models`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldKind {
    /// `models.AutoField`.
    AutoField,
    /// `models.BigAutoField`.
    BigAutoField,
    /// `models.SmallAutoField`.
    SmallAutoField,
    /// `models.BooleanField`.
    BooleanField,
    /// `models.CharField`.
    CharField,
    /// `models.SlugField`.
    SlugField,
    /// `models.EmailField`.
    EmailField,
    /// `models.URLField`.
    URLField,
    /// `models.FileField`.
    FileField,
    /// `models.ImageField`.
    ImageField,
    /// `models.FilePathField`.
    FilePathField,
    /// `models.TextField`.
    TextField,
    /// `models.IntegerField`.
    IntegerField,
    /// `models.BigIntegerField`.
    BigIntegerField,
    /// `models.SmallIntegerField`.
    SmallIntegerField,
    /// `models.PositiveIntegerField`.
    PositiveIntegerField,
    /// `models.PositiveBigIntegerField`.
    PositiveBigIntegerField,
    /// `models.PositiveSmallIntegerField`.
    PositiveSmallIntegerField,
    /// `models.FloatField`.
    FloatField,
    /// `models.DecimalField`.
    DecimalField,
    /// `models.DateField`.
    DateField,
    /// `models.DateTimeField`.
    DateTimeField,
    /// `models.TimeField`.
    TimeField,
    /// `models.DurationField`.
    DurationField,
    /// `models.BinaryField`.
    BinaryField,
    /// `models.JSONField`.
    JSONField,
    /// `models.UUIDField`.
    UUIDField,
    /// `models.GenericIPAddressField`.
    GenericIPAddressField,
    /// `models.IPAddressField`.
    IPAddressField,
    /// `models.ForeignKey`.
    ForeignKey,
    /// `models.OneToOneField`.
    OneToOneField,
    /// `models.ManyToManyField`.
    ManyToManyField,
    /// `models.GeneratedField`.
    GeneratedField,
}

const KINDS: &[(&str, FieldKind)] = &[
    ("AutoField", FieldKind::AutoField),
    ("BigAutoField", FieldKind::BigAutoField),
    ("SmallAutoField", FieldKind::SmallAutoField),
    ("BooleanField", FieldKind::BooleanField),
    ("NullBooleanField", FieldKind::BooleanField),
    ("CharField", FieldKind::CharField),
    ("SlugField", FieldKind::SlugField),
    ("EmailField", FieldKind::EmailField),
    ("URLField", FieldKind::URLField),
    ("FileField", FieldKind::FileField),
    ("ImageField", FieldKind::ImageField),
    ("FilePathField", FieldKind::FilePathField),
    ("TextField", FieldKind::TextField),
    ("IntegerField", FieldKind::IntegerField),
    ("BigIntegerField", FieldKind::BigIntegerField),
    ("SmallIntegerField", FieldKind::SmallIntegerField),
    ("PositiveIntegerField", FieldKind::PositiveIntegerField),
    (
        "PositiveBigIntegerField",
        FieldKind::PositiveBigIntegerField,
    ),
    (
        "PositiveSmallIntegerField",
        FieldKind::PositiveSmallIntegerField,
    ),
    ("FloatField", FieldKind::FloatField),
    ("DecimalField", FieldKind::DecimalField),
    ("DateField", FieldKind::DateField),
    ("DateTimeField", FieldKind::DateTimeField),
    ("TimeField", FieldKind::TimeField),
    ("DurationField", FieldKind::DurationField),
    ("BinaryField", FieldKind::BinaryField),
    ("JSONField", FieldKind::JSONField),
    ("UUIDField", FieldKind::UUIDField),
    ("GenericIPAddressField", FieldKind::GenericIPAddressField),
    ("IPAddressField", FieldKind::IPAddressField),
    ("ForeignKey", FieldKind::ForeignKey),
    ("OneToOneField", FieldKind::OneToOneField),
    ("ManyToManyField", FieldKind::ManyToManyField),
    ("GeneratedField", FieldKind::GeneratedField),
];

impl FieldKind {
    /// Parses a Django class name (`"CharField"`, or a dotted path such as `"models.CharField"`).
    pub fn from_class(name: &str) -> Result<Self> {
        let short = name.rsplit('.').next().unwrap_or(name);
        KINDS
            .iter()
            .find(|(n, _)| *n == short)
            .map(|(_, k)| *k)
            .ok_or_else(|| SchemaError::UnknownFieldClass(name.to_string()))
    }

    /// The Django class name.
    pub fn class_name(self) -> &'static str {
        KINDS
            .iter()
            .find(|(_, k)| *k == self)
            .map(|(n, _)| *n)
            .unwrap_or("Field")
    }

    /// `AutoField`, `BigAutoField` or `SmallAutoField`.
    pub fn is_auto(self) -> bool {
        matches!(
            self,
            FieldKind::AutoField | FieldKind::BigAutoField | FieldKind::SmallAutoField
        )
    }

    /// `ForeignKey` or `OneToOneField` (a column that references another table).
    pub fn is_fk(self) -> bool {
        matches!(self, FieldKind::ForeignKey | FieldKind::OneToOneField)
    }

    /// Whether the column type is fixed by this kind alone (everything but FKs, M2M and
    /// generated fields), and what it is.
    pub fn db_type(self, max_length: Option<u32>) -> Option<String> {
        use FieldKind::*;
        let varchar = |default: u32| format!("varchar({})", max_length.unwrap_or(default));
        Some(match self {
            AutoField | BigAutoField | SmallAutoField | IntegerField => "integer".into(),
            BooleanField => "bool".into(),
            CharField => match max_length {
                Some(n) => format!("varchar({n})"),
                None => "varchar".into(),
            },
            SlugField => varchar(50),
            EmailField => varchar(254),
            URLField => varchar(200),
            FileField | ImageField | FilePathField => varchar(100),
            TextField | JSONField => "text".into(),
            BigIntegerField | DurationField => "bigint".into(),
            SmallIntegerField => "smallint".into(),
            PositiveIntegerField => "integer unsigned".into(),
            PositiveBigIntegerField => "bigint unsigned".into(),
            PositiveSmallIntegerField => "smallint unsigned".into(),
            FloatField => "real".into(),
            DecimalField => "decimal".into(),
            DateField => "date".into(),
            DateTimeField => "datetime".into(),
            TimeField => "time".into(),
            BinaryField => "BLOB".into(),
            UUIDField => "char(32)".into(),
            GenericIPAddressField => "char(39)".into(),
            IPAddressField => "char(15)".into(),
            ForeignKey | OneToOneField | ManyToManyField | GeneratedField => return None,
        })
    }

    /// The column type an FK pointing at a field of this kind gets (`rel_db_type`).
    pub fn rel_db_type(self, max_length: Option<u32>) -> Option<String> {
        use FieldKind::*;
        match self {
            AutoField | PositiveIntegerField => Some("integer".into()),
            BigAutoField | PositiveBigIntegerField => Some("bigint".into()),
            SmallAutoField | PositiveSmallIntegerField => Some("smallint".into()),
            _ => self.db_type(max_length),
        }
    }

    /// Whether Django allows the empty string as a value (used for effective defaults).
    pub fn empty_strings_allowed(self) -> bool {
        use FieldKind::*;
        matches!(
            self,
            CharField
                | SlugField
                | EmailField
                | URLField
                | FileField
                | ImageField
                | FilePathField
                | TextField
                | BinaryField
                | IPAddressField
        )
    }

    fn default_db_index(self) -> bool {
        matches!(
            self,
            FieldKind::ForeignKey | FieldKind::OneToOneField | FieldKind::SlugField
        )
    }
}

/// Keyword arguments that never reach the SQL. The ones in [`NON_DB_ATTRS`] are dropped;
/// the others are kept in [`Field::extra`] because Django still remakes the table when they
/// change (`_field_should_be_altered` compares every keyword argument but those).
const IGNORED_KWARGS: &[&str] = &[
    "verbose_name",
    "related_name",
    "related_query_name",
    "on_delete",
    "choices",
    "help_text",
    "validators",
    "editable",
    "serialize",
    "auto_created",
    "upload_to",
    "storage",
    "path",
    "match",
    "recursive",
    "allow_files",
    "allow_folders",
    "protocol",
    "unpack_ipv4",
    "db_comment",
    "error_messages",
    "limit_choices_to",
    "symmetrical",
    "encoder",
    "decoder",
    "width_field",
    "height_field",
    "parent_link",
    "unique_for_date",
    "unique_for_month",
    "unique_for_year",
    "through_fields",
    "swappable",
];

/// Django's `Field.non_db_attrs` (5.1): changing only these is a no-op `AlterField`.
const NON_DB_ATTRS: &[&str] = &[
    "choices",
    "editable",
    "error_messages",
    "help_text",
    "limit_choices_to",
    "on_delete",
    "related_name",
    "related_query_name",
    "validators",
    "verbose_name",
];

/// One Django model field with the options that reach the database.
///
/// Build one with [`Field::new`] and the chainable setters, or load one from JSON (see the
/// crate docs for the format).
///
/// ```
/// use sqlport_schema::{Field, FieldKind};
/// let f = Field::new(FieldKind::CharField).max_length(20).unique(true);
/// assert_eq!(f.kind, FieldKind::CharField);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// The field class.
    pub kind: FieldKind,
    /// `null=`.
    pub null: bool,
    /// `blank=` (only affects the effective default of a table remake).
    pub blank: bool,
    /// `unique=`.
    pub unique: bool,
    /// `db_index=`; `None` means the class default (true for FK, O2O, SlugField).
    pub db_index: Option<bool>,
    /// `primary_key=`.
    pub primary_key: bool,
    /// `db_column=`.
    pub db_column: Option<String>,
    /// `db_default=`.
    pub db_default: Option<DbDefault>,
    /// `default=` (a Python default; reaches SQL only as a literal in a table remake).
    pub default: Option<Json>,
    /// `db_collation=`.
    pub db_collation: Option<String>,
    /// `db_constraint=` (FK only; default true).
    pub db_constraint: bool,
    /// `to=` (FK, O2O, M2M): `"app.model"` or `"model"` (same app).
    pub to: Option<String>,
    /// `to_field=`.
    pub to_field: Option<String>,
    /// `max_length=`.
    pub max_length: Option<u32>,
    /// `max_digits=`.
    pub max_digits: Option<u32>,
    /// `decimal_places=`.
    pub decimal_places: Option<u32>,
    /// `auto_now=`.
    pub auto_now: bool,
    /// `auto_now_add=`.
    pub auto_now_add: bool,
    /// M2M `db_table=`.
    pub db_table: Option<String>,
    /// M2M `through=` (a model label); `None` means an auto-created through table.
    pub through: Option<String>,
    /// GeneratedField `expression=`.
    pub expression: Option<Expr>,
    /// GeneratedField `output_field=`.
    pub output_field: Option<Box<Field>>,
    /// GeneratedField `db_persist=` (true: STORED, false: VIRTUAL).
    pub db_persist: bool,
    /// `auto_created=` (informational: an implicit primary key).
    pub auto_created: bool,
    /// `db_tablespace=`: ignored by SQLite, except that an index on this field ends with
    /// `") ;"` (a space before the `;`), as Django writes it.
    pub db_tablespace: Option<String>,
    /// Other keyword arguments that do not reach the SQL but make Django remake the table
    /// when they change (`upload_to`, `db_comment`, `serialize`, ...), as given.
    pub extra: std::collections::BTreeMap<String, Json>,
}

impl Field {
    /// A field of this kind with Django's defaults.
    pub fn new(kind: FieldKind) -> Self {
        Field {
            kind,
            null: false,
            blank: false,
            unique: false,
            db_index: None,
            primary_key: false,
            db_column: None,
            db_default: None,
            default: None,
            db_collation: None,
            db_constraint: true,
            to: None,
            to_field: None,
            max_length: None,
            max_digits: None,
            decimal_places: None,
            auto_now: false,
            auto_now_add: false,
            db_table: None,
            through: None,
            expression: None,
            output_field: None,
            db_persist: false,
            auto_created: false,
            db_tablespace: None,
            extra: Default::default(),
        }
    }

    /// A `ForeignKey` to `to` (`"app.model"`).
    pub fn foreign_key(to: impl Into<String>) -> Self {
        Field::new(FieldKind::ForeignKey).to(to)
    }

    /// A `ManyToManyField` to `to` (`"app.model"`).
    pub fn many_to_many(to: impl Into<String>) -> Self {
        Field::new(FieldKind::ManyToManyField).to(to)
    }

    /// Sets `null=`.
    pub fn null(mut self, v: bool) -> Self {
        self.null = v;
        self
    }
    /// Sets `blank=`.
    pub fn blank(mut self, v: bool) -> Self {
        self.blank = v;
        self
    }
    /// Sets `unique=`.
    pub fn unique(mut self, v: bool) -> Self {
        self.unique = v;
        self
    }
    /// Sets `db_index=`.
    pub fn db_index(mut self, v: bool) -> Self {
        self.db_index = Some(v);
        self
    }
    /// Sets `primary_key=`.
    pub fn primary_key(mut self, v: bool) -> Self {
        self.primary_key = v;
        self
    }
    /// Sets `db_column=`.
    pub fn db_column(mut self, v: impl Into<String>) -> Self {
        self.db_column = Some(v.into());
        self
    }
    /// Sets `db_default=`.
    pub fn db_default(mut self, v: DbDefault) -> Self {
        self.db_default = Some(v);
        self
    }
    /// Sets the Python `default=` (a JSON literal).
    pub fn default(mut self, v: impl Into<Json>) -> Self {
        self.default = Some(v.into());
        self
    }
    /// Sets `db_collation=`.
    pub fn db_collation(mut self, v: impl Into<String>) -> Self {
        self.db_collation = Some(v.into());
        self
    }
    /// Sets `db_constraint=`.
    pub fn db_constraint(mut self, v: bool) -> Self {
        self.db_constraint = v;
        self
    }
    /// Sets `to=`.
    pub fn to(mut self, v: impl Into<String>) -> Self {
        self.to = Some(v.into());
        self
    }
    /// Sets `to_field=`.
    pub fn to_field(mut self, v: impl Into<String>) -> Self {
        self.to_field = Some(v.into());
        self
    }
    /// Sets `max_length=`.
    pub fn max_length(mut self, v: u32) -> Self {
        self.max_length = Some(v);
        self
    }
    /// Sets `max_digits=` and `decimal_places=`.
    pub fn digits(mut self, max_digits: u32, decimal_places: u32) -> Self {
        self.max_digits = Some(max_digits);
        self.decimal_places = Some(decimal_places);
        self
    }
    /// Sets the M2M `db_table=`.
    pub fn db_table(mut self, v: impl Into<String>) -> Self {
        self.db_table = Some(v.into());
        self
    }
    /// Sets the M2M `through=`.
    pub fn through(mut self, v: impl Into<String>) -> Self {
        self.through = Some(v.into());
        self
    }
    /// Makes this a `GeneratedField` body: expression, output field, and STORED or VIRTUAL.
    pub fn generated(mut self, expression: Expr, output: Field, db_persist: bool) -> Self {
        self.expression = Some(expression);
        self.output_field = Some(Box::new(output));
        self.db_persist = db_persist;
        self
    }

    /// Whether this field has a column (everything but M2M).
    pub fn is_concrete(&self) -> bool {
        self.kind != FieldKind::ManyToManyField
    }

    /// Whether Django treats the field as unique (`unique=` or `primary_key=`, O2O).
    pub fn effective_unique(&self) -> bool {
        self.unique || self.primary_key || self.kind == FieldKind::OneToOneField
    }

    /// Whether the field asks for an index (`db_index=` or the class default).
    pub fn effective_db_index(&self) -> bool {
        self.db_index
            .unwrap_or_else(|| self.kind.default_db_index())
    }

    /// The column name for a field called `name`.
    pub fn column_name(&self, name: &str) -> String {
        match &self.db_column {
            Some(c) => c.clone(),
            None if self.kind.is_fk() => format!("{name}_id"),
            None => name.to_string(),
        }
    }

    /// The field with everything that does not affect the schema reset, for comparisons.
    pub(crate) fn db_signature(&self) -> Field {
        let mut f = self.clone();
        f.blank = false;
        f.auto_created = false;
        f
    }

    /// Loads a field from Django's keyword arguments (`{"class": "CharField", "max_length": 20}`).
    pub fn from_json(value: &Json) -> Result<Self> {
        let obj = value
            .as_object()
            .ok_or_else(|| SchemaError::Json("a field must be a JSON object".into()))?;
        let class = obj
            .get("class")
            .and_then(Json::as_str)
            .ok_or_else(|| SchemaError::Json("a field needs a string `class`".into()))?;
        let kind = FieldKind::from_class(class)?;
        Self::from_kwargs(kind, obj, class)
    }

    /// Loads a field of `kind` from a map of Django keyword arguments.
    pub fn from_kwargs(kind: FieldKind, obj: &Map<String, Json>, context: &str) -> Result<Self> {
        let mut f = Field::new(kind);
        let ctx = || format!("field {context}");
        for (key, v) in obj {
            let bad = |reason: &str| SchemaError::InvalidValue {
                context: ctx(),
                key: key.clone(),
                reason: reason.to_string(),
            };
            let as_bool = || v.as_bool().ok_or_else(|| bad("expected a boolean"));
            let as_str = || {
                v.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| bad("expected a string"))
            };
            let as_u32 = || {
                v.as_u64()
                    .and_then(|n| u32::try_from(n).ok())
                    .ok_or_else(|| bad("expected a non-negative integer"))
            };
            match key.as_str() {
                "class" => {}
                "null" => f.null = as_bool()?,
                "blank" => f.blank = as_bool()?,
                "unique" => f.unique = as_bool()?,
                "db_index" => f.db_index = Some(as_bool()?),
                "primary_key" => f.primary_key = as_bool()?,
                "db_column" => f.db_column = Some(as_str()?),
                "db_default" => f.db_default = Some(DbDefault::from_json(v)?),
                "default" => f.default = Some(v.clone()),
                "db_collation" => f.db_collation = Some(as_str()?),
                "db_constraint" => f.db_constraint = as_bool()?,
                "to" => f.to = Some(as_str()?),
                "to_field" => f.to_field = Some(as_str()?),
                "max_length" => f.max_length = Some(as_u32()?),
                "max_digits" => f.max_digits = Some(as_u32()?),
                "decimal_places" => f.decimal_places = Some(as_u32()?),
                "auto_now" => f.auto_now = as_bool()?,
                "auto_now_add" => f.auto_now_add = as_bool()?,
                "db_table" => f.db_table = Some(as_str()?),
                "through" => f.through = Some(as_str()?),
                "expression" => f.expression = Some(Expr::from_json(v)?),
                "output_field" => f.output_field = Some(Box::new(Field::from_json(v)?)),
                "db_persist" => f.db_persist = as_bool()?,
                "auto_created" => f.auto_created = v.as_bool().unwrap_or(false),
                "db_tablespace" => {
                    f.db_tablespace = v.as_str().filter(|t| !t.is_empty()).map(str::to_string)
                }
                k if NON_DB_ATTRS.contains(&k) => {}
                k if IGNORED_KWARGS.contains(&k) => {
                    f.extra.insert(key.clone(), v.clone());
                }
                _ => {
                    return Err(SchemaError::UnknownKeyword {
                        context: ctx(),
                        key: key.clone(),
                    });
                }
            }
        }
        if (kind.is_fk() || kind == FieldKind::ManyToManyField) && f.to.is_none() {
            return Err(SchemaError::InvalidValue {
                context: ctx(),
                key: "to".into(),
                reason: "a relation needs `to`".into(),
            });
        }
        if kind == FieldKind::GeneratedField && (f.expression.is_none() || f.output_field.is_none())
        {
            return Err(SchemaError::InvalidValue {
                context: ctx(),
                key: "expression".into(),
                reason: "a GeneratedField needs `expression` and `output_field`".into(),
            });
        }
        Ok(f)
    }
}

impl<'de> serde::Deserialize<'de> for Field {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let v = Json::deserialize(d)?;
        Field::from_json(&v).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_class_and_keyword_are_errors() {
        let e = Field::from_json(&serde_json::json!({"class": "NopeField"})).unwrap_err();
        assert!(matches!(e, SchemaError::UnknownFieldClass(_)));
        let e = Field::from_json(&serde_json::json!({"class": "CharField", "max_lenght": 3}))
            .unwrap_err();
        assert!(matches!(e, SchemaError::UnknownKeyword { .. }));
        let e = Field::from_json(&serde_json::json!({"class": "CharField", "max_length": -3}))
            .unwrap_err();
        assert!(matches!(e, SchemaError::InvalidValue { .. }));
        let e = Field::from_json(&serde_json::json!({"class": "ForeignKey"})).unwrap_err();
        assert!(matches!(e, SchemaError::InvalidValue { .. }));
        assert!(Field::from_json(&serde_json::json!([1])).is_err());
    }

    #[test]
    fn dotted_class_names() {
        assert_eq!(
            FieldKind::from_class("models.SlugField").unwrap(),
            FieldKind::SlugField
        );
        assert!(Field::new(FieldKind::SlugField).effective_db_index());
    }
}
