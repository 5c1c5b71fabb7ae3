"""The intake queue as a query: filters from the query string, urgent-first order, keyset pages.

``build_queue_query`` is plain SQLAlchemy with no request in sight, so the benchmark can time the
exact query the page runs.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Mapping

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import defer, selectinload

from screener.storage.models import REVIEW_STATUSES, QueueCount, Screening
from screener.core.questionnaire import Questionnaire, Score

PAGE_SIZE = 50
MAX_SEARCH = 100
OPEN = "open"  # every review status except closed: the default view
STATUS_CHOICES = (OPEN, "all", *REVIEW_STATUSES)
ASSIGNED_CHOICES = ("me", "none")
KEY_SCORE_COUNT = 2


class FilterError(ValueError):
    """A query-string filter the queue cannot use; the message says which and why."""


@dataclass(frozen=True)
class QueueFilters:
    outcome: str = ""
    status: str = OPEN
    flag: str = ""
    start: date | None = None
    end: date | None = None
    assigned: str = ""
    q: str = ""

    def to_args(self) -> dict[str, str]:
        """The non-default filters as query-string arguments (for links that keep them)."""
        args = {}
        for key, value in asdict(self).items():
            if key == "status" and value == OPEN:
                continue
            if value:
                args[{"start": "from", "end": "to"}.get(key, key)] = str(value)
        return args

    @property
    def active(self) -> bool:
        """True when anything narrows the default view."""
        return self != QueueFilters()


def parse_filters(args: Mapping[str, str], questionnaire: Questionnaire) -> QueueFilters:
    """Filters from the query string; unknown values raise FilterError."""
    outcome = _choice(args, "outcome", tuple(questionnaire.outcomes_by_id), "outcome")
    flag = _choice(args, "flag", tuple(questionnaire.flags_by_id), "flag")
    status = _choice(args, "status", STATUS_CHOICES, "status") or OPEN
    assigned = _choice(args, "assigned", ASSIGNED_CHOICES, "assignment")
    start, end = parse_day(args, "from"), parse_day(args, "to")
    if start and end and start > end:
        raise FilterError("The 'from' date is after the 'to' date.")
    q = " ".join(args.get("q", "").split())
    if len(q) > MAX_SEARCH:
        raise FilterError(f"Search text is limited to {MAX_SEARCH} characters.")
    return QueueFilters(outcome, status, flag, start, end, assigned, q)


def _choice(args: Mapping[str, str], key: str, allowed: tuple[str, ...], what: str) -> str:
    value = args.get(key, "").strip()
    if value and value not in allowed:
        raise FilterError(f"Unknown {what} {value[:40]!r}. Use one of: {', '.join(allowed)}.")
    return value


def parse_day(args: Mapping[str, str], key: str) -> date | None:
    """The calendar day at ``key`` (YYYY-MM-DD), or None when absent; FilterError otherwise."""
    value = args.get(key, "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise FilterError(f"The '{key}' date must look like 2025-01-31.") from None


def day_start(day: date) -> datetime:
    """Midnight UTC at the start of ``day``: filters take calendar days in UTC."""
    return datetime.combine(day, time.min, tzinfo=timezone.utc)


def build_queue_query(filters: QueueFilters, user_id: int | None = None) -> Select:
    """Submitted screenings matching ``filters``, urgent first, then newest first."""
    query = select(Screening).where(Screening.status == "submitted")
    if filters.status == OPEN:
        query = query.where(Screening.review_status != "closed")
    elif filters.status != "all":
        query = query.where(Screening.review_status == filters.status)
    if filters.outcome:
        query = query.where(Screening.outcome == filters.outcome)
    if filters.flag:
        query = query.where(Screening.flag_list.contains(f" {filters.flag} ", autoescape=True))
    if filters.start:
        query = query.where(Screening.submitted_at >= day_start(filters.start))
    if filters.end:  # inclusive: the whole 'to' day
        query = query.where(Screening.submitted_at < day_start(filters.end + timedelta(days=1)))
    if filters.assigned == "me":
        query = query.where(Screening.assignee_id == user_id)
    elif filters.assigned == "none":
        query = query.where(Screening.assignee_id.is_(None))
    if filters.q:
        query = query.where(search_condition(Screening.search_text, filters.q))
    return query.order_by(*_ORDER)


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


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_ORDER = (Screening.priority.asc(), Screening.submitted_at.desc(), Screening.id.desc())


@dataclass(frozen=True)
class Cursor:
    """A position in the queue order: the sort key of one row."""

    priority: int
    submitted_at: datetime
    id: uuid.UUID

    @classmethod
    def of(cls, screening: Screening) -> Cursor:
        return cls(screening.priority, screening.submitted_at, screening.id)

    def encode(self) -> str:
        micros = (self.submitted_at - _EPOCH) // timedelta(microseconds=1)
        return f"{self.priority}.{micros}.{self.id.hex}"

    @classmethod
    def decode(cls, text: str) -> Cursor:
        """Parse ``encode``'s output; anything else raises FilterError."""
        try:
            priority, micros, hex_id = text.split(".")
            moment = _EPOCH + timedelta(microseconds=int(micros))
            return cls(int(priority), moment, uuid.UUID(hex=hex_id))
        except (ValueError, OverflowError, OSError):
            raise FilterError("That page link is not valid. Start again from the first page.") \
                from None

    def later_in_group(self):
        """Rows after this one among rows of the same priority."""
        return or_(Screening.submitted_at < self.submitted_at,
                   and_(Screening.submitted_at == self.submitted_at, Screening.id < self.id))

    def earlier_in_group(self):
        """Rows before this one among rows of the same priority."""
        return or_(Screening.submitted_at > self.submitted_at,
                   and_(Screening.submitted_at == self.submitted_at, Screening.id > self.id))


