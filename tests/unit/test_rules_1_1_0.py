"""Questionnaire 1.1.0 (tests/data/questions-1.1.0.yaml) still evaluates as it did: every rule,
outcome priority and the 1.1.0 worked examples. Submissions answered under 1.1.0 are re-evaluated
under 1.1.0 (``evaluate --questionnaire-version 1.1.0``), so its meaning must not drift."""

from __future__ import annotations

import pytest

from pathlib import Path

from screener.core.questionnaire import load
from screener.core.rules import compute_score, evaluate
from tests.helpers import baseline_1_1_0 as baseline, gad7, phq9

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="module")
def questionnaire():
    """The 1.1.0 text, verbatim."""
    return load(DATA / "questions-1.1.0.yaml")


EX2 = phq9(2, 2, 2, 2, 2, 0, 0, 0, 0)  # PHQ-9 total 10, item 9 = 0
ITEM9 = phq9(0, 0, 0, 0, 0, 0, 0, 0, 1)
PEG = {"chronic_pain": "yes", "peg_1": 4, "peg_2": 4, "peg_3": 4}
CAGE = ("cage_cut_down", "cage_annoyed", "cage_guilty", "cage_eye_opener")

# The spec's rule table: rule id -> (outcome, flag); None for note-only rules.
SPEC_RULES = {
    "self_harm_thoughts": ("crisis", "self_harm"),
    "self_harm_plan": ("crisis", "urgent_now"),
    "recent_suicide_attempt": ("crisis", "urgent_now"),
    "under_18": ("safety_review", None),
    "label_contraindication": ("safety_review", None),
    "psychosis": ("safety_review", None),
    "mania": ("safety_review", None),
    "blood_pressure_heart": ("safety_review", None),
    "pregnancy": ("safety_review", None),
    "substance_screen_positive": ("other_options_first", None),
    "recent_substance_treatment": ("other_options_first", None),
    "ketamine_nonmedical_use": ("other_options_first", None),
    "addictive_tendency": ("other_options_first", None),
    "depression_fit": ("possible_fit", None),
    "anxiety_fit": ("possible_fit", None),
    "chronic_pain_fit": ("possible_fit", None),
    "mild_concerns": ("other_options_first", None),
    "treatment_resistant": (None, None),
    "substance_screen_one": (None, None),
    "precaution_unsure": (None, None),
    "no_prior_treatment": (None, None),
    "addictive_tendency_unsure": (None, None),
    "past_substance_treatment": (None, None),
    "prior_ketamine": (None, None),
    "past_suicide_attempt": (None, "past_attempt"),
    "recent_psych_hospitalization": (None, None),
    "heavy_drinking_past_year": (None, None),
    "drug_use_past_year": (None, None),
    "medication_review": (None, None),
    "bladder_symptoms": (None, None),
    "breathing_liver": (None, None),
}
ATTEMPT = {"suicide_attempt": "yes"}
RECENT_ATTEMPT = {"suicide_attempt": "yes", "suicide_attempt_recent": "yes"}
MEDICINES = ("benzodiazepine", "opioid", "stimulant", "maoi", "lamotrigine", "unsure")
PRIORITY = ("crisis", "safety_review", "other_options_first", "possible_fit")


def cage(count: int) -> dict:
    """CAGE-AID answers with ``count`` yes."""
    return {item: "yes" if i < count else "no" for i, item in enumerate(CAGE)}


def spread(total: int, count: int) -> tuple[int, ...]:
    """``count`` frequency items (0-3) adding up to ``total``, filled from the first item."""
    values = []
    for _ in range(count):
        values.append(min(3, total))
        total -= values[-1]
    assert total == 0
    return tuple(values)


def matched(questionnaire, answers) -> list[str]:
    return evaluate(questionnaire, answers).rule_ids


# --- every rule: a case that matches and one just beside it that does not -----------------------

