"""Issue 25: a note typed while the login timed out is kept on the server for that account, put
back into the form after the next login (password and code), never saved by itself, and dropped
when another account logs in."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from screener.extensions import db
from screener.storage.models import ContactAttempt, KeptNote, Note, StaffSession
from tests.factories import make_staff, make_submission, password_login
from tests.kit.pages import parse

NOTE = "Called at 10:40, patient says the plan is gone; sister is with her tonight. <b>x</b>"


@pytest.fixture
def nurse(app):
    with app.app_context():
        return make_staff("intake", email="nurse@clinic.example").id


@pytest.fixture
def sid(app):
    with app.app_context():
        return make_submission(name="Pat Patient").id


def time_out(app):
    with app.app_context():
        for record in db.session.scalars(select(StaffSession)):
            record.last_seen_at -= timedelta(minutes=app.config["STAFF_IDLE_MINUTES"] + 1)
        db.session.commit()


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def next_of(location: str) -> str:
    return parse_qs(urlsplit(location).query)["next"][0]


def test_note_typed_after_the_timeout_comes_back_after_logging_in(app, client, nurse, sid):
    password_login(client, "nurse@clinic.example")
    assert client.get(f"/staff/submissions/{sid}").status_code == 200
    time_out(app)
    response = client.post(f"/staff/submissions/{sid}/notes",
                           data={"body": NOTE, "view": "status=all"})
    assert response.status_code == 302 and urlsplit(response.location).path == "/staff/login"
    target = next_of(response.location)
    assert target.startswith(f"/staff/submissions/{sid}?") and "view=status" in target
    assert count(app, Note) == 0 and count(app, KeptNote) == 1
    login_page = client.get(response.location).get_data(as_text=True)
    assert "what you typed is kept" in login_page
    landed = password_login(client, "nurse@clinic.example", query_string={"next": target})
    assert landed.location == target
    page = client.get(target).get_data(as_text=True)
    textarea = parse(page).find("textarea", id="body")
    assert "".join(textarea.parts).strip() == NOTE  # escaped in the page, the same text
    assert "<b>x</b>" not in page
    assert "back in the form" in page
    assert count(app, Note) == 0, "put back, not saved by itself"
    assert count(app, KeptNote) == 0, "once back in the form, the server keeps it no more"


def test_attempt_note_is_kept_with_its_method_and_outcome(app, client, nurse, sid):
    password_login(client, "nurse@clinic.example")
    time_out(app)
    response = client.post(f"/staff/submissions/{sid}/attempts",
                           data={"method": "phone", "outcome": "voicemail",
                                 "note": "Left a message with the callback number"})
    target = next_of(response.location)
    password_login(client, "nurse@clinic.example", query_string={"next": target})
    page = parse(client.get(target).get_data(as_text=True))
    assert page.find("textarea", name="note").text == "Left a message with the callback number"
    assert [o.get("value") for o in page.find("select", name="method").find_all(
        "option", selected=True)] == ["phone"]
    assert [i.get("value") for i in page.find_all("input", name="outcome", checked=True)] == [
        "voicemail"]
    assert count(app, ContactAttempt) == 0


def test_another_account_logging_in_drops_the_kept_note(app, client, nurse, sid):
    with app.app_context():
        make_staff("intake", email="colleague@clinic.example")
    password_login(client, "nurse@clinic.example")
    time_out(app)
    target = next_of(client.post(f"/staff/submissions/{sid}/notes",
                                 data={"body": NOTE}).location)
    password_login(client, "colleague@clinic.example", query_string={"next": target})
    page = client.get(target).get_data(as_text=True)
    assert "sister is with her" not in page and "back in the form" not in page
    assert count(app, KeptNote) == 0


def test_the_kept_note_is_only_for_its_author(app, client, nurse, sid):
    """Kept for the nurse; a colleague opening the submission never sees it."""
    with app.app_context():
        make_staff("intake", email="colleague@clinic.example")
    password_login(client, "nurse@clinic.example")
    time_out(app)
    client.post(f"/staff/submissions/{sid}/notes", data={"body": NOTE})
    password_login(client, "colleague@clinic.example")
    assert "sister is with her" not in client.get(f"/staff/submissions/{sid}").get_data(
        as_text=True)
    assert count(app, KeptNote) == 1
    client.post("/staff/logout")
    password_login(client, "nurse@clinic.example")
    assert "sister is with her" in client.get(f"/staff/submissions/{sid}").get_data(as_text=True)


def test_nothing_is_kept_without_a_login_or_after_logging_out(app, client, nurse, sid):
    response = client.post(f"/staff/submissions/{sid}/notes", data={"body": NOTE})
    assert response.status_code == 302 and count(app, KeptNote) == 0
    password_login(client, "nurse@clinic.example")
    client.post("/staff/logout")
    client.post(f"/staff/submissions/{sid}/notes", data={"body": NOTE})
    assert count(app, KeptNote) == 0


def test_a_stale_kept_note_is_not_put_back(app, client, nurse, sid):
    """After a day it is stale: not put back, and removed when the next note is kept."""
    password_login(client, "nurse@clinic.example")
    time_out(app)
    client.post(f"/staff/submissions/{sid}/notes", data={"body": NOTE})
    with app.app_context():
        kept = db.session.scalars(select(KeptNote)).one()
        kept.kept_at -= timedelta(hours=25)
        db.session.commit()
    password_login(client, "nurse@clinic.example")
    assert "sister is with her" not in client.get(f"/staff/submissions/{sid}").get_data(
        as_text=True)
    time_out(app)
    client.post(f"/staff/submissions/{sid}/attempts", data={"method": "phone",
                                                             "outcome": "no_answer",
                                                             "note": "Rang twice"})
    with app.app_context():
        assert [k.kind for k in db.session.scalars(select(KeptNote))] == ["attempt"]


@pytest.mark.postgres
def test_kept_note_round_trip_on_postgresql(pg_app):
    """The same keep-and-put-back on PostgreSQL (UUID keys, the kind check constraint)."""
    client = pg_app.test_client()
    with pg_app.app_context():
        make_staff("intake", email="nurse@clinic.example")
        sid = make_submission(name="Pat Patient").id
    password_login(client, "nurse@clinic.example")
    time_out(pg_app)
    target = next_of(client.post(f"/staff/submissions/{sid}/notes",
                                 data={"body": NOTE}).location)
    password_login(client, "nurse@clinic.example", query_string={"next": target})
    page = client.get(target).get_data(as_text=True)
    assert "sister is with her" in page
    assert count(pg_app, KeptNote) == 0 and count(pg_app, Note) == 0
