"""Shared fixtures: ``app``, ``client``, ``runner``, ``db_session`` and PostgreSQL databases.

The test schema is always built by running the Alembic migrations (never ``create_all``), once per
session into a template database that each test copies, so every test starts from a clean,
migrated database in milliseconds: a SQLite file copied per test, and on PostgreSQL a template
database copied with ``CREATE DATABASE ... TEMPLATE``.

Helpers for test modules (``make_app``, ``BASE_CONFIG``, paths) live in ``tests/kit/apps.py``.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from screener.core.questionnaire import load
from tests.kit import postgres
from tests.kit.apps import QUESTIONS, dispose, make_app, migrate_to_head


@pytest.fixture(scope="session")
def questionnaire():
    """The real questionnaire, loaded once."""
    return load(QUESTIONS)


@pytest.fixture(scope="session")
def migrated_sqlite_template(tmp_path_factory) -> Path:
    """A SQLite file migrated to head, copied by each test."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    app = make_app(f"sqlite:///{path}")
    migrate_to_head(app)
    dispose(app)
    # WAL mode: fold the log into the main file so that copying the file copies everything.
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture
def app(request, migrated_sqlite_template, tmp_path):
    """A fresh app on its own migrated SQLite database.

    Mark a test ``@pytest.mark.csrf`` to run it with CSRF protection on.
    """
    database = tmp_path / "screener.sqlite3"
    shutil.copyfile(migrated_sqlite_template, database)
    overrides = {}
    if request.node.get_closest_marker("csrf"):
        overrides["WTF_CSRF_ENABLED"] = True
    app = make_app(f"sqlite:///{database}", **overrides)
    yield app
    dispose(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def db_session(app):
    """The SQLAlchemy session inside an app context."""
    from screener.extensions import db

    with app.app_context():
        yield db.session


# --- PostgreSQL -------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def postgres_server_url():
    """TEST_DATABASE_URL, or skip: PostgreSQL tests need a real server."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip("PostgreSQL tests need TEST_DATABASE_URL (e.g. postgresql://postgres@127.0.0.1/test)")
    return url


@pytest.fixture(scope="session")
def migrated_postgres_template(postgres_server_url):
    """The name of a PostgreSQL database migrated to head once per session, copied by each test
    (no connection to it stays open: PostgreSQL copies only a template nobody uses)."""
    name = postgres.unique_name("screener_template")
    app = make_app(postgres.sqlalchemy_url(postgres.create_database(postgres_server_url, name)))
    try:
        migrate_to_head(app)
        dispose(app)
        yield name
    finally:
        postgres.drop_database(postgres_server_url, name)


@pytest.fixture
def postgres_url(postgres_server_url, migrated_postgres_template):
    """A uniquely named PostgreSQL database migrated to head (a copy of the session's
    template), dropped afterwards."""
    name = postgres.unique_name("screener_test")
    url = postgres.create_database(postgres_server_url, name, template=migrated_postgres_template)
    yield postgres.sqlalchemy_url(url)
    postgres.drop_database(postgres_server_url, name)


@pytest.fixture
def empty_postgres_url(postgres_server_url):
    """A brand-new, uniquely named, empty PostgreSQL database (for migration tests), dropped
    afterwards."""
    name = postgres.unique_name("screener_test")
    yield postgres.sqlalchemy_url(postgres.create_database(postgres_server_url, name))
    postgres.drop_database(postgres_server_url, name)


@pytest.fixture
def pg_app(postgres_url):
    """An app on a fresh PostgreSQL database migrated to head."""
    app = make_app(postgres_url)
    yield app
    dispose(app)


@pytest.fixture
def login_as(app, client):
    """``login_as("clinician")`` creates a staff account of that role and logs the client in.

    Returns the user's id and email (the row itself belongs to another session).
    """
    from tests.factories import login, make_staff

    def _login_as(role: str = "intake", **kwargs):
        with app.app_context():
            user = make_staff(role, **kwargs)
            login(client, user)
            return type("LoggedIn", (), {"id": user.id, "email": user.email, "role": role,
                                         "name": user.name})

    return _login_as
