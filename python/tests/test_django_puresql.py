"""The plain SQL that sqlport.django sends to remote servers gives the same
results as the Python functions Django's SQLite backend registers (run here on
a local connection, value by value)."""

import pytest

django = pytest.importorskip("django")

from django.conf import settings  # noqa: E402

if not settings.configured:
    settings.configure(USE_TZ=True)
    django.setup()

from django.db.backends.sqlite3 import _functions as F  # noqa: E402

import sqlport  # noqa: E402
from sqlport.django import puresql  # noqa: E402

DATETIMES = [
    "2015-06-15 14:30:50.000321", "2016-03-27 01:30:00", "2016-10-30 00:59:59.5",
    "1999-12-31 23:59:59", "2021-01-03 00:00:00", "2020-02-29 12:00:00", None, "garbage",
]
ZONES = [None, "UTC", "Australia/Melbourne", "Europe/Paris", "America/Chicago",
         "Asia/Kolkata", "UTC+05:00", "Europe/Paris-02:00"]


@pytest.fixture(scope="module")
def conn():
    c = sqlport.connect(":memory:")
    yield c
    c.close()


def run(conn, expr, *values):
    return conn.execute("SELECT " + expr, values * expr.count("?")).fetchone()[0]


@pytest.mark.parametrize("tz", ZONES)
def test_datetime_functions_match_django(conn, tz):
    conn_tz = "UTC" if tz else None
    for v in DATETIMES:
        local = puresql.localize("?", tz, conn_tz)
        for lt in ["year", "quarter", "month", "week", "week_day", "iso_week_day", "iso_year",
                   "day", "hour", "minute", "second"]:
            assert run(conn, puresql.extract(lt, local), v) == F._sqlite_datetime_extract(lt, v, tz, conn_tz), (lt, v)
        for lt in ["year", "quarter", "month", "week", "day", "hour", "minute", "second"]:
            assert run(conn, puresql.trunc(lt, local, True), v) == F._sqlite_datetime_trunc(lt, v, tz, conn_tz), (lt, v)
        for lt in ["year", "quarter", "month", "week", "day"]:
            assert run(conn, puresql.trunc(lt, local, False), v) == F._sqlite_date_trunc(lt, v, tz, conn_tz), (lt, v)
        assert run(conn, puresql.cast_time(local), v) == F._sqlite_datetime_cast_time(v, tz, conn_tz), v
        assert run(conn, f"date({local})", v) == F._sqlite_datetime_cast_date(v, tz, conn_tz), v


def test_duration_arithmetic_matches_django(conn):
    dts = ["2015-06-15 14:30:50.000321", "2016-03-27 01:30:00", "1969-12-31 23:59:59.5",
           "2021-01-03", "1900-01-01 00:00:00.000001"]
    for d in dts:
        for us in [0, 1, -1, 86400000000, -3600000001, 123456789]:
            for op in "+-":
                body = puresql.dtdelta(op, "l", "r")
                got = conn.execute(f"SELECT {body} FROM (SELECT ? AS l, ? AS r)", (d, us)).fetchone()[0]
                assert got == F._sqlite_format_dtdelta(op, d, us), (d, op, us)
        for d2 in dts:
            if (len(d) <= 10) != (len(d2) <= 10):
                continue  # Django's function fails on date minus datetime
            sql = f"SELECT ({puresql.micros('a')}) - ({puresql.micros('b')}) FROM (SELECT ? AS a, ? AS b)"
            assert conn.execute(sql, (d, d2)).fetchone()[0] == F._sqlite_timestamp_diff(d, d2)
    for t1 in ["12:30:00", "00:00:00.5", "23:59:59.999999"]:
        for t2 in ["12:30:00", "01:02:03.000004"]:
            sql = f"SELECT ({puresql.time_micros('a')}) - ({puresql.time_micros('b')}) FROM (SELECT ? AS a, ? AS b)"
            assert conn.execute(sql, (t1, t2)).fetchone()[0] == F._sqlite_time_diff(t1, t2)
