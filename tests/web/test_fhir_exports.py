"""FHIR over HTTP: the public Questionnaire, one submission as a Bundle, bulk NDJSON."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from sqlalchemy import select

from screener.extensions import db
from screener.storage.models import AuditEvent
from tests.factories import make_submission
from tests.helpers import baseline, phq9

MODELS = {"QuestionnaireResponse": QuestionnaireResponse, "Observation": Observation,
          "Patient": Patient}


def export_events(app) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "export").order_by(AuditEvent.id)))


@pytest.fixture
def sent(app):
    with app.app_context():
        screening = make_submission(baseline(**phq9(2, 2, 2, 2, 2, 0, 0, 0, 1),
                                             cssrs_thoughts="yes", cssrs_plan="yes"),
                                    name="Alex Example", email="alex@example.com",
                                    phone="+1 555 0100")
        return type("Sent", (), {"id": screening.id})


# --- the public Questionnaire -----------------------------------------------------------------

def test_questionnaire_is_public_fhir_json(client, questionnaire):
    response = client.get(f"/fhir/Questionnaire/{questionnaire.id}")
    assert response.status_code == 200
    assert response.mimetype == "application/fhir+json"
    resource = response.get_json(force=True)
    Questionnaire.model_validate(resource)
    assert resource["url"] == questionnaire.url and resource["version"] == questionnaire.version


def items_of(resource: dict) -> dict[str, dict]:
    """Every item of a Questionnaire (groups and questions) by linkId."""
    found = {}

    def walk(items):
        for item in items:
            found[item["linkId"]] = item
            walk(item.get("item", []))

    walk(resource["item"])
    return found


def coding_of(entry: dict) -> tuple[str, str]:
    return entry["answerCoding"]["system"].rsplit("/", 1)[-1], entry["answerCoding"]["code"]


def test_the_1_2_0_items_and_their_enable_when(client, questionnaire):
    """The safety step's follow-ups are shown when their parent is yes; the substance and health
    steps only when age_18_plus is yes; drugs_cannabis_only only after some drug use."""
    resource = client.get(f"/fhir/Questionnaire/{questionnaire.id}").get_json(force=True)
    items = items_of(resource)
    for question_id in ("cssrs_wish_dead", "cssrs_thoughts", "cssrs_method", "cssrs_intent",
                        "cssrs_plan", "suicide_attempt", "suicide_attempt_recent",
                        "taps_alcohol", "taps_drugs", "drugs_cannabis_only", "taps_rx_misuse",
                        "nonmedical_ketamine"):
        assert items[question_id]["text"] == questionnaire.questions[question_id].text
    for retired in ("self_harm_plan", "heavy_drinking_past_year", "drug_use_past_year",
                    "ketamine_nonmedical"):
        assert retired not in items
    assert "enableWhen" not in items["safety"]  # asked of everyone
    assert "enableWhen" not in items["cssrs_wish_dead"] and "enableWhen" not in items[
        "suicide_attempt"]
    for follow_up, parent in (("cssrs_method", "cssrs_thoughts"), ("cssrs_intent",
                              "cssrs_thoughts"), ("cssrs_plan", "cssrs_thoughts"),
                              ("suicide_attempt_recent", "suicide_attempt")):
        [entry] = items[follow_up]["enableWhen"]
        assert entry["question"] == parent and entry["operator"] == "="
        assert coding_of(entry)[1] == "yes"
    for step in ("substance", "health"):
        [entry] = items[step]["enableWhen"]
        assert entry["question"] == "age_18_plus" and coding_of(entry)[1] == "yes"
    [entry] = items["drugs_cannabis_only"]["enableWhen"]
    assert (entry["question"], entry["operator"], coding_of(entry)[1]) == (
        "taps_drugs", "!=", "never")
    medications = {option["valueCoding"]["code"]
                   for option in items["medications"]["answerOption"]}
    assert "other_sedative" in medications


def test_loinc_codes_only_where_cited(client, questionnaire):
    """suicide_attempt(_recent) keep their LOINC codes; the new C-SSRS and TAPS-1 items carry
    none (no code was checked against a source: left out rather than guessed)."""
    resource = client.get(f"/fhir/Questionnaire/{questionnaire.id}").get_json(force=True)
    items = items_of(resource)
    assert items["suicide_attempt"]["code"] == [{"system": "http://loinc.org", "code": "93267-3"}]
    assert items["suicide_attempt_recent"]["code"] == [
        {"system": "http://loinc.org", "code": "93269-9"}]
    for question_id in ("cssrs_wish_dead", "cssrs_thoughts", "cssrs_method", "cssrs_intent",
                        "cssrs_plan", "taps_alcohol", "taps_drugs", "drugs_cannabis_only",
                        "taps_rx_misuse", "nonmedical_ketamine"):
        assert "code" not in items[question_id], question_id


def test_a_1_2_0_response_answers_only_items_of_its_questionnaire(app, client, login_as, sent,
                                                                  questionnaire):
    login_as("clinician")
    document = client.get(f"/staff/submissions/{sent.id}/fhir").get_json(force=True)
    Bundle.model_validate(document)
    (response,) = [e["resource"] for e in document["entry"]
                   if e["resource"]["resourceType"] == "QuestionnaireResponse"]
    answers = {item["linkId"]: item["answer"] for group in response["item"]
               for item in group.get("item", [])}
    assert answers["cssrs_plan"][0]["valueCoding"]["code"] == "yes"
    assert answers["cssrs_method"][0]["valueCoding"]["code"] == "no"
    assert "drugs_cannabis_only" not in answers  # not asked: taps_drugs is never


def test_questionnaire_is_cacheable_by_etag(client, questionnaire):
    first = client.get(f"/fhir/Questionnaire/{questionnaire.id}")
    again = client.get(f"/fhir/Questionnaire/{questionnaire.id}",
                       headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


@pytest.mark.parametrize("other", ["phq9", "KETAMINE-SCREENING", "x" * 300])
def test_other_questionnaire_ids_are_a_fhir_404(client, other):
    response = client.get(f"/fhir/Questionnaire/{other}")
    assert response.status_code == 404
    assert response.mimetype == "application/fhir+json"
    outcome = response.get_json(force=True)
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["code"] == "not-found"


@pytest.mark.parametrize("method,path,status,issue", [
    ("GET", "/fhir/Patient/1", 404, "not-found"),
    ("GET", "/fhir/", 404, "not-found"),
    ("DELETE", "/fhir/Questionnaire/ketamine-screening", 405, "not-supported"),
])
def test_every_fhir_error_is_an_operation_outcome(client, method, path, status, issue):
    from fhir.resources.R4B.operationoutcome import OperationOutcome

    response = client.open(path, method=method)
    assert response.status_code == status
    assert response.mimetype == "application/fhir+json"
    outcome = OperationOutcome.model_validate(response.get_json(force=True))
    assert outcome.issue[0].code == issue and outcome.issue[0].severity == "error"
    assert outcome.issue[0].diagnostics


# --- one submission ---------------------------------------------------------------------------

def test_submission_bundle_is_deidentified_by_default(app, client, login_as, sent):
    user = login_as("clinician")
    response = client.get(f"/staff/submissions/{sent.id}/fhir")
    assert response.status_code == 200
    assert response.mimetype == "application/fhir+json"
    document = response.get_json(force=True)
    Bundle.model_validate(document)
    types = [e["resource"]["resourceType"] for e in document["entry"]]
    assert types == ["QuestionnaireResponse"] + ["Observation"] * 3
    for entry in document["entry"]:
        MODELS[entry["resource"]["resourceType"]].model_validate(entry["resource"])
    body = response.get_data(as_text=True)
    assert "Alex" not in body and "alex@example.com" not in body and "555 0100" not in body
    [event] = export_events(app)
    assert event.screening_id == sent.id and event.actor_id == user.id
    assert event.detail == {"format": "fhir", "rows": 1, "identified": False}


def test_identified_bundle_adds_the_patient_and_is_audited_as_such(app, client, login_as, sent):
    login_as("admin")
    document = client.get(f"/staff/submissions/{sent.id}/fhir?identified=1").get_json(force=True)
    Bundle.model_validate(document)
    [patient] = [e["resource"] for e in document["entry"]
                 if e["resource"]["resourceType"] == "Patient"]
    Patient.model_validate(patient)
    assert patient["name"] == [{"text": "Alex Example"}]
    response = next(e["resource"] for e in document["entry"]
                    if e["resource"]["resourceType"] == "QuestionnaireResponse")
    assert response["subject"]["reference"] == f"urn:uuid:{patient['id']}"
    assert export_events(app)[0].detail["identified"] is True


def test_bad_identified_value_is_a_400(client, login_as, sent):
    login_as("clinician")
    assert client.get(f"/staff/submissions/{sent.id}/fhir?identified=please").status_code == 400


# --- bulk NDJSON ------------------------------------------------------------------------------

def resources(response) -> list[dict]:
    text = response.get_data(as_text=True)
    assert text == "" or text.endswith("\n")
    return [json.loads(line) for line in text.splitlines()]


def test_ndjson_is_one_valid_resource_per_line(app, client, login_as, sent):
    with app.app_context():
        other = make_submission(baseline(chronic_pain="yes", peg_1=5, peg_2=5, peg_3=5)).id
        make_submission(status="draft", submitted_at=None, consent_at=None)
    login_as("clinician")
    response = client.get("/staff/export.ndjson")
    assert response.status_code == 200
    assert response.mimetype == "application/fhir+ndjson"
    assert response.is_streamed
    found = resources(response)
    for resource in found:
        MODELS[resource["resourceType"]].model_validate(resource)
    responses = [r for r in found if r["resourceType"] == "QuestionnaireResponse"]
    assert [r["id"] for r in responses] == [str(sent.id), str(other)]
    assert sum(r["resourceType"] == "Observation" for r in found) == 3 + 4
    assert not any(r["resourceType"] == "Patient" for r in found)
    assert "Alex" not in response.get_data(as_text=True)
    references = {o["derivedFrom"][0]["reference"] for o in found
                  if o["resourceType"] == "Observation"}
    assert references == {f"QuestionnaireResponse/{sent.id}", f"QuestionnaireResponse/{other}"}


def test_a_spanish_submission_is_a_response_in_spanish_in_the_bundle_and_ndjson(
        app, client, login_as, sent, questionnaire):
    """QuestionnaireResponse.language is the language the patient answered in, in the one
    submission's Bundle and in bulk NDJSON alike; the English one says "en"."""
    with app.app_context():
        spanish = make_submission(baseline(), name="Inés Ejemplo", language="es").id
    login_as("clinician")
    document = client.get(f"/staff/submissions/{spanish}/fhir").get_json(force=True)
    [response] = [e["resource"] for e in document["entry"]
                  if e["resource"]["resourceType"] == "QuestionnaireResponse"]
    assert QuestionnaireResponse.model_validate(response).language == "es"
    # The texts stay the questionnaire's own English (the Questionnaire holds the Spanish).
    assert response["item"][0]["text"] == questionnaire.steps[0].title
    bulk = [r for r in resources(client.get("/staff/export.ndjson"))
            if r["resourceType"] == "QuestionnaireResponse"]
    assert {r["id"]: r["language"] for r in bulk} == {str(sent.id): "en", str(spanish): "es"}


