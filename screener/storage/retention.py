"""Retention: expired drafts and, when configured, long-closed submissions are deleted.

Before anything is deleted the dashboard's daily counts are rolled up to now, so the numbers of
purged screenings stay on the dashboard (``screener.storage.daily_counts``).
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, select

from screener.storage import audit, daily_counts
from screener.extensions import db
from screener.storage.models import Screening, utcnow


def purge_expired(dry_run: bool = False) -> dict[str, int]:
    """Delete expired unsent screenings and closed submissions past retention; audited."""
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
                db.session.execute(
                    delete(Screening).where(Screening.id.in_(ids[chunk:chunk + 500])),
                    execution_options={"synchronize_session": False},
                )
            counts[name] = len(ids)
    audit.record("purge", dry_run=dry_run, **counts)
    db.session.commit()
    return counts
