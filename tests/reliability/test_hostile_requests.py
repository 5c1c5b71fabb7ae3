"""Hostile requests rather than hostile values: missing or foreign CSRF tokens, forged session
cookies, oversized and over-stuffed bodies. None is a 5xx; none changes anything stored."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from screener.web.errors import MESSAGES
from screener.extensions import db
from screener.storage.models import Screening
from tests.factories import PASSWORD, login, make_staff, make_submission
from tests.helpers import baseline
from tests.reliability.hostile import HOSTILE
from tests.reliability.rows import seat_patient, snapshot

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def screening_count() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Screening))


def csrf_token_of(client, path: str) -> str:
    match = TOKEN.search(client.get(path).get_data(as_text=True))
    assert match, f"no csrf_token on {path}"
    return match.group(1)


@pytest.mark.csrf
@pytest.mark.parametrize("token", ["missing", "foreign", "garbage"])
def test_patient_posts_without_a_valid_csrf_token_change_nothing(app, questionnaire, token):
    client, stranger = app.test_client(), app.test_client()
    with app.app_context():
        draft_id = seat_patient(client, baseline())
        before = snapshot(draft_id)
        count = screening_count()
    stranger.post("/screening/start", data={"csrf_token": csrf_token_of(stranger, "/")})
    step = questionnaire.steps[0]
    # The stranger's own token, from its start-over confirmation (its landing page now shows
    # "Continue" and a link, no form).
    forged = {"missing": {}, "foreign": {"csrf_token": csrf_token_of(stranger,
                                                                      "/screening/restart")},
              "garbage": {"csrf_token": "x" * 40}}[token]
    other = {q.id: str(q.allowed_values()[-1]) for q in step.questions}
    for path, data in [(f"/screening/{step.id}", other), ("/screening/review", {}),
                       ("/screening/restart", {"confirm": "yes"}), ("/screening/start", {}),
                       ("/screening/send", {"name": "X", "email": "x@example.com",
                                            "consent": "y"})]:
        response = client.post(path, data={**data, **forged})
        assert response.status_code < 500, path
        assert response.status_code == 400 or response.headers.get("Location"), path
    with app.app_context():
        assert snapshot(draft_id) == before
        assert screening_count() == count + 1  # only the stranger's own, properly made draft


@pytest.mark.csrf
def test_staff_posts_without_csrf_token_change_nothing(app):
    client = app.test_client()
    with app.app_context():
        user = make_staff("admin")
        email = user.email
        submission_id = str(make_submission(baseline()).id)
        before = snapshot(submission_id)
    assert client.post("/staff/login", data={"email": email, "password": PASSWORD}
                       ).status_code == 400
    assert client.get("/staff/").status_code == 302  # not logged in
    with app.app_context():
        login(client, db.session.merge(user))
    for action, data in [("status", {"status": "in_review", "from": "new"}),
                         ("notes", {"body": "a note"}), ("assignee", {"assignee": "me"})]:
        response = client.post(f"/staff/submissions/{submission_id}/{action}", data=data)
        assert response.status_code == 400, action
        assert MESSAGES[400][0] in response.get_data(as_text=True)
    with app.app_context():
        assert snapshot(submission_id) == before


def test_forged_session_cookies_open_nothing(app, questionnaire):
    patient = app.test_client()
    with app.app_context():
        draft_id = seat_patient(patient, baseline())
        before = snapshot(draft_id)
    step = questionnaire.steps[0]
    cookie_text = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7e,
                                        blacklist_characters=';,"\\'), max_size=300)

    @HOSTILE
    @given(value=st.one_of(cookie_text, st.just(patient.get_cookie("session").value + "x")))
    def attack(value):
        client = app.test_client()
        client.set_cookie("session", value)
        for method, path in [("GET", "/screening/"), ("GET", f"/screening/{step.id}"),
                             ("POST", f"/screening/{step.id}"), ("GET", "/screening/result"),
                             ("POST", "/screening/send"), ("GET", "/staff/"),
                             ("GET", "/staff/export.csv")]:
            data = {q.id: str(q.allowed_values()[-1]) for q in step.questions}
            response = client.open(path, method=method, data=data if method == "POST" else None)
            assert response.status_code < 500, (method, path)
            assert response.status_code in (302, 400), (method, path, response.status_code)
        with app.app_context():
            assert snapshot(draft_id) == before

    attack()


@pytest.mark.parametrize("path", ["step", "/screening/send", "/staff/login"])
def test_oversized_bodies_get_a_friendly_413(app, questionnaire, path):
    client = app.test_client()
    with app.app_context():
        draft_id = seat_patient(client, baseline(), status="completed")
        before = snapshot(draft_id)
    path = f"/screening/{questionnaire.steps[0].id}" if path == "step" else path
    size = app.config["MAX_CONTENT_LENGTH"] + 1
    response = client.post(path, data={"name": "n" * size, "message": "m"})
    assert response.status_code == 413
    assert MESSAGES[413][0] in response.get_data(as_text=True)
    with app.app_context():
        assert snapshot(draft_id) == before


def test_thousands_of_fields_are_refused_calmly(app, questionnaire):
    client = app.test_client()
    with app.app_context():
        draft_id = seat_patient(client, baseline())
        before = snapshot(draft_id)
    step = questionnaire.steps[0]
    body = "&".join(f"f{i}=1" for i in range(5000)).encode()
    response = client.post(f"/screening/{step.id}", data=body,
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code in (200, 302, 400, 413, 422)
    if response.status_code == 302:  # refused: back to the step (Post/Redirect/Get, issue 13)
        assert response.headers["Location"] == f"/screening/{step.id}"
    with app.app_context():
        assert snapshot(draft_id) == before
