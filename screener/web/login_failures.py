"""Failed staff logins: checking a password under the throttle, and counting wrong passwords
and second-factor codes (the throttle, the audit log, the owner's next login, the pending
login's and the account's code limits).

An account itself is never locked: the throttle (web/throttle.py) refuses an (account, address)
pair or an address for a while, so the owner's correct password from another address works.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, flash, request, session

from screener import addresses
from screener.extensions import db
from screener.storage import audit, staff_accounts
from screener.storage.models import StaffUser
from screener.web import throttle, transactions
from screener.web.auth import PENDING_KEY, pending_record
from screener.web.clock import utc_now
from screener.web.passwords import dummy_hash, hash_password, needs_rehash, verify_password

MAX_CODE_FAILURES = 5  # wrong codes in one pending login before the password is asked again
# Wrong codes for one account from every address in an hour before all its pending logins end.
ACCOUNT_CODE_LIMIT = 10


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
    address = client_address()
    block = throttle.blocked(email, address)
    if block is not None:
        audit.record("login_failed", remote_addr=request.remote_addr, reason="throttled")
        transactions.commit()
        raise LoginBlocked(block)
    user = staff_accounts.account_by_email(db.session, email)
    valid = verify_password(user.password_hash if user else dummy_hash(), password)
    if not valid:
        count_failure(user, email, address)
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


def count_failure(user: StaffUser | None, email: str, address: str,
                   reason: str = "bad_password", commit: bool = True) -> None:
    """Count a wrong password (or second-factor code) for the owner's next login (atomically:
    several workers) and for the throttle; audit it, and audit any block it starts."""
    if user is None:
        audit.record("login_failed", remote_addr=request.remote_addr, reason="unknown_account")
    else:
        staff_accounts.count_failed_login(db.session, user)
        audit.record("login_failed", actor=user, remote_addr=request.remote_addr,
                     reason=reason, count=user.failed_logins)
    count_for_throttle(user, email, address)
    if commit:
        transactions.commit()


def count_for_throttle(user: StaffUser | None, email: str, address: str) -> None:
    """Count one failure for the (email, address) pair and the address; audit any block it
    starts. The caller commits."""
    for row in throttle.count_failure(email, address):
        audit.record("login_blocked", actor=user if row.email else None,
                     remote_addr=request.remote_addr,
                     reason="account_and_address" if row.email else "address",
                     count=row.failures)


def client_address() -> str:
    """The client's address as the throttle keys it (an IPv6 client's whole /64)."""
    return addresses.limit_key(request.remote_addr)


def count_code_failure(user: StaffUser) -> bool:
    """Count a wrong second-factor code (throttle, audit, the owner's next login, the pending
    login's count on the server, the account's count from every address); True when the
    pending login has ended (too many here, or the account's limit) and the password is asked
    again. Commits."""
    count_failure(user, user.email, client_address(), reason="bad_code", commit=False)
    record = pending_record()
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
    now = utc_now()
    count = staff_accounts.count_code_failure(db.session, user, window, now)
    if count < current_app.config.get("ACCOUNT_CODE_LIMIT", ACCOUNT_CODE_LIMIT):
        return False
    staff_accounts.code_limit_reached(db.session, user, now)
    audit.record("mfa_code_limit", actor=user, remote_addr=request.remote_addr, count=count)
    return True


def refused_now(user: StaffUser) -> bool:
    """Whether the throttle refuses this account from this address now (codes and the password
    pages of a logged-in account); the reason is flashed."""
    block = code_blocked(user)
    if block is not None:
        flash(block.message, "error")
    return block is not None


def code_blocked(user: StaffUser) -> throttle.Blocked | None:
    """The throttle's block on this account from this address, if any (codes count too)."""
    return throttle.blocked(user.email, client_address())
