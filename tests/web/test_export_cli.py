"""``flask export csv`` and ``flask export fhir``: same content as the web, audited as "cli"."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
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


@pytest.fixture
def submissions(app):
    with app.app_context():
        make_submission(baseline(**phq9(1, 1, 1, 1, 1, 1, 1, 1, 1), cssrs_thoughts="yes",
                                 cssrs_intent="yes"), name="=Casey")
        make_submission(baseline(), submitted_ago=timedelta(days=30))
        make_submission(status="draft", submitted_at=None, consent_at=None)


def export_events(app) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export")))


def test_csv_to_a_file_with_labels_and_bom(app, runner, submissions, tmp_path):
    target = tmp_path / "out.csv"
    result = runner.invoke(args=["export", "csv", "--labels", "--excel", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert "exported 2 submission(s)" in result.output
    data = target.read_bytes()
    assert data.startswith(b'\xef\xbb\xbf"submission_id",')
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert len(rows) == 2 + 2  # header, labels, two submissions
    assert rows[1][1] == "Submitted at (UTC, offset +00:00)"
    assert "'=Casey" in rows[3]
    [event] = export_events(app)
    assert event.actor_label == "cli" and event.actor_id is None
    assert event.detail == {"format": "csv", "rows": 2, "identified": True, "filters": {}}


def test_csv_to_stdout_with_filters(app, runner, submissions):
    result = runner.invoke(args=["export", "csv", "--outcome", "crisis", "--since", "2000-01-01"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout_bytes.decode().split("\r\n") if line]
    assert len(lines) == 2 and ',"crisis",' in lines[1]
    assert "exported 1 submission(s) as CSV (outcome crisis; received from 2000-01-01)" \
        in result.output
    assert export_events(app)[0].detail["filters"] == {"outcome": ["crisis"], "from": "2000-01-01"}


def test_csv_deidentified(runner, submissions):
    result = runner.invoke(args=["export", "csv", "--deidentified"])
    # contact_attempts (a count, issue 15) is the only contact_ column left.
    header = result.stdout.split("\n", 1)[0]
    assert "contact_" not in header.replace("contact_attempts", "")
    assert "Casey" not in result.stdout


@pytest.mark.parametrize("args, message", [
    (["--since", "yesterday"], "--since: expected a date like 2026-01-31"),
    (["--since", "2026-02-02", "--until", "2026-02-01"], "--since (2026-02-02) is after --until"),
    (["--outcome", "eligible"], "outcome: unknown value 'eligible'"),
    (["--status", "done"], "status: unknown value 'done'"),
])
def test_bad_filters_are_usage_errors(app, runner, args, message):
    result = runner.invoke(args=["export", "csv", *args])
    assert result.exit_code == 2
    assert message in result.output
    assert export_events(app) == []


def test_fhir_ndjson(app, runner, submissions, tmp_path):
    target = tmp_path / "out.ndjson"
    result = runner.invoke(args=["export", "fhir", "--ndjson", "-o", str(target)])
    assert result.exit_code == 0, result.output
    resources = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    for resource in resources:
        MODELS[resource["resourceType"]].model_validate(resource)
    assert sum(r["resourceType"] == "QuestionnaireResponse" for r in resources) == 2
    assert "Casey" not in target.read_text(encoding="utf-8")
    [event] = export_events(app)
    assert event.actor_label == "cli"
    assert event.detail == {"format": "fhir-ndjson", "rows": 2, "identified": False, "filters": {}}


def test_fhir_ndjson_identified(runner, submissions):
    result = runner.invoke(args=["export", "fhir", "--ndjson", "--identified", "--until",
                                 "2100-01-01"])
    resources = [json.loads(line) for line in result.stdout.splitlines()]
    assert sum(r["resourceType"] == "Patient" for r in resources) == 2


def test_fhir_questionnaire(app, runner, questionnaire):
    result = runner.invoke(args=["export", "fhir", "--questionnaire"])
    assert result.exit_code == 0, result.output
    resource = json.loads(result.stdout)
    Questionnaire.model_validate(resource)
    assert resource["url"] == questionnaire.url
    assert "warning" not in result.output
    assert export_events(app) == []  # no patient data, nothing to audit


def test_fhir_needs_a_mode(runner):
    result = runner.invoke(args=["export", "fhir"])
    assert result.exit_code == 2
    assert "choose --ndjson (submissions) or --questionnaire" in result.output
