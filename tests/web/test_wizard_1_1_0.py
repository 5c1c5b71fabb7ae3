"""The wizard through every branch questionnaire 1.1.0 added: the past-attempt follow-up on the
diagnosis step, the crisis page after it, the new substance and health questions, the plain step
headings, and what patient and staff see of the new notes and the past_attempt flag."""

from __future__ import annotations

import pytest
from markupsafe import escape

from screener.extensions import db
from screener.storage.models import NO_PRIORITY
from tests.factories import make_submission
from tests.helpers import baseline, phq9
from tests.web.test_wizard import only
from tests.web.wizard_client import complete, questionnaire, send, step_data, walk

EX2 = phq9(2, 2, 2, 2, 2, 0, 0, 0, 0)
DIAGNOSIS = {"diagnoses": ["depression"], "antidepressants_tried": "1", "current_care": "yes",
             "prior_ketamine": "no", "psych_hospital_recent": "no"}


def reach(client, step_id: str) -> str:
    """Start and answer the baseline up to ``step_id``; the step's URL."""
    location = walk(client, baseline(), until=step_id)
    assert location == f"/screening/{step_id}"
    return location


def post_diagnosis(client, **answers):
    return client.post("/screening/diagnosis", data=step_data("diagnosis", {**DIAGNOSIS,
                                                                            **answers}))


def reason(rule_id: str) -> str:
    return str(escape(next(r.reason for r in questionnaire().rules if r.id == rule_id)))


# --- the diagnosis step: a follow-up on the same page, then the crisis page ---------------------

def test_yes_to_a_past_attempt_asks_the_follow_up_on_the_same_step(app, client):
    reach(client, "diagnosis")
    response = post_diagnosis(client, suicide_attempt="yes")
    assert response.status_code == 302
    assert response.headers["Location"] == "/screening/diagnosis#suicide_attempt_recent-0"
    assert only(app).answers["suicide_attempt"] == "yes"  # what was given is kept
    page = client.get("/screening/diagnosis").get_data(as_text=True)
    assert str(escape("Was this in the past 3 months?")) in page
    assert 'name="suicide_attempt_recent"' in page
    assert "There is a problem" not in page  # a new question, not an error


def test_a_recent_attempt_leads_to_the_crisis_page_then_on(app, client):
    reach(client, "diagnosis")
    post_diagnosis(client, suicide_attempt="yes")
    response = post_diagnosis(client, suicide_attempt="yes", suicide_attempt_recent="yes")
    assert response.headers["Location"] == "/screening/crisis"
    page = client.get("/screening/crisis").get_data(as_text=True)
    step = questionnaire().steps_by_id["diagnosis"]
    assert f"<h1>{escape(step.crisis_page_title)}</h1>" in page
    assert str(escape(step.crisis_page_text)) in page
    assert 'href="tel:988"' in page
    # help first: the resources come before the words and the way on
    assert page.index('href="tel:911"') < page.index(str(escape(step.crisis_page_text)))
    assert 'href="/screening/phq9"' in page  # continue the screening
    assert client.get("/screening/").headers["Location"] == "/screening/phq9"


def test_both_answers_posted_at_once_are_accepted(app, client):
    """A browser that shows the follow-up itself posts both in one go."""
    reach(client, "diagnosis")
    response = post_diagnosis(client, suicide_attempt="yes", suicide_attempt_recent="yes")
    assert response.headers["Location"] == "/screening/crisis"
    assert only(app).answers["suicide_attempt_recent"] == "yes"


def test_an_older_attempt_goes_straight_on(app, client):
    reach(client, "diagnosis")
    post_diagnosis(client, suicide_attempt="yes")
    response = post_diagnosis(client, suicide_attempt="yes", suicide_attempt_recent="no")
    assert response.headers["Location"] == "/screening/phq9"


def test_no_past_attempt_never_asks_the_follow_up(app, client):
    reach(client, "diagnosis")
    assert post_diagnosis(client, suicide_attempt="no").headers["Location"] == "/screening/phq9"
    assert "suicide_attempt_recent" not in only(app).answers


def test_changing_to_no_drops_the_follow_up_answer(app, client):
    """The page still shows the follow-up ticked; the patient changes the first answer to no."""
    reach(client, "diagnosis")
    post_diagnosis(client, suicide_attempt="yes", suicide_attempt_recent="no")
    response = post_diagnosis(client, suicide_attempt="no", suicide_attempt_recent="no")
    assert response.headers["Location"] == "/screening/phq9"
    assert "suicide_attempt_recent" not in only(app).answers


def test_a_missing_shown_answer_is_still_an_error(client):
    reach(client, "diagnosis")
    post_diagnosis(client, suicide_attempt="yes")
    response = post_diagnosis(client, suicide_attempt="yes")  # follow-up shown, left empty
    assert response.status_code == 302  # Post/Redirect/Get: the step shows its errors
    assert response.location.endswith("/screening/diagnosis")
    assert "There is a problem" in client.get(response.location).get_data(as_text=True)


def test_a_question_of_another_step_is_still_refused(client):
    reach(client, "diagnosis")
    response = client.post("/screening/diagnosis", data={
        **step_data("diagnosis", {**DIAGNOSIS, "suicide_attempt": "no"}), "pregnancy": "no"})
    assert response.status_code == 302 and response.location.endswith("/screening/diagnosis")
    assert "questions it does not ask" in client.get(response.location).get_data(as_text=True)


# --- substance and health -----------------------------------------------------------------------