def case(rule: str, answers: dict, expected: bool, label: str):
    return pytest.param(rule, answers, expected, id=f"{rule}-{label}")


RULE_CASES = [
    case("self_harm_thoughts", baseline(**ITEM9), True, "item9=1"),
    case("self_harm_thoughts", baseline(**phq9(3, 3, 3, 3, 3, 3, 3, 3, 0)), False, "item9=0"),
    case("self_harm_plan", baseline(**ITEM9, self_harm_plan="yes"), True, "yes"),
    case("self_harm_plan", baseline(**ITEM9, self_harm_plan="no"), False, "no"),
    case("recent_suicide_attempt", baseline(**RECENT_ATTEMPT), True, "yes"),
    case("recent_suicide_attempt", baseline(**ATTEMPT, suicide_attempt_recent="no"), False, "no"),
    # skip logic: the follow-up only counts after suicide_attempt = yes
    case("recent_suicide_attempt", baseline(suicide_attempt="no", suicide_attempt_recent="yes"),
         False, "follow-up-disabled"),
    case("under_18", baseline(age_18_plus="no"), True, "no"),
    case("under_18", baseline(age_18_plus="yes"), False, "yes"),
    *[
        case("label_contraindication", baseline(**{q: a}), a != "no", f"{q}={a}")
        for q in ("vascular_condition", "brain_bleed", "ketamine_allergy")
        for a in ("yes", "unsure", "no")
    ],
    case("psychosis", baseline(psychosis_history="yes"), True, "yes"),
    case("psychosis", baseline(psychosis_history="unsure"), False, "unsure"),
    case("mania", baseline(mania_history="yes"), True, "history"),
    case("mania", baseline(diagnoses=["depression", "bipolar"]), True, "bipolar-diagnosis"),
    case("mania", baseline(diagnoses=["bipolar"]), True, "bipolar-only"),
    case("mania", baseline(mania_history="unsure"), False, "unsure"),
    case("mania", baseline(diagnoses=["depression", "anxiety"]), False, "no-bipolar"),
    case("blood_pressure_heart", baseline(blood_pressure_heart="yes"), True, "yes"),
    case("blood_pressure_heart", baseline(blood_pressure_heart="unsure"), False, "unsure"),
    case("pregnancy", baseline(pregnancy="yes"), True, "yes"),
    case("pregnancy", baseline(pregnancy="unsure"), False, "unsure"),
    case("substance_screen_positive", baseline(**cage(2)), True, "cage=2"),
    case("substance_screen_positive", baseline(**cage(4)), True, "cage=4"),
    case("substance_screen_positive", baseline(**cage(1)), False, "cage=1"),
    case("recent_substance_treatment", baseline(sud_history="within_12_months"), True, "recent"),
    case("recent_substance_treatment", baseline(sud_history="over_12_months"), False, "older"),
    case("ketamine_nonmedical_use", baseline(ketamine_nonmedical="yes"), True, "yes"),
    case("ketamine_nonmedical_use", baseline(ketamine_nonmedical="no"), False, "no"),
    case("addictive_tendency", baseline(addictive_tendency="yes"), True, "yes"),
    case("addictive_tendency", baseline(addictive_tendency="unsure"), False, "unsure"),
    case("depression_fit", baseline(**phq9(*spread(10, 8), 0)), True, "phq9=10"),
    case("depression_fit", baseline(**phq9(*spread(9, 8), 0)), False, "phq9=9"),
    case("anxiety_fit", baseline(**gad7(*spread(10, 7))), True, "gad7=10"),
    case("anxiety_fit", baseline(**gad7(*spread(9, 7))), False, "gad7=9"),
    case("chronic_pain_fit", baseline(**PEG), True, "peg=4.0"),
    case("chronic_pain_fit", baseline(**{**PEG, "peg_3": 3}), False, "peg=3.67"),
    case("chronic_pain_fit", baseline(chronic_pain="no", peg_1=9, peg_2=9, peg_3=9), False,
         "no-chronic-pain"),
    case("mild_concerns", baseline(), True, "all-low"),
    case("mild_concerns", baseline(**{**PEG, "peg_3": 3}), True, "peg=3.67"),
    case("mild_concerns", baseline(**PEG), False, "peg=4.0"),
    case("mild_concerns", baseline(**phq9(*spread(10, 8), 0)), False, "phq9=10"),
    case("mild_concerns", baseline(**gad7(*spread(10, 7))), False, "gad7=10"),
    case("treatment_resistant", baseline(antidepressants_tried="2"), True, "2"),
    case("treatment_resistant", baseline(antidepressants_tried="3_or_more"), True, "3+"),
    *[
        case("treatment_resistant", baseline(antidepressants_tried=v), False, v)
        for v in ("0", "1", "unsure")
    ],
    case("substance_screen_one", baseline(**cage(1)), True, "cage=1"),
    case("substance_screen_one", baseline(**cage(0)), False, "cage=0"),
    case("substance_screen_one", baseline(**cage(2)), False, "cage=2"),
    *[
        case("precaution_unsure", baseline(**{q: "unsure"}), True, q)
        for q in ("psychosis_history", "mania_history", "blood_pressure_heart", "pregnancy")
    ],
    case("precaution_unsure", baseline(vascular_condition="unsure"), False, "vascular"),
    *[
        case("precaution_unsure", baseline(**{q: "unsure"}), True, q)
        for q in ("bladder_symptoms", "breathing_liver")
    ],
    case("precaution_unsure", baseline(bladder_symptoms="yes"), False, "bladder-yes"),
    case("no_prior_treatment", baseline(**EX2, antidepressants_tried="0"), True, "0-phq9=10"),
    case("no_prior_treatment", baseline(**phq9(*spread(9, 8), 0), antidepressants_tried="0"),
         False, "0-phq9=9"),
    case("no_prior_treatment", baseline(**EX2, antidepressants_tried="unsure"), False, "unsure"),
    case("no_prior_treatment", baseline(**EX2, antidepressants_tried="1"), False, "1"),
    case("addictive_tendency_unsure", baseline(addictive_tendency="unsure"), True, "unsure"),
    case("addictive_tendency_unsure", baseline(addictive_tendency="yes"), False, "yes"),
    case("past_substance_treatment", baseline(sud_history="over_12_months"), True, "older"),
    case("past_substance_treatment", baseline(sud_history="within_12_months"), False, "recent"),
    case("past_substance_treatment", baseline(sud_history="never"), False, "never"),
    *[
        case("prior_ketamine", baseline(prior_ketamine=v), True, v)
        for v in ("helped", "not_helped", "side_effects")
    ],
    case("prior_ketamine", baseline(prior_ketamine="no"), False, "no"),
    case("past_suicide_attempt", baseline(**ATTEMPT, suicide_attempt_recent="no"), True, "yes"),
    case("past_suicide_attempt", baseline(**RECENT_ATTEMPT), True, "yes-recent"),
    case("past_suicide_attempt", baseline(suicide_attempt="no"), False, "no"),
    case("recent_psych_hospitalization", baseline(psych_hospital_recent="yes"), True, "yes"),
    case("recent_psych_hospitalization", baseline(psych_hospital_recent="no"), False, "no"),
    case("heavy_drinking_past_year", baseline(heavy_drinking_past_year="one_or_more"), True,
         "one-or-more"),
    case("heavy_drinking_past_year", baseline(heavy_drinking_past_year="never"), False, "never"),
    case("drug_use_past_year", baseline(drug_use_past_year="one_or_more"), True, "one-or-more"),
    case("drug_use_past_year", baseline(drug_use_past_year="never"), False, "never"),
    *[case("medication_review", baseline(medications=[m]), True, m) for m in MEDICINES],
    case("medication_review", baseline(medications=["opioid", "maoi"]), True, "two"),
    case("medication_review", baseline(medications=["none"]), False, "none"),
    case("bladder_symptoms", baseline(bladder_symptoms="yes"), True, "yes"),
    case("bladder_symptoms", baseline(bladder_symptoms="unsure"), False, "unsure"),
    case("breathing_liver", baseline(breathing_liver="yes"), True, "yes"),
    case("breathing_liver", baseline(breathing_liver="unsure"), False, "unsure"),
]


