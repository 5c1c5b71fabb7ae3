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
            "include_object": options["include_object"],
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


SEARCHED = ["Zoë Müller", "Ana_Lopez", "Sam 50% Off", "alex example", "Alexandra Smith"]


@pytest.mark.postgres
@pytest.mark.parametrize("term, by_trigrams", [
    ("alex", True), ("ana_l", True), ("50%", True), ("müller", True), ("lex", True),
    ("al", False), ("5", False), ("_", False)])
def test_postgresql_can_answer_the_staff_search_from_its_trigram_index(pg_app, term,
                                                                       by_trigrams):
    """The search's condition as the app sends it (bound, escaped LIKE) can be served by the
    trigram index, and finds the same rows. With 5 rows the planner prefers other plans, so the
    B-tree holding search_text is dropped in a transaction that is rolled back. A search of
    fewer than three characters has no trigram to look up: it never reads that index (whole)."""
    from screener.storage.filters import search_condition
    from screener.storage.models import Screening
    from tests.factories import make_submission

    with pg_app.app_context():
        for number, name in enumerate(SEARCHED):
            make_submission(name=name, email=f"person{number}@example.org")
        query = sa.select(Screening.contact_name).where(
            search_condition(Screening.search_text, term))
        expected = {name for name in SEARCHED if term.lower() in name.lower()}
        assert set(db.session.scalars(query)) == expected
        compiled = query.compile(db.engine)
        connection = db.session.connection()
        connection.exec_driver_sql("DROP INDEX ix_screenings_queue")
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        plan = "\n".join(row[0] for row in connection.exec_driver_sql(
            "EXPLAIN " + compiled.string, compiled.params))
        assert ("ix_screenings_search_trigrams" in plan) == by_trigrams, plan
        assert set(db.session.scalars(query)) == expected
        db.session.rollback()


@pytest.mark.postgres
def test_the_upgrade_goes_on_without_the_search_index_when_pg_trgm_is_refused(
        postgres_server_url, caplog):
    """A role that may create tables but not extensions (no CREATE on the database): the
    upgrade completes, says why the index is missing, and the schema still matches the models."""
    from tests.kit import postgres

    role, name = postgres.unique_name("screener_role"), postgres.unique_name("screener_test")
    url = postgres.create_database(postgres_server_url, name)
    postgres.admin(postgres_server_url, f'CREATE ROLE "{role}" LOGIN')
    postgres.admin(url, f'GRANT USAGE, CREATE ON SCHEMA public TO "{role}"')
    _, _, tail = postgres.plain_url(url).partition("@")
    app = make_app(postgres.sqlalchemy_url(f"postgresql://{role}@{tail}"))
    try:
        with caplog.at_level("WARNING", logger="alembic.runtime.migration"):
            run(app, "upgrade")
        assert "pg_trgm could not be created" in caplog.text
        with app.app_context():
            indexes = {ix["name"] for ix in sa.inspect(db.engine).get_indexes("screenings")}
        assert "ix_screenings_search_trigrams" not in indexes and "ix_screenings_queue" in indexes
        assert schema_differences(app) == []
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        postgres.drop_database(postgres_server_url, name)
        postgres.admin(postgres_server_url, f'DROP ROLE IF EXISTS "{role}"')
