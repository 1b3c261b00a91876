"""SQL for what Django's SQLite backend does with Python functions
(``django_date_extract``, ``django_datetime_trunc``, ``django_format_dtdelta``,
...), written with SQLite's own functions only, so it runs on a remote server
that cannot call back into this process.

Datetimes are stored as text ``YYYY-MM-DD HH:MM:SS[.ffffff]``. Time zones: a
zone's UTC offsets are turned into a ``CASE`` over the instants where the
offset changes (from :mod:`zoneinfo`, 1900-2100), so named zones with daylight
saving time work too.
"""

import datetime
import functools
import zoneinfo

from django.db import DataError
from django.db.backends.utils import split_tzname_delta


class UnsupportedLookup(DataError, ValueError):
    """A lookup name the SQL cannot express (raised before any SQL is sent)."""


def _lit(text):
    return "'" + text.replace("'", "''") + "'"


@functools.lru_cache(maxsize=64)
def _transitions(tzname):
    """``(offset_before_first, [(utc_text, offset_seconds), ...])`` for a zone."""
    zone = zoneinfo.ZoneInfo(tzname)
    utc = datetime.timezone.utc

    def off(t):
        return int(t.astimezone(zone).utcoffset().total_seconds())

    start = datetime.datetime(1900, 1, 1, tzinfo=utc)
    end = datetime.datetime(2100, 1, 1, tzinfo=utc)
    step = datetime.timedelta(days=7)
    out = []
    first = off(start)
    t, cur = start, first
    while t < end:
        nxt = t + step
        o = off(nxt)
        if o != cur:
            lo, hi = t, nxt
            while hi - lo > datetime.timedelta(seconds=1):
                mid = lo + (hi - lo) / 2
                if off(mid) == cur:
                    lo = mid
                else:
                    hi = mid
            hi = hi.replace(microsecond=0)
            if off(hi) != o:
                hi += datetime.timedelta(seconds=1)
            out.append((hi.strftime("%Y-%m-%d %H:%M:%S"), o))
            cur = o
        t = nxt
    return first, out


def _offset_sql(utc_sql, tzname):
    """SQL for the UTC offset (seconds) of zone ``tzname`` at UTC text ``utc_sql``."""
    first, changes = _transitions(tzname)
    if not changes:
        return str(first)
    parts = ["CASE"]
    prev = first
    for at, off in changes:
        parts.append(f" WHEN {utc_sql} < '{at}' THEN {prev}")
        prev = off
    parts.append(f" ELSE {prev} END")
    return "".join(parts)


def _shift(sql, seconds_sql):
    """``sql`` shifted by ``seconds_sql`` seconds, fraction kept (text)."""
    return (
        f"(strftime('%Y-%m-%d %H:%M:%S', {sql}, ({seconds_sql}) || ' seconds') "
        f"|| CASE WHEN substr({sql}, 20, 1) = '.' THEN substr({sql}, 20) ELSE '' END)"
    )


def localize(sql, tzname, conn_tzname):
    """``sql`` (a datetime stored in ``conn_tzname``) as wall-clock text in
    ``tzname``: what ``_sqlite_datetime_parse`` does, in SQL."""
    if not tzname or tzname == conn_tzname and not any(c in tzname for c in "+-"):
        return sql
    # From the connection's zone to UTC.
    utc = sql
    if conn_tzname and conn_tzname != "UTC":
        guess = _offset_sql(sql, conn_tzname)
        utc = _shift(sql, f"-({_offset_sql(_shift(sql, f'-({guess})'), conn_tzname)})")
    name, sign, offset = split_tzname_delta(tzname)
    if offset:
        hours, minutes = offset.split(":")
        secs = int(hours) * 3600 + int(minutes) * 60
        utc = _shift(utc, str(secs if sign == "+" else -secs))
    zone = name or conn_tzname or "UTC"
    if zone == "UTC":
        return utc
    return _shift(utc, _offset_sql(utc, zone))


def _int(fmt, sql):
    return f"CAST(strftime('{fmt}', {sql}) AS INTEGER)"


def _thursday(sql):
    # The Thursday of the ISO week of sql: its year and day of year define ISO week/year.
    return f"date({sql}, '-3 days', 'weekday 4')"


def extract(lookup_type, sql):
    """``django_datetime_extract`` / ``django_date_extract`` on text ``sql``."""
    lt = lookup_type.lower()
    simple = {"year": "%Y", "month": "%m", "day": "%d", "hour": "%H", "minute": "%M", "second": "%S"}
    if lt in simple:
        return _int(simple[lt], sql)
    if lt == "week_day":
        return f"({_int('%w', sql)} + 1)"
    if lt == "iso_week_day":
        return f"((({_int('%w', sql)} + 6) % 7) + 1)"
    if lt == "week":
        return f"(({_int('%j', _thursday(sql))} - 1) / 7 + 1)"
    if lt == "iso_year":
        return _int("%Y", _thursday(sql))
    if lt == "quarter":
        return f"(({_int('%m', sql)} + 2) / 3)"
    raise UnsupportedLookup(f"Unsupported lookup type: {lookup_type!r}")


