"""Follow-up questions on the same page (the safety step's past-attempt and C-SSRS follow-ups,
the substance step's cannabis question), the substance and health steps of 1.2.0, the plain step
headings, and what the patient reads of the notes and of a past attempt."""

from __future__ import annotations


import pytest
from markupsafe import escape

from tests.helpers import baseline, phq9
from tests.kit.pages import Element, parse
from tests.web.test_wizard import only
from tests.web.wizard_client import (complete, questionnaire, send, step_data, visible,
                                     walk)

EX2 = phq9(2, 2, 2, 2, 2, 0, 0, 0, 0)
SAFETY = {"cssrs_wish_dead": "no", "cssrs_thoughts": "no", "suicide_attempt": "no"}


def names_in(box: Element) -> set[str]:
    """The field names inside ``box`` and not inside a follow-up box nested in it."""
    nested = {field.get("name") for inner in box.find_all("div", class_="follow-up")
              for field in inner.find_all(name=True)}
    return {field.get("name") for field in box.find_all(name=True)} - nested


def reach(client, step_id: str) -> str:
    """Start and answer the baseline up to ``step_id``; the step's URL."""
    location = walk(client, baseline(), until=step_id)
    assert location == f"/screening/{step_id}"
    return location


def post_safety(client, **answers):
    return client.post("/screening/safety", data={**SAFETY, **answers})


def reason(rule_id: str) -> str:
    return str(escape(next(r.reason for r in questionnaire().rules if r.id == rule_id)))


# --- the safety step: a follow-up on the same page, then the crisis page ------------------------

def test_yes_to_a_past_attempt_asks_the_follow_up_on_the_same_step(app, client):
    reach(client, "safety")
    response = post_safety(client, suicide_attempt="yes")
    assert response.status_code == 302
    # No question id in the URL (browser history): the page itself points it out.
    assert response.headers["Location"] == "/screening/safety"
    assert only(app).answers["suicide_attempt"] == "yes"  # what was given is kept
    page = client.get("/screening/safety").get_data(as_text=True)
    assert str(escape(questionnaire().questions["suicide_attempt_recent"].text)) in page
    assert 'name="suicide_attempt_recent"' in visible(page)
    assert "There is a problem" not in page  # a new question, not an error
    # Without script: "One more question about your answer", focused, right before it.
    note = ('<p class="follow-up-note" tabindex="-1" autofocus>'
            'One more question about your answer</p>')
    assert note in page and page.count("autofocus") == 1
    assert page.index(note) < page.index('name="suicide_attempt_recent"')
    assert page.index('name="suicide_attempt"') < page.index(note)
    # Pointed out once: a reload shows the question without the note.
    assert "autofocus" not in client.get("/screening/safety").get_data(as_text=True)


def test_a_recent_attempt_leads_to_the_crisis_page_then_on(app, client):
    reach(client, "safety")
    post_safety(client, suicide_attempt="yes")
    response = post_safety(client, suicide_attempt="yes", suicide_attempt_recent="yes")
    assert response.headers["Location"] == "/screening/help-now"
    page = client.get("/screening/help-now").get_data(as_text=True)
    step = questionnaire().steps_by_id["safety"]
    assert f"<h1 id=\"help-now-title\">{escape(step.crisis_page_title)}</h1>" in page
    assert str(escape(step.crisis_page_text)) in page
    assert 'href="tel:988"' in page
    assert 'href="/screening/gad7"' in page  # continue the screening
    assert client.get("/screening/").headers["Location"] == "/screening/gad7"


def test_both_answers_posted_at_once_are_accepted(app, client):
    """A browser that shows the follow-up itself posts both in one go."""
    reach(client, "safety")
    response = post_safety(client, suicide_attempt="yes", suicide_attempt_recent="yes")
    assert response.headers["Location"] == "/screening/help-now"
    assert only(app).answers["suicide_attempt_recent"] == "yes"


def test_an_older_attempt_goes_straight_on(app, client):
    reach(client, "safety")
    post_safety(client, suicide_attempt="yes")
    response = post_safety(client, suicide_attempt="yes", suicide_attempt_recent="no")
    assert response.headers["Location"] == "/screening/gad7"


