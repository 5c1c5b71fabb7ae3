"""The rules engine against the spec (1.2.0): every rule, outcome priority, score bands, fail-closed
rules. The 24 worked examples are one table in test_worked_examples.py; 1.1.0 is in
test_rules_1_1_0.py."""

from __future__ import annotations

import pytest

from screener.core.rules import compute_score, evaluate
from tests.helpers import baseline, gad7, phq9

EX2 = phq9(2, 2, 2, 2, 2, 0, 0, 0, 0)  # PHQ-9 total 10, item 9 = 0
ITEM9 = phq9(0, 0, 0, 0, 0, 0, 0, 0, 1)
PEG = {"chronic_pain": "yes", "peg_1": 4, "peg_2": 4, "peg_3": 4}
CAGE = ("cage_cut_down", "cage_annoyed", "cage_guilty", "cage_eye_opener")

# The spec's rule table (1.2.0): rule id -> (outcome, flag); None for note-only rules.
SPEC_RULES = {
    "suicide_intent_or_plan": ("crisis", "urgent_now"),
    "recent_suicide_attempt": ("crisis", "urgent_now"),
    "suicide_method": ("safety_review", "moderate_risk"),
    "past_suicide_attempt": ("safety_review", "moderate_risk"),
    "under_18": ("adults_only", None),
    "label_contraindication": ("safety_review", None),
    "psychosis": ("safety_review", None),
    "mania": ("safety_review", None),
    "blood_pressure_heart": ("safety_review", None),
    "pregnancy": ("safety_review", None),
    "sedation_risk": ("safety_review", None),
    "blood_pressure_medicine": ("safety_review", None),
    "ketamine_nonmedical_recent": ("safety_review", None),
    "current_substance_use": ("other_options_first", None),
    "substance_screen_positive": ("other_options_first", None),
    "recent_substance_treatment": ("other_options_first", None),
    "depression_fit": ("possible_fit", None),
    "anxiety_fit": ("possible_fit", None),
    "chronic_pain_fit": ("possible_fit", None),
    "mild_concerns": ("other_options_first", None),
    "self_harm_thoughts": (None, "self_harm"),
    "wish_to_be_dead": (None, "self_harm"),
    "suicidal_thoughts": (None, "self_harm"),
    "recent_psych_hospitalization": (None, "recent_admission"),
    "treatment_resistant": (None, None),
    "no_prior_treatment": (None, None),
    "prior_ketamine": (None, None),
    "substance_screen_one": (None, None),
    "substance_history": (None, None),
    "past_year_substance_use": (None, None),
    "cannabis_weekly": (None, None),
    "past_substance_treatment": (None, None),
    "ketamine_nonmedical_past": (None, None),
    "hard_to_stop": (None, None),
    "precaution_unsure": (None, None),
    "medication_review": (None, None),
    "bladder_symptoms": (None, None),
    "breathing_liver": (None, None),
}
ATTEMPT = {"suicide_attempt": "yes"}
RECENT_ATTEMPT = {"suicide_attempt": "yes", "suicide_attempt_recent": "yes"}
THOUGHTS = {"cssrs_thoughts": "yes"}
MEDICINES = ("benzodiazepine", "opioid", "stimulant", "maoi", "lamotrigine", "other_sedative",
             "unsure")
