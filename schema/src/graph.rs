//! The migration graph, as Django's loader builds it: dependencies (`__first__`,
//! `__latest__`, `run_before`), squashed migrations (`replaces`), plans to a target, and
//! the project state at any node.

use std::collections::{BTreeMap, BTreeSet};

use crate::error::{Result, SchemaError};
use crate::history::MigrationRecord;
use crate::migration::Migration;
use crate::plan::Direction;
use crate::state::ProjectState;
use crate::{editor::PlanContext, introspect::DbSchema, migration::Mode};

/// A node: `(app_label, name)`.
pub type Key = (String, String);

/// Where `migrate` goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Every app to its latest migration (`migrate`).
    Latest,
    /// One app to its latest migration (`migrate shop`).
    App(String),
    /// One app to this migration, forwards or backwards (`migrate shop 0002`; the name may
    /// be a unique prefix).
    Migration(String, String),
    /// Unapply every migration of the app (`migrate shop zero`).
    Zero(String),
}

/// The migrations of a project, linked by their dependencies, as Django's
/// `MigrationLoader` builds the graph (squashed migrations resolved against what the
/// database has applied).
#[derive(Debug, Clone)]
pub struct MigrationGraph {
    nodes: BTreeMap<Key, Migration>,
    parents: BTreeMap<Key, BTreeSet<Key>>,
    children: BTreeMap<Key, BTreeSet<Key>>,
    /// What the database has applied, with squashed migrations whose replaced migrations
    /// are all applied counted as applied.
    applied: Vec<MigrationRecord>,
}

fn key(m: &Migration) -> Key {
    (m.app_label.clone(), m.name.clone())
}

fn rec(k: &Key) -> MigrationRecord {
    MigrationRecord::new(&k.0, &k.1)
}

impl MigrationGraph {
    /// Builds the graph of `migrations` given what the database has applied (empty for a
    /// new database). A dependency on an app that has no migrations here is dropped (its
    /// models belong to the base state), as Django does for unmigrated apps.
    pub fn new(migrations: Vec<Migration>, applied: &[MigrationRecord]) -> Result<Self> {
        let mut g = MigrationGraph {
            nodes: BTreeMap::new(),
            parents: BTreeMap::new(),
            children: BTreeMap::new(),
            applied: applied.to_vec(),
        };
        for m in migrations {
            let k = key(&m);
            if g.nodes.contains_key(&k) {
                return Err(SchemaError::Migration(format!(
                    "migration {}.{} is given twice",
                    k.0, k.1
                )));
            }
            g.parents.insert(k.clone(), BTreeSet::new());
            g.children.insert(k.clone(), BTreeSet::new());
            g.nodes.insert(k, m);
        }
        let apps: BTreeSet<String> = g.nodes.keys().map(|k| k.0.clone()).collect();
        let keys: Vec<Key> = g.nodes.keys().cloned().collect();
        // Internal dependencies first (so that __first__/__latest__ of other apps resolve
        // against complete apps), then external ones and run_before.
        for k in &keys {
            for dep in g.nodes[k].dependencies.clone() {
                if dep.0 == k.0 && dep.1 != "__first__" {
                    g.add_dependency(k, &dep)?;
                }
            }
        }
        for k in &keys {
            for dep in g.nodes[k].dependencies.clone() {
                if dep.0 == k.0 {
                    continue;
                }
                if let Some(p) = g.check_key(&dep, &k.0, &apps)? {
                    g.add_dependency(k, &p)?;
                }
            }
            for child in g.nodes[k].run_before.clone() {
                if let Some(c) = g.check_key(&child, &k.0, &apps)? {
                    g.add_dependency(&c, k)?;
                }
            }
        }
        // Squashed migrations: usable when all or none of what they replace is applied.
        for k in &keys {
            // A node replaced by an earlier squash is gone already.
            let Some(replaces) = g.nodes.get(k).map(|m| m.replaces.clone()) else {
                continue;
            };
            if replaces.is_empty() {
                continue;
            }
            let statuses: Vec<bool> = replaces
                .iter()
                .map(|r| g.applied.contains(&rec(r)))
                .collect();
            let all = statuses.iter().all(|s| *s);
            if all {
                if !g.applied.contains(&rec(k)) {
                    g.applied.push(rec(k));
                }
            } else {
                g.applied.retain(|r| *r != rec(k));
            }
            if all || !statuses.iter().any(|s| *s) {
                g.remove_replaced_nodes(k, &replaces);
            } else {
                g.remove_replacement_node(k, &replaces);
            }
        }
        Ok(g)
    }

