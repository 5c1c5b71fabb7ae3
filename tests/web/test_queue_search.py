"""Staff search over the stored search_text: names, emails and phone numbers."""

from datetime import timedelta

import pytest

from screener.extensions import db
from screener.storage.filters import NOT_CLOSED, ScreeningFilters
from screener.storage.models import search_text_for
from screener.storage.queue import build_queue_query, fetch_page, searched_queue_query
from tests.factories import make_submission
from tests.helpers import baseline, phq9


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


def walk_pages(query, size: int = 2) -> list[list[str]]:
    """Every page of ``query`` in order, by names, following the Next cursor."""
    pages, after = [], ""
    while True:
        page = fetch_page(db.session, query, after=after, size=size)
        pages.append([row.contact_name for row in page.rows])
        if page.next is None:
            return pages
        after = page.next


@pytest.mark.parametrize("few", [0, 2, 5, 500])
def test_a_search_found_once_pages_like_the_search_itself(app, few):
    """A search matching at most ``few`` submissions is read by id (found once, not once per
    priority): its pages, across urgent and other submissions, are those of the plain search,
    and one matching more is left as it is."""
    at_risk = baseline(**phq9(1, 1, 1, 1, 1, 1, 1, 1, 1))  # flagged self_harm: sorts first
    with app.app_context():
        for number, answers in enumerate([at_risk, None, at_risk, None, None]):
            make_submission(answers, name=f"Smith {number}", email=f"s{number}@example.com",
                            submitted_ago=timedelta(hours=number))
        make_submission(name="Smith Closed", review_status="closed")
        make_submission(at_risk, name="Jones")
        filters = ScreeningFilters(statuses=NOT_CLOSED, search="smith")
        narrowed = searched_queue_query(db.session, filters, few=few)
        expected = walk_pages(build_queue_query(filters))
        assert expected == [["Smith 2", "Smith 0"], ["Smith 1", "Smith 3"], ["Smith 4"]]
        assert walk_pages(narrowed) == expected
        assert (" IN " in str(narrowed)) == (few >= 5)
        unsearched = ScreeningFilters(statuses=NOT_CLOSED)
        assert str(searched_queue_query(db.session, unsearched)) == str(
            build_queue_query(unsearched))
