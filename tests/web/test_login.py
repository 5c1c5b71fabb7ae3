"""Staff login: generic errors, fixation, safe next, timeouts, revocation, lockout, rate limits."""

from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from screener.extensions import db
from screener.storage.models import AuditEvent, StaffSession, StaffUser, utcnow
from screener.web.passwords import needs_rehash, verify_password
from tests.factories import PASSWORD, make_staff, password_login, totp_code

GENERIC = "Email or password is incorrect."


@pytest.fixture
def nurse(app):
    with app.app_context():
        return make_staff("intake", email="nurse@clinic.example").id


def post_login(client, email="nurse@clinic.example", password=PASSWORD, **kwargs):
    """The password and, when it is right, the second factor (as a person logs in)."""
    return password_login(client, email, password, **kwargs)


def actions(app):
    with app.app_context():
        return [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_login_as_fixture(client, login_as):
    """The fixture the other staff tests rely on logs the client in."""
    login_as("clinician")
    assert client.get("/staff/").status_code == 200


def test_login_page_renders(client):
    page = client.get("/staff/login").get_data(as_text=True)
    assert 'name="email"' in page and 'name="password"' in page


def test_successful_login_is_audited_and_case_insensitive(app, client, nurse):
    response = post_login(client, email="  NURSE@clinic.EXAMPLE ")
    assert response.status_code == 302 and response.location == "/staff/"
    assert actions(app) == ["login"]
    with app.app_context():
        assert db.session.get(StaffUser, nurse).last_login_at is not None


@pytest.mark.parametrize("email, password", [
    ("nurse@clinic.example", "wrong password here"),
    ("nobody@clinic.example", PASSWORD),
])
def test_failures_share_one_generic_message(app, client, nurse, email, password):
    response = post_login(client, email=email, password=password)
    assert response.status_code == 200
    assert GENERIC in response.get_data(as_text=True)
    assert client.get("/staff/").status_code == 302
    assert actions(app) == ["login_failed"]


def test_inactive_account_gets_the_generic_message(app, client):
    with app.app_context():
        make_staff("intake", email="gone@clinic.example", active=False)
    response = post_login(client, email="gone@clinic.example")
    assert GENERIC in response.get_data(as_text=True)
    assert client.get("/staff/").status_code == 302


def test_login_starts_a_fresh_session(app, client, nurse):
    with client.session_transaction() as session:
        session["planted"] = "by-an-attacker"
        session["staff_sid"] = "attacker-chosen-token"
    post_login(client)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["staff_sid"] != "attacker-chosen-token"


@pytest.mark.parametrize("target, expected", [
    ("/staff/?status=all", "/staff/?status=all"),
    ("//evil.example/", "/staff/"),
    ("https://evil.example/staff/", "/staff/"),
    ("/\\evil.example", "/staff/"),
    ("/\t/evil.example", "/staff/"),
    ("javascript:alert(1)", "/staff/"),
])
def test_next_only_follows_same_site_paths(client, nurse, target, expected):
    response = client.post("/staff/login", query_string={"next": target},
                           data={"email": "nurse@clinic.example", "password": PASSWORD})
    assert response.location == "/staff/mfa"  # the target waits for the second factor
    response = password_login(client, "nurse@clinic.example", query_string={"next": target})
    assert response.location == expected


def test_anonymous_get_is_sent_to_login_with_next(client):
    response = client.get("/staff/?status=closed")
    assert response.status_code == 302
    assert response.location.startswith("/staff/login?next=")
    assert "status%3Dclosed" in response.location


def test_logout_ends_the_session_server_side(app, client, nurse):
    post_login(client)
    copied = client.get_cookie("session").value
    assert client.post("/staff/logout").status_code == 302
    assert client.get("/staff/").status_code == 302
    replay = app.test_client()
    replay.set_cookie("session", copied)
    assert replay.get("/staff/").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(StaffSession.ended_at)) is not None
    assert actions(app) == ["login", "logout"]


