"""The Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from screener.extensions import db
from tests.kit.apps import make_app

APP_TABLES = {"screenings", "questionnaire_versions", "staff_users", "staff_sessions", "notes",
              "safety_answers", "outbox", "contact_attempts", "login_throttles",
              "staff_recovery_codes", "staff_pending_logins", "receipts", "retired_tokens",
              "kept_notes",
              "audit_events", "queue_counts", "daily_counts", "daily_counts_rolled_up"}


def run(app, *args: str) -> str:
    """``flask db ARGS`` against the app; fails the test on a non-zero exit."""
    result = app.test_cli_runner().invoke(args=["db", *args])
    assert result.exit_code == 0, f"flask db {' '.join(args)}:\n{result.output}"
    return result.output


def tables(app) -> set[str]:
    with app.app_context():
        return set(sa.inspect(db.engine).get_table_names())


def schema_differences(app) -> list:
    """What autogenerate would add or change, compared the way ``flask db check`` compares."""
    with app.app_context(), db.engine.connect() as connection:
        options = app.extensions["migrate"].configure_args
        context = MigrationContext.configure(connection, opts={
            "compare_type": options.get("compare_type", True),
            "render_as_batch": options.get("render_as_batch", False),
        })
        return compare_metadata(context, db.metadata)


def check_round_trip(app) -> None:
    assert tables(app) == set()
    run(app, "upgrade")
    assert tables(app) == APP_TABLES | {"alembic_version"}
    assert schema_differences(app) == []
    run(app, "check")  # exits 1 if autogenerate would write a migration
    run(app, "downgrade", "base")
    assert tables(app) == {"alembic_version"}
    run(app, "upgrade")
    assert schema_differences(app) == []
    run(app, "check")


def test_migrations_on_sqlite(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    try:
        check_round_trip(app)
    finally:
        with app.app_context():
            db.engine.dispose()


def test_models_cover_every_table():
    assert set(db.metadata.tables) == APP_TABLES


@pytest.mark.postgres
def test_migrations_on_postgresql(empty_postgres_url):
    app = make_app(empty_postgres_url)
    try:
        check_round_trip(app)
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
