"""The one on/off parser and the one email check, shared by settings, filters, forms and CLI."""

from __future__ import annotations

import pytest

from screener.core.values import normal_email, parse_bool


@pytest.mark.parametrize("text", ["1", "true", "yes", "on", " ON ", "True", True])
def test_on_words_are_true(text):
    assert parse_bool(text) is True


@pytest.mark.parametrize("text", ["0", "false", "no", "off", " Off", "NO", False])
def test_off_words_are_false(text):
    assert parse_bool(text) is False


@pytest.mark.parametrize("text", ["", "  ", None])
def test_an_empty_value_is_the_default(text):
    assert parse_bool(text, default=True) is True
    assert parse_bool(text, default=False) is False
    with pytest.raises(ValueError):
        parse_bool(text)


@pytest.mark.parametrize("text", ["maybe", "2", "y", "enabled", "tru"])
def test_anything_else_is_refused_not_guessed(text):
    with pytest.raises(ValueError, match="expected one of 1/true/yes/on/0/false/no/off"):
        parse_bool(text, default=False)


def test_an_address_is_kept_with_its_domain_normalized():
    assert normal_email("  Ana.Lopez@Clinic.Example ") == "Ana.Lopez@clinic.example"


@pytest.mark.parametrize("address", ["", "ana", "ana@", "@clinic.example", "ana lopez@x.example",
                                     "ana@@clinic.example", "ana@clinic"])
def test_what_is_not_an_address_is_refused_with_a_reason(address):
    with pytest.raises(ValueError) as refused:
        normal_email(address)
    assert str(refused.value)
