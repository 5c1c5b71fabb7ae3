"""What a device keeps of a sent screening: a receipt, and the tokens that no longer open one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from screener.storage.models.base import Base

RETIRED_REASONS = ("sent", "moved")


class Receipt(Base):
    """The sending device's confirmation: found by the hash of the token in its cookie.

    Holds only the reference, the time sent and whether the crisis resources lead; never an
    answer, a score or a result. ``printable_pending`` is true until the printable result has
    been shown once. Deleted by the purge after ``expires_at`` (``DRAFT_TTL_HOURS``).
    """

    __tablename__ = "receipts"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    reference: Mapped[str] = mapped_column(String(16))
    sent_at: Mapped[datetime]
    crisis_first: Mapped[bool]
    printable_pending: Mapped[bool]
    expires_at: Mapped[datetime] = mapped_column(index=True)

    def __repr__(self) -> str:
        return f"<Receipt {self.token_hash[:8]}>"


class RetiredToken(Base):
    """A draft token that no longer opens its screening, and why: ``sent`` (a cookie copied
    before sending) or ``moved`` (resumed on another device). No link to the screening."""

    __tablename__ = "retired_tokens"
    __table_args__ = (
        CheckConstraint("reason IN ('sent', 'moved')", name="reason_known"),
    )

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    reason: Mapped[str] = mapped_column(String(8))
    expires_at: Mapped[datetime] = mapped_column(index=True)

    def __repr__(self) -> str:
        return f"<RetiredToken {self.token_hash[:8]} {self.reason}>"
