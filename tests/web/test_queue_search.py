"""Staff search over the stored search_text: names, emails and phone numbers."""

import pytest

from screener.storage.models import search_text_for
from tests.factories import make_submission


def test_search_text_for_lowercases_and_adds_phone_digits():
    text = search_text_for("Ana SILVA", "Ana@Example.COM", "+1 (555) 010-2030")
    assert text == "ana silva ana@example.com +1 (555) 010-2030 15550102030"


def test_search_text_for_missing_fields():
    assert search_text_for("Bo", None, None) == "bo"


@pytest.mark.parametrize("query", ["555-010-2030", "5550102030", "(555) 010", "ANA SILVA",
                                   "ana@example"])
def test_search_finds_by_name_email_or_phone_in_any_format(app, client, login_as, query):
    with app.app_context():
        make_submission(name="Ana Silva", email="ana@example.com", phone="+1 (555) 010-2030")
        make_submission(name="Ben Other", email="ben@example.org", phone=None)
    login_as("intake")
    page = client.get("/staff/", query_string={"q": query}).get_data(as_text=True)
    assert "Ana Silva" in page
    assert "Ben Other" not in page


def test_search_wildcards_are_literal(app, client, login_as):
    with app.app_context():
        make_submission(name="Ana Silva", email="ana@example.com")
    login_as("intake")
    page = client.get("/staff/", query_string={"q": "%"}).get_data(as_text=True)
    assert "Ana Silva" not in page
