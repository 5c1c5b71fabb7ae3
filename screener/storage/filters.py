"""Export filters parsed from a query string or the CLI.

The vocabulary is the staff queue's (``outcome``, ``status`` including ``open`` and ``all``,
``flag``, ``from``, ``to``, ``assigned``, ``q``), so an export link from a filtered queue view
exports what the view shows. Every value is checked; a bad one raises ``FilterError`` with a
message a person can act on (a 400 page on the web, a usage error in the CLI). Dates are calendar
days in UTC and both ends are inclusive. Without ``status`` every review status is exported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Protocol

from sqlalchemy import ColumnElement, Table, or_

from screener.storage.models import REVIEW_STATUSES
from screener.storage.queue import day_start, search_condition
from screener.core.questionnaire import Questionnaire

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
OPEN, ALL = "open", "all"  # the queue's "every status but closed" and "every status"
ASSIGNED_CHOICES = ("me", "none")
MAX_SEARCH = 100
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("", "0", "false", "no", "off")


class FilterError(ValueError):
    """A filter or switch value that cannot be used; ``str(error)`` is the message to show."""


class MultiValues(Protocol):
    def getlist(self, key: str) -> list[str]: ...


@dataclass(frozen=True)
class ExportFilters:
    """Which submissions an export holds. Drafts and unsent screenings are never included."""

    outcomes: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    since: date | None = None
    until: date | None = None
    assigned: str = ""
    assignee_id: int | None = None
    search: str = ""

    def conditions(self, table: Table) -> list[ColumnElement[bool]]:
        """SQL conditions on the ``screenings`` table (bound parameters only)."""
        c = table.c
        where: list[ColumnElement[bool]] = [c.status == "submitted"]
        if self.outcomes:
            where.append(c.outcome.in_(self.outcomes))
        if self.statuses:
            where.append(c.review_status.in_(self.statuses))
        if self.flags:
            # flag_list is ' a b '; autoescape keeps the "_" in flag ids from acting as a wildcard.
            matches = [c.flag_list.contains(f" {flag} ", autoescape=True) for flag in self.flags]
            where.append(or_(*matches))
        if self.since is not None:
            where.append(c.submitted_at >= day_start(self.since))
        if self.until is not None:
            where.append(c.submitted_at < day_start(self.until + timedelta(days=1)))
        if self.assigned == "me":
            where.append(c.assignee_id == self.assignee_id)
        elif self.assigned == "none":
            where.append(c.assignee_id.is_(None))
        if self.search:  # the same search as the queue, so an export matches the view
            where.append(search_condition(c.search_text, self.search))
        return where

    def describe(self) -> dict[str, Any]:
        """The filters as audit detail: ids and dates only (whether a search was used, never its
        text, which may be a patient's name); empty ones left out."""
        described = {"outcome": list(self.outcomes), "status": list(self.statuses),
                     "flag": list(self.flags),
                     "from": self.since.isoformat() if self.since else None,
                     "to": self.until.isoformat() if self.until else None,
                     "assigned": self.assigned, "search": bool(self.search)}
        return {key: value for key, value in described.items() if value}


def parse_filters(
    args: MultiValues, questionnaire: Questionnaire, user_id: int | None = None,
    date_names: tuple[str, str] = ("from", "to"),
) -> ExportFilters:
    """Filters from the arguments; ``outcome``, ``status`` and ``flag`` take several values
    (repeated or comma-separated). ``assigned=me`` means ``user_id``.

    ``date_names`` names the two dates in messages (the CLI calls them --since and --until).
    """
    since, until = _date(args, "from", date_names[0]), _date(args, "to", date_names[1])
    if since and until and since > until:
        raise FilterError(f"{date_names[0]} ({since.isoformat()}) is after "
                          f"{date_names[1]} ({until.isoformat()}).")
    assigned = (_choices(args, "assigned", ASSIGNED_CHOICES) or ("",))[-1]
    if assigned == "me" and user_id is None:
        raise FilterError("assigned: 'me' needs a logged-in staff member.")
    return ExportFilters(
        outcomes=_choices(args, "outcome", [o.id for o in questionnaire.outcomes]),
        statuses=_statuses(_choices(args, "status", (*REVIEW_STATUSES, OPEN, ALL))),
        flags=_choices(args, "flag", [f.id for f in questionnaire.flags]),
        since=since,
        until=until,
        assigned=assigned,
        assignee_id=user_id if assigned == "me" else None,
        search=_search(args),
    )


def parse_switch(args: MultiValues, name: str) -> bool:
    """An on/off query parameter such as ``labels=1``; absent means off."""
    values = args.getlist(name)
    if not values:
        return False
    value = values[-1].strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise FilterError(f"{name}: expected 1 or 0, got {_shown(value)}.")


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


def _statuses(chosen: tuple[str, ...]) -> tuple[str, ...]:
    """``open`` and ``all`` expanded to review statuses (no condition at all for ``all``)."""
    if ALL in chosen:
        return ()
    statuses: list[str] = []
    for status in chosen:
        expanded = [s for s in REVIEW_STATUSES if s != "closed"] if status == OPEN else [status]
        statuses += [s for s in expanded if s not in statuses]
    return tuple(statuses)


def _search(args: MultiValues) -> str:
    values = args.getlist("q")
    text = " ".join(values[-1].split()) if values else ""
    if len(text) > MAX_SEARCH:
        raise FilterError(f"q: search text is limited to {MAX_SEARCH} characters.")
    return text


def _date(args: MultiValues, key: str, name: str) -> date | None:
    values = [v.strip() for v in args.getlist(key) if v.strip()]
    if not values:
        return None
    if len(values) > 1:
        raise FilterError(f"{name}: give one date, not {len(values)}.")
    if not _DATE.fullmatch(values[0]):
        raise FilterError(f"{name}: expected a date like 2026-01-31, got {_shown(values[0])}.")
    try:
        return date.fromisoformat(values[0])
    except ValueError:
        raise FilterError(f"{name}: {values[0]} is not a real date.") from None



def _shown(value: str) -> str:
    """A user-supplied value, shortened, for an error message."""
    return repr(value if len(value) <= 40 else value[:40] + "…")
