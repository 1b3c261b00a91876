"""The database wrapper: Django's SQLite ``DatabaseWrapper`` connecting
through :mod:`sqlport`."""

import os
from collections.abc import Mapping
from itertools import tee

from django.core.exceptions import ImproperlyConfigured
from django.db.backends.sqlite3 import base as sqlite_base
from django.db.backends.sqlite3._functions import register as register_functions
from django.utils.asyncio import async_unsafe
from django.utils.functional import cached_property

import sqlport as Database

from . import sql_functions
from .creation import DatabaseCreation
from .features import DatabaseFeatures
from .introspection import DatabaseIntrospection
from .operations import DatabaseOperations
from .schema import DatabaseSchemaEditor

# Same adapters and converters as Django's sqlite3 backend registers on sqlite3.
Database.register_converter("bool", b"1".__eq__)
Database.register_converter("date", sqlite_base.decoder(sqlite_base.parse_date))
Database.register_converter("time", sqlite_base.decoder(sqlite_base.parse_time))
Database.register_converter("datetime", sqlite_base.decoder(sqlite_base.parse_datetime))
Database.register_converter("timestamp", sqlite_base.decoder(sqlite_base.parse_datetime))
Database.register_adapter(sqlite_base.decimal.Decimal, str)
Database.register_adapter(sqlite_base.datetime.date, sqlite_base.adapt_date)
Database.register_adapter(sqlite_base.datetime.datetime, sqlite_base.adapt_datetime)

sql_functions.install()

#: OPTIONS keys sqlport reads (all others go to ``sqlport.connect`` as in Django's backend).
SQLPORT_OPTIONS = (
    "auth_token", "request_timeout", "connect_timeout", "protocol", "keep_idle_stream",
)
#: The environment variable read for the token when none is configured.
TOKEN_ENV = "TURSO_AUTH_TOKEN"


def is_remote_name(name):
    """``True`` when a NAME is remote (sqlport's NAME rules); a NAME sqlport
    cannot parse is reported as ImproperlyConfigured."""
    try:
        return Database.is_remote_name(str(name))
    except Database.InterfaceError as e:
        raise ImproperlyConfigured(f"settings.DATABASES NAME: {e}") from None


class CursorWrapper(Database.Cursor):
    """Django's "format"/"pyformat" parameter styles, converted to qmark/named
    (what Django's SQLiteCursorWrapper does for sqlite3)."""

    def execute(self, query, params=None):
        if params is None:
            return super().execute(query)
        param_names = list(params) if isinstance(params, Mapping) else None
        return super().execute(self.convert_query(query, param_names=param_names), params)

    def executemany(self, query, param_list):
        peekable, param_list = tee(iter(param_list))
        if (params := next(peekable, None)) and isinstance(params, Mapping):
            param_names = list(params)
        else:
            param_names = None
        return super().executemany(self.convert_query(query, param_names=param_names), param_list)

    def convert_query(self, query, *, param_names=None):
        if param_names is None:
            return sqlite_base.FORMAT_QMARK_REGEX.sub("?", query).replace("%%", "%")
        return query % {name: f":{name}" for name in param_names}


class DatabaseWrapper(sqlite_base.DatabaseWrapper):
    """Django's SQLite backend on sqlport (local file or remote libSQL)."""

    display_name = "SQLite"
    Database = Database
    SchemaEditorClass = DatabaseSchemaEditor
    creation_class = DatabaseCreation
    features_class = DatabaseFeatures
    introspection_class = DatabaseIntrospection
    ops_class = DatabaseOperations

    @cached_property
    def is_remote(self):
        """``True`` when NAME is a remote libSQL database."""
        name = self.settings_dict.get("NAME")
        return bool(name) and is_remote_name(name)

    @cached_property
    def sqlport_pure_sql(self):
        """Generate SQL that calls no Python function: on remote connections,
        and on local ones with ``OPTIONS["pure_sql"] = True`` (to try a
        project's queries locally exactly as they will run remotely)."""
        return self.is_remote or bool(self.settings_dict.get("OPTIONS", {}).get("pure_sql"))

    def get_connection_params(self):
        kwargs = super().get_connection_params()
        kwargs["database"] = str(kwargs["database"])
        kwargs.pop("pure_sql", None)
        if is_remote_name(kwargs["database"]):
            token = kwargs.get("auth_token") or self.settings_dict.get("AUTH_TOKEN") or os.environ.get(TOKEN_ENV)
            if token:
                kwargs["auth_token"] = token
        else:
            for key in SQLPORT_OPTIONS:
                kwargs.pop(key, None)
        return kwargs

    @async_unsafe
    def get_new_connection(self, conn_params):
        conn = Database.connect(**conn_params)
        if not conn.is_remote and not self.sqlport_pure_sql:
            register_functions(conn)
        if conn.is_remote:
            # Persists on the remote connection (a Hrana stream). sqld refuses
            # PRAGMA legacy_alter_table, which is OFF by default off macOS.
            conn.execute("PRAGMA foreign_keys = ON")
        else:
            conn.execute("PRAGMA foreign_keys = ON")
            # The macOS bundled SQLite defaults legacy_alter_table ON, which
            # prevents atomic table renames.
            conn.execute("PRAGMA legacy_alter_table = OFF")
        for init_command in self.init_commands:
            if init_command := init_command.strip():
                conn.execute(init_command)
        return conn

    def create_cursor(self, name=None):
        return self.connection.cursor(factory=CursorWrapper)

    def is_usable(self):
        if not self.is_remote:
            return True
        # One request: a remote connection can be lost.
        try:
            self.connection.execute("SELECT 1")
        except Database.Error:
            return False
        return True

    def get_database_version(self):
        if not self.is_remote:
            return Database.sqlite_version_info
        version = getattr(self, "_remote_sqlite_version", None)
        if version is None:
            with self.temporary_connection() as cursor:
                cursor.execute("SELECT sqlite_version()")
                text = cursor.fetchone()[0]
            version = tuple(int(p) for p in text.split("."))
            self._remote_sqlite_version = version
        return version