    fn check_key(
        &self,
        dep: &Key,
        current_app: &str,
        apps: &BTreeSet<String>,
    ) -> Result<Option<Key>> {
        if (dep.1 != "__first__" && dep.1 != "__latest__") || self.nodes.contains_key(dep) {
            if !self.nodes.contains_key(dep) && !apps.contains(&dep.0) {
                // A migration of an app that is not migrated here.
                return Ok(None);
            }
            return Ok(Some(dep.clone()));
        }
        if dep.0 == current_app || !apps.contains(&dep.0) {
            return Ok(None);
        }
        let found = if dep.1 == "__first__" {
            self.root_nodes(Some(&dep.0)).into_iter().next()
        } else {
            self.leaf_nodes(Some(&dep.0)).into_iter().next()
        };
        Ok(found)
    }

    fn add_dependency(&mut self, child: &Key, parent: &Key) -> Result<()> {
        if !self.nodes.contains_key(parent) {
            return Err(SchemaError::UnknownMigration(format!(
                "{}.{} depends on {}.{}, which does not exist",
                child.0, child.1, parent.0, parent.1
            )));
        }
        self.parents
            .entry(child.clone())
            .or_default()
            .insert(parent.clone());
        self.children
            .entry(parent.clone())
            .or_default()
            .insert(child.clone());
        Ok(())
    }

    fn remove_node(&mut self, k: &Key) {
        self.nodes.remove(k);
        for p in self.parents.remove(k).unwrap_or_default() {
            if let Some(c) = self.children.get_mut(&p) {
                c.remove(k);
            }
        }
        for c in self.children.remove(k).unwrap_or_default() {
            if let Some(p) = self.parents.get_mut(&c) {
                p.remove(k);
            }
        }
    }

    /// Django's `remove_replaced_nodes`: the replacement takes over the replaced nodes'
    /// dependencies.
    fn remove_replaced_nodes(&mut self, replacement: &Key, replaced: &[Key]) {
        for r in replaced {
            if !self.nodes.contains_key(r) {
                continue;
            }
            let children = self.children.get(r).cloned().unwrap_or_default();
            let parents = self.parents.get(r).cloned().unwrap_or_default();
            self.remove_node(r);
            for c in children {
                if !replaced.contains(&c) && c != *replacement {
                    self.parents
                        .entry(c.clone())
                        .or_default()
                        .insert(replacement.clone());
                    self.children
                        .entry(replacement.clone())
                        .or_default()
                        .insert(c);
                }
            }
            for p in parents {
                if !replaced.contains(&p) && p != *replacement {
                    self.children
                        .entry(p.clone())
                        .or_default()
                        .insert(replacement.clone());
                    self.parents
                        .entry(replacement.clone())
                        .or_default()
                        .insert(p);
                }
            }
        }
    }

    /// Django's `remove_replacement_node`: the squashed node goes, its dependents depend
    /// on the last replaced node instead.
    fn remove_replacement_node(&mut self, replacement: &Key, replaced: &[Key]) {
        let Some(last) = replaced
            .last()
            .filter(|l| self.nodes.contains_key(*l))
            .cloned()
        else {
            self.remove_node(replacement);
            return;
        };
        let children = self.children.get(replacement).cloned().unwrap_or_default();
        self.remove_node(replacement);
        for c in children {
            if !replaced.contains(&c) {
                self.parents
                    .entry(c.clone())
                    .or_default()
                    .insert(last.clone());
                self.children.entry(last.clone()).or_default().insert(c);
            }
        }
    }

    /// The migration at a node.
    pub fn get(&self, k: &Key) -> Option<&Migration> {
        self.nodes.get(k)
    }

    /// What the database has applied, as the graph sees it (squashed migrations included).
    pub fn applied(&self) -> &[MigrationRecord] {
        &self.applied
    }

    /// Whether the node is applied.
    pub fn is_applied(&self, k: &Key) -> bool {
        self.applied.contains(&rec(k))
    }

    /// The app labels, sorted.
    pub fn apps(&self) -> Vec<String> {
        let s: BTreeSet<String> = self.nodes.keys().map(|k| k.0.clone()).collect();
        s.into_iter().collect()
    }

