"""Staff authentication: server-side login sessions, timeouts, roles.

Flask's cookie session cannot be revoked on its own, so each login is a ``StaffSession`` row and
the cookie carries only a random token whose hash is the row's id. Logout, deactivation and a
password reset end the row; a copied cookie then opens nothing.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from functools import wraps
from typing import Any

from flask import (Flask, abort, current_app, flash, g, has_request_context, redirect, request,
                   session, url_for)
from flask_login import AnonymousUserMixin, current_user, login_user, logout_user
from sqlalchemy import select, update

from screener.storage import audit
from screener.extensions import db, login_manager
from screener.storage.models import PERMISSIONS, StaffSession, StaffUser, hash_token, utcnow
from screener.web.passwords import dummy_hash, hash_password, needs_rehash, verify_password

SESSION_KEY = "staff_sid"
# last_seen_at is written at most this often, so reading pages does not write on every request.
_TOUCH_EVERY = timedelta(seconds=30)
LOCK_AFTER_FAILURES = 10
LOCK_MINUTES = 15


class AnonymousStaff(AnonymousUserMixin):
    """Nobody logged in: allowed nothing."""

    def can(self, permission: str) -> bool:
        return False


def init_app(app: Flask) -> None:
    """Wire Flask-Login to the server-side session records."""
    login_manager.anonymous_user = AnonymousStaff
    login_manager.login_view = "staff.login"
    login_manager.login_message = "Please log in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = None  # the server-side record is the protection
    login_manager.user_loader(_load_user)
    login_manager.unauthorized_handler(_unauthorized)


def _unauthorized():
    """Send anonymous staff to the login page, back to this page afterwards when it is a GET."""
    if g.get("staff_session_expired"):
        flash("Your session has ended. Please log in again.", "info")
    else:
        flash("Please log in to continue.", "info")
    target = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("staff.login", next=target))


def _load_user(user_id: str) -> StaffUser | None:
    """The logged-in user, only while their session record is live and within its limits."""
    token = session.get(SESSION_KEY)
    if not token or not user_id.isdigit():
        return None
    record = db.session.get(StaffSession, hash_token(token))
    now = utcnow()
    if record is None or record.ended_at is not None or record.user_id != int(user_id):
        return None
    idle = timedelta(minutes=current_app.config["STAFF_IDLE_MINUTES"])
    absolute = timedelta(hours=current_app.config["STAFF_SESSION_HOURS"])
    user = record.user
    if now - record.last_seen_at > idle or now - record.created_at > absolute or not user.active:
        record.ended_at = now
        db.session.commit()
        g.staff_session_expired = True
        return None
    if now - record.last_seen_at > _TOUCH_EVERY:
        record.last_seen_at = now
        db.session.commit()
    g.staff_session = record
    return user


def authenticate(email: str, password: str) -> StaffUser | None:
    """The active, unlocked account with these credentials, or None. Audits the attempt.

    Every path verifies one argon2 hash, so the response time does not tell whether an account
    exists or is locked.
    """
    email = email.strip().lower()
    user = db.session.scalar(select(StaffUser).where(StaffUser.email == email))
    valid = verify_password(user.password_hash if user else dummy_hash(), password)
    now = utcnow()
    if user is None:
        audit.record("login_failed", remote_addr=request.remote_addr, reason="unknown_account",
                     commit=True)
        return None
    if user.locked_until is not None and user.locked_until > now:
        audit.record("login_failed", actor=user, remote_addr=request.remote_addr,
                     reason="locked", commit=True)
        return None
    if not valid:
        _count_failure(user, now)
        return None
    if not user.active:
        audit.record("login_failed", actor=user, remote_addr=request.remote_addr,
                     reason="inactive", commit=True)
        return None
    user.failed_logins, user.locked_until = 0, None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def _count_failure(user: StaffUser, now) -> None:
    """Count a wrong password atomically (several workers); lock after too many in a row."""
    db.session.execute(
        update(StaffUser).where(StaffUser.id == user.id)
        .values(failed_logins=StaffUser.failed_logins + 1)
    )
    db.session.refresh(user)
    audit.record("login_failed", actor=user, remote_addr=request.remote_addr,
                 reason="bad_password", count=user.failed_logins)
    threshold = current_app.config.get("LOGIN_LOCK_AFTER", LOCK_AFTER_FAILURES)
    if user.failed_logins >= threshold:
        minutes = current_app.config.get("LOGIN_LOCK_MINUTES", LOCK_MINUTES)
        user.locked_until = now + timedelta(minutes=minutes)
        user.failed_logins = 0
        audit.record("account_locked", actor=user, remote_addr=request.remote_addr,
                     count=threshold)
    db.session.commit()


def start_session(user: StaffUser) -> None:
    """Log ``user`` in with a brand-new session (no fixation: the old session is cleared)."""
    session.clear()
    token = secrets.token_urlsafe(32)
    db.session.add(StaffSession(id=hash_token(token), user_id=user.id))
    user.last_login_at = utcnow()
    db.session.commit()
    session[SESSION_KEY] = token
    session.permanent = False
    login_user(user)


def end_session() -> None:
    """End the current login on the server and in the cookie."""
    token = session.get(SESSION_KEY)
    if token:
        record = db.session.get(StaffSession, hash_token(token))
        if record is not None and record.ended_at is None:
            record.ended_at = utcnow()
            db.session.commit()
    logout_user()
    session.clear()


def end_all_sessions(user: StaffUser) -> None:
    """End every live login of ``user`` (deactivation, password reset). Caller commits."""
    db.session.execute(
        update(StaffSession)
        .where(StaffSession.user_id == user.id, StaffSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )


def request_actor() -> dict[str, Any]:
    """``audit.record``'s keywords for an event this request causes: the logged-in staff member
    (None when nobody is logged in) and the client's address; both None outside a request (a
    command or a test calling ``staff.review`` directly)."""
    if not has_request_context():
        return {"actor": None, "remote_addr": None}
    user = current_user._get_current_object() if current_user.is_authenticated else None
    return {"actor": user, "remote_addr": request.remote_addr}


def permission_required(permission: str):
    """Allow only logged-in staff whose role allows ``permission`` (anonymous → login, others →
    403)."""
    if permission not in PERMISSIONS:
        raise LookupError(f"unknown permission {permission!r}")

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.can(permission):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator

