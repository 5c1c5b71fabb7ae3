"""The dashboard's periods: a preset (the last 4 weeks, 13 weeks, 12 months) or custom days.

A period is the shared filter vocabulary's ``Period`` (``screener.storage.filters``), with
``preset`` naming the choice that made it; its days are read by the same rules and messages as
the queue, the exports and the audit log.
"""

from __future__ import annotations

from datetime import date, timedelta, tzinfo

from screener.storage import daily_counts
from screener.storage.filters import FilterError, Period
from screener.web.filter_args import period_from_args

PERIODS = {"4w": ("Last 4 weeks", 4), "13w": ("Last 13 weeks", 13), "12m": ("Last 12 months", 52)}
CUSTOM = "custom"
DEFAULT_PERIOD = "4w"
CUSTOM_DAYS = 28  # a custom period with only a 'to' date: the four weeks up to it
MAX_DAYS = 3 * 366


def parse_period(args, today: date, zone: tzinfo) -> Period:
    """The period from ``period`` (4w, 13w, 12m, custom) and ``from``/``to``; FilterError when
    something cannot be used. Both ends are set, in clinic days."""
    keys = [value.strip() for value in args.getlist("period") if value.strip()]
    key = keys[-1] if keys else ""
    if key and key not in (*PERIODS, CUSTOM):
        shown = key if len(key) <= 40 else key[:40] + "…"
        raise FilterError(f"period: unknown value {shown!r} "
                          f"(known: {', '.join(PERIODS)}, {CUSTOM}).")
    given = period_from_args(args, zone=zone)
    since, until = given.start, given.end
    if key == CUSTOM or ((since or until) and not key):
        if since is None and until is None:
            raise FilterError("period: a custom period needs a from date, a to date or both.")
        last = until or max(today, since)
        first = since or last - timedelta(days=CUSTOM_DAYS - 1)
        if (last - first).days >= MAX_DAYS:
            raise FilterError(f"from, to: a custom period is at most {MAX_DAYS} days long.")
        return Period(first, last, zone, preset=CUSTOM)
    key = key or DEFAULT_PERIOD
    weeks = PERIODS[key][1]
    first = daily_counts.week_start(today) - timedelta(weeks=weeks - 1)
    return Period(first, today, zone, preset=key)


def label(period: Period) -> str:
    """'Last 4 weeks', or '2026-01-01 to 2026-01-31' for custom days."""
    if period.preset in PERIODS:
        return PERIODS[period.preset][0]
    return period.in_words()


def weeks(period: Period) -> list[date]:
    """The Monday of every week the period touches."""
    monday = daily_counts.week_start(period.start)
    found = []
    while monday <= period.end:
        found.append(monday)
        monday += timedelta(weeks=1)
    return found


def link_args(period: Period) -> dict[str, str]:
    """The query arguments that choose this period again."""
    if period.preset in PERIODS:
        return {"period": period.preset}
    return {"period": CUSTOM, **period.to_args()}
