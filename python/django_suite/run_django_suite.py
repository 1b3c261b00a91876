#!/usr/bin/env python3
"""Run Django's own test suite against sqlport's Django backend and print one
table: passed / failed / errors / skipped per test app and setting, with the
time each took.

Settings (choose with --settings, default all):
  a  stock     Django's own sqlite3 backend (in-memory test database)
  b  local     sqlport.django on a local file
  c  http      sqlport.django over HTTP against the reference server
               (sqlport-conformance serve, one per database alias)
  d  sqld      sqlport.django over HTTP against real sqld (SQLPORT_SQLD)
  e  old       django-libsql-backend 0.1.3 (remote mode) against sqld

Needs: a Python with Django 5.2.x and the sqlport package installed (the
venv this script runs in), Django's source distribution (its tests/ and
runtests.py; --django-src, or downloaded with pip into --work), the
reference server binary (--server-bin, or target/release/sqlport-conformance)
and, for d and e, sqld (SQLPORT_SQLD). For e, django-libsql-backend==0.1.3
must be installed in the same venv.

    python run_django_suite.py --apps basic,transactions --settings a,b,c
"""

import argparse
import json
import os
import pathlib
import re
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parents[1]
DJANGO_VERSION = "5.2.19"
DEFAULT_APPS = (
    "basic backends transactions transaction_hooks migrations schema queries model_fields "
    "expressions lookup aggregation db_functions datetimes dates bulk_create introspection inspectdb"
).split()
LABELS = {
    "a": "(a) stock sqlite3",
    "b": "(b) sqlport local file",
    "c": "(c) sqlport HTTP ref. server",
    "d": "(d) sqlport HTTP sqld",
    "e": "(e) django-libsql-backend 0.1.3 on sqld",
}

