"""``Connection``, ``Cursor`` and ``Row``: the DB-API 2.0 surface, shaped like
``sqlite3`` (Python 3.12's, ``autocommit`` included), over the native
connection in ``sqlport._sqlport``."""

import os
import threading

from . import _exceptions as exc
from . import _sqlport
from ._types import column_converters, convert_rows

LEGACY_TRANSACTION_CONTROL = -1
_LEVELS = ("", "DEFERRED", "IMMEDIATE", "EXCLUSIVE")
_IMPLICIT_BEGIN_KINDS = frozenset(("insert", "update", "delete", "replace"))
_statement_kind = _sqlport.RawConnection.statement_kind


class Row:
    """A row with access by index and by case-insensitive column name
    (``sqlite3.Row``)."""

    __slots__ = ("_values", "_names")

    def __init__(self, cursor, values):
        self._values = tuple(values)
        self._names = tuple(d[0] for d in (cursor.description or ()))

    def keys(self):
        """The column names."""
        return list(self._names)

    def __getitem__(self, key):
        if isinstance(key, (int, slice)):
            return self._values[key]
        lower = key.lower()
        for name, value in zip(self._names, self._values):
            if name.lower() == lower:
                return value
        raise IndexError("No item with that key")

    def __len__(self):
        return len(self._values)

    def __iter__(self):
        return iter(self._values)

    def __eq__(self, other):
        if not isinstance(other, Row):
            return NotImplemented
        return self._names == other._names and self._values == other._values

    def __hash__(self):
        return hash((self._names, self._values))

    def __repr__(self):
        return f"<sqlport.Row {self._values!r}>"


