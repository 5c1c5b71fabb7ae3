"""Send to the clinic: the contact form, consent, exactly one submission, nothing editable after."""

from __future__ import annotations

import re

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from screener.extensions import db
from screener.patient.session import RECEIPT_KEY, SESSION_KEY
from screener.storage.models import AuditEvent, Screening
from tests.helpers import baseline, phq9
from tests.kit.pages import parse
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
    consent = parse(page).find("input", type="checkbox", name="consent")
    assert consent.get("value") == "y" and consent.get("checked") is None
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
    # The second click, after the first one's answer: the confirmation, never a second
    # submission; the printable result once, then the confirmation with its reference.
    assert second.headers["Location"] == "/screening/sent"
    assert 'id="result-copy"' in client.get("/screening/sent").get_data(as_text=True)
    again = client.get("/screening/sent")
    assert again.status_code == 200 and 'id="result-copy"' not in again.get_data(as_text=True)
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


def test_after_sending_every_way_back_shows_the_confirmation_and_changes_nothing(app, client):
    # Issue 24: Back, a bookmarked step or the result URL say the answers were sent, never
    # "start again" (a worried patient would send a duplicate).
    answers = baseline()
    complete(client, answers)
    send(client)
    before = only(app)
    assert client.get("/screening/sent").status_code == 200  # with the printable result, once
    for method, path, data in [("GET", "/screening/phq9", None),
                               ("POST", "/screening/phq9", step_data("phq9", baseline(phq9_1=3))),
                               ("POST", "/screening/review", None),
                               ("GET", "/screening/send", None),
                               ("POST", "/screening/send", dict(CONTACT, consent="y")),
                               ("GET", "/screening/review", None),
                               ("GET", "/screening/result", None),
                               ("GET", "/screening/", None)]:
        response = client.open(path, method=method, data=data)
        assert response.headers["Location"] == "/screening/sent", (method, path)
        page = client.get("/screening/sent").get_data(as_text=True)
        assert "Your answers were sent on" in page and before.reference in page
        assert "Please start again" not in page and 'id="result-copy"' not in page
    after = only(app)
    assert after.answers == before.answers == answers
    assert after.updated_at == before.updated_at
    assert len(audit_events(app, "screening_submitted")) == 1
    assert 'action="/screening/start"' in client.get("/").get_data(as_text=True)


def test_the_cookie_keeps_only_a_receipt_and_the_row_no_token(app, client):
    """DECISIONS: the draft's token is replaced by a receipt; nothing of the answers is left."""
    complete(client, baseline())
    send(client)
    with client.session_transaction() as session:
        assert SESSION_KEY not in session and isinstance(session[RECEIPT_KEY], str)
    stored = only(app)
    assert stored.token_hash is None and stored.resume_code_hash is None
    assert re.fullmatch(r"[2-9A-HJKMNP-TW-Z]{3}-[2-9A-HJKMNP-TW-Z]{3}", stored.reference)


def test_sent_page_shows_the_reference_to_quote(app, client):
    complete(client, baseline())
    send(client)
    page = client.get("/screening/sent").get_data(as_text=True)
    reference = only(app).reference
    shown = [strong.text for strong in parse(page).find_all("strong", data_reference=True)]
    assert reference in shown, shown


def test_a_crisis_receipt_keeps_the_resources_first_after_the_printable_copy(app, client):
    """Back after sending at risk: help still comes before the confirmation."""
    complete(client, baseline(**phq9(1, 1, 1, 1, 1, 1, 1, 1, 1)))
    send(client)
    client.get("/screening/sent")
    page = client.get("/screening/result", follow_redirects=True).get_data(as_text=True)
    assert page.index('class="crisis"') < page.index('class="card confirmation"')
    assert str(escape(questionnaire().texts["sent_urgent"])) in page


def test_a_copied_cookie_from_before_the_send_learns_nothing(app, client):
    """DECISIONS: a neutral page, no reference, nothing that tells a risk level."""
    complete(client, baseline(**phq9(1, 1, 1, 1, 1, 1, 1, 1, 1)))
    copy = app.test_client()
    copy.set_cookie("session", client.get_cookie("session").value)
    send(client)
    reference = only(app).reference
    for path in ("/screening/result", "/screening/phq9", "/screening/sent", "/screening/send",
                 "/screening/"):
        page = copy.get(path, follow_redirects=True).get_data(as_text=True)
        assert reference not in page and 'class="crisis"' not in page, path
        assert "result-copy" not in page, path
    page = copy.get("/screening/result", follow_redirects=True).get_data(as_text=True)
    assert "These answers were already sent" in page
    assert 'href="/help"' in page  # the footer's help link stays, as on every page
    assert send(copy).headers["Location"] == "/screening/already-sent"
    assert len(audit_events(app, "screening_submitted")) == 1


def test_a_double_clicks_other_send_leads_the_sender_to_the_confirmation(app, client):
    """The second of two sends carries the cookie from before the first was answered, so it
    lands on "already sent"; the browser keeps the receipt the first one set, so that page
    leads it to the confirmation with its reference (a copy without the receipt learns
    nothing, as above)."""
    complete(client, baseline())
    before = client.get_cookie("session").value
    assert send(client).headers["Location"] == "/screening/sent"
    receipt = client.get_cookie("session").value
    client.set_cookie("session", before)
    assert send(client).headers["Location"] == "/screening/already-sent"
    client.set_cookie("session", receipt)  # the browser's jar: the first answer's cookie
    assert client.get("/screening/already-sent").headers["Location"] == "/screening/sent"
    page = client.get("/screening/sent").get_data(as_text=True)
    assert only(app).reference in page
    assert len(audit_events(app, "screening_submitted")) == 1


