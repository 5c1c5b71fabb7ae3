"""The staff second factor: TOTP codes (RFC 6238) from an authenticator app, recovery codes.

The secret is stored encrypted (Fernet) under a key derived from ``MFA_ENCRYPTION_KEY``, or
from ``SECRET_KEY`` when that is not set, so a copy of the database alone gives no codes. A code
is accepted once: the account keeps the 30-second step of the last code it accepted, and a code
of that step or an earlier one is refused (an atomic UPDATE, so two workers cannot both accept
it). Recovery codes are single use and stored as keyed hashes (HMAC, web/code_keys.py).
"""

from __future__ import annotations

import enum
import hmac
import re
import secrets
from base64 import urlsafe_b64encode
from typing import Any, Mapping

import pyotp
from flask import current_app
from markupsafe import Markup

from screener.extensions import db
from screener.storage import code_hash, staff_accounts
from screener.storage.models import StaffUser
from screener.web import code_keys
from screener.web.clock import now_seconds

STEP_SECONDS = 30
DRIFT_STEPS = 1  # a code of the previous or next step is accepted too: phone clocks drift
RECOVERY_CODE_COUNT = 10
# No 0/O, 1/I/L: codes are read off paper. 31 symbols ** 10 ≈ 2 ** 49.5 per code.
_RECOVERY_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
_RECOVERY_LENGTH = 10
_TOTP_CODE = re.compile(r"[0-9]{6}", re.ASCII)
_SEPARATORS = re.compile(r"[\s-]+")
_KEY_INFO = b"screener: staff TOTP secrets"


class SecretUnreadable(Exception):
    """The stored secret cannot be decrypted: the key it was encrypted with has changed."""


class CodeCheck(enum.Enum):
    ACCEPTED = "accepted"
    REPLAYED = "replayed"  # right code, but it (or a later one) was already used
    WRONG = "wrong"


def _fernet(config: Mapping[str, Any] | None = None):
    # Imported here: only logins use it, and it would add ~11 ms to every worker's start-up.
    from cryptography.fernet import Fernet
    from cryptography.hazmat.primitives.hashes import SHA256
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    config = config if config is not None else current_app.config
    material = config.get("MFA_ENCRYPTION_KEY") or config["SECRET_KEY"]
    key = HKDF(algorithm=SHA256(), length=32, salt=None, info=_KEY_INFO).derive(
        material.encode())
    return Fernet(urlsafe_b64encode(key))


def encrypt(text: str, config: Mapping[str, Any] | None = None) -> str:
    """``text`` encrypted with the app's second-factor key."""
    return _fernet(config).encrypt(text.encode()).decode("ascii")


def decrypt(token: str, config: Mapping[str, Any] | None = None) -> str:
    """The text ``encrypt`` was given; SecretUnreadable when the key has changed since."""
    from cryptography.fernet import InvalidToken

    try:
        return _fernet(config).decrypt(token.encode("ascii")).decode()
    except (InvalidToken, ValueError, UnicodeError):
        raise SecretUnreadable() from None


