"""Codes are stored as a keyed HMAC; hashes stored before it (bare SHA-256) still match."""

import hashlib

import pytest

from screener.storage import code_hash

KEY = b"k" * 32


def test_keyed_hash_is_not_the_bare_sha256_a_dump_could_be_cracked_with():
    """Without the server key, hashing every possible code finds nothing."""
    stored = code_hash.keyed_hash(KEY, "7KQ4M9TX2HPC")
    assert stored != hashlib.sha256(b"7KQ4M9TX2HPC").hexdigest()
    assert len(stored) == 64  # fits the existing String(64) columns


def test_another_key_gives_another_hash():
    """A dump plus a guessed key (of another install) does not match."""
    assert code_hash.keyed_hash(KEY, "ABC") != code_hash.keyed_hash(b"j" * 32, "ABC")


def test_keyed_and_legacy_hashes_both_match_their_code_and_nothing_else():
    """A code made before the upgrade keeps working until it is used."""
    legacy = hashlib.sha256(b"7KQ4M9TX2HPC").hexdigest()
    keyed = code_hash.keyed_hash(KEY, "7KQ4M9TX2HPC")
    assert code_hash.matches(KEY, "7KQ4M9TX2HPC", legacy)
    assert code_hash.matches(KEY, "7KQ4M9TX2HPC", keyed)
    assert not code_hash.matches(KEY, "7KQ4M9TX2HPD", keyed)
    assert not code_hash.matches(KEY, "7KQ4M9TX2HPD", legacy)
    assert code_hash.is_legacy("7KQ4M9TX2HPC", legacy)
    assert not code_hash.is_legacy("7KQ4M9TX2HPC", keyed)
    assert code_hash.candidates(KEY, "7KQ4M9TX2HPC") == (keyed, legacy)


def test_an_empty_key_is_refused():
    """A missing key must fail loudly, never hash with no secret."""
    with pytest.raises(ValueError):
        code_hash.keyed_hash(b"", "ABC")


def test_code_keys_come_from_code_hash_key_first_and_differ_per_purpose():
    """Rotating SECRET_KEY with CODE_HASH_KEY set keeps stored hashes matching."""
    from screener.web.code_keys import RECOVERY_CODES, RESUME_CODES, code_key

    a = code_key(RESUME_CODES, {"CODE_HASH_KEY": "c" * 32, "SECRET_KEY": "s" * 32})
    b = code_key(RESUME_CODES, {"CODE_HASH_KEY": "c" * 32, "SECRET_KEY": "t" * 32})
    assert a == b and len(a) == 32
    assert code_key(RECOVERY_CODES, {"SECRET_KEY": "s" * 32}) != code_key(
        RESUME_CODES, {"SECRET_KEY": "s" * 32})
