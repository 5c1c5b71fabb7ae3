"""Access control over every staff, export and FHIR route, generated from the URL map.

A route under /staff or /fhir that is missing from ACCESS fails the test: nobody can add one
without deciding who may use it. Then: ids of other screenings and draft tokens of other sessions
never open anything.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from screener.patient import session as draft_session
from screener.extensions import db
from screener.storage.models import Screening, hash_token
from tests.factories import login, make_staff, make_submission
from tests.helpers import baseline
from tests.reliability.rows import make_draft

ROLES = ("anonymous", "intake", "clinician", "admin")
PUBLIC = dict.fromkeys(ROLES, "ok")
STAFF = {"anonymous": "login", "intake": "ok", "clinician": "ok", "admin": "ok"}
EXPORTERS = {"anonymous": "login", "intake": 403, "clinician": "ok", "admin": "ok"}
ADMINS = {"anonymous": "login", "intake": 403, "clinician": 403, "admin": "ok"}
# The queue's refresh poll (issue 25): a script reads it, so no login page, a 401.
POLL = {"anonymous": 401, "intake": "ok", "clinician": "ok", "admin": "ok"}

# The role table of the staff and export issues: endpoint → who may use it.
ACCESS = {
    "staff.login": PUBLIC,
    "staff.logout": PUBLIC,
    "staff.queue": STAFF,
    "staff.detail": STAFF,
    "staff.change_status": STAFF,
    "staff.assign": STAFF,
    "staff.add_note": STAFF,
    "staff.dashboard.page": STAFF,
    "staff.dashboard.csv_file": EXPORTERS,  # intake sees the dashboard without its download
    "staff.add_attempt": STAFF,
    "staff.bulk": STAFF,
    "staff.still_here": STAFF,
    "staff.queue_poll": POLL,
    "export.csv_file": EXPORTERS,
    "export.xlsx_file": EXPORTERS,
    "export.ndjson_file": EXPORTERS,
    "export.submission_fhir": EXPORTERS,
    "export.summary": EXPORTERS,
    # The second step of a login: without a pending password step, anonymous visitors are sent
    # to the login page and logged-in staff to the queue.
    "staff.mfa.challenge": STAFF,
    "staff.mfa.setup": STAFF,
    "staff.mfa.recovery_codes": STAFF,
    "staff.mfa.manage": STAFF,
    "staff.mfa.new_password": STAFF,  # only within a pending login; else as the two above
    "staff.password.change": STAFF,  # one's own password, the current one asked first
    "staff.admin.audit_log": ADMINS,
    "staff.admin.users": ADMINS,
    "staff.admin.login_blocks": ADMINS,
    "staff.admin.clear_login_block": ADMINS,
    "fhir.questionnaire": PUBLIC,
    "fhir.questionnaire_search": PUBLIC,  # questionnaire texts only, no patient data
}
GUARDED_PREFIXES = ("/staff", "/fhir")


def guarded_rules(app):
    """Every rule under /staff and /fhir, and every export route, with its methods."""
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(GUARDED_PREFIXES) or rule.endpoint.startswith("export."):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule, method


def sample_url(app, rule, samples: dict) -> str:
    """The rule's URL with a real value for each of its arguments."""
    missing = set(rule.arguments) - set(samples)
    assert not missing, f"{rule.rule}: give test_access_control a sample value for {missing}"
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **{k: samples[k] for k in rule.arguments})


def test_every_guarded_route_is_in_the_role_table(app):
    endpoints = {rule.endpoint for rule, _ in guarded_rules(app)}
    assert endpoints - ACCESS.keys() == set(), "new routes: add them to ACCESS"
    assert ACCESS.keys() - endpoints == set(), "ACCESS lists routes that no longer exist"


@pytest.fixture
def clients(app):
    """One logged-in test client per role (and an anonymous one), plus sample URL values."""
    with app.app_context():
        clients = {"anonymous": app.test_client()}
        for role in ROLES[1:]:
            clients[role] = app.test_client()
            login(clients[role], make_staff(role))
        submission = make_submission(baseline())
        samples = {"screening_id": submission.id, "row_id": 1,
                   "questionnaire_id": app.extensions["questionnaire"].id}
    return clients, samples


