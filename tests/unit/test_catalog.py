"""The Spanish catalog of the patient pages (issue 27): every string the patient templates and
patient Python pass through gettext has a Spanish text, with the same placeholders and markup,
and the committed compiled catalog (.mo) is the one its .po compiles to."""

from __future__ import annotations

import io
import re
from functools import lru_cache

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from screener.config import PROJECT_ROOT
from screener.web.languages import LANGUAGES, TRANSLATIONS

KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
PLACEHOLDER = re.compile(r"%\(\w+\)s")
TAG = re.compile(r"</?([a-z]+)")


@lru_cache(maxsize=1)
def extracted() -> dict[str, str]:
    """msgid -> where, for every gettext string of the files babel.cfg lists."""
    with open(PROJECT_ROOT / "babel.cfg") as config:
        method_map, options_map = parse_mapping_cfg(config)
    found = {}
    for filename, lineno, message, _, _ in extract_from_dir(
            str(PROJECT_ROOT), method_map, options_map, keywords=KEYWORDS):
        found.setdefault(message if isinstance(message, str) else message[0],
                         f"{filename}:{lineno}")
    return found


def catalog(language: str):
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", "rb") as po:
        return read_po(po, locale=language)


def test_extraction_finds_the_patient_strings():
    """The check below can fail: it sees templates, patient Python and the error pages."""
    found = extracted()
    assert "Start screening" in found and "Choose an answer to this question." in found
    assert "Page not found" in found and "Step %(position)s of %(total)s" in found
    assert not any(where.startswith("templates/staff") for where in found.values())
    assert len(found) > 100


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "en"])
def test_every_patient_string_is_translated(language):
    translated = {m.id: m for m in catalog(language) if m.id}
    problems = []
    for msgid, where in sorted(extracted().items(), key=lambda item: item[1]):
        message = translated.get(msgid)
        if message is None or not str(message.string).strip():
            problems.append(f"{where}: no {language} text for {msgid!r}")
        elif message.fuzzy:
            problems.append(f"{where}: {language} text marked fuzzy for {msgid!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "en"])
def test_translations_keep_placeholders_and_markup(language):
    for message in catalog(language):
        if not message.id:
            continue
        assert sorted(PLACEHOLDER.findall(message.string)) == sorted(
            PLACEHOLDER.findall(message.id)), message.id
        assert sorted(TAG.findall(message.string)) == sorted(TAG.findall(message.id)), message.id


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "en"])
def test_the_committed_mo_is_the_compiled_po(language):
    """The .mo is committed (so `pip install` serves Spanish): after editing the .po, run
    `make translations`."""
    compiled = io.BytesIO()
    write_mo(compiled, catalog(language))
    committed = (TRANSLATIONS / language / "LC_MESSAGES" / "messages.mo").read_bytes()
    assert committed == compiled.getvalue(), "stale messages.mo: run `make translations`"


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "en"])
def test_no_spanish_text_says_nos_dijo(language):
    """Plain and respectful: "usted", never "nos dijo" (the team's wording rule)."""
    for message in catalog(language):
        assert "nos dijo" not in str(message.string).lower(), message.id


def test_long_interface_texts_read_plainly_in_spanish():
    """Spanish interface texts of 12 words or more at Fernández-Huerta 70 or more (about US
    grade 8), graded as the questionnaire's Spanish texts are (test_plain_language_es.py)."""
    from tests.unit.test_plain_language import MIN_WORDS, plain
    from tests.unit.test_plain_language_es import MIN_SCORE, score

    hard = []
    for message in catalog("es"):
        text = re.sub(r"<[^>]+>|%\(\w+\)s", " ", str(message.string))
        if message.id and len(plain(text).split()) >= MIN_WORDS and score(text) < MIN_SCORE:
            hard.append(f"{score(text):.0f}: {message.string}")
    assert not hard, "\n".join(hard)
