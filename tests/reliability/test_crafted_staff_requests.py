"""Crafted query strings and form values on every staff, export and FHIR route, as every role:
never a 5xx, and nothing from the query string rewrites a link (issue 16).

The routes are read from the app's URL map, so a route added later is attacked too.
"""

from __future__ import annotations

import re
import uuid
from urllib.parse import urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from screener.extensions import db
from screener.storage import audit
from tests.factories import login, make_staff, make_submission
from tests.helpers import baseline
from tests.reliability.hostile import HOSTILE, junk_key, junk_text

ROLES = ("anonymous", "intake", "clinician", "admin")
# Keys that url_for treats specially, and the names the staff pages really read.
URL_FOR_KEYS = ["endpoint", "_method", "_external", "_scheme", "_anchor", "values"]
KNOWN_KEYS = ["from", "to", "after", "before", "assignee", "status", "outcome", "flag",
              "assigned", "q", "action", "actor", "screening", "labels", "excel",
              "deidentified", "identified", "url", "version", "next", "body", "email",
              "password", "review_status", "note"]
CRAFTED = ["9999-12-31", "0001-01-01", "9999-12-30", "99999999999999999999.0." + "0" * 32,
           "1.99999999999999999999." + "f" * 32, "-9223372036854775809.0." + "a" * 32,
           "9223372036854775807.9223372036854775807." + "1" * 32, "²", "1²", "١٢", "１２",
           "1_000", " 7 ", "+5", "POST", "javascript", "evil.example", "https", "1", "0", ""]
# Mostly the names and values that matter, some pure junk: ~17 routes share the examples.
crafted_value = st.one_of(st.sampled_from(CRAFTED), st.sampled_from(CRAFTED), junk_text)
crafted_key = st.one_of(st.sampled_from(KNOWN_KEYS + URL_FOR_KEYS),
                        st.sampled_from(KNOWN_KEYS + URL_FOR_KEYS), junk_key)
# Each kind of parser with the values that broke it (or its neighbours): the sweep below sends
# every one of these pairs, alone, to every route.
HUGE = "99999999999999999999"
TYPED_PAIRS = (
    [(key, value) for key in ("from", "to")
     for value in ("9999-12-31", "0001-01-01", "٢٠٢٠-٠١-٠١")]
    + [(key, value) for key in ("after", "before")
       for value in (f"{HUGE}.0.{'ab' * 16}", f"1.{HUGE}.{'ab' * 16}", f"-{HUGE}.0.{'ab' * 16}",
                     "١.١." + "ab" * 16, "²")]
    + [(key, value) for key in ("assignee", "screening", "status", "action", "actor")
       for value in ("²", "١٢", HUGE)]
    + [(key, value) for key in URL_FOR_KEYS for value in ("POST", "javascript")]
)