def test_logout_needs_post(client, nurse):
    post_login(client)
    assert client.get("/staff/logout").status_code == 405
    assert client.get("/staff/").status_code == 200


def _age_session(app, **deltas):
    with app.app_context():
        record = db.session.scalars(select(StaffSession)).one()
        for field, delta in deltas.items():
            setattr(record, field, getattr(record, field) - delta)
        db.session.commit()


def test_idle_timeout(app, client, nurse):
    post_login(client)
    _age_session(app, last_seen_at=timedelta(minutes=14))
    assert client.get("/staff/").status_code == 200
    _age_session(app, last_seen_at=timedelta(minutes=16))
    response = client.get("/staff/", follow_redirects=True)
    assert "Your session has ended" in response.get_data(as_text=True)
    assert client.get("/staff/").status_code == 302


def test_idle_timeout_is_configurable(app, client, nurse):
    app.config["STAFF_IDLE_MINUTES"] = 5
    post_login(client)
    _age_session(app, last_seen_at=timedelta(minutes=6))
    assert client.get("/staff/").status_code == 302


def test_absolute_session_limit(app, client, nurse):
    post_login(client)
    _age_session(app, created_at=timedelta(hours=12, minutes=1))  # active all along
    assert client.get("/staff/").status_code == 302


def test_activity_keeps_the_session_alive(app, client, nurse):
    post_login(client)
    _age_session(app, last_seen_at=timedelta(minutes=10))
    assert client.get("/staff/").status_code == 200
    _age_session(app, last_seen_at=timedelta(minutes=10))  # 10 min since the last request
    assert client.get("/staff/").status_code == 200


def test_success_resets_the_failure_count(app, client, nurse):
    for _ in range(3):
        post_login(client, password="wrong password here")
    post_login(client)
    with app.app_context():
        assert db.session.get(StaffUser, nurse).failed_logins == 0


def test_rate_limit_per_ip(app, client, nurse):
    """Guessing across accounts from one address: past the address's free failures the address
    waits (the login_throttles table, shared by every worker), even for a right password."""
    app.config["LOGIN_ADDRESS_FREE_FAILURES"] = 5
    for number in range(6):  # five free, the sixth starts the address's block
        response = post_login(client, email=f"guess{number}@clinic.example")
        assert response.status_code == 200
    response = post_login(client)  # even the right password waits
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert "Too many attempts" in page and "Traceback" not in page


def test_successful_logins_do_not_use_up_the_limit(app, client, nurse):
    with app.app_context():
        emails = [make_staff("intake").email for _ in range(7)]
    for email in emails:  # a clinic's staff share one address every morning
        assert post_login(client, email=email).location == "/staff/"
        client.post("/staff/logout")


def test_login_rehashes_weaker_hashes(app, client):
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(PASSWORD)
    with app.app_context():
        user = make_staff("intake", email="old@clinic.example")
        user.password_hash = weak
        db.session.commit()
        user_id = user.id
    assert post_login(client, email="old@clinic.example").status_code == 302
    with app.app_context():
        stored = db.session.get(StaffUser, user_id).password_hash
    assert stored != weak and not needs_rehash(stored) and verify_password(stored, PASSWORD)


@pytest.mark.csrf
def test_login_and_logout_need_csrf(client, nurse):
    assert post_login(client).status_code == 400
    page = client.get("/staff/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post("/staff/login", data={"email": "nurse@clinic.example",
                                                 "password": PASSWORD, "csrf_token": token})
    assert response.location == "/staff/mfa"
    code = totp_code(client.application, "nurse@clinic.example")
    assert client.post("/staff/mfa", data={"code": code}).status_code == 400
    page = client.get("/staff/mfa").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post("/staff/mfa", data={"code": code, "csrf_token": token})
    assert response.location == "/staff/"
    assert client.post("/staff/logout").status_code == 400
    assert client.get("/staff/").status_code == 200