SEDATING = ("opioid", "benzodiazepine", "other_sedative")
PRIORITY = ("crisis", "adults_only", "safety_review", "other_options_first", "possible_fit")


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
    *[case("suicide_intent_or_plan", baseline(**THOUGHTS, **{q: "yes"}), True, q)
      for q in ("cssrs_intent", "cssrs_plan")],
    case("suicide_intent_or_plan", baseline(**THOUGHTS, cssrs_method="yes"), False, "method"),
    # skip logic: the follow-ups only count after cssrs_thoughts = yes
    case("suicide_intent_or_plan", {**baseline(), "cssrs_plan": "yes"}, False, "follow-up-hidden"),
    case("recent_suicide_attempt", baseline(**RECENT_ATTEMPT), True, "yes"),
    case("recent_suicide_attempt", baseline(**ATTEMPT, suicide_attempt_recent="no"), False, "no"),
    case("recent_suicide_attempt", {**baseline(), "suicide_attempt_recent": "yes"}, False,
         "follow-up-hidden"),
    case("suicide_method", baseline(**THOUGHTS, cssrs_method="yes"), True, "yes"),
    case("suicide_method", baseline(**THOUGHTS), False, "no"),
    case("past_suicide_attempt", baseline(**ATTEMPT, suicide_attempt_recent="no"), True, "no"),
    case("past_suicide_attempt", baseline(**RECENT_ATTEMPT), False, "recent"),
    case("past_suicide_attempt", baseline(suicide_attempt="no"), False, "never"),
    case("under_18", baseline(age_18_plus="no"), True, "no"),
    case("under_18", baseline(age_18_plus="yes"), False, "yes"),
    *[
        case("label_contraindication", baseline(**{q: a}), a != "no", f"{q}={a}")
        for q in ("vascular_condition", "brain_bleed", "ketamine_allergy")
        for a in ("yes", "unsure", "no")
    ],
    *[case("psychosis", baseline(psychosis_history=a), a != "no", a)
      for a in ("yes", "unsure", "no")],
    *[case("mania", baseline(mania_history=a), a != "no", a) for a in ("yes", "unsure", "no")],
    case("mania", baseline(diagnoses=["depression", "bipolar"]), True, "bipolar-diagnosis"),
    case("mania", baseline(diagnoses=["depression", "anxiety"]), False, "no-bipolar"),
    case("blood_pressure_heart", baseline(blood_pressure_heart="yes"), True, "yes"),
    case("blood_pressure_heart", baseline(blood_pressure_heart="unsure"), False, "unsure"),
    case("pregnancy", baseline(pregnancy="yes"), True, "yes"),
    case("pregnancy", baseline(pregnancy="unsure"), False, "unsure"),
    *[case("sedation_risk", baseline(medications=[a, b]), True, f"{a}+{b}")
      for i, a in enumerate(SEDATING) for b in SEDATING[i + 1:]],
    *[case("sedation_risk", baseline(medications=[m]), False, f"{m}-alone") for m in SEDATING],
    *[case("sedation_risk", baseline(medications=[m], breathing_liver="yes"), True,
           f"{m}+breathing") for m in SEDATING],
    case("sedation_risk", baseline(medications=["opioid"], taps_rx_misuse="less_than_monthly"),
         True, "rx-misuse"),
    case("sedation_risk", baseline(medications=["benzodiazepine"], taps_alcohol="weekly"), True,
         "weekly-heavy-drinking"),
    case("sedation_risk", baseline(medications=["benzodiazepine"], taps_alcohol="monthly"), False,
         "monthly-heavy-drinking"),
    case("sedation_risk", baseline(medications=["unsure"], breathing_liver="yes"), True,
         "unsure+breathing"),
    case("sedation_risk", baseline(medications=["unsure"]), False, "unsure-alone"),
    case("sedation_risk", baseline(medications=["stimulant", "lamotrigine"],
                                   breathing_liver="yes"), False, "not-sedating"),
    case("blood_pressure_medicine", baseline(medications=["maoi", "stimulant"]), True, "both"),
    *[case("blood_pressure_medicine", baseline(medications=[m], blood_pressure_heart="unsure"),
           True, f"{m}+bp-unsure") for m in ("maoi", "stimulant")],
    *[case("blood_pressure_medicine", baseline(medications=[m]), False, f"{m}-alone")
      for m in ("maoi", "stimulant")],
    case("ketamine_nonmedical_recent", baseline(nonmedical_ketamine="within_12_months"), True,
         "recent"),
    case("ketamine_nonmedical_recent", baseline(nonmedical_ketamine="over_12_months"), False,
         "older"),
    *[case("current_substance_use", baseline(**{q: f}), True, f"{q}={f}")
      for q in ("taps_alcohol", "taps_rx_misuse") for f in ("weekly", "daily")],
    *[case("current_substance_use", baseline(**{q: "monthly"}), False, f"{q}=monthly")
      for q in ("taps_alcohol", "taps_drugs", "taps_rx_misuse")],
    case("current_substance_use", baseline(taps_drugs="daily", drugs_cannabis_only="yes"), True,
         "cannabis-daily"),
    case("current_substance_use", baseline(taps_drugs="weekly", drugs_cannabis_only="no"), True,
         "drugs-weekly"),
    case("current_substance_use", baseline(taps_drugs="weekly", drugs_cannabis_only="yes"), False,
         "cannabis-weekly"),
    case("substance_screen_positive", baseline(**cage(2), taps_drugs="less_than_monthly"), True,
         "cage=2-use"),
    case("substance_screen_positive", baseline(**cage(4), taps_rx_misuse="monthly"), True,
         "cage=4-use"),
    case("substance_screen_positive", baseline(**cage(2)), False, "cage=2-no-use"),
    case("substance_screen_positive", baseline(**cage(1), taps_alcohol="monthly"), False,
         "cage=1-use"),
    case("recent_substance_treatment", baseline(sud_history="within_12_months"), True, "recent"),
    case("recent_substance_treatment", baseline(sud_history="over_12_months"), False, "older"),
    case("depression_fit", baseline(**phq9(*spread(10, 8), 0)), True, "phq9=10"),
    case("depression_fit", baseline(**phq9(*spread(9, 8), 0)), False, "phq9=9"),
    case("anxiety_fit", baseline(**gad7(*spread(10, 7))), True, "gad7=10"),
    case("anxiety_fit", baseline(**gad7(*spread(9, 7))), False, "gad7=9"),
    case("chronic_pain_fit", baseline(**PEG), True, "peg=4.0"),
    case("chronic_pain_fit", baseline(**{**PEG, "peg_3": 3}), False, "peg=3.67"),
    case("chronic_pain_fit", {**baseline(chronic_pain="no"), "peg_1": 9, "peg_2": 9, "peg_3": 9},
         False, "no-chronic-pain"),
    case("mild_concerns", baseline(), True, "all-low"),
    case("mild_concerns", baseline(**{**PEG, "peg_3": 3}), True, "peg=3.67"),
    case("mild_concerns", baseline(**PEG), False, "peg=4.0"),
    case("mild_concerns", baseline(**phq9(*spread(10, 8), 0)), False, "phq9=10"),
    case("mild_concerns", baseline(**gad7(*spread(10, 7))), False, "gad7=10"),
    case("self_harm_thoughts", baseline(**ITEM9), True, "item9=1"),
    case("self_harm_thoughts", baseline(**phq9(3, 3, 3, 3, 3, 3, 3, 3, 0)), False, "item9=0"),
    case("wish_to_be_dead", baseline(cssrs_wish_dead="yes"), True, "yes"),
    case("wish_to_be_dead", baseline(), False, "no"),
    case("suicidal_thoughts", baseline(**THOUGHTS), True, "yes"),
    case("suicidal_thoughts", baseline(), False, "no"),
    case("recent_psych_hospitalization", baseline(psych_hospital_recent="yes"), True, "yes"),
    case("recent_psych_hospitalization", baseline(psych_hospital_recent="no"), False, "no"),
    case("treatment_resistant", baseline(antidepressants_tried="2"), True, "2"),
    case("treatment_resistant", baseline(antidepressants_tried="3_or_more"), True, "3+"),
    *[
        case("treatment_resistant", baseline(antidepressants_tried=v), False, v)
        for v in ("0", "1", "unsure")
    ],
    case("no_prior_treatment", baseline(**EX2, antidepressants_tried="0"), True, "0-phq9=10"),
    case("no_prior_treatment", baseline(**phq9(*spread(9, 8), 0), antidepressants_tried="0"),
         False, "0-phq9=9"),
    case("no_prior_treatment", baseline(**EX2, antidepressants_tried="unsure"), False, "unsure"),
    *[
        case("prior_ketamine", baseline(prior_ketamine=v), True, v)
        for v in ("helped", "not_helped", "side_effects")
    ],
    case("prior_ketamine", baseline(prior_ketamine="no"), False, "no"),
    case("substance_screen_one", baseline(**cage(1)), True, "cage=1"),
    case("substance_screen_one", baseline(**cage(0)), False, "cage=0"),
    case("substance_screen_one", baseline(**cage(2)), False, "cage=2"),
    case("substance_history", baseline(**cage(2)), True, "cage=2-no-use"),
    case("substance_history", baseline(**cage(2), taps_alcohol="less_than_monthly"), False,
         "cage=2-use"),
    case("substance_history", baseline(**cage(1)), False, "cage=1"),
    *[case("past_year_substance_use", baseline(**{q: "less_than_monthly"}), True, q)
      for q in ("taps_alcohol", "taps_drugs", "taps_rx_misuse")],
    case("past_year_substance_use", baseline(taps_drugs="weekly", drugs_cannabis_only="yes"),
         True, "cannabis-weekly"),
    case("past_year_substance_use", baseline(taps_alcohol="weekly"), False, "current-use"),
    case("past_year_substance_use", baseline(), False, "never"),
    case("cannabis_weekly", baseline(taps_drugs="weekly", drugs_cannabis_only="yes"), True, "yes"),
    case("cannabis_weekly", baseline(taps_drugs="weekly", drugs_cannabis_only="no"), False,
         "not-only-cannabis"),
    case("cannabis_weekly", baseline(taps_drugs="daily", drugs_cannabis_only="yes"), False,
         "daily"),
    case("past_substance_treatment", baseline(sud_history="over_12_months"), True, "older"),
    case("past_substance_treatment", baseline(sud_history="within_12_months"), False, "recent"),
    case("ketamine_nonmedical_past", baseline(nonmedical_ketamine="over_12_months"), True,
         "older"),
    case("ketamine_nonmedical_past", baseline(nonmedical_ketamine="within_12_months"), False,
         "recent"),
    *[case("hard_to_stop", baseline(addictive_tendency=a), a != "no", a)
      for a in ("yes", "unsure", "no")],
    *[
        case("precaution_unsure", baseline(**{q: "unsure"}), True, q)
        for q in ("blood_pressure_heart", "pregnancy", "bladder_symptoms", "breathing_liver")
    ],
    *[case("precaution_unsure", baseline(**{q: "unsure"}), False, q)
      for q in ("vascular_condition", "psychosis_history", "mania_history")],
    *[case("medication_review", baseline(medications=[m]), True, m) for m in MEDICINES],
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
    assert len(SPEC_RULES) == 38
    assert sum(1 for outcome, _ in SPEC_RULES.values() if outcome) == 20


