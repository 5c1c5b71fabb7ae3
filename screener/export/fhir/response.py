"""A stored submission as FHIR R4 resources: QuestionnaireResponse, score Observations, Patient.

Pure: imports neither Flask nor SQLAlchemy. A *record* is anything with the ``screenings`` columns
as attributes (a Core row or a ``Screening``). Only answers to questions that skip logic enabled
are included, typed as the Questionnaire declares them. De-identified unless asked: without
``identified`` there is no Patient and no ``subject``; the submission id and dates remain, so the
result is pseudonymous, not anonymous.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime, timezone
from typing import Any, Iterator

from screener.export.fhir.resource import answer_codings, canonical, coding
from screener.core.answers import AnswerFilter
from screener.core.languages import language_of
from screener.core.questionnaire import Question, Questionnaire
from screener.core.values import uuid_text

SURVEY = {"coding": [{
    "system": "http://terminology.hl7.org/CodeSystem/observation-category",
    "code": "survey", "display": "Survey"}]}
UCUM = "http://unitsofmeasure.org"
SUBMISSION_IDENTIFIER_SYSTEM = "urn:ietf:rfc:3986"
# The submission's flags (self_harm, urgent_now, self_harm_changed, ...) as meta.tag codings, so
# a receiving system sees an urgent response as urgent without re-running the rules.
FLAG_SYSTEM = "http://screener.example.org/fhir/CodeSystem/flags"
_UNANSWERED = (None, [], "")


class ResponseBuilder:
    """Builds the resources of submissions answered under one questionnaire version.

    ``texts=False`` leaves the question and step texts out of responses (the Questionnaire holds
    them): bulk exports stay about half the size.
    """

    def __init__(self, questionnaire: Questionnaire, texts: bool = True):
        self.questionnaire = questionnaire
        self.texts = texts
        self.canonical = canonical(questionnaire)
        self.effective = AnswerFilter(questionnaire)
        self.codings = {
            question.id: answer_codings(questionnaire, question)
            for question in questionnaire.questions.values() if question.kind_spec.from_choices
        }

    def resources(self, record: Any, identified: bool = False,
                  in_bundle: bool = False) -> list[dict[str, Any]]:
        """Patient (when identified), the QuestionnaireResponse, then one Observation per score."""
        ids = ResourceIds(record.id, in_bundle)
        patient = patient_resource(record, ids.patient) if identified else None
        subject = {"reference": ids.ref("Patient", ids.patient)} if patient else None
        response = self.response(record, ids.response, subject)
        observations = self.observations(
            record, ids, {"reference": ids.ref("QuestionnaireResponse", ids.response)}, subject)
        return ([patient] if patient else []) + [response] + observations

    def response(self, record: Any, resource_id: str, subject=None) -> dict[str, Any]:
        """The QuestionnaireResponse: answers by linkId, nested in their step's group."""
        answers = self.effective(record.answers)
        groups = []
        for step in self.questionnaire.steps:
            items = [self._item(question, answers[question.id]) for question in step.questions
                     if answers.get(question.id) not in _UNANSWERED]
            if items:
                group = {"linkId": step.id, "text": step.title, "item": items}
                if not self.texts:
                    del group["text"]
                groups.append(group)
        resource: dict[str, Any] = {"resourceType": "QuestionnaireResponse", "id": resource_id}
        tags = flag_tags(self.questionnaire, record)
        if tags:
            resource["meta"] = {"tag": tags}
        # The language the patient read and answered in (Resource.language, BCP 47): the items'
        # texts here are the questionnaire's own (English); the Questionnaire has the Spanish.
        resource["language"] = language_of(record)
        resource.update({
            "identifier": {"system": SUBMISSION_IDENTIFIER_SYSTEM,
                           "value": f"urn:uuid:{resource_id}"},
            "questionnaire": self.canonical, "status": "completed",
            "authored": fhir_datetime(record.submitted_at),
        })
        if subject:
            resource["subject"] = subject
        resource["item"] = groups
        return resource

    def observations(self, record: Any, ids: ResourceIds, derived_from: dict,
                     subject=None) -> list[dict[str, Any]]:
        """One Observation per stored score, derived from the response."""
        stored = (record.assessment or {}).get("scores") or {}
        observations = []
        for score_id, result in stored.items():
            observation: dict[str, Any] = {
                "resourceType": "Observation", "id": ids.observation(score_id),
                "status": "final", "category": [SURVEY],
                "code": score_code(self.questionnaire, score_id),
            }
            if subject:
                observation["subject"] = subject
            observation["effectiveDateTime"] = fhir_datetime(record.submitted_at)
            observation.update(score_value(result.get("value")))
            if result.get("band"):
                observation["interpretation"] = [
                    {"text": result.get("band_label") or result["band"]}]
            observation["derivedFrom"] = [derived_from]
            observations.append(observation)
        return observations

    def _item(self, question: Question, value: Any) -> dict[str, Any]:
        values = value if value.__class__ is list else (value,)
        answer = [self.answer(question, v) for v in values]
        if self.texts:
            return {"linkId": question.id, "text": question.text, "answer": answer}
        return {"linkId": question.id, "answer": answer}

    def answer(self, question: Question, value: Any) -> dict[str, Any]:
        """One answer, typed as the Questionnaire item declares it."""
        if not question.kind_spec.from_choices:
            if isinstance(value, int) and not isinstance(value, bool):
                return {"valueInteger": value}
        elif value.__class__ in (str, int):  # exact types: True is not the answer 1
            found = self.codings[question.id].get(value)
            if found is not None:
                return {"valueCoding": found}
        # Not a value the questionnaire allows (never stored by the app): kept, visibly off-type.
        return {"valueString": str(value)}


