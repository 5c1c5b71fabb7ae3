"""core.presentation: what a patient reads (spec: "No reassurance for anyone at risk") and how
urgent a submission is, for 1.2.0 and, as they read then, for 1.1.0 and 1.0.0."""

from __future__ import annotations

from pathlib import Path

import pytest

from screener.core import presentation, rules
from screener.core.questionnaire import load
from tests.helpers import baseline, baseline_1_0_0, baseline_1_1_0, gad7, phq9

DATA = Path(__file__).resolve().parents[1] / "data"
EX2 = phq9(2, 2, 2, 2, 2, 0, 0, 0, 0)
SEVERE = phq9(3, 3, 3, 3, 3, 3, 2, 0, 0)  # 20, severe
AT_RISK_ANSWERS = {
    "self_harm": {"cssrs_wish_dead": "yes"},
    "moderate_risk": {"suicide_attempt": "yes", "suicide_attempt_recent": "no"},
    "urgent_now": {"cssrs_thoughts": "yes", "cssrs_intent": "yes"},
}


def view(q, answers, changed=None):
    return presentation.patient_result(q, rules.evaluate(q, answers), changed)


def reason(q, rule_id):
    return next(r.reason for r in q.rules if r.id == rule_id)


def test_no_risk_reads_as_usual(questionnaire):
    result = view(questionnaire, baseline())
    assert result.outcome.id == "other_options_first"
    assert (result.crisis_first, result.crisis_result, result.show_bands) == (False, False, True)
    assert reason(questionnaire, "mild_concerns") in result.reasons
    assert result.can_send and not result.offer_booking
    assert result.helplines == ()


@pytest.mark.parametrize("flag", AT_RISK_ANSWERS)
def test_any_suicide_risk_flag_removes_reassurance(questionnaire, flag):
    result = view(questionnaire, baseline(**AT_RISK_ANSWERS[flag]))
    assert result.crisis_first
    assert not result.show_bands
    assert reason(questionnaire, "mild_concerns") not in result.reasons


def test_a_taken_back_answer_of_urgency_2_keeps_the_outcome_after_the_resources(questionnaire):
    result = view(questionnaire, baseline(**EX2), changed=2)
    assert (result.crisis_first, result.crisis_result, result.show_bands) == (True, False, False)
    assert result.outcome.id == "possible_fit"
    assert result.offer_booking


def test_low_risk_with_severe_depression_reads_that_ketamine_may_be_worth_discussing(
        questionnaire):
    """The person esketamine is indicated for: help first, then treatment, never a crisis page."""
    result = view(questionnaire, baseline(**SEVERE, cssrs_wish_dead="yes", cssrs_thoughts="yes"))
    assert result.outcome.id == "possible_fit"
    assert result.crisis_first and not result.crisis_result
    assert reason(questionnaire, "depression_fit") in result.reasons
    assert result.offer_booking and result.can_send


def test_a_crisis_result_reads_only_crisis_reasons_and_notes(questionnaire):
    answers = baseline(**SEVERE, cssrs_thoughts="yes", cssrs_plan="yes", psychosis_history="yes",
                       sud_history="over_12_months")
    result = view(questionnaire, answers)
    assert result.crisis_result and result.outcome.id == "crisis"
    assert reason(questionnaire, "suicide_intent_or_plan") in result.reasons
    assert reason(questionnaire, "past_substance_treatment") in result.reasons  # a note
    assert reason(questionnaire, "psychosis") not in result.reasons  # a lower outcome's
    assert reason(questionnaire, "depression_fit") not in result.reasons
    assert not result.offer_booking


def test_reasons_keep_rule_order(questionnaire):
    result = view(questionnaire, baseline(**EX2, pregnancy="unsure", antidepressants_tried="2"))
    order = [r.reason for r in questionnaire.rules]
    assert list(result.reasons) == sorted(result.reasons, key=order.index)