@pytest.mark.parametrize("rule_id, outcome_and_flag", SPEC_RULES.items())
def test_matched_rule_carries_outcome_flag_and_reason(questionnaire, rule_id, outcome_and_flag):
    answers = next(p.values[1] for p in RULE_CASES if p.values[0] == rule_id and p.values[2])
    rule = next(r for r in evaluate(questionnaire, answers).rules if r.id == rule_id)
    assert (rule.outcome, rule.flag) == outcome_and_flag
    assert rule.reason == questionnaire_rule(questionnaire, rule_id).reason != ""


def questionnaire_rule(questionnaire, rule_id):
    return next(r for r in questionnaire.rules if r.id == rule_id)


def test_only_under_18_blocks_sending(questionnaire):
    assert [r.id for r in questionnaire.rules if r.blocks_sending] == ["under_18"]


# --- outcomes and their priority ----------------------------------------------------------------

TRIGGERS = {
    "crisis": {"cssrs_thoughts": "yes", "cssrs_plan": "yes"},
    "adults_only": {"age_18_plus": "no"},
    "safety_review": {"psychosis_history": "unsure"},
    "other_options_first": {"sud_history": "within_12_months"},
    "possible_fit": gad7(2, 2, 2, 2, 2, 0, 0),
}


@pytest.mark.parametrize("outcome", PRIORITY)
def test_each_outcome_reachable(questionnaire, outcome):
    assert evaluate(questionnaire, baseline(**TRIGGERS[outcome])).outcome == outcome


