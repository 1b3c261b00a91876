"""Introspection: Django's SQLite introspection (it only runs SQL and PRAGMAs,
so it works unchanged over HTTP)."""

from django.db.backends.sqlite3.introspection import DatabaseIntrospection as _Base


class DatabaseIntrospection(_Base):
    """Django's SQLite introspection."""
