#!/usr/bin/env python3
"""Differential test of sqlport's schema layer against real Django.

For each corpus (a Django project's migrations), real Django (in a venv made from PyPI)
dumps the migrations into our JSON format and records what `sqlmigrate` prints forwards and
backwards and the schema `migrate` leaves; then the `sqlport` binary does the same from the
JSON, and the two are compared byte for byte: sqlmigrate text, and sqlite_master after
migrate and after migrating back, on a local file and over HTTP (the reference server).

    python3 tools/django/differential.py [--django 5.1.15] [--ci] [--corpus contrib,tests,generated]

--ci: the contrib apps and a fixed sample; exits non-zero on any difference.
Without it: the whole corpus, counts printed (and written to WORKDIR/summary-VERSION.json).
"""

import argparse
import glob
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

CONTRIB = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.sites",
    "django.contrib.flatpages",
    "django.contrib.redirects",
]

# Migration modules of Django's own test suite used in CI (the rest outside CI): plain
# history, squashed migrations, run_before, a deleted model another one points at.
CI_SAMPLE = [
    "test_migrations",
    "test_migrations_squashed",
    "test_migrations_run_before",
    "test_migrations_no_changes",
]
# Generated projects used in CI (each makes 12 migrations of random changes): between them
# every operation and option generate.py makes (M2M, generated columns, check, partial and
# expression constraints, RenameIndex, RenameModel, AlterModelTable, AlterOrderWithRespectTo,
# DeleteModel...).
CI_GENERATED_SEEDS = [0, 10, 27]


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def venv(workdir, version):
    """A venv with Django `version` from PyPI (pinned requirements), made once."""
    path = os.path.join(workdir, f"venv-{version}")
    py = os.path.join(path, "bin", "python")
    req = os.path.join(HERE, f"requirements-{version}.txt")
    stamp = os.path.join(path, "installed.txt")
    if os.path.exists(stamp) and open(stamp).read() == open(req).read():
        return py
    subprocess.run([sys.executable, "-m", "venv", "--clear", path], check=True)
    # No .pyc compiled up front: only the modules imported get compiled (CI time).
    subprocess.run([py, "-m", "pip", "install", "-q", "--no-compile", "--disable-pip-version-check",
                    "-r", req], check=True)
    shutil.copy(req, stamp)
    return py


def django_tests(workdir, py, version):
    """The `tests/` folder of the Django sdist from PyPI (extracted once)."""
    dest = os.path.join(workdir, f"django-{version}-tests")
    if os.path.isdir(os.path.join(dest, "migrations")):
        return dest
    sdist_dir = os.path.join(workdir, "sdist")
    subprocess.run(
        [py, "-m", "pip", "download", "-q", f"Django=={version}", "--no-deps",
         "--no-binary", ":all:", "-d", sdist_dir],
        check=True,
    )
    tgz = glob.glob(os.path.join(sdist_dir, f"[dD]jango-{version}.tar.gz"))[0]
    prefix = f"django-{version}/tests/"
    with tarfile.open(tgz) as t:
        members = [m for m in t.getmembers() if m.name.startswith(prefix + "migrations")]
        for m in members:
            m.name = m.name[len(prefix):]
        t.extractall(dest, members=members, filter="data")
    return dest


