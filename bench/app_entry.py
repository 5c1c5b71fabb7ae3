"""The real app for the benchmarks: ``screener.create_app`` with the per-IP start limit lifted.

The wizard limits how many screenings one IP address may start (a real campaign brings patients
from many addresses); every virtual patient of the benchmark comes from 127.0.0.1.
"""

from screener import create_app as _create_app


def create_app():
    """The app exactly as configured from the environment, minus the start-per-IP limit."""
    return _create_app({"SCREENING_START_RATE_LIMIT": "1000000/minute"})


def create_app_counting():
    """The same app with the queue's status counts taken by ``COUNT(*)`` on the
    (status, review_status) index instead of the trigger-kept ``queue_counts`` table: the
    benchmark's A/B of those triggers at scale (bench/scale_bench.py)."""
    from bench import scale_bench
    from screener.staff import queue_page

    # The name the queue page and its poll call (they import it); patching another module's
    # copy measured the triggers twice (the staff split moved it).
    assert queue_page.status_counts.__module__ == "screener.storage.queue"
    queue_page.status_counts = scale_bench.counted_status_counts
    return create_app()
