"""Rows the reliability tests aim at: drafts a client's session owns, and snapshots of them."""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta

from screener.patient import session as draft_session
from screener.core import rules
from screener.extensions import db
from screener.storage.models import Screening, hash_token, utcnow
from screener.storage.submissions import apply_assessment
from screener.web.questionnaires import current_questionnaire, ensure_current_version_stored


def make_draft(expires_in: timedelta, status: str = "draft") -> Screening:
    """An unsent screening that expires ``expires_in`` from now (negative: already expired)."""
    questionnaire = current_questionnaire()
    screening = Screening(
        token_hash=hash_token(secrets.token_urlsafe(16)), questionnaire_id=questionnaire.id,
        questionnaire_version=questionnaire.version,
        questionnaire_sha256=ensure_current_version_stored(), status=status,
        answers={"age_18_plus": "yes"}, expires_at=utcnow() + expires_in,
    )
    db.session.add(screening)
    db.session.commit()
    return screening


def seat_patient(client, answers: dict, status: str = "draft") -> str:
    """A screening with ``answers`` that ``client``'s session owns; returns its id (as str)."""
    questionnaire = current_questionnaire()
    token = secrets.token_urlsafe(32)
    screening = Screening(
        token_hash=hash_token(token), questionnaire_id=questionnaire.id,
        questionnaire_version=questionnaire.version,
        questionnaire_sha256=ensure_current_version_stored(), status="draft",
        answers=dict(answers), expires_at=utcnow() + timedelta(hours=6),
    )
    if status == "completed":
        apply_assessment(screening, questionnaire, rules.evaluate(questionnaire, answers))
        screening.status, screening.completed_at = "completed", utcnow()
    db.session.add(screening)
    db.session.commit()
    with client.session_transaction() as session:
        session[draft_session.SESSION_KEY] = token
    return str(screening.id)


def snapshot(screening_id: str) -> dict:
    """What the database holds for the screening now (a fresh transaction, then let go)."""
    db.session.rollback()
    row = db.session.get(Screening, uuid.UUID(screening_id))
    state = {
        "status": row.status, "answers": dict(row.answers), "outcome": row.outcome,
        "review_status": row.review_status, "assignee_id": row.assignee_id,
        "notes": [note.body for note in row.notes],
        "contact": {c: getattr(row, f"contact_{c}") for c in
                    ("name", "email", "phone", "method", "time", "message")},
        "consent_at": row.consent_at,
    }
    db.session.rollback()
    return state


def reset_to_completed(screening_id: str) -> None:
    """Undo a send that a (valid) example made, so the next example starts the same."""
    db.session.rollback()
    row = db.session.get(Screening, uuid.UUID(screening_id))
    row.status, row.submitted_at, row.consent_at = "completed", None, None
    for column in ("name", "email", "phone", "method", "time", "message"):
        setattr(row, f"contact_{column}", None)
    row.expires_at = utcnow() + timedelta(hours=6)
    db.session.commit()
