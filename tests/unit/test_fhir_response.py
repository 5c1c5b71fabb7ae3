"""QuestionnaireResponse, score Observations, Patient and Bundle, validated with fhir.resources."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone
from types import SimpleNamespace

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from screener.export.fhir import resource as fhir, response as fhir_response
from screener.core import rules
from screener.storage.submissions import assessment_record
from tests.helpers import baseline, gad7, phq9
from tests.unit.test_fhir_questionnaire import untranslated

SUBMITTED = datetime(2026, 3, 4, 5, 6, 7, tzinfo=timezone.utc)
MODELS = {"QuestionnaireResponse": QuestionnaireResponse, "Observation": Observation,
          "Patient": Patient}


def record(questionnaire, answers, **contact):
    fields = dict(contact_name="Alex Example", contact_email="alex@example.com",
                  contact_phone="+1 555 0100", contact_method="text")
    fields.update(contact)
    return SimpleNamespace(
        id=uuid.uuid4(), submitted_at=SUBMITTED, answers=answers, language="en",
        assessment=assessment_record(rules.evaluate(questionnaire, answers)), **fields)


def validate_bundle(document) -> dict[str, list[dict]]:
    """Validate the Bundle and each resource in it; resources by type."""
    Bundle.model_validate(document)
    found: dict[str, list[dict]] = {}
    for entry in document["entry"]:
        resource = entry["resource"]
        MODELS[resource["resourceType"]].model_validate(resource)
        assert entry["fullUrl"] == f"urn:uuid:{resource['id']}"
        found.setdefault(resource["resourceType"], []).append(resource)
    return found


def answers_by_link(response) -> dict[str, list[dict]]:
    return {item["linkId"]: item["answer"] for group in response["item"] for item in group["item"]}


@pytest.fixture
def crisis_record(questionnaire):
    answers = baseline(**phq9(2, 2, 2, 2, 2, 0, 0, 0, 1), **gad7(3, 3, 2, 2, 0, 0, 0),
                       diagnoses=["depression", "anxiety"], chronic_pain="yes",
                       peg_1=4, peg_2=4, peg_3=3, cage_cut_down="yes")
    return record(questionnaire, answers)


def test_deidentified_bundle_validates_and_holds_no_contact_details(questionnaire, crisis_record):
    document = fhir_response.bundle(questionnaire, crisis_record, timestamp=SUBMITTED)
    assert document["type"] == "collection" and document["timestamp"] == "2026-03-04T05:06:07Z"
    found = validate_bundle(document)
    assert set(found) == {"QuestionnaireResponse", "Observation"}
    text = json.dumps(document)
    for secret in ("Alex", "alex@example.com", "555 0100"):
        assert secret not in text
    assert all("subject" not in r for rs in found.values() for r in rs)


def test_response_points_at_the_versioned_questionnaire(questionnaire, crisis_record):
    found = validate_bundle(fhir_response.bundle(questionnaire, crisis_record))
    [response] = found["QuestionnaireResponse"]
    assert response["questionnaire"] == f"{questionnaire.url}|{questionnaire.version}"
    assert response["status"] == "completed"
    assert response["authored"] == "2026-03-04T05:06:07Z"
    assert response["id"] == str(crisis_record.id)
    assert response["identifier"]["value"] == f"urn:uuid:{crisis_record.id}"


def test_answers_by_link_id_nested_in_step_groups(questionnaire, crisis_record):
    [response] = validate_bundle(fhir_response.bundle(
        questionnaire, crisis_record))["QuestionnaireResponse"]
    step_of = {q.id: q.step_id for q in questionnaire.questions.values()}
    for group in response["item"]:
        assert all(step_of[item["linkId"]] == group["linkId"] for item in group["item"])
    answers = answers_by_link(response)
    assert answers["phq9_9"] == [{"valueCoding": {
        "system": "http://loinc.org", "code": "LA6569-3", "display": "Several days"}}]
    assert answers["peg_3"] == [{"valueInteger": 3}]
    assert [a["valueCoding"]["code"] for a in answers["diagnoses"]] == ["depression", "anxiety"]
    assert answers["cssrs_wish_dead"][0]["valueCoding"]["code"] == "no"


def test_every_answer_is_one_of_the_questionnaires_options(questionnaire, crisis_record):
    """The response and the Questionnaire resource agree on linkIds and codings."""
    resource = fhir.questionnaire_resource(questionnaire)
    options = {item["linkId"]: item for group in resource["item"] for item in group["item"]}
    [response] = validate_bundle(fhir_response.bundle(
        questionnaire, crisis_record))["QuestionnaireResponse"]
    for link_id, answers in answers_by_link(response).items():
        item = options[link_id]
        for answer in answers:
            if item["type"] == "choice":
                assert answer["valueCoding"] in [untranslated(o["valueCoding"])
                                                 for o in item["answerOption"]]
            else:
                assert item["type"] == "integer" and "valueInteger" in answer


def test_the_response_carries_the_language_the_patient_answered_in(questionnaire,
                                                                  crisis_record):
    """Resource.language is the patient's ("es" for a Spanish screening); the answers and
    texts stay the questionnaire's own (English), exactly as for the same answers in English."""
    english = validate_bundle(fhir_response.bundle(questionnaire, crisis_record))
    crisis_record.language = "es"
    spanish = validate_bundle(fhir_response.bundle(questionnaire, crisis_record))
    [en_response] = english["QuestionnaireResponse"]
    [es_response] = spanish["QuestionnaireResponse"]
    assert (en_response["language"], es_response["language"]) == ("en", "es")
    assert QuestionnaireResponse.model_validate(es_response).language == "es"
    assert {**es_response, "language": "en"} == en_response
    assert es_response["item"][0]["text"] == questionnaire.steps[0].title
    assert spanish["Observation"] == english["Observation"]


