"""Filters read from request arguments (or the CLI's options, as a ``MultiDict``): every value
checked, a bad one a ``FilterError`` whose message names the parameter and says what is wrong.

``outcome``, ``status`` (a review status, ``open`` for every status but closed, or ``all``),
``flag``, ``from``, ``to``, ``assigned`` (``me`` or ``none``) and ``q`` (a name, email or phone
search); ``outcome``, ``status`` and ``flag`` take several values, repeated or comma-separated.
Days are written ``YYYY-MM-DD`` in ASCII digits between ``EARLIEST_DAY`` and ``LATEST_DAY``.
What they select, as SQL, is ``screener.storage.filters``.
"""

from __future__ import annotations

import re
from datetime import date, timezone, tzinfo
from typing import Protocol

from screener.core.questionnaire import Questionnaire
from screener.core.values import parse_bool
from screener.storage.filters import (ALL, EARLIEST_DAY, LATEST_DAY, OPEN, FilterError, Period,
                                      ScreeningFilters)
from screener.storage.models import NOT_CLOSED, REVIEW_STATUSES

STATUS_CHOICES = (OPEN, ALL, *REVIEW_STATUSES)
ASSIGNED_CHOICES = ("me", "none")
MAX_SEARCH = 100
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # ASCII digits only, unlike \d


class MultiValues(Protocol):
    """Request arguments (a werkzeug ``MultiDict``): every value given for a name."""

    def getlist(self, key: str) -> list[str]: ...


def parse_day(value: str, name: str) -> date:
    """A calendar day written ``YYYY-MM-DD``; ``name`` is the parameter, for the message."""
    value = value.strip()
    if not _DAY.fullmatch(value):
        raise FilterError(f"{name}: expected a date like 2026-01-31, got {_shown(value)}.")
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise FilterError(f"{name}: {value} is not a real date.") from None
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        raise FilterError(f"{name}: {value} is out of range (use a date from "
                          f"{EARLIEST_DAY.isoformat()} to {LATEST_DAY.isoformat()}).")
    return day


def period_from_args(args: MultiValues, names: tuple[str, str] = ("from", "to"),
                     zone: tzinfo = timezone.utc) -> Period:
    """The ``from`` and ``to`` arguments (blank ones ignored), as days in ``zone`` (the
    clinic's); ``names`` name them in messages (the CLI calls them --since and --until)."""
    start, end = _day_arg(args, "from", names[0]), _day_arg(args, "to", names[1])
    if start and end and start > end:
        raise FilterError(f"{names[0]} ({start.isoformat()}) is after "
                          f"{names[1]} ({end.isoformat()}).")
    return Period(start, end, zone)


def screening_filters(args: MultiValues, questionnaire: Questionnaire,
                      user_id: int | None = None, default_status: str = ALL,
                      date_names: tuple[str, str] = ("from", "to"),
                      zone: tzinfo = timezone.utc) -> ScreeningFilters:
    """Filters from request arguments. ``default_status`` applies when no status is given
    (the queue shows ``open``, exports ``all``); ``assigned=me`` means ``user_id``; dates
    are days in ``zone`` (the clinic's)."""
    assigned = (_choices(args, "assigned", ASSIGNED_CHOICES) or ("",))[-1]
    if assigned == "me" and user_id is None:
        raise FilterError("assigned: 'me' needs a logged-in staff member.")
    chosen = _choices(args, "status", STATUS_CHOICES) or (default_status,)
    return ScreeningFilters(
        outcomes=_choices(args, "outcome", [o.id for o in questionnaire.outcomes]),
        statuses=_expand_statuses(chosen),
        flags=_choices(args, "flag", [f.id for f in questionnaire.flags]),
        period=period_from_args(args, date_names, zone),
        assigned=assigned,
        assignee_id=user_id if assigned == "me" else None,
        search=_search(args),
    )


def parse_switch(args: MultiValues, name: str) -> bool:
    """An on/off query parameter such as ``labels=1``; absent means off."""
    values = args.getlist(name)
    if not values:
        return False
    try:
        return parse_bool(values[-1], default=False)
    except ValueError:
        shown = _shown(values[-1].strip().lower())
        raise FilterError(f"{name}: expected 1 or 0, got {shown}.") from None


def _choices(args: MultiValues, name: str, allowed) -> tuple[str, ...]:
    chosen: list[str] = []
    for raw in args.getlist(name):
        for value in (part.strip() for part in raw.split(",")):
            if not value:
                continue
            if value not in allowed:
                raise FilterError(f"{name}: unknown value {_shown(value)} "
                                  f"(known: {', '.join(allowed)}).")
            if value not in chosen:
                chosen.append(value)
    return tuple(chosen)


def _expand_statuses(chosen: tuple[str, ...]) -> tuple[str, ...]:
    """``open`` and ``all`` expanded to review statuses (``()`` for every status), in the
    workflow's order so that equal choices compare equal."""
    if ALL in chosen:
        return ()
    wanted = set(NOT_CLOSED if OPEN in chosen else ()) | set(chosen)
    return tuple(status for status in REVIEW_STATUSES if status in wanted)


def _search(args: MultiValues) -> str:
    values = args.getlist("q")
    text = " ".join(values[-1].split()) if values else ""
    if len(text) > MAX_SEARCH:
        raise FilterError(f"q: search text is limited to {MAX_SEARCH} characters.")
    return text


def _day_arg(args: MultiValues, key: str, name: str) -> date | None:
    values = [v for v in args.getlist(key) if v.strip()]
    if not values:
        return None
    if len(values) > 1:
        raise FilterError(f"{name}: give one date, not {len(values)}.")
    return parse_day(values[0], name)


def _shown(value: str) -> str:
    """A user-supplied value, shortened, for an error message."""
    return repr(value if len(value) <= 40 else value[:40] + "…")