def corpora(args, tests_dir):
    """(name, spec) for every corpus selected."""
    out = []
    kinds = args.corpus.split(",")
    if "contrib" in kinds:
        out.append(("contrib", {"installed_apps": CONTRIB}))
    if "tests" in kinds and tests_dir:
        modules = sorted(
            os.path.basename(p)
            for p in glob.glob(os.path.join(tests_dir, "migrations", "test_migrations*"))
            if os.path.isdir(p)
        )
        if args.ci:
            modules = [m for m in modules if m in CI_SAMPLE]
        for mod in modules:
            out.append((f"tests/{mod}", {
                "installed_apps": ["django.contrib.contenttypes", "django.contrib.auth", "migrations"],
                "migration_modules": {"migrations": f"migrations.{mod}"},
                "sys_path": [tests_dir],
                # contenttypes and auth are only there for the modules that need them (the
                # contrib corpus compares them): compare the module's own app.
                "compare_apps": ["migrations"],
            }))
    if "golden" in kinds:
        # The golden projects (schema/tests/fixtures/django_ops, django_followup,
        # django_numeric).
        for name, app in (("golden", "ops"), ("golden_followup", "followup"),
                          ("golden_numeric", "numeric")):
            out.append((name, {
                "installed_apps": [app],
                "sys_path": [os.path.join(HERE, "golden_project")],
            }))
    if "generated" in kinds:
        seeds = CI_GENERATED_SEEDS if args.ci else range(args.seed_start, args.seed_start + args.generated)
        for seed in seeds:
            out.append((f"generated/{seed}", {
                "installed_apps": ["gen"],
                "generate": {"seed": seed, "migrations": args.generated_migrations},
            }))
    return out


NOW = re.compile(r"'\d{4}-\d\d-\d\d( \d\d:\d\d:\d\d(\.\d{6})?)?'|'\d\d:\d\d:\d\d(\.\d{6})?'")
UUID = re.compile(r"'[0-9a-f]{32}'")


def norm_text(t):
    """Values taken from the clock or uuid4 when the SQL was made differ run to run."""
    return UUID.sub("'<uuid4>'", NOW.sub("'<now>'", t))


def norm_schema(rows):
    return [tuple(r) for r in rows]


