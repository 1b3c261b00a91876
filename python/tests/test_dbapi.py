"""The DB-API 2.0 module, on a local file and over HTTP (see conftest.py)."""

import datetime
import decimal
import threading

import pytest

import sqlport


def test_module_globals():
    assert sqlport.apilevel == "2.0"
    assert sqlport.paramstyle == "qmark"
    assert sqlport.threadsafety == 2
    assert sqlport.sqlite_version_info >= (3, 35, 0)
    for name in ("DataError", "OperationalError", "IntegrityError", "InternalError",
                 "ProgrammingError", "NotSupportedError"):
        assert issubclass(getattr(sqlport, name), sqlport.DatabaseError)
    assert issubclass(sqlport.InterfaceError, sqlport.Error)
    assert issubclass(sqlport.DatabaseError, sqlport.Error)
    assert not issubclass(sqlport.Warning, sqlport.Error)


def test_values_round_trip(connect, table):
    conn = connect()
    conn.execute(f"CREATE TABLE {table} (v)")
    values = [None, 0, -1, 2**63 - 1, -(2**63), 1.5, -0.25, "", "héllo\x00wörld", b"", b"\x00\xff" * 100]
    conn.executemany(f"INSERT INTO {table} VALUES (?)", [(v,) for v in values])
    got = [r[0] for r in conn.execute(f"SELECT v FROM {table} ORDER BY rowid")]
    assert got == values
    assert [type(v) for v in got] == [type(v) for v in values]
    conn.execute(f"INSERT INTO {table} VALUES (?)", (bytearray(b"ab"),))
    conn.execute(f"INSERT INTO {table} VALUES (?)", (memoryview(b"cd"),))
    assert conn.execute(f"SELECT v FROM {table} WHERE typeof(v) = 'blob' AND length(v) = 2 ORDER BY rowid").fetchall() == [(b"ab",), (b"cd",)]


def test_unsupported_and_overflowing_parameters(connect):
    conn = connect()
    with pytest.raises(OverflowError):
        conn.execute("SELECT ?", (2**63,))
    with pytest.raises(sqlport.ProgrammingError):
        conn.execute("SELECT ?", (object(),))


def test_qmark_and_named_parameters(connect):
    conn = connect()
    assert conn.execute("SELECT ?, ?", (1, "a")).fetchone() == (1, "a")
    assert conn.execute("SELECT :a, :b, :a", {"a": 1, "b": 2, "unused": 3}).fetchone() == (1, 2, 1)
    assert conn.execute("SELECT ?2, ?1", (1, 2)).fetchone() == (2, 1)
    with pytest.raises(sqlport.ProgrammingError):
        conn.execute("SELECT :missing", {"a": 1})
    with pytest.raises(sqlport.ProgrammingError):
        conn.execute("SELECT ?, ?", (1,))
    with pytest.raises(sqlport.ProgrammingError):
        conn.execute("SELECT ?", {"a": 1})


def test_cursor_attributes(connect, table):
    conn = connect()
    cur = conn.cursor()
    assert cur.connection is conn
    assert cur.description is None and cur.rowcount == -1 and cur.arraysize == 1
    cur.execute(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, name TEXT)")
    cur.execute(f"INSERT INTO {table} (name) VALUES ('a')")
    assert cur.rowcount == 1 and cur.lastrowid == 1
    cur.executemany(f"INSERT INTO {table} (name) VALUES (?)", [("b",), ("c",), ("d",)])
    assert cur.rowcount == 3
    cur.execute(f"UPDATE {table} SET name = name || '!' WHERE id > 1")
    assert cur.rowcount == 3
    cur.execute(f"SELECT id, name AS label FROM {table} ORDER BY id")
    assert [d[0] for d in cur.description] == ["id", "label"]
    assert all(len(d) == 7 for d in cur.description)
    assert cur.rowcount == -1
    assert cur.fetchone() == (1, "a")
    cur.arraysize = 2
    assert cur.fetchmany() == [(2, "b!"), (3, "c!")]
    assert list(cur) == [(4, "d!")]
    assert cur.fetchone() is None and cur.fetchall() == []
    cur.close()
    with pytest.raises(sqlport.ProgrammingError):
        cur.execute("SELECT 1")


