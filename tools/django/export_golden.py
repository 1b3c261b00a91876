#!/usr/bin/env python3
"""Copies the golden project's Django output into schema/tests/fixtures/django_ops/.

    python3 tools/django/differential.py --corpus golden     # runs real Django
    python3 tools/django/export_golden.py [WORKDIR] [VERSION]

Writes migrations/ops/*.json (Django's deconstruct(), our format), sql/<name>.sql and
sql/<name>.backwards.sql (Django's sqlmigrate; `.error` when Django refuses), and
schema_migrate.json (sqlite_master after Django's migrate).
"""

import json
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
workdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target", "django-diff")
version = sys.argv[2] if len(sys.argv) > 2 else "5.1.15"
src = os.path.join(workdir, version, "golden")
dest = os.path.join(ROOT, "schema", "tests", "fixtures", "django_ops")
shutil.rmtree(dest, ignore_errors=True)
shutil.copytree(os.path.join(src, "migrations"), os.path.join(dest, "migrations"))
os.makedirs(os.path.join(dest, "sql"))
oracle = json.load(open(os.path.join(src, "oracle.json")))
for key, r in oracle["migrations"].items():
    app, name = key.split(".", 1)
    if app != "ops":
        continue
    for direction, suffix in (("forwards", ""), ("backwards", ".backwards")):
        t = r[direction]
        if "text" in t:
            open(os.path.join(dest, "sql", f"{name}{suffix}.sql"), "w").write(t["text"])
        else:
            open(os.path.join(dest, "sql", f"{name}{suffix}.error"), "w").write(t["error"] + "\n")
json.dump(oracle["schema_migrate"], open(os.path.join(dest, "schema_migrate.json"), "w"), indent=0)
open(os.path.join(dest, "README.md"), "w").write(
    f"# Golden output of real Django {oracle['django']} for the operations added in issue 13\n\n"
    "Source: `tools/django/golden_project/ops/migrations/*.py`. Regenerate with\n"
    "`python3 tools/django/differential.py --corpus golden && python3 tools/django/export_golden.py`.\n\n"
    "- `migrations/ops/*.json`: the migrations dumped with Django's loader and deconstruct().\n"
    "- `sql/NAME.sql`, `sql/NAME.backwards.sql`: `sqlmigrate ops NAME [--backwards]` with the\n"
    "  database at the migration before (after, backwards); `.error`: Django refuses.\n"
    "- `schema_migrate.json`: sqlite_master after `migrate` (type, name, tbl_name, sql).\n"
)
print("exported to", dest)
