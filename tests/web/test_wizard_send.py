"""Send to the clinic: the contact form, consent, exactly one submission, nothing editable after."""

from __future__ import annotations

import re

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from screener.extensions import db
from screener.patient.session import JUST_SENT_KEY, SESSION_KEY
from screener.storage.models import AuditEvent, Screening
from tests.helpers import baseline, phq9
from tests.web.test_wizard import only, rows
from tests.web.wizard_client import (CONTACT, complete, questionnaire, send, send_twice_at_once,
                                     step_data, walk)


def audit_events(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()
        db.session.expunge_all()
        return events


def test_send_form_uses_the_public_field_names(client):
    complete(client, baseline())
    page = client.get("/screening/send").get_data(as_text=True)
    for name in ("name", "email", "phone", "contact_time", "message"):
        assert f'name="{name}"' in page and f'<label class="field" for="{name}">' in page
    for method in ("email", "phone", "text"):
        assert 'name="contact_method" id="contact_method-' in page and f'value="{method}"' in page
    consent = re.search(r'<input type="checkbox" name="consent"[^>]*>', page).group(0)
    assert 'value="y"' in consent and "checked" not in consent
    assert 'type="email"' in page and 'type="tel"' in page and 'autocomplete="email"' in page
    assert page.count("<h1") == 1


def test_send_page_words_come_from_questions_yaml(client):
    complete(client, baseline())
    page = client.get("/screening/send").get_data(as_text=True)
    texts = questionnaire().texts
    for key in ("send_intro", "consent"):
        assert str(escape(texts[key])) in page, key


@pytest.mark.parametrize("changes, field, message", [
    ({"email": "", "phone": ""}, "email", "Give an email address or a phone number"),
    ({"email": "not-an-email"}, "email", "Enter an email address like name@example.com."),
    ({"email": "", "phone": "call me", "contact_method": "phone"}, "phone",
     "Enter a phone number using digits"),
    ({"consent": None}, "consent", "Tick the box to agree"),
    ({"consent": "n"}, "consent", "Tick the box to agree"),
    ({"name": "  "}, "name", "Enter your name."),
    ({"contact_method": "text"}, "contact_method", "enter your phone number too"),
    ({"contact_method": "pigeon"}, "contact_method", "Choose one of the options."),
    ({"message": "x" * 2001}, "message", "Use at most 2000 characters."),
])
def test_send_validation(app, client, changes, field, message):
    complete(client, baseline())
    response = send(client, **changes)
    # Post/Redirect/Get (issue 13): the form with errors redirects to itself.
    assert response.status_code == 302 and response.headers["Location"] == "/screening/send"
    page = client.get("/screening/send").get_data(as_text=True)
    assert message in page
    assert f'id="{field}-error"' in page and 'class="error-summary"' in page
    assert f'href="#{field}"' in page
    stored = only(app)
    assert stored.status == "completed" and stored.contact_name is None


def test_send_keeps_what_was_typed_on_error(client):
    complete(client, baseline())
    send(client, consent=None, contact_time="after 5 pm")
    page = client.get("/screening/send").get_data(as_text=True)
    assert 'value="Alex Example"' in page and 'value="after 5 pm"' in page


def test_send_success_makes_a_submission(app, client):
    complete(client, baseline(**phq9(1, 1, 1, 1, 1, 1, 1, 1, 1)))
    response = send(client, phone="+1 (555) 123-4567")
    assert response.status_code == 302
    assert response.headers["Location"] == "/screening/sent"
    stored = only(app)
    assert stored.status == "submitted"
    assert stored.submitted_at is not None and stored.consent_at is not None
    assert stored.expires_at is None
    assert (stored.contact_name, stored.contact_email, stored.contact_phone) == (
        "Alex Example", "alex@example.com", "+1 (555) 123-4567")
    assert (stored.contact_method, stored.contact_time, stored.contact_message) == (
        "email", "Weekday mornings", None)
    assert stored.outcome == "other_options_first" and stored.flags == ["self_harm"]
    [event] = audit_events(app, "screening_submitted")
    assert event.screening_id == stored.id and event.detail == {}
    page = client.get("/screening/sent").get_data(as_text=True)
    # At risk (flag self_harm): help first, and no promise of a reply within working days.
    assert str(escape(questionnaire().texts["sent_urgent"])) in page
    assert str(escape(questionnaire().texts["sent_next_steps"])) not in page
    assert page.index('class="crisis"') < page.index('class="card confirmation"')
    # The printable copy reads no reassurance either: no band words, no mild_concerns.
    copy = page[page.index('id="result-copy"'):]
    assert "Mild" not in copy and "Minimal" not in copy and "No concern found" not in copy
    mild = next(r.reason for r in questionnaire().rules if r.id == "mild_concerns")
    assert str(escape(mild)) not in copy


def test_sent_page_without_a_flag_has_no_crisis_block(app, client):
    """No flag: the clinic's reply time, and only the footer's modest help link."""
    complete(client, baseline(**phq9(2, 2, 2, 2, 2, 0, 0, 0, 0)))
    send(client)
    page = client.get("/screening/sent").get_data(as_text=True)
    assert str(escape(questionnaire().texts["sent_next_steps"])) in page
    assert 'class="crisis"' not in page
    assert 'href="/help"' in page  # the footer's "Get help now"
    assert "Moderate" in page[page.index('id="result-copy"'):]  # bands kept without a flag


def test_the_submission_is_audited_without_the_patients_address_or_a_staff_actor(app, client):
    """Audit rows are append-only (issue 23), so an address written here could not be removed
    when the purge deletes the screening: a patient's own events keep none."""
    complete(client, baseline())
    send(client)
    [event] = audit_events(app, "screening_submitted")
    assert event.remote_addr is None
    assert event.actor_id is None and event.actor_label is None


def test_contact_method_defaults_to_the_channel_given(app, client):
    complete(client, baseline())
    send(client, email="", phone="555 123 4567", contact_method=None)
    assert only(app).contact_method == "phone"


def test_sending_twice_makes_one_submission(app, client):
    complete(client, baseline())
    first = send(client)
    second = send(client, name="Someone Else")
    assert first.headers["Location"] == "/screening/sent"
    # The second click of a double click, before the confirmation was shown: the confirmation
    # (once), never a second submission; after it the device holds nothing of the screening.
    assert second.headers["Location"] == "/screening/sent"
    assert client.get("/screening/sent").status_code == 200
    assert client.get("/screening/sent").headers["Location"] == "/"
    assert only(app).contact_name == "Alex Example"
    assert len(audit_events(app, "screening_submitted")) == 1


def test_double_click_send_concurrently_makes_one_submission(app, client):
    complete(client, baseline())
    statuses = send_twice_at_once(app, client)
    assert statuses == [302, 302]
    assert len(audit_events(app, "screening_submitted")) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Screening).where(
            Screening.status == "submitted")) == 1


