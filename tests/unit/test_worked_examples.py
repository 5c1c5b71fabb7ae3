"""The spec's 24 worked examples (1.2.0), one table: outcome and flags exact, the rules named among
those matched, how urgent the submission is and whether it sends an alert email. Example 22 runs
through the recorded safety answers; examples 1, 12, 22 and 23 check what the patient reads."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from screener.core import presentation, rules, safety
from screener.core.safety import Recorded
from tests.helpers import baseline, gad7, phq9

EX2 = phq9(2, 2, 2, 2, 2, 0, 0, 0, 0)
ALL_ONE = phq9(1, 1, 1, 1, 1, 1, 1, 1, 1)
ZERO_GAD = gad7(0, 0, 0, 0, 0, 0, 0)
T0 = datetime(2026, 1, 1, 9, tzinfo=timezone.utc)
# Example 22: what the patient gave before taking it back from the review page.
EX22_GIVEN = (("phq9_9", 1), ("cssrs_thoughts", "yes"), ("cssrs_plan", "yes"))


def example(n, answers, outcome, flags, rule_ids, urgency=None, given=()):
    """One row: ``flags`` exact (changed flag included), ``rule_ids`` among those matched,
    ``urgency`` the submission's (None: unflagged)."""
    return pytest.param(answers, outcome, tuple(flags), set(rule_ids), urgency, given, id=str(n))


EXAMPLES = [
    example(1, baseline(**ALL_ONE), "other_options_first", ["self_harm"],
            ["mild_concerns", "self_harm_thoughts"], urgency=3),
    example(2, baseline(**EX2), "possible_fit", [], ["depression_fit"]),
    example(3, baseline(**EX2, cage_cut_down="yes", cage_guilty="yes",
                        taps_alcohol="less_than_monthly"), "other_options_first", [],
            ["substance_screen_positive", "depression_fit", "past_year_substance_use"]),
    example(4, baseline(**EX2, cage_cut_down="yes", cage_guilty="yes"), "possible_fit", [],
            ["substance_history"]),
    example("5a", baseline(**EX2, taps_drugs="weekly", drugs_cannabis_only="no"),
            "other_options_first", [], ["current_substance_use"]),
    example("5b", baseline(**EX2, taps_drugs="weekly", drugs_cannabis_only="yes"),
            "possible_fit", [], ["cannabis_weekly", "past_year_substance_use"]),
    example("5c", baseline(**EX2, taps_drugs="daily", drugs_cannabis_only="yes"),
            "other_options_first", [], ["current_substance_use"]),
    example(6, baseline(**EX2, pregnancy="unsure"), "possible_fit", [], ["precaution_unsure"]),
    example(7, baseline(chronic_pain="yes", peg_1=4, peg_2=4, peg_3=4), "possible_fit", [],
            ["chronic_pain_fit"]),
    example(8, baseline(chronic_pain="yes", peg_1=4, peg_2=4, peg_3=3), "other_options_first",
            [], ["mild_concerns"]),
    example(9, baseline(**EX2, brain_bleed="unsure"), "safety_review", [],
            ["label_contraindication"]),
    example(10, baseline(**EX2, suicide_attempt="yes", suicide_attempt_recent="no"),
            "safety_review", ["moderate_risk"], ["past_suicide_attempt", "depression_fit"],
            urgency=2),
    example(11, baseline(**EX2, suicide_attempt="yes", suicide_attempt_recent="yes"), "crisis",
            ["urgent_now"], ["recent_suicide_attempt"], urgency=1),
    example(12, baseline(**EX2, cssrs_wish_dead="yes"), "possible_fit", ["self_harm"],
            ["depression_fit", "wish_to_be_dead"], urgency=3),
    example(13, baseline(**EX2, cssrs_thoughts="yes", cssrs_method="yes", cssrs_intent="no",
                         cssrs_plan="no"), "safety_review", ["moderate_risk", "self_harm"],
            ["suicidal_thoughts", "suicide_method"], urgency=2),
    example(14, baseline(**EX2, cssrs_thoughts="yes", cssrs_plan="yes"), "crisis",
            ["urgent_now", "self_harm"], ["suicidal_thoughts", "suicide_intent_or_plan"],
            urgency=1),
    example(15, baseline(**EX2, medications=["opioid", "benzodiazepine"]), "safety_review", [],
            ["sedation_risk", "medication_review"]),
    example("16a", baseline(**EX2, medications=["opioid"], breathing_liver="yes"),
            "safety_review", [], ["sedation_risk", "medication_review", "breathing_liver"]),
    example("16b", baseline(**EX2, medications=["opioid"], taps_rx_misuse="monthly"),
            "safety_review", [], ["sedation_risk"]),
    example("17a", baseline(**EX2, medications=["maoi"], blood_pressure_heart="unsure"),
            "safety_review", [], ["blood_pressure_medicine", "precaution_unsure",
                                  "medication_review"]),
    example("17b", baseline(**EX2, medications=["maoi", "stimulant"]), "safety_review", [],
            ["blood_pressure_medicine"]),
    example(18, baseline(**EX2, psychosis_history="unsure"), "safety_review", [], ["psychosis"]),
    example("19a", baseline(**EX2, nonmedical_ketamine="within_12_months"), "safety_review", [],
            ["ketamine_nonmedical_recent"]),
    example("19b", baseline(**EX2, nonmedical_ketamine="over_12_months"), "possible_fit", [],
            ["ketamine_nonmedical_past"]),
    example(20, baseline(**EX2, addictive_tendency="yes"), "possible_fit", [], ["hard_to_stop"]),
    example(21, baseline(**EX2, antidepressants_tried="0", medications=["benzodiazepine"]),
            "possible_fit", [], ["no_prior_treatment", "medication_review"]),
    example(22, baseline(**phq9(1, 1, 1, 1, 1, 1, 1, 1, 0)), "other_options_first",
            ["self_harm_changed"], ["mild_concerns"], urgency=1, given=EX22_GIVEN),
    example(23, baseline(**EX2, age_18_plus="no"), "adults_only", [],
            ["under_18", "depression_fit"]),
    example(24, baseline(**EX2, psych_hospital_recent="yes"), "possible_fit",
            ["recent_admission"], ["recent_psych_hospitalization"], urgency=3),
]


