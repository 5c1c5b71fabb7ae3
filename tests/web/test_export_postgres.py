"""Exports on PostgreSQL: keyset batches, filters, JSONB columns and the audit, end to end."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from sqlalchemy import select

from screener.export import runs as exporting
from screener.extensions import db
from screener.storage.models import AuditEvent
from tests.factories import login, make_staff, make_submission
from tests.helpers import baseline, phq9

pytestmark = pytest.mark.postgres


def test_csv_and_ndjson_exports_on_postgresql(pg_app, monkeypatch):
    monkeypatch.setattr(exporting, "BATCH_SIZE", 2)  # several keyset batches
    client = pg_app.test_client()
    with pg_app.app_context():
        answers = baseline(**phq9(1, 1, 1, 1, 1, 1, 1, 1, 1), cssrs_thoughts="yes",
                           cssrs_intent="yes")  # high risk: crisis, urgent_now and self_harm
        # Every other one screened in Spanish; the others get the column's server default.
        crisis = [str(make_submission(answers, name=f"Crisis {n}",
                                      submitted_ago=timedelta(minutes=n),
                                      **({"language": "es"} if n % 2 else {})).id)
                  for n in range(5)]
        make_submission(baseline(), name="Mild One")
        make_submission(status="draft", submitted_at=None, consent_at=None)
        login(client, make_staff("clinician"))

    response = client.get("/staff/export.csv?flag=self_harm&q=CRISIS")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True), newline="")))
    assert [r["submission_id"] for r in rows] == crisis[::-1]  # oldest first
    assert {r["phq9_score"] for r in rows} == {"9"}
    assert [r["language"] for r in rows] == ["en", "es", "en", "es", "en"]

    everything = client.get("/staff/export.csv").get_data(as_text=True)
    assert everything.count("\r\n") == 1 + 6  # header and every sent submission, no draft

    text = client.get("/staff/export.ndjson?outcome=crisis").get_data(as_text=True)
    resources = [json.loads(line) for line in text.splitlines()]
    models = {"QuestionnaireResponse": QuestionnaireResponse, "Observation": Observation}
    for resource in resources:
        models[resource["resourceType"]].model_validate(resource)
    responses = [r for r in resources if r["resourceType"] == "QuestionnaireResponse"]
    assert [r["id"] for r in responses] == crisis[::-1]
    assert [r["language"] for r in responses] == ["en", "es", "en", "es", "en"]

    with pg_app.app_context():
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "export").order_by(AuditEvent.id)).all()
        assert [(e.detail["format"], e.detail["rows"]) for e in events] == [
            ("csv", 5), ("csv", 6), ("fhir-ndjson", 5)]
        assert events[0].detail["filters"] == {"flag": ["self_harm"], "search": True}

    with pg_app.app_context():  # who exported whom: each identified export's ids, as str(id)
        exported = [set(e.detail["screening_ids"]) for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "export_rows")
            .order_by(AuditEvent.id))]
    assert exported[0] == set(crisis)
    assert len(exported[1]) == 6 and set(crisis) < exported[1]
