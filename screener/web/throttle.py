"""Login throttling for the login and second-factor pages: the limits from the settings, and
the block worded for the person (the counting itself is ``storage.login_throttle``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app

from screener.extensions import db
from screener.storage import login_throttle
from screener.storage.login_throttle import delay_for  # noqa: F401 (the delays, for tests)
from screener.storage.models import LoginThrottle
from screener.web.clock import utc_now


@dataclass(frozen=True)
class Blocked:
    until: datetime
    now: datetime  # when it was read (the app's clock)

    @property
    def wait_minutes(self) -> int:
        seconds = max(0.0, (self.until - self.now).total_seconds())
        return max(1, int(-(-seconds // 60)))

    @property
    def message(self) -> str:
        """What the person is told (password and code pages alike)."""
        minutes = self.wait_minutes
        return (f"Too many attempts from this address. Try again in {minutes} "
                f"minute{'s' if minutes != 1 else ''}.")


def _limits() -> login_throttle.Limits:
    config = current_app.config
    return login_throttle.Limits(pair_free=config["LOGIN_PAIR_FREE_FAILURES"],
                                 address_free=config["LOGIN_ADDRESS_FREE_FAILURES"],
                                 cap_minutes=config["LOGIN_THROTTLE_MAX_MINUTES"])


def blocked(email: str, address: str) -> Blocked | None:
    """The block on this (email, address) pair or on the address, whichever ends last."""
    now = utc_now()
    until = login_throttle.blocked_until(db.session, email, address, now)
    return Blocked(until, now) if until is not None else None


def count_failure(email: str, address: str) -> list[LoginThrottle]:
    """Count one failure for the pair and the address; the rows that became blocked."""
    return login_throttle.count_failure(db.session, email, address, _limits(), utc_now())


def clear_pair(email: str, address: str) -> None:
    """Forget the pair's failures after a successful login from it."""
    login_throttle.clear_pair(db.session, email, address)


def listing() -> list[LoginThrottle]:
    """Pairs and addresses with recent failures, blocked ones first (the admin page)."""
    return login_throttle.listing(db.session, utc_now())


def clear(row_id: int) -> LoginThrottle | None:
    """Delete one row (an admin's decision); the caller audits and commits."""
    return login_throttle.clear(db.session, row_id)
