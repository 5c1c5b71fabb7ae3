"""Nothing of one visitor in a cached template or fragment (issue 13).

Jinja caches the rendered body of an ``include ... without context`` and the module of an
``import`` without context, once per process; ``patient/fragments.py`` keeps rendered question
groups. None of them may hold a CSRF token, an answer sent with errors, a name or a flash.
"""

from __future__ import annotations

import re

import pytest

from tests.kit.apps import PROJECT_ROOT
from tests.helpers import baseline
from tests.web.test_wizard_security import csrf_token
from tests.web.wizard_client import step_data

TEMPLATES = PROJECT_ROOT / "templates"
INCLUDE_WITHOUT_CONTEXT = re.compile(r"{%-?\s*include\b[^%]*\bwithout\s+context\b", re.S)
IMPORT = re.compile(r"{%-?\s*(?:from\s+\"([^\"]+)\"\s+import|import\s+\"([^\"]+)\")([^%]*)%}")
MACRO = re.compile(r"{%-?\s*macro\b.*?{%-?\s*endmacro\s*-?%}", re.S)
COMMENT = re.compile(r"{#.*?#}", re.S)


def templates():
    return sorted(TEMPLATES.rglob("*.html"))


def test_no_template_is_included_without_context():
    offenders = [str(p.relative_to(TEMPLATES)) for p in templates()
                 if INCLUDE_WITHOUT_CONTEXT.search(p.read_text())]
    assert offenders == []


def test_templates_imported_without_context_hold_only_macros():
    """Their top level is rendered once and cached: it must render nothing at all."""
    imported = set()
    for path in templates():
        for match in IMPORT.finditer(path.read_text()):
            if "with context" not in match.group(3):
                imported.add(match.group(1) or match.group(2))
    assert imported, "the check found the imports"
    for name in imported:
        body = COMMENT.sub("", MACRO.sub("", (TEMPLATES / name).read_text()))
        assert body.strip() == "", f"{name} renders something outside its macros: {body[:200]}"


@pytest.mark.csrf
def test_fragment_caches_hold_no_visitor_data(app):
    first, second = app.test_client(), app.test_client()
    tokens = []
    for client in (first, second):
        client.post("/screening/start", data={"csrf_token": csrf_token(client, "/")})
        tokens.append(csrf_token(client, "/screening/about"))
    assert tokens[0] != tokens[1]
    # The first visitor sends a step with a tampered answer and a valid one: errors shown.
    data = {**step_data("diagnosis", baseline()), "current_care": "maybe",
            "csrf_token": tokens[0]}
    first.post("/screening/about", data={"age_18_plus": "yes", "csrf_token": tokens[0]})
    assert first.post("/screening/diagnosis", data=data).headers["Location"] == (
        "/screening/diagnosis")
    errors = first.get("/screening/diagnosis").get_data(as_text=True)
    assert 'class="field-error"' in errors
    second.post("/screening/about", data={"age_18_plus": "yes", "csrf_token": tokens[1]})
    page = second.get("/screening/diagnosis").get_data(as_text=True)
    assert "field-error" not in page and "maybe" not in page and tokens[0] not in page

    cache = app.extensions["fragments"]
    cached = [html for _, html in cache._entries.values()]  # noqa: SLF001 (what it holds)
    assert cached, "the pages went through the fragment caches"
    for html in cached:
        assert "csrf_token" not in html and "field-error" not in html and "maybe" not in html
        assert not any(token in html for token in tokens)
