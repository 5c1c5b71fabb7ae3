"""Floor vs wizard step (GET and POST of one step, one draft per virtual patient), and whole
screenings per second with every row checked afterwards."""

from __future__ import annotations

import random
import statistics
from pathlib import Path

from sqlalchemy import create_engine, func, select

from screener.core import rules
from screener.storage.models import Screening
from screener.core.questionnaire import Questionnaire
from tests.kit.pages import parse

from . import floor_app, servers
from .load import Client, LoadError, run
from .patient import PREFIX, REDIRECTS, AnswerSource, Patient


class _Floor:
    """The floor's GET and POST phases (its server must be running)."""

    label = "floor"

    def __init__(self):
        self.bodies: dict[int, list] = {}

    def setup(self, client: Client, number: int) -> None:
        form = parse(client.get("/").text).form_posting_to("/")
        rng = random.Random(number)
        self.bodies[number] = form.hidden() + [(f"q{i}", str(rng.randrange(4)))
                                               for i in range(1, floor_app.QUESTIONS + 1)]

    def get(self, client: Client, number: int) -> None:
        client.get("/", label="GET")

    def post(self, client: Client, number: int) -> None:
        client.post("/", self.bodies[number], label="POST", expect=(303,))


class _Step:
    """One wizard step's GET and POST phases, each virtual patient on its own draft."""

    label = "step"

    def __init__(self, questionnaire: Questionnaire, step_id: str):
        self.questionnaire = questionnaire
        self.path = PREFIX + step_id
        self.source = AnswerSource(questionnaire)
        self.posts: dict[int, tuple[str, list]] = {}

    def setup(self, client: Client, number: int) -> None:
        patient = Patient(client, self.questionnaire, self.source.stream(number)())
        self.posts[number] = patient.step_post(self.path[len(PREFIX):])

    def get(self, client: Client, number: int) -> None:
        client.get(self.path, label="GET")

    def post(self, client: Client, number: int) -> None:
        action, body = self.posts[number]
        client.post(action, body, label="POST", expect=REDIRECTS)


ROUNDS = 3  # floor and step alternate this many times per method (see _combine)


