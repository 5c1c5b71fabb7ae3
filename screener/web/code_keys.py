"""The key that short codes (resume, recovery) are hashed and send receipts derived under: HKDF
from server key material.

``CODE_HASH_KEY`` when set, else ``SECRET_KEY``, like the TOTP key in web/mfa.py: set
``CODE_HASH_KEY`` before rotating ``SECRET_KEY`` so that stored code hashes keep matching.
A distinct HKDF ``info`` per purpose keeps a resume-code hash from ever equalling a
recovery-code hash of the same characters.
"""

from __future__ import annotations

from typing import Any, Mapping

from flask import current_app

RESUME_CODES = b"screener: patient resume codes"
RECOVERY_CODES = b"screener: staff recovery codes"
SEND_RECEIPTS = b"screener: the receipt of a send sent again"


def code_key(purpose: bytes, config: Mapping[str, Any] | None = None) -> bytes:
    """32 bytes derived from the server's key material for hashing codes of ``purpose``."""
    from cryptography.hazmat.primitives.hashes import SHA256
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    config = config if config is not None else current_app.config
    material = config.get("CODE_HASH_KEY") or config["SECRET_KEY"]
    return HKDF(algorithm=SHA256(), length=32, salt=None, info=purpose).derive(
        material.encode())
