"""Login throttling that an outsider cannot turn into a lockout: its rows (``web.throttle``
passes the limits from the settings and words the block for people).

Failures are counted per (account email, source address) and per source address. Past a few
free failures, each further failure blocks that pair (or address) for a growing delay: 30 s,
1 min, 2 min, ... up to ``LOGIN_THROTTLE_MAX_MINUTES``. Someone guessing a nurse's password from
one address blocks only themselves; the nurse's correct password from any other address is
never refused. The owner is told at the next login how many wrong passwords were tried, and
admins see blocked pairs (and can clear them) on /staff/blocked-logins.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError

from screener.storage.models import LoginThrottle

ANY_ACCOUNT = ""  # the email of an address's own row
_BASE_DELAY = timedelta(seconds=30)
_FORGET_AFTER = timedelta(hours=24)  # failures older than this start again from zero


@dataclass(frozen=True)
class Limits:
    """The settings: free failures per (account, address) pair and per address; longest block."""

    pair_free: int
    address_free: int
    cap_minutes: int


def delay_for(failures: int, free: int, cap_minutes: int) -> timedelta | None:
    """How long the ``failures``-th failure blocks, or None while failures are still free."""
    if failures <= free:
        return None
    steps = min(failures - free - 1, 20)  # 2**20 × 30 s is far past any cap
    return min(_BASE_DELAY * (2 ** steps), timedelta(minutes=cap_minutes))


def blocked_until(session, email: str, address: str, now: datetime) -> datetime | None:
    """When the block on this (email, address) pair or on the address ends (whichever ends
    last), or None, at ``now``."""
    rows = session.scalars(select(LoginThrottle).where(
        LoginThrottle.address == address[:64],
        LoginThrottle.email.in_((email[:320], ANY_ACCOUNT)),
        LoginThrottle.blocked_until > now,
    ))
    ends = [row.blocked_until for row in rows]
    return max(ends) if ends else None


def count_failure(session, email: str, address: str, limits: Limits,
                  now: datetime) -> list[LoginThrottle]:
    """Count one failure at ``now`` for the pair and for the address; returns the rows that
    became blocked.

    Atomic across workers: an UPDATE ... SET failures = failures + 1, or an INSERT that loses a
    race to another worker's INSERT and then updates. The caller commits.
    """
    newly_blocked = []
    for key in (email[:320], ANY_ACCOUNT):
        row = _increment(session, key, address[:64], now)
        if row.failures <= 0 or now - row.last_failure_at > _FORGET_AFTER:
            row.failures = 1
        row.last_failure_at = now
        free = limits.pair_free if key else limits.address_free
        delay = delay_for(row.failures, free, limits.cap_minutes)
        if delay is not None:
            row.blocked_until = now + delay
            newly_blocked.append(row)
    return newly_blocked


def _increment(session, email: str, address: str, now: datetime) -> LoginThrottle:
    where = (LoginThrottle.email == email, LoginThrottle.address == address)
    for _ in range(2):
        updated = session.execute(
            update(LoginThrottle).where(*where).values(failures=LoginThrottle.failures + 1)
            .execution_options(synchronize_session=False)
        ).rowcount
        if updated:
            row = session.scalars(select(LoginThrottle).where(*where)).one()
            session.refresh(row)
            return row
        try:
            with session.begin_nested():
                row = LoginThrottle(email=email, address=address, failures=1,
                                    last_failure_at=now)
                session.add(row)
            return row
        except IntegrityError:
            continue  # another worker inserted it first: update theirs
    raise RuntimeError("login throttle row could not be written")


def clear_pair(session, email: str, address: str) -> None:
    """Forget the pair's failures after a successful login from it. The caller commits."""
    session.execute(delete(LoginThrottle).where(
        LoginThrottle.email == email[:320], LoginThrottle.address == address[:64]))


def listing(session, now: datetime) -> list[LoginThrottle]:
    """Pairs and addresses with recent failures at ``now``, blocked ones first (the admin
    page)."""
    query = select(LoginThrottle).where(or_(LoginThrottle.last_failure_at > now - _FORGET_AFTER,
                                            LoginThrottle.blocked_until > now))
    rows = session.scalars(query.order_by(LoginThrottle.blocked_until.desc().nulls_last(),
                                             LoginThrottle.last_failure_at.desc()).limit(500))
    return list(rows)


def clear(session, row_id: int) -> LoginThrottle | None:
    """Delete one row (an admin's decision). The caller audits and commits."""
    row = session.get(LoginThrottle, row_id)
    if row is not None:
        session.delete(row)
    return row
