//! The project state: every model known at one point of the migration history.

use crate::error::{Result, SchemaError};
use crate::field::{Field, FieldKind};
use crate::model::Model;

/// All models at one point in history, in the order they were created.
///
/// ```
/// use sqlport_schema::{Field, FieldKind, Model, ProjectState};
/// let mut s = ProjectState::new();
/// s.add_model(Model::new("shop", "Tag").field("label", Field::new(FieldKind::CharField).max_length(40)))
///     .unwrap();
/// // no primary key was given: an `id` AutoField was added first, as Django does
/// assert_eq!(s.get("shop", "tag").unwrap().fields[0].0, "id");
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProjectState {
    /// The models.
    pub models: Vec<Model>,
    /// The class of implicit primary keys (`DEFAULT_AUTO_FIELD`); `AutoField` by default.
    pub default_auto_field: Option<FieldKind>,
}

impl ProjectState {
    /// An empty state.
    pub fn new() -> Self {
        Self::default()
    }

    /// A state holding these models.
    pub fn from_models(models: impl IntoIterator<Item = Model>) -> Result<Self> {
        let mut s = Self::new();
        for m in models {
            s.add_model(m)?;
        }
        Ok(s)
    }

    /// Adds a model; a model without a primary key gets an `id` auto field first.
    pub fn add_model(&mut self, mut model: Model) -> Result<()> {
        if self.get(&model.app_label, &model.name).is_some() {
            return Err(SchemaError::DuplicateModel(format!(
                "{}.{}",
                model.app_label, model.name
            )));
        }
        if model.pk().is_none() {
            let kind = self.default_auto_field.unwrap_or(FieldKind::AutoField);
            let mut id = Field::new(kind).primary_key(true);
            id.auto_created = true;
            model.fields.insert(0, ("id".into(), id));
        }
        let mut seen = std::collections::HashSet::new();
        for (n, _) in &model.fields {
            if !seen.insert(n.clone()) {
                return Err(SchemaError::DuplicateField {
                    model: model.name.clone(),
                    field: n.clone(),
                });
            }
        }
        crate::names::name_indexes(&mut model)?;
        self.models.push(model);
        Ok(())
    }

    /// A model by app label and name (case-insensitive).
    pub fn get(&self, app_label: &str, name: &str) -> Option<&Model> {
        self.models
            .iter()
            .find(|m| m.app_label == app_label && m.name.eq_ignore_ascii_case(name))
    }

    /// A mutable model by app label and name (case-insensitive).
    pub fn get_mut(&mut self, app_label: &str, name: &str) -> Result<&mut Model> {
        self.models
            .iter_mut()
            .find(|m| m.app_label == app_label && m.name.eq_ignore_ascii_case(name))
            .ok_or_else(|| SchemaError::UnknownModel(format!("{app_label}.{name}")))
    }

    /// A model by app label and name, or an error.
    pub fn model(&self, app_label: &str, name: &str) -> Result<&Model> {
        self.get(app_label, name)
            .ok_or_else(|| SchemaError::UnknownModel(format!("{app_label}.{name}")))
    }

    /// Resolves a relation target (`"app.Model"`, or `"Model"` in `from_app`).
    pub fn resolve(&self, from_app: &str, to: &str) -> Result<&Model> {
        let (app, name) = split_ref(from_app, to);
        self.model(app, name)
    }
}

/// Splits `"app.model"` (or `"model"` relative to `from_app`).
pub(crate) fn split_ref<'a>(from_app: &'a str, to: &'a str) -> (&'a str, &'a str) {
    match to.rsplit_once('.') {
        Some((a, n)) => (a, n),
        None => (from_app, to),
    }
}

/// Whether `to` (seen from `from_app`) names the model `app.name`.
pub(crate) fn refers_to(from_app: &str, to: &str, app: &str, name: &str) -> bool {
    let (a, n) = split_ref(from_app, to);
    a == app && n.eq_ignore_ascii_case(name)
}
