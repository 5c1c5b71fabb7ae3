"""Where the patient stands: enabled steps, reachability, next/previous, merging a step."""

from __future__ import annotations

from screener.core.navigation import journey, merge_step
from tests.helpers import baseline


def ids(steps) -> list[str]:
    return [s.id for s in steps]


def test_empty_answers_open_at_the_first_step(questionnaire):
    j = journey(questionnaire, {})
    assert j.first_open.id == "about" and not j.finished
    # The safety step is asked of everyone; the adults' steps wait for the age.
    assert ids(j.steps) == ["about", "diagnosis", "phq9", "safety", "gad7", "pain"]
    assert j.is_reachable("about") and not j.is_reachable("diagnosis")
    assert j.position("about") == (1, 9)  # every step counted: the total never grows


def test_complete_answers_finish(questionnaire):
    j = journey(questionnaire, baseline())
    assert j.finished and j.first_open is None
    assert all(j.is_reachable(s.id) for s in j.steps)
    assert j.is_reachable("safety") and not j.is_reachable("pain_severity")


def test_a_minor_skips_the_substance_and_health_steps(questionnaire):
    j = journey(questionnaire, baseline(age_18_plus="no"))
    assert j.finished
    assert ids(j.steps) == ["about", "diagnosis", "phq9", "safety", "gad7", "pain"]


def test_safety_step_follows_phq9_and_chronic_pain_enables_its_step(questionnaire):
    """Item 9 = 0 still leads to the safety step; an unanswered plan follow-up keeps it open."""
    answers = baseline(chronic_pain="yes", cssrs_thoughts="yes")
    del answers["cssrs_plan"]
    j = journey(questionnaire, answers)
    assert ids(j.steps)[3] == "safety" and "pain_severity" in ids(j.steps)
    assert j.first_open.id == "safety"
    assert j.position("gad7") == (5, 9)
    assert j.following("phq9").id == "safety" and j.previous("gad7").id == "safety"


def test_step_with_an_invalid_stored_value_is_not_complete(questionnaire):
    j = journey(questionnaire, baseline(phq9_3=9))
    assert j.first_open.id == "phq9"


def test_previous_and_following_at_the_ends(questionnaire):
    j = journey(questionnaire, baseline())
    assert j.previous("about") is None and j.following("health") is None


def test_crisis_page_due_only_on_a_high_risk_answer(questionnaire):
    safety = questionnaire.steps_by_id["safety"]
    high = [baseline(cssrs_thoughts="yes", cssrs_intent="yes"),
            baseline(cssrs_thoughts="yes", cssrs_plan="yes"),
            baseline(suicide_attempt="yes", suicide_attempt_recent="yes")]
    for answers in high:
        j = journey(questionnaire, answers)
        assert j.crisis_page_due(safety)
        assert not j.crisis_page_due(questionnaire.steps_by_id["phq9"])
    low_or_moderate = [baseline(phq9_9=1), baseline(cssrs_wish_dead="yes"),
                       baseline(cssrs_thoughts="yes", cssrs_method="yes"),
                       baseline(suicide_attempt="yes", suicide_attempt_recent="no"),
                       # a plan left over after thoughts -> no is hidden: no crisis page
                       {**baseline(), "cssrs_plan": "yes"}]
    for answers in low_or_moderate:
        assert not journey(questionnaire, answers).crisis_page_due(safety)


def test_merge_replaces_the_step_and_drops_what_skip_logic_disables(questionnaire):
    stored = baseline(chronic_pain="yes", peg_1=5, peg_2=5, peg_3=5)
    merged = merge_step(questionnaire, stored, questionnaire.steps_by_id["pain"],
                        {"chronic_pain": "no"})
    assert merged["chronic_pain"] == "no"
    assert not {"peg_1", "peg_2", "peg_3"} & set(merged)


def test_merge_without_replace_keeps_unposted_answers(questionnaire):
    stored = baseline()
    step = questionnaire.steps_by_id["diagnosis"]
    merged = merge_step(questionnaire, stored, step, {"current_care": "no"}, replace=False)
    assert merged == {**stored, "current_care": "no"}
    replaced = merge_step(questionnaire, stored, step, {"current_care": "no"})
    assert "diagnoses" not in replaced and "antidepressants_tried" not in replaced
