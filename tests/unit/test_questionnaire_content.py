"""questions.yaml against the spec (shared/spec/screening.md, version 1.0.0), table by table."""

from __future__ import annotations

import pytest

LOINC = "http://loinc.org"
STEM = "Over the last 2 weeks, how often have you been bothered by any of the following problems?"
NOTICE = (
    "PHQ-9 and GAD-7: developed by Drs. Robert L. Spitzer, Janet B.W. Williams, Kurt Kroenke and "
    "colleagues, with an educational grant from Pfizer Inc. No permission required to reproduce, "
    "translate, display or distribute."
)
YES_NO = ["yes", "no"]
YES_NO_UNSURE = ["yes", "no", "unsure"]
FREQUENCY = [0, 1, 2, 3]

# step id -> (enable_when as (question, operator, answer) or None, [question ids])
STEPS = {
    "about": (None, ["age_18_plus"]),
    "diagnosis": (None, ["diagnoses", "antidepressants_tried", "current_care"]),
    "phq9": (None, [f"phq9_{i}" for i in range(1, 10)] + ["phq9_difficulty"]),
    "safety": (("phq9_9", ">=", 1), ["self_harm_plan"]),
    "gad7": (None, [f"gad7_{i}" for i in range(1, 8)]),
    "pain": (None, ["chronic_pain"]),
    "pain_severity": (("chronic_pain", "=", "yes"), ["peg_1", "peg_2", "peg_3"]),
    "substance": (None, ["cage_cut_down", "cage_annoyed", "cage_guilty", "cage_eye_opener",
                         "sud_history", "ketamine_nonmedical", "addictive_tendency"]),
    "health": (None, ["vascular_condition", "brain_bleed", "ketamine_allergy",
                      "psychosis_history", "mania_history", "blood_pressure_heart", "pregnancy"]),
}

# question id -> (values, required, text)
QUESTIONS = {
    "age_18_plus": (YES_NO, True, "Are you 18 years of age or older?"),
    "diagnoses": (["depression", "anxiety", "ptsd", "bipolar", "chronic_pain", "other", "none"],
                  True, "Has a doctor or other health professional ever told you that you have "
                  "any of these?"),
    "antidepressants_tried": (["0", "1", "2", "3_or_more", "unsure"], True,
                              "How many antidepressant medicines have you tried for your current "
                              "episode of depression, each for at least 6 weeks?"),
    "current_care": (YES_NO, True, "Are you currently seeing a doctor, therapist or counselor for "
                     "your mental health?"),
    "phq9_difficulty": (["not_difficult", "somewhat", "very", "extremely"], False,
                        "If you checked off any problems, how difficult have these problems made "
                        "it for you to do your work, take care of things at home, or get along "
                        "with other people?"),
    "self_harm_plan": (YES_NO, True, "Are you thinking about ending your life today, or do you "
                       "have a plan to?"),
    "chronic_pain": (YES_NO, True, "Have you had pain on most days for the last 3 months or more?"),
    "peg_1": (list(range(11)), True, "What number best describes your pain on average in the "
              "past week?"),
    "peg_2": (list(range(11)), True, "What number best describes how, during the past week, pain "
              "has interfered with your enjoyment of life?"),
    "peg_3": (list(range(11)), True, "What number best describes how, during the past week, pain "
              "has interfered with your general activity?"),
    "cage_cut_down": (YES_NO, True, "Have you ever felt that you ought to cut down on your "
                      "drinking or drug use?"),
    "cage_annoyed": (YES_NO, True, "Have people annoyed you by criticizing your drinking or drug "
                     "use?"),
    "cage_guilty": (YES_NO, True, "Have you ever felt bad or guilty about your drinking or drug "
                    "use?"),
    "cage_eye_opener": (YES_NO, True, "Have you ever had a drink or used drugs first thing in the "
                        "morning to steady your nerves or to get rid of a hangover (eye-opener)?"),
    "sud_history": (["never", "over_12_months", "within_12_months"], True, "Have you ever been "
                    "diagnosed with, or treated for, a drug or alcohol use problem?"),
    "ketamine_nonmedical": (YES_NO, True, "Have you ever used ketamine other than as prescribed "
                            "by a clinician (for example, recreationally)?"),
    "addictive_tendency": (YES_NO_UNSURE, True, "Do you tend to find it hard to stop once you "
                           "start something — drinking, drugs, gambling, or similar — as if you "
                           "have an addictive personality?"),
    "vascular_condition": (YES_NO_UNSURE, True, "Have you ever been told you have an aneurysm (a "
                           "bulging blood vessel, for example in the brain, chest or abdomen) or "
                           "an arteriovenous malformation (AVM)?"),
    "brain_bleed": (YES_NO_UNSURE, True, "Have you ever had bleeding in the brain (an "
                    "intracerebral hemorrhage)?"),
    "ketamine_allergy": (YES_NO_UNSURE, True, "Have you ever had an allergic reaction to ketamine "
                         "or esketamine?"),
    "psychosis_history": (YES_NO_UNSURE, True, "Have you ever been diagnosed with schizophrenia "
                          "or another psychotic disorder, or had hallucinations or delusions that "
                          "were not caused by drugs or alcohol?"),
    "mania_history": (YES_NO_UNSURE, True, "Have you ever had a manic episode — a period of days "
                      "with unusually high energy, little need for sleep and racing thoughts?"),
    "blood_pressure_heart": (YES_NO_UNSURE, True, "Do you have high blood pressure that is not "
                             "well controlled, serious heart disease, or have you had a stroke?"),
    "pregnancy": (YES_NO_UNSURE, True, "Are you pregnant, breastfeeding, or planning to become "
                  "pregnant?"),
}

