"""Feature flags: Django's SQLite flags, with the SQLite version read from the
database sqlport talks to, and the few flags a remote connection changes."""

from django.db.backends.sqlite3 import features as sqlite_features
from django.utils.functional import cached_property


class DatabaseFeatures(sqlite_features.DatabaseFeatures):
    """Django's SQLite features for sqlport connections."""

    @cached_property
    def _version(self):
        return self.connection.get_database_version()

    @cached_property
    def can_alter_table_drop_column(self):
        return self._version >= (3, 35, 5)

    @cached_property
    def can_return_columns_from_insert(self):
        return self._version >= (3, 35)

    @cached_property
    def can_clone_databases(self):
        # A remote database cannot be copied by the test runner (parallel runs).
        return not self.connection.is_remote

    @cached_property
    def test_db_allows_multiple_connections(self):
        return self.connection.is_remote

    @cached_property
    def max_query_params(self):
        return 32766 if self._version >= (3, 32) else 999

    @cached_property
    def sqlport_math_functions(self):
        """Whether the database has SQLite's math functions (sqrt, sin, ...)."""
        if not self.connection.is_remote:
            return True  # Django registers Python versions locally.
        with self.connection.temporary_connection() as cursor:
            try:
                cursor.execute("SELECT sqrt(4)")
                return True
            except Exception:  # noqa: BLE001 - "no such function"
                return False

    @cached_property
    def django_test_skips(self):
        skips = dict(super().django_test_skips)
        if self.connection.is_remote:
            skips.update(
                {
                    "Remote connections run no Python code on the server: user-defined "
                    "SQL functions, collations and hashes (MD5/SHA*) are not available.": {
                        "db_functions.text.test_md5.MD5Tests",
                        "db_functions.text.test_sha1.SHA1Tests",
                        "db_functions.text.test_sha224.SHA224Tests",
                        "db_functions.text.test_sha256.SHA256Tests",
                        "db_functions.text.test_sha384.SHA384Tests",
                        "db_functions.text.test_sha512.SHA512Tests",
                    },
                }
            )
        return skips
