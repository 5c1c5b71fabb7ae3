"""Safety answers as first given: rows only ever added, never changed by later answers."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from screener.storage.models.base import Base, JSONType, utcnow


class SafetyAnswer(Base):
    """One safety answer a step saved (``safety_answers`` in questions.yaml), with its time.

    Kept apart from ``Screening.answers`` so that no later change, skip logic or merge of the
    answers can reach it; the app only inserts here. Deleted with its screening (start over,
    draft purge, retention).
    """

    __tablename__ = "safety_answers"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True
    )
    screening_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("screenings.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[str] = mapped_column(String(64))
    value: Mapped[Any] = mapped_column(JSONType)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<SafetyAnswer {self.id} {self.screening_id} {self.question_id}>"
