"""The audit trail: one event per action, never patient data, and the admin's read-only log."""

import json
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from screener.storage import audit
from screener.web import transactions
from screener.extensions import db
from screener.storage.models import AuditEvent, utcnow
from tests.factories import PASSWORD, make_staff, make_submission, password_login
from tests.kit.pages import parse

NAME, EMAIL, PHONE = "Quinn Secretname", "quinn.secret@example.org", "+1 555 0199"
MESSAGE, NOTE = "Please call after 5pm, private", "Discussed sleep; very private note"


def all_events(app):
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)))


def test_the_whole_intake_flow_is_audited_without_patient_data(app, client):
    with app.app_context():
        make_staff("intake", email="nurse@clinic.example")
        screening_id = make_submission(name=NAME, email=EMAIL, phone=PHONE,
                                       contact_message=MESSAGE).id
    client.post("/staff/login", data={"email": "nurse@clinic.example", "password": "wrong!"})
    password_login(client, "nurse@clinic.example")
    base = f"/staff/submissions/{screening_id}"
    client.get(base)
    client.post(base + "/status", data={"status": "contacted", "from": "new"})
    client.post(base + "/assignee", data={"assignee": "me"})
    client.post(base + "/notes", data={"body": NOTE})
    client.post("/staff/logout")
    events = all_events(app)
    assert [e.action for e in events] == [
        "login_failed", "login", "submission_viewed", "status_changed", "assigned",
        "note_added", "logout"]
    assert all(e.actor_label == "nurse@clinic.example" for e in events)
    assert all(e.remote_addr == "127.0.0.1" for e in events)
    assert {e.screening_id for e in events[2:6]} == {screening_id}
    dumped = json.dumps([e.detail for e in events]) + " ".join(
        str(e.actor_label) for e in events)
    for secret in (NAME, EMAIL, PHONE, MESSAGE, NOTE, PASSWORD, "wrong!"):
        assert secret not in dumped


def test_record_refuses_unknown_detail_keys(app):
    with app.app_context(), pytest.raises(ValueError, match="not allowed"):
        audit.record("note_added", body="the note itself")


def test_record_infers_no_actor_or_address_from_the_request(app, client, login_as):
    """Storage reads no request: the logged-in staff member and the client's address are on an
    event only when the web layer passes them."""

    def view():
        audit.record("note_added", note_id="n1", chars=1)
        transactions.commit()
        return ""

    app.add_url_rule("/__record", "record", view)
    login_as("admin")
    client.get("/__record")
    event = all_events(app)[-1]
    assert event.action == "note_added"
    assert (event.actor_id, event.actor_label, event.remote_addr) == (None, None, None)


def test_unknown_account_failures_keep_no_typed_email(app, client):
    client.post("/staff/login", data={"email": "typo@clinic.example", "password": "x" * 12})
    (event,) = all_events(app)
    assert event.action == "login_failed" and event.actor_id is None
    assert "typo" not in json.dumps(event.detail) and event.actor_label is None


@pytest.fixture
def logged_events(app, login_as):
    """An admin logged in, and a few events of different kinds, ages and submissions."""
    admin = login_as("admin")
    first, second = uuid.uuid4(), uuid.uuid4()
    with app.app_context():
        old = audit.record("status_changed", screening_id=first, actor_label="a@clinic.example",
                           **{"from": "new", "to": "contacted"})
        old.at = utcnow() - timedelta(days=40)
        audit.record("note_added", screening_id=second, actor_label="b@clinic.example",
                     note_id="n1", chars=12)
        audit.record("user_created", actor_label="cli", email="c@clinic.example",
                     role="intake")
        db.session.commit()
    return admin, first, second


def rows(page):
    """The log table's Action column, top to bottom ([] when no event is listed)."""
    tables = parse(page).find_all("table")
    if not tables:
        return []
    headers = [th.text for th in tables[0].find("thead").find_all("th")]
    column = headers.index("Action")
    return [row.find_all("td")[column].find("code").text
            for row in tables[0].find("tbody").find_all("tr")]


def test_admin_log_lists_newest_first(client, logged_events):
    page = client.get("/staff/audit").get_data(as_text=True)
    assert rows(page) == ["user_created", "note_added", "status_changed"]
    assert "from=new" in page and "to=contacted" in page


@pytest.mark.parametrize("args, expected", [
    ({"action": "note_added"}, ["note_added"]),
    ({"actor": "CLI"}, ["user_created"]),
    ({"actor": "a@clinic.example"}, ["status_changed"]),
    ({"to": str((utcnow() - timedelta(days=30)).date())}, ["status_changed"]),
    ({"from": str(utcnow().date())}, ["user_created", "note_added"]),
])
def test_admin_log_filters(client, logged_events, args, expected):
    assert rows(client.get("/staff/audit", query_string=args).get_data(as_text=True)) == expected


def test_admin_log_filters_by_submission(client, logged_events):
    _, first, _ = logged_events
    page = client.get("/staff/audit", query_string={"screening": str(first)})
    assert rows(page.get_data(as_text=True)) == ["status_changed"]


@pytest.mark.parametrize("args, message", [
    ({"screening": "12"}, "submission id is not valid"),
    ({"action": "DROP TABLE"}, "An action is a name"),
    ({"from": "yesterday"}, "from: expected a date like"),
    ({"to": "9999-12-31"}, "to: 9999-12-31 is out of range"),  # no day after it: never a 500
    ({"from": "2026-02-02", "to": "2026-02-01"}, "from (2026-02-02) is after to (2026-02-01)"),
    ({"before": "²"}, "page link is not valid"),  # a digit to str.isdigit, not to int()
    ({"before": "abc"}, "page link is not valid"),
])
def test_admin_log_bad_filters_are_400(client, logged_events, args, message):
    response = client.get("/staff/audit", query_string=args)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_admin_log_pages(app, client, logged_events, monkeypatch):
    monkeypatch.setattr("screener.staff.admin.AUDIT_PAGE_SIZE", 2)
    page = client.get("/staff/audit?action=").get_data(as_text=True)
    assert rows(page) == ["user_created", "note_added"]
    older = parse(page).rel["next"]
    assert rows(client.get(older).get_data(as_text=True)) == ["status_changed"]


def test_audit_log_cannot_be_changed_through_the_app(app, client, logged_events):
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        assert client.open("/staff/audit", method=method).status_code == 405
    assert not [rule for rule in app.url_map.iter_rules()
                if "audit" in rule.rule and rule.methods - {"GET", "HEAD", "OPTIONS"}]


def test_users_page_lists_accounts(app, client, login_as):
    login_as("admin")
    with app.app_context():
        make_staff("intake", email="gone@clinic.example", name="Gone Person", active=False)
        guessed = make_staff("clinician", email="guessed@clinic.example")
        guessed.failed_logins = 17  # accounts are no longer locked; failures are shown (issue 16)
        db.session.commit()
    page = client.get("/staff/users").get_data(as_text=True)
    assert "gone@clinic.example" in page and "Deactivated" in page
    assert "<td>17</td>" in page and "Locked until" not in page
    assert "flask --app screener users" in page
