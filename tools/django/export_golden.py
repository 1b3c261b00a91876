#!/usr/bin/env python3
"""Copies the golden projects' Django output into schema/tests/fixtures/.

    python3 tools/django/differential.py --corpus golden     # runs real Django
    python3 tools/django/export_golden.py [WORKDIR] [VERSION]

For each golden app (`ops` -> django_ops/, `followup` -> django_followup/, `numeric` ->
django_numeric/) writes
migrations/APP/*.json (Django's deconstruct(), our format), sql/<name>.sql and
sql/<name>.backwards.sql (Django's sqlmigrate; `.error` when Django refuses),
schema_migrate.json and schema_back.json (sqlite_master after Django's migrate, and after
migrating the app back to its first migration), and migrate_executed.json /
back_executed.json (every statement Django's schema editor ran for them, with repr()'d
parameters).
"""

import json
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
workdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target", "django-diff")
version = sys.argv[2] if len(sys.argv) > 2 else "5.1.15"

GOLDEN = [
    ("golden", "ops", "django_ops", "the operations added in issue 13"),
    ("golden_followup", "followup", "django_followup",
     "RenameIndex(old_fields), a non-atomic migration, and unapplying DeleteModel of a model "
     "another deleted model points at"),
    ("golden_numeric", "numeric", "django_numeric",
     "expressions whose output field is a DecimalField, cast by Django's SQLite backend "
     "(SQLiteNumericMixin) in indexes, unique constraints, generated columns and defaults; "
     "functions SQLite's backend renders in its own way"),
]


def dump(path, value):
    with open(path, "w") as f:
        json.dump(value, f, indent=0)
        f.write("\n")


for corpus, app, fixture, what in GOLDEN:
    src = os.path.join(workdir, version, corpus)
    dest = os.path.join(ROOT, "schema", "tests", "fixtures", fixture)
    shutil.rmtree(dest, ignore_errors=True)
    os.makedirs(os.path.join(dest, "migrations"))
    shutil.copytree(os.path.join(src, "migrations", app), os.path.join(dest, "migrations", app))
    os.makedirs(os.path.join(dest, "sql"))
    oracle = json.load(open(os.path.join(src, "oracle.json")))
    for key, r in oracle["migrations"].items():
        a, name = key.split(".", 1)
        if a != app:
            continue
        for direction, suffix in (("forwards", ""), ("backwards", ".backwards")):
            t = r[direction]
            if "text" in t:
                open(os.path.join(dest, "sql", f"{name}{suffix}.sql"), "w").write(t["text"])
            else:
                open(os.path.join(dest, "sql", f"{name}{suffix}.error"), "w").write(t["error"] + "\n")
    dump(os.path.join(dest, "schema_migrate.json"), oracle["schema_migrate"])
    dump(os.path.join(dest, "schema_back.json"), oracle["schema_back"])
    dump(os.path.join(dest, "migrate_executed.json"), oracle["migrate_executed"])
    dump(os.path.join(dest, "back_executed.json"), oracle["back_executed"][app])
    open(os.path.join(dest, "README.md"), "w").write(
        f"# Golden output of real Django {oracle['django']}: {what}\n\n"
        f"Source: `tools/django/golden_project/{app}/migrations/*.py`. Regenerate with\n"
        "`python3 tools/django/differential.py --corpus golden && python3 tools/django/export_golden.py`.\n\n"
        f"- `migrations/{app}/*.json`: the migrations dumped with Django's loader and deconstruct().\n"
        "- `sql/NAME.sql`, `sql/NAME.backwards.sql`: `sqlmigrate APP NAME [--backwards]` with the\n"
        "  database at the migration before (after, backwards); `.error`: Django refuses.\n"
        "- `schema_migrate.json`: sqlite_master after `migrate` (type, name, tbl_name, sql);\n"
        "  `schema_back.json`: after `migrate APP <first migration>` from there.\n"
        "- `migrate_executed.json`, `back_executed.json`: every statement Django's schema editor\n"
        "  ran during those two commands, in order: `[sql, params]` (params repr()'d, or null).\n"
    )
    print("exported", app, "to", dest)

# Django's own non-atomic test migrations (tests/migrations/test_migrations_non_atomic and
# test_migrations_atomic_operation, both failing in RunPython on purpose): what Django's
# migrate leaves behind when a non-atomic migration fails.
for module in ("test_migrations_non_atomic", "test_migrations_atomic_operation"):
    src = os.path.join(workdir, version, "tests", module)
    dest = os.path.join(ROOT, "schema", "tests", "fixtures", "django_non_atomic", module)
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(os.path.join(src, "migrations"), os.path.join(dest, "migrations"))
    oracle = json.load(open(os.path.join(src, "oracle.json")))
    dump(os.path.join(dest, "schema_migrate.json"), oracle["schema_migrate"])
    dump(os.path.join(dest, "history_migrate.json"), oracle["history_migrate"])
    dump(os.path.join(dest, "migrate_error.json"), oracle["migrate"])
    print("exported", module, "to", dest)
open(os.path.join(ROOT, "schema", "tests", "fixtures", "django_non_atomic", "README.md"), "w").write(
    "# Real Django on its own non-atomic test migrations\n\n"
    "`tests/migrations/test_migrations_non_atomic` and `test_migrations_atomic_operation` of the\n"
    "Django sdist (their RunPython raises on purpose), dumped to our JSON format, and what\n"
    "Django's `migrate` left: `schema_migrate.json` (sqlite_master), `history_migrate.json`\n"
    "(django_migrations rows, in order), `migrate_error.json` (the error it raised).\n"
    "Regenerate with `python3 tools/django/differential.py --corpus tests,golden --only non_atomic` ...\n"
    "then `python3 tools/django/export_golden.py` (which needs the golden corpora too).\n"
)