def db_schema(path):
    con = sqlite3.connect(path)
    try:
        return [tuple(r) for r in con.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name")]
    finally:
        con.close()


class Server:
    """The reference Hrana server on a free loopback port, backed by `path`."""

    def __init__(self, binary, path):
        self.p = subprocess.Popen(
            [binary, "serve", path, "--listen", "127.0.0.1:0"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        self.url = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = self.p.stdout.readline()
            if not line:
                break
            m = re.search(r"listening on (http://\S+)", line)
            if m:
                self.url = m.group(1)
                break
        if not self.url:
            self.stop()
            raise RuntimeError("reference server did not start")

    def stop(self):
        self.p.terminate()
        try:
            self.p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()


def compare(name, out, sqlport, server_bin):
    """Compares our output with the oracle's; returns a dict of counts and differences."""
    oracle = json.load(open(os.path.join(out, "oracle.json")))
    mdir = os.path.join(out, "migrations")
    res = {"sql_same": 0, "sql_diff": 0, "refused_both": 0, "unsupported": len(oracle["unsupported"]),
           "differences": [], "schema": {}}
    unsupported = {k for k, _ in oracle["unsupported"]}
    for key, r in oracle["migrations"].items():
        app, mig = key.split(".", 1)
        for direction in ("forwards", "backwards"):
            if key in unsupported:
                continue
            cmd = [sqlport, "sqlmigrate", app, mig, "-m", mdir]
            if direction == "backwards":
                cmd.append("--backwards")
            p = run(cmd)
            theirs = r[direction]
            if "error" in theirs and "Found wrong number" in theirs["error"]:
                if p.returncode != 0 and "found wrong number" in p.stderr:
                    # The index Django looks up is not in the database just before (after)
                    # the migration, and not in ours replayed from the history either.
                    res["refused_both"] += 1
                    continue
                # Django introspected the walk's database and did not find an index the
                # history says is there (test fixtures whose walk could not apply the
                # history, e.g. conflicting leaves): a refusal that depends on that
                # database, not on the migration. Not comparable.
                res["django_db_refused"] = res.get("django_db_refused", 0) + 1
                continue
            if "error" in theirs:
                if p.returncode != 0:
                    res["refused_both"] += 1
                else:
                    res["sql_diff"] += 1
                    res["differences"].append({"what": f"{key} {direction}", "django": theirs["error"], "ours": p.stdout})
                continue
            ours = p.stdout if p.returncode == 0 else f"ERROR: {p.stderr}"
            if norm_text(ours) == norm_text(theirs["text"]):
                res["sql_same"] += 1
            else:
                res["sql_diff"] += 1
                res["differences"].append({"what": f"{key} {direction}", "django": theirs["text"], "ours": ours})
    if unsupported:
        # The schema needs every migration.
        res["schema"] = {"skipped": "some migrations could not be dumped"}
        return res
    django_ok = "error" not in oracle["migrate"]
    if not django_ok and oracle["migrate"]["error"].startswith("RuntimeError"):
        # Django's migrate failed in the migrations' own Python code (RunPython raising):
        # nothing schema-related to compare (our handlers are no-ops here).
        res["schema"] = {"skipped": "Django's migrate failed in RunPython code: " + oracle["migrate"]["error"][:120]}
        return res
    for transport in ("local", "http"):
        path = os.path.join(out, f"ours-{transport}.sqlite3")
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
        server = Server(server_bin, path) if transport == "http" else None
        target = server.url if server else path
        try:
            p = run([sqlport, "migrate", "-m", mdir, "-d", target, "--noop-handler", "*"])
            ok = p.returncode == 0
            if server:
                # Read the file through SQLite after the server checkpointed on close.
                pass
            after = db_schema(path) if ok else None
            back_ok = True
            back_refused = False
            if ok:
                for app, tgt, theirs in oracle["back_targets"]:
                    before = db_schema(path)
                    q = run([sqlport, "migrate", app, tgt, "-m", mdir, "-d", target, "--noop-handler", "*"])
                    # Both succeed, or both refuse (an irreversible operation, or SQLite
                    # failing a statement of both).
                    back_ok &= (q.returncode == 0) == ("error" not in theirs)
                    if q.returncode != 0 and "error" in theirs:
                        # Django keeps the migrations it unapplied before the failure (one
                        # transaction each); our plan is atomic: the database must be as it
                        # was, and Django's partial state is not comparable.
                        back_refused = True
                        back_ok &= db_schema(path) == before
            back = db_schema(path) if ok else None
        finally:
            if server:
                server.stop()
        same_m = ok == django_ok and (not ok or after == norm_schema(oracle["schema_migrate"]))
        same_b = back_ok and (not ok or back_refused or back == norm_schema(oracle["schema_back"]))
        res["schema"][transport] = {
            "migrate": "same" if same_m else "different",
            "back": ("different" if not same_b
                     else "refused by both (ours unchanged: atomic)" if back_refused else "same"),
        }
        if not same_m:
            res["differences"].append({"what": f"schema after migrate ({transport})",
                                       "django": oracle["schema_migrate"], "ours": after if ok else p.stderr})
        if not same_b:
            res["differences"].append({"what": f"schema after migrating back ({transport})",
                                       "django": oracle["schema_back"], "ours": back})
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--django", default="5.1.15", choices=["5.1.15", "5.2.19"])
    ap.add_argument("--corpus", default="contrib,tests,generated")
    ap.add_argument("--ci", action="store_true")
    ap.add_argument("--generated", type=int, default=40, help="generated projects outside CI")
    ap.add_argument("--seed-start", type=int, default=0, help="first seed of the generated projects")
    ap.add_argument("--generated-migrations", type=int, default=12,
                    help="migrations per generated project")
    ap.add_argument("--workdir", default=os.path.join(ROOT, "target", "django-diff"))
    ap.add_argument("--only", default="", help="only corpora whose name contains this")
    ap.add_argument("--sqlport", help="the sqlport binary to test (default: cargo build -p sqlport-cli)")
    ap.add_argument("--server", help="the sqlport-conformance binary (the reference server; "
                                     "default: cargo build -p sqlport-conformance)")
    args = ap.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    started = time.monotonic()
    sqlport, server_bin = args.sqlport, args.server
    for path, package in ((sqlport, "sqlport-cli"), (server_bin, "sqlport-conformance")):
        if path is None:
            # One package per build: the features are those of `cargo build -p PACKAGE`.
            subprocess.run(["cargo", "build", "-q", "-p", package], cwd=ROOT, check=True)
        elif not os.access(path, os.X_OK):
            sys.exit(f"{path}: not an executable")
    sqlport = sqlport or os.path.join(ROOT, "target", "debug", "sqlport")
    server_bin = server_bin or os.path.join(ROOT, "target", "debug", "sqlport-conformance")
    py = venv(args.workdir, args.django)
    tests_dir = django_tests(args.workdir, py, args.django) if "tests" in args.corpus else None
    totals = {"corpora": 0, "load_refused": 0, "sql_same": 0, "sql_diff": 0, "refused_both": 0,
              "unsupported": 0, "schema_same": 0, "schema_diff": 0, "schema_skipped": 0}
    report = {}
    timing = {"setup": time.monotonic() - started, "django": 0.0, "sqlport": 0.0}
    for name, spec in corpora(args, tests_dir):
        if args.only and args.only not in name:
            continue
        out = os.path.join(args.workdir, args.django, name)
        shutil.rmtree(out, ignore_errors=True)
        os.makedirs(out)
        spec = dict(spec, out=out)
        if "generate" in spec:
            gen_dir = os.path.join(out, "project")
            g = run([py, os.path.join(HERE, "generate.py"), gen_dir, str(spec["generate"]["seed"]),
                     str(spec["generate"]["migrations"])])
            if g.returncode != 0:
                print(f"{name}: generator failed: {g.stderr[-2000:]}")
                totals["load_refused"] += 1
                continue
            spec["sys_path"] = [gen_dir]
        spec_path = os.path.join(out, "spec.json")
        json.dump(spec, open(spec_path, "w"))
        t0 = time.monotonic()
        o = run([py, os.path.join(HERE, "django_oracle.py"), spec_path])
        t1 = time.monotonic()
        totals["corpora"] += 1
        if o.returncode != 0:
            # Django itself refuses the project (conflicts, bad graphs: test fixtures).
            totals["load_refused"] += 1
            report[name] = {"django_refused": o.stdout[-500:] + o.stderr[-1500:]}
            print(f"{name}: Django refuses it ({(o.stderr.strip().splitlines() or ['?'])[-1][:120]})")
            continue
        r = compare(name, out, sqlport, server_bin)
        report[name] = r
        for k in ("sql_same", "sql_diff", "refused_both", "unsupported", "django_db_refused"):
            totals[k] = totals.get(k, 0) + r.get(k, 0)
        for t, v in r["schema"].items():
            if t == "skipped":
                totals.setdefault("schema_skipped_reasons", []).append(f"{name}: {v}")
                totals["schema_skipped"] += 1
            elif v["migrate"] == "same" and v["back"] == "same":
                totals["schema_same"] += 1
            elif v["migrate"] == "same" and v["back"].startswith("refused by both"):
                totals["schema_back_refused_both"] = totals.get("schema_back_refused_both", 0) + 1
            else:
                totals["schema_diff"] += 1
        t2 = time.monotonic()
        timing["django"] += t1 - t0
        timing["sqlport"] += t2 - t1
        print(f"{name}: sqlmigrate {r['sql_same']} same, {r['sql_diff']} different, "
              f"{r['refused_both']} refused by both, {r.get('django_db_refused', 0)} not comparable, "
              f"{r['unsupported']} not dumped; schema {r['schema']} "
              f"[Django {t1 - t0:.1f}s, sqlport {t2 - t1:.1f}s]")
    totals["seconds"] = round(time.monotonic() - started, 1)
    totals["seconds_split"] = {k: round(v, 1) for k, v in timing.items()}
    json.dump({"totals": totals, "report": report},
              open(os.path.join(args.workdir, f"summary-{args.django}.json"), "w"), indent=1)
    print(json.dumps({"django": args.django, **totals}))
    failed = totals["sql_diff"] or totals["schema_diff"]
    if args.ci and (failed or totals["unsupported"]):
        print("differences: see", os.path.join(args.workdir, f"summary-{args.django}.json"))
        sys.exit(1)


if __name__ == "__main__":
    main()
