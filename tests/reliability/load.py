"""Run many simulated patients at once, then check that nothing was lost or leaked."""

from __future__ import annotations

import random
import re
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from screener.core import rules

from .answers import random_answers, random_contact, secret_markers
from tests.kit.patient import Patient, PatientError


@dataclass
class LoadRun:
    """Patients of one run, with what happened to each, and run-wide figures."""

    patients: list[Patient]
    errors: dict = field(default_factory=dict)
    elapsed: float = 0.0

    @property
    def statuses(self) -> Counter:
        total = Counter()
        for patient in self.patients:
            total.update(patient.result.statuses)
        return total

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())

    @property
    def server_errors(self) -> list:
        return [e for p in self.patients for e in p.result.server_errors]

    @property
    def sent(self) -> int:
        return sum(1 for p in self.patients if p.result.sent)

    @property
    def outcomes(self) -> dict:
        return dict(Counter(p.result.outcome for p in self.patients))

    def summary(self) -> str:
        """One line of figures for the test output and the README."""
        return (f"{len(self.patients)} patients, {self.sent} sent, {self.requests} requests in "
                f"{self.elapsed:.1f}s, statuses {dict(sorted(self.statuses.items()))}, "
                f"outcomes {self.outcomes}")


def make_patients(questionnaire, bases: list[str], count: int, seed: int, **options):
    """``count`` patients with random answers, each from its own loopback address."""
    rng = random.Random(seed)
    return [
        Patient(questionnaire, random_answers(questionnaire, rng), random_contact(n, rng),
                bases, source=f"127.0.{1 + n // 250}.{1 + n % 250}", **options)
        for n in range(count)
    ]


def run(patients: list[Patient], concurrency: int, during=None) -> LoadRun:
    """Walk every patient, ``concurrency`` at a time; ``during(run)`` runs meanwhile."""
    result = LoadRun(patients)
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        futures = {pool.submit(patient.run): patient for patient in patients}
        if during is not None:
            during(result)
        for future, patient in futures.items():
            try:
                future.result(timeout=600)
            except PatientError as error:
                result.errors[patient.contact["email"]] = str(error)
    result.elapsed = time.monotonic() - started
    return result


def submissions_by_email(database_url: str) -> dict:
    """Every submitted screening in the database, keyed by contact email, as plain dicts."""
    from sqlalchemy import select

    from screener.extensions import db
    from screener.storage.models import Screening
    from tests.kit.apps import make_app

    app = make_app(database_url)
    with app.app_context():
        rows = db.session.scalars(select(Screening).where(Screening.status == "submitted"))
        found = {}
        for row in rows:
            found.setdefault(row.contact_email, []).append({
                "id": row.id, "answers": row.answers, "outcome": row.outcome,
                "name": row.contact_name, "phone": row.contact_phone, "assessment": row.assessment,
                "consent_at": row.consent_at, "submitted_at": row.submitted_at,
            })
        db.session.remove()
        db.engine.dispose()
        return found


def audit_actions(database_url: str, screening_id) -> list[str]:
    """The audit trail of one screening, oldest first."""
    from sqlalchemy import select

    from screener.extensions import db
    from screener.storage.models import AuditEvent
    from tests.kit.apps import make_app

    app = make_app(database_url)
    with app.app_context():
        actions = list(db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.screening_id == screening_id)
            .order_by(AuditEvent.id)))
        db.session.remove()
        db.engine.dispose()
    return actions


def lost_or_wrong(questionnaire, patients: list[Patient], stored: dict) -> list[str]:
    """Every way the stored submissions differ from what the patients did (empty: none)."""
    problems = []
    extra = set(stored) - {p.contact["email"] for p in patients}
    if extra:
        problems.append(f"{len(extra)} submissions from nobody in this run")
    for patient in patients:
        email = patient.contact["email"]
        rows = stored.get(email, [])
        if len(rows) != 1:
            problems.append(f"{email}: {len(rows)} submissions")
            continue
        row = rows[0]
        expected = rules.evaluate(questionnaire, patient.answers).outcome
        if row["answers"] != patient.answers:
            problems.append(f"{email}: stored answers differ: {_diff(patient.answers, row)}")
        if row["outcome"] != expected or row["assessment"]["outcome"] != expected:
            problems.append(f"{email}: outcome {row['outcome']}, evaluate gives {expected}")
        if patient.result.outcome != expected:
            problems.append(f"{email}: result page showed {patient.result.outcome}")
        if row["name"] != patient.contact["name"] or row["consent_at"] is None:
            problems.append(f"{email}: contact details or consent missing")
    return problems


def _diff(given: dict, row: dict) -> dict:
    stored = row["answers"] or {}
    keys = set(given) | set(stored)
    return {k: (given.get(k), stored.get(k)) for k in sorted(keys) if given.get(k) != stored.get(k)}


def leaked_lines(log_text: str, patients: list[Patient], questionnaire) -> list[str]:
    """Log lines that carry a patient's contact details or an answer (question id = value)."""
    markers = {m for p in patients for m in secret_markers(p.contact)}
    answer = re.compile(r"\b(" + "|".join(map(re.escape, questionnaire.questions))
                        + r")\b\s*['\"]?\s*[:=]")
    bad = []
    for line in log_text.splitlines():
        if answer.search(line) or any(marker in line for marker in markers):
            bad.append(line)
    return bad
