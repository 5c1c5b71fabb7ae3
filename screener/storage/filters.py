"""Which sent screenings a view holds, as SQL: one filter vocabulary for the queue, exports and
the CLI (``ScreeningFilters``), and ``Period``, the from/to days on their own (the audit log and
the dashboard use it too).

Dates are calendar days in the clinic's time zone (``CLINIC_TIMEZONE``, passed in as ``zone``;
UTC when none is given), both ends inclusive. Reading them from request arguments, with a
``FilterError`` for a bad value, is ``screener.web.filter_args``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta, timezone, tzinfo
from typing import Any

from sqlalchemy import ColumnElement, or_

from screener.storage.clock import day_start
from screener.storage.models import NOT_CLOSED

OPEN, ALL = "open", "all"  # every status but closed (the queue's default); every status
EARLIEST_DAY, LATEST_DAY = date(1900, 1, 1), date(2999, 12, 31)


class FilterError(ValueError):
    """A filter or switch value that cannot be used; ``str(error)`` is the message to show."""


@dataclass(frozen=True)
class Period:
    """Calendar days in the clinic's time zone from ``start`` to ``end``, both inclusive; None
    leaves an end open. The one period class: the queue, exports, audit log and dashboard."""

    start: date | None = None
    end: date | None = None
    # The zone the days are counted in; not part of what the period *is* (equal days compare
    # equal), so the queue's default filters match whatever zone a request passes.
    zone: tzinfo = field(default=timezone.utc, compare=False)
    # The choice that made it, when one did (the dashboard's "4w"); '' for days given.
    preset: str = field(default="", compare=False)

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


TRIGRAM = 3  # the shortest search PostgreSQL's trigram index can answer (migration c0e5adb0b923)


def search_condition(search_text, text: str):
    """Name, email or phone contains ``text``; a phone number matches whatever its punctuation.

    ``search_text`` is the ``Screening.search_text`` column (ORM attribute or table column).
    """
    needle = text.lower()
    if len(needle) < TRIGRAM:
        # Fewer than three characters hold no trigram, and PostgreSQL's trigram index would be
        # read whole (1.6 s at a million, once per priority): ``|| ''`` keeps it to the queue
        # index, whose entries hold search_text (0.8 s at a million).
        search_text = search_text.concat("")
    condition = search_text.contains(needle, autoescape=True)
    digits = "".join(ch for ch in needle if ch.isdigit())
    if len(digits) >= 3 and not needle.strip("+-()./ 0123456789"):
        condition = or_(condition, search_text.contains(digits, autoescape=True))
    return condition


def _either(ids: tuple[str, ...]) -> str:
    return " or ".join(value.replace("_", " ") for value in ids)
