"""Password hashing (argon2id) and the password policy for staff accounts."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# OWASP Password Storage Cheat Sheet: argon2id, m=19 MiB, t=2, p=1 (the first recommended option).
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
MIN_LENGTH = 12
_COMMON = Path(__file__).parent / "data" / "common_passwords.txt"


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


# A hash to verify against when the email is unknown, so both paths take the same time.
DUMMY_HASH = _hasher.hash("not-a-real-password-timing-equaliser")


def password_problems(password: str, email: str = "") -> list[str]:
    """Why ``password`` is not acceptable (empty when it is)."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"use at least {MIN_LENGTH} characters")
    lowered = password.lower()
    if lowered in _common_passwords():
        problems.append("this password is too common")
    elif email and lowered == email.lower():
        problems.append("do not use your email address as your password")
    return problems


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    try:
        lines = _COMMON.read_text(encoding="utf-8").splitlines()
    except OSError:
        return frozenset()
    return frozenset(line.strip().lower() for line in lines if line.strip())