@pytest.mark.parametrize("rule, answers, expected", RULE_CASES)
def test_rule(questionnaire, rule, answers, expected):
    assert (rule in matched(questionnaire, answers)) is expected


def test_rule_cases_cover_every_rule(questionnaire):
    covered = {p.values[0] for p in RULE_CASES if p.values[2]}
    assert covered == {r.id for r in questionnaire.rules} == set(SPEC_RULES)


@pytest.mark.parametrize("rule_id, outcome_and_flag", SPEC_RULES.items())
def test_matched_rule_carries_outcome_flag_and_reason(questionnaire, rule_id, outcome_and_flag):
    answers = next(p.values[1] for p in RULE_CASES if p.values[0] == rule_id and p.values[2])
    rule = next(r for r in evaluate(questionnaire, answers).rules if r.id == rule_id)
    assert (rule.outcome, rule.flag) == outcome_and_flag
    assert rule.reason == questionnaire_rule(questionnaire, rule_id).reason != ""


def questionnaire_rule(questionnaire, rule_id):
    return next(r for r in questionnaire.rules if r.id == rule_id)


# --- outcomes and their priority ----------------------------------------------------------------

TRIGGERS = {
    "crisis": ITEM9,
    "safety_review": {"age_18_plus": "no"},
    "other_options_first": {"ketamine_nonmedical": "yes"},
    "possible_fit": gad7(2, 2, 2, 2, 2, 0, 0),
}


