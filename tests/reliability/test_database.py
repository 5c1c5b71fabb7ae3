"""Database behaviour under contention and failure, in-process: write locks taken up front on
SQLite, dead connections that never turn into a 500, database errors as friendly pages."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import event, text
from sqlalchemy import select as sa_select
from sqlalchemy import update as sa_update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import DataError, OperationalError
from sqlalchemy.orm import Session

from screener.storage.database import autocommit_connection, begin_write, close_session
from screener.web.errors import MESSAGES
from screener.extensions import db


def write_lock_is_free(app) -> bool:
    """Whether another connection could take SQLite's write lock right now."""
    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        other.close()


@pytest.mark.parametrize("method,locked", [("POST", True), ("DELETE", True), ("GET", False),
                                           ("HEAD", False)])
def test_write_requests_take_the_sqlite_write_lock_up_front(app, method, locked):
    with app.test_request_context("/", method=method):
        app.preprocess_request()  # the web layer's hook decides which requests write
        db.session.execute(text("SELECT 1"))  # a read first, as a view that then writes does
        assert write_lock_is_free(app) is not locked
        db.session.rollback()
        assert write_lock_is_free(app)


def test_begin_write_takes_the_lock_in_a_read_request(app):
    with app.test_request_context("/", method="GET"):
        db.session.execute(text("SELECT 1"))
        begin_write()
        assert not write_lock_is_free(app)
        db.session.rollback()


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_the_autocommit_connection_holds_no_lock_and_sends_no_begin(app, method):
    """The wizard reads and saves its draft this way: a POST works in Python without SQLite's
    write lock, and its guarded UPDATE runs (and commits) on its own."""
    sent = []
    with app.test_request_context("/", method=method):
        engine = db.engine

        def listener(conn, cursor, statement, *rest):
            sent.append(statement.split()[0])

        event.listen(engine, "before_cursor_execute", listener)
        try:
            autocommit_connection().execute(text("SELECT 1"))
            assert write_lock_is_free(app)
            autocommit_connection().execute(text("CREATE TABLE scratch (id INTEGER)"))
            assert write_lock_is_free(app), "committed at once, nothing left open"
            assert not db.session.registry.has(), "the Session was never needed"
        finally:
            event.remove(engine, "before_cursor_execute", listener)
    assert sent == ["SELECT", "CREATE"]
    with app.app_context():
        assert "scratch" in sa_inspect(db.engine).get_table_names()


def test_the_autocommit_connection_is_closed_with_the_request(app):
    with app.test_request_context("/"):
        connection = autocommit_connection()
        assert autocommit_connection() is connection, "one per request"
    assert connection.closed


def test_begin_write_beside_the_autocommit_connection_is_a_real_transaction(app):
    with app.test_request_context("/", method="POST"):
        autocommit_connection().execute(text("SELECT 1"))
        begin_write()
        db.session.execute(text("CREATE TABLE scratch (id INTEGER)"))
        assert not write_lock_is_free(app)
        db.session.rollback()
        assert write_lock_is_free(app)
    with app.app_context():
        assert "scratch" not in sa_inspect(db.engine).get_table_names()


def test_command_line_transactions_stay_deferred(app):
    with app.app_context():
        db.session.execute(text("SELECT 1"))
        assert write_lock_is_free(app)
        db.session.rollback()


def test_listeners_are_bound_to_the_apps_engines_not_to_every_engine(app, tmp_path):
    """Bound in init_app, not at import: an engine of a script or a test is left alone."""
    from sqlalchemy import create_engine

    other = create_engine(f"sqlite:///{tmp_path / 'other.sqlite3'}")
    with other.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "delete"
    other.dispose()
    with app.app_context():
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def failing_once(monkeypatch):
    """Make the next Session.close() fail as it does when the server cut the connection."""
    original = Session.close
    calls = []

    def close(self):
        calls.append(self)
        if len(calls) == 1:
            raise OperationalError("ROLLBACK", {}, Exception("terminating connection"))
        return original(self)

    monkeypatch.setattr(Session, "close", close)
    return calls


def test_connection_lost_at_teardown_keeps_the_response(app, monkeypatch, caplog):
    app.add_url_rule("/__read", "read", lambda: str(db.session.execute(text("SELECT 7"))
                                                    .scalar()))
    client = app.test_client()
    calls = failing_once(monkeypatch)
    response = client.get("/__read")
    assert response.status_code == 200 and response.get_data(as_text=True) == "7"
    assert calls, "the session was closed at teardown"
    assert "database connection lost at teardown: OperationalError" in caplog.text


def test_close_session_outside_a_failure_is_quiet(app):
    with app.app_context():
        db.session.execute(text("SELECT 1"))
        close_session()
        assert not db.session().in_transaction()


def raising(error):
    def view():
        raise error
    return view


@pytest.mark.parametrize("error,status,retry", [
    (OperationalError("SELECT", {}, Exception("connection refused")), 503, "30"),
    (DataError("INSERT", {}, Exception("value too long")), 400, None),
])
def test_database_errors_are_friendly_pages(production_app, error, status, retry):
    production_app.add_url_rule("/__fail", "fail", raising(error))
    response = production_app.test_client().get("/__fail")
    page = response.get_data(as_text=True)
    assert response.status_code == status
    assert response.headers.get("Retry-After") == retry
    assert MESSAGES[status][0] in page
    assert "Traceback" not in page and "connection refused" not in page


def _patient_writes_after_first_login_read(app):
    """From the request's first read of its login record on, another connection (a patient's
    request in another worker) has committed a write: the request's read snapshot is stale."""
    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    done = []

    def after(conn, cursor, statement, *rest):
        if not done and "FROM staff_sessions" in statement:
            done.append(True)
            other = sqlite3.connect(path, timeout=5, isolation_level=None)
            try:
                # A real change: SQLite skips an UPDATE that leaves the row as it was.
                other.execute("UPDATE screenings SET contact_phone = "
                              "COALESCE(contact_phone, '') || '1'")
            finally:
                other.close()

    with app.app_context():
        event.listen(db.engine, "after_cursor_execute", after)
    return done


@pytest.mark.parametrize("page", ["queue", "detail", "touch"])
def test_staff_pages_record_what_they_must_although_a_patient_wrote_meanwhile(app, client,
                                                                             login_as, page):
    """Issue 22: a staff GET read (deferred), then wrote its audit event or session touch in the
    same transaction; with a patient's write in between, SQLite refused the upgrade at once
    ("database is locked", a 503). Its writes now begin on their own, and wait their turn."""
    from datetime import timedelta

    from screener.storage.models import AuditEvent, StaffSession, utcnow
    from tests.factories import make_submission

    nurse = login_as("clinician")
    with app.app_context():
        screening_id = make_submission().id
        if page == "touch":
            db.session.execute(sa_update(StaffSession).values(
                last_seen_at=utcnow() - timedelta(minutes=2)))
            db.session.commit()
    wrote = _patient_writes_after_first_login_read(app)
    path = f"/staff/submissions/{screening_id}" if page == "detail" else "/staff/"
    response = client.get(path)
    assert wrote and response.status_code == 200
    with app.app_context():
        actions = list(db.session.scalars(sa_select(AuditEvent.action)
                                          .where(AuditEvent.actor_id == nurse.id)))
        assert ("submission_viewed" if page == "detail" else "queue_viewed") in actions
        seen = db.session.scalar(sa_select(StaffSession.last_seen_at))
        assert utcnow() - seen < timedelta(seconds=30)
