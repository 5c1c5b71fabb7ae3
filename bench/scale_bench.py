"""One large PostgreSQL database (``run.py --scale 1000000``): the queue, the dashboard and the
CSV export at a clinic's many years of submissions.

Seeded by ``flask dev seed N --batch 10000`` (executemany, one transaction per batch), vacuumed
and analysed as autovacuum would leave it, then: the queue's four pages with the status counts
read from the trigger-kept ``queue_counts`` table and, on the same rows, counted from the index
(the A/B that decides whether those triggers stay); the dashboard after its first roll-up; the
CSV export through the CLI against the Core + csv floor. NDJSON and Excel are left out: at a
million rows they are a 10 GB file and half an hour, and their speed per row is the 100,000 run's.
"""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import create_engine, func, select, text

from screener.core.questionnaire import Questionnaire
from screener.storage.models import REVIEW_STATUSES, QueueCount, Screening

from . import dashboard_bench, export_bench, queue_bench, servers
from .load import Client, percentile

SEED_BATCH = 10_000
COUNTING_TARGET = "bench.app_entry:create_app_counting()"
ROLL_UP_TIMEOUT = "3600"  # seconds a worker may take over the first dashboard view's roll-up


def counted_status_counts(session) -> dict[str, int]:
    """Submissions per review status counted from the (status, review_status) index."""
    counts = dict.fromkeys(REVIEW_STATUSES, 0)
    counts.update(session.execute(_COUNTED).all())
    return counts


_COUNTED = (select(Screening.review_status, func.count()).where(Screening.status == "submitted")
            .group_by(Screening.review_status))
_KEPT = select(QueueCount.review_status, QueueCount.submissions)


def measure_at_scale(db: servers.Database, logs: Path, questionnaire: Questionnaire, size: int,
                     repeat: int) -> dict:
    """Everything measured at ``size`` submissions, in one database."""
    present = queue_bench.count_submitted(db)
    queue_bench.create_staff(db, again=present > 0)
    # A kept database (--scale-database) is seeded once, up to ``size``.
    seeding = (queue_bench.seed(db, size - present, batch=SEED_BATCH) if present < size
               else {"rows": 0}) | {"already_there": present}
    seeding["vacuum_analyze_s"] = _vacuum_analyze(db)
    results = {"seed": seeding, "queue": {str(size): _queue(db, logs, questionnaire, repeat)}}
    results["queue"][str(size)]["seed"] = seeding
    results["counts_query"] = _counts_queries(db, repeat)
    results["dashboard"] = dashboard_bench.measure_dashboard(
        db, logs, size, repeat, first_view_timeout=float(ROLL_UP_TIMEOUT),
        extra_env={"GUNICORN_TIMEOUT": ROLL_UP_TIMEOUT})
    results["exports"] = _exports(db, size)
    return results


def _queue(db: servers.Database, logs: Path, questionnaire: Questionnaire, repeat: int) -> dict:
    """The queue's pages served by the app as it is, then by the counting twin, alternately."""
    measured: dict = {"pages": {}, "pages_counting": {}}
    env = servers.app_env(db.url)
    with servers.serving(servers.APP_TARGET, env, logs) as kept, \
            servers.serving(COUNTING_TARGET, env, logs) as counting:
        clients = {"pages": Client(kept.url), "pages_counting": Client(counting.url)}
        for client in clients.values():
            queue_bench.login(client)
        urls = queue_bench.queue_urls(clients["pages"], db, questionnaire)
        rounds = {key: [] for key in clients}
        for _ in range(3):  # alternate, so a burst of other load hits both alike
            for key, client in clients.items():
                rounds[key].append(queue_bench.time_pages(client, urls, max(repeat // 3, 5)))
        for key, client in clients.items():
            measured[key] = _median_of(rounds[key])
            client.close()
        measured["rows_on_first_page"] = queue_bench.rows_on(clients["pages"], "/staff/")
    return measured


def _median_of(rounds: list[dict]) -> dict:
    """Per page: the median of the rounds' p50s and the largest p99."""
    pages = {}
    for name in rounds[0]:
        p50s = sorted(r[name]["p50_ms"] for r in rounds)
        pages[name] = {"p50_ms": p50s[len(p50s) // 2],
                       "p99_ms": max(r[name]["p99_ms"] for r in rounds),
                       "requests": sum(r[name]["requests"] for r in rounds),
                       "errors": sum(r[name]["errors"] for r in rounds)}
    return pages


def _counts_queries(db: servers.Database, repeat: int) -> dict:
    """The two ways of counting alone, alternating on one connection (ms), with the plan."""
    engine = create_engine(db.sqlalchemy_url)
    timings: dict[str, list[float]] = {"queue_counts_table": [], "count_on_index": []}
    try:
        with engine.connect() as connection:
            plan = "\n".join(connection.execute(
                text("EXPLAIN ANALYZE " + str(_COUNTED.compile(
                    engine, compile_kwargs={"literal_binds": True})))).scalars())
            for _ in range(repeat + 2):
                for key, query in (("queue_counts_table", _KEPT), ("count_on_index", _COUNTED)):
                    started = time.perf_counter()
                    connection.execute(query).all()
                    timings[key].append(time.perf_counter() - started)
    finally:
        engine.dispose()
    return {key: {"p50_ms": _ms(values[2:], 50), "p99_ms": _ms(values[2:], 99)}
            for key, values in timings.items()} | {"plan": plan}


def _ms(values: list[float], pct: int) -> float:
    return round(percentile(sorted(values), pct) * 1000, 2)


def _vacuum_analyze(db: servers.Database) -> float:
    """VACUUM ANALYZE after the bulk load, as autovacuum would leave the table: statistics for
    the planner and a visibility map for index-only scans. Seconds taken."""
    engine = create_engine(db.sqlalchemy_url, isolation_level="AUTOCOMMIT")
    started = time.perf_counter()
    try:
        with engine.connect() as connection:
            connection.execute(text("VACUUM ANALYZE"))
    finally:
        engine.dispose()
    return round(time.perf_counter() - started, 1)


def _exports(db: servers.Database, size: int) -> dict:
    results = {"rows": size, "csv": export_bench.cli_export(db, db.folder, size, "csv")}
    results["floor_csv"] = export_bench.floor_export(db, db.folder, size)
    for name in ("export.csv", "floor.csv"):
        (db.folder / name).unlink(missing_ok=True)
    return results
