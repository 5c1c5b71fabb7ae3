"""The clinic's time zone for views and commands (storage/clock.py takes it as an argument), and
the clock second factors and login throttles read: the wall clock, or one a test sets on the app
(``app.extensions[CLOCK_KEY]``, a callable returning Unix seconds), so no test depends on where
the wall clock is in its 30-second step."""

from __future__ import annotations

import time
from datetime import datetime, timezone, tzinfo

from flask import current_app, has_app_context

CLOCK_KEY = "screener.clock"


def clinic_zone() -> tzinfo:
    """The clinic's time zone (``CLINIC_TZ``, validated at start-up); UTC outside an app."""
    if has_app_context():
        return current_app.config.get("CLINIC_TZ") or timezone.utc
    return timezone.utc


def now_seconds() -> float:
    """Unix time by the app's clock (the wall clock unless a test set one)."""
    if has_app_context():
        clock = current_app.extensions.get(CLOCK_KEY)
        if clock is not None:
            return clock()
    return time.time()


def utc_now() -> datetime:
    """``now_seconds()`` as an aware UTC datetime."""
    return datetime.fromtimestamp(now_seconds(), timezone.utc)