def test_errors_carry_codes(connect, target, table):
    conn = connect()
    conn.execute(f"CREATE TABLE {table} (x INTEGER UNIQUE NOT NULL)")
    conn.execute(f"INSERT INTO {table} VALUES (1)")
    with pytest.raises(sqlport.IntegrityError) as info:
        conn.execute(f"INSERT INTO {table} VALUES (1)")
    e = info.value
    assert e.sqlport_kind == "sqlite"
    if target.startswith("http"):
        # sqld and the reference server send primary codes only.
        assert (e.sqlite_errorcode, e.sqlite_errorname) == (19, "SQLITE_CONSTRAINT")
        assert e.remote_code == "SQLITE_CONSTRAINT"
    else:
        assert (e.sqlite_errorcode, e.sqlite_errorname) == (2067, "SQLITE_CONSTRAINT_UNIQUE")
    with pytest.raises(sqlport.IntegrityError):
        conn.execute(f"INSERT INTO {table} VALUES (NULL)")
    with pytest.raises(sqlport.OperationalError) as info:
        conn.execute("SELEC 1")
    if target.startswith("http"):
        # The HTTP transport reports a statement that does not parse, sent
        # through the cursor endpoint, as an HTTP 500 without a SQLite code
        # (a gap in the transport, listed in the report).
        assert info.value.sqlport_kind in ("sqlite", "http")
    else:
        assert info.value.sqlite_errorcode == 1
    with pytest.raises(sqlport.OperationalError):
        conn.execute("SELECT * FROM no_such_table")
    with pytest.raises(sqlport.ProgrammingError):
        conn.execute("SELECT 1; SELECT 2")
    assert conn.execute("SELECT 1;").fetchall() == [(1,)]
    assert conn.execute("-- nothing").fetchall() == []


def test_closed_connection(connect):
    conn = connect()
    cur = conn.cursor()
    conn.close()
    conn.close()
    with pytest.raises(sqlport.ProgrammingError):
        conn.execute("SELECT 1")
    with pytest.raises(sqlport.ProgrammingError):
        cur.execute("SELECT 1")


def test_legacy_transactions(connect, table):
    conn = connect()
    other = connect(isolation_level=None)
    assert conn.isolation_level == "" and conn.autocommit == sqlport.LEGACY_TRANSACTION_CONTROL
    conn.execute(f"CREATE TABLE {table} (x)")
    assert not conn.in_transaction
    conn.execute(f"INSERT INTO {table} VALUES (1)")
    assert conn.in_transaction  # implicit BEGIN before DML
    assert other.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,)
    conn.commit()
    assert not conn.in_transaction
    assert other.execute(f"SELECT count(*) FROM {table}").fetchone() == (1,)
    conn.execute(f"INSERT INTO {table} VALUES (2)")
    conn.rollback()
    assert conn.execute(f"SELECT count(*) FROM {table}").fetchone() == (1,)
    with conn:
        conn.execute(f"INSERT INTO {table} VALUES (3)")
    assert not conn.in_transaction
    with pytest.raises(ZeroDivisionError):
        with conn:
            conn.execute(f"INSERT INTO {table} VALUES (4)")
            1 / 0
    assert [r[0] for r in conn.execute(f"SELECT x FROM {table} ORDER BY x")] == [1, 3]
    conn.execute(f"INSERT INTO {table} VALUES (5)")
    conn.isolation_level = None  # commits, like sqlite3
    assert not conn.in_transaction
    conn.execute(f"INSERT INTO {table} VALUES (6)")
    assert not conn.in_transaction
    with pytest.raises(ValueError):
        conn.isolation_level = "SOMETIMES"


def test_keep_idle_stream(connect, table):
    # Remote: the stream is kept between autocommit statements; local: no effect.
    conn = connect(isolation_level=None, keep_idle_stream=True)
    other = connect(isolation_level=None)
    conn.execute(f"CREATE TABLE {table} (x)")
    conn.executemany(f"INSERT INTO {table} VALUES (?)", [(i,) for i in range(3000)])
    assert other.execute(f"SELECT count(*) FROM {table}").fetchone() == (3000,)
    # Many rows streamed, then more statements on the same connection.
    assert sum(1 for _ in conn.execute(f"SELECT x FROM {table}")) == 3000
    conn.execute("BEGIN")
    conn.execute(f"DELETE FROM {table} WHERE x >= 10")
    assert conn.in_transaction
    assert other.execute(f"SELECT count(*) FROM {table}").fetchone() == (3000,)
    conn.execute("COMMIT")
    assert other.execute(f"SELECT count(*) FROM {table}").fetchone() == (10,)
    with pytest.raises(TypeError):
        connect(keep_idle_stream=True, no_such_option=1)


