//! Creating every table of a state at once (no history), as `SchemaEditor.create_model()`
//! per model does: what `migrate --run-syncdb` or a test database without migrations runs.

use crate::ddl::{Lookup, TableDef};
use crate::editor::Editor;
use crate::error::Result;
use crate::state::ProjectState;

impl ProjectState {
    /// The statements that create every model's table (and auto M2M tables) in state order,
    /// followed by all deferred index statements, as one Django schema-editor session emits.
    ///
    /// ```
    /// use sqlport_schema::{Field, FieldKind, Model, ProjectState};
    /// let state = ProjectState::from_models([Model::new("shop", "Tag")
    ///     .field("slug", Field::new(FieldKind::SlugField))])
    ///     .unwrap();
    /// assert_eq!(state.create_all_sql().unwrap(), vec![
    ///     r#"CREATE TABLE "shop_tag" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "slug" varchar(50) NOT NULL)"#,
    ///     r#"CREATE INDEX "shop_tag_slug_b8e185a1" ON "shop_tag" ("slug")"#,
    /// ]);
    /// ```
    pub fn create_all_sql(&self) -> Result<Vec<String>> {
        let lk = Lookup::one(self);
        let mut ed = Editor::default();
        for m in &self.models {
            ed.create_model(lk, &TableDef::from_model(m))?;
        }
        ed.flush();
        Ok(ed.sql_texts())
    }

    /// Like [`ProjectState::create_all_sql`] for the models of one app only (relations to
    /// other apps' models resolve against the whole state).
    pub fn create_app_sql(&self, app_label: &str) -> Result<Vec<String>> {
        let lk = Lookup::one(self);
        let mut ed = Editor::default();
        for m in self.models.iter().filter(|m| m.app_label == app_label) {
            ed.create_model(lk, &TableDef::from_model(m))?;
        }
        ed.flush();
        Ok(ed.sql_texts())
    }
}
