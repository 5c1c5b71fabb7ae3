"""Issue 23, start-up and deployment: each refusal or fallback the by-hand test asked for."""

from __future__ import annotations

import logging
import os
import stat

import pytest

from screener import config
from tests.kit.apps import BASE_CONFIG, make_app


def test_a_short_secret_key_is_refused_in_production(tmp_path):
    # SECRET_KEY=x used to start, and derives the TOTP key and the code hashes.
    with pytest.raises(config.ConfigurationError, match="at least 32"):
        config.secret_key_for("production", tmp_path, "x", strict=True)
    with pytest.raises(config.ConfigurationError, match="at least 32"):
        config.secret_key_for("production", tmp_path, "y" * 31, strict=True)
    assert config.secret_key_for("production", tmp_path, "z" * 32, strict=True) == "z" * 32


def test_flask_env_is_not_a_stand_in_for_screener_env(monkeypatch):
    monkeypatch.delenv("SCREENER_ENV", raising=False)
    monkeypatch.setenv("FLASK_ENV", "development")
    assert config.environment() == "production"  # production checks stay on
    assert "SCREENER_ENV" in config.flask_env_problem("production")
    monkeypatch.setenv("SCREENER_ENV", "development")
    assert config.environment() == "development"
    assert config.flask_env_problem("development") is None


@pytest.mark.parametrize("uri", ["memory://", "MEMORY://", "Memory://", " memory:// "])
def test_the_memory_store_check_ignores_case(uri):
    import runpy

    from tests.kit.servers import PROJECT_ROOT

    refusal = runpy.run_path(str(PROJECT_ROOT / "gunicorn.conf.py"))["per_process_limits_refusal"]
    assert config.memory_rate_limits(uri)
    assert refusal("production", uri, 2) is not None


def test_an_unreachable_rate_limit_store_is_reported_but_readyz_stays_200(app, caplog):
    """DECISIONS "Staff pages": log an error, count per process, tell admins, keep serving."""
    from screener.extensions import limiter
    from tests.kit.apps import migrate_to_head

    broken = make_app(app.config["SQLALCHEMY_DATABASE_URI"],
                      RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0")
    migrate_to_head(broken)
    with caplog.at_level(logging.ERROR, logger="screener.health"):
        response = broken.test_client().get("/readyz")
    assert response.status_code == 200
    assert response.json["rate_limits"] == "unavailable"
    assert any("unreachable" in record.getMessage() for record in caplog.records)
    assert broken.config["RATELIMIT_IN_MEMORY_FALLBACK_ENABLED"] is True
    limiter._storage_dead = False  # the limiter is shared by the test apps


def test_resume_attempts_stay_limited_while_redis_is_down(app):
    """40 of 40 resume attempts went through with Redis down; now each process counts."""
    from screener.extensions import limiter
    from tests.kit.apps import migrate_to_head

    broken = make_app(app.config["SQLALCHEMY_DATABASE_URI"],
                      RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0",
                      RESUME_RATE_LIMIT="5/hour", WTF_CSRF_ENABLED=False)
    migrate_to_head(broken)
    client = broken.test_client()
    try:
        statuses = [client.post("/screening/resume", data={"code": f"WRONG{n:05d}"}).status_code
                    for n in range(10)]
    finally:
        limiter._storage_dead = False
    assert 429 in statuses, statuses


def test_the_sqlite_file_and_instance_folder_are_private(tmp_path):
    instance = tmp_path / "instance"
    app = make_app(f"sqlite:///{instance / 'screener.sqlite3'}")
    app.instance_path = str(instance)
    from screener.storage.database import _private_sqlite_file

    _private_sqlite_file(app.config["SQLALCHEMY_DATABASE_URI"], instance)
    assert stat.S_IMODE(os.stat(instance).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(instance / "screener.sqlite3").st_mode) == 0o600


def test_a_new_database_file_is_created_0600(tmp_path):
    path = tmp_path / "fresh.sqlite3"
    make_app(f"sqlite:///{path}")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_base_config_key_is_long_enough():
    assert len(BASE_CONFIG["SECRET_KEY"]) >= 32


def test_admins_see_a_banner_while_limits_are_per_process(app, client, login_as):
    from screener.extensions import limiter

    login_as("admin")
    limiter._storage_dead = True
    try:
        page = client.get("/staff/users").get_data(as_text=True)
    finally:
        limiter._storage_dead = False
    assert "rate-limit store (Redis) is unreachable" in page
    assert "rate-limit store" not in client.get("/staff/users").get_data(as_text=True)
