"""The FHIR R4 Questionnaire resource, validated with fhir.resources, checked against the YAML."""

from __future__ import annotations

import pytest
import yaml
from fhir.resources.R4B.questionnaire import Questionnaire as FhirQuestionnaire

from screener.export.fhir import resource as fhir
from screener.core.questionnaire import loads
from tests.kit.apps import QUESTIONS


@pytest.fixture(scope="module")
def resource(questionnaire):
    return fhir.questionnaire_resource(questionnaire)


def groups(resource) -> dict:
    return {group["linkId"]: group for group in resource["item"]}


def items(resource) -> dict:
    """Every question item by linkId (display items left out)."""
    return {item["linkId"]: item for group in resource["item"] for item in group["item"]
            if item["type"] != "display"}


def untranslated(coding: dict) -> dict:
    """A Coding without its primitive extensions (``_display``: the translations), as it is
    matched: by system and code, with the same English display."""
    return {key: value for key, value in coding.items() if not key.startswith("_")}


def variant(change) -> object:
    """The real questionnaire with ``change(data)`` applied to its parsed YAML."""
    data = yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))
    change(data)
    return loads(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))


def test_validates_as_an_r4_questionnaire(resource):
    FhirQuestionnaire.model_validate(resource)


def test_metadata_from_the_yaml(resource, questionnaire):
    assert resource["url"] == questionnaire.url
    assert resource["version"] == questionnaire.version
    assert resource["status"] == "active"
    assert resource["title"] == questionnaire.title
    assert resource["name"] == "KetamineScreening"
    assert resource["copyright"] == questionnaire.copyright
    assert "Pfizer" in resource["copyright"]


def test_one_group_per_step_and_one_item_per_question_in_order(resource, questionnaire):
    assert [g["linkId"] for g in resource["item"]] == [s.id for s in questionnaire.steps]
    for step, group in zip(questionnaire.steps, resource["item"]):
        assert group["type"] == "group" and group["text"] == step.title
        questions = [i["linkId"] for i in group["item"] if i["type"] != "display"]
        assert questions == [q.id for q in step.questions]


def test_types_required_and_codes_match_the_yaml(resource, questionnaire):
    by_id = items(resource)
    for question in questionnaire.questions.values():
        item = by_id[question.id]
        assert item["text"] == question.text
        assert item["required"] is question.required
        expected_type = "integer" if question.kind == "scale" else "choice"
        assert item["type"] == expected_type
        assert item.get("repeats", False) is (question.kind == "multi")
        if question.code:
            assert item["code"][0]["system"] == question.code.system
            assert item["code"][0]["code"] == question.code.code
        else:
            assert "code" not in item
    assert by_id["phq9_9"]["code"][0] == {"system": "http://loinc.org", "code": "44260-8"}
    assert groups(resource)["phq9"]["code"][0]["code"] == "44249-1"
    assert groups(resource)["gad7"]["code"][0]["code"] == "69737-5"


def test_phq9_answers_carry_loinc_codes_and_ordinal_values(resource):
    options = items(resource)["phq9_1"]["answerOption"]
    assert [o["valueCoding"]["code"] for o in options] == [
        "LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9"]
    assert all(o["valueCoding"]["system"] == "http://loinc.org" for o in options)
    assert [o["extension"][0] for o in options] == [
        {"url": fhir.ORDINAL_VALUE, "valueDecimal": value} for value in range(4)]


def test_cage_answers_weigh_one_for_the_counted_answer(resource):
    options = {o["valueCoding"]["code"]: o for o in items(resource)["cage_guilty"]["answerOption"]}
    assert options["yes"]["extension"] == [{"url": fhir.ORDINAL_VALUE, "valueDecimal": 1}]
    assert options["no"]["extension"] == [{"url": fhir.ORDINAL_VALUE, "valueDecimal": 0}]


def test_unscored_choices_have_local_codes_and_no_weight(resource, questionnaire):
    options = items(resource)["antidepressants_tried"]["answerOption"]
    system = fhir.answer_system(questionnaire, questionnaire.questions["antidepressants_tried"])
    assert [untranslated(o["valueCoding"]) for o in options][3] == {
        "system": system, "code": "3_or_more", "display": "Three or more"}
    assert not any("extension" in o for o in options)


