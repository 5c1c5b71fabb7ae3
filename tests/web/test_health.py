"""Liveness and readiness probes."""

from screener.extensions import db


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_readyz_at_head(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json["migrations"] == "head"


def test_readyz_not_at_head(app, client):
    with app.app_context():
        with db.engine.begin() as connection:
            connection.exec_driver_sql("UPDATE alembic_version SET version_num = 'old'")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["migrations"] == "not at head"


def test_readyz_database_unreachable(tmp_path):
    from tests.kit.apps import make_app

    app = make_app(f"sqlite:///{tmp_path}/missing-dir/nothing.sqlite3")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["database"] == "unreachable"


def test_sqlite_connection_settings(app):
    with app.app_context():
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 15000