def test_after_sending_nothing_can_be_changed_or_seen_on_the_device(app, client):
    # Issue 13: a sent screening leaves the device; every page of it leads to the landing page.
    answers = baseline()
    complete(client, answers)
    send(client)
    before = only(app)
    assert client.get("/screening/sent").status_code == 200  # the confirmation, once
    for method, path, data in [("GET", "/screening/phq9", None),
                               ("POST", "/screening/phq9", step_data("phq9", baseline(phq9_1=3))),
                               ("POST", "/screening/review", None),
                               ("GET", "/screening/send", None),
                               ("GET", "/screening/review", None),
                               ("GET", "/screening/result", None),
                               ("GET", "/screening/sent", None),
                               ("GET", "/screening/", None)]:
        response = client.open(path, method=method, data=data)
        assert response.headers["Location"] == "/", (method, path)
    after = only(app)
    assert after.answers == before.answers == answers
    assert after.updated_at == before.updated_at
    assert 'action="/screening/start"' in client.get("/").get_data(as_text=True)


def test_sent_page_shows_a_printable_result_once(app, client):
    complete(client, baseline(**phq9(1, 1, 1, 1, 1, 1, 1, 1, 1)))
    send(client)
    page = client.get("/screening/sent").get_data(as_text=True)
    assert 'id="result-copy"' in page and "Print my result" in page
    outcome = questionnaire().outcomes_by_id[only(app).outcome]
    assert str(escape(outcome.title)) in page
    with client.session_transaction() as session:
        assert SESSION_KEY not in session and JUST_SENT_KEY not in session
    again = client.get("/screening/sent", follow_redirects=True).get_data(as_text=True)
    assert 'id="result-copy"' not in again and "shown only once" in again
    assert str(escape(outcome.explanation)) not in again


def test_double_send_other_request_also_forgets_the_screening(app, client):
    complete(client, baseline())
    cookie = client.get_cookie("session").value
    other = app.test_client()
    other.set_cookie("session", cookie)
    assert send(client).headers["Location"] == "/screening/sent"
    # The other request of a double click: the confirmation once, then nothing.
    assert send(other).headers["Location"] == "/screening/sent"
    assert 'id="result-copy"' in other.get("/screening/sent").get_data(as_text=True)
    assert other.get("/screening/result").headers["Location"] == "/"


def test_start_after_sending_begins_a_new_screening(app, client):
    complete(client, baseline())
    send(client)
    assert 'action="/screening/start"' in client.get("/").get_data(as_text=True)
    assert client.post("/screening/start").headers["Location"] == "/screening/about"
    assert sorted(s.status for s in rows(app)) == ["draft", "submitted"]


def test_finish_forgets_a_sent_screening_without_deleting_it(app, client):
    complete(client, baseline())
    send(client)
    assert client.post("/screening/restart").headers["Location"] == "/"
    assert only(app).status == "submitted"
    assert client.get("/screening/sent").headers["Location"] == "/"  # not even once


def test_send_before_the_result_redirects(client):
    walk(client, baseline())
    assert client.get("/screening/send").headers["Location"] == "/screening/result"
    assert send(client).headers["Location"] == "/screening/result"


def test_contact_details_never_reach_the_audit_log(app, client):
    complete(client, baseline())
    send(client, message="my secret message")
    with app.app_context():
        details = [str(e.detail) for e in db.session.scalars(select(AuditEvent))]
    assert all(CONTACT["email"] not in d and "secret" not in d for d in details)