def test_multi_choice_repeats_and_marks_the_exclusive_option(resource):
    item = items(resource)["diagnoses"]
    assert item["repeats"] is True
    exclusive = [o["valueCoding"]["code"] for o in item["answerOption"]
                 if {"url": fhir.OPTION_EXCLUSIVE, "valueBoolean": True} in o.get("extension", [])]
    assert exclusive == ["none"]
    [help_item] = item["item"]
    assert help_item["type"] == "display" and help_item["text"] == "Choose all that apply."


def test_scale_is_an_integer_with_bounds_and_anchors(resource):
    item = items(resource)["peg_1"]
    extensions = {e["url"]: e for e in item["extension"]}
    assert extensions[fhir.MIN_VALUE]["valueInteger"] == 0
    assert extensions[fhir.MAX_VALUE]["valueInteger"] == 10
    assert "10 = Pain as bad as you can imagine" in extensions[fhir.ENTRY_FORMAT]["valueString"]
    assert "answerOption" not in item


def test_enable_when_maps_every_yaml_condition(resource, questionnaire):
    assert fhir.unmapped_conditions(questionnaire) == []
    by_group = groups(resource)
    for step in questionnaire.steps:
        assert ("enableWhen" in by_group[step.id]) is (step.enable_when is not None)


def test_safety_step_is_asked_of_everyone(resource):
    """1.2.0: the C-SSRS screener has no condition; its follow-ups have theirs."""
    safety = groups(resource)["safety"]
    assert "enableWhen" not in safety
    follow_ups = {item["linkId"]: [(e["question"], e["operator"]) for e in item["enableWhen"]]
                  for item in safety["item"] if "enableWhen" in item}
    assert follow_ups == {
        "cssrs_method": [("cssrs_thoughts", "=")], "cssrs_intent": [("cssrs_thoughts", "=")],
        "cssrs_plan": [("cssrs_thoughts", "=")],
        "suicide_attempt_recent": [("suicide_attempt", "=")]}


@pytest.mark.parametrize("step_id", ["substance", "health"])
def test_adults_only_steps_are_enabled_by_age_yes(resource, step_id):
    [entry] = groups(resource)[step_id]["enableWhen"]
    assert (entry["question"], entry["operator"], entry["answerCoding"]["code"]) == (
        "age_18_plus", "=", "yes")


def test_pain_severity_is_enabled_by_chronic_pain_yes(resource, questionnaire):
    group = groups(resource)["pain_severity"]
    assert "enableBehavior" not in group  # a single condition
    [entry] = group["enableWhen"]
    assert entry["question"] == "chronic_pain" and entry["operator"] == "="
    assert entry["answerCoding"]["code"] == "yes"
    # The enableWhen coding is exactly one of the controlling question's answerOptions.
    assert entry["answerCoding"] in [untranslated(o["valueCoding"])
                                     for o in items(resource)["chronic_pain"]["answerOption"]]


def test_the_safety_step_opens_with_the_crisis_resources(resource, questionnaire):
    first = groups(resource)["safety"]["item"][0]
    assert first["type"] == "display" and first["linkId"] == "safety.crisis_resources"
    for item in questionnaire.crisis_resources:
        assert item.text in first["text"]


def test_instrument_stem_and_notice_are_display_items(resource, questionnaire):
    displays = {i["linkId"]: i["text"] for i in groups(resource)["phq9"]["item"]
                if i["type"] == "display"}
    step = questionnaire.steps_by_id["phq9"]
    assert displays == {"phq9.stem": step.stem, "phq9.notice": step.notice}


def test_all_with_several_question_tests_maps_to_enable_behavior_all():
    def change(data):
        question = data["steps"][1]["questions"][2]  # current_care
        question["enable_when"] = {"all": [
            {"question": "age_18_plus", "operator": "=", "answer": "yes"},
            {"question": "diagnoses", "operator": "!=", "answer": "none"},
            {"question": "antidepressants_tried", "operator": "exists", "answer": True}]}

    questionnaire = variant(change)
    resource = fhir.questionnaire_resource(questionnaire)
    FhirQuestionnaire.model_validate(resource)
    item = items(resource)["current_care"]
    assert item["enableBehavior"] == "all"
    assert [(e["question"], e["operator"]) for e in item["enableWhen"]] == [
        ("age_18_plus", "="), ("diagnoses", "!="), ("antidepressants_tried", "exists")]
    assert item["enableWhen"][2]["answerBoolean"] is True
    assert fhir.unmapped_conditions(questionnaire) == []


