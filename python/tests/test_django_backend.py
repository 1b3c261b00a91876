"""sqlport.django without a server: NAME detection (the seven forms of
django-libsql-backend), where the token comes from, and OPTIONS handling."""

import pytest

django = pytest.importorskip("django")

from django.conf import settings  # noqa: E402

if not settings.configured:
    settings.configure(USE_TZ=True)
    django.setup()

from django.core.exceptions import ImproperlyConfigured  # noqa: E402

from sqlport.django.base import DatabaseWrapper  # noqa: E402


def wrapper(name, options=None, **extra):
    d = {
        "ENGINE": "sqlport.django", "NAME": name, "OPTIONS": options or {}, "TEST": {},
        "ATOMIC_REQUESTS": False, "AUTOCOMMIT": True, "CONN_MAX_AGE": 0,
        "CONN_HEALTH_CHECKS": False, "TIME_ZONE": None, "USER": "", "PASSWORD": "",
        "HOST": "", "PORT": "",
    }
    d.update(extra)
    return DatabaseWrapper(d)


@pytest.mark.parametrize(
    "name, remote",
    [
        ("https://my-db-org.turso.io", True),
        ("my-db-org.turso.io", True),
        ("libsql://my-db-org.turso.io", True),
        ("wss://my-db-org.turso.io", True),
        ("/var/data/db.sqlite3", False),
        ("./dev.db", False),
        (":memory:", False),
        ("db.sqlite3", False),
        ("http://127.0.0.1:8080", True),
    ],
)
def test_name_forms(name, remote):
    w = wrapper(name)
    assert w.is_remote is remote
    assert w.sqlport_pure_sql is remote


def test_token_sources(monkeypatch):
    monkeypatch.setenv("TURSO_AUTH_TOKEN", "from-env")
    assert wrapper("libsql://x.turso.io").get_connection_params()["auth_token"] == "from-env"
    assert wrapper("libsql://x.turso.io", AUTH_TOKEN="top-level").get_connection_params()["auth_token"] == "top-level"
    w = wrapper("libsql://x.turso.io", {"auth_token": "option"}, AUTH_TOKEN="top-level")
    assert w.get_connection_params()["auth_token"] == "option"
    # A local NAME never gets a token, and sqlport's remote OPTIONS are dropped for it.
    params = wrapper("app.db", {"auth_token": "option", "request_timeout": 5}).get_connection_params()
    assert "auth_token" not in params and "request_timeout" not in params


def test_options_pass_through():
    w = wrapper("http://127.0.0.1:1", {"request_timeout": 5, "protocol": "v2", "transaction_mode": "immediate"})
    params = w.get_connection_params()
    assert params["request_timeout"] == 5 and params["protocol"] == "v2"
    assert w.transaction_mode == "IMMEDIATE"
    assert params["check_same_thread"] is False and params["uri"] is True


def test_bad_names_are_improperly_configured():
    with pytest.raises(ImproperlyConfigured):
        wrapper("").get_connection_params()
    with pytest.raises(ImproperlyConfigured):
        wrapper("localhost:8080").is_remote
