"""The queue by suicide risk (spec 1.2.0, "Suicide risk levels" and the flags table).

A nurse opening the queue must meet the people at high risk first, then moderate risk, then the
low-risk and recently admitted ones, then everybody else; a taken-back plan counts as the plan.
"Urgent" (the header badge, the red rows, the alert email) means urgency 1–2 only: a low risk
(urgency 3) is shown above the unflagged rows, but does not bury the urgent count.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from screener.extensions import db
from screener.storage.models import NO_PRIORITY, Screening
from screener.storage.queue import DEFAULT_FILTERS, build_queue_query, fetch_page, urgent_waiting
from tests.factories import make_submission
from tests.helpers import baseline, phq9
from tests.web.staff_pages import names_in, urgent_shown

EX2 = phq9(2, 2, 2, 2, 2, 0, 0, 0, 0)  # worked example 2: possible_fit, no flag
NO_FOLLOW_UPS = {"cssrs_method": "no", "cssrs_intent": "no", "cssrs_plan": "no"}
FIT = baseline(**EX2)
HIGH = baseline(**EX2, cssrs_thoughts="yes", **{**NO_FOLLOW_UPS, "cssrs_plan": "yes"})  # ex. 14
MODERATE = baseline(**EX2, cssrs_thoughts="yes",
                    **{**NO_FOLLOW_UPS, "cssrs_method": "yes"})  # ex. 13
LOW = baseline(**EX2, cssrs_wish_dead="yes")  # ex. 12
ADMISSION = baseline(**EX2, psych_hospital_recent="yes")  # ex. 24
# Answers given on the way, then taken back (the final answers are FIT's).
PLAN_TAKEN_BACK = [("cssrs_thoughts", "yes"), ("cssrs_plan", "yes")]
WISH_TAKEN_BACK = [("cssrs_wish_dead", "yes")]

# name, answers, taken back, minutes ago, the flag that sets its urgency, urgency
SEEDS = [
    ("Fit Old", FIT, (), 600, None, None),
    ("Admission", ADMISSION, (), 360, "recent_admission", 3),
    ("Low Risk", LOW, (), 300, "self_harm", 3),
    ("Wish Taken Back", FIT, WISH_TAKEN_BACK, 240, "self_harm_changed", 2),
    ("Plan Taken Back", FIT, PLAN_TAKEN_BACK, 180, "self_harm_changed", 1),
    ("High Risk", HIGH, (), 120, "urgent_now", 1),
    ("Moderate", MODERATE, (), 30, "moderate_risk", 2),
    ("Fit New", FIT, (), 1, None, None),
]
# Most urgent first, oldest first within an urgency; unflagged newest first.
EXPECTED = ["Plan Taken Back", "High Risk", "Wish Taken Back", "Moderate", "Admission",
            "Low Risk", "Fit New", "Fit Old"]


@pytest.fixture
def seeded(app):
    """One submission of each urgency level, by name."""
    with app.app_context():
        return {name: make_submission(answers, name=name, safety_answers=taken_back,
                                      submitted_ago=timedelta(minutes=ago)).id
                for name, answers, taken_back, ago, _, _ in SEEDS}


def test_the_seeds_carry_the_flags_and_urgencies_of_the_spec(app, seeded):
    with app.app_context():
        for name, _, _, _, flag, urgency in SEEDS:
            screening = db.session.get(Screening, seeded[name])
            if flag is None:
                assert screening.priority == NO_PRIORITY, name
                assert not set(screening.flags) & {"urgent_now", "moderate_risk", "self_harm",
                                                   "self_harm_changed", "recent_admission"}
            else:
                assert flag in screening.flags, (name, screening.flags)
                assert screening.priority == urgency, (name, screening.priority)
        # The taken-back answers leave the outcome of the final answers (what evaluate gives).
        taken_back = db.session.get(Screening, seeded["Plan Taken Back"])
        assert taken_back.outcome == "possible_fit"
        assert db.session.get(Screening, seeded["High Risk"]).outcome == "crisis"
        assert db.session.get(Screening, seeded["Moderate"]).outcome == "safety_review"
        assert db.session.get(Screening, seeded["Low Risk"]).outcome == "possible_fit"


def test_the_queue_puts_high_risk_first_then_moderate_then_low_then_the_rest(
        client, login_as, seeded):
    login_as("intake")
    assert names_in(client.get("/staff/").get_data(as_text=True)) == EXPECTED


@pytest.mark.parametrize("size", [1, 2, 3, 5])
def test_every_page_size_walks_the_same_order_both_ways(app, seeded, size):
    with app.app_context():
        names = {v: k for k, v in seeded.items()}
        query = build_queue_query(DEFAULT_FILTERS)
        forward, pages, after = [], [], ""
        while True:
            page = fetch_page(db.session, query, after=after, size=size)
            pages.append(page)
            forward += [names[s.id] for s in page.rows]
            if not page.next:
                break
            after = page.next
        assert forward == EXPECTED
        backward = []
        before = pages[-1].previous
        while before:
            page = fetch_page(db.session, query, before=before, size=size)
            backward = [names[s.id] for s in page.rows] + backward
            before = page.previous
        assert backward + [names[s.id] for s in pages[-1].rows] == EXPECTED


def test_the_urgent_count_is_urgency_1_and_2_only(client, login_as, seeded):
    """Four are urgent (two high, two moderate); the low risk and the admission are not."""
    login_as("intake")
    page = client.get("/staff/").get_data(as_text=True)
    assert urgent_shown(page) == 4
    rows = {name: page[page.rindex("<tr", 0, page.index(f">{name}</a>")):
                       page.index("</tr>", page.index(f">{name}</a>"))] for name in EXPECTED}
    for name in ("Plan Taken Back", "High Risk", "Wish Taken Back", "Moderate"):
        assert 'class="row-urgent"' in rows[name], name
    for name in ("Admission", "Low Risk"):
        assert 'class="row-flagged"' in rows[name] and "row-urgent" not in rows[name], name
        assert "waiting" in rows[name]  # sorted above the rest, oldest first: say how long
    for name in ("Fit New", "Fit Old"):
        assert "row-urgent" not in rows[name] and "waiting" not in rows[name]


def test_contacting_an_urgent_one_takes_it_out_of_the_count(app, client, login_as, seeded):
    login_as("intake")
    response = client.post(f"/staff/submissions/{seeded['High Risk']}/status",
                           data={"status": "contacted", "from": "new"})
    assert response.status_code == 302
    page = client.get("/staff/").get_data(as_text=True)
    assert urgent_shown(page) == 3
    # Open-only urgency: once contacted it sorts by time among the unflagged, newest first.
    assert names_in(page) == ["Plan Taken Back", "Wish Taken Back", "Moderate", "Admission",
                              "Low Risk", "Fit New", "High Risk", "Fit Old"]


def test_a_reopened_taken_back_plan_is_urgency_1_again(app, client, login_as, seeded):
    """Contacting and closing drops the urgency; reopening restores it, from the recorded
    answers, not from the flag's default urgency (which would make it 2)."""
    login_as("intake")
    screening_id = seeded["Plan Taken Back"]
    for new, old in (("contacted", "new"), ("closed", "contacted")):
        client.post(f"/staff/submissions/{screening_id}/status", data={"status": new, "from": old})
    with app.app_context():
        assert db.session.get(Screening, screening_id).priority == NO_PRIORITY
    client.post(f"/staff/submissions/{screening_id}/status",
                data={"status": "in_review", "from": "closed"})
    with app.app_context():
        assert db.session.get(Screening, screening_id).priority == 1
    page = client.get("/staff/", query_string={"status": "new,in_review"}).get_data(as_text=True)
    assert names_in(page)[0] == "Plan Taken Back"


