"""The clinic's clock: times are stored in UTC and shown, and filtered by day, in the clinic's
time zone (``CLINIC_TIMEZONE``, validated at start-up). Storage reads no app state: the zone is
passed in (the web layer's ``screener.web.clock.clinic_zone()`` reads it)."""

from __future__ import annotations

from datetime import date, datetime, time, tzinfo


def day_start(day: date, zone: tzinfo) -> datetime:
    """Midnight at the start of ``day`` in the clinic's time zone ``zone`` (an aware datetime)."""
    return datetime.combine(day, time.min, tzinfo=zone)


def local(value: datetime, zone: tzinfo) -> datetime:
    """An aware datetime in the clinic's time zone ``zone``."""
    return value.astimezone(zone)
