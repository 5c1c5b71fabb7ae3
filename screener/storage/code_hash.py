"""Stored form of short codes a person types (resume codes, recovery codes): a keyed HMAC.

A plain SHA-256 of a 12-character code falls to one offline pass over a database dump; an
HMAC-SHA-256 under a key the database does not hold does not. The key comes from the web layer
(derived from the server's key material, see ``screener.web.code_keys``) and is passed in, so
this module stays pure. Hashes stored before the HMAC (bare SHA-256) are recognised by
``legacy_hash`` until the code is used or replaced.
"""

from __future__ import annotations

import hashlib
import hmac


def keyed_hash(key: bytes, code: str) -> str:
    """The stored form of ``code`` (already normalised) under ``key``."""
    if not key:
        raise ValueError("a code-hash key is required")
    # 64 hex characters, like the legacy form, so existing String(64) columns hold either.
    return hmac.new(key, code.encode("utf-8"), hashlib.sha256).hexdigest()


def legacy_hash(code: str) -> str:
    """The bare SHA-256 that codes were stored as before the keyed hash."""
    return hashlib.sha256(code.encode("utf-8")).hexdigest()


def candidates(key: bytes, code: str) -> tuple[str, str]:
    """Every stored form ``code`` may have: keyed first, then legacy (for a lookup by hash)."""
    return keyed_hash(key, code), legacy_hash(code)


def matches(key: bytes, code: str, stored: str) -> bool:
    """Whether ``stored`` is the hash of ``code``, keyed or legacy (constant-time compares)."""
    keyed = hmac.compare_digest(keyed_hash(key, code), stored)
    legacy = hmac.compare_digest(legacy_hash(code), stored)
    return keyed or legacy


def is_legacy(code: str, stored: str) -> bool:
    """Whether ``stored`` is the legacy form of ``code`` (to re-hash or clear it once used)."""
    return hmac.compare_digest(legacy_hash(code), stored)
