"""Wizard drafts: a Screening row found through a random token in the signed session cookie.

The browser holds only the token; the row stores only its hash, and the answers live in the
database, so several workers can serve one patient and a restarted server loses nothing.

Reads take no lock and writes are optimistic: every UPDATE matches only the row version it read
(``updated_at``) and never a screening that was sent (``status != 'submitted'``). A save that
finds the row changed since its read (a second tab, a double click) reads it again and re-applies
its step to the new answers, so neither save loses the other's answers; a screening sent to the
clinic can never change again, and sending twice at once makes exactly one submission. Nothing
holds SQLite's write lock, or a PostgreSQL row lock, while a request validates and renders.

Drafts are read and written with prebuilt SQLAlchemy Core statements into a small ``Draft``
record rather than through ORM entities: a wizard step is the busiest request the app serves, and
loading a full ``Screening`` entity (and diffing it to write) cost about half of a step's time.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable, Mapping, Union

from flask import current_app, session
from sqlalchemy import bindparam, delete, insert, select, update

from screener.storage import audit
from screener.storage.database import autocommit_connection, begin_write
from screener.extensions import db
from screener.storage.models import Screening, hash_token, search_text_for, utcnow
from screener.core.questionnaire import Questionnaire
from screener.core.rules import Assessment
from screener.storage.submissions import assessment_columns, cleared_assessment_columns
from screener.storage.versions import ensure_current_version_stored

SESSION_KEY = "screening_token"
SAVE_ATTEMPTS = 5  # concurrent saves of one draft before giving up (two tabs, a double click)
_ORM_ONLY = {"synchronize_session": False}

Answers = Union[Mapping[str, Any], Callable[[dict[str, Any]], Mapping[str, Any]]]


class SaveConflict(Exception):
    """Other saves of the same draft kept winning; nothing was written."""


@dataclass
class Draft:
    """What the wizard knows of the patient's screening row (never the contact details)."""

    id: uuid.UUID
    status: str
    answers: dict[str, Any]
    questionnaire_sha256: str
    expires_at: datetime | None
    updated_at: datetime  # the version read: a write matches only this version
    completed_at: datetime | None = None
    submitted_at: datetime | None = None


_table = Screening.__table__
_c = _table.c
_DRAFT_COLUMNS = (_c.id, _c.status, _c.answers, _c.questionnaire_sha256, _c.expires_at,
                  _c.updated_at, _c.completed_at, _c.submitted_at)
# Built once: SQLAlchemy caches a statement's compiled form by the statement object.
_READ = select(*_DRAFT_COLUMNS).where(_c.token_hash == bindparam("token_hash"))
_REREAD = select(*_DRAFT_COLUMNS).where(_c.id == bindparam("draft_id"))
_NOT_SENT = (_c.id == bindparam("draft_id"), _c.status != "submitted",
             _c.updated_at == bindparam("seen_updated_at"))
_SAVE = update(_table).where(*_NOT_SENT).values(
    answers=bindparam("new_answers"), current_step=bindparam("new_step"),
    expires_at=bindparam("new_expires_at"), updated_at=bindparam("now"))
# Changed answers re-open a completed screening: its stored assessment no longer applies.
_SAVE_REOPENING = _SAVE.values(status="draft", completed_at=None, **cleared_assessment_columns())


def ttl() -> timedelta:
    """How long an unsent screening is kept after its last save."""
    return timedelta(hours=current_app.config["DRAFT_TTL_HOURS"])


def is_expired(screening: Draft | Screening, now: datetime | None = None) -> bool:
    """An unsent screening past its ``expires_at`` counts as gone (purge deletes it later)."""
    if screening.status == "submitted" or screening.expires_at is None:
        return False
    return screening.expires_at <= (now or utcnow())


def had_token() -> bool:
    """The session carries a screening token (found or not)."""
    return isinstance(session.get(SESSION_KEY), str)


def current() -> Draft | None:
    """The session's screening, unless there is none or it has expired (read without a lock)."""
    return by_token(session.get(SESSION_KEY))


def by_token(token: Any) -> Draft | None:
    """The screening of a draft token, unless there is none or it has expired."""
    if not isinstance(token, str) or not token:
        return None
    row = autocommit_connection().execute(_READ, {"token_hash": hash_token(token)}).first()
    if row is None:
        return None
    draft = Draft(*row)
    return None if is_expired(draft) else draft


def _reread(draft: Draft) -> Draft | None:
    row = autocommit_connection().execute(_REREAD, {"draft_id": draft.id}).first()
    return None if row is None else Draft(*row)