@pytest.mark.parametrize("outcome", PRIORITY)
def test_each_outcome_reachable(questionnaire, outcome):
    assert evaluate(questionnaire, baseline(**TRIGGERS[outcome])).outcome == outcome


def test_outcomes_in_spec_priority_order(questionnaire):
    assert tuple(o.id for o in questionnaire.outcomes) == PRIORITY
    assert questionnaire.default_outcome == "other_options_first"


@pytest.mark.parametrize("higher, lower", [
    pytest.param(h, low, id=f"{h}>{low}")
    for i, h in enumerate(PRIORITY) for low in PRIORITY[i + 1:]
])
def test_priority_between_every_pair(questionnaire, higher, lower):
    answers = baseline(**TRIGGERS[higher], **TRIGGERS[lower])
    assessment = evaluate(questionnaire, answers)
    assert assessment.outcome == higher
    assert lower in {r.outcome for r in assessment.rules}  # the lower reason is still listed


def test_all_triggers_at_once_is_crisis_with_every_reason(questionnaire):
    answers = baseline(**{k: v for t in TRIGGERS.values() for k, v in t.items()})
    assessment = evaluate(questionnaire, answers)
    assert assessment.outcome == "crisis"
    assert {r.outcome for r in assessment.rules} >= set(PRIORITY)


def test_default_outcome_when_no_outcome_rule_matches(questionnaire):
    # Scores need every item: with PHQ-9 and GAD-7 missing, no outcome rule can match.
    answers = {"age_18_plus": "yes", "antidepressants_tried": "2"}
    assessment = evaluate(questionnaire, answers)
    assert assessment.rule_ids == ["treatment_resistant"]
    assert assessment.outcome == "other_options_first"


def test_flags_sorted_by_urgency(questionnaire):
    assessment = evaluate(questionnaire, baseline(**ITEM9, self_harm_plan="yes"))
    assert assessment.flags == ("urgent_now", "self_harm")
    assert assessment.urgency == 1
    assert evaluate(questionnaire, baseline(**ITEM9)).urgency == 2
    assert evaluate(questionnaire, baseline()).urgency is None


