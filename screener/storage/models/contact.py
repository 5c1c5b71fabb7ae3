"""Contact attempts: each call, message or email staff tried, and how it went."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Optional

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from screener.storage.models.base import Base, utcnow

if TYPE_CHECKING:
    from screener.storage.models.screening import Screening
    from screener.storage.models.staff import StaffUser

ATTEMPT_METHODS = ("phone", "email", "text")
ATTEMPT_OUTCOMES = ("reached", "voicemail", "no_answer", "wrong_number")


class ContactAttempt(Base):
    """One attempt to reach the patient of a submission (append-only, like notes)."""

    __tablename__ = "contact_attempts"
    __table_args__ = (
        CheckConstraint("method IN ('phone', 'email', 'text')", name="method_known"),
        CheckConstraint("outcome IN ('reached', 'voicemail', 'no_answer', 'wrong_number')",
                        name="outcome_known"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    screening_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("screenings.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"))
    method: Mapped[str] = mapped_column(String(10))
    outcome: Mapped[str] = mapped_column(String(16))
    note: Mapped[Optional[str]] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    screening: Mapped[Screening] = relationship(back_populates="attempts")
    author: Mapped[StaffUser] = relationship()

    def __repr__(self) -> str:
        return f"<ContactAttempt {self.id} {self.outcome}>"


KEPT_KINDS = ("note", "attempt")


class KeptNote(Base):
    """A note (or a contact attempt's note) typed while the login had timed out: kept for its
    author's next login and put back into the form, never saved as a note by itself."""

    __tablename__ = "kept_notes"
    __table_args__ = (CheckConstraint("kind IN ('note', 'attempt')", name="kind_known"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"),
                                         index=True)
    screening_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("screenings.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    body: Mapped[str] = mapped_column(Text)
    method: Mapped[Optional[str]] = mapped_column(String(10))
    outcome: Mapped[Optional[str]] = mapped_column(String(16))
    kept_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<KeptNote {self.id} {self.kind}>"