def test_substance_step_asks_the_two_past_year_questions(client):
    reach(client, "substance")
    page = client.get("/screening/substance").get_data(as_text=True)
    for question_id in ("heavy_drinking_past_year", "drug_use_past_year"):
        assert str(escape(questionnaire().questions[question_id].text)) in page
        assert f'name="{question_id}" id="{question_id}-1" value="one_or_more"' in page


@pytest.mark.parametrize("medications", [["none", "opioid"], ["benzodiazepine", "none"]])
def test_medications_none_with_another_is_refused(client, medications):
    reach(client, "health")
    response = client.post("/screening/health", data=step_data(
        "health", baseline(medications=medications)))
    assert response.status_code == 302 and response.location.endswith("/screening/health")
    page = client.get(response.location).get_data(as_text=True)
    assert "cannot be combined with other options" in page


def test_health_step_lists_the_medicines_as_checkboxes(client):
    reach(client, "health")
    page = client.get("/screening/health").get_data(as_text=True)
    assert page.count('type="checkbox" name="medications"') == 7
    for question_id in ("bladder_symptoms", "breathing_liver"):
        assert page.count(f'type="radio" name="{question_id}"') == 3


# --- headings, results, staff -------------------------------------------------------------------

@pytest.mark.parametrize("step_id, title, instrument", [
    ("phq9", "How you have been feeling", "PHQ-9"), ("gad7", "Worry and anxiety", "GAD-7"),
    ("substance", "Alcohol and drug use", "CAGE-AID")])
def test_step_heading_in_plain_words_with_the_instrument_smaller(client, step_id, title,
                                                                  instrument):
    reach(client, step_id)
    page = client.get(f"/screening/{step_id}").get_data(as_text=True)
    assert f'<h1>{title} <small class="instrument">{instrument}</small></h1>' in page


def test_worked_example_9_crisis_result_after_a_recent_attempt(app, client):
    answers = baseline(**EX2, suicide_attempt="yes", suicide_attempt_recent="yes")
    page = complete(client, answers).get_data(as_text=True)
    assert 'data-outcome="crisis"' in page
    assert reason("recent_suicide_attempt") in page
    assert only(app).flags == ["urgent_now", "past_attempt"]
    assert only(app).priority == 1


def test_worked_example_10_notes_in_plain_words(client):
    answers = baseline(**EX2, antidepressants_tried="0", medications=["benzodiazepine"])
    page = complete(client, answers).get_data(as_text=True)
    assert 'data-outcome="possible_fit"' in page
    for rule_id in ("no_prior_treatment", "medication_review"):
        assert reason(rule_id) in page
        assert rule_id not in page  # rule ids are for staff


def test_worked_example_8_past_attempt_is_flagged_but_not_urgent(app, client, login_as):
    answers = baseline(**EX2, suicide_attempt="yes", suicide_attempt_recent="no")
    page = complete(client, answers).get_data(as_text=True)
    assert 'data-outcome="possible_fit"' in page
    assert reason("past_suicide_attempt") in page
    assert send(client).status_code == 302
    screening = only(app)
    assert (screening.flags, screening.priority) == (["past_attempt"], NO_PRIORITY)
    login_as("intake")
    detail = client.get(f"/staff/submissions/{screening.id}").get_data(as_text=True)
    label = app.extensions["questionnaire"].flags_by_id["past_attempt"].label
    assert "<code>past_suicide_attempt</code>" in detail and f"flag: {label}" in detail
    assert "Flagged (not urgent)" in detail
    assert "Flagged for urgent attention" not in detail
    queue = client.get("/staff/").get_data(as_text=True)
    link = queue.index(f'href="/staff/submissions/{screening.id}"')
    row = queue[queue.rindex("<tr", 0, link):link]
    assert row.startswith('<tr class="">')  # not marked urgent in the queue


def test_past_attempt_beside_urgent_flags_on_the_detail_page(app, client, login_as):
    with app.app_context():
        screening = make_submission(baseline(**phq9(1, 1, 1, 1, 1, 1, 1, 1, 1),
                                             self_harm_plan="no", suicide_attempt="yes"))
        assert (screening.flags, screening.priority) == (["self_harm", "past_attempt"], 2)
        screening_id = screening.id
    login_as("intake")
    detail = client.get(f"/staff/submissions/{screening_id}").get_data(as_text=True)
    panel = detail[detail.index('class="urgent-panel"'):detail.index("</section>",
                                                                      detail.index("urgent-panel"))]
    flags = {f.id: f.label for f in questionnaire().flags}
    assert str(escape(flags["self_harm"])) in panel
    assert f"Also flagged: {escape(flags['past_attempt'])}" in panel
    queue = client.get("/staff/").get_data(as_text=True)
    assert 'class="row-urgent"' in queue


def test_the_crisis_page_speaks_of_the_answer_just_given(client):
    """A recent attempt, then a plan on the safety step: the second crisis page is the plan's."""
    answers = baseline(**phq9(1, 1, 1, 1, 1, 1, 1, 1, 1), suicide_attempt="yes",
                       suicide_attempt_recent="yes", self_harm_plan="yes")
    location = walk(client, answers, until="safety")
    assert location == "/screening/safety"
    response = client.post("/screening/safety", data=step_data("safety", answers))
    assert response.headers["Location"] == "/screening/crisis"
    page = client.get("/screening/crisis").get_data(as_text=True)
    assert str(escape(questionnaire().texts["crisis_page"])) in page
    assert str(escape(questionnaire().steps_by_id["diagnosis"].crisis_page_text)) not in page