def records(given) -> list[Recorded]:
    return [Recorded(q, v, T0 + timedelta(minutes=i)) for i, (q, v) in enumerate(given)]


@pytest.mark.parametrize("answers, outcome, flags, rule_ids, urgency, given", EXAMPLES)
def test_worked_example(questionnaire, answers, outcome, flags, rule_ids, urgency, given):
    # Every example is a complete answer set the wizard could send (nothing hidden answered).
    assert rules.validate_answers(questionnaire, answers) == []
    assessment = rules.evaluate(questionnaire, answers)
    changed = safety.changed_urgency(questionnaire, records(given), answers)
    all_flags = assessment.flags + safety.changed_flags(questionnaire, records(given), answers)
    assert assessment.outcome == outcome
    assert all_flags == flags
    assert rule_ids <= set(assessment.rule_ids)
    submitted = presentation.submission_urgency(questionnaire, all_flags, changed)
    assert submitted == urgency
    # Alert email for urgency 1-2 only (urgent_now, moderate_risk, self_harm_changed).
    assert questionnaire.is_urgent(submitted) is (urgency in (1, 2))


def test_example_1_reads_no_reassurance(questionnaire):
    """Crisis resources first, the other_options_first title, neither "Mild" nor the
    mild_concerns reason."""
    assessment = rules.evaluate(questionnaire, baseline(**ALL_ONE))
    view = presentation.patient_result(questionnaire, assessment)
    mild = questionnaire_rule(questionnaire, "mild_concerns").reason
    assert view.crisis_first and not view.crisis_result
    assert view.outcome.id == "other_options_first"
    assert not view.show_bands
    assert mild not in view.reasons
    assert not any("mild" in reason.lower() for reason in view.reasons)
    assert view.can_send


def test_example_12_reads_that_ketamine_may_be_worth_discussing_after_help(questionnaire):
    """A wish to be dead with depression: resources first, then the possible_fit title."""
    assessment = rules.evaluate(questionnaire, baseline(**EX2, cssrs_wish_dead="yes"))
    view = presentation.patient_result(questionnaire, assessment)
    assert (view.crisis_first, view.crisis_result, view.show_bands) == (True, False, False)
    assert view.outcome.id == "possible_fit"
    assert view.offer_booking


def test_example_22_reads_the_crisis_result(questionnaire):
    """A plan taken back: the crisis result, no "Mild", no mild_concerns, no lower title."""
    answers = baseline(**phq9(1, 1, 1, 1, 1, 1, 1, 1, 0))
    assessment = rules.evaluate(questionnaire, answers)
    changed = safety.changed_urgency(questionnaire, records(EX22_GIVEN), answers)
    assert changed == 1
    view = presentation.patient_result(questionnaire, assessment, changed)
    assert view.crisis_result and view.crisis_first and not view.show_bands
    assert view.outcome.id == "crisis"
    assert view.outcome.title != questionnaire.outcomes_by_id["other_options_first"].title
    assert questionnaire_rule(questionnaire, "mild_concerns").reason not in view.reasons
    assert not view.offer_booking
    # Staff still see the true outcome and rules.
    assert assessment.outcome == "other_options_first"
    assert "mild_concerns" in assessment.rule_ids


def test_example_23_offers_no_sending(questionnaire):
    assessment = rules.evaluate(questionnaire, baseline(**EX2, age_18_plus="no"))
    view = presentation.patient_result(questionnaire, assessment)
    assert view.outcome.id == "adults_only"
    assert not view.can_send and not view.offer_booking
    # The resources stay on a minor's result, after the explanation: no risk flag, not first.
    assert view.outcome.show_crisis_resources and not view.crisis_first


def questionnaire_rule(questionnaire, rule_id):
    return next(r for r in questionnaire.rules if r.id == rule_id)
