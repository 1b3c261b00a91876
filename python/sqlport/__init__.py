"""sqlport: SQLite and libSQL/Turso for Python.

A DB-API 2.0 (PEP 249) module shaped like the standard ``sqlite3`` module, on
the sqlport Rust core: the same code opens a local SQLite file (or
``:memory:``) and a remote libSQL server (sqld, Turso) over HTTP, with real
transactions, savepoints and connection-scoped PRAGMAs on both.

    import sqlport
    conn = sqlport.connect("libsql://my-db.turso.io", auth_token=token)
    with conn:
        conn.execute("INSERT INTO t (x) VALUES (?)", (1,))

Thread safety (``threadsafety = 2``): threads may share the module and
connections. A connection opened with ``check_same_thread=False`` may be used
from several threads; each call runs on the connection's own worker thread,
one at a time, and the threads share its transaction. Cursors must not be
shared between threads. The GIL is released while a call waits for the
database.
"""

from . import _exceptions, _sqlport, _types
from ._dbapi import LEGACY_TRANSACTION_CONTROL, Connection, Cursor, Row, connect
from ._exceptions import (
    DatabaseError,
    DataError,
    Error,
    IntegrityError,
    InterfaceError,
    InternalError,
    NotSupportedError,
    OperationalError,
    ProgrammingError,
    Warning,
)
from ._types import (
    BINARY,
    DATETIME,
    NUMBER,
    PARSE_COLNAMES,
    PARSE_DECLTYPES,
    ROWID,
    STRING,
    Binary,
    Date,
    DateFromTicks,
    PrepareProtocol,
    Time,
    TimeFromTicks,
    Timestamp,
    TimestampFromTicks,
    adapt,
    adapters,
    converters,
    register_adapter,
    register_converter,
)

_sqlport.set_exception_classes(dict(_exceptions.ALL))
_sqlport.set_adapt_hook(_types._adapt_for_binding)

apilevel = "2.0"
threadsafety = 2
paramstyle = "qmark"

__version__ = _sqlport.__version__
version = __version__
sqlite_version = _sqlport.sqlite_version()
sqlite_version_info = tuple(int(p) for p in sqlite_version.split("."))


def is_remote_name(name):
    """``True`` when ``name`` names a remote database (the rules of
    :func:`connect`); an invalid name raises :class:`InterfaceError`."""
    return _sqlport.parse_name(name)[0]


def complete_statement(statement):
    """``True`` when ``statement`` ends with a complete SQL statement."""
    parts = _sqlport.split_script(statement)
    return bool(parts) and statement.rstrip().endswith(";") and _sqlport.split_script(statement + "\nSELECT 1")[-1] == "SELECT 1"


__all__ = [
    "BINARY", "DATETIME", "NUMBER", "PARSE_COLNAMES", "PARSE_DECLTYPES", "ROWID", "STRING",
    "Binary", "Connection", "Cursor", "DataError", "DatabaseError", "Date", "DateFromTicks",
    "Error", "IntegrityError", "InterfaceError", "InternalError", "LEGACY_TRANSACTION_CONTROL",
    "NotSupportedError", "OperationalError", "PrepareProtocol", "ProgrammingError", "Row",
    "Time", "TimeFromTicks", "Timestamp", "TimestampFromTicks", "Warning", "adapt", "adapters",
    "apilevel", "complete_statement", "connect", "converters", "is_remote_name", "paramstyle",
    "register_adapter", "register_converter", "sqlite_version", "sqlite_version_info",
    "threadsafety", "version",
]
