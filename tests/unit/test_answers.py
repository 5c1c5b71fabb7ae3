"""validate_answers, answer_problem and normalize_answers."""

from __future__ import annotations

import pytest

from screener.core.rules import normalize_answers, validate_answers
from tests.helpers import baseline, phq9


def without(answers: dict, *keys: str) -> dict:
    return {k: v for k, v in answers.items() if k not in keys}


def test_complete_baseline_is_valid(questionnaire):
    assert validate_answers(questionnaire, baseline()) == []


@pytest.mark.parametrize("changes, problem", [
    ({"favourite_colour": "blue"}, 'favourite_colour: unknown question "favourite_colour"'),
    ({"age_18_plus": "maybe"}, 'age_18_plus: "maybe" is not one of the choices'),
    ({"age_18_plus": True}, 'age_18_plus: "True" is not one of the choices'),
    ({"phq9_1": 4}, 'phq9_1: "4" is not one of the choices'),
    ({"phq9_1": "2"}, 'phq9_1: "2" is not one of the choices'),
    ({"antidepressants_tried": 2}, 'antidepressants_tried: "2" is not one of the choices'),
    ({"chronic_pain": "yes", "peg_1": 11, "peg_2": 0, "peg_3": 0},
     "peg_1: expected a whole number from 0 to 10"),
    ({"chronic_pain": "yes", "peg_1": -1, "peg_2": 0, "peg_3": 0},
     "peg_1: expected a whole number from 0 to 10"),
    ({"chronic_pain": "yes", "peg_1": 4.5, "peg_2": 0, "peg_3": 0},
     "peg_1: expected a whole number from 0 to 10"),
    ({"age_18_plus": ["yes"]}, "age_18_plus: expected a single answer"),
    ({"age_18_plus": {"value": "yes"}}, "age_18_plus: expected a single answer"),
    ({"diagnoses": "depression"}, "diagnoses: expected a list of choices"),
    ({"diagnoses": []}, "diagnoses: choose at least one option"),
    ({"diagnoses": ["depression", "flu"]}, 'diagnoses: "flu" is not one of the choices'),
    ({"diagnoses": ["depression", "depression"]}, "diagnoses: a choice is listed twice"),
    ({"diagnoses": ["none", "depression"]},
     'diagnoses: "none" cannot be combined with other choices'),
    ({"phq9_difficulty": "a bit"}, 'phq9_difficulty: "a bit" is not one of the choices'),
])
def test_invalid_answer(questionnaire, changes, problem):
    assert validate_answers(questionnaire, baseline(**changes)) == [problem]


def test_exclusive_choice_alone_is_valid(questionnaire):
    assert validate_answers(questionnaire, baseline(diagnoses=["none"])) == []


def test_optional_question_may_be_left_out(questionnaire):
    assert "phq9_difficulty" not in baseline()
    assert validate_answers(questionnaire, baseline()) == []


@pytest.mark.parametrize("answers, missing", [
    (without(baseline(), "age_18_plus"), ["age_18_plus"]),
    (without(baseline(), "diagnoses", "pregnancy"), ["diagnoses", "pregnancy"]),
    # Enabled questions only: the safety step needs item 9 >= 1, the PEG needs chronic pain.
    (without(baseline(**phq9(0, 0, 0, 0, 0, 0, 0, 0, 1)), "self_harm_plan"), ["self_harm_plan"]),
    (baseline(chronic_pain="yes"), ["peg_1", "peg_2", "peg_3"]),
])
def test_missing_required_answers(questionnaire, answers, missing):
    assert validate_answers(questionnaire, answers) == [
        f"{question}: an answer is required" for question in missing]


def test_disabled_questions_are_not_required(questionnaire):
    answers = baseline()
    assert "self_harm_plan" not in answers and answers["chronic_pain"] == "no"
    assert validate_answers(questionnaire, answers) == []


def test_missing_answers_checked_only_for_the_given_steps(questionnaire):
    steps = [questionnaire.steps_by_id["about"]]
    assert validate_answers(questionnaire, {"age_18_plus": "yes"}, steps=steps) == []
    assert validate_answers(questionnaire, {}, steps=steps) == ["age_18_plus: an answer is required"]


def test_every_problem_listed(questionnaire):
    answers = without(baseline(age_18_plus="maybe", colour="red"), "pregnancy")
    assert sorted(validate_answers(questionnaire, answers)) == [
        'age_18_plus: "maybe" is not one of the choices',
        'colour: unknown question "colour"',
        "pregnancy: an answer is required",
    ]


@pytest.mark.parametrize("answers", [None, [], "yes", 42])
def test_answers_must_be_a_mapping(questionnaire, answers):
    assert validate_answers(questionnaire, answers) == [
        "answers must be an object mapping question ids to answers"]


@pytest.mark.parametrize("question, given, expected", [
    ("phq9_1", "2", 2),
    ("phq9_1", " 3 ", 3),
    ("phq9_1", 2.0, 2),
    ("peg_1", "10", 10),
    ("antidepressants_tried", 2, "2"),
    ("antidepressants_tried", "3_or_more", "3_or_more"),
    ("age_18_plus", "yes", "yes"),
    ("diagnoses", ["depression", "anxiety"], ["depression", "anxiety"]),
    # Left alone for validate_answers to report:
    ("phq9_1", "7", "7"),
    ("phq9_1", 2.5, 2.5),
    ("phq9_1", True, True),
    ("phq9_1", "two", "two"),
    ("phq9_1", "9" * 5000, "9" * 5000),
    ("age_18_plus", "Yes", "Yes"),
    ("age_18_plus", ["yes"], ["yes"]),
    ("unknown_question", "2", "2"),
])
def test_normalize_answers(questionnaire, question, given, expected):
    normalized = normalize_answers(questionnaire, {question: given})
    assert normalized == {question: expected}
    assert type(normalized[question]) is type(expected)


def test_normalize_drops_null_answers(questionnaire):
    assert normalize_answers(questionnaire, {"phq9_difficulty": None, "phq9_1": "1"}) == {
        "phq9_1": 1}


def test_normalized_string_encodings_validate(questionnaire):
    answers = {k: str(v) if isinstance(v, int) else v for k, v in baseline().items()}
    answers["antidepressants_tried"] = 1
    assert validate_answers(questionnaire, answers) != []
    assert validate_answers(questionnaire, normalize_answers(questionnaire, answers)) == []
