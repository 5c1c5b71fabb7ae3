"""The intake queue as a query: ``ScreeningFilters``, urgent-first order, keyset pages.

``build_queue_query`` is plain SQLAlchemy with no request in sight, so the benchmark can time the
exact query the page runs.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.orm import defer, selectinload

from screener.core.questionnaire import Questionnaire, Score
from screener.storage.filters import OPEN, NOT_CLOSED, FilterError, ScreeningFilters
from screener.storage.models import NO_PRIORITY, REVIEW_STATUSES, QueueCount, Screening

PAGE_SIZE = 50
QUEUE_STATUS = OPEN  # the status shown when the query string names none
DEFAULT_FILTERS = ScreeningFilters(statuses=NOT_CLOSED)  # the queue with nothing chosen
KEY_SCORE_COUNT = 2


def build_queue_query(filters: ScreeningFilters) -> Select:
    """Submitted screenings matching ``filters``: open flagged ones first, most urgent first and
    oldest waiting first within an urgency; then the rest newest first."""
    return select(Screening).where(*filters.conditions(Screening)).order_by(*_ORDER)


# A search matching at most this many submissions is found once, then walked by id.
FEW_MATCHES = 500


def searched_queue_query(session, filters: ScreeningFilters, few: int = FEW_MATCHES) -> Select:
    """``build_queue_query``, with a search that matches at most ``few`` submissions narrowed
    to their ids.

    A page walks the queue one priority at a time, and each step ran the search again: at a
    million submissions PostgreSQL's trigram index answered each in 45 ms, four times a page.
    Found once, the matches are then read by primary key. A search matching more is left as it
    is: its rows turn up early along the queue index.
    """
    query = build_queue_query(filters)
    if not filters.search:
        return query
    ids = session.scalars(query.with_only_columns(Screening.id).order_by(None)
                          .limit(few + 1)).all()
    return query if len(ids) > few else query.where(Screening.id.in_(ids))


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_URGENT = Screening.priority < NO_PRIORITY
# Open and flagged first, by urgency (1 and 2 are "urgent"; 3, such as a low suicide risk or a
# recent admission, still sorts above unflagged rows), oldest waiting first within one urgency;
# the rest newest first. ``_walk`` pages through the same order one priority at a time.
_ORDER = (Screening.priority.asc(), case((_URGENT, Screening.submitted_at)).asc(),
          case((_URGENT, Screening.id)).asc(), Screening.submitted_at.desc(), Screening.id.desc())
NEWEST_FIRST = (Screening.submitted_at.desc(), Screening.id.desc())
OLDEST_FIRST = (Screening.submitted_at.asc(), Screening.id.asc())


def oldest_first(priority: int) -> bool:
    """Whether rows of ``priority`` are served oldest first (flagged ones waiting longest)."""
    return priority < NO_PRIORITY


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
            moment = _EPOCH + timedelta(microseconds=_int64(micros))
            return cls(_int64(priority), moment, uuid.UUID(hex=hex_id))
        except (ValueError, OverflowError, OSError):
            raise FilterError("That page link is not valid. Start again from the first page.") \
                from None

    def later_in_group(self):
        """Rows after this one among rows of the same priority."""
        return self._beyond(newer=oldest_first(self.priority))

    def earlier_in_group(self):
        """Rows before this one among rows of the same priority."""
        return self._beyond(newer=not oldest_first(self.priority))

    def _beyond(self, newer: bool):
        # The redundant bound (>= or <=) is what lets the database start its index scan at the
        # cursor: with the OR alone PostgreSQL walked every row before it and filtered them
        # (280 ms at half-way down a million submissions; 0.1 ms with the bound).
        if newer:
            return and_(Screening.submitted_at >= self.submitted_at, or_(
                Screening.submitted_at > self.submitted_at,
                and_(Screening.submitted_at == self.submitted_at, Screening.id > self.id)))
        return and_(Screening.submitted_at <= self.submitted_at, or_(
            Screening.submitted_at < self.submitted_at,
            and_(Screening.submitted_at == self.submitted_at, Screening.id < self.id)))


def _int64(text: str) -> int:
    """An integer written in ASCII digits that fits a database's 64-bit integer, else ValueError.

    ``int()`` alone takes "١٢", "1_0" and " 7", and a 20-digit number overflows SQLite's binding.
    """
    if not _INT64.fullmatch(text):
        raise ValueError(text)
    value = int(text)
    if not -(2 ** 63) <= value < 2 ** 63:
        raise ValueError(text)
    return value


_INT64 = re.compile(r"-?[0-9]{1,19}")


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
        rows = _walk(session, query, Cursor.decode(before), size + 1, BACKWARD)
        return _page(rows[:size][::-1], has_next=True, has_previous=len(rows) > size)
    cursor = Cursor.decode(after) if after else None
    rows = _walk(session, query, cursor, size + 1, FORWARD)
    return _page(rows[:size], has_next=len(rows) > size, has_previous=bool(after))


@dataclass(frozen=True)
class Direction:
    """Which way a page walks the queue order: all that differs between "Next" and "Previous"."""

    first: Callable  # the SQL aggregate picking the first priority to visit (min or max)
    beyond: Callable[[int], ColumnElement[bool]]  # priorities after one, in walking order
    order: Callable[[int], tuple]  # the row order within one priority
    past: Callable[[Cursor], ColumnElement[bool]]  # rows after the cursor within its priority


FORWARD = Direction(func.min, lambda priority: Screening.priority > priority,
                    lambda p: OLDEST_FIRST if oldest_first(p) else NEWEST_FIRST,
                    Cursor.later_in_group)
BACKWARD = Direction(func.max, lambda priority: Screening.priority < priority,
                     lambda p: NEWEST_FIRST if oldest_first(p) else OLDEST_FIRST,
                     Cursor.earlier_in_group)


def _walk(session, query: Select, cursor: Cursor | None, limit: int,
          direction: Direction) -> list[Screening]:
    """Up to ``limit`` rows from the cursor on (from the start without one), one priority at a
    time, in ``direction``.

    Urgent first but newest first runs against the direction of the (status, priority,
    submitted_at) index; within one priority the order is a plain index range scan, so each page
    costs the same however deep it is.
    """
    rows: list[Screening] = []
    priority = cursor.priority if cursor else _next_priority(session, None, direction)
    while priority is not None and len(rows) < limit:
        group = query.where(Screening.priority == priority).order_by(None).order_by(
            *direction.order(priority))
        if cursor is not None and priority == cursor.priority:
            group = group.where(direction.past(cursor))
        rows += session.scalars(group.limit(limit - len(rows)))
        priority = _next_priority(session, priority, direction)
    return rows


MOST_URGENT = 1


def newly_arrived(session, query: Select, since: datetime | None,
                  other_than: uuid.UUID) -> Screening | None:
    """The oldest most urgent (urgency 1) submission of ``query`` sent after ``since``, other
    than ``other_than``: it comes next whatever the nurse's place in the queue."""
    if since is None:
        return None
    return session.scalars(
        query.where(Screening.priority == MOST_URGENT, Screening.submitted_at > since,
                    Screening.id != other_than)
        .order_by(None).order_by(*OLDEST_FIRST).limit(1)).first()