def forget() -> None:
    """Drop the token from the session (the row is left alone)."""
    session.pop(SESSION_KEY, None)


def start(questionnaire: Questionnaire) -> Draft:
    """A new empty draft under the current questionnaire version; its token goes in the session."""
    token = secrets.token_urlsafe(32)
    begin_write()  # the version row and the draft commit together
    now = utcnow()
    draft = Draft(id=uuid.uuid4(), status="draft", answers={},
                  questionnaire_sha256=ensure_current_version_stored(),
                  expires_at=now + ttl(), updated_at=now)
    db.session.execute(insert(_table).values(
        id=draft.id, token_hash=hash_token(token), questionnaire_id=questionnaire.id,
        questionnaire_version=questionnaire.version,
        questionnaire_sha256=draft.questionnaire_sha256, status=draft.status,
        answers=draft.answers, expires_at=draft.expires_at, created_at=now, updated_at=now))
    db.session.commit()
    session[SESSION_KEY] = token
    session.permanent = True  # the cookie lives as long as the draft (PERMANENT_SESSION_LIFETIME)
    return draft


def save(draft: Draft, answers: Answers, step_id: str) -> bool:
    """Store the answers (False when the screening was sent or deleted meanwhile).

    ``answers`` may be a function of the stored answers: if another save of this draft comes
    first, the draft is read again and the function applied to what that save stored. Changed
    answers re-open a completed screening: its stored assessment no longer applies.
    """
    merge = answers if callable(answers) else (lambda stored: answers)
    for _ in range(SAVE_ATTEMPTS):
        new_answers = dict(merge(draft.answers))
        reopening = draft.status == "completed" and new_answers != draft.answers
        now = utcnow()
        params = {"draft_id": draft.id, "seen_updated_at": draft.updated_at,
                  "new_answers": new_answers, "new_step": step_id,
                  "new_expires_at": now + ttl(), "now": now}
        if _write(_SAVE_REOPENING if reopening else _SAVE, params):
            draft.answers, draft.expires_at, draft.updated_at = new_answers, params[
                "new_expires_at"], now
            if reopening:
                draft.status, draft.completed_at = "draft", None
            return True
        fresh = _reread(draft)
        if fresh is None or fresh.status == "submitted":
            return False
        vars(draft).update(vars(fresh))
    raise SaveConflict(f"{SAVE_ATTEMPTS} concurrent saves of one draft")


def complete(draft: Draft, questionnaire: Questionnaire, assessment: Assessment) -> bool:
    """Store the assessment and mark the screening completed.

    False when the screening was sent, or its answers changed since ``draft`` was read (the
    assessment would not be theirs); nothing is written then.
    """
    now = utcnow()
    completed_at = draft.completed_at if draft.status == "completed" else now
    values = dict(assessment_columns(questionnaire, assessment), status="completed",
                  completed_at=completed_at, expires_at=now + ttl(), updated_at=now)
    statement = update(_table).where(*_NOT_SENT).values(values)
    if not _write(statement, {"draft_id": draft.id, "seen_updated_at": draft.updated_at}):
        return False
    draft.status, draft.completed_at = "completed", completed_at
    draft.expires_at, draft.updated_at = values["expires_at"], now
    return True


def _write(statement, params: dict[str, Any]) -> bool:
    """Run one guarded UPDATE, committed at once; False when it matched no row (the screening
    was sent, deleted or saved by another request since it was read)."""
    if autocommit_connection().execute(statement, params).rowcount != 1:
        return False
    session.modified = True  # re-issue the cookie, so it expires with the draft
    return True


def submit(draft: Draft, contact: Mapping[str, Any]) -> bool:
    """Send a completed screening to the clinic, exactly once (False when it was not sendable)."""
    begin_write()  # the submission and its audit event commit together
    now = utcnow()
    result = db.session.execute(
        update(Screening)
        .where(Screening.id == draft.id, Screening.status == "completed",
               Screening.expires_at > now)
        .values(status="submitted", submitted_at=now, consent_at=now, expires_at=None,
                updated_at=now, pending_input=None, resume_code_hash=None,
                search_text=search_text_for(
                    contact.get("contact_name"), contact.get("contact_email"),
                    contact.get("contact_phone")),
                **contact),
        execution_options=_ORM_ONLY,
    )
    if result.rowcount != 1:
        db.session.rollback()
        return False
    audit.record("screening_submitted", screening_id=draft.id)
    db.session.commit()
    draft.status, draft.submitted_at, draft.expires_at = "submitted", now, None
    draft.updated_at = now
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
