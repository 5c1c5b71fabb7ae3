"""Review → result: re-validated and evaluated on the server, stored, shown in plain words."""

from __future__ import annotations

import json
import re

import pytest
from markupsafe import escape

from screener.core import rules
from screener.storage.submissions import assessment_record
from tests.helpers import baseline, gad7, phq9
from tests.kit.pages import parse
from tests.web.test_wizard import only
from tests.web.wizard_client import complete, questionnaire, shown_outcome, walk

# The spec's worked examples (and two more), each with the outcome the spec gives for it and
# the outcome the patient is shown (the crisis result for anyone at high risk).
SPEC_OUTCOMES = {
    "item_9": "other_options_first", "crisis_plan": "crisis", "possible_fit": "possible_fit",
    "substance": "other_options_first", "precaution": "possible_fit", "pain_fit": "possible_fit",
    "pain_mild": "other_options_first", "safety_review": "safety_review",
    "anxiety": "safety_review",
}
EXAMPLES = {
    "item_9": baseline(**phq9(1, 1, 1, 1, 1, 1, 1, 1, 1)),
    "crisis_plan": baseline(**phq9(2, 2, 2, 2, 2, 0, 0, 0, 2), cssrs_thoughts="yes",
                            cssrs_plan="yes"),
    "possible_fit": baseline(**phq9(2, 2, 2, 2, 2, 0, 0, 0, 0)),
    "substance": baseline(**phq9(2, 2, 2, 2, 2, 0, 0, 0, 0), cage_cut_down="yes",
                          cage_guilty="yes", taps_alcohol="less_than_monthly"),
    "precaution": baseline(**phq9(2, 2, 2, 2, 2, 0, 0, 0, 0), pregnancy="unsure"),
    "pain_fit": baseline(chronic_pain="yes", peg_1=4, peg_2=4, peg_3=4),
    "pain_mild": baseline(chronic_pain="yes", peg_1=4, peg_2=4, peg_3=3),
    "safety_review": baseline(**phq9(2, 2, 2, 2, 2, 0, 0, 0, 0), brain_bleed="unsure"),
    "anxiety": baseline(**gad7(2, 2, 2, 2, 2, 0, 0), diagnoses=["anxiety", "bipolar"]),
}


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_result_matches_rules_evaluate_and_is_stored(app, client, name):
    answers = EXAMPLES[name]
    expected = rules.evaluate(questionnaire(), answers)
    response = complete(client, answers)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert shown_outcome(page) == expected.outcome == SPEC_OUTCOMES[name]
    assert page.count("<h1") == 1
    outcome = questionnaire().outcomes_by_id[expected.outcome]
    assert str(escape(outcome.title)) in page and str(escape(outcome.explanation)) in page
    crisis = outcome.show_crisis_resources
    at_risk = set(expected.flags) & set(questionnaire().at_risk.flags)
    hidden = set(questionnaire().at_risk.hidden_rules) if at_risk else set()
    for rule in expected.rules:
        # A crisis result shows only the crisis rules' reasons and notes; anyone at risk reads
        # no reassurance (mild_concerns).
        shown = (not crisis or rule.outcome in (None, expected.outcome)) and rule.id not in hidden
        assert (str(escape(rule.reason)) in page) is shown, rule.id
    assert str(escape(questionnaire().texts["consultation"])) in page
    assert str(escape(questionnaire().texts["scores_disclaimer"])) in page
    stored = only(app)
    assert stored.status == "completed" and stored.completed_at is not None
    assert stored.outcome == expected.outcome
    assert stored.assessment == json.loads(json.dumps(assessment_record(expected)))
    assert stored.flags == list(expected.flags)


def test_result_agrees_with_flask_evaluate(app, client, runner):
    answers = EXAMPLES["substance"]
    page = complete(client, answers).get_data(as_text=True)
    output = runner.invoke(args=["evaluate", "-"], input=json.dumps(answers)).output
    assert shown_outcome(page) == json.loads(output.splitlines()[-1])["outcome"]


