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
    ({"favourite_colour": "blue"}, "favourite_colour: not in questionnaire 1.2.0"),
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
    # Without the age, the adults' steps are undecided: only the age is reported.
    (without(baseline(), "age_18_plus"), ["age_18_plus"]),
    (without(baseline(), "diagnoses", "pregnancy"), ["diagnoses", "pregnancy"]),
    # Enabled questions only: a follow-up whose parent is yes, the PEG with chronic pain.
    (without(baseline(cssrs_thoughts="yes"), "cssrs_plan"), ["cssrs_plan"]),
    (without(baseline(suicide_attempt="yes"), "suicide_attempt_recent"),
     ["suicide_attempt_recent"]),
    (without(baseline(taps_drugs="weekly"), "drugs_cannabis_only"), ["drugs_cannabis_only"]),
    (without(baseline(), "cssrs_wish_dead"), ["cssrs_wish_dead"]),  # asked of everyone
    (baseline(chronic_pain="yes"), ["peg_1", "peg_2", "peg_3"]),
])
def test_missing_required_answers(questionnaire, answers, missing):
    assert validate_answers(questionnaire, answers) == [
        f"{question}: an answer is required" for question in missing]


def test_disabled_questions_are_not_required(questionnaire):
    answers = baseline()
    assert "cssrs_plan" not in answers and answers["chronic_pain"] == "no"
    assert validate_answers(questionnaire, answers) == []


def test_a_minor_is_not_asked_about_substances_or_health(questionnaire):
    answers = baseline(age_18_plus="no")
    assert "taps_alcohol" not in answers and "medications" not in answers
    assert validate_answers(questionnaire, answers) == []
    assert validate_answers(questionnaire, {**answers, "taps_alcohol": "never"}) == [
        "taps_alcohol: not asked when the answers before it are as given"]


@pytest.mark.parametrize("hidden", [
    {"cssrs_plan": "yes"}, {"cssrs_method": "no"}, {"suicide_attempt_recent": "yes"},
    {"drugs_cannabis_only": "no"}, {"peg_1": 3},
])
def test_an_answer_to_a_question_skip_logic_hides_is_an_error(questionnaire, hidden):
    """A follow-up given while its parent is "no" never counts: say so rather than ignore it."""
    [question_id] = hidden
    assert validate_answers(questionnaire, {**baseline(), **hidden}) == [
        f"{question_id}: not asked when the answers before it are as given"]


@pytest.mark.parametrize("retired", ["self_harm_plan", "heavy_drinking_past_year",
                                     "drug_use_past_year", "ketamine_nonmedical"])
def test_retired_ids_are_not_in_1_2_0(questionnaire, retired):
    assert validate_answers(questionnaire, {**baseline(), retired: "no"}) == [
        f"{retired}: not in questionnaire 1.2.0"]


def test_missing_answers_checked_only_for_the_given_steps(questionnaire):
    steps = [questionnaire.steps_by_id["about"]]
    assert validate_answers(questionnaire, {"age_18_plus": "yes"}, steps=steps) == []
    assert validate_answers(questionnaire, {}, steps=steps) == ["age_18_plus: an answer is required"]


def test_every_problem_listed(questionnaire):
    answers = without(baseline(pregnancy="maybe", colour="red"), "cssrs_thoughts")
    assert sorted(validate_answers(questionnaire, answers)) == [
        "colour: not in questionnaire 1.2.0",
        "cssrs_thoughts: an answer is required",
        'pregnancy: "maybe" is not one of the choices',
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