def test_a_bulk_reopen_restores_each_urgency(app, client, login_as, seeded):
    login_as("intake")
    ids = [seeded["Plan Taken Back"], seeded["Wish Taken Back"], seeded["Low Risk"]]
    for new, old in (("contacted", "new"), ("closed", "contacted"), ("in_review", "closed")):
        response = client.post("/staff/bulk", data={
            "action": "status", "status": new, "selected": [f"{i}:{old}" for i in ids]})
        assert response.status_code == 303
    with app.app_context():
        priorities = [db.session.get(Screening, i).priority for i in ids]
    assert priorities == [1, 2, 3]


def test_the_flag_filter_finds_the_taken_back_answers(app, client, login_as, seeded):
    login_as("intake")
    page = client.get("/staff/", query_string={"flag": "self_harm_changed"}).get_data(
        as_text=True)
    assert names_in(page) == ["Plan Taken Back", "Wish Taken Back"]


def test_no_urgency_3_row_is_counted_when_alone(app, client, login_as):
    with app.app_context():
        make_submission(LOW, name="Low Only")
        make_submission(ADMISSION, name="Admission Only")
        assert {s for s in db.session.scalars(select(Screening.priority))} == {3}
    login_as("intake")
    assert urgent_shown(client.get("/staff/").get_data(as_text=True)) == 0


@pytest.mark.postgres
def test_the_same_order_and_count_on_postgresql(pg_app):
    with pg_app.app_context():
        names = {make_submission(answers, name=name, safety_answers=taken_back,
                                 submitted_ago=timedelta(minutes=ago)).id: name
                 for name, answers, taken_back, ago, _, _ in SEEDS}
        query = build_queue_query(DEFAULT_FILTERS)
        walked, after = [], ""
        while True:
            page = fetch_page(db.session, query, after=after, size=3)
            walked += [names[s.id] for s in page.rows]
            if not page.next:
                break
            after = page.next
        assert walked == EXPECTED
        up_to = pg_app.extensions["questionnaire"].urgent_up_to
        assert urgent_waiting(db.session, up_to) == 4
