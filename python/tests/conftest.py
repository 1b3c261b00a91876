"""Fixtures: every DB-API test runs on a local database and over HTTP against
the reference server (`sqlport-conformance serve`), which the fixture starts on
127.0.0.1:0 and stops. The server binary comes from SQLPORT_REFERENCE_SERVER,
else ../target/release/sqlport-conformance; without it the HTTP half is skipped
with a printed reason. Real sqld (the `sqld_server` fixture) is found through
SQLPORT_SQLD and skipped with a printed reason when that is unset."""

import os
import pathlib
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
TOKEN = "test-token-not-a-secret-7f3a"


def server_binary():
    explicit = os.environ.get("SQLPORT_REFERENCE_SERVER")
    if explicit:
        return explicit
    default = REPO / "target" / "release" / "sqlport-conformance"
    return str(default) if default.exists() else None


class ReferenceServer:
    """A reference server process on a free loopback port."""

    def __init__(self, binary, database, token=None):
        env = dict(os.environ)
        args = [binary, "serve", database, "--listen", "127.0.0.1:0", "--idle-timeout", "60"]
        if token:
            env["SQLPORT_TEST_TOKEN"] = token
            args += ["--auth-token-env", "SQLPORT_TEST_TOKEN"]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True)
        # The server prints "listening on http://ADDR" once bound; readline
        # returns at that line or at EOF if the server died.
        line = self.proc.stdout.readline()
        if "listening on " not in line:
            self.stop()
            raise RuntimeError(f"reference server did not start: {line!r}")
        self.url = line.strip().split("listening on ", 1)[1]

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


class SqldServer:
    """Real sqld on a free loopback port with its own database directory."""

    def __init__(self, binary):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.dir = tempfile.mkdtemp(prefix="sqlport-sqld-")
        self.proc = subprocess.Popen(
            [binary, "--no-welcome", "--db-path", os.path.join(self.dir, "d.sqld"),
             "--http-listen-addr", f"127.0.0.1:{port}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        self.url = f"http://127.0.0.1:{port}"
        # Wait (bounded) until /health answers or the process exits.
        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None:
                self.stop()
                raise RuntimeError(f"sqld exited with {self.proc.returncode}")
            try:
                with urllib.request.urlopen(self.url + "/health", timeout=2):
                    return
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("sqld did not answer /health within 60 s") from None
                time.sleep(0.05)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="session")
def sqld_server():
    binary = os.environ.get("SQLPORT_SQLD")
    if not binary:
        print("SKIP: SQLPORT_SQLD is not set; the tests against real sqld do not run", file=sys.stderr)
        pytest.skip("SQLPORT_SQLD is not set (path of a sqld binary)")
    server = SqldServer(binary)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def reference_server():
    binary = server_binary()
    if binary is None:
        print("SKIP: no reference server binary (set SQLPORT_REFERENCE_SERVER or build sqlport-conformance --release)", file=sys.stderr)
        pytest.skip("no reference server binary")
    server = ReferenceServer(binary, ":memory:")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def token_server():
    binary = server_binary()
    if binary is None:
        pytest.skip("no reference server binary")
    server = ReferenceServer(binary, ":memory:", token=TOKEN)
    yield server
    server.stop()


_counter = [0]


@pytest.fixture(params=["local", "http"])
def target(request, tmp_path):
    """A database NAME on each transport (a fresh table namespace per test)."""
    if request.param == "local":
        return str(tmp_path / "test.db")
    server = request.getfixturevalue("reference_server")
    return server.url


@pytest.fixture
def connect(target):
    """sqlport.connect bound to the test's NAME; closes what it opened."""
    import sqlport

    opened = []

    def _connect(**kwargs):
        conn = sqlport.connect(target, **kwargs)
        opened.append(conn)
        return conn

    yield _connect
    for conn in opened:
        conn.close()


@pytest.fixture
def table(connect):
    """A fresh table name (the HTTP database is shared by the session)."""
    _counter[0] += 1
    name = f"t{_counter[0]}"
    conn = connect(isolation_level=None)
    conn.execute(f"DROP TABLE IF EXISTS {name}")
    return name
