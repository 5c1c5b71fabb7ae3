"""Hostile values for hypothesis, and reading a form's fields from its HTML."""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from tests.kit.pages import parse

# Each example is a real request against a real database; the fixtures are reset by hand.
HOSTILE = settings(max_examples=40, deadline=None, derandomize=True,
                   suppress_health_check=[HealthCheck.function_scoped_fixture,
                                          HealthCheck.too_slow])

MALICIOUS = ["<script>alert(1)</script>", "{{7*7}}", "{% raw %}", "' OR 1=1 --", "\"; DROP "
             "TABLE screenings; --", "../../etc/passwd", "%00", "\x00", "a\x00b", "\ufeff",
             "\u202e", "NaN", "Infinity", "-1", "1e9", "1.5", "0x10", "99999999999999999999",
             "-99999999999999999999", "[]", "{}", "null", "true", "None", "=cmd|' /C calc'!A0",
             "\r\nSet-Cookie: x=1", "😀" * 50, "é" * 300, " ", ""]
SAFE_CHARACTERS = st.characters(blacklist_categories=("Cs",))  # encodable as UTF-8
junk_text = st.one_of(
    st.sampled_from(MALICIOUS),
    st.text(SAFE_CHARACTERS, max_size=40),
    st.builds(lambda ch, n: ch * n, st.sampled_from("a<é\x00💥 "), st.integers(200, 20000)),
    st.integers(-10**20, 10**20).map(str),
)
junk_key = st.one_of(st.text(SAFE_CHARACTERS, min_size=1, max_size=20),
                     st.sampled_from(["csrf_token", "action", "id", "status", "token",
                                      "screening_token", "__proto__", "a[b]", "a[]", "a.b"]))


def clearly_invalid(question, raw: str) -> bool:
    """``raw`` cannot be read as any allowed answer of ``question`` (even leniently)."""
    text = raw.strip()
    allowed = {str(value) for value in question.allowed_values()}
    if text in allowed:
        return False
    try:
        return str(int(text)) not in allowed
    except ValueError:
        return True


def form_names(client, path: str, questionnaire) -> list[str]:
    """The question fields of the form served at ``path`` (read from its HTML)."""
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    page = parse(response.get_data(as_text=True), "http://localhost" + path,
                 headers={"content-type": response.content_type})
    names = set().union(*(form.names for form in page.forms)) & questionnaire.questions.keys()
    return sorted(names, key=list(questionnaire.questions).index)
