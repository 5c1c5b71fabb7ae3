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

from screener import addresses
from screener.storage import audit, staff_accounts
from screener.web import throttle, transactions
from screener.extensions import db, login_manager
from screener.storage.models import PERMISSIONS, StaffUser, hash_token, utcnow
from screener.web.clock import utc_now

SESSION_KEY = "staff_sid"
# Between a correct password and the second factor: who, since when, where to go afterwards.
PENDING_KEY = "staff_mfa_pending"
PENDING_SECONDS = 10 * 60
# last_seen_at is written at most this often, so reading pages does not write on every request.
_TOUCH_EVERY = timedelta(seconds=30)


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
    record = staff_accounts.login(db.session, hash_token(token))
    now = utcnow()
    if record is None or record.ended_at is not None or record.user_id != int(user_id):
        return None
    idle = timedelta(minutes=current_app.config["STAFF_IDLE_MINUTES"])
    absolute = timedelta(hours=current_app.config["STAFF_SESSION_HOURS"])
    user = record.user
    # A login from before the second factor was required (or after reset-mfa) ends: the next
    # login sets one up.
    unprotected = second_factor_required() and not user.has_second_factor
    record_id = record.id
    if (now - record.last_seen_at > idle or now - record.created_at > absolute
            or not user.active or unprotected):
        transactions.write_apart(
            lambda: staff_accounts.update_login(db.session, record_id, ended_at=now))
        g.staff_session_expired = True
        return None
    # The queue's refresh poll (staff.queue_poll) reads without touching: an unattended page
    # that polls must still time out.
    if now - record.last_seen_at > _TOUCH_EVERY and request.endpoint != "staff.queue_poll":
        # A write on a GET: a short write transaction of its own, never an upgraded read.
        record = transactions.write_apart(
            lambda: staff_accounts.update_login(db.session, record_id, last_seen_at=now))
        if record is None or record.ended_at is not None:
            return None  # ended by a logout in another tab meanwhile
        user = record.user
    g.staff_session = record
    return user


def second_factor_required() -> bool:
    """Whether a login needs the second factor (always, unless STAFF_MFA=off in development)."""
    return bool(current_app.config["STAFF_MFA"])


def password_mark(user: StaffUser) -> str:
    # Ties a pending login to the password it was started with: a reset in between voids it.
    return hash_token(user.password_hash)[:16]


def begin_second_factor(user: StaffUser, next_target: str | None) -> None:
    """Record on the server that ``user`` gave the right password (a pending login, single
    use); the fresh session's cookie carries only its random token. Nothing is logged in yet.
    Caller commits."""
    session.clear()
    token = secrets.token_urlsafe(32)
    staff_accounts.open_pending(db.session, user, hash_token(token), password_mark(user),
                                next_target or "", utc_now())
    session[PENDING_KEY] = token


def pending_record():
    """This browser's pending login while it is live (not ended, under ten minutes old)."""
    token = session.get(PENDING_KEY)
    if not isinstance(token, str) or not token:
        return None
    record = staff_accounts.pending(db.session, hash_token(token))
    if record is None or record.ended_at is not None:
        return None
    if not timedelta(0) <= utc_now() - record.created_at <= timedelta(seconds=PENDING_SECONDS):
        return None
    return record


def pending_login():
    """(account, pending login) whose password was given in this browser in the last ten
    minutes and that still waits for its second factor, or (None, None)."""
    record = pending_record()
    if record is None:
        return None, None
    user = staff_accounts.account(db.session, record.user_id)
    if user is None or not user.active or record.password_mark != password_mark(user):
        return None, None
    return user, record


def pending_user() -> StaffUser | None:
    """The account of this browser's live pending login, or None."""
    return pending_login()[0]


def finish_login(user: StaffUser, method: str, target: str | None = None) -> str | None:
    """Both factors given (or the password alone, with STAFF_MFA=off): end the pending login
    (single use), start the session, audit the login; returns where to go next (the pending
    login's, else ``target``)."""
    record = pending_record()
    if record is not None:
        target = record.next_target or target
        staff_accounts.end_pending(db.session, record.id)
    throttle.clear_pair(user.email, addresses.limit_key(request.remote_addr))
    start_session(user)
    audit.record("login", actor=user, remote_addr=request.remote_addr, method=method)
    transactions.commit()
    return target or None


def start_session(user: StaffUser) -> None:
    """Log ``user`` in with a brand-new session (no fixation: the old session is cleared); the
    caller commits (``finish_login``: with the login's audit event, one commit)."""
    session.clear()
    token = secrets.token_urlsafe(32)
    missed = staff_accounts.open_login(db.session, user, hash_token(token))
    session[SESSION_KEY] = token
    session.permanent = False
    login_user(user)
    if missed:
        attempts = "attempt" if missed == 1 else "attempts"
        flash(f"{missed} failed {attempts} since your last login. If that was not you, tell an "
              "administrator.", "warning")
    if staff_accounts.take_code_limit_notice(user) is not None:
        flash("Someone gave your password and then too many wrong codes from your authenticator "
              "app, so those logins were ended. If that was not you, change your password now "
              "and tell an administrator.", "warning")


def end_session() -> None:
    """End the current login on the server and in the cookie."""
    token = session.get(SESSION_KEY)
    if token:
        record = staff_accounts.login(db.session, hash_token(token))
        if record is not None and record.ended_at is None:
            record.ended_at = utcnow()
            record.recovery_codes = None  # never shown: gone with the login
    transactions.commit()
    logout_user()
    session.clear()


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
                abort(403)  # audited by the error handler (web/errors.py)
            if current_user.must_change_password:
                # A password an admin chose (CLI) is changed before anything else is opened.
                flash("Choose a new password: the one you logged in with was set by an "
                      "administrator.", "info")
                return redirect(url_for("staff.password.change"))
            return view(*args, **kwargs)

        return wrapped

    return decorator

