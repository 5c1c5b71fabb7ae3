"""enable_when semantics (FHIR enableWhen) and answers to disabled questions being ignored."""

from __future__ import annotations

import pytest

from screener.core.questionnaire import AllOf, AnyOf, Comparison, NotOf
from screener.core.rules import condition_holds, enabled_questions, enabled_view, evaluate
from tests.helpers import baseline, phq9


def q(ref, operator, answer=True):
    return Comparison("question", ref, operator, answer)


def s(ref, operator, answer=True):
    return Comparison("score", ref, operator, answer)


ALL_PHQ9 = phq9(1, 1, 1, 1, 1, 1, 1, 1, 0)  # total 8

CONDITIONS = [
    # "=" and "!=" on a single-choice answer; a missing answer makes both false.
    (q("age_18_plus", "=", "yes"), {"age_18_plus": "yes"}, True),
    (q("age_18_plus", "=", "yes"), {"age_18_plus": "no"}, False),
    (q("age_18_plus", "=", "yes"), {}, False),
    (q("age_18_plus", "!=", "yes"), {"age_18_plus": "no"}, True),
    (q("age_18_plus", "!=", "yes"), {"age_18_plus": "yes"}, False),
    (q("age_18_plus", "!=", "yes"), {}, False),
    # exists: true / false.
    (q("age_18_plus", "exists", True), {"age_18_plus": "no"}, True),
    (q("age_18_plus", "exists", True), {}, False),
    (q("age_18_plus", "exists", False), {}, True),
    (q("age_18_plus", "exists", False), {"age_18_plus": "no"}, False),
    (q("diagnoses", "exists", True), {"diagnoses": []}, False),
    # Ordering operators on numbers, at and around the boundary.
    (q("phq9_9", ">=", 1), {"phq9_9": 1}, True),
    (q("phq9_9", ">=", 1), {"phq9_9": 0}, False),
    (q("phq9_9", ">", 1), {"phq9_9": 1}, False),
    (q("phq9_9", ">", 1), {"phq9_9": 2}, True),
    (q("phq9_9", "<", 1), {"phq9_9": 0}, True),
    (q("phq9_9", "<", 1), {"phq9_9": 1}, False),
    (q("phq9_9", "<=", 1), {"phq9_9": 1}, True),
    (q("phq9_9", "<=", 1), {"phq9_9": 2}, False),
    (q("phq9_9", "<", 1), {}, False),
    (q("phq9_9", ">=", 0), {}, False),
    # Multi-choice: "=" means any selected answer equals; "!=" means none does.
    (q("diagnoses", "=", "bipolar"), {"diagnoses": ["depression", "bipolar"]}, True),
    (q("diagnoses", "=", "bipolar"), {"diagnoses": ["depression"]}, False),
    (q("diagnoses", "!=", "bipolar"), {"diagnoses": ["depression"]}, True),
    (q("diagnoses", "!=", "bipolar"), {"diagnoses": ["depression", "bipolar"]}, False),
    (q("diagnoses", "!=", "bipolar"), {}, False),
    # Score conditions: a score that does not exist makes every comparison false.
    (s("phq9", ">=", 8), ALL_PHQ9, True),
    (s("phq9", "<", 8), ALL_PHQ9, False),
    (s("phq9", "<", 10), {k: v for k, v in ALL_PHQ9.items() if k != "phq9_9"}, False),
    (s("phq9", ">=", 0), {}, False),
    (s("peg", "<", 4), {"chronic_pain": "no"}, False),
    (s("phq9", "exists", True), ALL_PHQ9, True),
    (s("phq9", "exists", False), {}, True),
    (s("no_such_score", "=", 0), ALL_PHQ9, False),
    # all / any, nested.
    (AllOf((q("age_18_plus", "=", "yes"), q("phq9_9", ">=", 1))),
     {"age_18_plus": "yes", "phq9_9": 1}, True),
    (AllOf((q("age_18_plus", "=", "yes"), q("phq9_9", ">=", 1))),
     {"age_18_plus": "yes", "phq9_9": 0}, False),
    (AnyOf((q("age_18_plus", "=", "no"), q("phq9_9", ">=", 1))), {"phq9_9": 2}, True),
    (AnyOf((q("age_18_plus", "=", "no"), q("phq9_9", ">=", 1))), {}, False),
    (AnyOf((q("age_18_plus", "=", "no"), AllOf((q("phq9_9", ">=", 1), s("phq9", ">=", 8))))),
     ALL_PHQ9 | {"phq9_9": 1}, True),
    # not: holds when its condition does not, a missing answer included (how rules fail closed).
    (NotOf(q("suicide_attempt_recent", "=", "no")), {"suicide_attempt_recent": "no"}, False),
    (NotOf(q("suicide_attempt_recent", "=", "no")), {"suicide_attempt_recent": "yes"}, True),
    (NotOf(q("suicide_attempt_recent", "=", "no")), {}, True),
    (NotOf(AnyOf((q("age_18_plus", "=", "no"), q("phq9_9", ">=", 1)))), {"phq9_9": 0}, True),
    (NotOf(NotOf(q("age_18_plus", "=", "yes"))), {"age_18_plus": "yes"}, True),
]


@pytest.mark.parametrize("condition, answers, expected", CONDITIONS)
def test_condition(questionnaire, condition, answers, expected):
    assert condition_holds(questionnaire, condition, answers) is expected