def test_no_past_attempt_never_asks_the_follow_up(app, client):
    reach(client, "safety")
    assert post_safety(client).headers["Location"] == "/screening/gad7"
    assert "suicide_attempt_recent" not in only(app).answers


def test_changing_to_no_drops_the_follow_up_answer(app, client):
    """The page still shows the follow-up ticked; the patient changes the first answer to no."""
    reach(client, "safety")
    post_safety(client, suicide_attempt="yes", suicide_attempt_recent="no")
    response = post_safety(client, suicide_attempt="no", suicide_attempt_recent="no")
    assert response.headers["Location"] == "/screening/gad7"
    assert "suicide_attempt_recent" not in only(app).answers


def test_a_missing_shown_answer_is_still_an_error(client):
    reach(client, "safety")
    post_safety(client, suicide_attempt="yes")
    response = post_safety(client, suicide_attempt="yes")  # follow-up shown, left empty
    assert response.status_code == 302  # Post/Redirect/Get: the step shows its errors
    assert response.location.endswith("/screening/safety")
    assert "There is a problem" in client.get(response.location).get_data(as_text=True)


def test_a_question_of_another_step_is_still_refused(client):
    reach(client, "safety")
    response = post_safety(client, pregnancy="no")
    assert response.status_code == 302 and response.location.endswith("/screening/safety")
    assert "questions it does not ask" in client.get(response.location).get_data(as_text=True)


# --- substance and health -----------------------------------------------------------------------

def test_substance_step_shows_the_instruction_and_the_taps_items(client):
    reach(client, "substance")
    page = client.get("/screening/substance").get_data(as_text=True)
    step = questionnaire().steps_by_id["substance"]
    assert str(escape(step.intro)) in page
    assert page.index(str(escape(step.intro))) < page.index('name="cage_cut_down"')
    for question_id in ("taps_alcohol", "taps_drugs", "taps_rx_misuse"):
        assert str(escape(questionnaire().questions[question_id].text)) in page
        assert f'name="{question_id}" id="{question_id}-3" value="weekly"' in page
    assert 'name="drugs_cannabis_only"' not in visible(page)  # only after some drug use


def test_drug_use_asks_whether_it_was_cannabis_only_on_the_same_step(app, client):
    reach(client, "substance")
    answers = baseline(taps_drugs="weekly")
    del answers["drugs_cannabis_only"]
    response = client.post("/screening/substance", data=step_data("substance", answers))
    assert response.headers["Location"] == "/screening/substance"
    page = client.get("/screening/substance").get_data(as_text=True)
    assert 'name="drugs_cannabis_only"' in page


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
    assert page.count('type="checkbox" name="medications"') == 8
    assert 'value="other_sedative"' in page
    for question_id in ("bladder_symptoms", "breathing_liver"):
        assert page.count(f'type="radio" name="{question_id}"') == 3


# --- headings, results --------------------------------------------------------------------------

@pytest.mark.parametrize("step_id, title, instrument", [
    ("phq9", "How you have been feeling", "PHQ-9"), ("gad7", "Worry and anxiety", "GAD-7"),
    ("substance", "Alcohol and drug use", "CAGE-AID"),
    ("safety", "Thoughts of ending your life", "C-SSRS")])
def test_step_heading_in_plain_words_with_the_instrument_smaller(client, step_id, title,
                                                                  instrument):
    reach(client, step_id)
    page = client.get(f"/screening/{step_id}").get_data(as_text=True)
    assert f'<h1>{title} <small class="instrument">{instrument}</small></h1>' in page


def test_worked_example_11_crisis_result_after_a_recent_attempt(app, client):
    answers = baseline(**EX2, suicide_attempt="yes", suicide_attempt_recent="yes")
    page = complete(client, answers).get_data(as_text=True)
    assert 'data-outcome="crisis"' in page
    assert reason("recent_suicide_attempt") in page
    assert reason("depression_fit") not in page  # no lower outcome's reason on a crisis result
    assert only(app).flags == ["urgent_now"]
    assert only(app).priority == 1


def test_worked_example_21_notes_in_plain_words(client):
    answers = baseline(**EX2, antidepressants_tried="0", medications=["benzodiazepine"])
    page = complete(client, answers).get_data(as_text=True)
    assert 'data-outcome="possible_fit"' in page
    for rule_id in ("no_prior_treatment", "medication_review"):
        assert reason(rule_id) in page
        assert rule_id not in page  # rule ids are for staff