@dataclass(frozen=True)
class QueuePage:
    rows: list[Screening]
    next: str | None
    previous: str | None


def fetch_page(session, query: Select, after: str = "", before: str = "",
               size: int = PAGE_SIZE) -> QueuePage:
    """One page of ``query`` (from ``build_queue_query``) after or before a cursor."""
    query = query.options(defer(Screening.answers), defer(Screening.contact_message),
                          selectinload(Screening.assignee))
    if before:
        rows = _walk(session, query, Cursor.decode(before), size + 1, backwards=True)
        return _page(rows[:size][::-1], has_next=True, has_previous=len(rows) > size)
    cursor = Cursor.decode(after) if after else None
    rows = _walk(session, query, cursor, size + 1, backwards=False)
    return _page(rows[:size], has_next=len(rows) > size, has_previous=bool(after))


def _walk(session, query: Select, cursor: Cursor | None, limit: int,
          backwards: bool) -> list[Screening]:
    """Up to ``limit`` rows from the cursor on, one priority at a time.

    Urgent first but newest first runs against the direction of the (status, priority,
    submitted_at) index; within one priority the order is a plain index range scan, so each page
    costs the same however deep it is.
    """
    rows: list[Screening] = []
    priority = cursor.priority if cursor else _next_priority(session, None, backwards)
    order = (Screening.submitted_at.asc(), Screening.id.asc()) if backwards else (
        Screening.submitted_at.desc(), Screening.id.desc())
    while priority is not None and len(rows) < limit:
        group = query.where(Screening.priority == priority).order_by(None).order_by(*order)
        if cursor is not None and priority == cursor.priority:
            group = group.where(cursor.earlier_in_group() if backwards
                                else cursor.later_in_group())
        rows += session.scalars(group.limit(limit - len(rows)))
        priority = _next_priority(session, priority, backwards)
    return rows


def _next_priority(session, current: int | None, backwards: bool) -> int | None:
    """The next priority present among submissions in walking order (one index seek)."""
    query = select((func.max if backwards else func.min)(Screening.priority)).where(
        Screening.status == "submitted")
    if current is not None:
        query = query.where(Screening.priority < current if backwards
                            else Screening.priority > current)
    return session.scalar(query)


def _page(rows: list[Screening], has_next: bool, has_previous: bool) -> QueuePage:
    if not rows:
        return QueuePage(rows, None, None)
    return QueuePage(
        rows,
        Cursor.of(rows[-1]).encode() if has_next else None,
        Cursor.of(rows[0]).encode() if has_previous else None,
    )


def status_counts(session) -> dict[str, int]:
    """How many submissions are in each review status (kept by triggers: four rows, not a
    scan of every submission)."""
    counts = dict.fromkeys(REVIEW_STATUSES, 0)
    counts.update(session.execute(select(QueueCount.review_status, QueueCount.submissions)).all())
    return counts


def key_scores(questionnaire: Questionnaire, score_ids: Any = None) -> list[Score]:
    """The queue's score columns: ``score_ids`` when given, else the first two banded scores."""
    if score_ids is None:
        return [score for score in questionnaire.scores if score.bands][:KEY_SCORE_COUNT]
    return [questionnaire.scores_by_id[s] for s in score_ids if s in questionnaire.scores_by_id]
