//! The project state: every model known at one point of the migration history.

use crate::error::{Result, SchemaError};
use crate::field::{Field, FieldKind};
use crate::model::Model;

/// The render generation of each model of a state whose models Django has rendered.
///
/// Django builds model classes for a state lazily (`ProjectState.apps`) and rebuilds a
/// model when an operation changes it (`reload_model`); every build numbers the fields it
/// creates (`Field.creation_counter`), and a table remake lists its columns by that number.
/// A generation per model reproduces that order. Equality ignores it: two states with the
/// same models are equal however they were rendered.
///
/// A rendered state also keeps the models removed from it (Django's `remove_model`
/// unregisters the class, but models rendered earlier keep their relations to it): a
/// relation of a remaining model still resolves to the removed model as it was last
/// rendered, as in Django's `Migration.unapply`, which recreates such a model after the
/// model it points at is gone from the state.
#[derive(Debug, Clone, Default)]
struct Rendered(Option<RenderInfo>);

#[derive(Debug, Clone, Default)]
struct RenderInfo {
    generations: std::collections::BTreeMap<(String, String), u64>,
    removed: std::collections::BTreeMap<(String, String), Model>,
}

impl PartialEq for Rendered {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// A fresh render generation (process-wide and increasing, like Django's field counter).
pub(crate) fn next_generation() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

fn key(app: &str, name: &str) -> (String, String) {
    (app.to_string(), name.to_lowercase())
}

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
    /// When each model was last rendered, once the state is rendered.
    rendered: Rendered,
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
        let (app, name) = (model.app_label.clone(), model.name.clone());
        self.models.push(model);
        self.touch(&app, &name);
        Ok(())
    }

    /// Removes a model (Django's `remove_model`).
    pub fn remove_model(&mut self, app_label: &str, name: &str) -> Result<()> {
        let removed = self.model(app_label, name)?.clone();
        self.models
            .retain(|m| !(m.app_label == app_label && m.name.eq_ignore_ascii_case(name)));
        if let Some(info) = self.rendered.0.as_mut() {
            info.generations.remove(&key(app_label, name));
            info.removed.insert(key(app_label, name), removed);
        }
        Ok(())
    }

    /// Renders the state as Django's `ProjectState.apps` does the first time it is used:
    /// every model gets one fresh generation. A rendered state stays rendered (clones too).
    ///
    /// As Django's `StateApps`, rendering a state afresh fails if a relation points at a
    /// model the state does not have (Django's "declared with a lazy reference" error); an
    /// already rendered state keeps resolving relations to models removed since (see
    /// `Rendered`).
    pub(crate) fn render(&mut self) -> Result<()> {
        if self.rendered.0.is_none() {
            self.check_relations()?;
            let g = next_generation();
            self.rendered.0 = Some(RenderInfo {
                generations: self
                    .models
                    .iter()
                    .map(|m| (key(&m.app_label, &m.name), g))
                    .collect(),
                removed: Default::default(),
            });
        }
        Ok(())
    }

    /// Every relation (`to`, `through`) names a model of the state.
    fn check_relations(&self) -> Result<()> {
        for m in &self.models {
            for (name, f) in &m.fields {
                for target in [f.to.as_deref(), f.through.as_deref()]
                    .into_iter()
                    .flatten()
                {
                    let (app, model) = split_ref(&m.app_label, target);
                    if self.get(app, model).is_none() {
                        return Err(SchemaError::UnknownModel(format!(
                            "{app}.{} (the field {}.{}.{name} refers to it)",
                            model.to_lowercase(),
                            m.app_label,
                            m.name
                        )));
                    }
                }
            }
        }
        Ok(())
    }

    /// The same models, not rendered (as Django's loader builds a state).
    pub(crate) fn unrendered(&self) -> Self {
        ProjectState {
            models: self.models.clone(),
            default_auto_field: self.default_auto_field,
            rendered: Rendered(None),
        }
    }

    /// Django's `reload_model`: in a rendered state, the model is built again.
    pub(crate) fn touch(&mut self, app_label: &str, name: &str) {
        if let Some(info) = self.rendered.0.as_mut() {
            info.generations
                .insert(key(app_label, name), next_generation());
        }
    }

    /// The generation of a model's last render (0 if the state is not rendered).
    pub(crate) fn generation(&self, app_label: &str, name: &str) -> u64 {
        self.rendered
            .0
            .as_ref()
            .and_then(|i| i.generations.get(&key(app_label, name)).copied())
            .unwrap_or(0)
    }

    /// A model by app label and name (case-insensitive).
    pub fn get(&self, app_label: &str, name: &str) -> Option<&Model> {
        self.models
            .iter()
            .find(|m| m.app_label == app_label && m.name.eq_ignore_ascii_case(name))
    }

    /// The model a relation to `app_label.name` resolves to: the model, or, in a rendered
    /// state, the model as it was when it was removed (see `Rendered`).
    pub(crate) fn related(&self, app_label: &str, name: &str) -> Option<&Model> {
        self.get(app_label, name).or_else(|| {
            self.rendered
                .0
                .as_ref()
                .and_then(|i| i.removed.get(&key(app_label, name)))
        })
    }

    /// A mutable model by app label and name (case-insensitive). In a rendered state the
    /// model counts as rebuilt (Django reloads a model its operations change).
    pub fn get_mut(&mut self, app_label: &str, name: &str) -> Result<&mut Model> {
        self.touch(app_label, name);
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
