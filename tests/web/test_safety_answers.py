"""Safety answers are never forgotten (spec "Self-harm answers that change", worked example 22).

Each test tries a way to lose a suicide-risk answer after it was given — a change from review,
Back, an answer that disables the question, a second tab, a completed screening reopened — and
checks that the answer is still recorded as first given, that the submission is flagged with the
right urgency, and that the patient is not reassured by the lower answers left in the end.
"""

from __future__ import annotations

import csv
import io

import pytest
from markupsafe import escape
from sqlalchemy import select

from screener.core import rules
from screener.storage.models import NO_PRIORITY, Screening
from tests.factories import login, make_staff
from tests.helpers import baseline, phq9
from tests.web.wizard_client import (questionnaire, recorded, send, shown_outcome, step_data,
                                     stored, walk)

EXAMPLE_1 = baseline(**phq9(1, 1, 1, 1, 1, 1, 1, 1, 1))
WITH_PLAN = baseline(**phq9(1, 1, 1, 1, 1, 1, 1, 1, 1), cssrs_thoughts="yes", cssrs_plan="yes")
# Example 22's final answers: item 9 changed to 0 and thoughts to "no" from the review page.
TAKEN_BACK = baseline(**phq9(1, 1, 1, 1, 1, 1, 1, 1, 0))
CHANGED = "self_harm_changed"


def change_from_review(client, step_id: str, answers: dict) -> str:
    """Open ``step_id`` with its Change link from review, post ``answers``; where it goes."""
    response = client.post(f"/screening/{step_id}?return_to=review",
                           data=step_data(step_id, answers))
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


def finish(client) -> str:
    response = client.post("/screening/review")
    assert response.headers["Location"] == "/screening/result", response.headers["Location"]
    return client.get("/screening/result").get_data(as_text=True)


def text(rule_id: str) -> str:
    return str(escape(next(r.reason for r in questionnaire().rules if r.id == rule_id)))


def assert_no_reassurance(page: str) -> None:
    """Crisis resources before the outcome; no band word, no mild_concerns."""
    main = page[page.index("<main"):page.index("</main>")]
    assert main.index('class="crisis"') < main.index('class="card outcome')
    assert text("mild_concerns") not in main
    for band in ("Minimal", "Mild", "No concern found"):
        assert band not in main, band


def worked_example_22(app) -> None:
    """Example 1 + thoughts and a plan, the crisis page, then item 9 changed to 0 and thoughts
    to "no" from review: the crisis result, urgency 1, every answer on record for staff."""
    client = app.test_client()
    location = walk(client, WITH_PLAN, until="safety")
    response = client.post(location, data=step_data("safety", WITH_PLAN))
    assert response.headers["Location"] == "/screening/help-now"
    assert client.get("/screening/help-now").status_code == 200
    assert walk(client, WITH_PLAN) == "/screening/review"

    assert change_from_review(client, "phq9", TAKEN_BACK) == "/screening/review"
    assert change_from_review(client, "safety", TAKEN_BACK) == "/screening/review"
    page = finish(client)
    # The outcome is the final answers' (evaluate unchanged): other options first, PHQ-9 8 ...
    expected = rules.evaluate(questionnaire(), TAKEN_BACK)
    assert expected.outcome == "other_options_first" and "mild_concerns" in expected.rule_ids
    assert expected.scores["phq9"].value == 8
    # ... but a plan was given: the patient reads the crisis result, not "milder symptoms".
    assert shown_outcome(page) == "crisis"
    assert_no_reassurance(page)
    title = questionnaire().outcomes_by_id["other_options_first"].title
    assert str(escape(title)) not in page

    assert send(client).headers["Location"] == "/screening/sent"
    sent = client.get("/screening/sent").get_data(as_text=True)
    assert str(escape(questionnaire().texts["sent_urgent"])) in sent
    assert text("mild_concerns") not in sent

    row = stored(app)
    assert row.outcome == "other_options_first"
    assert row.flags == [CHANGED] and row.priority == 1
    assert row.assessment["flags"] == [CHANGED]
    assert {r["id"] for r in row.assessment["rules"]} == set(expected.rule_ids)
    assert "cssrs_plan" not in row.answers and row.answers["phq9_9"] == 0
    assert recorded(app) == [("phq9_9", 1), ("cssrs_thoughts", "yes"), ("cssrs_plan", "yes")]

    # Staff: the answers as first given, urgent in the queue, the flag in CSV and FHIR.
    staff = app.test_client()
    with app.app_context():
        login(staff, make_staff("clinician"))
    detail = staff.get(f"/staff/submissions/{row.id}").get_data(as_text=True)
    section = detail[detail.index('id="safety-answers"'):]
    section = section[:section.index("</section>")]
    for question_id in ("phq9_9", "cssrs_thoughts", "cssrs_plan"):
        assert f"({question_id})" in section, question_id
    flag = questionnaire().flags_by_id[CHANGED]
    assert str(escape(flag.label)) in detail
    queue = staff.get("/staff/").get_data(as_text=True)
    assert 'class="row-urgent"' in queue and f"badge-{CHANGED}" in queue
    export = staff.get("/staff/export.csv").get_data(as_text=True)
    [csv_row] = list(csv.DictReader(io.StringIO(export.lstrip("\ufeff"))))
    assert CHANGED in csv_row[next(k for k in csv_row if k.lower().startswith("flag"))]
    bundle = staff.get(f"/staff/submissions/{row.id}/fhir").get_json()
    response = next(e["resource"] for e in bundle["entry"]
                    if e["resource"]["resourceType"] == "QuestionnaireResponse")
    assert CHANGED in {tag["code"] for tag in response["meta"]["tag"]}