def step_ids(questionnaire, answers) -> list[str]:
    steps, _ = enabled_view(questionnaire, answers)
    return [step.id for step in steps]


def test_safety_step_is_asked_of_everyone(questionnaire):
    """1.2.0: the C-SSRS screener follows PHQ-9 whatever item 9 says."""
    assert "safety" in step_ids(questionnaire, baseline())
    assert "safety" in step_ids(questionnaire, {})
    assert "safety" in step_ids(questionnaire, baseline(age_18_plus="no"))


def test_substance_and_health_steps_only_for_adults(questionnaire):
    assert {"substance", "health"} <= set(step_ids(questionnaire, baseline()))
    assert not {"substance", "health"} & set(step_ids(questionnaire, baseline(age_18_plus="no")))
    assert not {"substance", "health"} & set(step_ids(questionnaire, {}))


@pytest.mark.parametrize("parent, value, children", [
    ("cssrs_thoughts", "yes", {"cssrs_method", "cssrs_intent", "cssrs_plan"}),
    ("suicide_attempt", "yes", {"suicide_attempt_recent"}),
    ("taps_drugs", "monthly", {"drugs_cannabis_only"}),
])
def test_follow_ups_shown_in_the_same_step_only_after_their_parent(questionnaire, parent, value,
                                                                   children):
    step = questionnaire.steps_by_id[questionnaire.questions[parent].step_id]
    shown = {q.id for q in enabled_questions(step, baseline(**{parent: value}), questionnaire)}
    hidden = {q.id for q in enabled_questions(step, baseline(), questionnaire)}
    assert children <= shown
    assert not children & hidden


def test_pain_severity_step_only_with_chronic_pain(questionnaire):
    assert "pain_severity" not in step_ids(questionnaire, baseline())
    assert "pain_severity" in step_ids(questionnaire, baseline(chronic_pain="yes"))
    # Unanswered: "=" on a missing answer is false.
    assert "pain_severity" not in step_ids(questionnaire, {})


def test_steps_stay_in_questionnaire_order(questionnaire):
    answers = baseline(chronic_pain="yes")
    assert step_ids(questionnaire, answers) == [s.id for s in questionnaire.steps]


def test_peg_answers_ignored_without_chronic_pain(questionnaire):
    plain = baseline()
    with_peg = baseline(peg_1=9, peg_2=9, peg_3=9)  # chronic_pain stays "no"
    assessment = evaluate(questionnaire, with_peg)
    assert "peg" not in assessment.scores
    assert "chronic_pain_fit" not in assessment.rule_ids
    assert assessment == evaluate(questionnaire, plain)
    _, effective = enabled_view(questionnaire, with_peg)
    assert not {"peg_1", "peg_2", "peg_3"}.intersection(effective)


def test_a_plan_is_ignored_when_thoughts_are_no(questionnaire):
    """The rules read final answers: a hidden follow-up counts for nothing there (the safety
    records keep it, see test_safety.py)."""
    answers = {**baseline(), "cssrs_plan": "yes", "cssrs_intent": "yes"}
    assessment = evaluate(questionnaire, answers)
    assert assessment.outcome != "crisis"
    assert "suicide_intent_or_plan" not in assessment.rule_ids
    assert assessment.flags == ()
    assert assessment == evaluate(questionnaire, baseline())


def test_invalid_answers_are_ignored(questionnaire):
    answers = baseline(pregnancy="perhaps", phq9_1=7, age_18_plus=True)
    _, effective = enabled_view(questionnaire, answers)
    assert not {"pregnancy", "phq9_1", "age_18_plus"}.intersection(effective)
    assessment = evaluate(questionnaire, answers)
    assert "phq9" not in assessment.scores
    assert "under_18" not in assessment.rule_ids


def test_obvious_encodings_are_read_so_a_crisis_is_never_missed(questionnaire):
    answers = baseline(cssrs_thoughts="yes")
    answers["phq9_9"] = "2"
    answers["cssrs_plan"] = "yes"
    assessment = evaluate(questionnaire, answers)
    assert assessment.outcome == "crisis"
    assert "self_harm_thoughts" in assessment.rule_ids
    assert assessment.scores["phq9"].value == 2


def test_enabled_questions_of_a_step(questionnaire):
    step = questionnaire.steps_by_id["phq9"]
    assert enabled_questions(step, {}, questionnaire) == list(step.questions)


def test_conditions_are_compiled_when_built_not_when_asked(questionnaire, monkeypatch):
    from screener.core.questionnaire import types

    def refuse(*args):
        raise AssertionError("a condition was compiled while answering")

    crisis_when = questionnaire.steps_by_id["safety"].crisis_page_when
    for builder in ("comparison_test", "all_test", "any_test", "not_test"):
        monkeypatch.setattr(types, builder, refuse)
    with pytest.raises(AssertionError, match="compiled while answering"):
        Comparison("question", "cssrs_plan", "=", "no")  # the patch does bite
    answers = {"cssrs_plan": "yes"}
    assert condition_holds(questionnaire, crisis_when, answers) is True
    assert evaluate(questionnaire, baseline(cssrs_thoughts="yes", cssrs_plan="yes")).outcome == \
        "crisis"
    monkeypatch.undo()
    # An equal condition that is another object carries its own test, never mistaken.
    other = Comparison("question", "cssrs_plan", "=", "no")
    assert condition_holds(questionnaire, other, answers) is False
    assert other == Comparison("question", "cssrs_plan", "=", "no")  # the test is no field
