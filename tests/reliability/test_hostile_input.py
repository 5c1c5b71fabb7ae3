"""Hostile input to the patient's forms: random and malicious values against every step form and
the send form never make a 5xx and never change stored answers (hypothesis; the Flask test
client, on SQLite and PostgreSQL). Staff forms and export filters: test_hostile_staff_input."""

from __future__ import annotations

import random
from urllib.parse import quote, urlencode, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from screener.storage.models import CONTACT_METHODS
from tests.helpers import baseline
from tests.reliability.answers import random_answers
from tests.reliability.hostile import HOSTILE, clearly_invalid, form_names, junk_key, junk_text
from tests.kit.pages import parse
from tests.reliability.rows import reset_to_completed, seat_patient, snapshot

MUTATIONS = ["junk", "drop", "rename", "duplicate"]
CONTACT = {"name": "Pat Example", "email": "pat@example.com", "phone": "+1 202 555 0100",
           "contact_method": "email", "contact_time": "mornings", "message": "thanks",
           "consent": "y"}


@pytest.fixture
def every_step_answers(questionnaire):
    """A valid answer set under which every step of the questionnaire is shown."""
    from screener.core.rules import enabled_view

    rng = random.Random(0)
    for _ in range(2000):
        answers = random_answers(questionnaire, rng)
        if len(enabled_view(questionnaire, answers)[0]) == len(questionnaire.steps):
            return answers
    pytest.fail("no random answer set shows every step")


def pairs_for(names, answers) -> list[tuple[str, str]]:
    """The form fields a browser would post for these answers."""
    out = []
    for name in names:
        value = answers.get(name)
        out += [(name, str(v)) for v in (value if isinstance(value, list) else
                                          [] if value is None else [value])]
    return out


def mutate(data, questionnaire, names, pairs):
    """Make the step invalid in one drawn way."""
    kind = data.draw(st.sampled_from(MUTATIONS))
    required = [n for n in names if questionnaire.questions[n].required]
    singles = [n for n in names if questionnaire.questions[n].kind != "multi"]
    target = data.draw(st.sampled_from(required if kind in ("drop", "rename") else
                                       singles if kind == "duplicate" else names))
    question = questionnaire.questions[target]
    kept = [(k, v) for k, v in pairs if k != target]
    if kind == "junk":
        bad = data.draw(junk_text.filter(lambda v: clearly_invalid(question, v)))
        keep_some = question.kind == "multi" and data.draw(st.booleans())
        return (pairs if keep_some else kept) + [(target, bad)]
    if kind == "drop":
        return kept
    if kind == "rename":
        alias = data.draw(st.sampled_from([f"{target}[]", f"{target}[0]", f"{target}.value",
                                           target.upper(), f" {target}"]))
        return kept + [(alias, v) for k, v in pairs if k == target]
    current = dict(pairs)[target]
    other = next(str(v) for v in question.allowed_values() if str(v) != current)
    return pairs + [(target, other)]


def extras(data, questionnaire, names, answers):
    """Fields of other steps (with other values than stored) and random keys."""
    others = sorted(set(questionnaire.questions) - set(names))
    chosen = data.draw(st.lists(st.sampled_from(others), max_size=4, unique=True))
    fields = []
    for qid in chosen:
        values = [str(v) for v in questionnaire.questions[qid].allowed_values()]
        fields.append((qid, data.draw(st.sampled_from(values))))
    return fields + data.draw(st.lists(st.tuples(junk_key, junk_text), max_size=3))


def test_step_forms_refuse_hostile_values(any_app, questionnaire, every_step_answers):
    client = any_app.test_client()
    with any_app.app_context():
        screening_id = seat_patient(client, every_step_answers)
        steps = {s.id: form_names(client, f"/screening/{s.id}", questionnaire)
                 for s in questionnaire.steps}
        assert all(steps.values()), "every step form has question fields"

        @HOSTILE
        @given(data=st.data())
        def attack(data):
            step = data.draw(st.sampled_from(sorted(steps)))
            names = steps[step]
            pairs = mutate(data, questionnaire, names, pairs_for(names, every_step_answers))
            pairs += extras(data, questionnaire, names, every_step_answers)
            response = client.post(f"/screening/{step}", data=MultiDict(pairs))
            assert response.status_code < 500
            # Post/Redirect/Get (issue 13): a refused step redirects to itself, never on.
            if 300 <= response.status_code < 400:
                assert urlsplit(response.headers["Location"]).path == f"/screening/{step}", (
                    "an invalid step was accepted")
            state = snapshot(screening_id)
            assert (state["status"], state["answers"]) == ("draft", every_step_answers)

        attack()


