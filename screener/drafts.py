"""Wizard drafts: a Screening row found through a random token in the signed session cookie.

The browser holds only the token; the row stores only its hash, and the answers live in the
database, so several workers can serve one patient and a restarted server loses nothing.

A write request reads its draft locked (``FOR UPDATE`` on PostgreSQL; on SQLite its ``BEGIN
IMMEDIATE`` already holds the write lock), so two saves of one draft run one after the other and
neither loses the other's answers. Every write is then one conditional UPDATE (``status !=
'submitted'``), so a screening sent to the clinic can never change again, even through a request
that loaded it a moment before, and sending twice at once makes exactly one submission.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any, Mapping

from flask import current_app, has_request_context, request, session
from sqlalchemy import delete, inspect, select, update

from . import audit
from .database import READ_ONLY_METHODS
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
    """The session's screening, unless there is none or it has expired.

    In a write request the row stays locked until the request's transaction ends.
    """
    token = session.get(SESSION_KEY)
    if not isinstance(token, str) or not token:
        return None
    query = select(Screening).where(Screening.token_hash == hash_token(token))
    if has_request_context() and request.method not in READ_ONLY_METHODS:
        query = query.with_for_update().execution_options(populate_existing=True)
    screening = db.session.scalar(query)
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


def save(screening: Screening, answers: Mapping[str, Any], step_id: str) -> bool:
    """Store the answers (False when the screening was sent meanwhile).

    Changed answers re-open a completed screening: its stored assessment no longer applies.
    """
    answers = dict(answers)
    if answers != screening.answers and screening.status == "completed":
        screening.status = "draft"
        screening.assessment = None
        screening.outcome = None
        screening.completed_at = None
        screening.set_flags([], NO_PRIORITY)
    screening.answers = answers
    screening.current_step = step_id
    return _write(screening)


def complete(screening: Screening, questionnaire: Questionnaire, assessment: Assessment) -> bool:
    """Store the assessment and mark the screening completed (False when already sent)."""
    apply_assessment(screening, questionnaire, assessment)
    if screening.status != "completed":
        screening.status = "completed"
        screening.completed_at = utcnow()
    return _write(screening)


def _write(screening: Screening) -> bool:
    """Write the screening's changed columns and a fresh expiry in one UPDATE, unless it was
    submitted meanwhile (then roll back and return False)."""
    now = utcnow()
    screening.expires_at = now + ttl()
    screening.updated_at = now
    state = inspect(screening)
    unchanged = state.unmodified
    changes = {prop.columns[0]: getattr(screening, prop.key)
               for prop in state.mapper.column_attrs if prop.key not in unchanged}
    table = Screening.__table__
    with db.session.no_autoflush:  # a plain flush would write without the guard
        result = db.session.execute(
            update(table)
            .where(table.c.id == screening.id, table.c.status != "submitted")
            .values(changes))
    if result.rowcount != 1:
        db.session.rollback()
        return False
    db.session.expire(screening)  # written: nothing left to flush (the commit expires it anyway)
    session.modified = True  # re-issue the cookie, so it expires with the draft
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
