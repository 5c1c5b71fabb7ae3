"""The FHIR Questionnaire carries the Spanish words with the translation extension (issue 27):
English stays the resource's language; a Spanish reader's system finds each item's Spanish on
its ``_text`` (http://hl7.org/fhir/StructureDefinition/translation, lang es)."""

from __future__ import annotations

import pytest
from fhir.resources.R4B.questionnaire import Questionnaire as FhirQuestionnaire

from screener.core.questionnaire import load
from screener.export.fhir import resource as fhir
from screener.export.fhir.resource import answer_codings
from tests.kit.apps import QUESTIONS
from tests.unit.test_fhir_questionnaire import groups, items, untranslated


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


def test_every_choice_carries_the_label_the_spanish_patient_read(resource, questionnaire):
    """Each answer option's Spanish label is a translation of its Coding's display, LOINC
    answers included (PHQ-9's "Ningún día"); system, code and English display are unchanged, so
    responses and enableWhen still match it by system and code."""
    es = questionnaire.localized("es")
    for link_id, item in items(resource).items():
        question, spanish_question = questionnaire.questions[link_id], es.questions[link_id]
        options = item.get("answerOption", [])
        assert len(options) == len(question.choices)
        for option, choice, translated in zip(options, question.choices,
                                              spanish_question.choices):
            coding = option["valueCoding"]
            assert untranslated(coding) == answer_codings(questionnaire, question)[choice.value]
            expected = [] if translated.label == coding["display"] else [translated.label]
            assert spanish(coding, "display") == expected, (link_id, choice.value)
    phq9_1 = items(resource)["phq9_1"]["answerOption"]
    assert [spanish(o["valueCoding"], "display") for o in phq9_1] == [
        ["Ningún día"], ["Varios días"], ["Más de la mitad de los días"], ["Casi todos los días"]]
    assert phq9_1[0]["valueCoding"]["system"] == "http://loinc.org"
    assert spanish(items(resource)["age_18_plus"]["answerOption"][0]["valueCoding"],
                   "display") == ["Sí"]


def test_the_parsed_resource_keeps_the_choice_translations(resource):
    """fhir.resources reads the ``_display`` extension as the Coding's (not dropped)."""
    parsed = FhirQuestionnaire.model_validate(resource)
    safety = next(group for group in parsed.item if group.linkId == "safety")
    question = next(item for item in safety.item if item.linkId == "cssrs_wish_dead")
    coding = question.answerOption[0].valueCoding
    assert coding.display == "Yes"
    [extension] = coding.display__ext.extension
    assert extension.url == fhir.TRANSLATION
    assert [part.valueCode or part.valueString for part in extension.extension] == ["es", "Sí"]


def test_an_old_version_has_no_translations():
    old = fhir.questionnaire_resource(load(QUESTIONS.parent / "screener" / "data" /
                                           "questionnaire-1.1.0.yaml"))
    assert "_title" not in old and not any("_text" in group for group in old["item"])
