"""Staff accounts, their logins (``StaffSession`` rows) and their second factor's rows.

Functions take the session, add, update and flush; the caller's unit of work commits. Secrets
arrive encrypted and codes hashed (``web.mfa``): nothing here sees a code or a password.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import case, delete, func, or_, select, update

from screener.storage.models import PendingLogin, RecoveryCode, StaffSession, StaffUser, utcnow

# --- Accounts ---------------------------------------------------------------------------------


def account(session, user_id: int) -> StaffUser | None:
    """The account with this id, or None."""
    return session.get(StaffUser, user_id)


def account_by_email(session, email: str) -> StaffUser | None:
    """The account with this (already normalised) email, or None."""
    return session.scalar(select(StaffUser).where(StaffUser.email == email))


def all_accounts(session) -> list[StaffUser]:
    """Every account, by email."""
    return list(session.scalars(select(StaffUser).order_by(StaffUser.email)))


def account_count(session) -> int:
    """How many accounts there are."""
    return session.scalar(select(func.count()).select_from(StaffUser)) or 0


def count_failed_login(session, user: StaffUser) -> None:
    """One more wrong password or code for the owner's next login (atomic: several workers)."""
    session.execute(update(StaffUser).where(StaffUser.id == user.id)
                    .values(failed_logins=StaffUser.failed_logins + 1))
    session.refresh(user)


# --- Logins -----------------------------------------------------------------------------------


def login(session, session_id: str) -> StaffSession | None:
    """The login record with this id (the hash of the cookie's token), or None."""
    return session.get(StaffSession, session_id)


def update_login(session, session_id: str, **values) -> StaffSession | None:
    """Set ``values`` (``last_seen_at``, ``ended_at``) on a login record; the record, or None."""
    record = session.get(StaffSession, session_id)
    if record is not None:
        for name, value in values.items():
            setattr(record, name, value)
    return record


def open_login(session, user: StaffUser, session_id: str) -> int:
    """Record a new login of ``user``; returns the failed attempts since the last one (now
    forgotten)."""
    session.add(StaffSession(id=session_id, user_id=user.id))
    user.last_login_at = utcnow()
    missed, user.failed_logins = user.failed_logins, 0
    user.code_failures, user.code_failures_since = 0, None
    return missed


def take_code_limit_notice(user: StaffUser) -> datetime | None:
    """When the wrong-code limit last ended this account's pending logins (told once)."""
    hit, user.code_limit_hit_at = user.code_limit_hit_at, None
    return hit


def end_all_logins(session, user_id: int) -> None:
    """End every live login of the account (deactivation, password reset, lost phone), and
    every login still waiting for its second factor."""
    session.execute(update(StaffSession)
                    .where(StaffSession.user_id == user_id, StaffSession.ended_at.is_(None))
                    .values(ended_at=utcnow(), recovery_codes=None))
    end_all_pending(session, user_id)


def keep_recovery_codes(session, session_id: str, encrypted: str | None) -> None:
    """Keep new recovery codes (encrypted) on the login until shown; None clears them."""
    session.execute(update(StaffSession).where(StaffSession.id == session_id)
                    .values(recovery_codes=encrypted)
                    .execution_options(synchronize_session=False))


def take_recovery_codes(session, session_id: str) -> str | None:
    """The login's kept recovery codes (encrypted), cleared as they are read: shown once."""
    kept = session.scalar(select(StaffSession.recovery_codes)
                          .where(StaffSession.id == session_id))
    if kept is None:
        return None
    cleared = session.execute(
        update(StaffSession)
        .where(StaffSession.id == session_id, StaffSession.recovery_codes.is_not(None))
        .values(recovery_codes=None).execution_options(synchronize_session=False)).rowcount
    return kept if cleared == 1 else None  # another request showed them first


# --- Pending logins (a correct password waiting for the second factor) ------------------------


def open_pending(session, user: StaffUser, pending_id: str, password_mark: str,
                 next_target: str, now: datetime) -> PendingLogin:
    """Record a correct password for ``user`` at ``now``; the cookie holds the token hashed to
    the id."""
    record = PendingLogin(id=pending_id, user_id=user.id, password_mark=password_mark,
                          next_target=next_target[:500], failures=0, password_changed=False,
                          created_at=now)
    session.add(record)
    session.flush()
    return record


def pending(session, pending_id: str) -> PendingLogin | None:
    """The pending login with this id, or None."""
    return session.get(PendingLogin, pending_id)


def count_pending_failure(session, pending_id: str) -> int:
    """One more wrong code in this pending login (atomic: two workers); the new count."""
    session.execute(update(PendingLogin).where(PendingLogin.id == pending_id)
                    .values(failures=PendingLogin.failures + 1)
                    .execution_options(synchronize_session=False))
    return session.scalar(select(PendingLogin.failures).where(PendingLogin.id == pending_id)) or 0


