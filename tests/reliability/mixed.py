"""Patients walking and sending in a loop while one nurse reads the queue, detail pages and the
dashboard: the default small-clinic shape (gunicorn, 2 workers, one database) under both kinds of
work at once. Shared by the mixed-load test and its before/after measurement."""

from __future__ import annotations

import random
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from tests.kit.patient import Patient, PatientError
from tests.kit.servers import flask_cli
from tests.kit.staff import new_account, password_for, second_factor
from tests.reliability.answers import random_answers, random_contact

NURSE_EMAIL, NURSE_PASSWORD = "nurse@clinic.example", "a long clinic passphrase 2024"
LIMIT_FACTOR = 4  # the run ends by then even if a patient thread never sent
_DETAIL = re.compile(r"/staff/submissions/[0-9a-f-]{36}")


@dataclass
class MixedRun:
    """What the patients and the nurse saw."""

    patients: list[Patient] = field(default_factory=list)
    patient_errors: list[str] = field(default_factory=list)
    staff_statuses: Counter = field(default_factory=Counter)
    staff_failures: list[tuple[str, int]] = field(default_factory=list)
    staff_seconds: list[float] = field(default_factory=list)

    @property
    def sent(self) -> list[Patient]:
        return [p for p in self.patients if p.result.sent]

    def summary(self) -> str:
        """One line for the test output and the docs."""
        patient_statuses = Counter()
        for patient in self.patients:
            patient_statuses.update(patient.result.statuses)
        return (f"{len(self.sent)} patients sent (statuses {dict(sorted(patient_statuses.items()))}); "
                f"nurse {sum(self.staff_statuses.values())} pages, statuses "
                f"{dict(sorted(self.staff_statuses.items()))}")


def create_nurse(env: dict) -> None:
    """A nurse account made with the command line, as an administrator would."""
    created = flask_cli(env, "users", "create", NURSE_EMAIL, "--name", "Nurse Joy",
                        "--role", "clinician", "--password-stdin", input_text=NURSE_PASSWORD)
    assert created.returncode == 0, created.stderr
    new_account(NURSE_EMAIL)


def nurse_login(server, questionnaire) -> Patient:
    """A browser logged in as the nurse through the real login form and second factor."""
    browser = Patient(questionnaire, {}, {}, [server.url])
    page = browser.request("GET", "/staff/login")
    form = next(f for f in page.forms if "password" in f.names)
    password = password_for(NURSE_EMAIL, NURSE_PASSWORD)  # the one chosen at the first login
    pairs = form.pairs(skip={"email", "password"}) + [("email", NURSE_EMAIL), ("password", password)]
    landed = second_factor(browser, browser.submit(page, form, pairs), NURSE_EMAIL)
    assert landed.path == "/staff/", landed.visible_text()
    return browser


def run_mixed(server, questionnaire, patients: int, seconds: float, seed: int = 3) -> MixedRun:
    """``patients`` threads each walk and send new screenings, one after another, while the nurse
    reads for ``seconds`` and at least until every patient thread has sent once (bounded by
    ``LIMIT_FACTOR`` × ``seconds``); then every patient finishes the screening in hand."""
    result = MixedRun()
    nurse = nurse_login(server, questionnaire)
    stop = threading.Event()
    lock = threading.Lock()
    sent_once: set[int] = set()

    def walk(worker: int) -> None:
        rng = random.Random(seed * 1000 + worker)
        turn = 0
        while not stop.is_set():
            patient = Patient(questionnaire, random_answers(questionnaire, rng),
                              random_contact(worker * 10000 + turn, rng), [server.url],
                              source=f"127.{1 + worker}.{turn // 250}.{1 + turn % 250}")
            with lock:
                result.patients.append(patient)
            try:
                patient.run()
            except PatientError as error:
                with lock:
                    result.patient_errors.append(str(error)[:300])
                stop.set()
            with lock:
                sent_once.add(worker)
            turn += 1

    threads = [threading.Thread(target=walk, args=(n,), daemon=True) for n in range(patients)]
    for thread in threads:
        thread.start()
    started = time.monotonic()
    try:
        while not stop.is_set():
            elapsed = time.monotonic() - started
            with lock:
                everyone_sent = len(sent_once) == patients
            if elapsed >= seconds * LIMIT_FACTOR or (elapsed >= seconds and everyone_sent):
                break
            _read_like_a_nurse(nurse, result)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=300)
    return result


def _read_like_a_nurse(nurse: Patient, result: MixedRun) -> None:
    """One round: the queue, the newest submission's page, the dashboard."""
    queue = _staff_get(nurse, "/staff/", result)
    link = next((a.href for a in queue.links if _DETAIL.search(queue.resolve(a.href))), None)
    if link is not None:
        _staff_get(nurse, queue.resolve(link).split("?")[0], result)
    _staff_get(nurse, "/staff/dashboard", result)


def _staff_get(nurse: Patient, path: str, result: MixedRun):
    """GET a staff page, counting its status (and keeping any failure)."""
    started = time.monotonic()
    page = nurse.request("GET", path.replace(nurse.bases[0], ""), follow=False)
    result.staff_seconds.append(time.monotonic() - started)
    result.staff_statuses[page.status] += 1
    if page.status != 200:
        result.staff_failures.append((path.split("?")[0], page.status))
    return page
