"""Every Spanish patient text outside the instruments reads at Fernández-Huerta 70 or more
(about US grade 8; issue 27), graded like the English in test_plain_language.py.

Fernández-Huerta as textstat 0.7.3 computes it with Spanish syllables (its own instance, so the
English grade tests keep English syllables), words in brackets left out, for texts of 12 words or
more. Instrument items keep their published (or, when unvalidated, closely translated) wording
and are not graded, as in English.
"""

from __future__ import annotations

import pytest
from textstat.textstat import textstatistics

from screener.core.questionnaire import load
from tests.unit.test_plain_language import MIN_WORDS, QUESTIONS_YAML, patient_texts, plain

MIN_SCORE = 70.0
_SPANISH = textstatistics()
_SPANISH.set_lang("es")


def spanish_graded(q) -> list[tuple[str, str]]:
    """The Spanish view's patient texts long enough to grade."""
    return [(where, text) for where, text in patient_texts(q.localized("es"))
            if len(plain(text).split()) >= MIN_WORDS]


def score(text: str) -> float:
    return _SPANISH.fernandez_huerta(plain(text))


def test_the_score_check_can_fail():
    """A long, technical Spanish sentence scores below the line."""
    hard = ("¿Alguna vez le han diagnosticado esquizofrenia u otro trastorno psicótico, o ha "
            "experimentado alucinaciones o delirios no atribuibles a sustancias psicoactivas?")
    assert score(hard) < MIN_SCORE


def test_spanish_syllables_do_not_change_the_english_grade():
    """The Spanish instance leaves textstat's shared (English) instance alone."""
    import textstat
    english = "Have you had pain on most days for the last 3 months or more?"
    before = textstat.flesch_kincaid_grade(english)
    score("Esta evaluación no es para emergencias, y nadie la revisa a toda hora.")
    assert textstat.flesch_kincaid_grade(english) == before


def test_covers_the_spanish_texts(questionnaire):
    where = {w for w, _ in spanish_graded(questionnaire)}
    assert {"outcomes.safety_review.explanation", "steps.safety.crisis_page_text",
            "texts.privacy", "texts.sent_next_steps", "rules.sedation_risk.reason",
            "crisis_resources.items[1]", "helplines[0]"} <= where
    # instrument items (validated or not) are left out, as in English
    assert not {"steps.phq9.phq9_9", "steps.safety.cssrs_plan", "steps.substance.taps_drugs",
                "steps.substance.intro", "steps.safety.suicide_attempt.help"} & where
    assert len(where) >= 60


@pytest.mark.parametrize("where_text", [
    pytest.param(item, id=item[0]) for item in spanish_graded(load(QUESTIONS_YAML))
])
def test_spanish_text_reads_at_fernandez_huerta_70_or_more(where_text):
    where, text = where_text
    assert score(text) >= MIN_SCORE, f"{where} scores {score(text):.1f}: {text}"
