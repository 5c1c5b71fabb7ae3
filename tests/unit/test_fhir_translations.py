"""The FHIR Questionnaire carries the Spanish words with the translation extension (issue 27):
English stays the resource's language; a Spanish reader's system finds each item's Spanish on
its ``_text`` (http://hl7.org/fhir/StructureDefinition/translation, lang es)."""

from __future__ import annotations

import pytest
from fhir.resources.R4B.questionnaire import Questionnaire as FhirQuestionnaire

from screener.core.questionnaire import load
from screener.export.fhir import resource as fhir
from tests.kit.apps import QUESTIONS
from tests.unit.test_fhir_questionnaire import groups, items


@pytest.fixture(scope="module")
def resource(questionnaire):
    return fhir.questionnaire_resource(questionnaire)


def spanish(element: dict, key: str = "text") -> list[str]:
    """The Spanish translations of ``element[key]``."""
    found = []
    for extension in element.get(f"_{key}", {}).get("extension", []):
        assert extension["url"] == fhir.TRANSLATION
        parts = {part["url"]: part for part in extension["extension"]}
        if parts["lang"]["valueCode"] == "es":
            found.append(parts["content"]["valueString"])
    return found


def test_still_validates_as_an_r4_questionnaire(resource):
    FhirQuestionnaire.model_validate(resource)


def test_english_is_the_language_and_spanish_the_translation(resource, questionnaire):
    assert resource["language"] == "en"
    assert resource["title"] == questionnaire.title
    assert spanish(resource, "title") == [questionnaire.localized("es").title]


def test_every_question_carries_its_spanish_text(resource, questionnaire):
    es = questionnaire.localized("es")
    for link_id, item in items(resource).items():
        assert item["text"] == questionnaire.questions[link_id].text
        assert spanish(item) == [es.questions[link_id].text], link_id
    assert spanish(items(resource)["phq9_1"]) == ["Poco interés o placer en hacer cosas"]


def test_groups_displays_and_help_are_translated(resource, questionnaire):
    es = questionnaire.localized("es")
    assert spanish(groups(resource)["safety"]) == [es.steps_by_id["safety"].title]
    help_item = items(resource)["suicide_attempt"]["item"][0]
    assert spanish(help_item) == [es.questions["suicide_attempt"].help]
    stem = next(i for i in groups(resource)["phq9"]["item"] if i["linkId"] == "phq9.stem")
    assert spanish(stem) == [es.steps_by_id["phq9"].stem]


def test_answer_codings_are_unchanged(resource):
    """A Coding is compared whole (responses, enableWhen): no translation is added to it."""
    for item in items(resource).values():
        for option in item.get("answerOption", []):
            assert "_display" not in option["valueCoding"]


def test_an_old_version_has_no_translations():
    old = fhir.questionnaire_resource(load(QUESTIONS.parent / "screener" / "data" /
                                           "questionnaire-1.1.0.yaml"))
    assert "_title" not in old and not any("_text" in group for group in old["item"])
