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
from screener.web.passwords import dummy_hash, hash_password, needs_rehash, verify_password

SESSION_KEY = "staff_sid"
# Between a correct password and the second factor: who, since when, where to go afterwards.
PENDING_KEY = "staff_mfa_pending"
PENDING_SECONDS = 10 * 60
MAX_CODE_FAILURES = 5  # wrong codes in one pending login before the password is asked again
# Wrong codes for one account from every address in an hour before all its pending logins end.
ACCOUNT_CODE_LIMIT = 10
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


class LoginBlocked(Exception):
    """Too many recent failures for this (email, address) pair or from this address."""

    def __init__(self, block: throttle.Blocked):
        super().__init__("login blocked")
        self.block = block


def authenticate(email: str, password: str) -> StaffUser | None:
    """The active account with these credentials, or None. Audits the attempt.

    Raises LoginBlocked, before checking anything, while this (email, address) pair or this
    address is throttled (web/throttle.py): an account itself is never locked, so the owner's
    correct password from another address always works. Every other path verifies one argon2
    hash, so the response time does not tell whether an account exists.
    """
    email = email.strip().lower()
    address = _address()
    block = throttle.blocked(email, address)
    if block is not None:
        audit.record("login_failed", remote_addr=request.remote_addr, reason="throttled")
        transactions.commit()
        raise LoginBlocked(block)
    user = staff_accounts.account_by_email(db.session, email)
    valid = verify_password(user.password_hash if user else dummy_hash(), password)
    if not valid:
        _count_failure(user, email, address)
        return None
    if user is None:  # only if someone's password is the dummy's; never in practice
        return None
    if not user.active:
        audit.record("login_failed", actor=user, remote_addr=request.remote_addr,
                     reason="inactive")
        transactions.commit()
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def _count_failure(user: StaffUser | None, email: str, address: str,
                   reason: str = "bad_password", commit: bool = True) -> None:
    """Count a wrong password (or second-factor code) for the owner's next login (atomically:
    several workers) and for the throttle; audit it, and audit any block it starts."""
    if user is None:
        audit.record("login_failed", remote_addr=request.remote_addr, reason="unknown_account")
    else:
        staff_accounts.count_failed_login(db.session, user)
        audit.record("login_failed", actor=user, remote_addr=request.remote_addr,
                     reason=reason, count=user.failed_logins)
    for row in throttle.count_failure(email, address):
        audit.record("login_blocked", actor=user if row.email else None,
                     remote_addr=request.remote_addr,
                     reason="account_and_address" if row.email else "address",
                     count=row.failures)
    if commit:
        transactions.commit()


def _address() -> str:
    """The client's address as the throttle keys it (an IPv6 client's whole /64)."""
    return addresses.limit_key(request.remote_addr)


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
                                next_target or "")
    session[PENDING_KEY] = token


def _pending_record():
    """This browser's pending login while it is live (not ended, under ten minutes old)."""
    token = session.get(PENDING_KEY)
    if not isinstance(token, str) or not token:
        return None
    record = staff_accounts.pending(db.session, hash_token(token))
    if record is None or record.ended_at is not None:
        return None
    if not timedelta(0) <= utcnow() - record.created_at <= timedelta(seconds=PENDING_SECONDS):
        return None
    return record


def pending_login():
    """(account, pending login) whose password was given in this browser in the last ten
    minutes and that still waits for its second factor, or (None, None)."""
    record = _pending_record()
    if record is None:
        return None, None
    user = staff_accounts.account(db.session, record.user_id)
    if user is None or not user.active or record.password_mark != password_mark(user):
        return None, None
    return user, record


def pending_user() -> StaffUser | None:
    """The account of this browser's live pending login, or None."""
    return pending_login()[0]


def count_code_failure(user: StaffUser) -> bool:
    """Count a wrong second-factor code (throttle, audit, the owner's next login, the pending
    login's count on the server, the account's count from every address); True when the
    pending login has ended (too many here, or the account's limit) and the password is asked
    again. Commits."""
    _count_failure(user, user.email, _address(), reason="bad_code", commit=False)
    record = _pending_record()
    ended = False
    if record is not None:
        failures = staff_accounts.count_pending_failure(db.session, record.id)
        if failures >= MAX_CODE_FAILURES:
            staff_accounts.end_pending(db.session, record.id)
            ended = True
    if count_account_code_failure(user):
        ended = True
    transactions.commit()
    if ended:
        session.pop(PENDING_KEY, None)
    return ended


def count_account_code_failure(user: StaffUser) -> bool:
    """Count one wrong code against the account, from any address (login and /staff/mfa/manage
    alike); True once ``ACCOUNT_CODE_LIMIT`` is reached within the hour: every pending login of
    the account ends, admins see it in the audit log, and the owner at the next login. The
    caller commits. Only reachable after a correct password, so no outsider can trigger it."""
    window = timedelta(minutes=current_app.config.get("ACCOUNT_CODE_WINDOW_MINUTES", 60))
    count = staff_accounts.count_code_failure(db.session, user, window)
    if count < current_app.config.get("ACCOUNT_CODE_LIMIT", ACCOUNT_CODE_LIMIT):
        return False
    staff_accounts.code_limit_reached(db.session, user, utcnow())
    audit.record("mfa_code_limit", actor=user, remote_addr=request.remote_addr, count=count)
    return True


def code_blocked(user: StaffUser) -> throttle.Blocked | None:
    """The throttle's block on this account from this address, if any (codes count too)."""
    return throttle.blocked(user.email, _address())


def finish_login(user: StaffUser, method: str, target: str | None = None) -> str | None:
    """Both factors given (or the password alone, with STAFF_MFA=off): end the pending login
    (single use), start the session, audit the login; returns where to go next (the pending
    login's, else ``target``)."""
    record = _pending_record()
    if record is not None:
        target = record.next_target or target
        staff_accounts.end_pending(db.session, record.id)
    throttle.clear_pair(user.email, _address())
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

