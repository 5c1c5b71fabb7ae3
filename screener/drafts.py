"""Wizard drafts: a Screening row found through a random token in the signed session cookie.

The browser holds only the token; the row stores only its hash, and the answers live in the
database, so several workers can serve one patient and a restarted server loses nothing.
Every write first claims the row with a conditional UPDATE (``status != 'submitted'``), so a
screening sent to the clinic can never change again, even through a request that loaded it a
moment before, and sending twice at once makes exactly one submission.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any, Mapping

from flask import current_app, session
from sqlalchemy import delete, select, update

from . import audit
from .extensions import db
from .models import NO_PRIORITY, Screening, hash_token, search_text_for, utcnow
from .questionnaire import Questionnaire
from .rules import Assessment
from .submissions import apply_assessment
from .versions import ensure_current_version_stored

SESSION_KEY = "screening_token"
_ORM_ONLY = {"synchronize_session": False}


def ttl() -> timedelta:
    """How long an unsent screening is kept after its last save."""
    return timedelta(hours=current_app.config["DRAFT_TTL_HOURS"])


def is_expired(screening: Screening, now: datetime | None = None) -> bool:
    """An unsent screening past its ``expires_at`` counts as gone (purge deletes it later)."""
    if screening.status == "submitted" or screening.expires_at is None:
        return False
    return screening.expires_at <= (now or utcnow())


def had_token() -> bool:
    """The session carries a screening token (found or not)."""
    return isinstance(session.get(SESSION_KEY), str)


def current() -> Screening | None:
    """The session's screening, unless there is none or it has expired."""
    token = session.get(SESSION_KEY)
    if not isinstance(token, str) or not token:
        return None
    screening = db.session.scalar(
        select(Screening).where(Screening.token_hash == hash_token(token)))
    if screening is None or is_expired(screening):
        return None
    return screening


def forget() -> None:
    """Drop the token from the session (the row is left alone)."""
    session.pop(SESSION_KEY, None)


def start(questionnaire: Questionnaire) -> Screening:
    """A new empty draft under the current questionnaire version; its token goes in the session."""
    token = secrets.token_urlsafe(32)
    screening = Screening(
        token_hash=hash_token(token), questionnaire_id=questionnaire.id,
        questionnaire_version=questionnaire.version,
        questionnaire_sha256=ensure_current_version_stored(),
        status="draft", answers={}, expires_at=utcnow() + ttl(),
    )
    db.session.add(screening)
    db.session.commit()
    session[SESSION_KEY] = token
    session.permanent = True  # the cookie lives as long as the draft (PERMANENT_SESSION_LIFETIME)
    return screening


def _claim(screening: Screening) -> bool:
    """Lock the row for this transaction unless it was submitted; refresh the expiry."""
    now = utcnow()
    result = db.session.execute(
        update(Screening)
        .where(Screening.id == screening.id, Screening.status != "submitted")
        .values(expires_at=now + ttl(), updated_at=now),
        execution_options=_ORM_ONLY,
    )
    if result.rowcount != 1:
        db.session.rollback()
        return False
    db.session.refresh(screening)
    return True


def save(screening: Screening, answers: Mapping[str, Any], step_id: str) -> bool:
    """Store the answers (False when the screening was sent meanwhile).

    Changed answers re-open a completed screening: its stored assessment no longer applies.
    """
    if not _claim(screening):
        return False
    if dict(answers) != screening.answers and screening.status == "completed":
        screening.status = "draft"
        screening.assessment = None
        screening.outcome = None
        screening.completed_at = None
        screening.set_flags([], NO_PRIORITY)
    screening.answers = dict(answers)
    screening.current_step = step_id
    db.session.commit()
    return True


def complete(screening: Screening, questionnaire: Questionnaire, assessment: Assessment) -> bool:
    """Store the assessment and mark the screening completed (False when already sent)."""
    if not _claim(screening):
        return False
    apply_assessment(screening, questionnaire, assessment)
    if screening.status != "completed":
        screening.status = "completed"
        screening.completed_at = utcnow()
    db.session.commit()
    return True


def submit(screening: Screening, contact: Mapping[str, Any]) -> bool:
    """Send a completed screening to the clinic, exactly once (False when it was not sendable)."""
    now = utcnow()
    result = db.session.execute(
        update(Screening)
        .where(Screening.id == screening.id, Screening.status == "completed",
               Screening.expires_at > now)
        .values(status="submitted", submitted_at=now, consent_at=now, expires_at=None,
                updated_at=now, search_text=search_text_for(
                    contact.get("contact_name"), contact.get("contact_email"),
                    contact.get("contact_phone")),
                **contact),
        execution_options=_ORM_ONLY,
    )
    if result.rowcount != 1:
        db.session.rollback()
        return False
    audit.record("screening_submitted", screening_id=screening.id)
    db.session.commit()
    return True


def discard() -> bool:
    """Start over: delete the unsent screening (if any) and forget the token.

    Returns True when unsent answers were deleted. A submitted screening stays with the clinic.
    """
    token = session.get(SESSION_KEY)
    deleted = False
    if isinstance(token, str) and token:
        result = db.session.execute(
            delete(Screening).where(Screening.token_hash == hash_token(token),
                                    Screening.status != "submitted"),
            execution_options=_ORM_ONLY,
        )
        db.session.commit()
        deleted = result.rowcount > 0
    forget()
    return deleted