def poll_summary(session, query: Select, size: int, up_to: int) -> dict:
    """What the queue page's refresh poll needs: the urgent waiting count and the ids of the
    first page (ids only: no names, answers or flags)."""
    page = fetch_page(session, query, size=size)
    return {"urgent": urgent_waiting(session, up_to), "ids": [str(row.id) for row in page.rows]}


def _next_priority(session, current: int | None, direction: Direction) -> int | None:
    """The next priority present among submissions in walking order (one index seek)."""
    query = select(direction.first(Screening.priority)).where(Screening.status == "submitted")
    if current is not None:
        query = query.where(direction.beyond(current))
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


WAITING_STATUSES = ("new", "in_review")  # not yet contacted: someone must still act


def urgent_waiting(session, up_to: int) -> int:
    """Urgent submissions nobody has contacted yet: open, with an urgency of ``up_to`` or more
    urgent (the questionnaire's ``urgent_up_to``; an index range over urgent rows only)."""
    return session.scalar(select(func.count()).select_from(Screening).where(
        Screening.status == "submitted", Screening.priority <= up_to,
        Screening.review_status.in_(WAITING_STATUSES))) or 0


def waiting_for(moment: datetime, now: datetime | None = None) -> str:
    """How long since ``moment``, short: "waiting 25 min", "waiting 3 h", "waiting 2 d 4 h"."""
    minutes = max(0, int(((now or datetime.now(timezone.utc)) - moment).total_seconds() // 60))
    if minutes < 60:
        return f"waiting {minutes} min"
    hours = minutes // 60
    if hours < 48:
        return f"waiting {hours} h"
    return f"waiting {hours // 24} d {hours % 24} h"


def key_scores(questionnaire: Questionnaire, score_ids: Any = None) -> list[Score]:
    """The queue's score columns: ``score_ids`` when given, else the first two banded scores."""
    if score_ids is None:
        return [score for score in questionnaire.scores if score.bands][:KEY_SCORE_COUNT]
    return [questionnaire.scores_by_id[s] for s in score_ids if s in questionnaire.scores_by_id]
