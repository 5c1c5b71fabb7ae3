"""Retention: expired drafts and, when configured, long-closed submissions are deleted.

Before anything is deleted the dashboard's daily counts are rolled up to now, so the numbers of
purged screenings stay on the dashboard (``screener.storage.daily_counts``).
"""

from __future__ import annotations

from datetime import timedelta, tzinfo

from sqlalchemy import delete, func, select

from screener.core.questionnaire import Questionnaire
from screener.storage import audit, daily_counts, receipts, staff_accounts
from screener.storage.database import begin_write
from screener.storage.models import Screening, utcnow


def purge_expired(session, closed_days: int, zone: tzinfo, current: Questionnaire,
                  dry_run: bool = False, actor_label: str | None = None) -> dict[str, int]:
    """Delete expired unsent screenings and, when ``closed_days`` > 0, submissions closed
    longer ago than that; audited, with ``actor_label`` as the actor ("cli" from the command
    line). ``zone`` is the clinic's, for the dashboard's days;
    ``current`` the questionnaire in force, for its counts. A maintenance job: it commits.

    The audit trail of a deleted screening stays as written (who did what, when): audit rows are
    append-only (triggers on SQLite, grants on PostgreSQL), so the purge writes its own event
    instead of editing old ones.
    """
    now = utcnow()
    expired_drafts = (Screening.status != "submitted") & (Screening.expires_at < now)
    conditions = {"drafts": expired_drafts}
    days = closed_days or 0
    if days > 0:
        conditions["closed"] = (
            (Screening.status == "submitted")
            & (Screening.review_status == "closed")
            & (Screening.review_updated_at < now - timedelta(days=days))
        )
    counts = {"drafts": 0, "closed": 0}
    if not dry_run:
        daily_counts.roll_up(session, now, zone, current)  # committed on its own, before any delete
        begin_write()  # reads ids, then deletes them: take SQLite's write lock first
    for name, condition in conditions.items():
        if dry_run:
            counts[name] = session.scalar(select(func.count()).where(condition)) or 0
        else:
            ids = session.scalars(select(Screening.id).where(condition)).all()
            for chunk in range(0, len(ids), 500):
                part = ids[chunk:chunk + 500]
                session.execute(
                    delete(Screening).where(Screening.id.in_(part)),
                    execution_options={"synchronize_session": False},
                )
            counts[name] = len(ids)
    if not dry_run:
        receipts.purge_expired(session, now)  # what sending devices kept: nothing to count
        # Pending logins (a password waiting for its code) last ten minutes; the rows hold
        # hashes and counts only, kept a day for the wrong-code counts they carried.
        staff_accounts.forget_old_pending(session, now - timedelta(days=1))
    audit.record("purge", actor_label=actor_label, dry_run=dry_run, **counts)
    session.commit()
    return counts
