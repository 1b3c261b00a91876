"""The DB-API 2.0 exception hierarchy (PEP 249), as in ``sqlite3``.

Errors reported by SQLite carry ``sqlite_errorcode`` (the extended result code
where the transport knows it, else the primary one) and ``sqlite_errorname``
(``"SQLITE_CONSTRAINT_UNIQUE"``, ...). Every error raised by sqlport also
carries ``sqlport_kind`` (``"sqlite"``, ``"timeout"``, ``"auth"``,
``"stream_expired"``, ...); remote errors carry ``remote_code`` (the server's
code, e.g. ``"SQLITE_CONSTRAINT"``), and a failed step of a batch its index as
``batch_step``. Compare these, never message text.
"""


class Warning(Exception):  # noqa: A001 - the DB-API name
    """Important warnings (PEP 249)."""


class Error(Exception):
    """Base class of every sqlport error."""

    sqlite_errorcode = None
    sqlite_errorname = None
    sqlport_kind = None
    remote_code = None
    batch_step = None


class InterfaceError(Error):
    """Misuse of the interface (not of the database)."""


class DatabaseError(Error):
    """An error related to the database."""


class DataError(DatabaseError):
    """A value could not be processed (too big, wrong type, ...)."""


class OperationalError(DatabaseError):
    """The database's operation failed: locked, busy, disk, network, timeout."""


class IntegrityError(DatabaseError):
    """A constraint failed (UNIQUE, NOT NULL, CHECK, FOREIGN KEY)."""


class InternalError(DatabaseError):
    """The database hit an internal error."""


class ProgrammingError(DatabaseError):
    """Bad SQL or bad use of the API (closed objects, wrong bindings)."""


class NotSupportedError(DatabaseError):
    """The database (or this kind of connection) cannot do this."""


ALL = {
    cls.__name__: cls
    for cls in (
        Warning,
        Error,
        InterfaceError,
        DatabaseError,
        DataError,
        OperationalError,
        IntegrityError,
        InternalError,
        ProgrammingError,
        NotSupportedError,
    )
}