SETTINGS_TEMPLATE = """\
DATABASES = {databases!r}
SECRET_KEY = "django_tests_secret_key"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
USE_TZ = False
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url, proc, deadline_s=60):
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {deadline_s}s")


class Servers:
    """Servers started for one setting; stopped by stop()."""

    def __init__(self):
        self.procs = []

    def reference(self, binary, workdir):
        proc = subprocess.Popen(
            [binary, "serve", ":memory:", "--listen", "127.0.0.1:0", "--idle-timeout", "600"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )
        self.procs.append(proc)
        line = proc.stdout.readline()
        if "listening on " not in line:
            raise RuntimeError(f"reference server did not start: {line!r}")
        return line.strip().split("listening on ", 1)[1]

    def sqld(self, binary, workdir):
        port = free_port()
        db = tempfile.mkdtemp(dir=workdir, prefix="sqld-")
        proc = subprocess.Popen(
            [binary, "--no-welcome", "--db-path", os.path.join(db, "d.sqld"),
             "--http-listen-addr", f"127.0.0.1:{port}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        self.procs.append(proc)
        url = f"http://127.0.0.1:{port}"
        wait_http(url + "/health", proc)
        return url

    def stop(self):
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=15)
        self.procs = []


def databases_for(setting, args, servers, workdir):
    if setting == "a":
        return {"default": {"ENGINE": "django.db.backends.sqlite3"},
                "other": {"ENGINE": "django.db.backends.sqlite3"}}
    if setting == "b":
        return {
            alias: {"ENGINE": "sqlport.django", "NAME": os.path.join(workdir, f"{alias}.db"),
                    "TEST": {"NAME": os.path.join(workdir, f"test_{alias}.db")}}
            for alias in ("default", "other")
        }
    if setting == "c":
        return {alias: {"ENGINE": "sqlport.django", "NAME": servers.reference(args.server_bin, workdir)}
                for alias in ("default", "other")}
    if setting == "d":
        return {alias: {"ENGINE": "sqlport.django", "NAME": servers.sqld(args.sqld, workdir)}
                for alias in ("default", "other")}
    if setting == "e":
        return {alias: {"ENGINE": "django_libsql", "NAME": servers.sqld(args.sqld, workdir)}
                for alias in ("default", "other")}
    raise ValueError(setting)


SUMMARY_RAN = re.compile(r"^Ran (\d+) tests? in ([\d.]+)s", re.M)
SUMMARY_END = re.compile(r"^(OK|FAILED)(?: \((.*)\))?\s*$", re.M)


def parse(output):
    ran = SUMMARY_RAN.findall(output)
    end = SUMMARY_END.findall(output)
    if not ran or not end:
        tail = [l for l in output.strip().splitlines() if l.strip()][-1:] or ["no output"]
        return {"crashed": tail[0][:160]}
    total = int(ran[-1][0])
    counts = {"failures": 0, "errors": 0, "skipped": 0, "expected failures": 0, "unexpected successes": 0}
    for part in (end[-1][1] or "").split(","):
        if "=" in part:
            k, v = part.strip().split("=")
            counts[k] = int(v)
    passed = total - counts["failures"] - counts["errors"] - counts["skipped"] - counts["expected failures"]
    return {"ran": total, "passed": passed, "failed": counts["failures"], "errors": counts["errors"],
            "skipped": counts["skipped"], "xfail": counts["expected failures"]}


def run_app(app, settings_dir, tests_dir, timeout, log):
    env = dict(os.environ, PYTHONPATH=str(settings_dir), PYTHONUNBUFFERED="1")
    start = time.monotonic()
    try:
        proc = subprocess.run(
            [sys.executable, "runtests.py", "--settings=suite_settings", "--parallel=1",
             "--noinput", "-v", "2", app],
            cwd=tests_dir, env=env, capture_output=True, text=True, timeout=timeout,
        )
        output = proc.stdout + proc.stderr
    except subprocess.TimeoutExpired as e:
        output = (e.stdout or b"").decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
        output += f"\nTIMEOUT after {timeout}s"
    elapsed = time.monotonic() - start
    log.write_text(output)
    result = parse(output)
    result["seconds"] = round(elapsed, 1)
    return result


def django_tests(args):
    if args.django_src:
        root = pathlib.Path(args.django_src)
    else:
        root = pathlib.Path(args.work) / f"django-{DJANGO_VERSION}"
        if not root.exists():
            subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
                            f"Django=={DJANGO_VERSION}", "-d", args.work], check=True)
            with tarfile.open(pathlib.Path(args.work) / f"django-{DJANGO_VERSION}.tar.gz") as tar:
                tar.extractall(args.work, filter="data")
    tests = root / "tests"
    if not (tests / "runtests.py").exists():
        sys.exit(f"no runtests.py under {tests}")
    return tests


def cell(r):
    if "crashed" in r:
        text = r["crashed"]
        short = text if len(text) <= 70 else text[:30] + " … " + text[-36:]
        return f"did not run ({short})"
    return f"{r['passed']}/{r['failed']}/{r['errors']}/{r['skipped']} ({r['seconds']}s)"


def print_table(results, settings, apps, out=sys.stdout):
    print("\npassed/failed/errors/skipped (seconds) per app and setting", file=out)
    header = ["app"] + [LABELS[s] for s in settings]
    print("| " + " | ".join(header) + " |", file=out)
    print("|" + "---|" * len(header), file=out)
    for app in apps:
        row = [app] + [cell(results[s][app]) if app in results.get(s, {}) else "-" for s in settings]
        print("| " + " | ".join(row) + " |", file=out)
    totals = ["total"]
    for s in settings:
        rs = [r for r in results.get(s, {}).values() if "crashed" not in r]
        secs = sum(r["seconds"] for r in results.get(s, {}).values())
        totals.append("{}/{}/{}/{} ({:.0f}s)".format(*(sum(r[k] for r in rs) for k in ("passed", "failed", "errors", "skipped")), secs))
    print("| " + " | ".join(totals) + " |", file=out)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--apps", default=",".join(DEFAULT_APPS))
    p.add_argument("--settings", default="a,b,c,d,e")
    p.add_argument("--django-src", help="extracted Django sdist (holds tests/)")
    p.add_argument("--work", default=str(pathlib.Path(tempfile.gettempdir()) / "sqlport-django-suite"))
    p.add_argument("--server-bin", default=os.environ.get("SQLPORT_REFERENCE_SERVER", str(REPO / "target" / "release" / "sqlport-conformance")))
    p.add_argument("--sqld", default=os.environ.get("SQLPORT_SQLD"))
    p.add_argument("--timeout", type=int, default=3600, help="seconds per app run")
    p.add_argument("--json", help="write the results here too")
    p.add_argument("--merge", nargs="+", metavar="JSON",
                   help="print one table from results saved with --json (later files win), run nothing")
    p.add_argument("--require-pass", action="store_true",
                   help="exit non-zero if any run had failures or errors or did not run")
    args = p.parse_args()
    apps = [a for a in args.apps.split(",") if a]
    settings = [s for s in args.settings.split(",") if s]
    if args.merge:
        merged = {}
        for path in args.merge:
            for setting, rows in json.loads(pathlib.Path(path).read_text()).items():
                merged.setdefault(setting, {}).update(rows)
        print_table(merged, [s for s in settings if s in merged], apps)
        return
    os.makedirs(args.work, exist_ok=True)
    tests_dir = django_tests(args)
    results = {}
    for setting in settings:
        if setting in ("d", "e") and not args.sqld:
            print(f"SKIP setting {setting}: SQLPORT_SQLD is not set", flush=True)
            continue
        results[setting] = {}
        for app in apps:
            workdir = tempfile.mkdtemp(dir=args.work, prefix=f"{setting}-{app}-")
            servers = Servers()
            try:
                dbs = databases_for(setting, args, servers, workdir)
                settings_dir = pathlib.Path(workdir)
                (settings_dir / "suite_settings.py").write_text(SETTINGS_TEMPLATE.format(databases=dbs))
                r = run_app(app, settings_dir, tests_dir, args.timeout, settings_dir / "output.log")
            finally:
                servers.stop()
            results[setting][app] = r
            print(f"[{LABELS[setting]}] {app}: {cell(r)}  log: {workdir}/output.log", flush=True)
    print_table(results, settings, apps)
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(results, indent=2))
    if args.require_pass:
        bad = [(s, a) for s in results for a, r in results[s].items()
               if "crashed" in r or r["failed"] or r["errors"]]
        if bad:
            print("FAILED runs: " + ", ".join(f"{s}:{a}" for s, a in bad))
            sys.exit(1)


if __name__ == "__main__":
    main()