class Cursor:
    """A cursor: runs statements and fetches their rows. Rows are pulled
    from the connection in chunks as they are fetched (bounded memory)."""

    def __init__(self, connection):
        if not isinstance(connection, Connection):
            raise TypeError("Cursor() needs a sqlport.Connection")
        self._connection = connection
        self.arraysize = 1
        self.row_factory = connection.row_factory
        self._stream = None
        self._description = None
        self._convs = None
        self._rowcount = -1
        self._lastrowid = None
        self._closed = False

    # -- attributes ---------------------------------------------------
    @property
    def connection(self):
        """The connection this cursor belongs to."""
        return self._connection

    @property
    def description(self):
        """One 7-tuple per result column (name, then six ``None``), or ``None``."""
        return self._description

    @property
    def rowcount(self):
        """Rows changed by the last INSERT/UPDATE/DELETE/REPLACE (summed by
        ``executemany``); -1 for other statements."""
        self._refresh_counts()
        return self._rowcount

    @property
    def lastrowid(self):
        """The rowid of the last row inserted on the connection."""
        self._refresh_counts()
        return self._lastrowid

    def _refresh_counts(self):
        s = self._stream
        if s is not None and s.finished and not getattr(self, "_counted", True):
            self._counted = True
            self._rowcount = s.rowcount
            rowid = s.lastrowid
            if rowid is not None:
                self._connection._last_rowid = rowid
            self._lastrowid = self._connection._last_rowid

    # -- checks -------------------------------------------------------
    def _check(self):
        if self._closed:
            raise exc.ProgrammingError("Cannot operate on a closed cursor.")
        self._connection._check()

    def _reset(self):
        if self._stream is not None:
            if not self._stream.finished:
                self._stream.cancel()
            self._stream = None
        self._description = None
        self._convs = None

    # -- running ------------------------------------------------------
    def execute(self, sql, parameters=(), /):
        """Run one statement with qmark (sequence) or named (mapping) parameters."""
        self._check()
        if not isinstance(sql, str):
            raise TypeError(f"execute() argument 1 must be str, not {type(sql).__name__}")
        self._reset()
        conn = self._connection
        conn._implicit_begin(sql)
        stream = conn._raw.query(sql, parameters)
        self._stream = stream
        self._counted = False
        cols = stream.columns
        if cols is not None:
            names, self._convs = column_converters(cols, conn._detect_types)
            self._description = tuple((n, None, None, None, None, None, None) for n in names)
        self._rowcount = -1
        self._refresh_counts()
        if not stream.finished:
            self._lastrowid = conn._last_rowid
        return self

    def executemany(self, sql, seq_of_parameters, /):
        """Run one DML statement for each parameter set (one request per 256
        sets on a remote database). ``rowcount`` is the total."""
        self._check()
        if not isinstance(sql, str):
            raise TypeError(f"executemany() argument 1 must be str, not {type(sql).__name__}")
        self._reset()
        if _statement_kind(sql) in ("select", "pragma_read", "explain"):
            raise exc.ProgrammingError("executemany() can only execute DML statements.")
        conn = self._connection
        conn._implicit_begin(sql)
        self._counted = True
        self._rowcount, rowid = conn._raw.execute_many(sql, seq_of_parameters)
        if rowid is not None:
            conn._last_rowid = rowid
        self._lastrowid = conn._last_rowid
        return self

    def executescript(self, sql_script, /):
        """Run a script of statements (no parameters). In the legacy
        transaction mode, a pending transaction is committed first."""
        self._check()
        if isinstance(sql_script, bytes):
            sql_script = sql_script.decode()
        if not isinstance(sql_script, str):
            raise TypeError("script argument must be unicode.")
        self._reset()
        conn = self._connection
        if conn._autocommit == LEGACY_TRANSACTION_CONTROL and conn.in_transaction:
            conn._raw.query("COMMIT")
        conn._raw.execute_script(sql_script)
        self._counted = True
        self._rowcount = -1
        return self

    # -- fetching -----------------------------------------------------
    def _fetch(self, n):
        self._check()
        s = self._stream
        if s is None:
            return []
        rows = s.fetch(n)
        if s.finished:
            self._refresh_counts()
        if rows:
            if self._convs is not None:
                rows = convert_rows(rows, self._convs)
            tf = self._connection.text_factory
            if tf is not str:
                rows = [
                    tuple(tf(v.encode()) if isinstance(v, str) else v for v in row)
                    for row in rows
                ]
            rf = self.row_factory
            if rf is not None:
                rows = [rf(self, row) for row in rows]
        return rows

    def fetchone(self):
        """The next row, or ``None``."""
        rows = self._fetch(1)
        return rows[0] if rows else None

    def fetchmany(self, size=None):
        """Up to ``size`` rows (default ``arraysize``)."""
        if size is None:
            size = self.arraysize
        if size < 0:
            size = 0
        return self._fetch(size)

    def fetchall(self):
        """All remaining rows."""
        return self._fetch(None)

    def __iter__(self):
        return self

    def __next__(self):
        rows = self._fetch(1)
        if not rows:
            raise StopIteration
        return rows[0]

    def close(self):
        """Close the cursor (unread rows are discarded)."""
        self._reset()
        self._closed = True

    def setinputsizes(self, sizes, /):
        """Does nothing (PEP 249)."""

    def setoutputsize(self, size, column=None, /):
        """Does nothing (PEP 249)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
        return False


class Connection:
    """A database connection; see :func:`sqlport.connect`."""

    Warning = exc.Warning
    Error = exc.Error
    InterfaceError = exc.InterfaceError
    DatabaseError = exc.DatabaseError
    DataError = exc.DataError
    OperationalError = exc.OperationalError
    IntegrityError = exc.IntegrityError
    InternalError = exc.InternalError
    ProgrammingError = exc.ProgrammingError
    NotSupportedError = exc.NotSupportedError

    def __init__(
        self,
        database,
        timeout=None,
        detect_types=0,
        isolation_level="",
        check_same_thread=True,
        factory=None,
        cached_statements=128,
        uri=False,
        *,
        autocommit=LEGACY_TRANSACTION_CONTROL,
        auth_token=None,
        request_timeout=None,
        connect_timeout=10.0,
        protocol="auto",
        read_only=False,
        wal=True,
        keep_idle_stream=False,
    ):
        self._raw = None
        name = os.fsdecode(database) if not isinstance(database, str) else database
        if not uri and name.startswith("file:"):
            name = "./" + name
        _check_level(isolation_level)
        _check_autocommit(autocommit)
        remote, _ = _sqlport.parse_name(name) if name else (False, name)
        if remote:
            if request_timeout is None:
                request_timeout = 30.0 if timeout is None else float(timeout)
        elif request_timeout is None:
            request_timeout = 30.0
        busy = 5.0 if timeout is None else float(timeout)
        self._raw = _sqlport.RawConnection(
            name,
            auth_token=auth_token,
            busy_timeout=busy,
            request_timeout=float(request_timeout),
            connect_timeout=float(connect_timeout),
            protocol=protocol,
            read_only=read_only,
            cached_statements=int(cached_statements),
            wal=wal,
            keep_idle_stream=bool(keep_idle_stream),
        )
        self._detect_types = detect_types
        self._isolation_level = isolation_level
        self._autocommit = autocommit
        self._check_same_thread = check_same_thread
        self._thread = threading.get_ident()
        self._last_rowid = None
        self.row_factory = None
        self.text_factory = str
        if autocommit is False:
            self._raw.query("BEGIN")

    # -- state --------------------------------------------------------
    def _check(self):
        if self._raw is None or self._raw.closed:
            raise exc.ProgrammingError("Cannot operate on a closed database.")
        if self._check_same_thread and threading.get_ident() != self._thread:
            raise exc.ProgrammingError(
                "SQLite objects created in a thread can only be used in that same "
                f"thread. The object was created in thread id {self._thread} and this "
                f"is thread id {threading.get_ident()}."
            )

    @property
    def is_remote(self):
        """``True`` when the connection talks to a remote server over HTTP."""
        return self._raw is not None and self._raw.is_remote

    @property
    def in_transaction(self):
        """``True`` while a transaction is open."""
        self._check()
        return self._raw.in_transaction

    @property
    def isolation_level(self):
        """``None`` (autocommit) or the ``BEGIN`` flavour issued implicitly
        before INSERT/UPDATE/DELETE/REPLACE in the legacy transaction mode."""
        return self._isolation_level

    @isolation_level.setter
    def isolation_level(self, value):
        self._check()
        _check_level(value)
        if value is None and self._autocommit == LEGACY_TRANSACTION_CONTROL and self._raw.in_transaction:
            self._raw.query("COMMIT")
        self._isolation_level = value

    @property
    def autocommit(self):
        """``sqlport.LEGACY_TRANSACTION_CONTROL`` (default), ``True`` or ``False``,
        with Python 3.12 ``sqlite3`` semantics."""
        return self._autocommit

    @autocommit.setter
    def autocommit(self, value):
        self._check()
        _check_autocommit(value)
        if value is True and self._raw.in_transaction:
            self._raw.query("COMMIT")
        elif value is False and not self._raw.in_transaction:
            self._raw.query("BEGIN")
        self._autocommit = value

    @property
    def total_changes(self):
        """Rows changed since the connection opened."""
        self._check()
        return self._raw.query("SELECT total_changes()").fetch(1)[0][0]

    def _implicit_begin(self, sql):
        if (
            self._autocommit == LEGACY_TRANSACTION_CONTROL
            and self._isolation_level is not None
            and _statement_kind(sql) in _IMPLICIT_BEGIN_KINDS
            and not self._raw.in_transaction
        ):
            self._raw.query("BEGIN " + self._isolation_level)

    # -- statements -------------------------------------------------------
    def cursor(self, factory=Cursor):
        """A new cursor (``factory`` must build a :class:`Cursor` subclass)."""
        self._check()
        cur = factory(self)
        if not isinstance(cur, Cursor):
            raise TypeError("factory must return a cursor, not " + type(cur).__name__)
        return cur

    def execute(self, sql, parameters=(), /):
        """``cursor().execute(...)``."""
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql, parameters, /):
        """``cursor().executemany(...)``."""
        return self.cursor().executemany(sql, parameters)

    def executescript(self, sql_script, /):
        """``cursor().executescript(...)``."""
        return self.cursor().executescript(sql_script)

    def commit(self):
        """Commit the open transaction (a no-op when none is open)."""
        self._check()
        if self._autocommit is True:
            return
        if self._raw.in_transaction:
            self._raw.query("COMMIT")
        if self._autocommit is False:
            self._raw.query("BEGIN")

    def rollback(self):
        """Roll back the open transaction (a no-op when none is open)."""
        self._check()
        if self._autocommit is True:
            return
        if self._raw.in_transaction:
            self._raw.query("ROLLBACK")
        if self._autocommit is False:
            self._raw.query("BEGIN")

    def close(self):
        """Close; an open transaction is rolled back. Idempotent."""
        if self._raw is None:
            return
        if self._check_same_thread and threading.get_ident() != self._thread:
            self._check()
        self._raw.close()

    # -- functions (local connections) ----------------------------------------
    def create_function(self, name, narg, func, *, deterministic=False):
        """Register a Python function callable from SQL (local databases only:
        ``NotSupportedError`` on a remote one)."""
        self._check()
        self._raw.create_function(name, narg, func, deterministic)

    def create_aggregate(self, name, n_arg, aggregate_class):
        """Register an aggregate (a class with ``step`` and ``finalize``;
        local databases only)."""
        self._check()
        self._raw.create_aggregate(name, n_arg, aggregate_class)

    def create_collation(self, name, callable):
        """Not supported: collations in Python are not available."""
        raise exc.NotSupportedError("create_collation is not supported by sqlport")

    def interrupt(self):
        """Not supported."""
        raise exc.NotSupportedError("interrupt is not supported by sqlport")

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_value, tb):
        # Like sqlite3: commit on success, roll back on error; stay open.
        if exc_type is None:
            self.commit()
        else:
            self.rollback()
        return False

    def __del__(self):
        raw = getattr(self, "_raw", None)
        if raw is not None:
            try:
                raw.close()
            except Exception:  # noqa: BLE001 - never raise from __del__
                pass


def _check_level(value):
    if value is None:
        return
    if not isinstance(value, str) or value.upper() not in _LEVELS:
        raise ValueError(
            "isolation_level string must be '', 'DEFERRED', 'IMMEDIATE', or 'EXCLUSIVE'"
        )


def _check_autocommit(value):
    if value is not True and value is not False and value != LEGACY_TRANSACTION_CONTROL:
        raise ValueError(
            "autocommit must be True, False, or sqlport.LEGACY_TRANSACTION_CONTROL"
        )


def connect(database, timeout=None, detect_types=0, isolation_level="", check_same_thread=True,
            factory=Connection, cached_statements=128, uri=False, **kwargs):
    """Open a connection to ``database``: a local file or ``:memory:``, a
    ``file:`` URI (with ``uri=True``), or a remote libSQL URL (``libsql://``,
    ``https://``, ``http://``, ``ws(s)://``, or a bare host name).

    ``timeout`` is the busy timeout of a local database (seconds, default 5)
    and, unless ``request_timeout`` is given, the request timeout of a remote
    one (default 30). Remote only: ``auth_token``, ``request_timeout``,
    ``connect_timeout``, ``protocol`` (``"auto"``, ``"v3"``, ``"v2"``,
    ``"v1"``), ``keep_idle_stream`` (keep the server stream between
    autocommit statements, as the ``libsql`` crate does: faster on sqld, at
    one server-side connection per idle connection; default ``False``).
    ``autocommit`` as in Python 3.12's ``sqlite3``.
    """
    if factory is None:
        factory = Connection
    return factory(
        database,
        timeout=timeout,
        detect_types=detect_types,
        isolation_level=isolation_level,
        check_same_thread=check_same_thread,
        cached_statements=cached_statements,
        uri=uri,
        **kwargs,
    )
