"""sqlport.django over HTTP: Django's transaction management on a remote
database, checked from a second, independent connection.

Each test runs against the reference server and, when SQLPORT_SQLD is set,
against real sqld. Each also runs a second time on a copy of the backend
that never sends BEGIN, COMMIT, ROLLBACK or SAVEPOINT (every statement
auto-commits: a stateless remote mode, which is what django-libsql-backend
0.1.3's HTTP mode amounts to once a read or an INSERT inside atomic() has
flushed its write buffer); there it is a strict expected failure, so a test
that could not tell real transactions from autocommit fails the suite."""

import itertools

import pytest

django = pytest.importorskip("django")

from django.conf import settings  # noqa: E402

if not settings.configured:
    settings.configure(USE_TZ=True)
    django.setup()

from django.db import connections, migrations, models, transaction  # noqa: E402
from django.db.migrations.executor import MigrationExecutor  # noqa: E402
from django.db.migrations.recorder import MigrationRecorder  # noqa: E402
from django.db.migrations.state import ProjectState  # noqa: E402
from django.db.utils import IntegrityError, OperationalError  # noqa: E402

import sqlport  # noqa: E402
from sqlport.django.base import DatabaseWrapper  # noqa: E402

SQLITE_BUSY = 5
_names = itertools.count(1)


class AutocommitWrapper(DatabaseWrapper):
    """The backend in a stateless remote mode: no BEGIN, COMMIT, ROLLBACK or
    SAVEPOINT ever reaches the server. Only used to show that the tests below
    fail on such a backend."""

    def _set_autocommit(self, autocommit):
        self.connection.isolation_level = None

    def _start_transaction_under_autocommit(self):
        pass

    def _commit(self):
        pass

    def _rollback(self):
        pass

    def _savepoint(self, sid):
        pass

    def _savepoint_rollback(self, sid):
        pass

    def _savepoint_commit(self, sid):
        pass


class Boom(Exception):
    """Raised inside atomic blocks to make them roll back."""


@pytest.fixture(params=["reference", "sqld"])
def server_url(request):
    fixture = "reference_server" if request.param == "reference" else "sqld_server"
    return request.getfixturevalue(fixture).url


@pytest.fixture(
    params=[
        "sqlport",
        pytest.param(
            "autocommit",
            marks=pytest.mark.xfail(
                strict=True,
                raises=(AssertionError, pytest.fail.Exception),
                reason="control: on a backend that only auto-commits this test must fail",
            ),
        ),
    ]
)
def wrapper_class(request):
    return DatabaseWrapper if request.param == "sqlport" else AutocommitWrapper


@pytest.fixture
def django_db(server_url, wrapper_class):
    """Opens Django database aliases on the server (``open()``) and a plain
    sqlport connection (``other``) to look at the database from outside."""
    opened = []

    class Db:
        url = server_url
        other = sqlport.connect(server_url, isolation_level=None)

        @staticmethod
        def open(**options):
            alias = f"remote{next(_names)}"
            settings_dict = {
                "ENGINE": "sqlport.django", "NAME": server_url, "OPTIONS": options, "TEST": {},
                "ATOMIC_REQUESTS": False, "AUTOCOMMIT": True, "CONN_MAX_AGE": 0,
                "CONN_HEALTH_CHECKS": False, "TIME_ZONE": None, "USER": "", "PASSWORD": "",
                "HOST": "", "PORT": "",
            }
            wrapper = wrapper_class(settings_dict, alias=alias)
            connections[alias] = wrapper
            opened.append(alias)
            return wrapper

        @staticmethod
        def table(columns="x INTEGER"):
            name = f"dj{next(_names)}"
            Db.other.execute(f"CREATE TABLE {name} ({columns})")
            return name

        @staticmethod
        def rows(table):
            return [r[0] for r in Db.other.execute(f"SELECT x FROM {table} ORDER BY x")]

    yield Db
    for alias in opened:
        connections[alias].close()
        del connections[alias]
    Db.other.close()


def execute(wrapper, sql, params=None):
    with wrapper.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else None


def test_atomic_commit_is_seen_by_another_connection(django_db):
    db = django_db.open()
    t = django_db.table()
    with transaction.atomic(using=db.alias):
        execute(db, f"INSERT INTO {t} VALUES (%s)", [1])
        execute(db, f"INSERT INTO {t} VALUES (%s)", [2])
        # Not committed yet: invisible from outside, visible inside.
        assert django_db.rows(t) == []
        assert execute(db, f"SELECT count(*) FROM {t}") == [(2,)]
        assert db.connection.in_transaction
    assert not db.connection.in_transaction
    assert django_db.rows(t) == [1, 2]


def test_atomic_rollback_leaves_nothing(django_db):
    db = django_db.open()
    t = django_db.table("x INTEGER PRIMARY KEY")
    with pytest.raises(Boom):
        with transaction.atomic(using=db.alias):
            execute(db, f"INSERT INTO {t} VALUES (%s)", [1])
            execute(db, f"INSERT INTO {t} VALUES (%s)", [2])
            raise Boom
    assert django_db.rows(t) == []
    # A statement the server refuses rolls the block back too.
    with pytest.raises(IntegrityError):
        with transaction.atomic(using=db.alias):
            execute(db, f"INSERT INTO {t} VALUES (%s)", [3])
            execute(db, f"INSERT INTO {t} VALUES (%s)", [3])
    assert django_db.rows(t) == []
    assert execute(db, f"SELECT count(*) FROM {t}") == [(0,)]


