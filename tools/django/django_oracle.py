"""Real Django as the oracle: dump a project's migrations, record what Django prints and
what it leaves in the database. Runs inside a Django venv.

    python django_oracle.py CORPUS_JSON

CORPUS_JSON describes the project: {"installed_apps": [...], "migration_modules": {...},
"sys_path": [...], "compare_apps": [...] (optional: only these apps' migrations are
recorded and migrated back), "out": DIR}. Writes DIR/migrations/<app>/<name>.json (our format),
DIR/oracle.json (sqlmigrate forwards/backwards of every migration, the schema after
migrate and after migrating back to each app's first migration).
"""

import io
import json
import os
import sqlite3
import sys
import traceback


def schema(path):
    con = sqlite3.connect(path)
    try:
        rows = con.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
        ).fetchall()
    finally:
        con.close()
    return [list(r) for r in rows]


def history(path):
    """django_migrations as (app, name) pairs, in the order they were recorded."""
    con = sqlite3.connect(path)
    try:
        return [list(r) for r in con.execute("SELECT app, name FROM django_migrations ORDER BY id")]
    except sqlite3.OperationalError:
        return []
    finally:
        con.close()


def main():
    spec = json.load(open(sys.argv[1]))
    out = spec["out"]
    os.makedirs(out, exist_ok=True)
    sys.path[:0] = spec.get("sys_path", [])
    db = os.path.join(out, "walk.sqlite3")
    for p in (db, db + "-journal"):
        if os.path.exists(p):
            os.remove(p)
    from django.conf import settings

    settings.configure(
        SECRET_KEY="differential",
        INSTALLED_APPS=spec["installed_apps"],
        MIGRATION_MODULES=spec.get("migration_modules", {}),
        DATABASES={"default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": db,
            # Durability is not under test: skip the fsyncs.
            "OPTIONS": {"init_command": "PRAGMA synchronous = OFF"},
        }},
        USE_TZ=True,
        SITE_ID=1,
        DEFAULT_AUTO_FIELD="django.db.models.AutoField",
        SILENCED_SYSTEM_CHECKS=["admin.E403", "admin.E408", "admin.E409", "admin.E410"],
        **spec.get("settings", {}),
    )
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections
    from django.db.migrations.loader import MigrationLoader

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import dump_migrations

    result = {"django": django.get_version(), "migrations": {}, "unsupported": []}
    written, unsupported = dump_migrations.dump(os.path.join(out, "migrations"))
    result["unsupported"] = [[f"{a}.{n}", why] for (a, n), why in unsupported]

    def cmd(*args, **kw):
        buf, err = io.StringIO(), io.StringIO()
        call_command(*args, stdout=buf, stderr=err, no_color=True, **kw)
        return buf.getvalue()

    def attempt(f):
        try:
            return {"text": f()}
        except Exception as e:  # Django's own refusal is part of the oracle
            return {"error": f"{type(e).__name__}: {e}"}

    # Every statement the schema editor runs (not collects), for the golden files.
    from django.db.backends.base.schema import BaseDatabaseSchemaEditor

    executed = []
    original_execute = BaseDatabaseSchemaEditor.execute

    def recording_execute(self, sql, params=()):
        if not self.collect_sql:
            executed.append([str(sql), None if params is None else [repr(x) for x in params]])
        return original_execute(self, sql, params)

    BaseDatabaseSchemaEditor.execute = recording_execute

    # Walk the full plan on one database: sqlmigrate each migration with the database
    # just before it, apply it, sqlmigrate --backwards with the database just after it.
    loader = MigrationLoader(connections["default"])
    plan = []
    for leaf in loader.graph.leaf_nodes():
        for k in loader.graph.forwards_plan(leaf):
            if k not in plan:
                plan.append(k)
    # Only the apps under test are compared (spec "compare_apps"; default: all): the walk
    # reaches each of their migrations with `migrate APP NAME`, which applies its
    # dependencies first, as the full plan would have.
    compare = spec.get("compare_apps")
    for app, name in plan:
        if compare is not None and app not in compare:
            continue
        key = f"{app}.{name}"
        r = {"forwards": attempt(lambda: cmd("sqlmigrate", app, name))}
        r["migrate"] = attempt(lambda: cmd("migrate", app, name, verbosity=0))
        r["backwards"] = attempt(lambda: cmd("sqlmigrate", app, name, backwards=True))
        result["migrations"][key] = r
    connections.close_all()

    # A fresh database: one migrate, then back to each app's first migration.
    fresh = os.path.join(out, "fresh.sqlite3")
    if os.path.exists(fresh):
        os.remove(fresh)
    connections["default"].settings_dict["NAME"] = fresh
    connections.close_all()
    executed.clear()
    result["migrate"] = attempt(lambda: cmd("migrate", verbosity=0))
    result["migrate_executed"] = list(executed)
    result["history_migrate"] = history(fresh)
    result["schema_migrate"] = schema(fresh)
    back = []
    loader = MigrationLoader(connections["default"])
    for app in sorted({a for a, _ in loader.graph.nodes}):
        if compare is not None and app not in compare:
            continue
        roots = loader.graph.root_nodes(app)
        if not roots:
            continue
        target = roots[0][1]
        executed.clear()
        back.append([app, target, attempt(lambda: cmd("migrate", app, target, verbosity=0))])
        result.setdefault("back_executed", {})[app] = list(executed)
    result["back_targets"] = back
    result["schema_back"] = schema(fresh)
    connections.close_all()
    json.dump(result, open(os.path.join(out, "oracle.json"), "w"), indent=1)
    print(json.dumps({"migrations": len(result["migrations"]), "written": len(written), "unsupported": len(unsupported)}))


if __name__ == "__main__":
    try:
        main()
    except Exception:
        traceback.print_exc()
        sys.exit(2)
