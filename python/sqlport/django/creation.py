"""Test databases. Local NAMEs: as Django's SQLite backend (a file, or a
shared in-memory database). Remote NAMEs: a server cannot create a database
on demand, so the test database is ``TEST["NAME"]`` if set, else NAME itself,
emptied (every table, view, index and trigger dropped) before and after the
run — Django asks before emptying one that holds tables, unless
``--noinput``."""

import sys

from django.db.backends.sqlite3.creation import DatabaseCreation as _Base


class DatabaseCreation(_Base):
    """Test database creation for local and remote sqlport databases."""

    def _remote(self, name=None):
        from .base import is_remote_name

        name = name if name is not None else self.connection.settings_dict["NAME"]
        return bool(name) and is_remote_name(str(name))

    def _get_test_db_name(self):
        if not self._remote():
            return super()._get_test_db_name()
        return self.connection.settings_dict["TEST"]["NAME"] or self.connection.settings_dict["NAME"]

    def _objects(self, cursor):
        cursor.execute(
            "SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' "
            "AND type IN ('table', 'view', 'trigger')"
        )
        return cursor.fetchall()

    def _empty_remote(self, name):
        """Drop every table, view and trigger of the remote database ``name``
        (one transaction, foreign keys off)."""
        import sqlport

        conn = sqlport.connect(name, **_remote_kwargs(self.connection))
        try:
            objects = self._objects(conn.cursor())
            if objects:
                script = ["PRAGMA foreign_keys = OFF", "BEGIN"]
                order = {"trigger": 0, "view": 1, "table": 2}
                for kind, obj in sorted(objects, key=lambda o: order[o[0]]):
                    quoted = '"%s"' % obj.replace('"', '""')
                    script.append(f"DROP {kind.upper()} IF EXISTS {quoted}")
                script += ["DELETE FROM sqlite_sequence" if any(o[1] == "sqlite_sequence" for o in objects) else "SELECT 1", "COMMIT", "PRAGMA foreign_keys = ON"]
                conn.executescript(";\n".join(script))
        finally:
            conn.close()
        return bool(objects)

    def _create_test_db(self, verbosity, autoclobber, keepdb=False):
        test_database_name = self._get_test_db_name()
        if not self._remote(test_database_name):
            return super()._create_test_db(verbosity, autoclobber, keepdb)
        if keepdb:
            return test_database_name
        import sqlport

        conn = sqlport.connect(test_database_name, **_remote_kwargs(self.connection))
        try:
            has_tables = bool(self._objects(conn.cursor()))
        finally:
            conn.close()
        if has_tables and not autoclobber:
            confirm = input(
                "Type 'yes' if you would like to try deleting the test database "
                f"'{self._get_database_display_str(verbosity, test_database_name)}', or 'no' to cancel: "
            )
            if confirm != "yes":
                self.log("Tests cancelled.")
                sys.exit(1)
        if has_tables:
            if verbosity >= 1:
                self.log(f"Emptying remote test database for alias {self._get_database_display_str(verbosity, test_database_name)}...")
            self._empty_remote(test_database_name)
        return test_database_name

    def _destroy_test_db(self, test_database_name, verbosity):
        if not self._remote(test_database_name):
            return super()._destroy_test_db(test_database_name, verbosity)
        self._empty_remote(test_database_name)

    def test_db_signature(self):
        if not self._remote():
            return super().test_db_signature()
        return (self.connection.settings_dict["NAME"], self._get_test_db_name())


def _remote_kwargs(wrapper):
    params = wrapper.get_connection_params()
    keep = ("auth_token", "request_timeout", "connect_timeout", "protocol", "timeout",
            "keep_idle_stream")
    return {k: v for k, v in params.items() if k in keep}


def _redacted(name):
    from sqlport import _sqlport

    try:
        return _sqlport.parse_name(str(name))[1]
    except Exception:  # noqa: BLE001 - a name that does not parse has no token to hide
        return str(name)


def _display(self, verbosity, database_name):
    return "'%s'%s" % (
        self.connection.alias,
        (" ('%s')" % _redacted(database_name)) if verbosity >= 2 else "",
    )


DatabaseCreation._get_database_display_str = _display
