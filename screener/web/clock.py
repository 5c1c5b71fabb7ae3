"""The clinic's time zone for views and commands (storage/clock.py takes it as an argument)."""

from __future__ import annotations

from datetime import timezone, tzinfo

from flask import current_app, has_app_context


def clinic_zone() -> tzinfo:
    """The clinic's time zone (``CLINIC_TZ``, validated at start-up); UTC outside an app."""
    if has_app_context():
        return current_app.config.get("CLINIC_TZ") or timezone.utc
    return timezone.utc
