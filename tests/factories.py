"""Factories for rows the tests need: staff accounts and submitted screenings."""

from __future__ import annotations

import itertools
import re
import secrets
from datetime import timedelta
from typing import Any, Iterable

from sqlalchemy import select

from screener.core import rules, safety
from screener.core.presentation import submission_urgency
from screener.core.safety import Recorded
from screener.extensions import db
from screener.storage.models import (
    NO_PRIORITY, Screening, StaffSession, StaffUser, hash_token, queue_priority, search_text_for,
    utcnow,
)
from screener.web import mfa
from screener.web.clock import CLOCK_KEY
from screener.web.passwords import hash_password
from screener.storage import safety as safety_store
from screener.storage.submissions import apply_assessment
from screener.web.questionnaires import current_questionnaire, ensure_current_version_stored

from .helpers import baseline

PASSWORD = "correct horse battery staple 42"
# Every account make_staff creates has set up this authenticator secret (the second factor is
# required in every environment); totp_code() gives its codes.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
_PASSWORD_HASH = None
_counter = itertools.count(1)


def password_hash() -> str:
    """One argon2 hash of PASSWORD, computed once per test run (hashing is slow on purpose)."""
    global _PASSWORD_HASH
    if _PASSWORD_HASH is None:
        _PASSWORD_HASH = hash_password(PASSWORD)
    return _PASSWORD_HASH


def make_staff(role: str = "intake", email: str | None = None, name: str | None = None,
               active: bool = True, enrolled: bool = True) -> StaffUser:
    """A committed staff account whose password is PASSWORD and, unless ``enrolled`` is False,
    whose second factor is set up with TOTP_SECRET. Call inside an app context."""
    number = next(_counter)
    user = StaffUser(
        email=(email or f"{role}{number}@clinic.example").lower(),
        name=name or f"{role.title()} User {number}",
        password_hash=password_hash(), role=role, active=active,
    )
    if enrolled:
        user.totp_secret = mfa.encrypt(TOTP_SECRET)
        user.totp_enrolled_at = utcnow()
    db.session.add(user)
    db.session.commit()
    return user


def make_submission(answers: dict | None = None, name: str = "Alex Example",
                    email: str | None = "alex@example.com", phone: str | None = None,
                    submitted_ago: timedelta = timedelta(0),
                    safety_answers: Iterable[tuple[str, Any]] = (), **columns) -> Screening:
    """A committed, submitted screening evaluated from ``answers`` (default: the spec baseline).

    ``safety_answers``: (question id, value) pairs the patient gave along the way, recorded as
    first given before the final ``answers`` (a taken-back plan is ``[("cssrs_thoughts", "yes"),
    ("cssrs_plan", "yes")]`` with final answers that say "no"): the submission gets
    ``self_harm_changed`` at the urgency the spec gives, as a sent screening does.
    """
    questionnaire = current_questionnaire()
    answers = answers if answers is not None else baseline()
    now = utcnow() - submitted_ago
    given = now - timedelta(minutes=10)
    records = [Recorded(question_id, value, given) for question_id, value in safety_answers]
    changed = safety.changed_urgency(questionnaire, records, answers) if records else None
    screening = Screening(
        token_hash=hash_token(secrets.token_urlsafe(16)),
        questionnaire_id=questionnaire.id, questionnaire_version=questionnaire.version,
        questionnaire_sha256=ensure_current_version_stored(), status="submitted",
        answers=answers, created_at=now, completed_at=now, submitted_at=now,
        contact_name=name, contact_email=email, contact_phone=phone,
        contact_method="email" if email else "phone", consent_at=now,
        search_text=search_text_for(name, email, phone),
    )
    assessment = rules.evaluate(questionnaire, answers)
    extra = (questionnaire.safety_answers.changed_flag,) if changed is not None else ()
    apply_assessment(screening, questionnaire, assessment, extra)
    # The submission's urgency as the app stores it at send (self_harm_changed at 1 or 2).
    urgency = submission_urgency(questionnaire, screening.flags, changed)
    screening.priority = NO_PRIORITY if urgency is None else urgency
    for key, value in columns.items():
        setattr(screening, key, value)
    if "priority" not in columns:  # as the app keeps it: urgent only while the row is open
        urgency = None if screening.priority == NO_PRIORITY else screening.priority
        screening.priority = queue_priority(urgency, screening.review_status or "new")
    db.session.add(screening)
    db.session.flush()
    if records:
        safety_store.add(db.session, screening.id,
                         [(r.question_id, r.value) for r in records], given)
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


class TestClock:
    """The app's clock in tests (``app.extensions[CLOCK_KEY]``): it stands still until moved."""

    def __init__(self, start: float):
        self.seconds = start

    def __call__(self) -> float:
        return self.seconds

    def advance(self, seconds: float) -> None:
        self.seconds += seconds


def clock_of(app) -> TestClock:
    return app.extensions[CLOCK_KEY]


def totp_code(app, email: str, secret: str | None = None) -> str:
    """The code the account's authenticator app shows now by the app's clock: of ``secret``
    (default: the account's stored secret, decrypted). When the account already used this
    step's code (a code is accepted once), the clock moves on to the next step first, as a
    person waits for the next code."""
    with app.app_context():
        user = db.session.scalar(select(StaffUser)
                                 .where(StaffUser.email == email.strip().lower()))
        used = user.totp_last_step
        secret = secret or mfa.decrypt(user.totp_secret)
        db.session.remove()
        if used is not None and used >= mfa.step_at():
            clock_of(app).advance((used + 1 - mfa.step_at()) * mfa.STEP_SECONDS)
        return mfa.code_at(secret, mfa.step_at())


def own_password(given: str) -> str:
    """The password ``password_login`` chooses at a first login in place of ``given``."""
    return f"{given} but my own"


def password_login(client, email: str, password: str = PASSWORD, **kwargs):
    """Log in through the real forms as a person does: the password, then a code from the
    authenticator app (set up first, from the QR page's key, when the account has none yet).
    Returns the last response: a redirect into the staff area when it worked."""
    response = client.post("/staff/login", data={"email": email, "password": password}, **kwargs)
    target = response.location.split("?")[0] if response.status_code == 302 else None
    if target == "/staff/mfa/new-password":
        # An account an administrator created (or reset): the person chooses their own password
        # before setting up the app (issue 23). It becomes ``own_password(password)``.
        new = own_password(password)
        response = client.post(target, data={"new": new, "confirm": new}, **kwargs)
        assert response.location == "/staff/mfa/setup", response.location
        target = "/staff/mfa/setup"
    if target == "/staff/mfa/setup":
        page = client.get(target, **kwargs).get_data(as_text=True)
        secret = re.search(r'data-totp-secret="([A-Z2-7]+)"', page).group(1)
        code = totp_code(client.application, email, secret)
        response = client.post(target, data={"code": code}, **kwargs)
        assert response.location == "/staff/mfa/recovery-codes", response.location
        client.get(response.location, **kwargs)  # the codes, shown once
    elif target == "/staff/mfa":
        response = client.post(target, data={"code": totp_code(client.application, email)},
                               **kwargs)
    return response