def test_worked_example_22_on_sqlite(app):
    worked_example_22(app)


@pytest.mark.postgres
def test_worked_example_22_on_postgres(pg_app):
    worked_example_22(pg_app)


def test_back_then_lower_answers_keep_the_plan(app, client):
    """A plan, Back to PHQ-9, item 9 lowered to 0, thoughts then "no": the plan stays on
    record, the crisis result and urgency 1."""
    location = walk(client, WITH_PLAN, until="safety")
    data = dict(step_data("safety", WITH_PLAN), action="back")
    assert client.post(location, data=data).headers["Location"] == "/screening/phq9"
    assert recorded(app) == [("phq9_9", 1), ("cssrs_thoughts", "yes"), ("cssrs_plan", "yes")]
    client.post("/screening/phq9", data=step_data("phq9", TAKEN_BACK))
    client.post("/screening/safety", data=step_data("safety", TAKEN_BACK))
    assert walk(client, TAKEN_BACK) == "/screening/review"
    assert shown_outcome(finish(client)) == "crisis"
    send(client)
    assert (stored(app).flags, stored(app).priority) == ([CHANGED], 1)
    assert recorded(app) == [("phq9_9", 1), ("cssrs_thoughts", "yes"), ("cssrs_plan", "yes")]


def test_an_answer_chosen_then_left_with_back_is_recorded(app, client):
    """Item 9 ticked, then Back pressed without Continue: Back saves it, so it is recorded."""
    location = walk(client, EXAMPLE_1, until="phq9")
    data = dict(step_data("phq9", EXAMPLE_1), action="back")
    client.post(location, data=data)
    assert recorded(app) == [("phq9_9", 1)]


def test_a_second_tab_overwriting_item_9_does_not_erase_it(app, client):
    """Two tabs of one screening: the stale one saves item 9 = 0 over the other's 1."""
    walk(client, EXAMPLE_1, until="phq9")
    other_tab = app.test_client()
    with client.session_transaction() as mine, other_tab.session_transaction() as theirs:
        theirs.update(mine)
    client.post("/screening/phq9", data=step_data("phq9", EXAMPLE_1))
    lowered = dict(EXAMPLE_1, phq9_9=0)
    other_tab.post("/screening/phq9", data=step_data("phq9", lowered))
    assert recorded(app) == [("phq9_9", 1)]
    assert walk(client, lowered) == "/screening/review"
    page = finish(client)
    row = stored(app)
    assert row.flags == [CHANGED] and row.outcome == "other_options_first"
    assert row.priority == 2  # item 9 is not a high-risk answer: review, with an alert
    assert shown_outcome(page) == "other_options_first"  # not the crisis result ...
    assert_no_reassurance(page)  # ... but no reassurance either


def test_a_completed_screening_reopened_and_changed_gets_the_flag(app, client):
    """See the result, change item 9 from review (the draft reopens), finish again."""
    assert walk(client, EXAMPLE_1) == "/screening/review"
    page = finish(client)
    assert shown_outcome(page) == "other_options_first"
    assert_no_reassurance(page)
    assert (stored(app).flags, stored(app).priority) == (["self_harm"], 3)
    change_from_review(client, "phq9", dict(EXAMPLE_1, phq9_9=0))
    assert stored(app).status == "draft"
    page = finish(client)
    assert shown_outcome(page) == "other_options_first"
    assert_no_reassurance(page)
    assert (stored(app).flags, stored(app).priority) == ([CHANGED], 2)


