"""Plain-SQL ``as_sqlite`` for the ORM functions that Django's SQLite backend
implements with Python functions registered on the connection (``COT``,
``RAND``, ``REPEAT``, ``LPAD``, ``RPAD``, ``REVERSE``, ``BITXOR``, ``STDDEV_*``,
``VAR_*``, and ``CEILING``/``FLOOR``/``MOD``/``PI``/``DEGREES``/``RADIANS``
where the server lacks SQLite's math functions).

:func:`install` wraps each class's ``as_sqlite``: a connection whose
``sqlport_pure_sql`` is true (a remote sqlport connection) gets the SQL below;
every other connection, sqlport's local ones and Django's own backend included,
gets Django's SQL unchanged.
"""

from django.core.exceptions import FieldError
from django.db.models import aggregates
from django.db.models.functions import math, text

_installed = False


def _compile_args(node, compiler, connection):
    parts = [compiler.compile(arg) for arg in node.get_source_expressions()]
    return [p[0] for p in parts], [x for p in parts for x in p[1]]


def _bound(node, compiler, connection, body, names="abcdefgh"):
    """``(SELECT body FROM (SELECT arg0 AS a, arg1 AS b, ...))``: each argument
    is evaluated (and its parameters bound) once."""
    sqls, params = _compile_args(node, compiler, connection)
    cols = ", ".join(f"{sql} AS {names[i]}" for i, sql in enumerate(sqls))
    return f"(SELECT {body.replace('%', '%%')} FROM (SELECT {cols}))", params


def _repeat_sql(s, n):
    # n copies of s: n zero characters from a hex-quoted zeroblob, each replaced by s.
    return f"replace(substr(quote(zeroblob(({n} + 1) / 2)), 3, {n}), '0', {s})"


def _cot(self, compiler, connection, **extra):
    return _bound(self, compiler, connection, "1 / tan(a)")


def _random(self, compiler, connection, **extra):
    return "(random() / 18446744073709551616.0 + 0.5)", []


def _repeat(self, compiler, connection, **extra):
    return _bound(self, compiler, connection, f"CASE WHEN a IS NULL OR b IS NULL THEN NULL ELSE {_repeat_sql('a', 'b')} END")


def _pad(left):
    def as_sql(self, compiler, connection, **extra):
        filler = f"substr({_repeat_sql('c', 'b')}, 1, b - length(a))"
        padded = f"{filler} || a" if left else f"a || {filler}"
        body = (
            "CASE WHEN a IS NULL OR b IS NULL OR c IS NULL THEN NULL "
            f"WHEN b <= length(a) THEN substr(a, 1, b) ELSE {padded} END"
        )
        return _bound(self, compiler, connection, body)

    return as_sql


def _reverse(self, compiler, connection, **extra):
    body = (
        "(WITH RECURSIVE r(i, out) AS (SELECT length(a), '' UNION ALL "
        "SELECT i - 1, out || substr(a, i, 1) FROM r WHERE i > 0) "
        "SELECT CASE WHEN a IS NULL THEN NULL ELSE out END FROM r WHERE i = 0)"
    )
    return _bound(self, compiler, connection, body)


def _variance(sample, root):
    def as_sql(self, compiler, connection, **extra):
        connection.ops.check_expression_support(self)
        (expr,) = self.get_source_expressions()[:1]
        sql, params = compiler.compile(expr)
        if self.filter is not None:
            fsql, fparams = compiler.compile(self.filter)
            sql, params = f"CASE WHEN {fsql} THEN {sql} ELSE NULL END", (*fparams, *params)
        e = f"(1.0 * ({sql}))"
        n = f"COUNT({e})"
        var = f"((SUM({e} * {e}) - SUM({e}) * SUM({e}) / {n}) / ({n}{' - 1' if sample else ''}))"
        uses = 7 if sample else 6
        if root:
            # A variance a hair below zero from rounding is zero.
            var = f"sqrt(max({var}, 0))"
            uses += 0
        return var, tuple(params) * uses

    return as_sql


def _ceil(self, compiler, connection, **extra):
    return _bound(self, compiler, connection, "CASE WHEN a = CAST(a AS INTEGER) THEN CAST(a AS INTEGER) WHEN a > 0 THEN CAST(a AS INTEGER) + 1 ELSE CAST(a AS INTEGER) END")


def _floor(self, compiler, connection, **extra):
    return _bound(self, compiler, connection, "CASE WHEN a = CAST(a AS INTEGER) THEN CAST(a AS INTEGER) WHEN a > 0 THEN CAST(a AS INTEGER) ELSE CAST(a AS INTEGER) - 1 END")


def _mod(self, compiler, connection, **extra):
    return _bound(self, compiler, connection, "a - b * CAST(a / b AS INTEGER)")


def _pi(self, compiler, connection, **extra):
    return "3.141592653589793", []


def _degrees(self, compiler, connection, **extra):
    return _bound(self, compiler, connection, "a * 180.0 / 3.141592653589793")


def _radians(self, compiler, connection, **extra):
    return _bound(self, compiler, connection, "a * 3.141592653589793 / 180.0")


def _wrap(cls, pure, needs_no_math=False):
    original = getattr(cls, "as_sqlite", None)

    def as_sqlite(self, compiler, connection, **extra_context):
        if getattr(connection, "sqlport_pure_sql", False) and (
            not needs_no_math or not connection.features.sqlport_math_functions
        ):
            sql, params = pure(self, compiler, connection, **extra_context)
            # As Django's SQLiteNumericMixin: a decimal result compares as a number.
            try:
                decimal = self.output_field.get_internal_type() == "DecimalField"
            except FieldError:
                decimal = False
            if decimal:
                sql = f"CAST({sql} AS NUMERIC)"
            return sql, params
        if original is not None:
            return original(self, compiler, connection, **extra_context)
        return self.as_sql(compiler, connection, **extra_context)

    cls.as_sqlite = as_sqlite


def install():
    """Install the plain-SQL variants (idempotent)."""
    global _installed
    if _installed:
        return
    _installed = True
    _wrap(math.Cot, _cot)
    _wrap(math.Random, _random)
    _wrap(text.Repeat, _repeat)
    _wrap(text.LPad, _pad(left=True))
    _wrap(text.RPad, _pad(left=False))
    _wrap(text.Reverse, _reverse)
    _wrap(aggregates.Variance, lambda self, c, conn, **e: _variance(self.function == "VAR_SAMP", False)(self, c, conn, **e))
    _wrap(aggregates.StdDev, lambda self, c, conn, **e: _variance(self.function == "STDDEV_SAMP", True)(self, c, conn, **e))
    _wrap(math.Ceil, _ceil, needs_no_math=True)
    _wrap(math.Floor, _floor, needs_no_math=True)
    _wrap(math.Mod, _mod, needs_no_math=True)
    _wrap(math.Pi, _pi, needs_no_math=True)
    _wrap(math.Degrees, _degrees, needs_no_math=True)
    _wrap(math.Radians, _radians, needs_no_math=True)
