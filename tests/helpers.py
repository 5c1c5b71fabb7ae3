"""Answer sets shared by the tests."""

from __future__ import annotations

HEALTH_QUESTIONS = (
    "vascular_condition", "brain_bleed", "ketamine_allergy", "psychosis_history",
    "mania_history", "blood_pressure_heart", "pregnancy", "bladder_symptoms", "breathing_liver",
)
SUBSTANCE_QUESTIONS = (
    "cage_cut_down", "cage_annoyed", "cage_guilty", "cage_eye_opener", "taps_alcohol",
    "taps_drugs", "drugs_cannabis_only", "taps_rx_misuse", "sud_history", "nonmedical_ketamine",
    "addictive_tendency",
)
CSSRS_FOLLOW_UPS = ("cssrs_method", "cssrs_intent", "cssrs_plan")
# Spec 1.1.0, worked examples: how the questions new in 1.1.0 are answered when not listed.
NEW_IN_1_1_0 = {
    "prior_ketamine": "no", "suicide_attempt": "no", "psych_hospital_recent": "no",
    "heavy_drinking_past_year": "never", "drug_use_past_year": "never", "medications": ["none"],
    "bladder_symptoms": "no", "breathing_liver": "no",
}


def phq9(*values: int) -> dict:
    """PHQ-9 answers from nine values."""
    assert len(values) == 9
    return {f"phq9_{i}": v for i, v in enumerate(values, start=1)}


def gad7(*values: int) -> dict:
    """GAD-7 answers from seven values."""
    assert len(values) == 7
    return {f"gad7_{i}": v for i, v in enumerate(values, start=1)}


def baseline(**changes) -> dict:
    """The spec's 1.2.0 worked-example baseline (all "no" / 0 / never), with ``changes`` applied.

    Follow-ups whose parent is yes are answered "no" unless given; questions that are not shown
    (follow-ups whose parent is no or missing, a minor's substance and health steps) are left
    out, as the wizard leaves them out.
    """
    answers = {
        "age_18_plus": "yes",
        "diagnoses": ["depression"],
        "antidepressants_tried": "1",
        "current_care": "yes",
        "prior_ketamine": "no",
        "psych_hospital_recent": "no",
        **phq9(0, 0, 0, 0, 0, 0, 0, 0, 0),
        "cssrs_wish_dead": "no",
        "cssrs_thoughts": "no",
        "suicide_attempt": "no",
        **gad7(0, 0, 0, 0, 0, 0, 0),
        "chronic_pain": "no",
        "cage_cut_down": "no",
        "cage_annoyed": "no",
        "cage_guilty": "no",
        "cage_eye_opener": "no",
        "taps_alcohol": "never",
        "taps_drugs": "never",
        "taps_rx_misuse": "never",
        "sud_history": "never",
        "nonmedical_ketamine": "never",
        "addictive_tendency": "no",
        **{q: "no" for q in HEALTH_QUESTIONS},
        "medications": ["none"],
    }
    answers.update(changes)
    follow_ups = {"cssrs_thoughts": CSSRS_FOLLOW_UPS, "suicide_attempt": ("suicide_attempt_recent",)}
    for parent, children in follow_ups.items():
        for child in children:
            if answers.get(parent) == "yes":
                answers.setdefault(child, "no")
            else:
                answers.pop(child, None)
    if answers.get("taps_drugs", "never") != "never":
        answers.setdefault("drugs_cannabis_only", "no")
    else:
        answers.pop("drugs_cannabis_only", None)
    if answers.get("age_18_plus") != "yes":
        for question_id in (*SUBSTANCE_QUESTIONS, *HEALTH_QUESTIONS, "medications"):
            answers.pop(question_id, None)
    return answers


def baseline_1_1_0(**changes) -> dict:
    """The spec's 1.1.0 worked-example baseline, as answered under questionnaire 1.1.0."""
    answers = {
        "age_18_plus": "yes",
        "diagnoses": ["depression"],
        "antidepressants_tried": "1",
        "current_care": "yes",
        **phq9(0, 0, 0, 0, 0, 0, 0, 0, 0),
        **gad7(0, 0, 0, 0, 0, 0, 0),
        "chronic_pain": "no",
        "cage_cut_down": "no",
        "cage_annoyed": "no",
        "cage_guilty": "no",
        "cage_eye_opener": "no",
        "sud_history": "never",
        "ketamine_nonmedical": "no",
        "addictive_tendency": "no",
        **{q: "no" for q in HEALTH_QUESTIONS},
        **NEW_IN_1_1_0,
    }
    answers.update(changes)
    if answers.get("phq9_9", 0) >= 1:
        answers.setdefault("self_harm_plan", "no")
    if answers.get("suicide_attempt") == "yes":
        answers.setdefault("suicide_attempt_recent", "no")
    return answers


def baseline_1_0_0(**changes) -> dict:
    """The baseline as answered under questionnaire 1.0.0 (without the 1.1.0 questions)."""
    answers = baseline_1_1_0(**changes)
    for question_id in NEW_IN_1_1_0:
        if question_id not in changes:
            answers.pop(question_id, None)
    return answers
