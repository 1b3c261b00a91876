"""Dump Django migrations into sqlport's JSON migration format (schema/FORMAT.md).

Runs inside a Django environment (DJANGO_SETTINGS_MODULE set). Every migration the loader
finds on disk is written with Django's own deconstruct() of each operation, field, index,
constraint and expression, as OUT/<app>/<name>.json.

    python dump_migrations.py OUT [APP ...]
"""

import datetime
import decimal
import enum
import inspect
import json
import os
import sys
import uuid

import django
from django.db import models
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations.base import Operation
from django.db.migrations.operations.special import RunPython
from django.db.models.expressions import (
    Combinable,
    CombinedExpression,
    F,
    Func,
    OrderBy,
    RawSQL,
    Value,
)
from django.db.models import Q


class Unsupported(Exception):
    """Something this dumper does not transcribe."""


def callable_name(f):
    if f is RunPython.noop or getattr(f, "__func__", None) is RunPython.noop:
        return "django.db.migrations.operations.special.RunPython.noop"
    module = getattr(f, "__module__", "") or ""
    qual = getattr(f, "__qualname__", getattr(f, "__name__", repr(f)))
    return f"{module}.{qual}" if module else qual


def scalar(v):
    """A Python value as JSON (lookup right-hand sides, defaults, params)."""
    if isinstance(v, enum.Enum):
        v = v.value
    if v is None or isinstance(v, (bool, int, str)):
        return v
    if isinstance(v, float):
        return v
    if isinstance(v, decimal.Decimal):
        return str(v)
    if isinstance(v, uuid.UUID):
        return v.hex
    if isinstance(v, (datetime.datetime, datetime.date, datetime.time)):
        return v.isoformat()
    if isinstance(v, datetime.timedelta):
        return int(v / datetime.timedelta(microseconds=1))
    if isinstance(v, (bytes, bytearray, memoryview)):
        return {"bytes_hex": bytes(v).hex()}
    if isinstance(v, F):
        return {"f": v.name}
    if isinstance(v, (list, tuple)):
        return [scalar(x) for x in v]
    if isinstance(v, dict):
        return {str(k): scalar(x) for k, x in v.items()}
    raise Unsupported(f"value {v!r}")


def loose(v):
    """Python-only arguments (choices, validators...): any JSON that keeps them apart."""
    try:
        return scalar(v)
    except Unsupported:
        if callable(v):
            return {"callable": callable_name(v)}
        if isinstance(v, (list, tuple)):
            return [loose(x) for x in v]
        if isinstance(v, dict):
            return {str(k): loose(x) for k, x in v.items()}
        return repr(v)


def typed(e, out):
    """`out` with the expression's output field when SQLite's SQL depends on it: given
    explicitly (`output_field=`), or a `Value` of a Decimal (`SQLiteNumericMixin`)."""
    f = e.__dict__.get("output_field")
    if f is None and isinstance(e, Value) and isinstance(e.value, decimal.Decimal):
        f = models.DecimalField()
    if f is not None:
        out["output_field"] = type(f).__name__
    return out


def expr(e):
    if isinstance(e, str):
        return e
    if isinstance(e, F):
        return {"f": e.name}
    if isinstance(e, Value):
        return typed(e, {"value": scalar(e.value)})
    if isinstance(e, OrderBy):
        inner = expr(e.expression)
        return {"desc": inner} if e.descending else inner
    if isinstance(e, CombinedExpression):
        return typed(e, {"op": e.connector, "lhs": expr(e.lhs), "rhs": expr(e.rhs)})
    if isinstance(e, RawSQL):
        if e.params:
            raise Unsupported("RawSQL with params")
        return {"sql": e.sql, "repr": str(e)}
    if isinstance(e, Func) and type(e).__module__.startswith("django.db.models.functions"):
        name = type(e).__name__
        if name in ("Cast", "Collate") or name.startswith(("Extract", "Trunc")):
            # Their SQL depends on what this format does not carry (output field,
            # collation, time zone settings).
            raise Unsupported(f"function {name}")
        if e.extra:
            raise Unsupported(f"function with extra {e!r}")
        return typed(e, {"func": type(e).__name__, "args": [expr(a) for a in e.get_source_expressions()]})
    raise Unsupported(f"expression {e!r}")


def q(c):
    if isinstance(c, Q):
        return {
            "children": [q(x) for x in c.children],
            "connector": c.connector,
            "negated": c.negated,
        }
    if isinstance(c, tuple) and len(c) == 2:
        return [c[0], scalar(c[1])]
    raise Unsupported(f"condition {c!r}")


def db_default(v):
    if isinstance(v, Value):
        return {"value": scalar(v.value)}
    if hasattr(v, "resolve_expression"):
        return expr(v)
    if isinstance(v, (dict, list)):
        return {"json": scalar(v)}
    return scalar(v)


def default(v):
    if callable(v):
        if v is dict:
            return {"callable": "dict"}
        if v is list:
            return {"callable": "list"}
        return {"callable": callable_name(v)}
    if isinstance(v, (dict, list)):
        return scalar(v)
    return scalar(v)


