"""A submission's language as staff and exports read it (issue 27). Pure Python.

Staff read every question, answer and reason in the questionnaire's own language (English),
whatever language the patient screened in; what they need besides is the patient's language and
which items the patient read in a translation not yet validated (``translation: unvalidated``
in ``questions.es.yaml``, docs/clinical.md "Spanish translations").
"""

from __future__ import annotations

from typing import Any, Mapping

from screener.core.questionnaire import Questionnaire

SOURCE_LANGUAGE = "en"  # questions.yaml's; a row stored before the column existed reads "en"


def language_of(screening: Any) -> str:
    """The language code a submission (a row with the ``screenings`` columns) was answered
    in: ``language_code`` of its ``language``."""
    return language_code(screening.language)


def language_code(stored: str | None) -> str:
    """A stored ``screenings.language``, or the source language for a row not yet flushed
    (the column's default is the server's)."""
    return stored or SOURCE_LANGUAGE


def unvalidated_items(questionnaire: Questionnaire, language: str | None) -> frozenset[str]:
    """The step and question ids a patient reading ``language`` saw in a translation not yet
    validated: nothing in the source language, or under a version without that translation."""
    translation = questionnaire.translations.get(language or SOURCE_LANGUAGE)
    return translation.unvalidated if translation is not None else frozenset()


def rules_in_source_language(questionnaire: Questionnaire,
                             stored: list[Mapping[str, Any]] | None) -> list[dict[str, Any]]:
    """A stored assessment's matched rules with each reason in the questionnaire's own words
    (a submission evaluated under a translated view keeps its reasons in that language); a rule
    the questionnaire does not know keeps the reason it was stored with."""
    reasons = {rule.id: rule.reason for rule in questionnaire.localized(SOURCE_LANGUAGE).rules}
    return [{**rule, "reason": reasons.get(rule.get("id"), rule.get("reason"))}
            for rule in stored or ()]


def translation_known(questionnaire: Questionnaire, language: str | None) -> bool:
    """Whether ``questionnaire`` knows what a patient reading ``language`` read. A stored older
    version is kept as its English text only (``storage/versions.py``): its translation, and so
    which items were unvalidated, is not known: no mark then must not read as "all validated"."""
    code = language or SOURCE_LANGUAGE
    return code == SOURCE_LANGUAGE or code in questionnaire.translations


def staff_context(questionnaire: Questionnaire, screening: Any) -> dict[str, Any]:
    """What a staff page (detail, printable summary) shows of a submission's language:
    ``language`` (its code), ``unvalidated`` (``unvalidated_items``), ``translation_known``
    and ``matched_rules`` (the stored rules, reasons in English). ``questionnaire`` is the one
    it was answered under."""
    language = language_of(screening)
    return {"language": language,
            "unvalidated": unvalidated_items(questionnaire, language),
            "translation_known": translation_known(questionnaire, language),
            "matched_rules": rules_in_source_language(
                questionnaire, (screening.assessment or {}).get("rules"))}
