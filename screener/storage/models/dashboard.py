"""Daily counts for the clinician dashboard, kept when retention deletes the rows they count."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, String
from sqlalchemy.orm import Mapped, mapped_column

from screener.storage.models.base import Base


class DailyCount(Base):
    """How many events of one kind fell on one clinic day: ``measure`` names the kind
    (``started``, ``completed``, ``sent``, ``outcome``, ``urgent``, ``score:<id>``,
    ``contact_urgent``, ``contact_other``) and ``item`` the value counted (an outcome id, a band
    id, a score value, minutes to first contact; empty for the funnel). No patient, no id."""

    __tablename__ = "daily_counts"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    measure: Mapped[str] = mapped_column(String(40), primary_key=True)
    item: Mapped[str] = mapped_column(String(64), primary_key=True)
    total: Mapped[int]

    def __repr__(self) -> str:
        return f"<DailyCount {self.day} {self.measure} {self.item}={self.total}>"


class CountsRolledUp(Base):
    """One row: every event before ``through`` is in ``daily_counts``; later ones are counted
    from the rows when the dashboard is read."""

    __tablename__ = "daily_counts_rolled_up"

    id: Mapped[int] = mapped_column(primary_key=True)
    through: Mapped[datetime]

    def __repr__(self) -> str:
        return f"<CountsRolledUp through {self.through}>"
