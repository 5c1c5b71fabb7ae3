"""Audit events: who did what to which screening, never the answers or contact details."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Optional

from sqlalchemy import BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from screener.storage.models.base import Base, JSONType, utcnow


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True
    )
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("staff_users.id"), index=True)
    actor_label: Mapped[Optional[str]] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(64), index=True)
    # No foreign key: the trail outlives a screening deleted by retention.
    screening_id: Mapped[Optional[uuid.UUID]] = mapped_column(index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    remote_addr: Mapped[Optional[str]] = mapped_column(String(45))

    def __repr__(self) -> str:
        return f"<AuditEvent {self.id} {self.action}>"