def test_nested_atomic_inner_rollback_keeps_outer_work(django_db):
    db = django_db.open()
    t = django_db.table()
    with transaction.atomic(using=db.alias):
        execute(db, f"INSERT INTO {t} VALUES (1)")
        with pytest.raises(Boom):
            with transaction.atomic(using=db.alias):  # a savepoint
                execute(db, f"INSERT INTO {t} VALUES (2)")
                raise Boom
        with transaction.atomic(using=db.alias):
            execute(db, f"INSERT INTO {t} VALUES (3)")
            with transaction.atomic(using=db.alias):
                execute(db, f"INSERT INTO {t} VALUES (4)")
        sid = transaction.savepoint(using=db.alias)
        execute(db, f"INSERT INTO {t} VALUES (5)")
        transaction.savepoint_rollback(sid, using=db.alias)
        assert execute(db, f"SELECT x FROM {t} ORDER BY x") == [(1,), (3,), (4,)]
        assert django_db.rows(t) == []
    assert django_db.rows(t) == [1, 3, 4]


def test_on_commit_hooks_run_after_commit_only(django_db):
    db = django_db.open()
    t = django_db.table()
    calls = []
    with transaction.atomic(using=db.alias):
        execute(db, f"INSERT INTO {t} VALUES (1)")
        transaction.on_commit(lambda: calls.append(("committed", django_db.rows(t))), using=db.alias)
        with pytest.raises(Boom):
            with transaction.atomic(using=db.alias):
                execute(db, f"INSERT INTO {t} VALUES (2)")
                transaction.on_commit(lambda: calls.append("inner, rolled back"), using=db.alias)
                raise Boom
        assert calls == []
        assert django_db.rows(t) == []
    # The hook ran once, after the commit, and saw the committed row from outside.
    assert calls == [("committed", [1])]
    with pytest.raises(Boom):
        with transaction.atomic(using=db.alias):
            execute(db, f"INSERT INTO {t} VALUES (9)")
            transaction.on_commit(lambda: calls.append("rolled back"), using=db.alias)
            raise Boom
    assert calls == [("committed", [1])]
    assert django_db.rows(t) == [1]


def failing_migration(app_label):
    """A migration whose first operation creates a table and whose second
    fails on the server."""

    class Migration(migrations.Migration):
        operations = [
            migrations.CreateModel(
                "Widget",
                fields=[("id", models.AutoField(primary_key=True)), ("name", models.CharField(max_length=20))],
            ),
            migrations.RunSQL(f"INSERT INTO {app_label}_widget (no_such_column) VALUES (1)"),
        ]

    return Migration("0001_initial", app_label)


def test_failed_migration_leaves_no_trace(django_db):
    db = django_db.open()
    app_label = f"mig{next(_names)}"
    executor = MigrationExecutor(db)
    executor.recorder.ensure_schema()
    migration = failing_migration(app_label)
    assert migration.atomic
    # What `migrate` does for each migration: apply it in one schema editor
    # (one transaction) and record it in django_migrations inside it.
    with pytest.raises(OperationalError):
        executor.apply_migration(ProjectState(), migration)
    tables = [r[0] for r in django_db.other.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    assert MigrationRecorder.Migration._meta.db_table in tables
    assert f"{app_label}_widget" not in tables
    recorded = django_db.other.execute("SELECT count(*) FROM django_migrations WHERE app = ?", (app_label,))
    assert recorded.fetchone() == (0,)
    # The same migration without the failing operation applies and is recorded.
    migration.operations = migration.operations[:1]
    executor.apply_migration(ProjectState(), migration)
    tables = [r[0] for r in django_db.other.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    assert f"{app_label}_widget" in tables
    recorded = django_db.other.execute("SELECT name FROM django_migrations WHERE app = ?", (app_label,))
    assert recorded.fetchall() == [("0001_initial",)]


def test_read_modify_write_in_atomic_never_loses_an_update(django_db):
    """Without select_for_update (SQLite has none), a read-modify-write in
    atomic() is safe: a transaction whose snapshot another one has written
    past cannot write, so the update is retried, never lost."""
    a = django_db.open()
    b = django_db.open()
    t = django_db.table()
    django_db.other.execute(f"INSERT INTO {t} VALUES (0)")

    def read(db):
        return execute(db, f"SELECT x FROM {t}")[0][0]

    def write(db, value):
        execute(db, f"UPDATE {t} SET x = %s", [value])

    def increment(db):
        with transaction.atomic(using=db.alias):
            write(db, read(db) + 1)

    with pytest.raises(OperationalError) as err:
        with transaction.atomic(using=a.alias):
            seen = read(a)
            increment(b)  # commits while a's transaction holds its snapshot
            assert django_db.rows(t) == [1]
            write(a, seen + 1)
    assert err.value.__cause__.sqlite_errorcode & 0xFF == SQLITE_BUSY
    assert not a.in_atomic_block and not a.connection.in_transaction
    assert django_db.rows(t) == [1]
    increment(a)  # the retry reads b's write
    assert django_db.rows(t) == [2]
