"""Password hashing (argon2id) and the password policy for staff accounts."""

from __future__ import annotations

import string
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# OWASP Password Storage Cheat Sheet: argon2id, m=19 MiB, t=2, p=1 (the first recommended option).
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
MIN_LENGTH = 12
# Long enough for any passphrase, short enough that hashing cannot be used to tie up a worker.
MAX_LENGTH = 1024
_COMMON = Path(__file__).parent.parent / "data" / "common_passwords.txt"
_PADDING = string.digits + string.punctuation + " "


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when ``password`` matches; never raises for a malformed hash."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's."""
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


@lru_cache(maxsize=1)
def dummy_hash() -> str:
    """A hash to verify against when the email is unknown, so both paths take the same time."""
    # Made on first use, not at import: an argon2 hash costs every start-up some 30 ms.
    return _hasher.hash("not-a-real-password-timing-equaliser")


def password_problems(password: str, email: str = "") -> list[str]:
    """Why ``password`` is not acceptable (empty when it is)."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"use at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        problems.append(f"use at most {MAX_LENGTH} characters")
    lowered = password.lower()
    if is_common(lowered):
        problems.append("this password is too common or too easy to guess")
    elif email and _mentions_email(lowered, email.lower()):
        problems.append("do not use your email address in your password")
    return problems


def is_common(password: str) -> bool:
    """True for a listed password, one padded with digits or symbols, or a repeated one."""
    lowered = password.lower()
    unit = _repeated_unit(lowered)
    if len(set(lowered)) <= 2 or (unit != lowered and len(unit) <= 4):
        return True
    common = _common_passwords()
    candidates = {lowered, lowered.strip(_PADDING), lowered.rstrip(_PADDING),
                  lowered.lstrip(_PADDING), unit}
    return any(candidate in common for candidate in candidates if candidate)


def _repeated_unit(text: str) -> str:
    """'abcabcabc' → 'abc'; text that is not a repetition comes back unchanged."""
    for size in range(1, len(text) // 2 + 1):
        if len(text) % size == 0 and text[:size] * (len(text) // size) == text:
            return text[:size]
    return text


def _mentions_email(password: str, email: str) -> bool:
    local = email.partition("@")[0]
    return password == email or (len(local) >= 4 and local in password)


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    try:
        lines = _COMMON.read_text(encoding="utf-8").splitlines()
    except OSError:
        return frozenset()
    return frozenset(
        line.strip().lower() for line in lines if line.strip() and not line.startswith("#")
    )
