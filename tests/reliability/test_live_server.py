"""The production shape over real HTTP: gunicorn, production settings, headers and cookies as a
browser receives them, and logs that never name a patient, even while staff search and export."""

from __future__ import annotations

import random
import re
from urllib.parse import urlencode

import pytest

from tests.reliability.answers import random_answers, random_contact
from tests.reliability.load import leaked_lines
from tests.kit.patient import Patient
from tests.kit.staff import password_for, second_factor
from tests.kit.servers import flask_cli, wait_until

STAFF_EMAIL, STAFF_PASSWORD = "clinician@clinic.example", "a long clinic passphrase 2024"


@pytest.mark.slow
def test_production_server_headers_cookies_and_error_pages(sqlite_env, start_server,
                                                           questionnaire):
    server = start_server(sqlite_env, 2)
    rng = random.Random(5)
    patient = Patient(questionnaire, random_answers(questionnaire, rng), random_contact(1, rng),
                      [server.url])
    landing = patient.request("GET", "/")
    assert landing.headers["server"] == "gunicorn"  # no version, no Python or Werkzeug
    assert "x-powered-by" not in landing.headers
    assert landing.headers["strict-transport-security"].startswith("max-age=")
    assert "frame-ancestors 'none'" in landing.headers["content-security-policy"]
    assert landing.headers["referrer-policy"] == "same-origin"
    patient.run_until("/screening/review")
    cookies = {cookie.name: cookie for cookie in patient.jar}
    session = cookies["__Host-session"]  # production: Secure, Path=/, no Domain
    assert session.secure and session.has_nonstandard_attr("HttpOnly")
    assert (session.get_nonstandard_attr("SameSite") or "").lower() in ("lax", "strict")
    missing = patient.request("GET", "/screening/no-such-step")
    assert missing.status in (302, 404) and "Traceback" not in missing.text
    bad = patient.request("POST", "/screening/send", [("csrf_token", "forged")])
    assert bad.status == 400 and "Traceback" not in bad.text


def staff_login(server, questionnaire) -> Patient:
    """A browser (reusing the patient's HTTP client) logged in through the real login form."""
    browser = Patient(questionnaire, {}, {}, [server.url])
    page = browser.request("GET", "/staff/login")
    form = next(f for f in page.forms if "password" in f.names)
    password = password_for(STAFF_EMAIL, STAFF_PASSWORD)  # the one chosen at the first login
    pairs = form.pairs(skip={"email", "password"}) + [("email", STAFF_EMAIL), ("password", password)]
    landed = second_factor(browser, browser.submit(page, form, pairs), STAFF_EMAIL)
    assert landed.path == "/staff/", landed.visible_text()
    return browser


@pytest.mark.slow
def test_staff_work_leaves_no_patient_data_in_logs(sqlite_env, start_server, questionnaire):
    created = flask_cli(sqlite_env, "users", "create", STAFF_EMAIL, "--name", "Dr Who",
                        "--role", "clinician", "--password-stdin", input_text=STAFF_PASSWORD)
    assert created.returncode == 0, created.stderr
    server = start_server(sqlite_env, 2)
    rng = random.Random(9)
    patients = [Patient(questionnaire, random_answers(questionnaire, rng),
                        random_contact(n, rng), [server.url]) for n in range(3)]
    for patient in patients:
        patient.run()

    staff = staff_login(server, questionnaire)
    for patient in patients:
        found = staff.request("GET", "/staff/?" + urlencode({"q": patient.contact["name"]}))
        assert found.status == 200 and patient.contact["name"] in found.text
        # Detail links carry the queue view (?view=…, issue 15); the access log has no query.
        link = next(a.href for a in found.links if re.search(
            r"/staff/submissions/[0-9a-f-]{36}(\?|$)", found.resolve(a.href)))
        detail = staff.request("GET", found.resolve(link))
        assert detail.status == 200 and patient.contact["email"] in detail.text
        for suffix in ("/summary", "/fhir?identified=1"):
            assert staff.request("GET", found.resolve(link).split("?")[0] + suffix).status == 200
    export = staff.request("GET", "/staff/export.csv?" + urlencode({"q": patients[0].contact[
        "email"]}))
    assert export.status == 200 and patients[0].contact["email"] in export.text

    # A worker logs the request just after the response.
    assert wait_until(lambda: "/staff/export.csv" in server.log_text(), 10)
    logs = server.log_text()
    assert "/staff/submissions/" in logs and "/staff/export.csv" in logs
    assert leaked_lines(logs, patients, questionnaire) == []
