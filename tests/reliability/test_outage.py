"""Database outage: PostgreSQL goes away in the middle of a run of patients and comes back.

The cluster is the test's own (initdb + pg_ctl on a free port); the shared server is never
touched. While it is down, pages are a friendly 503 and /readyz fails; afterwards every patient
continues from where they were and every submission is whole.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request

import pytest
from sqlalchemy import select

from screener.core import rules
from screener.web.errors import MESSAGES
from tests.reliability import figures
from tests.kit.servers import migrated_env, wait_until
from tests.reliability.load import (leaked_lines, lost_or_wrong, make_patients, run,
                                    submissions_by_email)

PATIENTS, CONCURRENCY = 40, 10
OUTAGE_SECONDS = 6
THINK = 0.04  # seconds between one patient's requests, so the run spans the outage


def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def half_written(database_url: str, questionnaire) -> list[str]:
    """Screenings that are neither a clean draft nor a whole completed or sent screening."""
    from screener.extensions import db
    from screener.storage.models import Screening
    from tests.kit.apps import make_app

    app = make_app(database_url)
    problems = []
    with app.app_context():
        for row in db.session.scalars(select(Screening)):
            if row.status == "draft":
                if row.outcome is not None or row.submitted_at is not None:
                    problems.append(f"{row.id}: draft with an outcome or submission time")
                continue
            complete = (row.completed_at and row.outcome and row.assessment
                        and not rules.validate_answers(questionnaire, row.answers)
                        and row.outcome == rules.evaluate(questionnaire, row.answers).outcome)
            sent = row.status != "submitted" or (row.contact_name and row.consent_at
                                                 and row.submitted_at and row.contact_method)
            if not (complete and sent):
                problems.append(f"{row.id}: {row.status} but not whole")
        db.session.remove()
        db.engine.dispose()
    return problems


@pytest.mark.postgres
@pytest.mark.slow
def test_patients_survive_a_database_outage(private_postgres, start_server, questionnaire):
    database_url = private_postgres.create_database("screener")
    server = start_server(migrated_env(database_url), 2)
    patients = make_patients(questionnaire, [server.url], PATIENTS, seed=23, retry_for=90,
                             think=THINK)
    seen = {}

    def outage(run_so_far):
        assert wait_until(lambda: run_so_far.requests >= PATIENTS * 8, 60), "run did not start"
        private_postgres.stop()
        down = time.monotonic()
        try:
            seen["requests_before"] = run_so_far.requests
            seen["readyz_down"] = status_of(server.url + "/readyz")
            seen["healthz_down"] = status_of(server.url + "/healthz")
            time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - down)))
        finally:
            private_postgres.start()
        assert wait_until(lambda: status_of(server.url + "/readyz") == 200, 30)
        seen["outage_seconds"] = round(time.monotonic() - down, 1)

    result = run(patients, CONCURRENCY, during=outage)
    print(result.summary(), seen)

    assert seen["readyz_down"] == 503 and seen["healthz_down"] == 200
    assert result.errors == {}
    assert all(p.result.restarts == 0 for p in patients)
    hit = [p for p in patients if p.result.unavailable]
    assert hit, "no patient was mid-screening during the outage"
    assert any(path.startswith("/screening/") for p in hit for path in p.result.unavailable_at)
    for patient in hit:
        page = patient.result.first_503
        assert MESSAGES[503][0] in page
        assert "Traceback" not in page and "psycopg" not in page and "sqlalchemy" not in page
    assert [e for e in result.server_errors if e[2] != 503] == []
    assert lost_or_wrong(questionnaire, patients, submissions_by_email(database_url)) == []
    assert half_written(database_url, questionnaire) == []
    logs = server.log_text()
    assert leaked_lines(logs, patients, questionnaire) == []
    assert "Traceback" not in logs  # every failure was handled, none escaped to the log
    figures.record("outage_postgresql", patients=PATIENTS, concurrency=CONCURRENCY,
                   outage_seconds=seen["outage_seconds"],
                   patients_hit=len(hit), responses_503=sum(p.result.unavailable
                                                            for p in patients),
                   lost=0, half_written=0, other_5xx=0)
