"""Patients and staff at once (issue 22): N patients walk and send screenings while a nurse reads
the queue, the newest submission and the dashboard; staff p50/p99 and every non-200 answer."""

from __future__ import annotations

import re
import threading
from pathlib import Path

from screener.core import rules
from screener.core.questionnaire import Questionnaire

from . import queue_bench, servers
from .load import Client, LoadError, Recorder, percentile, run
from .patient import AnswerSource, Patient
from .wizard_bench import verify_submissions

STAFF_PAGES = ("queue", "detail", "dashboard")
_DETAIL = re.compile(r'href="(/staff/submissions/[0-9a-f-]{36})[?"]')


def measure_mixed(db: servers.Database, logs: Path, questionnaire: Questionnaire,
                  patients: int, seconds: float, budget: int) -> dict:
    """One phase of ``seconds``: ``patients`` send screenings one after another while the nurse
    reads; afterwards every submitted row is counted and checked."""
    queue_bench.create_staff(db)
    source = AnswerSource(questionnaire, seed=patients)
    streams = {n: source.stream(n) for n in range(patients)}

    def journey(client: Client, number: int) -> None:
        patient = Patient(client, questionnaire, streams[number]())
        shown = patient.complete()
        if shown != rules.evaluate(questionnaire, patient.answers).outcome:
            raise LoadError("the result page shows another outcome than rules.evaluate")

    staff = Recorder()
    stop = threading.Event()
    with servers.serving(servers.APP_TARGET, servers.app_env(db.url), logs) as server:
        nurse = Client(server.url)
        queue_bench.login(nurse)
        nurse.recorder = staff
        reader = threading.Thread(target=_read, args=(nurse, stop), daemon=True)
        reader.start()
        try:
            outcome = run(server.url, patients, journey, duration=seconds,
                          max_iterations=budget, fresh_client=True)
        finally:
            stop.set()
            reader.join(timeout=120)
            nurse.close()
    check = verify_submissions(db, questionnaire)
    every = sorted(v for label in STAFF_PAGES for v in staff.latencies.get(label, []))
    return {
        "patients": patients, "seconds": round(outcome.elapsed, 1),
        "screenings_sent": outcome.iterations, "rows": check["submitted"],
        "rows_verified": check["submitted"] == outcome.iterations and check["mismatched"] == 0,
        "patient_non_200": outcome.recorder.error_count + outcome.failed_iterations,
        "staff_requests": len(every), "staff_non_200": staff.error_count,
        "staff_p50_ms": _ms(percentile(every, 50)), "staff_p99_ms": _ms(percentile(every, 99)),
        "staff_pages": {label: _stats(staff, label) for label in STAFF_PAGES},
        "error_samples": (staff.samples + outcome.recorder.samples)[:10],
    }


def _read(nurse: Client, stop: threading.Event) -> None:
    """The nurse's round until ``stop``: queue, the first submission on it, dashboard."""
    while not stop.is_set():
        queue = _get(nurse, "/staff/", "queue")
        found = _DETAIL.search(queue) if queue else None
        if found:
            _get(nurse, found.group(1), "detail")
        _get(nurse, "/staff/dashboard", "dashboard")


def _get(nurse: Client, path: str, label: str) -> str:
    """One staff page (its status recorded; a non-200 is counted, not fatal)."""
    try:
        return nurse.get(path, label=label).text
    except LoadError as error:
        nurse.recorder.fail(str(error))
        return ""


def _stats(recorder: Recorder, label: str) -> dict:
    values = sorted(recorder.latencies.get(label, []))
    return {"requests": len(values), "p50_ms": _ms(percentile(values, 50)),
            "p99_ms": _ms(percentile(values, 99)), "non_200": recorder.errors.get(label, 0)}


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value * 1000, 1)