def test_worked_example_10_a_past_attempt_is_moderate_risk(app, client):
    """Resources first, the safety_review title and reasons kept, urgency 2 (an alert)."""
    answers = baseline(**EX2, suicide_attempt="yes", suicide_attempt_recent="no")
    page = complete(client, answers).get_data(as_text=True)
    assert 'data-outcome="safety_review"' in page
    assert page.index('class="crisis"') < page.index('class="card outcome')
    assert reason("past_suicide_attempt") in page and reason("depression_fit") in page
    assert send(client).status_code == 302
    screening = only(app)
    assert (screening.flags, screening.priority) == (["moderate_risk"], 2)


def test_worked_example_24_a_recent_admission_sorts_above_unflagged_without_an_alert(app, client):
    page = complete(client, baseline(**EX2, psych_hospital_recent="yes")).get_data(as_text=True)
    assert 'data-outcome="possible_fit"' in page
    assert 'class="crisis"' not in page  # not a suicide-risk flag: no crisis block
    assert reason("recent_psych_hospitalization") in page
    assert (only(app).flags, only(app).priority) == (["recent_admission"], 3)


def test_follow_ups_wait_hidden_in_the_page_for_the_script_to_reveal_in_place(client):
    """With JavaScript the follow-up appears under its answer at once (wizard.js); the page
    carries it hidden with the condition from questions.yaml, and the same form posts it."""
    reach(client, "safety")
    page = client.get("/screening/safety").get_data(as_text=True)
    boxes = parse(page).find_all("div", class_="follow-up")
    for follow_up in ("cssrs_method", "cssrs_intent", "cssrs_plan"):
        assert [box for box in boxes if follow_up in names_in(box) and box.matches(
            hidden=True, data_when="cssrs_thoughts", data_op="=", data_value="yes")], follow_up
    assert [box for box in boxes if "suicide_attempt_recent" in names_in(box) and box.matches(
        data_when="suicide_attempt", data_op="=", data_value="yes")]
    form = page[page.index('<form method="post"'):page.index("</form>")]
    assert 'name="cssrs_plan"' in form  # inside the step's form: posted with it
    assert "autofocus" not in page  # nothing new yet: no focus moved


def test_the_pinned_stem_changes_with_its_questions_on_the_substance_step(client):
    """Issue 24: "In your lifetime…" over CAGE-AID only; the TAPS-1 items under their own "In
    the past 12 months…"; the questions after them under neither."""
    reach(client, "substance")
    page = client.get("/screening/substance").get_data(as_text=True)
    groups = parse(page).find_all("div", class_="stem-group")
    stems = [group.children[0] for group in groups]  # each group opens with its pinned stem
    assert all(stem.matches("p", class_="stem") and stem.matches(class_="stem-sticky")
               for stem in stems)
    assert [stem.text for stem in stems] == ["In your lifetime…", "In the past 12 months…"]
    # Each group holds its questions, fieldset and all; the questions after them stand outside.
    lifetime, past_year = ({field.get("name") for field in group.find_all(name=True)}
                           for group in groups)
    assert "cage_cut_down" in lifetime and not lifetime & {"taps_alcohol", "sud_history"}
    assert {"taps_alcohol", "taps_drugs", "taps_rx_misuse"} <= past_year
    assert "sud_history" not in past_year
    lifetime = page[page.index("In your lifetime…"):page.index("In the past 12 months…")]
    assert 'name="cage_cut_down"' in lifetime and 'name="taps_alcohol"' not in lifetime
    past_year = page[page.index("In the past 12 months…"):]
    past_year = past_year[:past_year.index('name="sud_history"')]
    assert all(f'name="{q}"' in past_year for q in ("taps_alcohol", "taps_drugs", "taps_rx_misuse"))
    assert page.count('class="stem stem-sticky"') == 2  # no step-wide stem over everything
    between = page[page.index('name="taps_rx_misuse"'):page.index('name="sud_history"')]
    assert between.count('<div class="stem-group">') == 0 and "</fieldset>" in between
