"""Factories for rows the tests need: staff accounts and submitted screenings."""

from __future__ import annotations

import itertools
import secrets
from datetime import timedelta

from screener.core import rules
from screener.extensions import db
from screener.storage.models import (
    NO_PRIORITY, Screening, StaffSession, StaffUser, hash_token, queue_priority, search_text_for,
    utcnow,
)
from screener.web.passwords import hash_password
from screener.storage.submissions import apply_assessment
from screener.storage.versions import current_questionnaire, ensure_current_version_stored

from .helpers import baseline

PASSWORD = "correct horse battery staple 42"
_PASSWORD_HASH = None
_counter = itertools.count(1)


def password_hash() -> str:
    """One argon2 hash of PASSWORD, computed once per test run (hashing is slow on purpose)."""
    global _PASSWORD_HASH
    if _PASSWORD_HASH is None:
        _PASSWORD_HASH = hash_password(PASSWORD)
    return _PASSWORD_HASH


def make_staff(role: str = "intake", email: str | None = None, name: str | None = None,
               active: bool = True) -> StaffUser:
    """A committed staff account whose password is PASSWORD. Call inside an app context."""
    number = next(_counter)
    user = StaffUser(
        email=(email or f"{role}{number}@clinic.example").lower(),
        name=name or f"{role.title()} User {number}",
        password_hash=password_hash(), role=role, active=active,
    )
    db.session.add(user)
    db.session.commit()
    return user


def make_submission(answers: dict | None = None, name: str = "Alex Example",
                    email: str | None = "alex@example.com", phone: str | None = None,
                    submitted_ago: timedelta = timedelta(0), **columns) -> Screening:
    """A committed, submitted screening evaluated from ``answers`` (default: the spec baseline)."""
    questionnaire = current_questionnaire()
    answers = answers if answers is not None else baseline()
    now = utcnow() - submitted_ago
    screening = Screening(
        token_hash=hash_token(secrets.token_urlsafe(16)),
        questionnaire_id=questionnaire.id, questionnaire_version=questionnaire.version,
        questionnaire_sha256=ensure_current_version_stored(), status="submitted",
        answers=answers, created_at=now, completed_at=now, submitted_at=now,
        contact_name=name, contact_email=email, contact_phone=phone,
        contact_method="email" if email else "phone", consent_at=now,
        search_text=search_text_for(name, email, phone),
    )
    apply_assessment(screening, questionnaire, rules.evaluate(questionnaire, answers))
    for key, value in columns.items():
        setattr(screening, key, value)
    if "priority" not in columns:  # as the app keeps it: urgent only while the row is open
        urgency = None if screening.priority == NO_PRIORITY else screening.priority
        screening.priority = queue_priority(urgency, screening.review_status or "new")
    db.session.add(screening)
    db.session.commit()
    return screening


def login(client, user: StaffUser) -> None:
    """Log ``user`` in on ``client`` through a real server-side session record."""
    token = secrets.token_urlsafe(32)
    db.session.add(StaffSession(id=hash_token(token), user_id=user.id))
    db.session.commit()
    with client.session_transaction() as session:
        session["staff_sid"] = token
        session["_user_id"] = str(user.id)
        session["_fresh"] = True
