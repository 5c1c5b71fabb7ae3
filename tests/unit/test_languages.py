"""core/languages.py: what staff are told of a submission's language (issue 27)."""

from __future__ import annotations

from types import SimpleNamespace

from screener.core import languages, rules
from screener.core.questionnaire import loads
from screener.storage.submissions import assessment_record
from tests.kit.apps import QUESTIONS
from tests.helpers import baseline, phq9


def test_only_a_translated_language_has_unvalidated_items(questionnaire):
    spanish = languages.unvalidated_items(questionnaire, "es")
    assert {"gad7_1", "cssrs_plan", "gad7", "substance"} <= spanish  # questions and steps
    assert not spanish & {"phq9_1", "phq9_9", "age_18_plus"}  # the publisher's PHQ-9
    for language in ("en", None, "fr"):
        assert languages.unvalidated_items(questionnaire, language) == frozenset()


def test_a_version_without_its_translation_does_not_know_what_was_read():
    english_only = loads(QUESTIONS.read_text(encoding="utf-8"))  # as a stored text loads
    assert languages.unvalidated_items(english_only, "es") == frozenset()
    assert not languages.translation_known(english_only, "es")
    assert languages.translation_known(english_only, "en")
    assert languages.translation_known(english_only, None)


def test_reasons_are_read_in_english_whatever_language_stored_them(questionnaire):
    answers = baseline(**phq9(2, 2, 2, 2, 2, 0, 0, 0, 1), cssrs_thoughts="yes",
                       cssrs_plan="yes")
    english = assessment_record(rules.evaluate(questionnaire, answers))["rules"]
    spanish = assessment_record(rules.evaluate(questionnaire.localized("es"), answers))["rules"]
    assert spanish != english and [r["id"] for r in spanish] == [r["id"] for r in english]
    assert languages.rules_in_source_language(questionnaire, spanish) == english
    # A rule this version does not know keeps the reason it was stored with.
    gone = [{"id": "retired_rule", "outcome": None, "flag": None, "reason": "Kept as stored."}]
    assert languages.rules_in_source_language(questionnaire, gone) == gone
    assert languages.rules_in_source_language(questionnaire, None) == []


def test_a_row_without_a_language_yet_reads_english():
    assert languages.language_of(SimpleNamespace(language=None)) == "en"
    assert languages.language_of(SimpleNamespace(language="es")) == "es"
