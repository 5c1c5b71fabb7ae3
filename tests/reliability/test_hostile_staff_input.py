"""Hostile input to staff forms (login, status, assignment, notes) and to the queue and export
filters: never a 5xx, never a change to a submission's answers or contact details, never a value
outside what the workflow allows (hypothesis; the Flask test client, SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from screener.extensions import db
from screener.storage.models import REVIEW_STATUSES, StaffUser
from screener.staff.review import NOTE_MAX_CHARS
from tests.factories import login, make_staff, make_submission
from tests.helpers import baseline
from tests.reliability.hostile import HOSTILE, junk_key, junk_text
from tests.kit.pages import parse
from tests.reliability.rows import snapshot


def detail_forms(client, screening_id):
    """The POST forms on a submission's page: {action: {field: [values offered]}}."""
    path = f"/staff/submissions/{screening_id}"
    response = client.get(path)
    assert response.status_code == 200
    page = parse(response.get_data(as_text=True), "http://localhost" + path)
    forms = {}
    for form in page.forms:
        if form.method == "post" and page.resolve(form.action).startswith(path + "/"):
            offered = forms.setdefault(page.resolve(form.action), {})
            for field in form.fields:
                offered.setdefault(field.name, []).append(field.value)
    return forms


def staff_client(app, role: str):
    """A test client logged in as a new staff member of ``role``."""
    client = app.test_client()
    with app.app_context():
        login(client, make_staff(role))
    return client


def test_staff_forms_refuse_hostile_values(any_app):
    client = staff_client(any_app, "admin")
    with any_app.app_context():
        screening_id = str(make_submission(baseline(), name="Sam Hostile").id)
        before = snapshot(screening_id)
        forms = detail_forms(client, screening_id)
        assert len(forms) >= 3, sorted(forms)  # status, assignment, notes
        staff_ids = set(db.session.scalars(select(StaffUser.id).where(StaffUser.active)))

        @HOSTILE
        @given(data=st.data())
        def attack(data):
            action = data.draw(st.sampled_from(sorted(forms)))
            pairs = []
            for name, offered in forms[action].items():
                options = [v for v in offered if v] or [""]
                pairs.append((name, data.draw(st.one_of(st.sampled_from(options), junk_text))))
            pairs += data.draw(st.lists(st.tuples(junk_key, junk_text), max_size=3))
            response = client.post(action, data=MultiDict(pairs))
            assert response.status_code < 500
            state = snapshot(screening_id)
            assert state["answers"] == before["answers"] and state["contact"] == before["contact"]
            assert state["review_status"] in REVIEW_STATUSES
            assert state["assignee_id"] is None or state["assignee_id"] in staff_ids
            assert all(0 < len(n) <= NOTE_MAX_CHARS and "\x00" not in n for n in state["notes"])

        attack()


def test_login_form_refuses_hostile_values(app):
    client = app.test_client()

    @HOSTILE
    @given(email=junk_text, password=junk_text, extra=st.lists(st.tuples(junk_key, junk_text),
                                                               max_size=2))
    def attack(email, password, extra):
        data = MultiDict([("email", email), ("password", password), *extra])
        response = client.post("/staff/login", data=data)
        assert response.status_code < 500
        assert client.get("/staff/").status_code == 302

    attack()


EXPORT_PATHS = ["/staff/export.csv", "/staff/export.ndjson", "/staff/"]
SWITCHES = ["labels", "excel", "deidentified", "identified"]


def filter_names(client) -> list[str]:
    """The queue's filter fields (from its GET form) and the export switches."""
    page = parse(client.get("/staff/").get_data(as_text=True), "http://localhost/staff/")
    names = set().union(*(f.names for f in page.forms if f.method == "get"))
    return sorted(names | set(SWITCHES) | {"after", "before"})


def test_export_and_queue_filters_refuse_hostile_values(any_app, questionnaire):
    client = staff_client(any_app, "clinician")
    with any_app.app_context():
        make_submission(baseline(phq9_9=1, cssrs_thoughts="yes", cssrs_plan="yes"))
        make_submission(baseline())
    names = filter_names(client)
    assert {"outcome", "status", "flag"} <= set(names)
    valid = {"outcome": [o.id for o in questionnaire.outcomes],
             "flag": [f.id for f in questionnaire.flags], "status": list(REVIEW_STATUSES),
             "from": ["2020-01-01"], "to": ["2999-12-31"], **{s: ["1", "0"] for s in SWITCHES}}

    @HOSTILE
    @given(data=st.data())
    def attack(data):
        path = data.draw(st.sampled_from(EXPORT_PATHS))
        query = []
        for name in data.draw(st.lists(st.sampled_from(names), max_size=6)):
            query.append((name, data.draw(st.one_of(st.sampled_from(valid.get(name, [""])),
                                                    junk_text))))
        query += data.draw(st.lists(st.tuples(junk_key, junk_text), max_size=2))
        response = client.get(path + "?" + urlencode(query))
        body = response.get_data(as_text=True)
        response.close()
        assert response.status_code < 500
        if response.status_code == 200 and path.endswith(".ndjson"):
            assert all(json.loads(line) for line in body.splitlines())

    attack()
