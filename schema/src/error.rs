//! The error type of this crate.

/// Everything that can go wrong while describing, rendering, introspecting or migrating a schema.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SchemaError {
    /// The JSON could not be parsed or did not have the expected shape.
    #[error("invalid JSON: {0}")]
    Json(String),
    /// A field class that this crate does not know.
    #[error("unknown field class `{0}`")]
    UnknownFieldClass(String),
    /// A keyword argument that is not accepted for fields, options, indexes or constraints.
    #[error("unknown keyword `{key}` in {context}")]
    UnknownKeyword {
        /// Where the keyword appeared.
        context: String,
        /// The keyword.
        key: String,
    },
    /// A keyword argument had a value of the wrong type.
    #[error("invalid value for `{key}` in {context}: {reason}")]
    InvalidValue {
        /// Where the value appeared.
        context: String,
        /// The keyword.
        key: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A model referenced by name does not exist in the project state.
    #[error("unknown model `{0}`")]
    UnknownModel(String),
    /// A field referenced by name does not exist on the model.
    #[error("unknown field `{field}` on model `{model}`")]
    UnknownField {
        /// The model.
        model: String,
        /// The field.
        field: String,
    },
    /// An index or constraint referenced by name does not exist on the model.
    #[error("unknown index or constraint `{name}` on model `{model}`")]
    UnknownIndex {
        /// The model.
        model: String,
        /// The index or constraint name.
        name: String,
    },
    /// A model with this name already exists.
    #[error("model `{0}` already exists")]
    DuplicateModel(String),
    /// A field with this name already exists on the model.
    #[error("field `{field}` already exists on model `{model}`")]
    DuplicateField {
        /// The model.
        model: String,
        /// The field.
        field: String,
    },
    /// Something Django can express but this crate cannot render (yet).
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// A database call failed.
    #[error("database error: {0}")]
    Database(#[from] sqlport_core::Error),
    /// A migration was refused or rolled back.
    #[error("migration failed: {0}")]
    Migration(String),
    /// An operation cannot be unapplied (RunPython without `reverse_code`, RunSQL without
    /// `reverse_sql`), as Django's `IrreversibleError`.
    #[error("irreversible: {0}")]
    Irreversible(String),
    /// A RunPython operation names a callable that has no registered Rust handler (for
    /// this flavour, blocking or async); nothing was run.
    #[error("no handler registered for RunPython callable `{0}`")]
    MissingHandler(String),
    /// A RunPython handler failed (the migration was rolled back).
    #[error("RunPython handler `{name}` failed: {message}")]
    Handler {
        /// The callable's name.
        name: String,
        /// What the handler reported.
        message: String,
    },
    /// A migration, app or dependency named by a plan or target does not exist.
    #[error("unknown migration: {0}")]
    UnknownMigration(String),
    /// Django looks this index up in the database (the index of a removed
    /// `unique_together` / `index_together` entry, the unnamed index of
    /// `RenameIndex(old_fields=...)`) and did not find exactly one: Django's "Found wrong
    /// number (N) of constraints".
    #[error("found wrong number ({found}) of indexes for {table}({})", columns.join(", "))]
    IndexNotFound {
        /// The table.
        table: String,
        /// The columns looked for.
        columns: Vec<String>,
        /// How many matching indexes the database has.
        found: usize,
    },
    /// A result set did not have the expected shape.
    #[error("unexpected result shape: {0}")]
    ResultShape(String),
}

/// Result alias for this crate.
pub type Result<T, E = SchemaError> = std::result::Result<T, E>;