def test_autocommit_attribute(connect, table):
    setup = connect(autocommit=True)
    setup.execute(f"CREATE TABLE {table} (x)")
    conn = connect(autocommit=False)
    assert conn.in_transaction  # PEP 249: a transaction is always open
    conn.execute(f"INSERT INTO {table} VALUES (1)")
    conn.rollback()
    assert conn.in_transaction
    conn.execute(f"INSERT INTO {table} VALUES (2)")
    conn.commit()
    assert conn.in_transaction
    conn.autocommit = True
    assert not conn.in_transaction
    conn.execute(f"INSERT INTO {table} VALUES (3)")
    conn.commit()  # no-op
    assert not conn.in_transaction
    assert [r[0] for r in setup.execute(f"SELECT x FROM {table} ORDER BY x")] == [2, 3]
    with pytest.raises(ValueError):
        conn.autocommit = "yes"


def test_savepoints_and_pragmas_persist(connect, table):
    conn = connect(isolation_level=None)
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute(f"CREATE TABLE {table} (x)")
    conn.execute("BEGIN")
    conn.execute(f"INSERT INTO {table} VALUES (1)")
    conn.execute("SAVEPOINT s1")
    conn.execute(f"INSERT INTO {table} VALUES (2)")
    conn.execute("ROLLBACK TO s1")
    conn.execute("RELEASE s1")
    conn.execute("COMMIT")
    assert conn.execute(f"SELECT x FROM {table}").fetchall() == [(1,)]
    assert conn.execute("PRAGMA foreign_keys").fetchone() == (0,)


def test_executescript(connect, table):
    conn = connect()
    conn.executescript(f"""
        CREATE TABLE {table} (x);
        INSERT INTO {table} VALUES (';');  -- a comment; with a semicolon
        CREATE TRIGGER {table}_tr AFTER INSERT ON {table} BEGIN
            UPDATE {table} SET x = x || '+' WHERE rowid = new.rowid;
        END;
        INSERT INTO {table} VALUES ('a');
    """)
    assert conn.execute(f"SELECT x FROM {table} ORDER BY rowid").fetchall() == [(";",), ("a+",)]
    with pytest.raises(sqlport.OperationalError):
        conn.executescript("SELECT 1; SELEC 2;")


def test_large_result_is_streamed(connect):
    conn = connect()
    n = 200_000
    cur = conn.execute(
        "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < ?) "
        "SELECT i, printf('%0100d', i) FROM c",
        (n,),
    )
    first = cur.fetchone()
    assert first[0] == 1
    # Only a few chunks are in flight: the statement is still running.
    assert not cur._stream.finished
    total = 1
    last = None
    while True:
        rows = cur.fetchmany(5000)
        if not rows:
            break
        total += len(rows)
        last = rows[-1][0]
    assert (total, last) == (n, n)


def test_interleaved_cursors_keep_their_rows(connect, table):
    conn = connect(isolation_level=None)
    conn.execute(f"CREATE TABLE {table} (x)")
    conn.executemany(f"INSERT INTO {table} VALUES (?)", [(i,) for i in range(2000)])
    reader = conn.execute(f"SELECT x FROM {table} ORDER BY x")
    seen = [reader.fetchone()[0]]
    writer = conn.cursor()
    for x in reader:
        seen.append(x[0])
        if x[0] % 500 == 0:
            writer.execute("SELECT count(*) FROM " + table)
            assert writer.fetchone() == (2000,)
    assert seen == list(range(2000))


def test_adapters_and_converters(connect, table):
    conn = connect(detect_types=sqlport.PARSE_DECLTYPES | sqlport.PARSE_COLNAMES)
    conn.execute(f"CREATE TABLE {table} (d date, ts timestamp, n decimal_text)")
    sqlport.register_adapter(decimal.Decimal, str)
    sqlport.register_converter("decimal_text", lambda b: decimal.Decimal(b.decode()))
    today = datetime.date(2024, 2, 29)
    now = datetime.datetime(2024, 2, 29, 12, 30, 1, 5)
    conn.execute(f"INSERT INTO {table} VALUES (?, ?, ?)", (today, now, decimal.Decimal("1.25")))
    row = conn.execute(f"SELECT d, ts, n FROM {table}").fetchone()
    assert row == (today, now, decimal.Decimal("1.25"))
    cur = conn.execute(f'SELECT d AS "d [timestamp]" FROM {table}')
    assert cur.description[0][0] == "d"

    class Point:
        def __init__(self, x, y):
            self.x, self.y = x, y

        def __conform__(self, protocol):
            if protocol is sqlport.PrepareProtocol:
                return f"{self.x};{self.y}"

    assert conn.execute("SELECT ?", (Point(1, 2),)).fetchone() == ("1;2",)


def test_row_factory(connect):
    conn = connect()
    conn.row_factory = sqlport.Row
    row = conn.execute("SELECT 1 AS a, 2 AS b").fetchone()
    assert row["A"] == 1 and row[1] == 2 and row.keys() == ["a", "b"]