def field(f):
    _name, path, args, kwargs = f.deconstruct()
    if args:
        raise Unsupported(f"positional field arguments {args!r}")
    out = {"class": path.rsplit(".", 1)[-1]}
    if not path.startswith("django.db.models"):
        raise Unsupported(f"custom field {path}")
    for k, v in kwargs.items():
        if k == "to":
            out[k] = v if isinstance(v, str) else v._meta.label_lower
        elif k == "through":
            out[k] = v if isinstance(v, str) else v._meta.label_lower
        elif k == "on_delete":
            out[k] = getattr(v, "__name__", repr(v))
        elif k == "default":
            out[k] = default(v)
        elif k == "db_default":
            out[k] = db_default(v)
        elif k == "expression":
            out[k] = expr(v)
        elif k == "output_field":
            out[k] = field(v)
        elif k in ("to_field", "db_column", "db_collation", "db_table", "db_tablespace", "related_name", "related_query_name"):
            out[k] = v
        elif k in ("null", "blank", "unique", "db_index", "primary_key", "db_constraint",
                   "max_length", "max_digits", "decimal_places", "auto_now", "auto_now_add",
                   "db_persist", "auto_created", "serialize", "editable", "symmetrical"):
            out[k] = v
        else:
            out[k] = loose(v)
    return out


def index(ix):
    path, args, kwargs = ix.deconstruct()
    out = {}
    if args:
        out["expressions"] = [expr(a) for a in args]
    for k, v in kwargs.items():
        if k == "condition":
            out[k] = q(v)
        elif k in ("fields", "name", "db_tablespace", "opclasses", "include"):
            out[k] = list(v) if isinstance(v, (list, tuple)) else v
        else:
            raise Unsupported(f"index option {k}")
    return out


def constraint(c):
    path, args, kwargs = c.deconstruct()
    out = {"type": path.rsplit(".", 1)[-1]}
    if args:
        out["expressions"] = [expr(a) for a in args]
    for k, v in kwargs.items():
        if k in ("condition", "check"):
            out[k] = q(v)
        elif k == "deferrable":
            out[k] = None if v is None else v.name
        elif k in ("fields", "include", "opclasses"):
            out[k] = list(v)
        elif k in ("name", "nulls_distinct", "violation_error_code", "violation_error_message"):
            out[k] = loose(v)
        else:
            raise Unsupported(f"constraint option {k}")
    return out


def options(o):
    out = {}
    for k, v in o.items():
        if k in ("unique_together", "index_together"):
            out[k] = [list(x) for x in v] if v and isinstance(next(iter(v)), (list, tuple)) else (list(v) if v else [])
        elif k == "indexes":
            out[k] = [index(i) for i in v]
        elif k == "constraints":
            out[k] = [constraint(c) for c in v]
        else:
            out[k] = loose(v)
    return out


def sql_code(s):
    if isinstance(s, (list, tuple)):
        items = []
        for x in s:
            if isinstance(x, (list, tuple)):
                sql, params = x
                items.append([sql, scalar(params) if params is not None else None])
            else:
                items.append(x)
        return items
    return s


def operation(op):
    name, args, kwargs = op.deconstruct()
    cls = type(op)
    if not cls.__module__.startswith("django.db.migrations.operations"):
        raise Unsupported(f"custom operation {cls.__module__}.{cls.__qualname__}")
    params = inspect.signature(cls.__init__).bind(op, *args, **kwargs).arguments
    params.pop("self", None)
    params.pop(next(iter(inspect.signature(cls.__init__).parameters)), None)
    out = {"op": name}
    for k, v in params.items():
        if k == "fields":
            out[k] = [[n, field(f)] for n, f in v]
        elif k == "field":
            out[k] = field(v)
        elif k == "options":
            out[k] = options(v)
        elif k == "index":
            out[k] = index(v)
        elif k == "constraint":
            out[k] = constraint(v)
        elif k in ("unique_together", "index_together"):
            out[k] = [list(x) for x in v] if v else []
        elif k in ("database_operations", "state_operations"):
            out[k] = [operation(o) for o in v]
        elif k in ("code", "reverse_code"):
            out[k] = None if v is None else callable_name(v)
        elif k in ("sql", "reverse_sql"):
            out[k] = None if v is None else sql_code(v)
        elif k == "bases":
            out[k] = [b if isinstance(b, str) else f"{b.__module__}.{b.__qualname__}" for b in v]
        elif k == "managers":
            out[k] = [n for n, _m in v]
        elif k == "old_fields":
            out[k] = list(v) if v else None
            if isinstance(v, list):
                out["old_fields_is_list"] = True
        else:
            out[k] = loose(v)
    return out


def migration(m):
    return {
        "app_label": m.app_label,
        "name": m.name,
        "atomic": m.atomic,
        "initial": m.initial,
        "dependencies": [[a, n] for a, n in m.dependencies],
        "run_before": [[a, n] for a, n in m.run_before],
        "replaces": [[a, n] for a, n in m.replaces],
        "operations": [operation(o) for o in m.operations],
    }


def dump(out_dir, apps=None):
    """Writes every migration on disk (of `apps`, or all); returns (written, unsupported)."""
    loader = MigrationLoader(None, ignore_no_migrations=True, replace_migrations=False)
    written, unsupported = [], []
    for (app, name), m in sorted(loader.disk_migrations.items()):
        if apps and app not in apps:
            continue
        try:
            data = migration(m)
        except Unsupported as e:
            unsupported.append(((app, name), str(e)))
            continue
        os.makedirs(os.path.join(out_dir, app), exist_ok=True)
        with open(os.path.join(out_dir, app, f"{name}.json"), "w") as f:
            json.dump(data, f, indent=1, sort_keys=False)
            f.write("\n")
        written.append((app, name))
    return written, unsupported


if __name__ == "__main__":
    django.setup()
    w, u = dump(sys.argv[1], set(sys.argv[2:]) or None)
    print(json.dumps({"written": len(w), "unsupported": [[list(k), why] for k, why in u]}))
