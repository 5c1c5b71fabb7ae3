"""Small reads for staff pages: one sent submission, open submissions assigned to someone,
contact attempts per row."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from screener.storage.models import NOT_CLOSED, ContactAttempt, Note, Screening


@dataclass(frozen=True)
class AttemptSummary:
    count: int
    last_at: datetime
    last_outcome: str


def sent_submission(session, screening_id: uuid.UUID, with_notes: bool = False) -> Screening | None:
    """The submitted screening with this id, or None (drafts and unsent results are not staff's);
    ``with_notes`` loads its notes and their authors too."""
    query = select(Screening).where(Screening.id == screening_id, Screening.status == "submitted")
    if with_notes:
        query = query.options(selectinload(Screening.notes).selectinload(Note.author))
    return session.scalar(query)


MINE_CAP = 100  # counted up to here, shown as "99+": the header stays one short index read


def open_assigned_count(session, user_id: int, cap: int = MINE_CAP) -> int:
    """Submitted, not closed screenings assigned to ``user_id``, counted up to ``cap``."""
    # IN, not != 'closed': one index seek per status, not a walk past every closed entry.
    mine = (select(Screening.assignee_id).where(
        Screening.assignee_id == user_id, Screening.status == "submitted",
        Screening.review_status.in_(NOT_CLOSED)).limit(cap).subquery())
    return session.scalar(select(func.count()).select_from(mine)) or 0


def attempt_summaries(session, ids: list[uuid.UUID]) -> dict[uuid.UUID, AttemptSummary]:
    """For each of ``ids`` with attempts: how many, and the last one's time and outcome."""
    if not ids:
        return {}
    rows = session.execute(
        select(ContactAttempt.screening_id, ContactAttempt.created_at, ContactAttempt.outcome)
        .where(ContactAttempt.screening_id.in_(ids))
        .order_by(ContactAttempt.screening_id, ContactAttempt.created_at)).all()
    counts: dict[uuid.UUID, int] = {}
    summaries: dict[uuid.UUID, AttemptSummary] = {}
    for screening_id, at, outcome in rows:
        counts[screening_id] = counts.get(screening_id, 0) + 1
        summaries[screening_id] = AttemptSummary(counts[screening_id], at, outcome)
    return summaries
