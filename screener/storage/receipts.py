"""Receipts of sent screenings, and draft tokens retired by a send or a move.

A receipt is what the sending device keeps (DECISIONS, "After a patient sends"): the reference,
the time sent and whether the crisis resources lead, found by the hash of a new random token
that replaces the draft's token in the cookie. A retired token says only why an old draft token
no longer opens anything ("sent", "moved"). Writes take the caller's session and only add; the
caller commits with the send (or the move).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from screener.storage.database import autocommit_connection
from screener.storage.models import Receipt, RetiredToken, Screening, hash_token, utcnow

# No 0/O, 1/I/L, U/V: read out on the phone. 29 ** 6 ≈ 6 × 10 ** 8 references.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"
REFERENCE_TRIES = 8


@dataclass(frozen=True)
class Shown:
    """What a receipt lets the sending device show."""

    reference: str
    sent_at: datetime
    crisis_first: bool


def new_reference() -> str:
    """A random reference like ``K7Q-4M9``."""
    raw = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))
    return f"{raw[:3]}-{raw[3:]}"


def unused_reference(session: Session) -> str:
    """A reference no submission has yet (a collision is rare: try again)."""
    for _ in range(REFERENCE_TRIES):
        reference = new_reference()
        taken = session.scalar(select(Screening.id).where(Screening.reference == reference))
        if taken is None:
            return reference
    raise RuntimeError("no unused reference found")


def normalise_reference(typed: str) -> str | None:
    """``k7q4m9``, ``K7Q 4M9`` → ``K7Q-4M9``; None when it cannot be a reference."""
    raw = "".join(ch for ch in (typed or "").upper() if ch.isalnum())
    if len(raw) != 6 or any(ch not in REFERENCE_ALPHABET for ch in raw):
        return None
    return f"{raw[:3]}-{raw[3:]}"


def add_receipt(session: Session, token: str, shown: Shown, expires_at: datetime) -> None:
    """Add the receipt the device's new ``token`` finds (committed by the caller)."""
    session.add(Receipt(token_hash=hash_token(token), reference=shown.reference,
                        sent_at=shown.sent_at, crisis_first=shown.crisis_first,
                        printable_pending=True, expires_at=expires_at))


def retire(session: Session, token_hash: str, reason: str, expires_at: datetime) -> None:
    """Remember that the draft token of ``token_hash`` no longer opens its screening."""
    session.merge(RetiredToken(token_hash=token_hash, reason=reason, expires_at=expires_at))


def find(token) -> Shown | None:
    """The unexpired receipt of ``token``, or None."""
    if not isinstance(token, str) or not token:
        return None
    row = autocommit_connection().execute(
        select(Receipt.reference, Receipt.sent_at, Receipt.crisis_first)
        .where(Receipt.token_hash == hash_token(token), Receipt.expires_at > utcnow())).first()
    return None if row is None else Shown(*row)


def take_printable(token: str) -> str | None:
    """The reference whose printable result may be shown now, once (an atomic UPDATE, so two
    requests cannot both show it); None after that."""
    if not isinstance(token, str) or not token:
        return None
    connection = autocommit_connection()
    token_hash = hash_token(token)
    taken = connection.execute(
        update(Receipt).where(Receipt.token_hash == token_hash, Receipt.printable_pending,
                              Receipt.expires_at > utcnow())
        .values(printable_pending=False))
    if taken.rowcount != 1:
        return None
    return connection.execute(
        select(Receipt.reference).where(Receipt.token_hash == token_hash)).scalar()


def retired_reason(token) -> str | None:
    """Why ``token`` no longer opens a screening ("sent", "moved"), or None."""
    if not isinstance(token, str) or not token:
        return None
    return autocommit_connection().execute(
        select(RetiredToken.reason).where(RetiredToken.token_hash == hash_token(token),
                                          RetiredToken.expires_at > utcnow())).scalar()


def purge_expired(session: Session, now: datetime) -> int:
    """Delete expired receipts and retired tokens; how many rows went."""
    gone = 0
    for model in (Receipt, RetiredToken):
        gone += session.execute(delete(model).where(model.expires_at <= now),
                                execution_options={"synchronize_session": False}).rowcount
    return gone
