"""Bad input, lost sessions, expiry and CSRF: a clear message, never a 500, nothing changed."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select, update

from screener.patient.session import SESSION_KEY
from screener.extensions import db
from screener.storage.models import SafetyAnswer, Screening, utcnow
from tests.helpers import baseline
from tests.kit.pages import parse
from tests.web.test_wizard import only, rows
from tests.web.wizard_client import complete, send, step_data, step_of, walk


def refused(client, path: str, data: dict):
    """Post a step that fails validation: it redirects to itself (Post/Redirect/Get, issue 13);
    the page it redirects to, with the errors."""
    response = client.post(path, data=data)
    assert response.status_code == 302 and response.headers["Location"] == path
    return client.get(path)


TAMPERED = [
    ({"age_18_plus": "maybe"}, "age_18_plus", "Choose one of the options shown."),
    ({"age_18_plus": ["yes", "no"]}, "age_18_plus", "Choose only one answer."),
    ({"age_18_plus": ""}, "age_18_plus", "Choose one of the options shown."),
]


@pytest.mark.parametrize("data, field, message", TAMPERED)
def test_tampered_single_choice(app, client, data, field, message):
    client.post("/screening/start")
    response = refused(client, "/screening/about", data)
    page = response.get_data(as_text=True)
    assert f'<p class="field-error" id="{field}-error"><span class="visually-hidden">Error: ' \
           f"</span>{message}</p>" in page
    assert only(app).answers == {}


@pytest.mark.parametrize("pegs, message", [
    (("11", "4", "4"), "Choose a number from 0 to 10."),
    (("-1", "4", "4"), "Choose a number from 0 to 10."),
    (("4.5", "4", "4"), "Choose a number from 0 to 10."),
    (("", "4", "4"), "Choose a number from 0 to 10."),
])
def test_scale_out_of_range(app, client, pegs, message):
    walk(client, baseline(chronic_pain="yes"), until="pain_severity")
    before = only(app).answers
    data = dict(zip(("peg_1", "peg_2", "peg_3"), pegs))
    response = refused(client, "/screening/pain_severity", data)
    assert message in response.get_data(as_text=True)
    # The valid answers of the step are kept (issue 13); the bad one is not.
    assert only(app).answers == {**before, "peg_2": 4, "peg_3": 4}


@pytest.mark.parametrize("diagnoses, message", [
    (["depression", "none"], '"None of these" cannot be combined with other options'),
    (["depression", "werewolf"], "Choose from the options shown."),
    (["ptsd", "ptsd"], "Choose each option only once."),
    ([], "Choose at least one option."),
])
def test_multi_choice_problems(app, client, diagnoses, message):
    walk(client, baseline(), until="diagnosis")
    data = {**step_data("diagnosis", baseline()), "diagnoses": diagnoses}
    response = refused(client, "/screening/diagnosis", data)
    assert message in response.get_data(as_text=True).replace("&#34;", '"')
    assert "diagnoses" not in only(app).answers


def test_field_of_another_step_is_refused(app, client):
    client.post("/screening/start")
    response = refused(client, "/screening/about", {"age_18_plus": "yes", "phq9_9": "0"})
    assert "answers to questions it does not ask" in response.get_data(as_text=True)
    assert only(app).answers == {}


def test_valid_answers_are_stored_untouched_by_a_later_bad_post(app, client):
    walk(client, baseline(), until="gad7")
    before = only(app).answers
    client.post("/screening/phq9", data={**step_data("phq9", baseline()), "phq9_1": "7"})
    assert only(app).answers == before


def test_oversized_body_is_a_friendly_413(app, client):
    walk(client, baseline(), until="gad7")
    before = only(app).answers
    response = client.post("/screening/gad7",
                           data={"gad7_1": "0", "padding": "x" * (70 * 1024)})
    assert response.status_code == 413
    assert b"That was too much to send" in response.data
    assert only(app).answers == before


def test_lost_session_mid_wizard_goes_back_to_the_start(app, client):
    """As formtools' test_manipulated_data: the session disappears between two steps."""
    walk(client, baseline(), until="phq9")
    client.delete_cookie("session")
    response = client.post("/screening/phq9", data=step_data("phq9", baseline()))
    assert response.status_code == 302 and response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert "your session has ended" in page and 'action="/screening/start"' in page
    assert "phq9_1" not in only(app).answers