def test_answers_skip_logic_disabled_are_left_out(questionnaire):
    answers = baseline(chronic_pain="no", peg_1=9, peg_2=9, peg_3=9, self_harm_plan="yes")
    [response] = validate_bundle(fhir_response.bundle(
        questionnaire, record(questionnaire, answers)))["QuestionnaireResponse"]
    linked = answers_by_link(response)
    assert not {"peg_1", "peg_2", "peg_3", "self_harm_plan"} & set(linked)
    assert "pain_severity" not in [group["linkId"] for group in response["item"]]
    assert "phq9_difficulty" not in linked  # optional and unanswered


def test_score_observations(questionnaire, crisis_record):
    found = validate_bundle(fhir_response.bundle(questionnaire, crisis_record))
    [response] = found["QuestionnaireResponse"]
    by_code = {o["code"]["coding"][0]["code"]: o for o in found["Observation"]}
    assert set(by_code) == {s.code.code for s in questionnaire.scores}
    phq = by_code["44261-6"]
    assert phq["valueInteger"] == 11 and phq["interpretation"] == [{"text": "Moderate"}]
    assert phq["status"] == "final"
    assert phq["category"][0]["coding"][0]["code"] == "survey"
    assert phq["effectiveDateTime"] == response["authored"]
    assert by_code["70274-6"]["valueInteger"] == 10
    peg = by_code["peg-total"]["valueQuantity"]
    assert peg["value"] == pytest.approx(11 / 3) and peg["code"] == "{score}"
    assert "interpretation" not in by_code["peg-total"]  # PEG has no bands
    assert by_code["cage-aid-total"]["valueInteger"] == 1
    assert by_code["cage-aid-total"]["code"]["coding"][0]["system"] == (
        questionnaire.scores_by_id["cage_aid"].code.system)
    for observation in found["Observation"]:
        assert observation["derivedFrom"] == [{"reference": f"urn:uuid:{response['id']}"}]


def test_no_observation_for_a_score_that_does_not_exist(questionnaire):
    found = validate_bundle(fhir_response.bundle(questionnaire, record(questionnaire, baseline())))
    codes = {o["code"]["coding"][0]["code"] for o in found["Observation"]}
    assert "peg-total" not in codes and "44261-6" in codes


def test_identified_bundle_adds_a_patient_referenced_as_subject(questionnaire, crisis_record):
    found = validate_bundle(fhir_response.bundle(questionnaire, crisis_record, identified=True))
    [patient] = found["Patient"]
    assert patient["name"] == [{"text": "Alex Example"}]
    assert {"system": "email", "value": "alex@example.com"} in patient["telecom"]
    assert {"system": "sms", "value": "+1 555 0100", "rank": 1} in patient["telecom"]
    subject = {"reference": f"urn:uuid:{patient['id']}"}
    assert found["QuestionnaireResponse"][0]["subject"] == subject
    assert all(o["subject"] == subject for o in found["Observation"])


def test_resource_ids_are_stable_across_exports(questionnaire, crisis_record):
    first = fhir_response.bundle(questionnaire, crisis_record, identified=True)
    second = fhir_response.bundle(questionnaire, crisis_record, identified=True)
    assert [e["fullUrl"] for e in first["entry"]] == [e["fullUrl"] for e in second["entry"]]


def test_ndjson_lines_use_relative_references(questionnaire, crisis_record):
    builder = fhir_response.ResponseBuilder(questionnaire)
    lines = list(fhir_response.ndjson_lines(builder.resources(crisis_record, identified=True)))
    assert all(line.endswith("\n") and line.count("\n") == 1 for line in lines)
    resources = [json.loads(line) for line in lines]
    assert [r["resourceType"] for r in resources] == ["Patient", "QuestionnaireResponse"] + [
        "Observation"] * 4
    for resource in resources:
        MODELS[resource["resourceType"]].model_validate(resource)
    response = resources[1]
    assert response["subject"] == {"reference": f"Patient/{resources[0]['id']}"}
    assert resources[2]["derivedFrom"] == [{"reference": f"QuestionnaireResponse/{response['id']}"}]


def test_a_stored_value_the_questionnaire_does_not_know_is_kept_visibly(questionnaire):
    builder = fhir_response.ResponseBuilder(questionnaire)
    answer = builder.answer(questionnaire.questions["age_18_plus"], "maybe")
    assert answer == {"valueString": "maybe"}
