"""Where the patient stands: enabled steps, reachability, next/previous, merging a step."""

from __future__ import annotations

from screener.core.navigation import journey, merge_step
from tests.helpers import baseline, phq9


def ids(steps) -> list[str]:
    return [s.id for s in steps]


def test_empty_answers_open_at_the_first_step(questionnaire):
    j = journey(questionnaire, {})
    assert j.first_open.id == "about" and not j.finished
    assert ids(j.steps) == ["about", "diagnosis", "phq9", "gad7", "pain", "substance", "health"]
    assert j.is_reachable("about") and not j.is_reachable("diagnosis")
    assert j.position("about") == (1, 7)


def test_complete_answers_finish(questionnaire):
    j = journey(questionnaire, baseline())
    assert j.finished and j.first_open is None
    assert all(j.is_reachable(s.id) for s in j.steps)
    assert not j.is_reachable("safety") and not j.is_reachable("pain_severity")


def test_item_9_and_chronic_pain_enable_their_steps(questionnaire):
    answers = baseline(chronic_pain="yes", **phq9(0, 0, 0, 0, 0, 0, 0, 0, 1))
    del answers["self_harm_plan"]
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


def test_crisis_page_due_only_on_a_plan(questionnaire):
    safety = questionnaire.steps_by_id["safety"]
    yes = journey(questionnaire, baseline(phq9_9=1, self_harm_plan="yes"))
    no = journey(questionnaire, baseline(phq9_9=1, self_harm_plan="no"))
    assert yes.crisis_page_due(safety) and not no.crisis_page_due(safety)
    assert not yes.crisis_page_due(questionnaire.steps_by_id["phq9"])


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