def test_scale_comparisons_keep_their_operator():
    def change(data):
        data["steps"][6]["questions"][2]["enable_when"] = {
            "question": "peg_1", "operator": ">", "answer": 3}

    resource = fhir.questionnaire_resource(variant(change))
    assert items(resource)["peg_3"]["enableWhen"] == [
        {"question": "peg_1", "operator": ">", "answerInteger": 3}]


@pytest.mark.parametrize("condition", [
    {"score": "phq9", "operator": ">=", "answer": 5},
    {"all": [{"question": "phq9_1", "operator": ">=", "answer": 2},
             {"question": "phq9_2", "operator": "=", "answer": 1}]},
    {"all": [{"question": "phq9_1", "operator": "=", "answer": 1},
             {"any": [{"question": "phq9_2", "operator": "=", "answer": 1},
                      {"question": "phq9_3", "operator": "=", "answer": 1}]}]},
])
def test_conditions_fhir_cannot_express_are_reported_not_guessed(condition):
    def change(data):
        data["steps"][2]["questions"][9]["enable_when"] = condition  # phq9_difficulty

    questionnaire = variant(change)
    resource = fhir.questionnaire_resource(questionnaire)
    FhirQuestionnaire.model_validate(resource)
    assert "enableWhen" not in items(resource)["phq9_difficulty"]
    assert fhir.unmapped_conditions(questionnaire) == [
        "steps.phq9.questions.phq9_difficulty.enable_when"]


# --- 1.1.0 ---------------------------------------------------------------------------------------

def test_1_1_0_and_1_2_0_items_are_in_their_groups(resource):
    by_group = {group["linkId"]: [i["linkId"] for i in group["item"] if i["type"] != "display"]
                for group in resource["item"]}
    assert by_group["diagnosis"][-2:] == ["prior_ketamine", "psych_hospital_recent"]
    assert by_group["safety"] == ["cssrs_wish_dead", "cssrs_thoughts", "cssrs_method",
                                  "cssrs_intent", "cssrs_plan", "suicide_attempt",
                                  "suicide_attempt_recent"]
    assert by_group["substance"][4:8] == ["taps_alcohol", "taps_drugs", "drugs_cannabis_only",
                                          "taps_rx_misuse"]
    assert by_group["health"][-3:] == ["bladder_symptoms", "breathing_liver", "medications"]


def test_the_past_attempt_follow_up_is_enabled_by_a_yes(resource, questionnaire):
    item = items(resource)["suicide_attempt_recent"]
    yes = fhir.answer_codings(questionnaire, questionnaire.questions["suicide_attempt"])["yes"]
    assert item["enableWhen"] == [
        {"question": "suicide_attempt", "operator": "=", "answerCoding": yes}]
    assert "enableBehavior" not in item and item["required"] is True
    assert [c["code"] for c in item["code"]] == ["93269-9"]
    assert [c["code"] for c in items(resource)["suicide_attempt"]["code"]] == ["93267-3"]


def test_phq9_difficulty_answers_carry_their_loinc_codes(resource):
    options = items(resource)["phq9_difficulty"]["answerOption"]
    assert [(o["valueCoding"]["system"], o["valueCoding"]["code"]) for o in options] == [
        ("http://loinc.org", "LA6572-7"), ("http://loinc.org", "LA6573-5"),
        ("http://loinc.org", "LA6575-0"), ("http://loinc.org", "LA6574-3")]


def test_medications_none_is_an_exclusive_option(resource):
    item = items(resource)["medications"]
    assert item["repeats"] is True
    exclusive = [o["valueCoding"]["code"] for o in item["answerOption"]
                 if {"url": fhir.OPTION_EXCLUSIVE, "valueBoolean": True} in o.get("extension", [])]
    assert exclusive == ["none"]
