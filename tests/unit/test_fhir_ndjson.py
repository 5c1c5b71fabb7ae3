"""Bulk NDJSON lines are exactly the JSON of the dict builder's resources, and valid FHIR."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from hypothesis import given, settings
from hypothesis import strategies as st

from screener.core import rules
from screener.export.fhir.ndjson import NdjsonWriter
from screener.export.fhir.response import ResponseBuilder
from screener.core.questionnaire import load
from screener.storage.submissions import assessment_record
from tests.kit.apps import QUESTIONS
from tests.unit.test_csv_answer_filter import answer_sets

QUESTIONNAIRE = load(QUESTIONS)
WRITER = NdjsonWriter(QUESTIONNAIRE)
BUILDER = ResponseBuilder(QUESTIONNAIRE, texts=False)
MODELS = {"QuestionnaireResponse": QuestionnaireResponse, "Observation": Observation,
          "Patient": Patient}
EPOCH = datetime(2026, 1, 1, tzinfo=timezone.utc)

contacts = st.fixed_dictionaries({
    "contact_name": st.one_of(st.none(), st.text(min_size=1, max_size=30)),
    "contact_email": st.one_of(st.none(), st.just("a@example.com")),
    "contact_phone": st.one_of(st.none(), st.just("+1 555 0100")),
    "contact_method": st.sampled_from(["email", "phone", "text"]),
})


def record(answers, contact, seconds=0, language="en"):
    return SimpleNamespace(
        id=uuid.uuid4(), submitted_at=EPOCH + timedelta(seconds=seconds), answers=answers,
        language=language,
        assessment=assessment_record(rules.evaluate(QUESTIONNAIRE, answers)), **contact)


@settings(max_examples=300, deadline=None)
@given(answer_sets(QUESTIONNAIRE), contacts, st.booleans(), st.integers(0, 10**8),
       st.sampled_from(["en", "es", None]))  # None: a row not yet flushed reads "en"
def test_lines_equal_the_dict_resources(answers, contact, identified, seconds, language):
    rec = record(answers, contact, seconds, language)
    text = WRITER.lines(rec, identified)
    assert text.endswith("\n")
    assert [json.loads(line) for line in text.splitlines()] == BUILDER.resources(rec, identified)


def test_lines_validate_as_fhir(questionnaire):
    from tests.helpers import baseline, phq9

    rec = record(baseline(**phq9(1, 2, 3, 0, 1, 2, 3, 0, 1), chronic_pain="yes", peg_1=2,
                          peg_2=3, peg_3=4, diagnoses=["depression", "other"]),
                 {"contact_name": 'Ann "Quote" \\ Line\nTwo', "contact_email": None,
                  "contact_phone": "+1 555 0100", "contact_method": "text"})
    resources = [json.loads(line) for line in WRITER.lines(rec, identified=True).splitlines()]
    assert [r["resourceType"] for r in resources] == ["Patient", "QuestionnaireResponse"] + [
        "Observation"] * 4
    for resource in resources:
        MODELS[resource["resourceType"]].model_validate(resource)
    assert resources[0]["name"] == [{"text": 'Ann "Quote" \\ Line\nTwo'}]
    assert all("text" not in item for group in resources[1]["item"] for item in group["item"])


def test_an_unexpected_stored_value_is_kept_as_in_the_bundle():
    rec = record({"age_18_plus": True, "phq9_1": "2"}, {"contact_name": None,
                 "contact_email": None, "contact_phone": None, "contact_method": "email"})
    line = WRITER.lines(rec).splitlines()[0]
    assert json.loads(line) == BUILDER.resources(rec)[0]
    assert '"valueString":"True"' in line and '"valueString":"2"' in line
