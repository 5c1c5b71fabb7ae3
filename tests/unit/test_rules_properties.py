"""Properties of the rules engine over answer sets generated from the questionnaire itself."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from screener.core.questionnaire import Question, load
from screener.core.presentation import patient_result
from screener.core.rules import enabled_view, evaluate, normalize_answers, validate_answers
from tests.kit.apps import QUESTIONS

QUESTIONNAIRE = load(QUESTIONS)  # hypothesis runs each example without function fixtures
OUTCOMES = {o.id for o in QUESTIONNAIRE.outcomes}
HEALTH = [q.id for q in QUESTIONNAIRE.steps_by_id["health"].questions]
PROPERTY = settings(max_examples=200, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def answer(question: Question) -> st.SearchStrategy:
    """Any valid answer to ``question``."""
    if question.kind == "scale":
        return st.integers(question.min, question.max)
    values = [c.value for c in question.choices]
    if question.kind == "single":
        return st.sampled_from(values)
    exclusive = [c.value for c in question.choices if c.exclusive]
    others = [v for v in values if v not in exclusive]
    alone = [st.just([v]) for v in exclusive]
    return st.one_of(st.lists(st.sampled_from(others), min_size=1, unique=True), *alone)


def answer_sets(complete: bool = True) -> st.SearchStrategy[dict]:
    """Valid answer sets; ``complete`` ones answer every required question, then keep only the
    answers skip logic shows (as the wizard stores them)."""
    questions = QUESTIONNAIRE.questions.values()
    raw = st.fixed_dictionaries(
        {q.id: answer(q) for q in questions if complete and q.required},
        optional={q.id: answer(q) for q in questions if not (complete and q.required)},
    )
    return raw.map(lambda answers: enabled_view(QUESTIONNAIRE, answers)[1]) if complete else raw


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                 max_size=3),
    max_leaves=8,
)
KEYS = st.sampled_from(sorted(QUESTIONNAIRE.questions)) | st.text(max_size=8)
JUNK = st.dictionaries(KEYS, JSON | st.sampled_from(["yes", "no", "unsure", "0", "3", 3, 10**400]))


@PROPERTY
@given(answer_sets())
def test_generated_answer_sets_are_valid(answers):
    assert validate_answers(QUESTIONNAIRE, answers) == []


@PROPERTY
@given(answer_sets())
def test_exactly_one_of_the_outcomes(answers):
    assessment = evaluate(QUESTIONNAIRE, answers)
    assert assessment.outcome in OUTCOMES
    # The spec: for a complete answer set some outcome rule always matches.
    assert any(rule.outcome is not None for rule in assessment.rules)
    ranked = [rule.outcome for rule in assessment.rules if rule.outcome]
    assert assessment.outcome == min(ranked, key=QUESTIONNAIRE.outcome_rank)


@PROPERTY
@given(answer_sets(), st.integers(1, 3))
def test_item9_at_least_one_is_flagged_and_reads_no_reassurance(answers, item9):
    """Columbia's low risk: the outcome of the other answers, with the self_harm flag."""
    answers["phq9_9"] = item9
    assessment = evaluate(QUESTIONNAIRE, answers)
    assert "self_harm" in assessment.flags
    result = patient_result(QUESTIONNAIRE, assessment)
    assert result.crisis_first and not result.show_bands


@PROPERTY
@given(answer_sets(), st.sampled_from(["cssrs_intent", "cssrs_plan", "suicide_attempt_recent"]))
def test_a_high_risk_answer_is_always_crisis(answers, question):
    parent = "suicide_attempt" if question == "suicide_attempt_recent" else "cssrs_thoughts"
    assessment = evaluate(QUESTIONNAIRE, answers | {parent: "yes", question: "yes"})
    assert assessment.outcome == "crisis"
    assert "urgent_now" in assessment.flags


@PROPERTY
@given(answer_sets(complete=False), st.sampled_from([None, 1, 2]))
def test_any_at_risk_flag_means_no_hidden_reason_and_resources_first(answers, changed):
    """No reassurance for anyone at risk, whatever else was answered."""
    assessment = evaluate(QUESTIONNAIRE, answers)
    result = patient_result(QUESTIONNAIRE, assessment, changed)
    at_risk = set(QUESTIONNAIRE.at_risk.flags)
    if at_risk & set(assessment.flags) or changed is not None:
        hidden = {r.reason for r in QUESTIONNAIRE.rules
                  if r.id in QUESTIONNAIRE.at_risk.hidden_rules}
        assert result.crisis_first and not result.show_bands
        assert not hidden & set(result.reasons)
    if assessment.outcome == "crisis" or changed == 1:
        assert result.crisis_result and result.outcome.id == "crisis"
        assert not result.offer_booking
    if "under_18" in assessment.rule_ids:
        assert not result.can_send


@PROPERTY
@given(answer_sets(), st.sampled_from(HEALTH), st.sampled_from(["yes", "unsure"]))
def test_a_worrying_health_answer_never_makes_the_outcome_less_cautious(answers, question, value):
    before = evaluate(QUESTIONNAIRE, answers | {question: "no"}).outcome
    after = evaluate(QUESTIONNAIRE, answers | {question: value}).outcome
    assert QUESTIONNAIRE.outcome_rank(after) <= QUESTIONNAIRE.outcome_rank(before)


@PROPERTY
@given(answer_sets(complete=False))
def test_partial_answer_sets_evaluate(answers):
    assert evaluate(QUESTIONNAIRE, answers).outcome in OUTCOMES


@pytest.mark.slow
@PROPERTY
@given(answer_sets(), st.dictionaries(st.sampled_from(sorted(QUESTIONNAIRE.questions)), JSON))
def test_only_effective_answers_count(answers, noise):
    _, effective = enabled_view(QUESTIONNAIRE, answers)
    assessment = evaluate(QUESTIONNAIRE, answers)
    assert evaluate(QUESTIONNAIRE, effective) == assessment
    # Anything given for a question that is disabled (or optional and unused) changes nothing.
    ignored = {k: v for k, v in noise.items() if k not in effective}
    assert evaluate(QUESTIONNAIRE, answers | ignored) == assessment


@PROPERTY
@given(JUNK)
def test_junk_never_raises(answers):
    assessment = evaluate(QUESTIONNAIRE, answers)
    assert assessment.outcome in OUTCOMES
    assert isinstance(validate_answers(QUESTIONNAIRE, answers), list)
    normalized = normalize_answers(QUESTIONNAIRE, answers)
    assert evaluate(QUESTIONNAIRE, normalized).outcome in OUTCOMES


@PROPERTY
@given(JSON.filter(lambda value: not isinstance(value, dict)))
def test_non_mapping_junk_never_raises(answers):
    assert evaluate(QUESTIONNAIRE, answers).outcome == QUESTIONNAIRE.default_outcome