def _valid(sql, expr):
    """``expr`` where ``sql`` parses as a datetime, else NULL (as the Python
    functions return None for unparsable values)."""
    return f"CASE WHEN julianday({sql}) IS NULL THEN NULL ELSE {expr} END"


def trunc(lookup_type, sql, with_time):
    """``django_datetime_trunc`` (``with_time``) / ``django_date_trunc``."""
    lt = lookup_type.lower()
    tail = " 00:00:00" if with_time else ""
    if lt == "year":
        return f"strftime('%Y-01-01{tail}', {sql})"
    if lt == "quarter":
        return (
            f"(strftime('%Y-', {sql}) || printf('%02d', (({_int('%m', sql)} - 1) / 3) * 3 + 1) "
            f"|| '-01{tail}')"
        )
    if lt == "month":
        return f"strftime('%Y-%m-01{tail}', {sql})"
    if lt == "week":
        return f"strftime('%Y-%m-%d{tail}', {sql}, '-6 days', 'weekday 1')"
    if lt == "day":
        return f"strftime('%Y-%m-%d{tail}', {sql})"
    if with_time:
        if lt == "hour":
            return f"strftime('%Y-%m-%d %H:00:00', {sql})"
        if lt == "minute":
            return f"strftime('%Y-%m-%d %H:%M:00', {sql})"
        if lt == "second":
            return f"strftime('%Y-%m-%d %H:%M:%S', {sql})"
    raise UnsupportedLookup(f"Unsupported lookup type: {lookup_type!r}")


def time_trunc(lookup_type, sql):
    """``django_time_trunc`` on a time or datetime text."""
    lt = lookup_type.lower()
    fmt = {"hour": "%H:00:00", "minute": "%H:%M:00", "second": "%H:%M:%S"}.get(lt)
    if fmt is None:
        raise UnsupportedLookup(f"Unsupported lookup type: {lookup_type!r}")
    return f"strftime('{fmt}', {sql})"


def cast_time(sql):
    """The time part of a datetime text, microseconds kept (``dt.time().isoformat()``)."""
    frac = f"CASE WHEN substr({sql}, 20, 1) = '.' THEN rtrim(rtrim(substr({sql}, 20, 7), '0'), '.') ELSE '' END"
    base = f"strftime('%H:%M:%S', {sql})"
    # isoformat prints all six digits when there is a fraction.
    return (
        f"CASE WHEN {base} IS NULL THEN NULL WHEN ({frac}) = '' THEN {base} "
        f"ELSE {base} || substr(substr({sql}, 20, 7) || '000000', 1, 7) END"
    )


def micros(sql):
    """A datetime (or date) text as integer microseconds since the epoch."""
    return (
        f"(CAST(strftime('%s', {sql}) AS INTEGER) * 1000000 + "
        f"CASE WHEN substr({sql}, 20, 1) = '.' THEN CAST(substr(substr({sql}, 21) || '000000', 1, 6) AS INTEGER) ELSE 0 END)"
    )


def time_micros(sql):
    """A time text as integer microseconds since midnight."""
    return micros(f"('1970-01-01 ' || {sql})")


def from_micros(us_sql, date_only_sql):
    """Integer microseconds since the epoch back to text: a date when
    ``date_only_sql`` is true, else ``YYYY-MM-DD HH:MM:SS[.ffffff]`` (Python's
    ``str(datetime)``)."""
    sec = f"(({us_sql}) - ((({us_sql}) % 1000000) + 1000000) % 1000000) / 1000000"
    frac = f"((({us_sql}) % 1000000) + 1000000) % 1000000"
    return (
        f"CASE WHEN ({date_only_sql}) THEN date({sec}, 'unixepoch') "
        f"WHEN {frac} = 0 THEN datetime({sec}, 'unixepoch') "
        f"ELSE datetime({sec}, 'unixepoch') || printf('.%06d', {frac}) END"
    )


def _floor_days(us_sql):
    day = 86400000000
    return f"((({us_sql}) - ((({us_sql}) % {day}) + {day}) % {day}) / {day})"


def dtdelta(connector, lhs, rhs):
    """``django_format_dtdelta(connector, lhs, rhs)`` for ``+``/``-`` with a
    datetime or date text on one side and integer microseconds on the other
    (a date moves by whole days of the duration, as Python's ``date +
    timedelta`` does)."""
    sign = "+" if connector == "+" else "-"
    return (
        f"CASE WHEN {lhs} IS NULL OR {rhs} IS NULL THEN NULL "
        f"WHEN typeof({lhs}) = 'text' AND length({lhs}) <= 10 "
        f"THEN date({lhs}, ({sign}{_floor_days(rhs)}) || ' days') "
        f"WHEN typeof({lhs}) = 'text' THEN {from_micros(micros(lhs) + f' {sign} {rhs}', '0')} "
        f"WHEN length({rhs}) <= 10 THEN date({rhs}, ({_floor_days(lhs)}) || ' days') "
        f"ELSE {from_micros(f'{lhs} {sign} ' + micros(rhs), '0')} END"
    )
