"""The transactional outbox: side effects that leave the process (urgent alert emails)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Optional

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from screener.storage.models.base import Base, utcnow

OUTBOX_STATUSES = ("pending", "sent", "failed")


class OutboxMessage(Base):
    """One notification to deliver, written in the same transaction as what caused it.

    Holds no health data and no contact details: the kind of message and the screening it is
    about; the text is composed at delivery from the settings. A sender claims a row by setting
    ``claimed_until`` (its lease) before it sends, so two senders never send the same row.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'sent', 'failed')", name="status_known"),
        # What a sender looks for: pending rows that are due.
        Index("ix_outbox_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    screening_id: Mapped[Optional[uuid.UUID]] = mapped_column(
        ForeignKey("screenings.id", ondelete="CASCADE"), index=True
    )
    # The staff account a notice about its own account goes to (``mfa_enrolled``); None for
    # urgent alerts, which go to URGENT_NOTIFY_TO.
    user_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("staff_users.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_until: Mapped[Optional[datetime]]
    claimed_by: Mapped[Optional[str]] = mapped_column(String(64))
    sent_at: Mapped[Optional[datetime]]
    # The last failure's kind (an exception class and SMTP code), never a message body.
    last_error: Mapped[Optional[str]] = mapped_column(String(200))

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.kind} {self.status}>"