def test_a_minor_in_crisis_sees_the_crisis_result_and_no_send_form(questionnaire):
    result = view(questionnaire, baseline(age_18_plus="no", cssrs_thoughts="yes",
                                          cssrs_plan="yes"))
    assert result.crisis_result and result.crisis_first
    assert not result.can_send


def test_a_minor_who_took_back_a_plan_still_cannot_send(questionnaire):
    result = view(questionnaire, baseline(**EX2, age_18_plus="no"), changed=1)
    assert result.crisis_result and not result.can_send


@pytest.mark.parametrize("changes, shown", [
    ({"taps_alcohol": "weekly"}, True),
    ({"cage_cut_down": "yes", "cage_guilty": "yes", "taps_drugs": "monthly",
      "drugs_cannabis_only": "yes"}, True),
    ({"sud_history": "within_12_months"}, True),
    ({"sud_history": "over_12_months"}, False),
])
def test_samhsa_follows_a_substance_rule(questionnaire, changes, shown):
    result = view(questionnaire, baseline(**EX2, **changes))
    assert bool(result.helplines) is shown


def test_samhsa_also_on_a_crisis_result(questionnaire):
    result = view(questionnaire, baseline(taps_alcohol="daily", cssrs_thoughts="yes",
                                          cssrs_intent="yes"))
    assert result.crisis_result
    assert [h.links[0].href for h in result.helplines] == ["tel:18006624357"]


# --- the submission's urgency ---------------------------------------------------------------------

@pytest.mark.parametrize("flags, changed, urgency", [
    ((), None, None),
    (("recent_admission",), None, 3),
    (("self_harm",), None, 3),
    (("moderate_risk", "self_harm"), None, 2),
    (("urgent_now", "self_harm"), None, 1),
    (("self_harm_changed",), None, 2),
    (("self_harm_changed",), 1, 1),
    (("self_harm_changed", "recent_admission"), 2, 2),
    ((), 1, 1),  # the changed flag given only by its urgency
    (("no_such_flag",), None, 1),  # unknown counts as urgent, as is_urgent_flag says
])
def test_submission_urgency(questionnaire, flags, changed, urgency):
    assert presentation.submission_urgency(questionnaire, flags, changed) == urgency


@pytest.mark.parametrize("urgency, urgent", [(1, True), (2, True), (3, False), (None, False)])
def test_is_urgent(questionnaire, urgency, urgent):
    assert questionnaire.is_urgent(urgency) is urgent


# --- old versions read as they did ----------------------------------------------------------------

@pytest.fixture(scope="module")
def q_1_1_0():
    return load(DATA / "questions-1.1.0.yaml")


def test_1_1_0_crisis_shows_only_crisis_reasons_and_notes_with_bands(q_1_1_0):
    assert q_1_1_0.at_risk is None
    result = view(q_1_1_0, baseline_1_1_0(**phq9(1, 1, 1, 1, 1, 1, 1, 1, 1)))
    assert result.outcome.id == "crisis"
    assert result.crisis_first and result.crisis_result and result.show_bands
    assert reason(q_1_1_0, "mild_concerns") not in result.reasons
    assert reason(q_1_1_0, "self_harm_thoughts") in result.reasons
    assert result.can_send


def test_1_1_0_changed_answers_put_the_resources_first(q_1_1_0):
    result = view(q_1_1_0, baseline_1_1_0(**EX2), changed=2)
    assert result.outcome.id == "possible_fit"
    assert result.crisis_first and not result.crisis_result and result.show_bands


def test_1_1_0_urgency_keeps_its_meaning(q_1_1_0):
    assert presentation.submission_urgency(q_1_1_0, ("self_harm", "past_attempt")) == 2
    assert q_1_1_0.is_urgent_flag("self_harm")
    assert not q_1_1_0.is_urgent_flag("past_attempt")


def test_1_0_0_reads_as_it_did():
    q = load(DATA / "questions-1.0.0.yaml")
    result = view(q, baseline_1_0_0(**gad7(2, 2, 2, 2, 2, 0, 0)))
    assert result.outcome.id == "possible_fit"
    assert (result.crisis_first, result.show_bands, result.can_send) == (False, True, True)
