"""Migrations build the schema the models describe, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import uuid

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from idp.extensions import db


def test_migrations_match_the_models(app):
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert diff == []


def test_every_model_table_exists(app):
    tables = set(inspect(db.engine).get_table_names())
    assert {t.name for t in db.metadata.sorted_tables} <= tables
    assert "alembic_version" in tables


def test_downgrade_to_base_and_upgrade_again(make_app, tmp_path, database_url):
    """On a database of its own, every migration goes down and up again cleanly."""
    from sqlalchemy import create_engine, text

    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
        cleanup = None
    else:
        name = "idp_mig_" + uuid.uuid4().hex[:12]
        admin_url = database_url.rsplit("/", 1)[0] + "/postgres"
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = database_url.rsplit("/", 1)[0] + "/" + name

        def cleanup():
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()

    try:
        app = make_app(database_url=url)
        with app.app_context():
            upgrade(revision="heads")
            assert "users" in inspect(db.engine).get_table_names()
            downgrade(revision="base")
            assert "users" not in inspect(db.engine).get_table_names()
            upgrade(revision="heads")
            assert "memberships" in inspect(db.engine).get_table_names()
            db.engine.dispose()
    finally:
        if cleanup:
            cleanup()
