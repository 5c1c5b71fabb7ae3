"""The transactional outbox: enqueue with the change that causes a message, claim, finish.

A message is written in the same transaction as its cause (an urgent submission), so it exists
exactly when the submission does. Senders (a thread in each app process, ``flask notify run``)
claim due rows by setting a lease (``claimed_until``) in a short write transaction —
``FOR UPDATE SKIP LOCKED`` on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite — and send outside it,
so no lock is held while a mail server answers and two senders never send the same row. A
sender that dies mid-send leaves its lease to expire; the row is then sent again (at least
once; the Message-ID stays the same, so mail systems can tell the copies apart).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, insert, literal, or_, select, update

from screener.extensions import db
from screener.storage import audit
from screener.storage.database import begin_write
from screener.storage.models import OutboxMessage, Screening

URGENT_SUBMISSION = "urgent_submission"
MFA_ENROLLED = "mfa_enrolled"  # a notice to the account itself: a second factor was set up
LEASE = timedelta(minutes=2)  # longer than one delivery attempt may take (SMTP timeout)
MAX_BACKOFF_SECONDS = 60  # mail flows within a minute of the server coming back
GIVE_UP_AFTER = timedelta(hours=24)
SENDER_LABEL = "notify"
_o = OutboxMessage.__table__.c


@dataclass(frozen=True)
class Claimed:
    """A row a sender holds the lease on."""

    id: int
    kind: str
    screening_id: uuid.UUID | None
    created_at: datetime
    attempts: int
    user_id: int | None = None  # the account a notice goes to (None: an urgent alert)


def backoff(attempts: int) -> timedelta:
    """The wait before the next attempt after ``attempts`` failures: 1, 2, 4 … 60 seconds."""
    return timedelta(seconds=min(MAX_BACKOFF_SECONDS, 2 ** max(0, min(attempts - 1, 10))))


def enqueue_urgent_submission(session, screening_id: uuid.UUID, now: datetime,
                              up_to: int) -> int:
    """Add an alert for the screening if it is urgent (one statement: no read, no race).

    Urgent means an urgency of ``up_to`` or more urgent (the questionnaire's ``urgent_up_to``,
    1–2): a low suicide risk or a recent admission (3) sorts high in the queue
    but sends no email. Call inside the transaction that submits it; returns how many rows were
    added (0 or 1).
    """
    chosen = select(literal(URGENT_SUBMISSION), Screening.id, literal("pending"), literal(0),
                    literal(now, OutboxMessage.created_at.type),
                    literal(now, OutboxMessage.next_attempt_at.type)).where(
        Screening.id == screening_id, Screening.priority <= up_to)
    result = session.execute(insert(OutboxMessage).from_select(
        ["kind", "screening_id", "status", "attempts", "created_at", "next_attempt_at"], chosen))
    return result.rowcount


def enqueue_account_notice(session, user_id: int, kind: str, now: datetime) -> None:
    """Add a notice to a staff account about its own account (``MFA_ENROLLED``), in the
    transaction of what caused it. It holds the kind and the account, nothing else."""
    session.add(OutboxMessage(kind=kind, user_id=user_id, status="pending", attempts=0,
                              created_at=now, next_attempt_at=now))


def _event(message: Claimed, outcome: str) -> tuple[str, dict]:
    """The audit action and ids of a delivery's outcome ("sent" or "failed")."""
    if message.kind == URGENT_SUBMISSION:
        return f"urgent_alert_{outcome}", {"screening_id": message.screening_id}
    return f"account_notice_{outcome}", {"user_id": message.user_id, "reason": message.kind}


def claim(worker: str, now: datetime, limit: int = 10) -> list[Claimed]:
    """Take the lease on up to ``limit`` due rows, committed before anything is sent."""
    begin_write()  # BEGIN IMMEDIATE on SQLite: one claimer at a time
    session = db.session()
    due = (select(_o.id, _o.kind, _o.screening_id, _o.created_at, _o.attempts, _o.user_id)
           .where(_o.status == "pending", _o.next_attempt_at <= now,
                  or_(_o.claimed_until.is_(None), _o.claimed_until < now))
           .order_by(_o.next_attempt_at, _o.id).limit(limit)
           .with_for_update(skip_locked=True))
    rows = [Claimed(*row) for row in session.execute(due)]
    if rows:
        session.execute(update(OutboxMessage.__table__)
                        .where(_o.id.in_([r.id for r in rows]))
                        .values(claimed_until=now + LEASE, claimed_by=worker))
    session.commit()
    return rows


def mark_sent(message: Claimed, worker: str, now: datetime) -> bool:
    """Record a delivery (and audit it); False when the lease was lost meanwhile."""
    done = _finish(message, worker, status="sent", sent_at=now, claimed_until=None,
                   attempts=message.attempts + 1, last_error=None)
    if done:
        action, ids = _event(message, "sent")
        audit.record(action, **ids, actor_label=SENDER_LABEL, attempts=message.attempts + 1)
    db.session.commit()
    return done


def mark_failed_attempt(message: Claimed, worker: str, now: datetime, error: str) -> str:
    """A failed attempt: retry after the back-off, or give up after ``GIVE_UP_AFTER``.

    Returns the row's new status ("pending" or "failed").
    """
    attempts = message.attempts + 1
    if now - message.created_at >= GIVE_UP_AFTER:
        if _finish(message, worker, status="failed", claimed_until=None, attempts=attempts,
                   last_error=error[:200]):
            action, ids = _event(message, "failed")
            audit.record(action, **ids, actor_label=SENDER_LABEL, attempts=attempts)
        db.session.commit()
        return "failed"
    _finish(message, worker, claimed_until=None, attempts=attempts, last_error=error[:200],
            next_attempt_at=now + backoff(attempts))
    db.session.commit()
    return "pending"


def _finish(message: Claimed, worker: str, **values) -> bool:
    result = db.session.execute(
        update(OutboxMessage.__table__)
        .where(_o.id == message.id, _o.claimed_by == worker, _o.status == "pending")
        .values(**values))
    return result.rowcount == 1


def next_due() -> datetime | None:
    """When the earliest pending row is due (None: nothing pending)."""
    return db.session.scalar(select(func.min(_o.next_attempt_at)).where(_o.status == "pending"))


def unsent(limit: int = 200) -> list[OutboxMessage]:
    """Pending and failed rows, oldest first (``flask notify status``)."""
    return list(db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.status != "sent")
        .order_by(OutboxMessage.created_at, OutboxMessage.id).limit(limit)))


def failed_count() -> int:
    """Alerts given up on (shown to admins on every staff page)."""
    return db.session.scalar(select(func.count()).select_from(OutboxMessage.__table__)
                             .where(_o.status == "failed")) or 0
