"""The clinician dashboard at 100,000 submissions: the first view of the day (which rolls the
daily counts up) and then the pages as a clinician reads them, p50/p99 per period."""

from __future__ import annotations

import time
from pathlib import Path

from . import queue_bench, servers
from .load import Client

PERIODS = {"4_weeks": "/staff/dashboard", "13_weeks": "/staff/dashboard?period=13w",
           "12_months": "/staff/dashboard?period=12m",
           "csv_4_weeks": "/staff/dashboard.csv"}


def measure_dashboard(db: servers.Database, logs: Path, submissions: int, repeat: int,
                      first_view_timeout: float = 30, extra_env: dict | None = None) -> dict:
    """Time the dashboard on a database already seeded with ``submissions`` (the queue's).

    ``first_view_timeout`` (and a ``GUNICORN_TIMEOUT`` in ``extra_env``) let the first view
    roll up a million submissions, which takes minutes, in one request."""
    env = servers.app_env(db.url, **(extra_env or {}))
    with servers.serving(servers.APP_TARGET, env, logs) as server:
        client = Client(server.url, timeout=first_view_timeout)
        queue_bench.login(client)
        started = time.perf_counter()
        client.get(PERIODS["4_weeks"])  # the first view of the day rolls the counts up
        first_view = time.perf_counter() - started
        pages = {}
        for name, url in PERIODS.items():
            # Server CPU per request (gunicorn master and workers, from /proc) beside the wall
            # times: on a shared machine it moves far less than p50 does.
            before = server.cpu_seconds()
            pages.update(queue_bench.time_pages(client, {name: url}, repeat))
            after = server.cpu_seconds()
            if before is not None and after is not None:
                pages[name]["server_cpu_ms"] = round((after - before) * 1000 / (repeat + 2), 2)
        client.close()
    return {"submissions": submissions, "first_view_with_roll_up_s": round(first_view, 2),
            "pages": pages}
