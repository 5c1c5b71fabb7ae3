"""Retention: expired drafts and, when configured, long-closed submissions are deleted.

Before anything is deleted the dashboard's daily counts are rolled up to now, so the numbers of
purged screenings stay on the dashboard (``screener.storage.daily_counts``).
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, select, update

from screener.storage import audit, daily_counts, receipts
from screener.extensions import db
from screener.storage.models import AuditEvent, Screening, utcnow


def purge_expired(dry_run: bool = False, actor_label: str | None = None) -> dict[str, int]:
    """Delete expired unsent screenings and closed submissions past retention; audited, with
    ``actor_label`` as the actor ("cli" from the command line).

    The audit trail of a deleted screening stays (who did what, when), but the address the
    patient sent it from (their own events: no staff actor) is removed with it.
    """
    now = utcnow()
    expired_drafts = (Screening.status != "submitted") & (Screening.expires_at < now)
    conditions = {"drafts": expired_drafts}
    days = current_app.config.get("CLOSED_RETENTION_DAYS") or 0
    if days > 0:
        conditions["closed"] = (
            (Screening.status == "submitted")
            & (Screening.review_status == "closed")
            & (Screening.review_updated_at < now - timedelta(days=days))
        )
    counts = {"drafts": 0, "closed": 0}
    if not dry_run:
        daily_counts.roll_up(db.session, now, daily_counts.clinic_zone())
    for name, condition in conditions.items():
        if dry_run:
            counts[name] = db.session.scalar(select(func.count()).where(condition)) or 0
        else:
            ids = db.session.scalars(select(Screening.id).where(condition)).all()
            for chunk in range(0, len(ids), 500):
                part = ids[chunk:chunk + 500]
                db.session.execute(
                    delete(Screening).where(Screening.id.in_(part)),
                    execution_options={"synchronize_session": False},
                )
                db.session.execute(
                    update(AuditEvent)
                    .where(AuditEvent.screening_id.in_(part), AuditEvent.actor_id.is_(None),
                           AuditEvent.actor_label.is_(None), AuditEvent.remote_addr.is_not(None))
                    .values(remote_addr=None),
                    execution_options={"synchronize_session": False},
                )
            counts[name] = len(ids)
    if not dry_run:
        receipts.purge_expired(db.session, now)  # what sending devices kept: nothing to count
    audit.record("purge", actor_label=actor_label, dry_run=dry_run, **counts)
    db.session.commit()
    return counts
