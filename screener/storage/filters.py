"""Which sent screenings a view holds: one filter vocabulary for the queue, exports and the CLI.

``outcome``, ``status`` (a review status, ``open`` for every status but closed, or ``all``),
``flag``, ``from``, ``to``, ``assigned`` (``me`` or ``none``) and ``q`` (a name, email or phone
search). ``outcome``, ``status`` and ``flag`` take several values, repeated or comma-separated.
An export link from a filtered queue view therefore exports what the view shows.

Every value is checked; a bad one raises ``FilterError`` whose message names the parameter and
says what is wrong (a 400 page on the web, a usage error in the CLI). Dates are calendar days in
the clinic's time zone (``CLINIC_TIMEZONE``, passed in as ``zone`` where filters are read from
request arguments or options; UTC when none is given), both ends inclusive, written ``YYYY-MM-DD`` in ASCII digits between ``EARLIEST_DAY`` and
``LATEST_DAY``; ``Period`` is the from/to pair on its own (the audit log uses it too).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta, timezone, tzinfo
from typing import Any, Protocol

from sqlalchemy import ColumnElement, or_

from screener.core.questionnaire import Questionnaire
from screener.core.values import parse_bool
from screener.storage.clock import day_start
from screener.storage.models import NOT_CLOSED, REVIEW_STATUSES

OPEN, ALL = "open", "all"  # every status but closed (the queue's default); every status
STATUS_CHOICES = (OPEN, ALL, *REVIEW_STATUSES)
ASSIGNED_CHOICES = ("me", "none")
MAX_SEARCH = 100
EARLIEST_DAY, LATEST_DAY = date(1900, 1, 1), date(2999, 12, 31)
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # ASCII digits only, unlike \d


class FilterError(ValueError):
    """A filter or switch value that cannot be used; ``str(error)`` is the message to show."""


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


@dataclass(frozen=True)
class Period:
    """Calendar days in the clinic's time zone from ``start`` to ``end``, both inclusive; None
    leaves an end open."""

    start: date | None = None
    end: date | None = None
    # The zone the days are counted in; not part of what the period *is* (equal days compare
    # equal), so the queue's default filters match whatever zone a request passes.
    zone: tzinfo = field(default=timezone.utc, compare=False)

    @classmethod
    def from_args(cls, args: MultiValues, names: tuple[str, str] = ("from", "to"),
                  zone: tzinfo = timezone.utc) -> Period:
        """The ``from`` and ``to`` arguments (blank ones ignored), as days in ``zone`` (the
        clinic's); ``names`` name them in messages (the CLI calls them --since and --until)."""
        start, end = _day_arg(args, "from", names[0]), _day_arg(args, "to", names[1])
        if start and end and start > end:
            raise FilterError(f"{names[0]} ({start.isoformat()}) is after "
                              f"{names[1]} ({end.isoformat()}).")
        return cls(start, end, zone)

    def to_args(self) -> dict[str, str]:
        """The period as query-string arguments (open ends left out)."""
        args = {"from": self.start.isoformat() if self.start else "",
                "to": self.end.isoformat() if self.end else ""}
        return {key: value for key, value in args.items() if value}

    def conditions(self, moment) -> list[ColumnElement[bool]]:
        """SQL conditions putting the timestamp column ``moment`` inside the period."""
        where = []
        if self.start is not None:
            where.append(moment >= day_start(self.start, self.zone))
        if self.end is not None:  # inclusive: before the start of the next day
            where.append(moment < day_start(self.end + timedelta(days=1), self.zone))
        return where

    def in_words(self) -> str:
        """'2026-01-01 to 2026-01-31', 'from 2026-01-01', 'up to 2026-01-31' or ''."""
        if self.start and self.end:
            return f"{self.start.isoformat()} to {self.end.isoformat()}"
        if self.start:
            return f"from {self.start.isoformat()}"
        return f"up to {self.end.isoformat()}" if self.end else ""


@dataclass(frozen=True)
class ScreeningFilters:
    """Which sent screenings a view holds; empty fields do not narrow it. Drafts and unsent
    screenings are never included."""

    outcomes: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()  # review statuses; () is every status
    flags: tuple[str, ...] = ()
    period: Period = field(default_factory=Period)
    assigned: str = ""  # "me" (assignee_id) or "none"
    assignee_id: int | None = None
    search: str = ""

    @classmethod
    def from_args(cls, args: MultiValues, questionnaire: Questionnaire,
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
        return cls(
            outcomes=_choices(args, "outcome", [o.id for o in questionnaire.outcomes]),
            statuses=_expand_statuses(chosen),
            flags=_choices(args, "flag", [f.id for f in questionnaire.flags]),
            period=Period.from_args(args, date_names, zone),
            assigned=assigned,
            assignee_id=user_id if assigned == "me" else None,
            search=_search(args),
        )

    @property
    def status(self) -> str:
        """The statuses as one ``status`` argument: ``all``, ``open``, one status or a list."""
        if not self.statuses:
            return ALL
        return OPEN if self.statuses == NOT_CLOSED else ",".join(self.statuses)

    def to_args(self, default_status: str = ALL) -> dict[str, str]:
        """The filters as query-string arguments, leaving out empty ones and a status equal to
        ``default_status``: ``from_args`` of the result gives these filters back."""
        args = {"q": self.search, "status": "" if self.status == default_status else self.status,
                "outcome": ",".join(self.outcomes), "flag": ",".join(self.flags),
                "assigned": self.assigned}
        args = {key: value for key, value in args.items() if value}
        return {**args, **self.period.to_args()}

    def conditions(self, columns) -> list[ColumnElement[bool]]:
        """SQL conditions (bound parameters only) on the screenings' ``columns``: the ORM class
        ``Screening`` or the table's ``.c``."""
        c = columns
        where: list[ColumnElement[bool]] = [c.status == "submitted"]
        if self.statuses == NOT_CLOSED:  # the queue's default: one comparison per row
            where.append(c.review_status != "closed")
        elif self.statuses:
            where.append(_one_of(c.review_status, self.statuses))
        if self.outcomes:
            where.append(_one_of(c.outcome, self.outcomes))
        if self.flags:
            # flag_list is ' a b '; autoescape keeps the "_" in flag ids from acting as a wildcard.
            matches = [c.flag_list.contains(f" {flag} ", autoescape=True) for flag in self.flags]
            where.append(or_(*matches))
        where += self.period.conditions(c.submitted_at)
        if self.assigned == "me":
            where.append(c.assignee_id == self.assignee_id)
        elif self.assigned == "none":
            where.append(c.assignee_id.is_(None))
        if self.search:
            where.append(search_condition(c.search_text, self.search))
        return where

    def describe(self) -> dict[str, Any]:
        """The filters as audit detail: ids and dates only (whether a search was used, never its
        text, which may be a patient's name); empty ones left out."""
        described = {"outcome": list(self.outcomes), "status": list(self.statuses),
                     "flag": list(self.flags),
                     "from": self.period.start.isoformat() if self.period.start else None,
                     "to": self.period.end.isoformat() if self.period.end else None,
                     "assigned": self.assigned, "search": bool(self.search)}
        return {key: value for key, value in described.items() if value}

    def in_words(self) -> str:
        """The filters as a short phrase ('outcome crisis; status open; received 2026-01-01 to
        2026-01-31'), or '' when nothing narrows the view. Like ``describe``, no search text."""
        parts = []
        if self.outcomes:
            parts.append("outcome " + _either(self.outcomes))
        if self.statuses:
            parts.append("status " + (OPEN if self.statuses == NOT_CLOSED
                                      else _either(self.statuses)))
        if self.flags:
            parts.append("flag " + _either(self.flags))
        if self.period.start or self.period.end:
            parts.append("received " + self.period.in_words())
        if self.assigned:
            parts.append("assigned to me" if self.assigned == "me" else "unassigned")
        if self.search:
            parts.append("matching a search")
        return "; ".join(parts)


def _one_of(column, values: tuple[str, ...]) -> ColumnElement[bool]:
    """``column = value`` for one value (the queue's form picks one), else ``IN``."""
    return column == values[0] if len(values) == 1 else column.in_(values)


def search_condition(search_text, text: str):
    """Name, email or phone contains ``text``; a phone number matches whatever its punctuation.

    ``search_text`` is the ``Screening.search_text`` column (ORM attribute or table column).
    """
    needle = text.lower()
    condition = search_text.contains(needle, autoescape=True)
    digits = "".join(ch for ch in needle if ch.isdigit())
    if len(digits) >= 3 and not needle.strip("+-()./ 0123456789"):
        condition = or_(condition, search_text.contains(digits, autoescape=True))
    return condition


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


def _either(ids: tuple[str, ...]) -> str:
    return " or ".join(value.replace("_", " ") for value in ids)


def _shown(value: str) -> str:
    """A user-supplied value, shortened, for an error message."""
    return repr(value if len(value) <= 40 else value[:40] + "…")
