"""Resume codes: a short code that opens an unsent screening in another browser.

A code is 12 characters from an alphabet without look-alikes (no 0/O, 1/I/L, U/V), shown in
groups of four (``7KQ4-M9TX-2HPC``): 12 × log2(29) ≈ 58 bits. Case, spaces and dashes do not
matter when it is typed. Only its keyed hash is stored (``code_hash``: an HMAC under a key the
web layer derives from the server's key material; a code stored before as a bare SHA-256 still
works until used), on the draft row; it stops working when it is used, when the draft expires,
is sent or is deleted. Making a new code replaces the old one. Resuming moves the screening to
the new browser: the row gets a new draft token, the code is cleared (single use), and the old
token is retired as "moved", so the browser that made the code is told where it went.
"""

from __future__ import annotations

import math
import re
import secrets
import uuid

from datetime import timedelta

from sqlalchemy import bindparam, select, update

from sqlalchemy.orm import Session

from screener.storage import code_hash, receipts
from screener.storage.database import autocommit_connection
from screener.storage.models import Screening, hash_token, utcnow

ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"
LENGTH = 12
GROUP = 4

_c = Screening.__table__.c
_SET = (update(Screening.__table__)
        .where(_c.id == bindparam("draft_id"), _c.status != "submitted")
        .values(resume_code_hash=bindparam("code_hash")))
_FIND = select(_c.id, _c.expires_at, _c.token_hash).where(
    _c.resume_code_hash.in_(bindparam("code_hashes", expanding=True)), _c.status != "submitted")
# Single use: the code is cleared as the screening moves (matched on the code, so two devices
# typing it at once cannot both win).
_MOVE = (update(Screening.__table__)
         .where(_c.id == bindparam("draft_id"), _c.status != "submitted",
                _c.resume_code_hash.in_(bindparam("code_hashes", expanding=True)))
         .values(token_hash=bindparam("token_hash"), resume_code_hash=None))


def entropy_bits() -> float:
    """How many bits of chance a code carries."""
    return LENGTH * math.log2(len(ALPHABET))


def new_code() -> str:
    """A fresh random code, grouped for reading aloud and writing down."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return "-".join(raw[i:i + GROUP] for i in range(0, LENGTH, GROUP))


def normalise(typed: str) -> str | None:
    """The code as stored (upper case, no spaces or dashes), or None when it cannot be one."""
    code = re.sub(r"[\s\-]", "", typed or "").upper()
    if len(code) != LENGTH or any(ch not in ALPHABET for ch in code):
        return None
    return code


def issue(draft_id: uuid.UUID, key: bytes) -> str | None:
    """A new code for the draft (replacing any earlier one), hashed under ``key``; None when it
    was sent meanwhile."""
    code = new_code()
    result = autocommit_connection().execute(
        _SET, {"draft_id": draft_id, "code_hash": code_hash.keyed_hash(key, normalise(code))})
    return code if result.rowcount == 1 else None


def claim(session: Session, typed: str, token: str, key: bytes, ttl: timedelta) -> bool:
    """Give the unsent, unexpired draft of ``typed`` the draft token ``token`` (this browser's),
    once: the code stops working, and the old token is retired as "moved" (kept ``ttl``).
    Added to ``session`` (the request's unit of work commits it).

    False for a code that is malformed, unknown, used, expired, or of a screening already sent
    (nothing changed).
    """
    code = normalise(typed)
    if code is None:
        return False
    hashes = list(code_hash.candidates(key, code))
    row = session.execute(_FIND, {"code_hashes": hashes}).first()
    if row is None or (row.expires_at is not None and row.expires_at <= utcnow()):
        return False
    moved = session.execute(_MOVE, {"draft_id": row.id, "token_hash": hash_token(token),
                                    "code_hashes": hashes})
    if moved.rowcount != 1:
        return False
    if row.token_hash is not None:
        receipts.retire(session, row.token_hash, "moved", utcnow() + ttl)
    session.flush()
    return True