def test_outcomes_in_spec_priority_order(questionnaire):
    assert tuple(o.id for o in questionnaire.outcomes) == PRIORITY
    assert questionnaire.default_outcome == "other_options_first"


# A minor is not asked the substance and health questions, so adults_only only meets the
# outcomes a minor can reach (crisis above it, possible_fit below).
@pytest.mark.parametrize("higher, lower", [
    pytest.param(h, low, id=f"{h}>{low}")
    for i, h in enumerate(PRIORITY) for low in PRIORITY[i + 1:]
    if "adults_only" not in (h, low) or {h, low} & {"crisis", "possible_fit"}
])
def test_priority_between_every_pair(questionnaire, higher, lower):
    answers = baseline(**TRIGGERS[higher], **TRIGGERS[lower])
    assessment = evaluate(questionnaire, answers)
    assert assessment.outcome == higher
    assert lower in {r.outcome for r in assessment.rules}  # the lower reason is still listed


def test_all_adult_triggers_at_once_is_crisis_with_every_reason(questionnaire):
    triggers = {k: v for o, t in TRIGGERS.items() if o != "adults_only" for k, v in t.items()}
    assessment = evaluate(questionnaire, baseline(**triggers))
    assert assessment.outcome == "crisis"
    assert {r.outcome for r in assessment.rules} >= set(PRIORITY) - {"adults_only"}