def test_ndjson_filters_identified_and_audit(app, client, login_as, sent):
    with app.app_context():
        make_submission(baseline())  # not a crisis
    login_as("clinician")
    found = resources(client.get("/staff/export.ndjson?outcome=crisis&identified=1"))
    assert [r["resourceType"] for r in found][:2] == ["Patient", "QuestionnaireResponse"]
    assert sum(r["resourceType"] == "QuestionnaireResponse" for r in found) == 1
    [event] = export_events(app)
    assert event.detail == {"format": "fhir-ndjson", "rows": 1, "identified": True,
                            "filters": {"outcome": ["crisis"]}}


def test_ndjson_with_no_submissions_is_empty(client, login_as):
    login_as("clinician")
    response = client.get("/staff/export.ndjson")
    assert response.status_code == 200 and response.data == b""


def test_ndjson_bad_filter_is_a_400(client, login_as):
    login_as("clinician")
    response = client.get("/staff/export.ndjson?flag=nope")
    assert response.status_code == 400


# --- questionnaire versions by FHIR search ------------------------------------------------------

def store_older_version(app) -> str:
    """Store questions.yaml as it might have read before: version 0.9.0, one question reworded."""
    from screener.storage.models import QuestionnaireVersion

    source = Path(app.config["QUESTIONNAIRE_PATH"]).read_text(encoding="utf-8")
    old = source.replace("version: 1.2.0", "version: 0.9.0", 1).replace(
        "Are you 18 years of age or older?", "Are you an adult (at least eighteen)?")
    sha = hashlib.sha256(old.encode()).hexdigest()
    with app.app_context():
        db.session.add(QuestionnaireVersion(sha256=sha, questionnaire_id="ketamine-screening",
                                            version="0.9.0", source=old))
        db.session.commit()
    return sha


