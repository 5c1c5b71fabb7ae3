"""Issue 25: "Next" follows the order the nurse saw when opening the case (a newly arrived most
urgent submission first), and the queue's refresh poll: counts and ids only, not audited, no
touch of the login."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from screener.extensions import db
from screener.storage.models import AuditEvent, Screening, StaffSession
from tests.factories import make_submission
from tests.helpers import baseline, phq9
from tests.kit.pages import parse

PLAN = baseline(**phq9(1, 1, 1, 1, 1, 1, 1, 1, 1), cssrs_thoughts="yes", cssrs_plan="yes")


@pytest.fixture
def intake(login_as):
    return login_as("intake")


def link_to(page: str, name: str) -> str:
    """The queue row's link to ``name``'s submission."""
    [link] = [row.find("a") for row in parse(page).find_all("th", scope="row")
              if row.find("a").text == name]
    return link.get("href")


def next_of(page: str) -> str:
    return parse(page).find("a", id="next-submission", rel="next").get("href")


def heading(page: str) -> str:
    return parse(page).h1


def test_next_after_mark_contacted_is_the_next_urgent_case(app, client, intake):
    """Three urgent cases waiting: contacting the first must lead to the second, not to the
    oldest non-urgent case (where the contacted case now sorts)."""
    with app.app_context():
        for number in range(3):
            make_submission(PLAN, name=f"Urgent {number}", submitted_ago=timedelta(hours=9 - number))
        make_submission(baseline(), name="Old routine", submitted_ago=timedelta(days=232))
        assert db.session.scalars(select(Screening.priority)).all().count(1) == 3
    queue = client.get("/staff/").get_data(as_text=True)
    detail_url = link_to(queue, "Urgent 0")
    detail = client.get(detail_url).get_data(as_text=True)
    sid = urlsplit(detail_url).path.rsplit("/", 1)[1]
    view = parse(detail).find("input", name="view").get("value")
    for status, came_from in (("in_review", "new"), ("contacted", "in_review")):
        response = client.post(f"/staff/submissions/{sid}/status",
                               data={"status": status, "from": came_from, "view": view})
        assert response.status_code == 302
    landed = client.get(response.location).get_data(as_text=True)
    assert "Marked as contacted" in landed
    second = client.get(next_of(landed)).get_data(as_text=True)
    assert heading(second) == "Urgent 1"
    assert heading(client.get(next_of(second)).get_data(as_text=True)) == "Urgent 2"


def test_a_newly_arrived_most_urgent_case_comes_next(app, client, intake):
    """Working through routine cases, a new urgency-1 submission is the next one, and after it
    the nurse carries on where she was."""
    with app.app_context():
        for number in range(3):
            make_submission(baseline(), name=f"Routine {number}", submitted_ago=timedelta(hours=number + 1))
    queue = client.get("/staff/").get_data(as_text=True)
    detail_url = link_to(queue, "Routine 0")
    with app.app_context():
        make_submission(PLAN, name="Just arrived")
    detail = client.get(detail_url).get_data(as_text=True)
    arrived = client.get(next_of(detail)).get_data(as_text=True)
    assert heading(arrived) == "Just arrived"
    assert heading(client.get(next_of(arrived)).get_data(as_text=True)) == "Routine 1"


def test_next_link_is_rel_next_and_survives_a_forged_place(app, client, intake):
    with app.app_context():
        first = make_submission(name="First", submitted_ago=timedelta(hours=1)).id
        make_submission(name="Second", submitted_ago=timedelta(hours=2))
    page = client.get(f"/staff/submissions/{first}").get_data(as_text=True)
    assert heading(client.get(next_of(page)).get_data(as_text=True)) == "Second"
    forged = client.get(f"/staff/submissions/{first}", query_string={"view": "at=1.x.zz&seen=ab"})
    assert forged.status_code == 200 and 'rel="next"' not in forged.get_data(as_text=True)


def test_back_link_leaves_the_place_out(app, client, intake):
    with app.app_context():
        make_submission(name="Only")
    queue = client.get("/staff/?status=all").get_data(as_text=True)
    detail = client.get(link_to(queue, "Only")).get_data(as_text=True)
    back = parse(detail).find("a", id="back-to-queue").get("href")
    assert "status=all" in back and "at=" not in back and "seen=" not in back


# --- the refresh poll ----------------------------------------------------------------------------

def test_poll_gives_counts_and_ids_only(app, client, intake):
    with app.app_context():
        urgent = make_submission(PLAN, name="Crisis Person", email="crisis@example.com").id
        make_submission(name="Routine Person")
    response = client.get("/staff/queue.json")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    data = response.get_json()
    assert data["urgent"] == 1 and data["ids"][0] == str(urgent) and len(data["ids"]) == 2
    assert set(data) == {"urgent", "ids", "counts"} and data["counts"]["new"] == 2
    text = response.get_data(as_text=True)
    assert "Crisis" not in text and "example.com" not in text


def test_poll_keeps_the_filters(app, client, intake):
    with app.app_context():
        make_submission(name="Mine", assignee_id=intake.id)
        make_submission(name="Not mine")
    assert len(client.get("/staff/queue.json?assigned=me").get_json()["ids"]) == 1
    assert client.get("/staff/queue.json?outcome=nonsense").status_code == 400


def test_poll_is_not_audited_and_does_not_keep_the_login_alive(app, client, intake):
    """An unattended queue that polls still times out: the poll leaves last_seen_at alone."""
    with app.app_context():
        record = db.session.scalars(select(StaffSession)).one()
        record.last_seen_at -= timedelta(minutes=5)
        db.session.commit()
        before = record.last_seen_at
        events = db.session.scalar(select(db.func.count()).select_from(AuditEvent))
    assert client.get("/staff/queue.json").status_code == 200
    with app.app_context():
        assert db.session.scalars(select(StaffSession)).one().last_seen_at == before
        assert db.session.scalar(select(db.func.count()).select_from(AuditEvent)) == events
        record = db.session.scalars(select(StaffSession)).one()
        record.last_seen_at -= timedelta(minutes=app.config["STAFF_IDLE_MINUTES"])
        db.session.commit()
    assert client.get("/staff/queue.json").status_code == 401


def test_poll_refuses_anonymous_without_redirect(app, client):
    response = client.get("/staff/queue.json")
    assert response.status_code == 401 and response.get_json() == {"error": "login"}


def test_page_title_shows_the_urgent_count(app, client, intake):
    with app.app_context():
        make_submission(PLAN, name="A")
        make_submission(PLAN, name="B")
    page = client.get("/staff/").get_data(as_text=True)
    assert parse(page).find("title").text.startswith("(2 urgent) Submissions")


def test_queue_page_carries_the_poll_and_the_bulk_fields_for_each_action(app, client, intake):
    with app.app_context():
        sid = make_submission(name="Row").id
    page = client.get("/staff/?status=all").get_data(as_text=True)
    poll = parse(page).find("div", id="queue-poll")
    assert (poll.get("data-url"), poll.get("data-ids")) == ("/staff/queue.json?status=all",
                                                           str(sid))
    for action in ("assign", "status", "note"):
        assert f'data-bulk-for="{action}"' in page
    assert "Used only with “Add a note”" in page


def test_still_here_restarts_the_idle_clock(app, client, intake):
    with app.app_context():
        record = db.session.scalars(select(StaffSession)).one()
        record.last_seen_at -= timedelta(minutes=app.config["STAFF_IDLE_MINUTES"] - 1)
        db.session.commit()
    assert client.post("/staff/still-here").status_code == 204
    with app.app_context():
        record = db.session.scalars(select(StaffSession)).one()
        from screener.storage.models import utcnow
        assert utcnow() - record.last_seen_at < timedelta(seconds=30)


def test_idle_warning_is_on_staff_pages_with_the_limit(app, client, intake):
    page = client.get("/staff/").get_data(as_text=True)
    minutes = app.config["STAFF_IDLE_MINUTES"]
    assert f'data-idle-minutes="{minutes}"' in page and "Stay logged in" in page


@pytest.mark.csrf
def test_still_here_needs_csrf(app, client, intake):
    assert client.post("/staff/still-here").status_code == 400
