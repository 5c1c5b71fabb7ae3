"""Worker crash: a gunicorn worker killed (SIGKILL, by PID) mid-run loses nobody's answers.

The master starts a new worker; patients whose request died with it retry and go on, served by
the other worker meanwhile. Drafts live in the database, so no worker holds anything to lose. A
send the worker committed but never answered is sent again with the cookie from before, and
reaches its own confirmation (``test_double_submit``'s lost-answer test makes that case on purpose;
here it happens when the kill falls on a send, as it did once in CI).
"""

from __future__ import annotations


import pytest

from tests.reliability import figures
from tests.kit.servers import migrated_env, wait_until
from tests.reliability.load import lost_or_wrong, make_patients, run, submissions_by_email

PATIENTS, CONCURRENCY = 24, 8


@pytest.mark.slow
def test_killing_a_worker_mid_run_loses_nothing(database_url, start_server, questionnaire):
    server = start_server(migrated_env(database_url), 2)
    patients = make_patients(questionnaire, [server.url], PATIENTS, seed=31, retry_for=30,
                             think=0.03)
    killed = []

    def crash(run_so_far):
        wait_until(lambda: run_so_far.requests >= PATIENTS * 8, 60, interval=0.05)
        victim = server.worker_pids()[0]
        server.kill_worker(victim)
        killed.append(victim)

    result = run(patients, CONCURRENCY, during=crash)
    print(result.summary(), "killed", killed)

    assert killed and killed[0] not in server.worker_pids()
    assert wait_until(lambda: len(server.worker_pids()) == 2, 20), \
        "the master did not replace the worker"
    assert result.errors == {}
    assert result.server_errors == []
    assert all(p.result.restarts == 0 for p in patients)
    assert lost_or_wrong(questionnaire, patients, submissions_by_email(database_url)) == []
    figures.record(f"worker_crash_{database_url.split(':')[0].split('+')[0]}",
                   patients=PATIENTS, concurrency=CONCURRENCY, workers_killed=len(killed),
                   dropped_connections=sum(p.result.network_errors for p in patients),
                   lost=0, server_errors=0)