def flag_tags(questionnaire: Questionnaire, record: Any) -> list[dict[str, str]]:
    """The submission's stored flags as ``meta.tag`` codings (most urgent first)."""
    flags = (record.assessment or {}).get("flags") or ()
    tags = []
    for flag_id in flags:
        flag = questionnaire.flags_by_id.get(flag_id)
        tags.append({"system": FLAG_SYSTEM, "code": flag_id,
                     "display": flag.label if flag else flag_id})
    return tags


def score_code(questionnaire: Questionnaire, score_id: str) -> dict[str, Any]:
    """An Observation's code for a score: its coding from questions.yaml, and its title."""
    score = questionnaire.scores_by_id.get(score_id)
    code: dict[str, Any] = {"text": score.title if score else score_id}
    if score is not None and score.code is not None:
        code["coding"] = [coding(score.code)]
    return code


def patient_resource(record: Any, resource_id: str) -> dict[str, Any]:
    """A Patient holding only the contact details the person chose to send."""
    patient: dict[str, Any] = {"resourceType": "Patient", "id": resource_id}
    if record.contact_name:
        patient["name"] = [{"text": record.contact_name}]
    telecom = []
    preferred = record.contact_method
    if record.contact_email:
        telecom.append(_contact_point("email", record.contact_email, preferred == "email"))
    if record.contact_phone:
        telecom.append(_contact_point("phone", record.contact_phone, preferred == "phone"))
        if preferred == "text":
            telecom.append(_contact_point("sms", record.contact_phone, True))
    if telecom:
        patient["telecom"] = telecom
    return patient


def bundle(questionnaire: Questionnaire, record: Any, identified: bool = False,
           timestamp: datetime | None = None) -> dict[str, Any]:
    """A ``collection`` Bundle of one submission's resources, linked by urn:uuid fullUrls."""
    resources = ResponseBuilder(questionnaire).resources(record, identified, in_bundle=True)
    result: dict[str, Any] = {"resourceType": "Bundle", "type": "collection"}
    if timestamp is not None:
        result["timestamp"] = fhir_datetime(timestamp)
    result["entry"] = [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in resources]
    return result


def ndjson_lines(resources: list[dict[str, Any]]) -> Iterator[str]:
    """One compact JSON line per resource (FHIR Bulk Data's NDJSON), ASCII only."""
    for resource in resources:
        yield json.dumps(resource, separators=(",", ":")) + "\n"


def fhir_datetime(value: datetime) -> str:
    """A FHIR dateTime/instant in UTC, to the second."""
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class ResourceIds:
    """Stable resource ids for one submission, and references as a Bundle or NDJSON needs them.

    The response's id is the submission's; the others are name-based UUIDs derived from it
    (RFC 4122 version 5), so exporting twice gives the same ids.
    """

    def __init__(self, submission_id: Any, in_bundle: bool):
        self.submission = submission_id if isinstance(submission_id, uuid.UUID) else uuid.UUID(
            str(submission_id))
        self.in_bundle = in_bundle
        self.response = str(self.submission)
        self.patient = self.derived("patient")

    def observation(self, score_id: str) -> str:
        return self.derived(f"score/{score_id}")

    def derived(self, name: str) -> str:
        """``uuid.uuid5(submission, name)``, without its per-call overhead (bulk exports)."""
        digest = bytearray(hashlib.sha1(self.submission.bytes + name.encode()).digest()[:16])
        digest[6] = (digest[6] & 0x0F) | 0x50
        digest[8] = (digest[8] & 0x3F) | 0x80
        return uuid_text(digest.hex())

    def ref(self, resource_type: str, resource_id: str) -> str:
        return f"urn:uuid:{resource_id}" if self.in_bundle else f"{resource_type}/{resource_id}"


def score_value(value: Any) -> dict[str, Any]:
    """An Observation's value[x] for a score: whole numbers as valueInteger, a mean as a
    dimensionless UCUM valueQuantity (R4 Observations have no valueDecimal)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return {"valueInteger": value}
    if isinstance(value, float):
        return {"valueQuantity": {"value": value, "unit": "{score}", "system": UCUM,
                                  "code": "{score}"}}
    return {"dataAbsentReason": {"text": "no score"}}


def _contact_point(system: str, value: str, preferred: bool) -> dict[str, Any]:
    point: dict[str, Any] = {"system": system, "value": value}
    if preferred:
        point["rank"] = 1
    return point