PHQ9 = [
    ("phq9_1", "Little interest or pleasure in doing things", "44250-9"),
    ("phq9_2", "Feeling down, depressed, or hopeless", "44255-8"),
    ("phq9_3", "Trouble falling or staying asleep, or sleeping too much", "44259-0"),
    ("phq9_4", "Feeling tired or having little energy", "44254-1"),
    ("phq9_5", "Poor appetite or overeating", "44251-7"),
    ("phq9_6", "Feeling bad about yourself — or that you are a failure or have let yourself or "
               "your family down", "44258-2"),
    ("phq9_7", "Trouble concentrating on things, such as reading the newspaper or watching "
               "television", "44252-5"),
    ("phq9_8", "Moving or speaking so slowly that other people could have noticed? Or the "
               "opposite — being so fidgety or restless that you have been moving around a lot "
               "more than usual", "44253-3"),
    ("phq9_9", "Thoughts that you would be better off dead or of hurting yourself in some way",
     "44260-8"),
]
GAD7 = [
    ("gad7_1", "Feeling nervous, anxious, or on edge", "69725-0"),
    ("gad7_2", "Not being able to stop or control worrying", "68509-9"),
    ("gad7_3", "Worrying too much about different things", "69733-4"),
    ("gad7_4", "Trouble relaxing", "69734-2"),
    ("gad7_5", "Being so restless that it is hard to sit still", "69735-9"),
    ("gad7_6", "Becoming easily annoyed or irritable", "69689-8"),
    ("gad7_7", "Feeling afraid, as if something awful might happen", "69736-7"),
]
FREQUENCY_CODES = {0: "LA6568-5", 1: "LA6569-3", 2: "LA6570-1", 3: "LA6571-9"}

SCORES = {
    "phq9": ("sum", [q for q, _, _ in PHQ9], "44261-6",
             [("minimal", 0, 4), ("mild", 5, 9), ("moderate", 10, 14),
              ("moderately_severe", 15, 19), ("severe", 20, 27)]),
    "gad7": ("sum", [q for q, _, _ in GAD7], "70274-6",
             [("minimal", 0, 4), ("mild", 5, 9), ("moderate", 10, 14), ("severe", 15, 21)]),
    "peg": ("mean", ["peg_1", "peg_2", "peg_3"], None, []),
    "cage_aid": ("count", ["cage_cut_down", "cage_annoyed", "cage_guilty", "cage_eye_opener"],
                 None, [("negative", 0, 0), ("discuss", 1, 1), ("positive", 2, 4)]),
}

OUTCOME_TITLES = {
    "crisis": "Please reach out for support now",
    "safety_review": "A clinician needs to review your health and safety answers first",
    "other_options_first": "Other treatments may be a better first step for you",
    "possible_fit": "Ketamine treatment may be worth discussing with a clinician",
}
CONSULTATION = (
    "Talk with a clinician. This screening cannot tell whether ketamine is right for you; only a "
    "clinician who knows your history can. We recommend booking a consultation to discuss your "
    "results and all your treatment options."
)
CRISIS = [
    "If you are in immediate danger, call 911 or go to the nearest emergency room.",
    "Call or text 988 (Suicide & Crisis Lifeline, 24/7, free and confidential), or chat at "
    "988lifeline.org.",
    "Text HOME to 741741 (Crisis Text Line).",
]


