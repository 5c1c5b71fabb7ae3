"""Resume codes: a short code that opens an unsent screening in another browser.

A code is 12 characters from an alphabet without look-alikes (no 0/O, 1/I/L, U/V), shown in
groups of four (``7KQ4-M9TX-2HPC``): 12 × log2(29) ≈ 58 bits. Case, spaces and dashes do not
matter when it is typed. Only its SHA-256 is stored, on the
draft row; it stops working when the draft expires, is sent or is deleted. Making a new code
replaces the old one. Resuming moves the screening to the new browser: the row gets a new draft
token, so the browser that made the code no longer opens it.
"""

from __future__ import annotations

import math
import re
import secrets
import uuid

from sqlalchemy import bindparam, select, update

from screener.storage.database import autocommit_connection
from screener.storage.models import Screening, hash_token, utcnow

ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"
LENGTH = 12
GROUP = 4

_c = Screening.__table__.c
_SET = (update(Screening.__table__)
        .where(_c.id == bindparam("draft_id"), _c.status != "submitted")
        .values(resume_code_hash=bindparam("code_hash")))
_FIND = select(_c.id, _c.expires_at).where(_c.resume_code_hash == bindparam("code_hash"),
                                           _c.status != "submitted")
_MOVE = (update(Screening.__table__)
         .where(_c.id == bindparam("draft_id"), _c.status != "submitted")
         .values(token_hash=bindparam("token_hash")))


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


def issue(draft_id: uuid.UUID) -> str | None:
    """A new code for the draft (replacing any earlier one); None when it was sent meanwhile."""
    code = new_code()
    result = autocommit_connection().execute(
        _SET, {"draft_id": draft_id, "code_hash": hash_token(normalise(code))})
    return code if result.rowcount == 1 else None


def claim(typed: str, token: str) -> bool:
    """Give the unsent, unexpired draft of ``typed`` the draft token ``token`` (this browser's).

    False for a code that is malformed, unknown, expired, or of a screening already sent.
    """
    code = normalise(typed)
    if code is None:
        return False
    connection = autocommit_connection()
    row = connection.execute(_FIND, {"code_hash": hash_token(code)}).first()
    if row is None or (row.expires_at is not None and row.expires_at <= utcnow()):
        return False
    moved = connection.execute(_MOVE, {"draft_id": row.id, "token_hash": hash_token(token)})
    return moved.rowcount == 1
