"""Urgent submissions on staff pages: how long each has waited, and the count on every page."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from screener.storage.queue import waiting_for
from tests.factories import make_submission
from tests.helpers import baseline, phq9
from tests.web.staff_pages import urgent_shown

URGENT = baseline(**phq9(1, 1, 1, 1, 1, 1, 1, 1, 1), cssrs_thoughts="yes", cssrs_plan="yes")
LOW_RISK = baseline(**phq9(1, 1, 1, 1, 1, 1, 1, 1, 1))  # flag self_harm: urgency 3, not urgent
PLAIN = baseline(**phq9(2, 2, 2, 2, 2, 0, 0, 0, 0))


@pytest.fixture
def mixed(app):
    with app.app_context():
        make_submission(URGENT, name="Urgent Waiting", submitted_ago=timedelta(hours=3, minutes=5))
        make_submission(URGENT, name="Urgent Reviewing", submitted_ago=timedelta(minutes=40),
                        review_status="in_review")
        make_submission(URGENT, name="Urgent Contacted", submitted_ago=timedelta(hours=5),
                        review_status="contacted")
        make_submission(PLAIN, name="Not Urgent", submitted_ago=timedelta(hours=7))
        make_submission(LOW_RISK, name="Low Risk", submitted_ago=timedelta(hours=2))


def row_of(page: str, name: str) -> str:
    start = page.index(f">{name}</a>")
    return page[page.rindex("<tr", 0, start):page.index("</tr>", start)]


def test_urgent_rows_show_how_long_they_have_waited(client, login_as, mixed):
    login_as("intake")
    page = client.get("/staff/").get_data(as_text=True)
    assert "waiting 3 h" in row_of(page, "Urgent Waiting")
    assert "waiting 40 min" in row_of(page, "Urgent Reviewing")
    assert "waiting" not in row_of(page, "Urgent Contacted")  # someone has acted
    assert "waiting" not in row_of(page, "Not Urgent")
    # A low risk sorts above the unflagged and shows its wait, but is not marked urgent.
    assert "waiting 2 h" in row_of(page, "Low Risk") and "row-urgent" not in row_of(page,
                                                                                "Low Risk")


@pytest.mark.parametrize("role, paths", [
    ("intake", ["/staff/"]),
    ("admin", ["/staff/", "/staff/users", "/staff/audit"]),
])
def test_the_urgent_count_is_on_every_staff_page(app, client, login_as, mixed, role, paths):
    login_as(role)
    from sqlalchemy import select

    from screener.extensions import db
    from screener.storage.models import Screening

    with app.app_context():
        some = db.session.scalars(select(Screening.id)).first()
    for path in [*paths, f"/staff/submissions/{some}"]:
        assert urgent_shown(client.get(path).get_data(as_text=True)) == 2, path


def test_the_count_is_zero_without_urgent_submissions(app, client, login_as):
    with app.app_context():
        make_submission(PLAIN)
        make_submission(LOW_RISK)  # urgency 3 is not "urgent"
    login_as("intake")
    assert urgent_shown(client.get("/staff/").get_data(as_text=True)) == 0


@pytest.mark.parametrize("minutes, text", [
    (0, "waiting 0 min"), (59, "waiting 59 min"), (180, "waiting 3 h"), (47 * 60, "waiting 47 h"),
    (50 * 60, "waiting 2 d 2 h"),
])
def test_waiting_for(minutes, text):
    now = datetime(2026, 1, 2, 12, tzinfo=timezone.utc)
    assert waiting_for(now - timedelta(minutes=minutes), now) == text
