"""Password hashing parameters and the password policy."""

import pytest
from argon2 import PasswordHasher

from screener.web import passwords
from screener.web.passwords import (dummy_hash, hash_password, is_common, needs_rehash,
                                password_problems, verify_password)


def test_hash_is_argon2id_at_owasp_parameters():
    hashed = hash_password("a perfectly fine passphrase")
    assert hashed.startswith("$argon2id$")
    assert "m=19456,t=2,p=1" in hashed
    assert verify_password(hashed, "a perfectly fine passphrase")
    assert not verify_password(hashed, "a perfectly fine passphrasE")


def test_verify_never_raises_on_a_broken_hash():
    assert verify_password("not-a-hash", "whatever") is False
    assert verify_password(dummy_hash(), "") is False


def test_weaker_hashes_need_rehash():
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash("x" * 12)
    assert needs_rehash(weak)
    assert not needs_rehash(hash_password("x" * 12))
    assert needs_rehash("garbage")


def test_shipped_list_has_a_few_hundred_entries():
    common = passwords._common_passwords()
    assert 300 <= len(common) <= 2000
    assert "password" in common and "123456" in common
    assert not any(entry.startswith("#") for entry in common)


@pytest.mark.parametrize("password, problem", [
    ("short pass", "at least 12 characters"),
    ("password1234", "too common"),
    ("PASSWORD1234", "too common"),
    ("Sunshine2024!!", "too common"),          # listed word padded with digits and symbols
    ("!!!dragon2025", "too common"),
    ("abcabcabcabc", "too common"),            # a repetition
    ("aaaaaaaaaaaaaaaa", "too common"),
    ("ketamine-2025!", "too common"),
    ("nurse.joy.is.here.42", "email address"),  # contains the email's local part
])
def test_policy_refuses(password, problem):
    problems = password_problems(password, email="nurse.joy@clinic.example")
    assert any(problem in p for p in problems), problems


@pytest.mark.parametrize("password", [
    "correct horse battery staple 42",
    "Tuesday-lantern-orbit-77",
    "my dog eats blue cheese at noon",
])
def test_policy_accepts_good_passphrases(password):
    assert password_problems(password, email="nurse@clinic.example") == []
    assert not is_common(password)


def test_very_long_passwords_are_refused():
    assert password_problems("x1y2" * 300) != []