def measure_step_vs_floor(app_db: servers.Database, floor_db: servers.Database, logs: Path,
                          questionnaire: Questionnaire, step_id: str, users: int,
                          seconds: float, budget: int, rounds: int = ROUNDS) -> dict:
    """Floor and step, GET then POST; within each, ``rounds`` alternations of a floor phase and a
    step phase (``seconds`` split between them), so both see the same machine load."""
    floor_app.init_database(floor_db.sqlalchemy_url)
    floor_env = servers.app_env(floor_db.url, FLOOR_DATABASE_URL=floor_db.sqlalchemy_url)
    floor, step = _Floor(), _Step(questionnaire, step_id)
    results = {"floor": {"errors": 0, "error_samples": []},
               "step": {"errors": 0, "error_samples": []}}
    with servers.serving(servers.FLOOR_TARGET, floor_env, logs) as floor_server, \
            servers.serving(servers.APP_TARGET, servers.app_env(app_db.url), logs) as app_server:
        for method in ("GET", "POST"):
            phases = {"floor": [], "step": []}
            for _ in range(rounds):
                for subject, server in ((floor, floor_server), (step, app_server)):
                    phase = getattr(subject, method.lower())
                    outcome, cpu = _timed_phase(server, subject, phase, users,
                                                seconds / rounds, max(1, budget // rounds))
                    phases[subject.label].append((outcome, cpu))
                    result = results[subject.label]
                    result["errors"] += outcome.recorder.error_count + outcome.failed_iterations
                    result["error_samples"] += outcome.recorder.samples
            for label, runs in phases.items():
                results[label][method] = _combine(runs, method)
        results["step"]["worker_restarts"] = app_server.worker_restarts()
    posted = results["floor"]["POST"]
    rows = floor_app.count_rows(floor_db.sqlalchemy_url)
    results["floor"]["rows_verified"] = rows == posted["requests"] - posted["errors"]
    return results


def _combine(runs: list, method: str) -> dict:
    """One figure from several short phases: requests/s and server CPU over all of them; p50
    and p99 the median of the phases' own, so one phase that met a burst of other load on a
    shared machine does not decide the comparison (each phase's figures are kept too)."""
    stats = [outcome.stats(method) for outcome, _ in runs]
    elapsed = sum(outcome.elapsed for outcome, _ in runs)
    requests = sum(s["requests"] for s in stats)
    combined = {"requests": requests, "rps": round(requests / elapsed, 1) if elapsed else 0.0,
                "p50_ms": _median([s["p50_ms"] for s in stats]),
                "p99_ms": _median([s["p99_ms"] for s in stats]),
                "errors": sum(s["errors"] for s in stats), "phases": stats}
    cpu = [(c["server_cpu_ms"], s["requests"]) for (_, c), s in zip(runs, stats)
           if "server_cpu_ms" in c]
    if cpu and requests:
        combined["server_cpu_ms"] = round(sum(ms * n for ms, n in cpu) / sum(n for _, n in cpu), 3)
    return combined


def _median(values: list) -> float | None:
    present = [v for v in values if v is not None]
    return round(statistics.median(present), 2) if present else None


def _timed_phase(server: servers.GunicornServer, subject, phase, users: int, seconds: float,
                 budget: int):
    """One load phase, and the server's CPU milliseconds per request during it."""
    cpu = {}
    outcome = run(server.url, users, phase, duration=seconds, max_iterations=budget,
                  setup=subject.setup,
                  on_start=lambda: cpu.setdefault("start", server.cpu_seconds()))
    end, start = server.cpu_seconds(), cpu.get("start")
    requests = sum(len(v) for v in outcome.recorder.latencies.values())
    if end is None or start is None or not requests:
        return outcome, {}
    return outcome, {"server_cpu_ms": round((end - start) * 1000 / requests, 3)}


def measure_journeys(db: servers.Database, logs: Path, questionnaire: Questionnaire,
                     users: int, seconds: float, budget: int) -> dict:
    """Complete screenings per second (start, every step, review, result, send, sent)."""
    source = AnswerSource(questionnaire, seed=users)
    streams = {n: source.stream(n) for n in range(users)}

    def journey(client: Client, number: int) -> None:
        patient = Patient(client, questionnaire, streams[number]())
        shown = patient.complete()
        expected = rules.evaluate(questionnaire, patient.answers).outcome
        if shown != expected:
            raise LoadError(f"result page shows {shown!r}, rules.evaluate gives {expected!r}")

    with servers.serving(servers.APP_TARGET, servers.app_env(db.url), logs) as server:
        outcome = run(server.url, users, journey, duration=seconds, max_iterations=budget,
                      fresh_client=True)
    requests = sum(len(v) for v in outcome.recorder.latencies.values())
    check = verify_submissions(db, questionnaire)
    return {
        "users": users, "screenings": outcome.iterations,
        "per_second": round(outcome.iterations / outcome.elapsed, 2),
        "requests_per_second": round(requests / outcome.elapsed, 1),
        "errors": outcome.recorder.error_count + outcome.failed_iterations,
        "error_samples": outcome.recorder.samples,
        "rows": check["submitted"], "rows_verified": check["submitted"] == outcome.iterations
        and check["mismatched"] == 0,
        "outcome_mismatches": check["mismatched"],
        "latency": {label: outcome.stats(label) for label in sorted(outcome.recorder.latencies)},
    }


def verify_submissions(db: servers.Database, questionnaire: Questionnaire) -> dict:
    """Submitted rows, and how many of them disagree with a fresh ``rules.evaluate``."""
    engine = create_engine(db.sqlalchemy_url)
    table = Screening.__table__
    try:
        with engine.connect() as connection:
            query = select(table.c.answers, table.c.outcome).where(table.c.status == "submitted")
            rows = connection.execute(query).all()
            drafts = connection.scalar(select(func.count()).select_from(table)
                                       .where(table.c.status != "submitted"))
    finally:
        engine.dispose()
    mismatched = sum(rules.evaluate(questionnaire, answers).outcome != outcome
                     for answers, outcome in rows)
    return {"submitted": len(rows), "unsent": drafts, "mismatched": mismatched}