def test_crisis_result_puts_crisis_resources_first(client):
    page = complete(client, EXAMPLES["crisis_plan"]).get_data(as_text=True)
    crisis = page.index('class="crisis"')
    explanation = page.index('class="card outcome outcome-crisis"')
    assert page.index("<h1") < crisis < explanation < page.index('id="scores-title"')
    for resource in questionnaire().crisis_resources:
        assert str(escape(resource.text)) in page


@pytest.mark.parametrize("name", ["possible_fit", "safety_review", "substance"])
def test_other_results_show_no_crisis_block(client, name):
    page = complete(client, EXAMPLES[name]).get_data(as_text=True)
    assert 'class="crisis"' not in page


def test_scores_shown_with_bands_and_peg_with_one_decimal(client):
    page = complete(client, EXAMPLES["pain_mild"]).get_data(as_text=True)
    assert shown_outcome(page) == "other_options_first"
    assert "3.7" in page
    assert "PHQ-9 (depression)" in page and "Minimal" in page
    # 1.1.0: the patient reads the CAGE-AID band in plain words, not the band label "Negative"
    assert "CAGE-AID (alcohol and drug use)" in page and "No concern found" in page
    assert "Negative" not in page


def test_other_options_first_mentions_other_treatments(client):
    page = complete(client, EXAMPLES["substance"]).get_data(as_text=True)
    explanation = questionnaire().outcomes_by_id["other_options_first"].explanation
    assert str(escape(explanation)) in page
    for treatment in ("talk therapy", "a change of medicine or dose", "TMS"):
        assert treatment in page


@pytest.mark.parametrize("name", ["possible_fit", "safety_review", "substance"])
def test_a_printed_result_says_where_to_get_help_now(client, name):
    """The footer is not printed, so the result carries its own crisis line for print."""
    page = complete(client, EXAMPLES[name]).get_data(as_text=True)
    lines = [line for line in parse(page).find("main").find_all("p", class_="print-only")
             if line.matches(class_="small") and line.children
             and line.children[0].tag == "strong" and line.children[0].text == "In crisis?"]
    assert lines and " ".join(questionnaire().crisis_resources[0].text.split()) in lines[0].text


def test_result_is_printable_with_date_and_version(client):
    page = complete(client, EXAMPLES["possible_fit"]).get_data(as_text=True)
    assert 'href="/static/print.css" media="print"' in page
    assert "version 1.2.0" in page
    meta = parse(page).find("p", class_="meta").text
    assert re.match(r"Screening completed \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC", meta), meta
    assert 'src="/static/wizard.js"' in page and "data-print hidden" in page
    assert 'href="/screening/send"' in page


def test_result_before_review_redirects(client):
    walk(client, baseline(), until="gad7")
    assert client.get("/screening/result").headers["Location"] == "/screening/gad7"
    walk(client, baseline())
    response = client.get("/screening/result")
    assert response.headers["Location"] == "/screening/review"


def test_finish_with_unanswered_steps_goes_back_to_them(client):
    walk(client, baseline(), until="pain")
    response = client.post("/screening/review")
    assert response.headers["Location"] == "/screening/pain"


def test_changing_an_answer_after_the_result_reopens_the_draft(app, client):
    complete(client, EXAMPLES["possible_fit"])
    client.post("/screening/health?return_to=review",
                data={**{q: "no" for q in ("vascular_condition", "ketamine_allergy",
                                           "psychosis_history", "mania_history",
                                           "blood_pressure_heart", "pregnancy",
                                           "bladder_symptoms", "breathing_liver")},
                      "medications": "none", "brain_bleed": "yes"})
    stored = only(app)
    assert stored.status == "draft" and stored.outcome is None and stored.assessment is None
    assert client.get("/screening/result").headers["Location"] == "/screening/review"
    client.post("/screening/review")
    page = client.get("/screening/result").get_data(as_text=True)
    assert shown_outcome(page) == "safety_review"


def test_saving_a_step_unchanged_keeps_the_result(app, client):
    answers = EXAMPLES["possible_fit"]
    complete(client, answers)
    client.post("/screening/pain?return_to=review", data={"chronic_pain": "no"})
    assert only(app).status == "completed"
    assert client.get("/screening/result").status_code == 200