def routes(app) -> list[tuple[str, str]]:
    """(method, rule) of every staff, export and FHIR route."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(("/staff", "/fhir")):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                found.append((method, rule.rule))
    return sorted(found)


def fill(rule: str, screening_id: str, draw) -> str:
    """The rule with its variables filled: a real submission, a random one, or junk."""
    def value(match):
        converter = match.group(1) or ""
        if converter.startswith("uuid"):
            return draw(st.sampled_from([screening_id, str(uuid.uuid4())]))
        if converter.startswith("int"):
            return str(draw(st.integers(0, 2 ** 70)))
        return draw(st.sampled_from(["screener-intake", "x", "9" * 30, "%C2%B2"]))
    return re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?\w+>", value, rule)


@pytest.mark.parametrize("role", ROLES)
def test_every_staff_route_survives_crafted_input(any_app, role):
    with any_app.app_context():
        answers = baseline(phq9_9=1, cssrs_thoughts="yes", cssrs_plan="yes")
        screening_id = str(make_submission(answers).id)
        user = None if role == "anonymous" else make_staff(role)
        user_id = user.id if user else None
    client = any_app.test_client()
    all_routes = routes(any_app)
    assert len(all_routes) >= 15, all_routes

    def log_in():
        if user_id is not None:
            with any_app.app_context():
                from screener.storage.models import StaffUser
                login(client, db.session.get(StaffUser, user_id))

    log_in()

    @settings(HOSTILE, max_examples=120)
    @given(data=st.data())
    def attack(data):
        method, rule = data.draw(st.sampled_from(all_routes))
        path = fill(rule, screening_id, data.draw)
        query = data.draw(st.lists(st.tuples(crafted_key, crafted_value), max_size=5))
        form = data.draw(st.lists(st.tuples(crafted_key, crafted_value), max_size=5))
        url = path + ("?" + urlencode(query) if query else "")
        if method == "GET":
            response = client.get(url)
        else:
            response = client.open(url, method=method, data=MultiDict(form))
        body = response.get_data(as_text=True)
        response.close()
        assert response.status_code < 500, (method, url, form, response.status_code)
        assert "Traceback" not in body
        if rule == "/staff/logout":
            log_in()

    attack()


@pytest.mark.slow
def test_every_route_survives_every_crafted_pair(app):
    """Deterministic: each typed pair alone, as a query string and as a form, on every route."""
    with app.app_context():
        screening_id = str(make_submission(baseline()).id)
        admin = make_staff("admin")
        client = app.test_client()
        login(client, admin)
    failures = []
    for method, rule in routes(app):
        if rule == "/staff/logout":
            continue
        path = fill(rule, screening_id, lambda strategy: screening_id if "uuid" in rule else "1")
        for key, value in TYPED_PAIRS:
            if method == "GET":
                response = client.get(path + "?" + urlencode({key: value}))
            else:
                response = client.open(path, method=method, data={key: value})
            response.close()
            if response.status_code >= 500:
                failures.append((method, path, key, value, response.status_code))
    assert failures == []


@pytest.mark.parametrize("url", [
    "/staff/?to=9999-12-31", "/staff/?from=9999-12-31",
    "/staff/export.csv?to=9999-12-31", "/staff/export.ndjson?to=9999-12-31",
    "/staff/audit?to=9999-12-31",
    "/staff/?after=99999999999999999999.0." + "ab" * 16,
    "/staff/?before=1.99999999999999999999." + "ab" * 16,
    "/staff/?after=%D9%A1.%D9%A1." + "ab" * 16,  # Arabic-Indic digits, which int() takes
    "/staff/audit?before=%C2%B2",
])
def test_crafted_values_the_review_found_are_refused_plainly(client, login_as, url):
    login_as("admin")
    response = client.get(url)
    assert response.status_code == 400
    assert "Traceback" not in response.get_data(as_text=True)


def test_assigning_to_a_superscript_is_refused(app, client, login_as):
    login_as("admin")
    with app.app_context():
        screening_id = make_submission().id
    response = client.post(f"/staff/submissions/{screening_id}/assignee", data={"assignee": "²"})
    assert response.status_code == 400


@pytest.mark.parametrize("query", [
    "endpoint=x", "_method=POST", "_external=1&_scheme=javascript&_anchor=x%22",
    "values=1", "action=login&_external=1",
])
def test_query_args_cannot_rewrite_the_audit_logs_links(app, client, login_as, query):
    user = login_as("admin")
    with app.app_context():
        for _ in range(101):  # one more than a page, so there is an "Older" link
            audit.record("login", actor_label=user.email)
        db.session.commit()
    response = client.get("/staff/audit?" + query)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    older = re.search(r'<a href="([^"]*)" rel="next">Older', page).group(1)
    assert older.startswith("/staff/audit?before=")
    for word in ("javascript", "_external", "_scheme", "_anchor", "endpoint", "_method", "#"):
        assert word not in older
    if "action=login" in query:
        assert "action=login" in older  # the real filters are kept
