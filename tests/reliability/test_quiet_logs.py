"""The access log does not tell who saw the crisis pages (issue 16): patient pages are logged by
route, without client address or response size; staff pages keep path and address."""

from __future__ import annotations

import random
import re

import pytest

from screener.web.access_log import quiet_atoms
from tests.helpers import baseline
from tests.kit.patient import Patient
from tests.kit.servers import wait_until
from tests.reliability.answers import random_contact

# gunicorn's line, then the request's id (screener/web/logs.py).
ACCESS_LINE = re.compile(r'^(\S+) \[[^\]]+\] "(\S+) (\S+)" (\d{3}) (\S+) \d+ms [0-9a-f]{32}$')


def access_lines(log: str) -> list[tuple[str, str, str, str, str]]:
    """(address, method, path, status, size) of each access line."""
    return [match.groups() for line in log.splitlines() if (match := ACCESS_LINE.match(line))]


@pytest.mark.slow
def test_a_crisis_patients_walk_leaves_no_step_names_addresses_or_sizes(
        sqlite_env, start_server, questionnaire):
    server = start_server(sqlite_env, 1)
    answers = baseline(phq9_9=2, cssrs_thoughts="yes", cssrs_plan="yes")
    patient = Patient(questionnaire, answers, random_contact(1, random.Random(3)), [server.url])
    patient.run_until("/screening/help-now")  # through the safety step to the crisis page
    staff = patient.request("GET", "/staff/login")
    assert staff.status == 200

    # A worker logs a request just after its response.
    assert wait_until(lambda: "/staff/login" in server.log_text(), 10)
    log = server.log_text()
    lines = access_lines(log)
    patient_lines = [line for line in lines if line[2].startswith("/screening")]
    assert len(patient_lines) >= 5, log
    assert {path for _, _, path, _, _ in patient_lines} <= {
        "/screening/start", "/screening/<step>", "/screening/review", "/screening/result",
        "/screening/send", "/screening/sent", "/screening/restart", "/screening/"}
    assert "/screening/<step>" in {line[2] for line in patient_lines}
    assert all(address == "-" and size == "-" for address, _, _, _, size in patient_lines)
    for step in questionnaire.steps:
        assert f"/screening/{step.id}" not in log
    assert "/screening/help-now" not in log and "127.0.0.1 " not in " ".join(
        f"{line[0]} {line[2]}" for line in patient_lines)
    # Staff pages keep what an audit needs: who (address) asked for what.
    assert ("127.0.0.1", "GET", "/staff/login", "200") in [line[:4] for line in lines]
    staff_sizes = [line[4] for line in lines if line[2] == "/staff/login"]
    assert staff_sizes and all(size.isdigit() for size in staff_sizes)


def test_quiet_atoms_keep_staff_lines_and_reduce_patient_lines():
    atoms = {"h": "10.1.2.3", "t": "[now]", "m": "GET", "U": "/screening/safety", "s": "200",
             "B": 5120, "b": "5120", "f": "http://x/screening/phq9", "a": "Firefox",
             "q": "x=1", "r": "GET /screening/safety HTTP/1.1", "H": "HTTP/1.1", "M": 3,
             "{cookie}i": "session=abc"}
    quiet = quiet_atoms(dict(atoms), {"PATH_INFO": "/screening/safety",
                                      "screener.log_route": "/screening/<step>"})
    assert quiet["U"] == "/screening/<step>" and quiet["r"] == "GET /screening/<step> HTTP/1.1"
    assert quiet["h"] == quiet["B"] == quiet["f"] == quiet["a"] == "-"
    assert "safety" not in repr(quiet) and "phq9" not in repr(quiet) and "{cookie}i" not in quiet
    unrouted = quiet_atoms(dict(atoms), {"PATH_INFO": "/screening/help-now"})
    assert unrouted["U"] == "/screening/<step>"
    staff = dict(atoms, U="/staff/audit")
    assert quiet_atoms(dict(staff), {"PATH_INFO": "/staff/audit"}) == staff
