"""Small reads for staff pages: open submissions assigned to someone, contact attempts per row."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from screener.storage.models import ContactAttempt, Screening


@dataclass(frozen=True)
class AttemptSummary:
    count: int
    last_at: datetime
    last_outcome: str


def open_assigned_count(session, user_id: int) -> int:
    """Submitted, not closed screenings assigned to ``user_id`` (the assignee index)."""
    return session.scalar(
        select(func.count()).select_from(Screening).where(
            Screening.assignee_id == user_id, Screening.status == "submitted",
            Screening.review_status != "closed")) or 0


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
