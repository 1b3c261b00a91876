"""SQL generation: Django's SQLite operations; on remote connections, the
operations that Django implements with Python functions registered on the
connection are written in plain SQLite SQL instead (see :mod:`.puresql`)."""

import functools
import re

from django.db import NotSupportedError
from django.db.backends.sqlite3.operations import DatabaseOperations as _Base
from django.utils.functional import cached_property

from . import puresql

_MARK = "\x00"


def _expand(template, sql, params):
    """Fill ``template`` (built around the marker) with ``sql``: literal ``%``
    are escaped for Django's parameter conversion, and the parameters are
    repeated once per use of ``sql``."""
    template = template.replace("%", "%%")
    count = template.count(_MARK)
    return template.replace(_MARK, sql), tuple(params) * count


def _bind(names_sql, body):
    """``(SELECT body FROM (SELECT e1 AS n1, ...))``: each operand is evaluated
    (and its parameters bound) once, however often ``body`` uses it."""
    cols = ", ".join(f"{sql} AS {name}" for name, sql in names_sql)
    return f"(SELECT {body.replace('%', '%%')} FROM (SELECT {cols}))"


class DatabaseOperations(_Base):
    """Django's SQLite operations, in plain SQL on remote connections."""

    @property
    def _pure(self):
        return getattr(self.connection, "sqlport_pure_sql", False)

    def _tz(self, tzname):
        return self._convert_tznames_to_sql(tzname)

    def date_extract_sql(self, lookup_type, sql, params):
        if not self._pure:
            return super().date_extract_sql(lookup_type, sql, params)
        return _expand(puresql.extract(lookup_type, _MARK), sql, params)

    def date_trunc_sql(self, lookup_type, sql, params, tzname=None):
        if not self._pure:
            return super().date_trunc_sql(lookup_type, sql, params, tzname)
        local = puresql.localize(_MARK, *self._tz(tzname))
        return _expand(puresql.trunc(lookup_type, local, with_time=False), sql, params)

    def time_trunc_sql(self, lookup_type, sql, params, tzname=None):
        if not self._pure:
            return super().time_trunc_sql(lookup_type, sql, params, tzname)
        local = puresql.localize(_MARK, *self._tz(tzname))
        template = (
            f"CASE WHEN {_MARK} LIKE '____-__-__%' THEN {puresql.time_trunc(lookup_type, local)} "
            f"ELSE {puresql.time_trunc(lookup_type, _MARK)} END"
        )
        return _expand(template, sql, params)

    def datetime_cast_date_sql(self, sql, params, tzname):
        if not self._pure:
            return super().datetime_cast_date_sql(sql, params, tzname)
        return _expand(f"date({puresql.localize(_MARK, *self._tz(tzname))})", sql, params)

    def datetime_cast_time_sql(self, sql, params, tzname):
        if not self._pure:
            return super().datetime_cast_time_sql(sql, params, tzname)
        return _expand(puresql.cast_time(puresql.localize(_MARK, *self._tz(tzname))), sql, params)

    def datetime_extract_sql(self, lookup_type, sql, params, tzname):
        if not self._pure:
            return super().datetime_extract_sql(lookup_type, sql, params, tzname)
        local = puresql.localize(_MARK, *self._tz(tzname))
        return _expand(puresql.extract(lookup_type, local), sql, params)

    def datetime_trunc_sql(self, lookup_type, sql, params, tzname):
        if not self._pure:
            return super().datetime_trunc_sql(lookup_type, sql, params, tzname)
        local = puresql.localize(_MARK, *self._tz(tzname))
        return _expand(puresql.trunc(lookup_type, local, with_time=True), sql, params)

    def time_extract_sql(self, lookup_type, sql, params):
        if not self._pure:
            return super().time_extract_sql(lookup_type, sql, params)
        return _expand(puresql.extract(lookup_type, _MARK), sql, params)

    def combine_expression(self, connector, sub_expressions):
        if self._pure and connector == "#":
            lhs, rhs = sub_expressions
            return _bind([("l", lhs), ("r", rhs)], "(l | r) - (l & r)")
        return super().combine_expression(connector, sub_expressions)

    def combine_duration_expression(self, connector, sub_expressions):
        if not self._pure:
            return super().combine_duration_expression(connector, sub_expressions)
        if connector not in ("+", "-", "*", "/"):
            return super().combine_duration_expression(connector, sub_expressions)
        lhs, rhs = sub_expressions
        if connector == "*":
            return f"({lhs}) * ({rhs})"
        if connector == "/":
            return f"CAST({lhs} AS REAL) / ({rhs})"
        body = puresql.dtdelta(connector, "l", "r")
        return _bind([("l", lhs), ("r", rhs)], body)

    def subtract_temporals(self, internal_type, lhs, rhs):
        if not self._pure:
            return super().subtract_temporals(internal_type, lhs, rhs)
        conv = puresql.time_micros if internal_type == "TimeField" else puresql.micros
        (lhs_sql, lhs_params), (rhs_sql, rhs_params) = lhs, rhs
        left, lp = _expand(conv(_MARK), lhs_sql, lhs_params)
        right, rp = _expand(conv(_MARK), rhs_sql, rhs_params)
        return f"({left} - {right})", (*lp, *rp)

    @cached_property
    def _references_graph(self):
        if not self._pure:
            return super()._references_graph
        return functools.lru_cache(maxsize=512)(self._references_graph_in_python)

    def _references_graph_in_python(self, table_name):
        """Tables that reference ``table_name``, transitively (Django runs a
        recursive query with REGEXP; here the regex runs in Python)."""
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND sql IS NOT NULL")
            tables = cursor.fetchall()
        found = [table_name]
        seen = {table_name}
        i = 0
        while i < len(found):
            target = found[i]
            pattern = re.compile(r"(?i)\s+references\s+(\"|')?" + re.escape(target) + r"(\"|')?\s*\(")
            for name, sql in tables:
                if name not in seen and pattern.search(sql):
                    seen.add(name)
                    found.append(name)
            i += 1
        return found

    def check_expression_support(self, expression):
        super().check_expression_support(expression)
        if self._pure:
            from django.db.models.functions import MD5, SHA1, SHA224, SHA256, SHA384, SHA512

            if isinstance(expression, (MD5, SHA1, SHA224, SHA256, SHA384, SHA512)):
                raise NotSupportedError(
                    f"{type(expression).__name__} needs a Python function on the connection, "
                    "which a remote libSQL server cannot call."
                )