@pytest.mark.parametrize("role", ROLES)
def test_role_table(app, clients, role):
    clients, samples = clients
    for rule, method in guarded_rules(app):
        url = sample_url(app, rule, samples)
        response = clients[role].open(url, method=method, data={})
        response.get_data()  # runs streamed exports to the end
        response.close()
        expected = ACCESS[rule.endpoint][role]
        where = f"{role} {method} {rule.rule} → {response.status_code}"
        if expected == "login":
            assert response.status_code == 302, where
            assert response.headers["Location"].startswith("/staff/login"), where
        elif expected in (401, 403):
            assert response.status_code == expected, where
        else:
            assert response.status_code < 500 and response.status_code not in (401, 403), where
            if rule.endpoint not in ("staff.login", "staff.logout"):
                assert not response.headers.get("Location", "").startswith("/staff/login"), where
            if method == "GET":
                assert response.status_code in (200, 302), where
        if role != "anonymous" and rule.endpoint == "staff.logout":
            login_again(app, clients, role)


def login_again(app, clients, role):
    with app.app_context():
        login(clients[role], make_staff(role))


@pytest.mark.parametrize("endpoint", ["staff.detail", "export.submission_fhir",
                                      "export.summary"])
def test_drafts_and_unknown_ids_are_not_found(app, client, login_as, endpoint):
    login_as("admin")
    with app.app_context():
        draft = make_draft(timedelta(hours=3))
        completed = make_draft(timedelta(hours=3), status="completed")
        ids = [draft.id, completed.id, uuid.uuid4()]
    with app.test_request_context():
        from flask import url_for

        urls = [url_for(endpoint, screening_id=i) for i in ids]
    for url in urls:
        assert client.get(url).status_code == 404, url
    assert client.get("/staff/submissions/12345").status_code == 404
    assert client.get("/staff/submissions/not-a-uuid/summary").status_code == 404


@pytest.mark.parametrize("action,data", [("status", {"status": "in_review"}),
                                         ("notes", {"body": "hello"}),
                                         ("assignee", {"assignee": "me"})])
def test_staff_actions_on_a_draft_change_nothing(app, client, login_as, action, data):
    login_as("admin")
    with app.app_context():
        draft_id = make_draft(timedelta(hours=3)).id
    response = client.post(f"/staff/submissions/{draft_id}/{action}", data=data)
    assert response.status_code == 404
    with app.app_context():
        draft = db.session.get(Screening, draft_id)
        assert (draft.review_status, draft.assignee_id, draft.notes) == ("new", None, [])


def start_patient(app, questionnaire):
    """A test client with a draft whose first step is answered; returns (client, screening id)."""
    client = app.test_client()
    assert client.post("/screening/start").status_code == 302
    step = questionnaire.steps[0]
    data = {q.id: str(q.allowed_values()[0]) for q in step.questions}
    assert client.post(f"/screening/{step.id}", data=data).status_code == 302
    with client.session_transaction() as session:
        token = session[draft_session.SESSION_KEY]
    with app.app_context():
        row = db.session.scalar(select(Screening).where(Screening.token_hash == hash_token(token)))
        return client, row.id


def answers_of(app, screening_id):
    with app.app_context():
        return dict(db.session.get(Screening, screening_id).answers)


@pytest.mark.parametrize("forged", ["token_hash", "screening_id", "random"])
def test_a_session_cannot_reach_another_patients_draft(app, questionnaire, forged):
    victim, victim_id = start_patient(app, questionnaire)
    before = answers_of(app, victim_id)
    with app.app_context():
        row = db.session.get(Screening, victim_id)
        value = {"token_hash": row.token_hash, "screening_id": str(row.id),
                 "random": secrets.token_urlsafe(32)}[forged]
    attacker = app.test_client()
    with attacker.session_transaction() as session:  # even a validly signed session
        session[draft_session.SESSION_KEY] = value
    step = questionnaire.steps[0]
    for path in ("/screening/", f"/screening/{step.id}", "/screening/review",
                 "/screening/result", "/screening/send"):
        response = attacker.get(path)
        assert response.status_code == 302 and response.headers["Location"] == "/", path
    other = {q.id: str(q.allowed_values()[-1]) for q in step.questions}
    attacker.post(f"/screening/{step.id}", data=other)
    attacker.post("/screening/restart")
    assert answers_of(app, victim_id) == before


def test_a_tampered_session_cookie_opens_nothing(app, questionnaire):
    victim, victim_id = start_patient(app, questionnaire)
    cookie = victim.get_cookie("session")
    payload, _, signature = cookie.value.rpartition(".")
    tampered = payload + "." + ("A" if signature[0] != "A" else "B") + signature[1:]
    attacker = app.test_client()
    attacker.set_cookie("session", tampered)
    response = attacker.get(f"/screening/{questionnaire.steps[0].id}")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    step = questionnaire.steps[0]
    attacker.post(f"/screening/{step.id}",
                  data={q.id: str(q.allowed_values()[-1]) for q in step.questions})
    assert answers_of(app, victim_id) == {q.id: q.allowed_values()[0] for q in step.questions}
