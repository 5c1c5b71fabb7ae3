"""A screening: a patient's draft, then their completed answers and, if sent, a submission."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any, Optional

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from screener.storage.models.base import Base, JSONType, utcnow

if TYPE_CHECKING:
    from screener.storage.models.contact import ContactAttempt
    from screener.storage.models.staff import Note, StaffUser

SCREENING_STATUSES = ("draft", "completed", "submitted")
REVIEW_STATUSES = ("new", "in_review", "contacted", "closed")
# "Open" means two things, named apart: WAITING for the clinic to act (urgent ones sort first,
# urgent counts and alerts) and NOT_CLOSED (the queue's default view, one's open assignments).
WAITING = ("new", "in_review")
NOT_CLOSED = tuple(status for status in REVIEW_STATUSES if status != "closed")
CONTACT_METHODS = ("email", "phone", "text")
NO_PRIORITY = 99  # sort key for submissions without an urgent flag


def search_text_for(name: str | None, email: str | None, phone: str | None) -> str:
    """The text the staff search looks in: contact fields lower-cased, plus the phone's digits."""
    digits = "".join(ch for ch in phone or "" if ch.isdigit())
    parts = (name or "", email or "", phone or "", digits)
    return " ".join(part.strip().lower() for part in parts if part)[:700]


def queue_priority(urgency: int | None, review_status: str) -> int:
    """The queue's sort key: the most urgent flag's urgency while the submission waits for the
    clinic (new, in review); once contacted or closed it sorts by time like any other."""
    if urgency is None or review_status not in WAITING:
        return NO_PRIORITY
    return urgency


def flag_list_for(flags: list[str]) -> str:
    """Flags as the ' a b ' string a LIKE '% a %' filter matches whole ids in."""
    return (" " + " ".join(flags) + " ") if flags else ""


def hash_token(token: str) -> str:
    """The stored form of a secret token (a patient's draft, a staff login): the token itself is
    never stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class QuestionnaireVersion(Base):
    """The exact questionnaire text a screening was answered under, kept so that old
    submissions stay readable after ``questions.yaml`` changes."""

    __tablename__ = "questionnaire_versions"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    questionnaire_id: Mapped[str] = mapped_column(String(100))
    version: Mapped[str] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<QuestionnaireVersion {self.questionnaire_id} {self.version} {self.sha256[:8]}>"


class QueueCount(Base):
    """Submissions per review status, for the queue's status tabs.

    Written only by database triggers on ``screenings`` (see migration c3e1f0b7d2a4), so every
    way a screening is written keeps the counts exact; the app never writes this table.
    """

    __tablename__ = "queue_counts"

    review_status: Mapped[str] = mapped_column(String(16), primary_key=True)
    submissions: Mapped[int]


class Screening(Base):
    """One patient's screening, from draft to submission: answers, assessment, contact, review."""

    __tablename__ = "screenings"
    __table_args__ = (
        CheckConstraint(
            "status IN ('draft', 'completed', 'submitted')", name="status_known"
        ),
        CheckConstraint(
            "review_status IN ('new', 'in_review', 'contacted', 'closed')",
            name="review_status_known",
        ),
        CheckConstraint(
            "status != 'submitted' OR (submitted_at IS NOT NULL AND outcome IS NOT NULL "
            "AND consent_at IS NOT NULL)",
            name="submitted_is_complete",
        ),
        # The intake queue: submitted, urgent first, newest first, one priority at a time. The
        # trailing columns let the status filter and a search be checked inside the index, so a
        # search that matches few rows reads the index, not 100,000 table rows.
        Index("ix_screenings_queue", "status", "priority", "submitted_at", "id",
              "review_status", "search_text"),
        Index("ix_screenings_status_review", "status", "review_status"),
        # "Assigned to me": the count in the staff header is read from the index alone.
        Index("ix_screenings_assignee_open", "assignee_id", "status", "review_status"),
        Index("ix_screenings_status_expires", "status", "expires_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    token_hash: Mapped[Optional[str]] = mapped_column(String(64), unique=True)
    questionnaire_id: Mapped[str] = mapped_column(String(100))
    questionnaire_version: Mapped[str] = mapped_column(String(40))
    questionnaire_sha256: Mapped[str] = mapped_column(
        ForeignKey("questionnaire_versions.sha256")
    )
    status: Mapped[str] = mapped_column(String(16), default="draft")
    answers: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    current_step: Mapped[Optional[str]] = mapped_column(String(64))
    # What a page with errors was sent with, kept for the redirect that shows it (Post/Redirect/
    # Get): {"page": step id or "send", "data": {name: [values]}, "problem": code}. Taken (and
    # cleared) by the next view of that page.
    pending_input: Mapped[Optional[dict[str, Any]]] = mapped_column(JSONType)
    # The patient's language for the screening ("en", "es"): the pages they read, remembered on
    # the resume code and stored with the submission. Answers are ids whatever the language.
    # Only a server default: rows written by code older than this column still insert.
    language: Mapped[str] = mapped_column(String(8), server_default="en")
    # The short code the patient quotes when calling (``K7Q-4M9``), set when sent.
    reference: Mapped[Optional[str]] = mapped_column(String(16), unique=True, index=True)
    # The hash of the code that resumes this draft on another device (patient/resume.py).
    resume_code_hash: Mapped[Optional[str]] = mapped_column(String(64), unique=True, index=True)
    # created_at and completed_at are indexed for the dashboard: it counts the events since its
    # last roll-up (a day's worth) from the rows, by these times.
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    expires_at: Mapped[Optional[datetime]]
    completed_at: Mapped[Optional[datetime]] = mapped_column(index=True)
    submitted_at: Mapped[Optional[datetime]] = mapped_column(index=True)

    # The assessment computed at completion; queryable columns where staff filter.
    outcome: Mapped[Optional[str]] = mapped_column(String(32), index=True)
    # See queue_priority: urgent first only while the submission is open.
    priority: Mapped[int] = mapped_column(default=NO_PRIORITY)
    flags: Mapped[list[str]] = mapped_column(JSONType, default=list)
    flag_list: Mapped[str] = mapped_column(String(200), default="")
    assessment: Mapped[Optional[dict[str, Any]]] = mapped_column(JSONType)

    # Contact details, only once the patient sends the screening to the clinic.
    contact_name: Mapped[Optional[str]] = mapped_column(String(200))
    contact_email: Mapped[Optional[str]] = mapped_column(String(320))
    contact_phone: Mapped[Optional[str]] = mapped_column(String(40))
    contact_method: Mapped[Optional[str]] = mapped_column(String(10))
    contact_time: Mapped[Optional[str]] = mapped_column(String(200))
    contact_message: Mapped[Optional[str]] = mapped_column(Text)
    consent_at: Mapped[Optional[datetime]]
    # Lower-cased name, email, phone and phone digits, for the staff search.
    search_text: Mapped[str] = mapped_column(String(700), default="")

    # Intake review.
    review_status: Mapped[str] = mapped_column(String(16), default="new", index=True)
    assignee_id: Mapped[Optional[int]] = mapped_column(ForeignKey("staff_users.id"))
    review_updated_at: Mapped[Optional[datetime]]

    assignee: Mapped[Optional[StaffUser]] = relationship(foreign_keys=[assignee_id])
    notes: Mapped[list[Note]] = relationship(
        back_populates="screening", order_by="Note.created_at", cascade="all, delete-orphan"
    )
    attempts: Mapped[list[ContactAttempt]] = relationship(
        back_populates="screening", order_by="ContactAttempt.created_at",
        cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Screening {self.id} {self.status}>"