def send_key_on(page: str) -> str:
    """The key of the send form on ``page`` (a hidden field, new with each empty form)."""
    return parse(page).find("input", type="hidden", name="send_key").get("value")


def test_a_send_whose_answer_was_lost_is_confirmed_when_sent_again(app, client):
    """The send reached the server but its answer did not (a worker died, the connection
    dropped): the browser still holds the cookie from before and sends the same form again.
    It reaches the confirmation of that send, with the crisis resources first and the printable
    result, and nothing is sent twice."""
    complete(client, baseline(**phq9(1, 1, 1, 1, 1, 1, 1, 1, 1)))
    key = send_key_on(client.get("/screening/send").get_data(as_text=True))
    before = client.get_cookie("session").value
    assert send(client, send_key=key).headers["Location"] == "/screening/sent"
    client.set_cookie("session", before)  # the answer, and the cookie it set, were lost
    assert send(client, send_key=key).headers["Location"] == "/screening/sent"
    page = client.get("/screening/sent").get_data(as_text=True)
    assert only(app).reference in page and 'id="result-copy"' in page
    assert page.index('class="crisis"') < page.index('class="card confirmation"')
    assert len(audit_events(app, "screening_submitted")) == 1
    assert send(client, send_key=key).headers["Location"] == "/screening/sent"  # and again


def test_a_copied_cookie_with_a_send_form_of_its_own_learns_nothing(app, client):
    """A copy of the cookie opens its own send form before the send: its key is not the
    sender's, so sending it afterwards finds no receipt (nor does a made-up or missing key)."""
    complete(client, baseline(**phq9(1, 1, 1, 1, 1, 1, 1, 1, 1)))
    copy = app.test_client()
    copy.set_cookie("session", client.get_cookie("session").value)
    own_key = send_key_on(copy.get("/screening/send").get_data(as_text=True))
    key = send_key_on(client.get("/screening/send").get_data(as_text=True))
    assert own_key != key
    send(client, send_key=key)
    reference = only(app).reference
    for changes in ({"send_key": own_key}, {"send_key": "x" * 40}, {"send_key": None},
                    {"send_key": key[:-1] + "!"}):
        assert send(copy, **changes).headers["Location"] == "/screening/already-sent", changes
        page = copy.get("/screening/sent", follow_redirects=True).get_data(as_text=True)
        assert reference not in page and 'class="crisis"' not in page, changes
    assert len(audit_events(app, "screening_submitted")) == 1


def test_a_send_form_with_errors_keeps_its_key(client):
    """The key comes back with what was typed, so the corrected form is the same send."""
    complete(client, baseline())
    key = send_key_on(client.get("/screening/send").get_data(as_text=True))
    assert send(client, send_key=key, consent=None).headers["Location"] == "/screening/send"
    assert send_key_on(client.get("/screening/send").get_data(as_text=True)) == key


def test_sent_page_shows_a_printable_result_once(app, client):
    complete(client, baseline(**phq9(1, 1, 1, 1, 1, 1, 1, 1, 1)))
    send(client)
    page = client.get("/screening/sent").get_data(as_text=True)
    assert 'id="result-copy"' in page and "Print my result" in page
    outcome = questionnaire().outcomes_by_id[only(app).outcome]
    assert str(escape(outcome.title)) in page
    with client.session_transaction() as session:
        assert SESSION_KEY not in session and RECEIPT_KEY in session
    again = client.get("/screening/sent", follow_redirects=True).get_data(as_text=True)
    assert 'id="result-copy"' not in again and only(app).reference in again
    assert str(escape(outcome.explanation)) not in again


def test_the_printable_result_is_shown_once_even_to_a_copy_of_the_receipt(app, client):
    """Issue 23: "shown once" lives on the server, not in the cookie."""
    complete(client, baseline())
    send(client)
    copy = app.test_client()
    copy.set_cookie("session", client.get_cookie("session").value)
    assert 'id="result-copy"' in client.get("/screening/sent").get_data(as_text=True)
    assert 'id="result-copy"' not in copy.get("/screening/sent").get_data(as_text=True)


def test_start_after_sending_begins_a_new_screening(app, client):
    complete(client, baseline())
    send(client)
    assert 'action="/screening/start"' in client.get("/").get_data(as_text=True)
    assert client.post("/screening/start").headers["Location"] == "/screening/about"
    assert sorted(s.status for s in rows(app)) == ["draft", "submitted"]


def test_finish_forgets_a_sent_screening_without_deleting_it(app, client):
    complete(client, baseline())
    send(client)
    response = client.post("/screening/restart", data={"confirm": "yes"})
    assert response.headers["Location"] == "/"
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


@pytest.mark.parametrize("email", ["hi?bcc=attacker@evil.example",
                                   "a?bcc=attacker%40evil.example&body=hi@example.com",
                                   "a&b@example.com", "a%40b@example.com", "a b@example.com"])
def test_addresses_that_would_change_a_mailto_link_are_refused(app, client, email):
    """Issue 23: no hidden Bcc or body can ride on the address staff click."""
    complete(client, baseline())
    assert send(client, email=email).headers["Location"] == "/screening/send"
    page = client.get("/screening/send").get_data(as_text=True)
    assert "without spaces or the characters ? &amp; %" in page
    assert only(app).status == "completed" and only(app).contact_email is None


def test_mailto_links_encode_the_address(app):
    """A stored address from before the check still cannot add a header to the link."""
    from screener.web.templating import mailto_href
    assert mailto_href("a?bcc=x@evil.example&body=hi") == (
        "mailto:a%3Fbcc%3Dx@evil.example%26body%3Dhi")
    assert mailto_href("alex@example.com") == "mailto:alex@example.com"