def searchset(client, query: str) -> list[dict]:
    response = client.get("/fhir/Questionnaire" + query)
    assert response.status_code == 200 and response.mimetype == "application/fhir+json"
    bundle = response.get_json(force=True)
    Bundle.model_validate(bundle)
    assert bundle["type"] == "searchset" and bundle["total"] == len(bundle.get("entry", []))
    return [entry["resource"] for entry in bundle.get("entry", [])]


def test_an_older_questionnaire_version_is_found_by_its_canonical(app, client, questionnaire):
    """A QuestionnaireResponse answered under 0.9.0 points at url|0.9.0: a FHIR client must be
    able to fetch that text after questions.yaml moved on (no login: it holds no patient data)."""
    store_older_version(app)
    current = client.get(f"/fhir/Questionnaire/{questionnaire.id}").get_json(force=True)
    url = current["url"]
    (old,) = searchset(client, f"?url={url}&version=0.9.0")
    Questionnaire.model_validate(old)
    assert old["version"] == "0.9.0" and old["meta"]["versionId"]
    assert "Are you an adult (at least eighteen)?" in json.dumps(old)
    assert [r["version"] for r in searchset(client, f"?url={url}%7C1.2.0")] == ["1.2.0"]
    assert [r["version"] for r in searchset(client, f"?url={url}")] == ["1.2.0", "0.9.0"]
    assert searchset(client, f"?url={url}&version=2.0.0") == []
    assert searchset(client, "?url=http://example.org/other") == []


def test_an_exported_response_resolves_to_its_questionnaire(app, client, login_as, sent):
    login_as("clinician")
    document = client.get(f"/staff/submissions/{sent.id}/fhir").get_json(force=True)
    (response,) = [e["resource"] for e in document["entry"]
                   if e["resource"]["resourceType"] == "QuestionnaireResponse"]
    url, _, version = response["questionnaire"].partition("|")
    (found,) = searchset(client, f"?url={url}&version={version}")
    assert found["version"] == version
    linked = {item["linkId"] for group in found["item"] for item in group.get("item", [])}
    answered = {item["linkId"] for group in response["item"] for item in group.get("item", [])}
    assert answered <= linked


def test_a_stored_text_that_no_longer_loads_is_left_out(app, client, caplog):
    from screener.storage.models import QuestionnaireVersion

    with app.app_context():
        db.session.add(QuestionnaireVersion(sha256="f" * 64, questionnaire_id="ketamine-screening",
                                            version="0.1.0", source="steps: [not, valid"))
        db.session.commit()
    assert [r["version"] for r in searchset(client, "")] == ["1.2.0"]
    assert "no longer loads" in caplog.text