def test_default_outcome_when_no_outcome_rule_matches(questionnaire):
    # Scores need every item: with PHQ-9 and GAD-7 missing, no outcome rule can match.
    answers = {"age_18_plus": "yes", "antidepressants_tried": "2"}
    assessment = evaluate(questionnaire, answers)
    assert assessment.rule_ids == ["treatment_resistant"]
    assert assessment.outcome == "other_options_first"


def test_flags_sorted_by_urgency(questionnaire):
    """Columbia: a screening takes every level that matches (high with low carries both)."""
    assessment = evaluate(questionnaire, baseline(**ITEM9, **THOUGHTS, cssrs_method="yes",
                                                  cssrs_plan="yes", psych_hospital_recent="yes"))
    assert assessment.flags == ("urgent_now", "moderate_risk", "recent_admission", "self_harm")
    assert assessment.urgency == 1
    assert evaluate(questionnaire, baseline(**ITEM9)).urgency == 3
    assert evaluate(questionnaire, baseline()).urgency is None


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
    (2, "positive", "substance_history"), (3, "positive", "substance_history"),
    (4, "positive", "substance_history"),
])
def test_cage_aid_bands_and_rules(questionnaire, count, band, rule):
    assessment = evaluate(questionnaire, baseline(**cage(count)))
    assert (assessment.scores["cage_aid"].value, assessment.scores["cage_aid"].band) == (
        count, band)
    # No past-year use in the baseline: CAGE-AID (lifetime) >= 2 alone is a note only.
    cage_rules = {"substance_screen_one", "substance_screen_positive", "substance_history"}
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
    answers = baseline(**phq9(2, 2, 2, 2, 2, 0, 0, 0, 1), cssrs_thoughts="yes", cssrs_plan="yes",
                       **cage(1), pregnancy="unsure")
    assert evaluate(questionnaire, answers) == evaluate(questionnaire, dict(answers))


# --- fail closed: a missing answer counts as the risky one where the spec says so ----------------

def test_recent_suicide_attempt_fails_closed_without_its_timing(questionnaire):
    """Worked example 11: an attempt with unknown timing (an import, a re-evaluation) is high
    risk, never possible_fit with no flag."""
    answers = baseline(**EX2, **RECENT_ATTEMPT)
    del answers["suicide_attempt_recent"]
    assessment = evaluate(questionnaire, answers)
    assert assessment.outcome == "crisis"
    assert "recent_suicide_attempt" in assessment.rule_ids
    assert "past_suicide_attempt" not in assessment.rule_ids
    assert assessment.flags == ("urgent_now",)


def test_current_substance_use_fails_closed_without_cannabis_only(questionnaire):
    """Weekly drug use with the cannabis question unanswered counts as not cannabis only."""
    answers = baseline(**EX2, taps_drugs="weekly")
    del answers["drugs_cannabis_only"]
    assessment = evaluate(questionnaire, answers)
    assert assessment.outcome == "other_options_first"
    assert "current_substance_use" in assessment.rule_ids
    assert "cannabis_weekly" not in assessment.rule_ids


def test_sedation_risk_fails_closed_without_prescription_misuse(questionnaire):
    """A sedating medicine with the prescription-misuse answer missing: "is not never" holds."""
    answers = baseline(**EX2, medications=["opioid"])
    del answers["taps_rx_misuse"]
    assessment = evaluate(questionnaire, answers)
    assert assessment.outcome == "safety_review"
    assert "sedation_risk" in assessment.rule_ids


def test_a_minor_has_no_substance_or_health_rules(questionnaire):
    """Questions not shown count for nothing: a minor's stray health answers change nothing."""
    answers = {**baseline(**EX2, age_18_plus="no"), "medications": ["opioid", "benzodiazepine"],
               "taps_rx_misuse": "daily", "brain_bleed": "yes"}
    assessment = evaluate(questionnaire, answers)
    assert assessment.outcome == "adults_only"
    assert assessment.rule_ids == ["depression_fit", "under_18"]
