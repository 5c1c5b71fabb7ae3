"""Safety answers are never forgotten (spec "Self-harm answers that change", worked example 11).

Each test tries a way to lose a self-harm answer after it was given — a change from review, Back,
an answer that disables the question, a second tab, a completed screening reopened — and checks
that the answer is still recorded as first given and that the submission is flagged.
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from markupsafe import escape
from sqlalchemy import select

from screener.core import rules
from screener.extensions import db
from screener.storage.models import NO_PRIORITY, SafetyAnswer, Screening
from tests.factories import login, make_staff
from tests.helpers import baseline, phq9
from tests.web.wizard_client import questionnaire, send, step_data, walk

EXAMPLE_1 = baseline(**phq9(1, 1, 1, 1, 1, 1, 1, 1, 1))
CHANGED = "self_harm_changed"


def recorded(app) -> list[tuple[str, object]]:
    with app.app_context():
        rows = db.session.scalars(select(SafetyAnswer).order_by(SafetyAnswer.id))
        return [(row.question_id, row.value) for row in rows]


def stored(app) -> Screening:
    with app.app_context():
        row = db.session.scalars(select(Screening)).one()
        db.session.expunge(row)
        return row


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


def outcome_of(page: str) -> str:
    return re.search(r'<main [^>]*data-outcome="([a-z_]+)"', page).group(1)


def worked_example_11(app) -> None:
    """Example 1 + a plan today, the crisis page, then item 9 changed to 0 from review."""
    client = app.test_client()
    answers = dict(EXAMPLE_1, self_harm_plan="yes")
    location = walk(client, answers, until="safety")
    response = client.post(location, data=step_data("safety", answers))
    assert response.headers["Location"] == "/screening/crisis"
    assert client.get("/screening/crisis").status_code == 200
    assert walk(client, answers) == "/screening/review"

    final = dict(answers, phq9_9=0)
    del final["self_harm_plan"]
    assert change_from_review(client, "phq9", final) == "/screening/review"
    review = client.get("/screening/review").get_data(as_text=True)
    assert "/screening/safety" not in review  # the safety step is now skipped

    page = finish(client)
    # The outcome is the final answers' (evaluate unchanged): other options first, PHQ-9 8.
    expected = rules.evaluate(questionnaire(), final)
    assert outcome_of(page) == expected.outcome == "other_options_first"
    assert expected.scores["phq9"].value == 8 and "mild_concerns" in expected.rule_ids
    assert str(escape(expected.rules[0].reason)) in page
    # ... but the crisis resources come first, whatever the outcome.
    crisis = page.index('class="crisis"')
    assert crisis < page.index('class="card outcome')
    for resource in questionnaire().crisis_resources:
        for link in resource.links:
            assert f'href="{escape(link.href)}"' in page[crisis:page.index('class="card outcome')]

    assert send(client).headers["Location"] == "/screening/sent"
    sent = client.get("/screening/sent").get_data(as_text=True)
    assert str(escape(questionnaire().texts["sent_urgent"])) in sent

    row = stored(app)
    assert row.outcome == "other_options_first"
    assert row.flags == [CHANGED] and row.priority < NO_PRIORITY
    assert row.assessment["flags"] == [CHANGED]
    assert {r["id"] for r in row.assessment["rules"]} == set(expected.rule_ids)
    assert "self_harm_plan" not in row.answers and row.answers["phq9_9"] == 0
    assert recorded(app) == [("phq9_9", 1), ("self_harm_plan", "yes")]

    # Staff: the answers as first given, when, and what they became; urgent in the queue; CSV.
    staff = app.test_client()
    with app.app_context():
        login(staff, make_staff("clinician"))
    detail = staff.get(f"/staff/submissions/{row.id}").get_data(as_text=True)
    section = detail[detail.index('id="safety-answers"'):]
    section = section[:section.index("</section>")]
    item9 = questionnaire().questions["phq9_9"]
    plan = questionnaire().questions["self_harm_plan"]
    first_row, second_row = re.findall(r"<tr class=\"[^\"]*\">(.*?)</tr>", section, re.S)
    assert "(phq9_9)" in first_row and f"<td>{item9.label_for(1)}</td>" in first_row
    assert f"{item9.label_for(0)}" in first_row and "changed" in first_row
    assert "(self_harm_plan)" in second_row and f"<td>{plan.label_for('yes')}</td>" in second_row
    assert "No answer" in second_row and "<time datetime=" in second_row
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


def test_worked_example_11_on_sqlite(app):
    worked_example_11(app)


@pytest.mark.postgres
def test_worked_example_11_on_postgres(pg_app):
    worked_example_11(pg_app)


def test_back_then_a_lower_answer_keeps_the_plan(app, client):
    """Yes to the plan, Back to PHQ-9, item 9 lowered to 0: the plan stays on record."""
    answers = dict(EXAMPLE_1, self_harm_plan="yes")
    location = walk(client, answers, until="safety")
    data = dict(step_data("safety", answers), action="back")
    assert client.post(location, data=data).headers["Location"] == "/screening/phq9"
    assert recorded(app) == [("phq9_9", 1), ("self_harm_plan", "yes")]  # Back saved it too
    final = dict(EXAMPLE_1, phq9_9=0)
    del final["self_harm_plan"]
    client.post("/screening/phq9", data=step_data("phq9", final))
    assert walk(client, final) == "/screening/review"
    finish(client)
    send(client)
    assert stored(app).flags == [CHANGED]
    assert recorded(app) == [("phq9_9", 1), ("self_harm_plan", "yes")]


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
    del lowered["self_harm_plan"]
    assert walk(client, lowered) == "/screening/review"
    finish(client)
    row = stored(app)
    assert row.flags == [CHANGED] and row.outcome == "other_options_first"


def test_a_completed_screening_reopened_and_changed_gets_the_flag(app, client):
    """See the crisis result, change item 9 from review (the draft reopens), finish again."""
    answers = dict(EXAMPLE_1, self_harm_plan="no")
    assert walk(client, answers) == "/screening/review"
    assert outcome_of(finish(client)) == "crisis"
    assert stored(app).flags == ["self_harm"]
    final = dict(answers, phq9_9=0)
    change_from_review(client, "phq9", final)
    assert stored(app).status == "draft"
    page = finish(client)
    assert outcome_of(page) == "other_options_first"
    assert page.index('class="crisis"') < page.index('class="card outcome')
    assert stored(app).flags == [CHANGED]


def test_a_plan_changed_to_no_from_review_keeps_the_yes(app, client):
    """The plan question itself changed from review: still a crisis (item 9), and flagged."""
    answers = dict(EXAMPLE_1, self_harm_plan="yes")
    assert walk(client, answers) == "/screening/review"
    finish(client)
    assert change_from_review(client, "safety", dict(answers, self_harm_plan="no")) == (
        "/screening/review")
    page = finish(client)
    assert outcome_of(page) == "crisis"
    send(client)
    row = stored(app)
    assert row.flags == ["self_harm", CHANGED] and row.answers["self_harm_plan"] == "no"
    assert recorded(app) == [("phq9_9", 1), ("self_harm_plan", "yes")]


def test_a_higher_answer_still_holds_and_adds_no_flag(app, client):
    """Item 9 raised from 1 to 2: the answer still holds, so no changed flag (both recorded)."""
    walk(client, dict(EXAMPLE_1, self_harm_plan="no"))
    finish(client)
    change_from_review(client, "phq9", dict(EXAMPLE_1, phq9_9=2))
    page = finish(client)
    assert outcome_of(page) == "crisis"
    assert stored(app).flags == ["self_harm"]
    assert recorded(app) == [("phq9_9", 1), ("phq9_9", 2)]
    assert "self_harm_plan" not in dict(recorded(app))  # "no" to the plan is not a safety answer


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
    client.post("/screening/restart")
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