def test_check_same_thread(connect):
    conn = connect()
    errors = []

    def use():
        try:
            conn.execute("SELECT 1")
        except sqlport.ProgrammingError as e:
            errors.append(e)

    t = threading.Thread(target=use)
    t.start()
    t.join()
    assert len(errors) == 1
    shared = connect(check_same_thread=False)
    results = []
    t = threading.Thread(target=lambda: results.append(shared.execute("SELECT 7").fetchone()))
    t.start()
    t.join()
    assert results == [(7,)]


def test_gil_released_while_waiting(connect):
    """Another Python thread runs while a statement is executing."""
    conn = connect(check_same_thread=False)
    started = threading.Event()
    done = threading.Event()

    def slow():
        started.set()
        conn.execute(
            "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 3000000) "
            "SELECT count(*) FROM c"
        ).fetchone()
        done.set()

    t = threading.Thread(target=slow)
    t.start()
    assert started.wait(30)
    # If the GIL were held while waiting, this thread could only get here
    # after the statement finished.
    observed_running = not done.is_set()
    t.join(60)
    assert done.is_set()
    assert observed_running


def test_functions_local_only(connect, target):
    conn = connect()
    if target.startswith("http"):
        with pytest.raises(sqlport.NotSupportedError):
            conn.create_function("twice", 1, lambda x: x * 2)
        return
    conn.create_function("twice", 1, lambda x: x * 2, deterministic=True)
    assert conn.execute("SELECT twice(21), twice('ab')").fetchone() == (42, "abab")
    conn.create_function("boom", 0, lambda: 1 / 0)
    with pytest.raises(sqlport.OperationalError):
        conn.execute("SELECT boom()")

    class Total:
        def __init__(self):
            self.n = 0

        def step(self, v):
            self.n += v

        def finalize(self):
            return self.n

    conn.create_aggregate("total2", 1, Total)
    assert conn.execute("SELECT total2(x) FROM (SELECT 1 AS x UNION ALL SELECT 2)").fetchone() == (3,)


def test_name_forms():
    assert not sqlport.is_remote_name(":memory:")
    assert not sqlport.is_remote_name("db.sqlite3")
    assert not sqlport.is_remote_name("./dev.db")
    assert not sqlport.is_remote_name("/var/data/db.sqlite3")
    for remote in ("https://my-db-org.turso.io", "libsql://my-db-org.turso.io",
                   "my-db-org.turso.io", "wss://my-db-org.turso.io", "http://127.0.0.1:8080"):
        assert sqlport.is_remote_name(remote), remote
    with pytest.raises(sqlport.InterfaceError):
        sqlport.connect("localhost:8080")
    with pytest.raises(sqlport.InterfaceError):
        sqlport.connect("ftp://example.invalid/x")


def test_memory_databases_are_private():
    a = sqlport.connect(":memory:")
    b = sqlport.connect(":memory:")
    a.execute("CREATE TABLE t (x)")
    with pytest.raises(sqlport.OperationalError):
        b.execute("SELECT * FROM t")


def test_auth_token_is_required_and_never_printed(token_server):
    from conftest import TOKEN

    with pytest.raises(sqlport.OperationalError) as info:
        sqlport.connect(token_server.url, auth_token="wrong-token-value").execute("SELECT 1")
    assert info.value.sqlport_kind == "auth"
    assert "wrong-token-value" not in str(info.value)
    conn = sqlport.connect(token_server.url, auth_token=TOKEN)
    assert conn.execute("SELECT 1").fetchone() == (1,)
    assert TOKEN not in repr(conn) and TOKEN not in repr(conn.__dict__)
    url_conn = sqlport.connect(token_server.url + "?authToken=" + TOKEN)
    assert url_conn.execute("SELECT 2").fetchone() == (2,)


def test_error_after_the_last_row_is_raised(connect, table):
    """A constraint checked when INSERT ... RETURNING ends raises on fetch,
    as in sqlite3 (which steps one row ahead)."""
    conn = connect(isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute(f"CREATE TABLE {table}_p (id INTEGER PRIMARY KEY)")
    conn.execute(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, p INTEGER REFERENCES {table}_p (id))")
    with pytest.raises(sqlport.IntegrityError):
        conn.execute(f"INSERT INTO {table} (p) VALUES (5) RETURNING id").fetchone()
    assert conn.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,)


def test_aggregate_over_no_rows_is_null(connect, target):
    if target.startswith("http"):
        return
    conn = connect()

    class First:
        def __init__(self):
            self.v = None

        def step(self, v):
            self.v = self.v if self.v is not None else v

        def finalize(self):
            return self.v

    conn.create_aggregate("first", 1, First)
    assert conn.execute("SELECT first(x) FROM (SELECT 1 AS x WHERE 0)").fetchone() == (None,)
