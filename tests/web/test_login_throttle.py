"""No outsider lockout: failures are throttled per (account, address) and per address only.

Issue 16: ten wrong passwords used to lock the account for everyone, and the per-account rate
limit then refused the owner's correct password from any address.
"""

from datetime import timedelta

import pytest
from sqlalchemy import select

from screener.extensions import db
from screener.storage.models import AuditEvent, LoginThrottle, StaffUser
from screener.web.throttle import delay_for
from tests.factories import PASSWORD, clock_of, password_login, make_staff

ATTACKER = {"REMOTE_ADDR": "127.0.0.2"}
OWNER = {"REMOTE_ADDR": "127.0.0.3"}
EMAIL = "nurse@clinic.example"


@pytest.fixture
def nurse(app):
    with app.app_context():
        return make_staff("intake", email=EMAIL).id


def post_login(client, environ, email=EMAIL, password=PASSWORD):
    """The password and, when it is right, the second factor (as a person logs in)."""
    return password_login(client, email, password, environ_base=environ)


def audited(app, action):
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_thirty_wrong_passwords_from_one_address_do_not_lock_the_owner_out(app, nurse):
    attacker, owner = app.test_client(), app.test_client()
    statuses = [post_login(attacker, ATTACKER, password=f"guess {n}").status_code
                for n in range(30)]
    # Five free failures; the sixth is counted and starts a block that refuses the rest.
    assert statuses[:6] == [200] * 6
    assert set(statuses[6:]) == {429}
    # The attacker's own address is refused even the right password while blocked.
    assert post_login(attacker, ATTACKER).status_code == 429

    response = post_login(owner, OWNER)
    assert response.status_code == 302 and response.location == "/staff/"
    page = owner.get("/staff/").get_data(as_text=True)
    # Only the six counted failures reached a password check; blocked tries never did.
    assert "6 failed attempts since your last login" in page
    with app.app_context():
        assert db.session.get(StaffUser, nurse).failed_logins == 0
    assert len(audited(app, "login_blocked")) == 1
    assert len(audited(app, "login_failed")) == 31  # 6 wrong passwords, 25 refused unchecked
    # Told once: the next login says nothing.
    owner.post("/staff/logout")
    post_login(owner, OWNER)
    assert "failed attempt" not in owner.get("/staff/").get_data(as_text=True)


def test_delays_grow_and_are_capped(app):
    with app.app_context():
        assert delay_for(5, 5, 60) is None
        assert delay_for(6, 5, 60) == timedelta(seconds=30)
        assert delay_for(7, 5, 60) == timedelta(minutes=1)
        assert delay_for(9, 5, 60) == timedelta(minutes=4)
        assert delay_for(40, 5, 60) == timedelta(minutes=60)
        assert delay_for(10**6, 5, 60) == timedelta(minutes=60)


def test_a_block_ends_and_each_further_failure_blocks_longer(app, client, nurse):
    for n in range(6):
        post_login(client, ATTACKER, password=f"guess {n}")
    with app.app_context():
        row = db.session.scalars(select(LoginThrottle).where(LoginThrottle.email == EMAIL)).one()
        first = row.blocked_until - row.last_failure_at
    assert post_login(client, ATTACKER, password="guess 6").status_code == 429
    clock_of(app).advance(first.total_seconds())  # the block has run out
    assert post_login(client, ATTACKER, password="guess 7").status_code == 200
    with app.app_context():
        row = db.session.scalars(select(LoginThrottle).where(LoginThrottle.email == EMAIL)).one()
        assert row.blocked_until - row.last_failure_at == 2 * first
    clock_of(app).advance(2 * first.total_seconds())
    assert post_login(client, ATTACKER).status_code == 302  # the right password, once unblocked
    with app.app_context():  # and success forgets the pair
        assert db.session.scalars(
            select(LoginThrottle).where(LoginThrottle.email == EMAIL)).first() is None


def test_one_address_guessing_many_accounts_is_blocked_per_address(app, client, nurse):
    app.config["LOGIN_ADDRESS_FREE_FAILURES"] = 8
    for n in range(9):  # one try per account: no pair reaches its limit
        assert post_login(client, ATTACKER, email=f"guess{n}@clinic.example").status_code == 200
    assert post_login(client, ATTACKER).status_code == 429  # the address is blocked
    assert post_login(app.test_client(), OWNER).status_code == 302  # elsewhere is not
    [blocked] = audited(app, "login_blocked")
    assert blocked.detail["reason"] == "address" and blocked.actor_id is None


def test_blocked_page_says_how_long(app, client, nurse):
    for n in range(6):
        post_login(client, ATTACKER, password=f"guess {n}")
    page = post_login(client, ATTACKER).get_data(as_text=True)
    assert "Too many attempts from this address. Try again in 1 minute." in page
    assert "Traceback" not in page


def test_admin_sees_and_clears_blocks(app, client, nurse, login_as):
    attacker = app.test_client()
    for n in range(6):
        post_login(attacker, ATTACKER, password=f"guess {n}")
    login_as("admin")
    page = client.get("/staff/blocked-logins").get_data(as_text=True)
    rows = [row for row in page.split("<tr data-login-block=")[1:]]
    assert any(EMAIL in row and "127.0.0.2" in row and "Not blocked" not in row for row in rows)
    with app.app_context():
        pair = db.session.scalars(select(LoginThrottle).where(LoginThrottle.email == EMAIL)).one()
    response = client.post(f"/staff/blocked-logins/{pair.id}/clear")
    assert response.status_code == 302
    assert post_login(attacker, ATTACKER).status_code == 302
    [cleared] = audited(app, "login_block_cleared")
    assert cleared.detail["email"] == EMAIL and cleared.actor_label.startswith("admin")


@pytest.mark.parametrize("role", ["intake", "clinician"])
def test_only_admins_see_login_blocks(client, login_as, role):
    login_as(role)
    assert client.get("/staff/blocked-logins").status_code == 403
    assert client.post("/staff/blocked-logins/1/clear").status_code == 403


def test_owner_told_about_a_single_failure(app, nurse):
    post_login(app.test_client(), ATTACKER, password="typo")
    owner = app.test_client()
    post_login(owner, OWNER)
    assert "1 failed attempt since your last login" in owner.get("/staff/").get_data(as_text=True)
