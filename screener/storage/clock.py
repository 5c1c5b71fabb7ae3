"""The clinic's clock: times are stored in UTC and shown, and filtered by day, in the clinic's
time zone (``CLINIC_TIMEZONE``, validated at start-up)."""

from __future__ import annotations

from datetime import date, datetime, time, timezone, tzinfo

from flask import current_app, has_app_context


def clinic_zone() -> tzinfo:
    """The clinic's time zone; UTC outside an app."""
    if has_app_context():
        return current_app.config.get("CLINIC_TZ") or timezone.utc
    return timezone.utc


def day_start(day: date, zone: tzinfo | None = None) -> datetime:
    """Midnight at the start of ``day`` in the clinic's time zone (an aware datetime)."""
    return datetime.combine(day, time.min, tzinfo=zone or clinic_zone())


def local(value: datetime, zone: tzinfo | None = None) -> datetime:
    """An aware datetime in the clinic's time zone."""
    return value.astimezone(zone or clinic_zone())
