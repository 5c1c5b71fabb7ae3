"""Login throttling that an outsider cannot turn into a lockout.

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

from flask import current_app
from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError

from screener.extensions import db
from screener.storage.models import LoginThrottle, utcnow

ANY_ACCOUNT = ""  # the email of an address's own row
_BASE_DELAY = timedelta(seconds=30)
_FORGET_AFTER = timedelta(hours=24)  # failures older than this start again from zero


@dataclass(frozen=True)
class Blocked:
    until: datetime

    @property
    def wait_minutes(self) -> int:
        seconds = max(0.0, (self.until - utcnow()).total_seconds())
        return max(1, int(-(-seconds // 60)))

    @property
    def message(self) -> str:
        """What the person is told (password and code pages alike)."""
        minutes = self.wait_minutes
        return (f"Too many attempts from this address. Try again in {minutes} "
                f"minute{'s' if minutes != 1 else ''}.")


def _free(email: str) -> int:
    key = "LOGIN_PAIR_FREE_FAILURES" if email else "LOGIN_ADDRESS_FREE_FAILURES"
    return current_app.config[key]


def delay_for(failures: int, free: int, cap_minutes: int) -> timedelta | None:
    """How long the ``failures``-th failure blocks, or None while failures are still free."""
    if failures <= free:
        return None
    steps = min(failures - free - 1, 20)  # 2**20 × 30 s is far past any cap
    return min(_BASE_DELAY * (2 ** steps), timedelta(minutes=cap_minutes))


def blocked(email: str, address: str) -> Blocked | None:
    """The block on this (email, address) pair or on the address, whichever ends last."""
    now = utcnow()
    rows = db.session.scalars(select(LoginThrottle).where(
        LoginThrottle.address == address[:64],
        LoginThrottle.email.in_((email[:320], ANY_ACCOUNT)),
        LoginThrottle.blocked_until > now,
    ))
    ends = [row.blocked_until for row in rows]
    return Blocked(max(ends)) if ends else None


def count_failure(email: str, address: str) -> list[LoginThrottle]:
    """Count one failure for the pair and for the address; returns the rows that became blocked.

    Atomic across workers: an UPDATE ... SET failures = failures + 1, or an INSERT that loses a
    race to another worker's INSERT and then updates. The caller commits.
    """
    now = utcnow()
    newly_blocked = []
    for key in (email[:320], ANY_ACCOUNT):
        row = _increment(key, address[:64], now)
        if row.failures <= 0 or now - row.last_failure_at > _FORGET_AFTER:
            row.failures = 1
        row.last_failure_at = now
        delay = delay_for(row.failures, _free(key),
                          current_app.config["LOGIN_THROTTLE_MAX_MINUTES"])
        if delay is not None:
            row.blocked_until = now + delay
            newly_blocked.append(row)
    return newly_blocked


def _increment(email: str, address: str, now: datetime) -> LoginThrottle:
    where = (LoginThrottle.email == email, LoginThrottle.address == address)
    for _ in range(2):
        updated = db.session.execute(
            update(LoginThrottle).where(*where).values(failures=LoginThrottle.failures + 1)
            .execution_options(synchronize_session=False)
        ).rowcount
        if updated:
            row = db.session.scalars(select(LoginThrottle).where(*where)).one()
            db.session.refresh(row)
            return row
        try:
            with db.session.begin_nested():
                row = LoginThrottle(email=email, address=address, failures=1,
                                    last_failure_at=now)
                db.session.add(row)
            return row
        except IntegrityError:
            continue  # another worker inserted it first: update theirs
    raise RuntimeError("login throttle row could not be written")


def clear_pair(email: str, address: str) -> None:
    """Forget the pair's failures after a successful login from it. The caller commits."""
    db.session.execute(delete(LoginThrottle).where(
        LoginThrottle.email == email[:320], LoginThrottle.address == address[:64]))


def listing() -> list[LoginThrottle]:
    """Pairs and addresses with recent failures, blocked ones first, for the admin page."""
    since = utcnow() - _FORGET_AFTER
    query = select(LoginThrottle).where(or_(LoginThrottle.last_failure_at > since,
                                            LoginThrottle.blocked_until > utcnow()))
    rows = db.session.scalars(query.order_by(LoginThrottle.blocked_until.desc().nulls_last(),
                                             LoginThrottle.last_failure_at.desc()).limit(500))
    return list(rows)


def clear(row_id: int) -> LoginThrottle | None:
    """Delete one row (an admin's decision). The caller audits and commits."""
    row = db.session.get(LoginThrottle, row_id)
    if row is not None:
        db.session.delete(row)
    return row