def test_fields_of_other_steps_never_change_their_answers(app, questionnaire,
                                                          every_step_answers):
    client = app.test_client()
    with app.app_context():
        screening_id = seat_patient(client, every_step_answers)
        steps = {s.id: form_names(client, f"/screening/{s.id}", questionnaire)
                 for s in questionnaire.steps}

        @HOSTILE
        @given(data=st.data())
        def smuggle(data):
            step = data.draw(st.sampled_from(sorted(steps)))
            pairs = pairs_for(steps[step], every_step_answers)
            pairs += extras(data, questionnaire, steps[step], every_step_answers)
            response = client.post(f"/screening/{step}", data=MultiDict(pairs))
            assert response.status_code < 500
            assert snapshot(screening_id)["answers"] == every_step_answers

        smuggle()


@pytest.mark.parametrize("raw", [b"%FF%FE", b"\xff\xfe\xfd", b"%C3%28", b"%ED%A0%80",
                                 b"%F4%90%80%80", b"\xc0\xaf", b"=&=&&&", b"%", b"%%%%",
                                 b"%u0041", b"\x00"])
def test_invalid_utf8_and_broken_encoding(app, questionnaire, every_step_answers, raw):
    client = app.test_client()
    with app.app_context():
        screening_id = seat_patient(client, every_step_answers)
        for step in questionnaire.steps:
            names = form_names(client, f"/screening/{step.id}", questionnaire)
            pairs = [p for p in pairs_for(names, every_step_answers) if p[0] != names[0]]
            body = urlencode(pairs).encode() + b"&" + quote(names[0]).encode() + b"=" + raw
            response = client.post(f"/screening/{step.id}", data=body,
                                   content_type="application/x-www-form-urlencoded")
            assert response.status_code < 500, step.id
        assert snapshot(screening_id)["answers"] == every_step_answers


def send_page_fields(client) -> list[str]:
    page = client.get("/screening/send")
    assert page.status_code == 200
    parsed = parse(page.get_data(as_text=True), "http://localhost/screening/send")
    form = next(f for f in parsed.forms if "consent" in f.names)
    return sorted(form.names - {"csrf_token"})


def test_send_form_refuses_hostile_values(any_app, questionnaire):
    answers = baseline()
    client = any_app.test_client()
    with any_app.app_context():
        screening_id = seat_patient(client, answers, status="completed")
        fields = send_page_fields(client)
        assert set(CONTACT) <= set(fields)

        @HOSTILE
        @given(data=st.data())
        def attack(data):
            pairs = []
            for name in fields:
                choice = data.draw(st.sampled_from(["valid", "junk", "missing", "twice"]))
                valid, value = CONTACT.get(name, ""), data.draw(junk_text)
                pairs += {"valid": [(name, valid)], "junk": [(name, value)], "missing": [],
                          "twice": [(name, valid), (name, value)]}[choice]
            pairs += [(q, "yes") for q in data.draw(st.lists(
                st.sampled_from(sorted(questionnaire.questions)), max_size=3))]
            response = client.post("/screening/send", data=MultiDict(pairs))
            assert response.status_code < 500
            state = snapshot(screening_id)
            assert state["answers"] == answers
            if state["status"] == "submitted":
                check_contact(state)
                reset_to_completed(screening_id)

        attack()


def check_contact(state) -> None:
    """What a submission may hold, whatever was posted."""
    contact = state["contact"]
    assert state["consent_at"] is not None
    assert contact["name"] and len(contact["name"]) <= 200
    assert contact["email"] or contact["phone"]
    assert contact["method"] in CONTACT_METHODS
    assert not any("\x00" in (v or "") for v in contact.values())
    assert len(contact["email"] or "") <= 320 and len(contact["phone"] or "") <= 40
