"""Patients and a nurse at once: 4 patients walk and send screenings in a loop while a nurse reads
the queue, a submission and the dashboard, on the default server (gunicorn, 2 workers).

The nurse must never get a 503 because patients are writing (issue 22: on SQLite, a staff GET
that read and then recorded its audit event failed as "database is locked"), and every patient's
screening must be stored exactly as answered.
"""

from __future__ import annotations

import os

import pytest

from tests.kit.servers import migrated_env
from tests.reliability.load import leaked_lines, lost_or_wrong, submissions_by_email
from tests.reliability.mixed import create_nurse, run_mixed

PATIENTS, SECONDS = 4, 12


def _shared_limits() -> dict:
    """Production with 2 workers refuses per-process rate-limit counters: a Redis store."""
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("production with several workers needs a shared rate-limit store: "
                    "set TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/15)")
    return {"RATELIMIT_STORAGE_URI": url}


def _check(questionnaire, result, database_url, server) -> None:
    """Every staff page 200, every patient stored as answered, no lock errors in the logs."""
    print(result.summary())
    assert result.patient_errors == []
    assert result.staff_failures == []
    assert sum(result.staff_statuses.values()) >= 3
    assert len(result.sent) >= PATIENTS
    assert all(p.result.sent for p in result.patients)
    stored = submissions_by_email(database_url)
    assert lost_or_wrong(questionnaire, result.patients, stored) == []
    logs = server.log_text()
    assert "database is locked" not in logs
    assert "Traceback" not in logs
    assert leaked_lines(logs, result.patients, questionnaire) == []


@pytest.mark.slow
def test_nurse_reads_while_patients_send_on_sqlite(tmp_path, start_server, questionnaire):
    env = migrated_env(f"sqlite:///{tmp_path / 'clinic.sqlite3'}", **_shared_limits())
    create_nurse(env)
    server = start_server(env, 2)
    result = run_mixed(server, questionnaire, PATIENTS, SECONDS)
    _check(questionnaire, result, env["DATABASE_URL"], server)


@pytest.mark.postgres
@pytest.mark.slow
def test_nurse_reads_while_patients_send_on_postgresql(postgres_url, start_server,
                                                       questionnaire):
    env = migrated_env(postgres_url, **_shared_limits())
    create_nurse(env)
    server = start_server(env, 2)
    result = run_mixed(server, questionnaire, PATIENTS, SECONDS)
    _check(questionnaire, result, postgres_url, server)
