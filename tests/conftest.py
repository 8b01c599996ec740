"""Shared fixtures.

Backends come from the environment, so one suite runs on both:
- ``IDP_TEST_DATABASE_URL``: an admin URL of a PostgreSQL server; each test session creates a
  fresh database there and drops it at the end. Unset: a SQLite file in a temporary folder.
- ``IDP_TEST_REDIS_URL``: Redis for shared state, with a fresh key prefix per test. Unset:
  the embedded backend in the database.
Mail goes through a real SMTP server (aiosmtpd) started for the session.
"""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text

from idp import create_app
from idp.extensions import db
from tests.reliability.servers import private_redis  # noqa: F401 - a fixture for every test
from tests.support.mailcatcher import MailCatcher

ADMIN_DB_URL = os.environ.get("IDP_TEST_DATABASE_URL", "")
REDIS_URL = os.environ.get("IDP_TEST_REDIS_URL", "")

#: Fast Argon2 parameters for tests that do not test hashing itself.
FAST_HASH: dict = {
    "auth_argon2_time_cost": 1,
    "auth_argon2_memory_kib": 1024,
    "auth_argon2_parallelism": 1,
}


def pytest_report_header(config):
    return [
        f"idp database: {'postgresql (fresh database)' if ADMIN_DB_URL else 'sqlite'}",
        f"idp shared state: {'redis' if REDIS_URL else 'embedded (sql)'}",
    ]


def _with_database(url: str, name: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    if not ADMIN_DB_URL:
        path = tmp_path_factory.mktemp("db") / "idp.sqlite"
        yield f"sqlite:///{path}"
        return
    name = f"idp_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(ADMIN_DB_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield _with_database(ADMIN_DB_URL, name)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def mail_server():
    catcher = MailCatcher()
    catcher.start()
    yield catcher
    catcher.stop()


@pytest.fixture
def mail(mail_server):
    mail_server.clear()
    return mail_server


@pytest.fixture(scope="session")
def base_settings(tmp_path_factory, database_url, mail_server) -> dict:
    root = tmp_path_factory.mktemp("idp")
    return {
        "instance_dir": str(root / "instance"),
        "keys_dir": str(root / "keys"),
        "database_url": database_url,
        "redis_url": REDIS_URL,
        "public_base_url": "http://idp.test",
        "secret_key": "test-secret-key-not-for-production",
        "mail_backend": "smtp",
        "mail_smtp_host": mail_server.host,
        "mail_smtp_port": mail_server.port,
        "mail_smtp_starttls": False,
        "log_level": "WARNING",
        **FAST_HASH,
    }


@pytest.fixture(scope="session")
def migrated(base_settings):
    """Run every migration once per test session."""
    from idp.storage import upgrade_database

    app = create_app(base_settings)
    with app.app_context():
        upgrade_database()
        db.engine.dispose()
    return True


def _empty_all_tables() -> None:
    tables = [t for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())


@pytest.fixture
def settings_overrides() -> dict:
    """Per-test overrides; a test module may redefine this fixture."""
    return {}


def _forget_g_between_requests(app) -> None:
    """Tests keep one app context open, and Flask reuses it for every request, so ``g``
    (where the SSO session and the CSRF token are cached) would leak from one request, or
    one client, to the next. Production has one context per request; so do tests."""
    from flask import g

    @app.teardown_request
    def _forget(_exc):
        for name in list(g):
            g.pop(name, None)


@pytest.fixture
def make_app(base_settings, migrated):
    """Build more apps on the same database and state (e.g. two instances)."""
    prefix = f"idp-test-{uuid.uuid4().hex[:10]}:"
    apps = []

    def factory(**overrides):
        config = {**base_settings, "redis_prefix": prefix, **overrides}
        app = create_app(config)
        app.config["TESTING"] = True
        _forget_g_between_requests(app)
        apps.append(app)
        return app

    yield factory
    for app in apps:
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def app(make_app, settings_overrides):
    app = make_app(**settings_overrides)
    with app.app_context():
        _empty_all_tables()
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()