def test_token_not_matching_any_screening(client):
    with client.session_transaction() as session:
        session[SESSION_KEY] = "forged-token"
    assert client.get("/screening/about").headers["Location"] == "/"
    assert "has expired" in client.get("/").get_data(as_text=True)


def test_expired_draft_is_gone(app, client):
    walk(client, baseline(), until="gad7")
    with app.app_context():
        db.session.execute(update(Screening).values(expires_at=utcnow() - timedelta(minutes=1)))
        db.session.commit()
    response = client.get("/screening/gad7")
    assert response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert "has expired" in page and "after 24 hours" in page
    with client.session_transaction() as session:
        assert SESSION_KEY not in session


def test_each_save_extends_the_expiry(app, client):
    walk(client, baseline(), until="gad7")
    with app.app_context():
        db.session.execute(update(Screening).values(expires_at=utcnow() + timedelta(hours=1)))
        db.session.commit()
    client.post("/screening/gad7", data=step_data("gad7", baseline()))
    assert only(app).expires_at - utcnow() > timedelta(hours=23)


def test_expired_completed_screening_cannot_be_sent(app, client):
    complete(client, baseline())
    with app.app_context():
        db.session.execute(update(Screening).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert send(client).headers["Location"] == "/"
    assert only(app).status == "completed"


def test_start_is_rate_limited(app, client):
    app.config["SCREENING_START_RATE_LIMIT"] = "2/minute"
    for _ in range(2):
        client.post("/screening/restart", data={"confirm": "yes"})
        assert client.post("/screening/start").status_code == 302
    response = client.post("/screening/start")
    assert response.status_code == 429 and b"Too many attempts" in response.data


def test_every_limit_is_on_a_view(app):
    """Every limit decorates the view it limits (the start, the resume code): no default,
    application or blueprint limit counts every page of a patient who is filling in the form."""
    from screener.extensions import limiter

    with app.app_context():
        manager = limiter.limit_manager
        assert manager.default_limits == [] and manager.application_limits == []
        assert not getattr(manager, "_blueprint_limits", {})


def test_every_limited_view_is_checked_and_no_other_page_is(app):
    """Flask-Limiter skips every page but the limited ones (``LIMITED_ENDPOINTS``): a view given
    a limit and left out of that set would silently go unlimited."""
    from flask_limiter.util import get_qualified_name

    from screener.extensions import LIMITED_ENDPOINTS, limiter

    limited = {endpoint for endpoint, view in app.view_functions.items()
               if get_qualified_name(view) in limiter._marked_for_limiting}
    assert limited == LIMITED_ENDPOINTS
    for path, method, exempt in (("/screening/start", "POST", False),
                                 ("/screening/resume", "POST", False),
                                 ("/screening/phq9", "GET", True), ("/staff/", "GET", True)):
        with app.test_request_context(path, method=method):
            assert [check() for check in limiter._request_filters] == [exempt]


def test_a_limited_view_counts_each_request_once(app, client):
    app.config["SCREENING_START_RATE_LIMIT"] = "1/minute"
    assert client.post("/screening/start").status_code == 302
    client.post("/screening/restart", data={"confirm": "yes"})
    assert client.post("/screening/start").status_code == 429


# --- CSRF on -----------------------------------------------------------------------------------

def csrf_token(client, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    return parse(page).find("input", name="csrf_token").get("value")


def signed_at(app, client, seconds_ago: int) -> str:
    """A CSRF token for this session, as if the page had been loaded ``seconds_ago``."""
    with client.session_transaction() as session:
        raw = session["csrf_token"]

    class PastSigner(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - seconds_ago

    serializer = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token", signer=PastSigner)
    return serializer.dumps(raw)


@pytest.mark.csrf
def test_full_journey_with_csrf_on(app, client):
    token = csrf_token(client, "/")
    location = client.post("/screening/start", data={"csrf_token": token}).headers["Location"]
    assert location == "/screening/about"
    token = csrf_token(client, location)
    response = client.post(location, data={"age_18_plus": "yes", "csrf_token": token})
    assert response.headers["Location"] == "/screening/diagnosis"
    assert only(app).answers == {"age_18_plus": "yes"}


@pytest.mark.csrf
def test_missing_csrf_token_reshows_step_with_unsaved_choices(app, client):
    client.post("/screening/start", data={"csrf_token": csrf_token(client, "/")})
    walk_data = {"age_18_plus": "no"}
    response = client.post("/screening/about", data=walk_data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "this page had expired" in page
    assert 'id="age_18_plus-1" value="no" checked' in page
    assert 'name="csrf_token" value="' in page
    assert only(app).answers == {}


@pytest.mark.csrf
def test_a_page_refused_for_its_csrf_token_still_records_its_safety_answers(app, client):
    """Nothing saved (the page is shown again to be sent again), but a plan that reached the
    server is kept for good."""
    answers = baseline(cssrs_thoughts="yes", cssrs_plan="yes")
    location = client.post("/screening/start", data={"csrf_token": csrf_token(client, "/")}
                           ).headers["Location"]
    while step_of(location) != "safety":
        data = {**step_data(step_of(location), answers), "csrf_token": csrf_token(client, location)}
        location = client.post(location, data=data).headers["Location"]
    response = client.post(location, data=step_data("safety", answers))  # no token
    assert response.status_code == 400
    assert "cssrs_plan" not in only(app).answers
    with app.app_context():
        kept = {(r.question_id, r.value) for r in db.session.scalars(select(SafetyAnswer))}
    assert kept == {("cssrs_thoughts", "yes"), ("cssrs_plan", "yes")}


@pytest.mark.csrf
def test_expired_csrf_token_reshows_step(app, client):
    client.post("/screening/start", data={"csrf_token": csrf_token(client, "/")})
    csrf_token(client, "/screening/about")
    old = signed_at(app, client, seconds_ago=25 * 3600)
    response = client.post("/screening/about", data={"age_18_plus": "yes", "csrf_token": old})
    assert response.status_code == 400
    assert 'id="age_18_plus-0" value="yes" checked' in response.get_data(as_text=True)


@pytest.mark.csrf
def test_token_from_an_hour_ago_still_works(app, client):
    assert app.config["WTF_CSRF_TIME_LIMIT"] == 24 * 3600
    client.post("/screening/start", data={"csrf_token": csrf_token(client, "/")})
    csrf_token(client, "/screening/about")
    paused = signed_at(app, client, seconds_ago=2 * 3600)
    response = client.post("/screening/about", data={"age_18_plus": "yes", "csrf_token": paused})
    assert response.headers["Location"] == "/screening/diagnosis"


@pytest.mark.csrf
def test_csrf_failure_on_send_keeps_what_was_typed(app, client):
    app.config["WTF_CSRF_ENABLED"] = False
    complete(client, baseline())
    app.config["WTF_CSRF_ENABLED"] = True
    response = send(client, name="Sam Patient", csrf_token="bogus")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'value="Sam Patient"' in page and "this page had expired" in page
    assert only(app).status == "completed"


@pytest.mark.csrf
def test_csrf_failure_on_start_explains_and_creates_nothing(app, client):
    response = client.post("/screening/start")
    assert response.headers["Location"] == "/"
    assert "browser may be blocking the cookie" in client.get("/").get_data(as_text=True)
    assert rows(app) == []


@pytest.mark.csrf
def test_csrf_failure_after_lost_session_goes_to_start(client):
    response = client.post("/screening/about", data={"age_18_plus": "yes"})
    assert response.headers["Location"] == "/"
    assert "your session has ended" in client.get("/").get_data(as_text=True)


@pytest.mark.csrf
def test_csrf_failure_on_see_my_result_returns_to_review(app, client):
    app.config["WTF_CSRF_ENABLED"] = False
    walk(client, baseline())
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post("/screening/review", data={"csrf_token": "bogus"})
    assert response.headers["Location"] == "/screening/review"
    assert "that page had expired" in client.get("/screening/review").get_data(as_text=True)
    assert only(app).status == "draft"