def test_identity(questionnaire):
    assert (questionnaire.id, questionnaire.version) == ("ketamine-screening", "1.0.0")


def test_steps_and_their_questions_in_order(questionnaire):
    assert [s.id for s in questionnaire.steps] == list(STEPS)
    for step in questionnaire.steps:
        condition, question_ids = STEPS[step.id]
        assert [q.id for q in step.questions] == question_ids
        when = step.enable_when
        assert (when and (when.ref, when.operator, when.answer)) == condition
        assert all(q.enable_when is None for q in step.questions)


@pytest.mark.parametrize("question_id", QUESTIONS)
def test_question(questionnaire, question_id):
    values, required, text = QUESTIONS[question_id]
    question = questionnaire.questions[question_id]
    assert list(question.allowed_values()) == values
    assert type(question.allowed_values()[0]) is type(values[0])
    assert question.required is required
    assert question.text == text


def test_only_none_is_exclusive(questionnaire):
    choices = questionnaire.questions["diagnoses"].choices
    assert questionnaire.questions["diagnoses"].kind == "multi"
    assert [c.value for c in choices if c.exclusive] == ["none"]


@pytest.mark.parametrize("step_id, items, panel", [("phq9", PHQ9, "44249-1"),
                                                   ("gad7", GAD7, "69737-5")])
def test_instrument_items_texts_and_loinc_codes(questionnaire, step_id, items, panel):
    step = questionnaire.steps_by_id[step_id]
    assert (step.code.system, step.code.code) == (LOINC, panel)
    assert step.stem == STEM
    assert step.notice == NOTICE
    for question_id, text, code in items:
        question = questionnaire.questions[question_id]
        assert question.text == text
        assert (question.code.system, question.code.code) == (LOINC, code)
        assert question.required
        assert {c.value: c.code.code for c in question.choices} == FREQUENCY_CODES
        assert all(c.code.system == LOINC for c in question.choices)


def test_phq9_difficulty_loinc(questionnaire):
    code = questionnaire.questions["phq9_difficulty"].code
    assert (code.system, code.code) == (LOINC, "69722-7")


def test_peg_anchors(questionnaire):
    anchors = {q: dict(questionnaire.questions[q].anchors) for q in ("peg_1", "peg_2", "peg_3")}
    assert anchors == {
        "peg_1": {0: "No pain", 10: "Pain as bad as you can imagine"},
        "peg_2": {0: "Does not interfere", 10: "Completely interferes"},
        "peg_3": {0: "Does not interfere", 10: "Completely interferes"},
    }


@pytest.mark.parametrize("score_id", SCORES)
def test_score(questionnaire, score_id):
    method, items, loinc, bands = SCORES[score_id]
    score = questionnaire.scores_by_id[score_id]
    assert (score.method, list(score.items)) == (method, items)
    assert [(b.id, b.min, b.max) for b in score.bands] == bands
    if loinc:
        assert (score.code.system, score.code.code) == (LOINC, loinc)


def test_peg_and_cage_details(questionnaire):
    assert questionnaire.scores_by_id["peg"].decimals == 1
    assert questionnaire.scores_by_id["cage_aid"].count_answer == "yes"


def test_outcomes_and_texts(questionnaire):
    assert {o.id: o.title for o in questionnaire.outcomes} == OUTCOME_TITLES
    assert [o.id for o in questionnaire.outcomes if o.show_crisis_resources] == ["crisis"]
    assert questionnaire.texts["consultation"] == CONSULTATION
    other = questionnaire.outcomes_by_id["other_options_first"].explanation.lower()
    assert all(word in other for word in ("therapy", "lifestyle", "holistic", "medicines",
                                          "clinician"))


def test_crisis_resources(questionnaire):
    assert [r.text for r in questionnaire.crisis_resources] == CRISIS
    assert questionnaire.steps_by_id["safety"].show_crisis_resources


def test_no_eligibility_language(questionnaire):
    texts = [o.title + o.explanation for o in questionnaire.outcomes]
    texts += [r.reason for r in questionnaire.rules] + list(questionnaire.texts.values())
    for text in texts:
        assert not {"eligible", "approved", "not eligible"}.intersection(text.lower().split())