def test_past_attempt_is_shown_but_not_urgent(questionnaire):
    """past_attempt has no urgency: alone it leaves the submission routine (no priority)."""
    alone = evaluate(questionnaire, baseline(**EX2, **ATTEMPT, suicide_attempt_recent="no"))
    assert (alone.flags, alone.urgency) == (("past_attempt",), None)
    # beside urgent flags it comes last, and the urgency is theirs
    both = evaluate(questionnaire, baseline(**ITEM9, self_harm_plan="yes", **RECENT_ATTEMPT))
    assert both.flags == ("urgent_now", "self_harm", "past_attempt")
    assert both.urgency == 1


# --- the worked examples (1-10; 11 is about answers that change, not evaluate) -------------------

WORKED_EXAMPLES = [
    pytest.param(baseline(**phq9(1, 1, 1, 1, 1, 1, 1, 1, 1)), "crisis",
                 ["mild_concerns", "self_harm_thoughts"], ["self_harm"], {"phq9": 9}, id="1"),
    pytest.param(baseline(**EX2), "possible_fit", ["depression_fit"], [], {"phq9": 10}, id="2"),
    pytest.param(baseline(**EX2, cage_cut_down="yes", cage_guilty="yes"), "other_options_first",
                 ["depression_fit", "substance_screen_positive"], [], {"cage_aid": 2}, id="3"),
    pytest.param(baseline(**EX2, pregnancy="unsure"), "possible_fit",
                 ["depression_fit", "precaution_unsure"], [], {"phq9": 10}, id="4"),
    pytest.param(baseline(chronic_pain="yes", peg_1=4, peg_2=4, peg_3=4), "possible_fit",
                 ["chronic_pain_fit"], [], {"phq9": 0, "gad7": 0, "peg": 4.0}, id="5"),
    pytest.param(baseline(chronic_pain="yes", peg_1=4, peg_2=4, peg_3=3), "other_options_first",
                 ["mild_concerns"], [], {"peg": 11 / 3}, id="6"),
    pytest.param(baseline(**EX2, brain_bleed="unsure"), "safety_review",
                 ["depression_fit", "label_contraindication"], [], {"phq9": 10}, id="7"),
    pytest.param(baseline(**EX2, suicide_attempt="yes", suicide_attempt_recent="no"),
                 "possible_fit", ["depression_fit", "past_suicide_attempt"], ["past_attempt"],
                 {"phq9": 10}, id="8"),
    pytest.param(baseline(**EX2, suicide_attempt="yes", suicide_attempt_recent="yes"), "crisis",
                 ["depression_fit", "past_suicide_attempt", "recent_suicide_attempt"],
                 ["urgent_now", "past_attempt"], {"phq9": 10}, id="9"),
    pytest.param(baseline(**EX2, antidepressants_tried="0", medications=["benzodiazepine"]),
                 "possible_fit", ["depression_fit", "medication_review", "no_prior_treatment"], [],
                 {"phq9": 10}, id="10"),
]


@pytest.mark.parametrize("answers, outcome, rule_ids, flags, scores", WORKED_EXAMPLES)
def test_worked_example(questionnaire, answers, outcome, rule_ids, flags, scores):
    assessment = evaluate(questionnaire, answers)
    assert assessment.outcome == outcome
    assert assessment.rule_ids == rule_ids
    assert list(assessment.flags) == flags
    for score_id, value in scores.items():
        assert assessment.scores[score_id].value == value


@pytest.mark.parametrize("pegs, shown", [((4, 4, 4), "4.0"), ((4, 4, 3), "3.7")])
def test_peg_displayed_with_one_decimal(questionnaire, pegs, shown):
    answers = baseline(chronic_pain="yes", peg_1=pegs[0], peg_2=pegs[1], peg_3=pegs[2])
    peg = evaluate(questionnaire, answers).scores["peg"]
    assert peg.display(questionnaire.scores_by_id["peg"].decimals) == shown
    assert peg.band is None  # PEG has no official bands