def new_secret() -> str:
    """A fresh TOTP secret: 160 random bits in base32 (what authenticator apps expect)."""
    return pyotp.random_base32()


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    """The ``otpauth://`` address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=issuer)


def qr_svg(uri: str) -> Markup:
    """The QR code of ``uri`` as inline SVG, made here: no image service sees the secret."""
    import segno  # only the setup page draws one: kept out of every worker's start-up

    svg = segno.make(uri, error="m").svg_inline(
        scale=5, border=4, omitsize=True, title="QR code for your authenticator app")
    return Markup(svg)  # segno's own markup: the secret is in the drawn modules, not in text


def grouped(secret: str) -> str:
    """The secret in groups of four, easier to type: 'JBSW Y3DP ...'."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def step_at(moment: float | None = None) -> int:
    """The 30-second step (RFC 6238 counter) of ``moment`` (default: now, by the app's clock)."""
    return int((now_seconds() if moment is None else moment) // STEP_SECONDS)


def code_at(secret: str, step: int) -> str:
    """The six-digit code of ``secret`` for ``step``."""
    return pyotp.TOTP(secret).generate_otp(step)


def matching_step(secret: str, code: str, moment: float | None = None) -> int | None:
    """The step (now, or one either side) whose code ``code`` is, or None."""
    code = _SEPARATORS.sub("", code or "")
    if not _TOTP_CODE.fullmatch(code):
        return None
    now = step_at(moment)
    for step in (now, now - DRIFT_STEPS, now + DRIFT_STEPS):
        if hmac.compare_digest(code_at(secret, step), code):
            return step
    return None


def looks_like_totp(code: str) -> bool:
    """Six ASCII digits (spaces allowed): an authenticator code rather than a recovery code."""
    return bool(_TOTP_CODE.fullmatch(_SEPARATORS.sub("", code or "")))


# --- Accounts ---------------------------------------------------------------------------------

def secret_of(user: StaffUser) -> str:
    """The account's TOTP secret in clear; SecretUnreadable when it cannot be decrypted."""
    if not user.totp_secret:
        raise SecretUnreadable()
    return decrypt(user.totp_secret)


def check_code(user: StaffUser, code: str, moment: float | None = None) -> CodeCheck:
    """Check an authenticator code and, when right and unused, mark its step used. Caller
    commits. SecretUnreadable when the stored secret cannot be decrypted."""
    step = matching_step(secret_of(user), code, moment)
    if step is None:
        return CodeCheck.WRONG
    used = staff_accounts.use_code_step(db.session, user.id, step)
    return CodeCheck.ACCEPTED if used else CodeCheck.REPLAYED


def enrol(user: StaffUser, secret: str, code: str,
          moment: float | None = None) -> list[str] | None:
    """Confirm ``secret`` for ``user`` with a code from the app; returns the new recovery codes
    (shown once), or None when the code is wrong or the account already has a second factor.
    Caller commits."""
    step = matching_step(secret, code, moment)
    if step is None:
        return None
    if not staff_accounts.confirm_second_factor(db.session, user, encrypt(secret), step):
        return None
    return replace_recovery_codes(user)


def new_recovery_code() -> str:
    """One recovery code, shown as 'ABCDE-FGHJK'."""
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def _normal_recovery_code(code: str) -> str | None:
    normal = _SEPARATORS.sub("", code or "").upper()
    if len(normal) != _RECOVERY_LENGTH or any(ch not in _RECOVERY_ALPHABET for ch in normal):
        return None
    return normal


def _recovery_hash(code: str, config: Mapping[str, Any] | None = None) -> str | None:
    """The stored form of a recovery code: an HMAC under a key derived from the server's key
    material (``CODE_HASH_KEY`` or ``SECRET_KEY``), so a database dump alone cracks none."""
    normal = _normal_recovery_code(code)
    if normal is None:
        return None
    return code_hash.keyed_hash(code_keys.code_key(code_keys.RECOVERY_CODES, config), normal)


def replace_recovery_codes(user: StaffUser) -> list[str]:
    """Ten new recovery codes for ``user`` (the old ones stop working). Caller commits."""
    codes = [new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    staff_accounts.replace_recovery_codes(db.session, user.id,
                                          [_recovery_hash(code) for code in codes])
    return codes


def use_recovery_code(user: StaffUser, code: str) -> bool:
    """Spend one of ``user``'s unused recovery codes; False when it is not one. Caller commits."""
    normal = _normal_recovery_code(code)
    if normal is None:
        return False
    # Codes stored before the keyed hash (bare SHA-256) still work until used or replaced.
    key = code_keys.code_key(code_keys.RECOVERY_CODES)
    return staff_accounts.spend_recovery_code_any(db.session, user.id,
                                                  code_hash.candidates(key, normal))


def recovery_codes_left(user: StaffUser) -> int:
    """How many unused recovery codes ``user`` has."""
    return staff_accounts.recovery_codes_left(db.session, user.id)


def reset(user: StaffUser) -> None:
    """Remove ``user``'s second factor and recovery codes: the next login sets up a new one.
    Caller ends the sessions, audits and commits."""
    staff_accounts.remove_second_factor(db.session, user)
