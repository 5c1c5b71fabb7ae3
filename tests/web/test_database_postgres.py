"""PostgreSQL connection handling: idle connections are checked before use, and the wizard
reads its draft without a transaction or a lock, then saves with one version-checked UPDATE."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import create_engine, event, text

from screener.storage.database import ping_idle_connections
from screener.extensions import db
from tests.helpers import baseline
from tests.web.wizard_client import step_data, walk

pytestmark = pytest.mark.postgres


def terminate(engine, pid: int) -> None:
    """End one server backend from another connection, as a database restart would."""
    url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))


def backend_pid(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT pg_backend_pid()")).scalar_one()


def test_a_connection_killed_while_idle_is_replaced_before_use(postgres_url):
    engine = create_engine(postgres_url, pool_size=1, max_overflow=0)
    ping_idle_connections(engine, idle_seconds=0)
    try:
        first = backend_pid(engine)
        terminate(engine, first)
        assert backend_pid(engine) != first, "a new connection, and no error"
    finally:
        engine.dispose()


def test_a_connection_in_steady_use_is_not_pinged(postgres_url):
    engine = create_engine(postgres_url, pool_size=1, max_overflow=0)
    ping_idle_connections(engine, idle_seconds=3600)
    statements = []
    event.listen(engine, "before_cursor_execute",
                 lambda *args: statements.append(args[2]))
    pings = []
    original = engine.dialect.do_ping
    engine.dialect.do_ping = lambda dbapi_connection: pings.append(1) or original(dbapi_connection)
    try:
        for _ in range(3):
            backend_pid(engine)
        assert pings == [] and len(statements) == 3
    finally:
        del engine.dialect.do_ping
        engine.dispose()


def test_the_wizard_reads_and_saves_its_draft_in_autocommit_without_locks(pg_app):
    client = pg_app.test_client()
    location = walk(client, baseline(), until="phq9")
    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if "screenings" in statement:
            seen.append((statement.split()[0], conn.connection.dbapi_connection.autocommit,
                         "FOR UPDATE" in statement,
                         "screenings.updated_at = " in statement.replace('"', "")))

    with pg_app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        assert client.get(location).status_code == 200
        assert seen == [("SELECT", True, False, False)], "GET: one unlocked autocommit read"
        seen.clear()
        assert client.post(location, data=step_data("phq9", baseline())).status_code == 302
        assert seen == [("SELECT", True, False, False), ("UPDATE", True, False, True)], \
            "POST: an unlocked read, then one UPDATE matching the version read"
    finally:
        event.remove(engine, "before_cursor_execute", record)