def end_pending(session, pending_id: str) -> bool:
    """End one pending login (single use); False when it had already ended."""
    return session.execute(
        update(PendingLogin)
        .where(PendingLogin.id == pending_id, PendingLogin.ended_at.is_(None))
        .values(ended_at=utcnow()).execution_options(synchronize_session=False)).rowcount == 1


def end_all_pending(session, user_id: int, except_id: str | None = None) -> None:
    """End every pending login of the account (but ``except_id``'s)."""
    query = (update(PendingLogin)
             .where(PendingLogin.user_id == user_id, PendingLogin.ended_at.is_(None)))
    if except_id is not None:
        query = query.where(PendingLogin.id != except_id)
    session.execute(query.values(ended_at=utcnow()).execution_options(synchronize_session=False))


def forget_old_pending(session, before: datetime) -> int:
    """Delete pending logins begun before ``before`` (long over: they last ten minutes)."""
    return session.execute(delete(PendingLogin).where(PendingLogin.created_at < before)
                           .execution_options(synchronize_session=False)).rowcount


def count_code_failure(session, user: StaffUser, window: timedelta, now: datetime) -> int:
    """One more wrong code at ``now`` for the account from any address (atomic); the count
    within ``window`` (a count older than that starts again at one)."""
    stale = or_(StaffUser.code_failures_since.is_(None),
                StaffUser.code_failures_since < now - window)
    session.execute(
        update(StaffUser).where(StaffUser.id == user.id)
        .values(code_failures=case((stale, 1), else_=StaffUser.code_failures + 1),
                code_failures_since=case((stale, now), else_=StaffUser.code_failures_since))
        .execution_options(synchronize_session=False))
    session.refresh(user)
    return user.code_failures


def code_limit_reached(session, user: StaffUser, when: datetime) -> None:
    """The account's wrong-code limit was reached: every pending login ends, and the owner is
    told at the next login."""
    end_all_pending(session, user.id)
    user.code_limit_hit_at = when


# --- Second factor ----------------------------------------------------------------------------


def use_code_step(session, user_id: int, step: int) -> bool:
    """Mark the 30-second ``step`` used unless it (or a later one) was (atomic: two workers
    cannot both accept a code); False when it was."""
    return session.execute(
        update(StaffUser)
        .where(StaffUser.id == user_id,
               or_(StaffUser.totp_last_step.is_(None), StaffUser.totp_last_step < step))
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)).rowcount == 1


def confirm_second_factor(session, user: StaffUser, encrypted_secret: str, step: int) -> bool:
    """Store the confirmed (encrypted) secret unless the account already has one."""
    confirmed = session.execute(
        update(StaffUser)
        .where(StaffUser.id == user.id, StaffUser.totp_enrolled_at.is_(None))
        .values(totp_secret=encrypted_secret, totp_enrolled_at=utcnow(), totp_last_step=step)
        .execution_options(synchronize_session=False)).rowcount == 1
    if confirmed:
        session.refresh(user)
    return confirmed


def replace_recovery_codes(session, user_id: int, code_hashes: list[str]) -> None:
    """The account's recovery codes become these (hashes); the old ones stop working."""
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    session.add_all(RecoveryCode(user_id=user_id, code_hash=code_hash)
                    for code_hash in code_hashes)


def spend_recovery_code(session, user_id: int, code_hash: str) -> bool:
    """Spend the unused recovery code with this hash; False when there is none."""
    return session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.user_id == user_id, RecoveryCode.code_hash == code_hash,
               RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)).rowcount == 1


def recovery_codes_left(session, user_id: int) -> int:
    """How many unused recovery codes the account has."""
    return session.scalar(
        select(func.count()).select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))) or 0


def remove_second_factor(session, user: StaffUser) -> None:
    """Forget the secret and the recovery codes, end every pending login (a password given
    before the reset cannot set up a phone): the next login chooses a new password, then sets
    up a new second factor."""
    user.totp_secret = user.totp_enrolled_at = user.totp_last_step = None
    user.must_change_password = True
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    end_all_pending(session, user.id)


def spend_recovery_code_any(session, user_id: int, code_hashes: tuple[str, ...]) -> bool:
    """Spend the unused recovery code stored under any of ``code_hashes`` (keyed or legacy)."""
    return session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.user_id == user_id, RecoveryCode.code_hash.in_(code_hashes),
               RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)).rowcount >= 1


def set_password(session, user: StaffUser, password_hash: str, must_change: bool) -> None:
    """A new password hash; ``must_change`` when an admin chose it (changed at next login)."""
    user.password_hash = password_hash
    user.must_change_password = must_change