    /// Nodes with no parent in their app (all apps, or one), sorted.
    pub fn root_nodes(&self, app: Option<&str>) -> Vec<Key> {
        self.nodes
            .keys()
            .filter(|k| app.is_none_or(|a| k.0 == a))
            .filter(|k| !self.edges(&self.parents, k).iter().any(|p| p.0 == k.0))
            .cloned()
            .collect()
    }

    /// Nodes with no child in their app (all apps, or one), sorted.
    pub fn leaf_nodes(&self, app: Option<&str>) -> Vec<Key> {
        self.nodes
            .keys()
            .filter(|k| app.is_none_or(|a| k.0 == a))
            .filter(|k| !self.edges(&self.children, k).iter().any(|c| c.0 == k.0))
            .cloned()
            .collect()
    }

    fn edges<'s>(&self, map: &'s BTreeMap<Key, BTreeSet<Key>>, k: &Key) -> &'s BTreeSet<Key> {
        static EMPTY: BTreeSet<Key> = BTreeSet::new();
        map.get(k).unwrap_or(&EMPTY)
    }

    fn dfs(&self, start: &Key, forwards: bool) -> Vec<Key> {
        let mut visited = Vec::new();
        let mut seen = BTreeSet::new();
        let mut stack = vec![(start.clone(), false)];
        // Each node is pushed at most once per edge: bounded by nodes + edges.
        while let Some((node, processed)) = stack.pop() {
            if seen.contains(&node) {
                continue;
            }
            if processed {
                seen.insert(node.clone());
                visited.push(node);
            } else {
                stack.push((node.clone(), true));
                let next = if forwards {
                    self.edges(&self.parents, &node)
                } else {
                    self.edges(&self.children, &node)
                };
                stack.extend(next.iter().map(|n| (n.clone(), false)));
            }
        }
        visited
    }

    /// The node and everything it depends on, in the order to apply them.
    pub fn forwards_plan(&self, target: &Key) -> Result<Vec<Key>> {
        self.node(target)?;
        Ok(self.dfs(target, true))
    }

    /// The node and everything that depends on it, in the order to unapply them.
    pub fn backwards_plan(&self, target: &Key) -> Result<Vec<Key>> {
        self.node(target)?;
        Ok(self.dfs(target, false))
    }

    fn node(&self, k: &Key) -> Result<&Migration> {
        self.nodes
            .get(k)
            .ok_or_else(|| SchemaError::UnknownMigration(format!("{}.{}", k.0, k.1)))
    }

    /// The migration of `app` whose name is `name` or starts with it (Django's
    /// `get_migration_by_prefix`).
    pub fn resolve(&self, app: &str, name: &str) -> Result<Key> {
        // As Django: every migration whose name starts with `name`, an exact match included.
        let found: Vec<&Key> = self
            .nodes
            .keys()
            .filter(|k| k.0 == app && k.1.starts_with(name))
            .collect();
        match found.as_slice() {
            [one] => Ok((*one).clone()),
            [] => Err(SchemaError::UnknownMigration(format!(
                "{app}.{name}: no such migration"
            ))),
            _ => Err(SchemaError::UnknownMigration(format!(
                "{app}.{name}: more than one migration matches"
            ))),
        }
    }

    /// Every node in the order a fresh database applies them (Django's full plan).
    pub fn full_plan(&self) -> Vec<&Migration> {
        let mut plan: Vec<Key> = Vec::new();
        for leaf in self.leaf_nodes(None) {
            for k in self.dfs(&leaf, true) {
                if !plan.contains(&k) {
                    plan.push(k);
                }
            }
        }
        plan.iter().filter_map(|k| self.nodes.get(k)).collect()
    }

    /// Apps with more than one leaf migration (Django's `detect_conflicts`: `migrate`
    /// refuses them until a merge migration exists).
    pub fn conflicts(&self) -> Vec<(String, Vec<String>)> {
        self.apps()
            .into_iter()
            .filter_map(|app| {
                let leaves: Vec<String> = self
                    .leaf_nodes(Some(&app))
                    .into_iter()
                    .map(|k| k.1)
                    .collect();
                (leaves.len() > 1).then_some((app, leaves))
            })
            .collect()
    }

    /// Django's `migration_plan`: what to apply or unapply to reach `target`.
    pub fn migration_plan(&self, target: &Target) -> Result<Vec<(&Migration, Direction)>> {
        let mut applied: BTreeSet<Key> = self
            .applied
            .iter()
            .map(|r| (r.app.clone(), r.name.clone()))
            .filter(|k| self.nodes.contains_key(k))
            .collect();
        let mut plan: Vec<(Key, Direction)> = Vec::new();
        let targets: Vec<Option<Key>> = match target {
            Target::Latest => self.leaf_nodes(None).into_iter().map(Some).collect(),
            Target::App(a) => {
                let l = self.leaf_nodes(Some(a));
                if l.is_empty() {
                    return Err(SchemaError::UnknownMigration(format!(
                        "app {a} has no migrations"
                    )));
                }
                l.into_iter().map(Some).collect()
            }
            Target::Migration(a, n) => vec![Some(self.resolve(a, n)?)],
            Target::Zero(_) => vec![None],
        };
        for t in targets {
            match t {
                None => {
                    let Target::Zero(app) = target else { continue };
                    if !self.nodes.keys().any(|k| k.0 == *app) {
                        return Err(SchemaError::UnknownMigration(format!(
                            "app {app} has no migrations"
                        )));
                    }
                    for root in self.root_nodes(Some(app)) {
                        for m in self.backwards_plan(&root)? {
                            if applied.remove(&m) {
                                plan.push((m, Direction::Backwards));
                            }
                        }
                    }
                }
                Some(t) if applied.contains(&t) => {
                    let next_in_app: Vec<Key> = self
                        .edges(&self.children, &t)
                        .iter()
                        .filter(|c| c.0 == t.0)
                        .cloned()
                        .collect();
                    for node in next_in_app {
                        for m in self.backwards_plan(&node)? {
                            if applied.remove(&m) {
                                plan.push((m, Direction::Backwards));
                            }
                        }
                    }
                }
                Some(t) => {
                    for m in self.forwards_plan(&t)? {
                        if applied.insert(m.clone()) {
                            plan.push((m, Direction::Forwards));
                        }
                    }
                }
            }
        }
        Ok(plan
            .into_iter()
            .map(|(k, d)| (&self.nodes[&k], d))
            .collect())
    }

    /// What `python manage.py sqlmigrate APP NAME [--backwards]` prints for the migration
    /// at `node`: the state is `base` plus the node's ancestors only, as in Django.
    ///
    /// Django looks a few index names up in the database instead of computing them: the
    /// index of a `unique_together` or `index_together` entry being removed, and the
    /// unnamed index of `RenameIndex(old_fields=...)`. With `schema` (the introspected
    /// database, as `sqlmigrate --database` gives it) they are looked up there, exactly as
    /// Django does, and a missing index is Django's error
    /// ([`SchemaError::IndexNotFound`](crate::SchemaError::IndexNotFound)). Without it, they
    /// are the names a database migrated by these migrations from empty has just before the
    /// migration (just after it, backwards): the ancestors are replayed to find them. They
    /// differ from Django's only when the database's history differs from the migrations'
    /// (indexes made or renamed by hand or by `RunSQL`, migrations edited after they ran).
    pub fn sqlmigrate(
        &self,
        base: &ProjectState,
        node: &Key,
        backwards: bool,
        schema: Option<&DbSchema>,
    ) -> Result<String> {
        let m = self.node(node)?;
        let ctx = match schema {
            Some(s) => PlanContext {
                catalog: crate::catalog::IndexCatalog::from_snapshot(s),
            },
            None => self.replay(base, node, backwards).unwrap_or_default(),
        };
        let mut state = self.project_state(base, node, false)?;
        if backwards {
            m.sqlmigrate_backwards_in(&state, ctx)
        } else {
            m.sqlmigrate_in(&mut state, ctx)
        }
    }

    /// The indexes a database has after migrating from empty through the ancestors of
    /// `node` (and `node` itself when `through`).
    fn replay(&self, base: &ProjectState, node: &Key, through: bool) -> Result<PlanContext> {
        let mut state = base.clone();
        state.render()?;
        let mut ctx = PlanContext::default();
        for k in self.forwards_plan(node)? {
            if k == *node && !through {
                break;
            }
            self.node(&k)?
                .forwards(&mut state, &mut ctx, Mode::Migrate)?;
        }
        Ok(ctx)
    }

    /// The project state at a node (`at_end`: after it, else before it), from `base` plus
    /// the node's ancestors only, as `sqlmigrate` loads it.
    pub fn project_state(
        &self,
        base: &ProjectState,
        node: &Key,
        at_end: bool,
    ) -> Result<ProjectState> {
        let mut state = base.clone();
        for k in self.forwards_plan(node)? {
            if at_end || k != *node {
                self.node(&k)?.apply_state(&mut state)?;
            }
        }
        Ok(state)
    }
}
