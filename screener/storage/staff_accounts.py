"""Staff accounts, their logins (``StaffSession`` rows) and their second factor's rows.

Functions take the session, add, update and flush; the caller's unit of work commits. Secrets
arrive encrypted and codes hashed (``web.mfa``): nothing here sees a code or a password.
"""

from __future__ import annotations

from sqlalchemy import delete, func, or_, select, update

from screener.storage.models import RecoveryCode, StaffSession, StaffUser, utcnow

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
    return missed


def end_all_logins(session, user_id: int) -> None:
    """End every live login of the account (deactivation, password reset, lost phone)."""
    session.execute(update(StaffSession)
                    .where(StaffSession.user_id == user_id, StaffSession.ended_at.is_(None))
                    .values(ended_at=utcnow()))


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
    """Forget the secret and the recovery codes: the next login sets up a new one."""
    user.totp_secret = user.totp_enrolled_at = user.totp_last_step = None
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