# --- score bands at every boundary --------------------------------------------------------------

@pytest.mark.parametrize("total, band", [
    (0, "minimal"), (4, "minimal"), (5, "mild"), (9, "mild"), (10, "moderate"), (14, "moderate"),
    (15, "moderately_severe"), (19, "moderately_severe"), (20, "severe"), (27, "severe"),
])
def test_phq9_bands(questionnaire, total, band):
    score = compute_score(questionnaire.scores_by_id["phq9"], phq9(*spread(total, 9)))
    assert (score.value, score.band) == (total, band)


@pytest.mark.parametrize("total, band", [
    (0, "minimal"), (4, "minimal"), (5, "mild"), (9, "mild"), (10, "moderate"), (14, "moderate"),
    (15, "severe"), (21, "severe"),
])
def test_gad7_bands(questionnaire, total, band):
    score = compute_score(questionnaire.scores_by_id["gad7"], gad7(*spread(total, 7)))
    assert (score.value, score.band) == (total, band)


@pytest.mark.parametrize("count, band, rule", [
    (0, "negative", None), (1, "discuss", "substance_screen_one"),
    (2, "positive", "substance_screen_positive"), (3, "positive", "substance_screen_positive"),
    (4, "positive", "substance_screen_positive"),
])
def test_cage_aid_bands_and_rules(questionnaire, count, band, rule):
    assessment = evaluate(questionnaire, baseline(**cage(count)))
    assert (assessment.scores["cage_aid"].value, assessment.scores["cage_aid"].band) == (
        count, band)
    cage_rules = {"substance_screen_one", "substance_screen_positive"}
    assert cage_rules.intersection(assessment.rule_ids) == ({rule} if rule else set())


@pytest.mark.parametrize("pegs, mean, rule", [
    ((4, 4, 3), 11 / 3, "mild_concerns"),
    ((4, 4, 4), 4.0, "chronic_pain_fit"),
    ((5, 4, 3), 4.0, "chronic_pain_fit"),
    ((0, 0, 0), 0.0, "mild_concerns"),
    ((10, 10, 10), 10.0, "chronic_pain_fit"),
])
def test_peg_mean_is_exact(questionnaire, pegs, mean, rule):
    answers = baseline(chronic_pain="yes", peg_1=pegs[0], peg_2=pegs[1], peg_3=pegs[2])
    assessment = evaluate(questionnaire, answers)
    assert assessment.scores["peg"].value == mean
    assert rule in assessment.rule_ids


def test_score_needs_every_item(questionnaire):
    answers = baseline(**phq9(3, 3, 3, 3, 3, 3, 3, 3, 0))
    del answers["phq9_8"]
    assessment = evaluate(questionnaire, answers)
    assert "phq9" not in assessment.scores
    # A condition on a missing score is false, whichever way it compares.
    assert not {"depression_fit", "mild_concerns"}.intersection(assessment.rule_ids)


def test_assessment_to_dict_is_the_cli_format(questionnaire):
    data = evaluate(questionnaire, baseline(**EX2, pregnancy="unsure")).to_dict()
    assert data == {
        "outcome": "possible_fit",
        "rules": ["depression_fit", "precaution_unsure"],
        "flags": [],
        "scores": {
            "phq9": {"value": 10, "band": "moderate"},
            "gad7": {"value": 0, "band": "minimal"},
            "cage_aid": {"value": 0, "band": "negative"},
        },
    }


def test_evaluate_is_deterministic(questionnaire):
    answers = baseline(**phq9(2, 2, 2, 2, 2, 0, 0, 0, 1), self_harm_plan="yes", **cage(1),
                       pregnancy="unsure")
    assert evaluate(questionnaire, answers) == evaluate(questionnaire, dict(answers))
