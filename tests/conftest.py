"""Shared fixtures: ``app``, ``client``, ``runner``, ``db_session`` and PostgreSQL databases.

The test schema is always built by running the Alembic migrations (never ``create_all``), once per
session into a template SQLite file that each test copies, so every test starts from a clean,
migrated database in milliseconds.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import time
from pathlib import Path

import pytest

from screener import create_app
from screener.core.questionnaire import load
from screener.web.clock import CLOCK_KEY
from tests.factories import TestClock
from tests.kit import postgres

PROJECT_ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = PROJECT_ROOT / "questions.yaml"
DATA = Path(__file__).resolve().parent / "data"

BASE_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret-key-not-for-production-0123456789",
    "WTF_CSRF_ENABLED": False,
    "RATELIMIT_STORAGE_URI": "memory://",
    "QUESTIONNAIRE_PATH": str(QUESTIONS),
}


def make_app(database_url: str, **overrides):
    """An app on ``database_url`` with the test settings, and a clock that stands still for
    second factors and login throttles until a test moves it (``tests.factories.TestClock``)."""
    config = dict(BASE_CONFIG, SQLALCHEMY_DATABASE_URI=database_url)
    config.update(overrides)
    app = create_app(config)
    app.extensions[CLOCK_KEY] = TestClock(time.time())
    return app


def migrate_to_head(app) -> None:
    """Run ``flask db upgrade`` against the app's database."""
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()


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
    with app.app_context():
        from screener.extensions import db

        db.engine.dispose()
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
    with app.app_context():
        from screener.extensions import db

        db.session.remove()
        db.engine.dispose()


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

def _postgres_admin_url() -> str | None:
    return os.environ.get("TEST_DATABASE_URL") or None


@pytest.fixture(scope="session")
def postgres_server_url():
    """TEST_DATABASE_URL, or skip: PostgreSQL tests need a real server."""
    url = _postgres_admin_url()
    if not url:
        pytest.skip("PostgreSQL tests need TEST_DATABASE_URL (e.g. postgresql://postgres@127.0.0.1/test)")
    return url


@pytest.fixture
def postgres_url(postgres_server_url):
    """A brand-new, uniquely named, empty PostgreSQL database, dropped afterwards."""
    name = postgres.unique_name("screener_test")
    yield postgres.sqlalchemy_url(postgres.create_database(postgres_server_url, name))
    postgres.drop_database(postgres_server_url, name)


@pytest.fixture
def pg_app(postgres_url):
    """An app on a fresh PostgreSQL database migrated to head."""
    app = make_app(postgres_url)
    migrate_to_head(app)
    yield app
    with app.app_context():
        from screener.extensions import db

        db.session.remove()
        db.engine.dispose()


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
