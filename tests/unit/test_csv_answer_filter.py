"""The exports' fast answer filter gives exactly ``rules.enabled_view``'s answers."""

from __future__ import annotations

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from screener.core.answers import AnswerFilter
from screener.core.questionnaire import load, loads
from screener.core.rules import enabled_view
from tests.kit.apps import QUESTIONS
from tests.helpers import baseline

QUESTIONNAIRE = load(QUESTIONS)


def valid_value(question):
    """A strategy for one valid answer to ``question``."""
    if question.kind == "multi":
        plain = [c.value for c in question.choices if not c.exclusive]
        exclusive = [[c.value] for c in question.choices if c.exclusive]
        subsets = st.lists(st.sampled_from(plain), min_size=1, unique=True)
        return st.one_of(subsets, st.sampled_from(exclusive)) if exclusive else subsets
    return st.sampled_from(question.allowed_values())


def answer_sets(questionnaire):
    """Any subset of the questions, each with a valid answer, plus the odd unknown key."""
    optional = {qid: valid_value(q) for qid, q in questionnaire.questions.items()}
    return st.fixed_dictionaries({}, optional=optional | {"not_a_question": st.just("x")})


@settings(max_examples=400, deadline=None)
@given(answer_sets(QUESTIONNAIRE))
def test_same_answers_as_enabled_view(answers):
    assert dict(AnswerFilter(QUESTIONNAIRE)(answers)) == enabled_view(QUESTIONNAIRE, answers)[1]


def gated_questionnaire():
    """The real questionnaire plus a question gated on a score and one gated on a gated step."""
    data = yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))
    phq9_step = data["steps"][2]
    phq9_step["questions"][9]["enable_when"] = {"score": "phq9", "operator": ">=", "answer": 5}
    substance = data["steps"][7]
    substance["questions"][6]["enable_when"] = {"any": [
        {"question": "peg_1", "operator": ">", "answer": 5},
        {"question": "cage_cut_down", "operator": "=", "answer": "yes"}]}
    return loads(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))


GATED = gated_questionnaire()


@settings(max_examples=400, deadline=None)
@given(answer_sets(GATED))
def test_same_answers_with_score_and_chained_conditions(answers):
    assert dict(AnswerFilter(GATED)(answers)) == enabled_view(GATED, answers)[1]


def test_disabled_answers_are_dropped_and_enabled_ones_kept():
    keep = AnswerFilter(QUESTIONNAIRE)
    answers = {**baseline(chronic_pain="no", peg_1=3, peg_2=3, peg_3=3), "cssrs_plan": "yes"}
    effective = keep(answers)
    assert not {"peg_1", "cssrs_plan"} & set(effective)
    assert keep(baseline(cssrs_thoughts="yes"))["cssrs_plan"] == "no"
    assert keep(baseline()) == baseline()
    minor = baseline(age_18_plus="no")
    assert keep(minor) is minor  # nothing gated answered: no copy
    assert "taps_alcohol" not in keep({**minor, "taps_alcohol": "daily"})