def test_a_plan_changed_to_no_from_review_keeps_the_yes(app, client):
    """The plan itself changed to "no" from review (thoughts still yes): the crisis result,
    flagged urgency 1 beside the low-risk flag."""
    assert walk(client, WITH_PLAN) == "/screening/review"
    assert shown_outcome(finish(client)) == "crisis"
    assert stored(app).priority == 1
    no_plan = dict(WITH_PLAN, cssrs_plan="no")
    assert change_from_review(client, "safety", no_plan) == "/screening/review"
    page = finish(client)
    assert shown_outcome(page) == "crisis"
    assert rules.evaluate(questionnaire(), no_plan).outcome == "other_options_first"
    send(client)
    row = stored(app)
    assert row.flags == [CHANGED, "self_harm"] and row.answers["cssrs_plan"] == "no"
    assert row.priority == 1
    assert recorded(app) == [("phq9_9", 1), ("cssrs_thoughts", "yes"), ("cssrs_plan", "yes")]


def test_a_wish_to_be_dead_taken_back_keeps_the_outcome_title_without_reassurance(app, client):
    """Low risk taken back: urgency 2 (an alert), the outcome's own title after the resources."""
    answers = baseline(**phq9(2, 2, 2, 2, 2, 0, 0, 0, 0), cssrs_wish_dead="yes")
    assert walk(client, answers) == "/screening/review"
    finish(client)
    change_from_review(client, "safety", dict(answers, cssrs_wish_dead="no"))
    page = finish(client)
    assert shown_outcome(page) == "possible_fit"
    main = page[page.index("<main"):page.index("</main>")]
    assert main.index('class="crisis"') < main.index('class="card outcome')
    assert "Moderate" not in main  # no band words
    assert (stored(app).flags, stored(app).priority) == ([CHANGED], 2)


def test_a_higher_answer_still_holds_and_adds_no_flag(app, client):
    """Item 9 raised from 1 to 2: the answer still holds, so no changed flag (both recorded)."""
    walk(client, EXAMPLE_1)
    finish(client)
    change_from_review(client, "phq9", dict(EXAMPLE_1, phq9_1=0, phq9_9=2))  # total still 9
    page = finish(client)
    assert shown_outcome(page) == "other_options_first"
    assert stored(app).flags == ["self_harm"]
    assert recorded(app) == [("phq9_9", 1), ("phq9_9", 2)]
    assert "cssrs_thoughts" not in dict(recorded(app))  # "no" is not a safety answer


def test_no_safety_answer_no_record_no_crisis_first(app, client):
    walk(client, baseline(**phq9(2, 2, 2, 2, 2, 0, 0, 0, 0)))
    page = finish(client)
    assert recorded(app) == [] and 'class="crisis"' not in page
    send(client)
    row = stored(app)
    assert row.flags == [] and row.priority == NO_PRIORITY
    sent = client.get("/screening/sent").get_data(as_text=True)
    assert str(escape(questionnaire().texts["sent_next_steps"])) in sent
    assert str(escape(questionnaire().texts["sent_urgent"])) not in sent


def test_saving_the_same_answer_again_records_it_once(app, client):
    walk(client, EXAMPLE_1, until="gad7")
    client.post("/screening/phq9", data=step_data("phq9", EXAMPLE_1))
    assert recorded(app) == [("phq9_9", 1)]


def test_start_over_deletes_the_records_with_the_draft(app, client):
    walk(client, EXAMPLE_1, until="gad7")
    assert recorded(app) == [("phq9_9", 1)]
    client.post("/screening/restart", data={"confirm": "yes"})
    assert recorded(app) == []


@pytest.mark.postgres
def test_a_recording_save_overlapping_another_merges_and_records_once(pg_app):
    """Item 9 = 1 saved while a second tab holds the row: the save waits, merges into what the
    other wrote, and the safety answer is recorded once, with the answers."""
    import threading

    from sqlalchemy import create_engine

    from screener.storage.models import utcnow

    client = pg_app.test_client()
    assert walk(client, EXAMPLE_1, until="phq9") == "/screening/phq9"
    table = Screening.__table__
    engine = create_engine(pg_app.config["SQLALCHEMY_DATABASE_URI"])
    responses = []
    try:
        with engine.connect() as writer:
            row = writer.execute(select(table.c.id, table.c.answers).with_for_update()).one()
            post = threading.Thread(target=lambda: responses.append(
                client.post("/screening/phq9", data=step_data("phq9", EXAMPLE_1))))
            post.start()
            post.join(timeout=1.0)
            assert post.is_alive(), "the save did not wait for the row"
            writer.execute(table.update().where(table.c.id == row.id).values(
                answers=dict(row.answers, current_care="no"), updated_at=utcnow()))
            writer.commit()
            post.join(timeout=30)
        assert responses and responses[0].status_code == 302
    finally:
        engine.dispose()
    answers = stored(pg_app).answers
    assert answers["current_care"] == "no" and answers["phq9_9"] == 1
    assert recorded(pg_app) == [("phq9_9", 1)]
