"""Every patient-facing text in questions.yaml that is not a validated instrument wording reads at
US grade 8 or below (spec: Plain language).

Flesch–Kincaid grade as textstat 0.7.3 computes it, words in brackets left out, for texts of 12
words or more. Instrument items (PHQ-9, GAD-7, PEG, CAGE-AID and the validated single questions,
marked ``instrument`` in the YAML) keep their published wording and are not graded.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import textstat

from screener.core.questionnaire import Questionnaire, load
from screener.patient.forms import ContactForm

MAX_GRADE = 8.0
MIN_WORDS = 12
# Read by staff only, never shown to a patient.
STAFF_TEXTS = frozenset({"clinician_decides"})
# Published instrument wording outside an item: CAGE-AID's instruction, shown verbatim (spec).
INSTRUMENT_TEXTS = frozenset({"steps.substance.intro"})
QUESTIONS_YAML = Path(__file__).resolve().parents[2] / "questions.yaml"
_BRACKETS = re.compile(r"\([^)]*\)|\[[^\]]*\]")


def plain(text: str) -> str:
    """The text with bracketed words left out and spaces tidied."""
    text = _BRACKETS.sub("", text)
    return re.sub(r"\s+([?.,;:!])", r"\1", re.sub(r"\s+", " ", text)).strip()


def patient_texts(q: Questionnaire) -> list[tuple[str, str]]:
    """(where, text) for every patient-facing text the spec names, outside instrument items."""
    found = [("title", q.title), ("crisis_resources.title", q.crisis_title)]
    for outcome in q.outcomes:
        found += [(f"outcomes.{outcome.id}.title", outcome.title),
                  (f"outcomes.{outcome.id}.explanation", outcome.explanation)]
    found += [(f"rules.{rule.id}.reason", rule.reason) for rule in q.rules]
    for step in q.steps:
        for key in ("title", "intro", "crisis_page_title", "crisis_page_text"):
            if getattr(step, key):
                found.append((f"steps.{step.id}.{key}", getattr(step, key)))
        if step.stem and not step.instrument:
            found.append((f"steps.{step.id}.stem", step.stem))
        for question in step.questions:
            if question.instrument:
                continue
            where = f"steps.{step.id}.{question.id}"
            found.append((where, question.text))
            if question.help:
                found.append((f"{where}.help", question.help))
            found += [(f"{where}.choices.{c.value}", c.label) for c in question.choices]
    for score in q.scores:
        found += [(f"scores.{score.id}.bands.{b.id}", b.patient_text) for b in score.bands]
    found += [(f"texts.{key}", text) for key, text in q.texts.items() if key not in STAFF_TEXTS]
    for i, resource in enumerate(q.crisis_resources):
        if resource.lang is None:  # another language (lang: es) is not graded in English
            found.append((f"crisis_resources.items[{i}]", resource.text))
    found += [(f"helplines[{i}]", helpline.text) for i, helpline in enumerate(q.helplines)]
    return [(where, text) for where, text in found if where not in INSTRUMENT_TEXTS]


def graded(q: Questionnaire) -> list[tuple[str, str]]:
    """The patient texts long enough to grade (12 words or more outside brackets)."""
    return [(where, text) for where, text in patient_texts(q)
            if len(plain(text).split()) >= MIN_WORDS]


def grade(text: str) -> float:
    return textstat.flesch_kincaid_grade(plain(text))


def test_textstat_is_the_version_the_spec_names():
    from importlib.metadata import version
    assert version("textstat") == "0.7.3"


def test_brackets_are_left_out_and_short_texts_are_not_graded():
    assert plain("Have you had bleeding in the brain (an intracerebral hemorrhage)?") == (
        "Have you had bleeding in the brain?")
    # 13 words with the brackets, 11 without: not graded.
    assert len(plain("Have you had ketamine or esketamine (Spravato) treatment from a clinician "
                     "before?").split()) < MIN_WORDS


def test_the_grade_check_can_fail():
    """A text the review found hard (the old psychosis question) fails the check."""
    hard = ("Have you ever been diagnosed with schizophrenia or another psychotic disorder, or had "
            "hallucinations or delusions that were not caused by drugs or alcohol?")
    assert grade(hard) > MAX_GRADE


def test_covers_the_texts_the_spec_names(questionnaire):
    where = {w for w, _ in patient_texts(questionnaire)}
    assert {"outcomes.safety_review.explanation", "outcomes.adults_only.explanation",
            "rules.recent_suicide_attempt.reason", "rules.sedation_risk.reason",
            "steps.health.psychosis_history", "steps.safety.crisis_page_text",
            "steps.safety.intro", "steps.substance.drugs_cannabis_only",
            "steps.substance.nonmedical_ketamine", "steps.substance.addictive_tendency",
            "texts.privacy", "texts.sent_next_steps", "texts.consultation", "helplines[0]",
            "scores.cage_aid.bands.positive", "crisis_resources.items[3]"} <= where
    # validated wordings are left out: instrument items (C-SSRS and TAPS-1 included), the
    # CAGE-AID instruction, suicide_attempt's examples, and a text in another language
    assert not {"steps.phq9.phq9_9", "steps.safety.suicide_attempt",
                "steps.safety.suicide_attempt.help", "steps.safety.cssrs_plan",
                "steps.substance.taps_rx_misuse", "steps.substance.intro",
                "steps.substance.cage_guilty", "texts.clinician_decides",
                "crisis_resources.items[4]"} & where
    assert len(graded(questionnaire)) >= 40


@pytest.mark.parametrize("where_text", [
    pytest.param(item, id=item[0]) for item in graded(load(QUESTIONS_YAML))
])
def test_patient_text_at_grade_8_or_below(where_text):
    where, text = where_text
    assert grade(text) <= MAX_GRADE, f"{where} reads at grade {grade(text):.1f}: {text}"


def test_consent_text_at_grade_8_or_below():
    """The consent box of the send form (its words come from questions.yaml texts)."""
    label = ContactForm(texts=load(QUESTIONS_YAML).texts).consent.label.text
    assert len(plain(label).split()) < MIN_WORDS or grade(label) <= MAX_GRADE
