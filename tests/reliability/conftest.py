"""Fixtures for the reliability tests: production-mode apps, real servers, private PostgreSQL."""

from __future__ import annotations

import os
import shutil

import pytest

from tests.kit.apps import BASE_CONFIG
from tests.kit.postgres import PrivatePostgres, postgres_bindir
from tests.kit.servers import GunicornServer, migrated_env


BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def any_app(request):
    """The test app on SQLite, then on PostgreSQL (when TEST_DATABASE_URL is set)."""
    return request.getfixturevalue("app" if request.param == "sqlite" else "pg_app")


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path):
    """An empty database for servers: a SQLite file, then PostgreSQL (with TEST_DATABASE_URL)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'served.sqlite3'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def production_app(migrated_sqlite_template, tmp_path):
    """The app as deployed (SCREENER_ENV=production, CSRF on), on a migrated SQLite copy."""
    from screener import create_app
    from screener.extensions import db

    database = tmp_path / "production.sqlite3"
    shutil.copyfile(migrated_sqlite_template, database)
    app = create_app({
        "SCREENER_ENV": "production", "TESTING": False,
        "SECRET_KEY": "production-test-secret-0123456789abcdef0123456789",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
        "QUESTIONNAIRE_PATH": BASE_CONFIG["QUESTIONNAIRE_PATH"],
        "RATELIMIT_STORAGE_URI": "memory://",
        "TRUSTED_HOSTS": ["localhost", "clinic.example"],
    })
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def start_server(tmp_path):
    """``start_server(env, workers=2)``: a gunicorn server, stopped by PID at teardown."""
    servers = []

    def _start(env: dict, workers: int = 2, name: str = "server") -> GunicornServer:
        per_process = env.get("RATELIMIT_STORAGE_URI", "memory://").startswith("memory://")
        if env.get("SCREENER_ENV") == "production" and per_process and workers > 1:
            # gunicorn.conf.py refuses per-process limit counters with several workers.
            pytest.skip("production with several workers needs a shared rate-limit store: "
                        "set TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/15)")
        server = GunicornServer(env, tmp_path / f"{name}-{len(servers)}.log", workers)
        servers.append(server)
        return server.start()

    yield _start
    for server in servers:
        server.stop()


@pytest.fixture
def sqlite_env(tmp_path):
    """Production settings on a fresh, migrated SQLite file."""
    return migrated_env(f"sqlite:///{tmp_path / 'served.sqlite3'}")


@pytest.fixture
def private_postgres():
    """A PostgreSQL cluster of the test's own (initdb + pg_ctl), removed afterwards."""
    if postgres_bindir() is None:
        if os.environ.get("TEST_DATABASE_URL"):
            pytest.fail("PostgreSQL tests run but the server binaries (initdb, pg_ctl) are missing")
        pytest.skip("PostgreSQL server binaries not installed (/usr/lib/postgresql/*/bin)")
    cluster = PrivatePostgres().init()
    cluster.start()
    yield cluster
    cluster.destroy()

