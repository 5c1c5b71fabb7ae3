"""Issue 23, staff side: each finding's attack, reproduced, and shown to fail.

Pending logins live on the server (an older cookie resets nothing), wrong codes are limited per
account across every address, IPv6 counts per /64, reset-mfa and create end pending logins and
enrolment needs a password the person chose, recovery codes are shown once from the server,
the manage page asks for the password, refused requests are audited and audit rows cannot be
changed.
"""

from __future__ import annotations

import hashlib
import re
import uuid

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from screener import addresses
from screener.extensions import db
from screener.storage.models import AuditEvent, PendingLogin, RecoveryCode, StaffUser
from screener.web import mfa
from tests.factories import PASSWORD, make_staff, own_password, password_login, totp_code
from tests.kit.pages import parse

EMAIL = "nurse@clinic.example"
RECOVERY_CODE = re.compile(r"[A-Z2-9]{5}-[A-Z2-9]{5}")


def codes_on(page: str) -> list[str]:
    """The recovery codes the page shows (each in a <code>)."""
    return [code.text for code in parse(page).find_all("code")
            if RECOVERY_CODE.fullmatch(code.text)]


@pytest.fixture
def nurse(app):
    app.config["LOGIN_PAIR_FREE_FAILURES"] = 1000
    app.config["LOGIN_ADDRESS_FREE_FAILURES"] = 1000
    with app.app_context():
        return make_staff("intake", email=EMAIL).email


def give_password(client, environ=None, email=EMAIL, password=PASSWORD):
    return client.post("/staff/login", data={"email": email, "password": password},
                       environ_base=environ or {})


def wrong_code(app, client, environ=None):
    code = totp_code(app, EMAIL)
    wrong = f"{(int(code) + 500_000) % 1_000_000:06d}"
    return client.post("/staff/mfa", data={"code": wrong}, environ_base=environ or {})


def events(app, action):
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def session_cookie(client):
    return client.get_cookie("session").value


def put_cookie(client, value):
    client.set_cookie("session", value, domain="localhost")


# --- 1. Code guessing after the password ------------------------------------------------------

def test_replaying_the_cookie_from_before_the_wrong_codes_resets_nothing(app, client, nurse):
    assert give_password(client).location == "/staff/mfa"
    before = session_cookie(client)
    for _ in range(4):
        assert wrong_code(app, client).location == "/staff/mfa"
    put_cookie(client, before)  # the attack: the count used to live in this cookie
    assert wrong_code(app, client).location == "/staff/login"  # fifth wrong code: ended
    put_cookie(client, before)
    right = totp_code(app, EMAIL)
    assert client.post("/staff/mfa", data={"code": right}).location == "/staff/login"
    assert client.get("/staff/").status_code == 302  # nothing logged in


def test_a_finished_pending_login_cannot_be_used_again(app, client, nurse):
    give_password(client)
    before = session_cookie(client)
    assert client.post("/staff/mfa", data={"code": totp_code(app, EMAIL)}).location \
        == "/staff/"
    other = app.test_client()
    put_cookie(other, before)
    assert other.post("/staff/mfa", data={"code": totp_code(app, EMAIL)}).location \
        == "/staff/login"


def test_ten_wrong_codes_from_ten_addresses_end_every_pending_login(app, nurse):
    """The attack: the password and many addresses, a few guesses from each. After ten wrong
    codes in an hour, every pending login of the account ends and the password is asked again;
    the owner is told at the next login and admins see it in the audit log."""
    waiting = app.test_client()
    give_password(waiting, {"REMOTE_ADDR": "198.51.100.200"})
    for n in range(10):
        attacker = app.test_client()
        here = {"REMOTE_ADDR": f"198.51.100.{n + 1}"}
        assert give_password(attacker, here).location == "/staff/mfa"
        response = wrong_code(app, attacker, here)
    assert response.location == "/staff/login"  # the tenth ended it
    # A pending login from before the limit is gone too, even with the right code.
    right = totp_code(app, EMAIL)
    assert waiting.post("/staff/mfa", data={"code": right},
                        environ_base={"REMOTE_ADDR": "198.51.100.200"}).location == "/staff/login"
    with app.app_context():
        live = db.session.scalars(select(PendingLogin).where(PendingLogin.ended_at.is_(None)))
        assert list(live) == []
    [limit] = events(app, "mfa_code_limit")
    assert limit.actor_label == EMAIL and limit.detail["count"] == 10
    owner = app.test_client()
    assert password_login(owner, EMAIL).location == "/staff/"
    page = owner.get("/staff/").get_data(as_text=True)
    assert "too many wrong codes" in page


def test_the_account_limit_needs_a_correct_password_first(app, client, nurse):
    """An outsider without the password cannot use the limit to end the owner's login."""
    for n in range(15):
        give_password(app.test_client(), {"REMOTE_ADDR": f"203.0.113.{n}"}, password="wrong one")
    assert events(app, "mfa_code_limit") == []
    assert password_login(client, EMAIL).location == "/staff/"


def test_an_ipv6_64_counts_as_one_address(app, client):
    with app.app_context():
        make_staff("intake", email=EMAIL)
    statuses = [give_password(app.test_client(), {"REMOTE_ADDR": f"2001:db8:1:2::{n:x}"},
                              password=f"guess {n}").status_code for n in range(1, 9)]
    assert 429 in statuses, "rotating within one /64 walked past the throttle"
    # Another /64 is another address: the owner there is not blocked.
    assert password_login(app.test_client(), EMAIL,
                          environ_base={"REMOTE_ADDR": "2001:db8:9:9::1"}).location == "/staff/"


def test_limit_keys():
    assert addresses.limit_key("2001:db8:1:2::1") == addresses.limit_key("2001:db8:1:2:ffff::9")
    assert addresses.limit_key("2001:db8:1:2::1") == "2001:db8:1:2::/64"
    assert addresses.limit_key("2001:db8:1:3::1") != addresses.limit_key("2001:db8:1:2::1")
    assert addresses.limit_key("192.0.2.1") == "192.0.2.1"
    assert addresses.limit_key("::ffff:192.0.2.1") == "192.0.2.1"
    assert addresses.limit_key("not an address") == "unknown"
    assert addresses.limit_key("1" * 80) == "unknown"


# --- 2. Pending logins and enrolment ----------------------------------------------------------

def test_reset_mfa_ends_the_attackers_pending_login(app, runner, nurse):
    attacker = app.test_client()
    assert give_password(attacker).location == "/staff/mfa"
    result = runner.invoke(args=["users", "reset-mfa", EMAIL])
    assert result.exit_code == 0, result.output
    # The attack: the old pending login goes to the setup page to read the new secret.
    response = attacker.get("/staff/mfa/setup")
    assert response.status_code == 302 and response.location == "/staff/login"
    assert "data-totp-secret" not in attacker.get("/staff/mfa/setup").get_data(as_text=True)


def test_after_reset_mfa_enrolment_needs_a_new_password_first(app, runner, nurse):
    runner.invoke(args=["users", "reset-mfa", EMAIL])
    client = app.test_client()
    assert give_password(client).location == "/staff/mfa/new-password"
    # The password alone does not reach the secret.
    assert client.get("/staff/mfa/setup").location == "/staff/mfa/new-password"
    same = client.post("/staff/mfa/new-password", data={"new": PASSWORD, "confirm": PASSWORD})
    assert same.status_code == 400  # the password someone else may know is not a proof
    mine = own_password(PASSWORD)
    assert client.post("/staff/mfa/new-password", data={"new": mine, "confirm": mine}
                       ).location == "/staff/mfa/setup"
    assert "data-totp-secret" in client.get("/staff/mfa/setup").get_data(as_text=True)
    # The old password no longer works anywhere.
    assert give_password(app.test_client()).status_code == 200


def test_a_new_account_chooses_its_password_before_enrolling(app, runner):
    given = "plum tree by the quiet river 8"
    result = runner.invoke(args=["users", "create", "new@clinic.example", "--name", "New",
                                 "--role", "intake", "--password-stdin"],
                           input=f"{given}\n{given}\n")
    assert result.exit_code == 0, result.output
    attacker = app.test_client()
    assert give_password(attacker, email="new@clinic.example", password=given).location == \
        "/staff/mfa/new-password"
    owner = app.test_client()
    landed = password_login(owner, "new@clinic.example", given)
    assert landed.location == "/staff/mfa/recovery-codes"
    # The attacker's pending login, begun with the given password, ended when the owner chose.
    assert attacker.get("/staff/mfa/setup").location == "/staff/login"
    [enrolled] = events(app, "mfa_enrolled")
    assert enrolled.actor_label == "new@clinic.example"


# --- 3. Recovery codes shown once, from the server --------------------------------------------

def test_a_copied_cookie_does_not_show_the_recovery_codes_again(app, client, nurse):
    password_login(client, EMAIL)
    response = client.post("/staff/mfa/manage", data={"password": PASSWORD,
                                                      "code": totp_code(app, EMAIL)})
    assert response.location == "/staff/mfa/recovery-codes"
    copied = session_cookie(client)
    assert len(codes_on(client.get(response.location).get_data(as_text=True))) == 10
    put_cookie(client, copied)
    again = client.get("/staff/mfa/recovery-codes")
    assert again.status_code == 302 and not codes_on(
        client.get(again.location).get_data(as_text=True))


# --- 4. The manage page -----------------------------------------------------------------------

def test_new_recovery_codes_need_the_password_and_wrong_codes_are_counted(app, client, nurse):
    password_login(client, EMAIL)
    right = totp_code(app, EMAIL)
    refused = client.post("/staff/mfa/manage", data={"password": "not mine at all",
                                                     "code": right})
    assert refused.location == "/staff/mfa/manage"
    wrong = f"{(int(right) + 500_000) % 1_000_000:06d}"
    client.post("/staff/mfa/manage", data={"password": PASSWORD, "code": wrong})
    reasons = [event.detail["reason"] for event in events(app, "mfa_manage_failed")]
    assert reasons == ["bad_password", "bad_code"]
    with app.app_context():
        user = db.session.scalar(select(StaffUser).where(StaffUser.email == EMAIL))
        assert user.code_failures == 1  # the same hourly count as the login's
        assert db.session.scalar(select(RecoveryCode.id)) is None  # nothing was made


# --- 5. Audit ---------------------------------------------------------------------------------

def test_a_refused_request_is_audited(app, client, login_as):
    login_as("intake")
    assert client.get("/staff/audit").status_code == 403
    [refused] = events(app, "access_refused")
    assert refused.actor_label and refused.detail["reason"] == "staff.admin.audit_log"


def test_audit_rows_cannot_be_changed_or_deleted_on_sqlite(app, client, nurse):
    password_login(client, EMAIL)
    with app.app_context():
        for statement in ("UPDATE audit_events SET action = 'nothing'",
                          "DELETE FROM audit_events"):
            with pytest.raises(DBAPIError, match="append-only"):
                with db.engine.begin() as connection:
                    connection.execute(text(statement))
        assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "login"))


# --- 8. Proxies -------------------------------------------------------------------------------

def test_a_long_forwarded_address_never_breaks_the_audit_write(app, nurse):
    from screener.web.proxy import ForwardedFor

    app.wsgi_app = ForwardedFor(app.wsgi_app.app if isinstance(app.wsgi_app, ForwardedFor)
                                else app.wsgi_app, 1)
    client = app.test_client()
    forged = {"HTTP_X_FORWARDED_FOR": "x" * 60, "REMOTE_ADDR": "192.0.2.50"}
    response = give_password(client, forged, password="wrong password here")
    assert response.status_code == 200
    [failed] = events(app, "login_failed")
    assert failed.remote_addr == "192.0.2.50"  # not an address: ignored, the socket's kept
    good = {"HTTP_X_FORWARDED_FOR": "203.0.113.9, 2001:db8::7", "REMOTE_ADDR": "192.0.2.50"}
    give_password(app.test_client(), good, password="wrong password again")
    assert events(app, "login_failed")[-1].remote_addr == "2001:db8::7"


def test_a_forwarded_header_with_no_trusted_hop_is_warned_about(app, client, caplog):
    with caplog.at_level("WARNING", logger="screener.proxy"):
        client.get("/healthz", environ_base={"HTTP_X_FORWARDED_FOR": "203.0.113.9"})
        client.get("/healthz", environ_base={"HTTP_X_FORWARDED_FOR": "203.0.113.9"})
    warnings = [r for r in caplog.records if "TRUSTED_PROXY_HOPS" in r.getMessage()]
    assert len(warnings) == 1


# --- 9. Own passwords and hashed codes --------------------------------------------------------

def test_staff_change_their_own_password_with_the_current_one(app, client, nurse):
    password_login(client, EMAIL)
    new = "a long walk on the north shore 5"
    refused = client.post("/staff/password", data={"current": "guessing here",
                                                   "new": new, "confirm": new})
    assert refused.status_code == 400
    done = client.post("/staff/password", data={"current": PASSWORD, "new": new,
                                                "confirm": new})
    assert done.location == "/staff/"
    assert client.get("/staff/").status_code == 200  # still logged in, on a fresh session
    assert give_password(app.test_client()).status_code == 200  # the old one is refused
    assert give_password(app.test_client(), password=new).location == "/staff/mfa"
    assert [e.detail["method"] for e in events(app, "password_changed")] == ["self"]


def test_guessing_the_current_password_on_the_change_page_is_throttled(app, client, nurse):
    """A stolen session cannot guess its owner's password on /staff/password: wrong current
    passwords count for the (account, address) pair like the login's, and a blocked pair is
    refused even the right one; the owner from another address is not."""
    app.config["LOGIN_PAIR_FREE_FAILURES"] = 3
    password_login(client, EMAIL)
    new = "a long walk on the north shore 5"
    statuses = [client.post("/staff/password", data={"current": f"guess {n}", "new": new,
                                                      "confirm": new}).status_code
                for n in range(4)]
    assert statuses == [400, 400, 400, 400]  # three free, the fourth starts the block
    right = client.post("/staff/password", data={"current": PASSWORD, "new": new,
                                                  "confirm": new})
    assert right.status_code == 429 and "Too many attempts" in right.get_data(as_text=True)
    assert events(app, "login_blocked")
    elsewhere = app.test_client()
    assert password_login(elsewhere, EMAIL, environ_base={"REMOTE_ADDR": "127.0.0.9"}).location \
        == "/staff/"


def test_a_password_set_by_an_admin_must_be_changed_at_the_next_login(app, runner, nurse):
    given = "admin chose this one for you 3"
    result = runner.invoke(args=["users", "reset-password", EMAIL, "--password-stdin"],
                           input=f"{given}\n{given}\n")
    assert result.exit_code == 0, result.output
    client = app.test_client()
    assert password_login(client, EMAIL, given).location == "/staff/"
    assert client.get("/staff/").location == "/staff/password"
    assert client.get(f"/staff/submissions/{uuid.uuid4()}").location == "/staff/password"
    mine = "my very own phrase of words 4"
    client.post("/staff/password", data={"current": given, "new": mine, "confirm": mine})
    assert client.get("/staff/").status_code == 200


def test_recovery_codes_are_stored_as_a_keyed_hash_and_old_hashes_still_work(app, client,
                                                                             nurse):
    with app.app_context():
        user = db.session.scalar(select(StaffUser).where(StaffUser.email == EMAIL))
        codes = mfa.replace_recovery_codes(user)
        # One code stored the old way (bare SHA-256), as before issue 23.
        legacy = "ABCDE-FGHJK"
        db.session.add(RecoveryCode(user_id=user.id, code_hash=hashlib.sha256(
            b"ABCDEFGHJK").hexdigest()))
        db.session.commit()
        stored = set(db.session.scalars(select(RecoveryCode.code_hash)))
    plain = hashlib.sha256(codes[0].replace("-", "").encode()).hexdigest()
    assert plain not in stored  # one offline SHA-256 pass over a dump finds nothing
    give_password(client)
    assert client.post("/staff/mfa", data={"code": legacy}).location == "/staff/"
    client.post("/staff/logout")
    give_password(client)
    assert client.post("/staff/mfa", data={"code": codes[0]}).location == "/staff/"


def test_rotating_secret_key_keeps_second_factors_and_codes(app, client, nurse):
    """The documented path (docs/operations.md): set MFA_ENCRYPTION_KEY and CODE_HASH_KEY to the
    old SECRET_KEY first, then change SECRET_KEY."""
    old = app.config["SECRET_KEY"]
    with app.app_context():
        user = db.session.scalar(select(StaffUser).where(StaffUser.email == EMAIL))
        codes = mfa.replace_recovery_codes(user)
        db.session.commit()
    app.config.update(MFA_ENCRYPTION_KEY=old, CODE_HASH_KEY=old,
                      SECRET_KEY="a brand new secret key of at least 32 chars")
    assert password_login(client, EMAIL).location == "/staff/"  # the app's code still works
    client.post("/staff/logout")
    give_password(client)
    assert client.post("/staff/mfa", data={"code": codes[1]}).location == "/staff/"


# --- The same attacks on PostgreSQL (storage matters: counts and grants) -----------------------

@pytest.fixture
def pg_nurse(pg_app):
    pg_app.config.update(LOGIN_PAIR_FREE_FAILURES=1000, LOGIN_ADDRESS_FREE_FAILURES=1000)
    with pg_app.app_context():
        make_staff("intake", email=EMAIL)
    return pg_app


@pytest.mark.postgres
def test_cookie_replay_resets_nothing_on_postgresql(pg_nurse):
    test_replaying_the_cookie_from_before_the_wrong_codes_resets_nothing(
        pg_nurse, pg_nurse.test_client(), EMAIL)


@pytest.mark.postgres
def test_the_account_code_limit_holds_on_postgresql(pg_nurse):
    test_ten_wrong_codes_from_ten_addresses_end_every_pending_login(pg_nurse, EMAIL)


@pytest.mark.postgres
def test_reset_mfa_ends_pending_logins_on_postgresql(pg_nurse):
    test_reset_mfa_ends_the_attackers_pending_login(pg_nurse, pg_nurse.test_cli_runner(), EMAIL)


@pytest.mark.postgres
def test_the_apps_role_cannot_change_or_delete_audit_rows_on_postgresql(pg_nurse, postgres_url):
    """The grants docs/operations.md gives, applied to a restricted role: it can add audit
    events and use every other table, but not UPDATE, DELETE or TRUNCATE audit rows."""
    import sqlalchemy as sa

    from tests.kit import postgres

    role = postgres.unique_name("screener_app")
    owner = sa.create_engine(postgres_url)
    database = sa.engine.make_url(postgres_url).database
    grants = [
        f"CREATE ROLE {role} LOGIN PASSWORD 'test-only'",
        f"GRANT CONNECT ON DATABASE {database} TO {role}",
        f"GRANT USAGE ON SCHEMA public TO {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
        f"REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM {role}",
    ]
    with owner.begin() as connection:
        for statement in grants:
            connection.execute(text(statement))
    app_url = sa.engine.make_url(postgres_url).set(username=role, password="test-only")
    restricted = sa.create_engine(app_url)
    try:
        with restricted.begin() as connection:
            connection.execute(text("INSERT INTO audit_events (at, action, detail) "
                                    "VALUES (now(), 'probe', '{}')"))
            connection.execute(text("UPDATE staff_users SET name = name"))  # other tables: yes
        for statement in ("UPDATE audit_events SET action = 'nothing'",
                          "DELETE FROM audit_events", "TRUNCATE audit_events"):
            with pytest.raises(DBAPIError, match="permission denied"):
                with restricted.begin() as connection:
                    connection.execute(text(statement))
    finally:
        restricted.dispose()
        with owner.begin() as connection:
            connection.execute(text(f"DROP OWNED BY {role}"))
            connection.execute(text(f"DROP ROLE {role}"))
        owner.dispose()


# --- 5. Who saw which patient -----------------------------------------------------------------

def test_an_identified_export_records_every_exported_id_before_streaming(app, client, login_as):
    from screener.storage import audit as audit_store
    from tests.factories import make_submission

    login_as("clinician")
    audit_store.IDS_PER_EVENT, saved = 2, audit_store.IDS_PER_EVENT
    try:
        with app.app_context():
            ids = {str(make_submission(name=f"Patient {n}").id) for n in range(5)}
        response = client.get("/staff/export.csv?status=all")
        assert response.status_code == 200
        # Written before the body was read: the stream has not been consumed yet.
        rows = events(app, "export_rows")
        assert [event.detail["part"] for event in rows] == [1, 2, 3]
        assert [event.detail["parts"] for event in rows] == [3, 3, 3]
        assert {i for event in rows for i in event.detail["screening_ids"]} == ids
        response.get_data()
        assert "Patient" not in str([event.detail for event in rows])  # ids only
        client.get("/staff/export.csv?status=all&deidentified=1").get_data()
        assert len(events(app, "export_rows")) == 3  # no patient identified: no ids needed
    finally:
        audit_store.IDS_PER_EVENT = saved


def test_exported_ids_are_written_a_chunk_at_a_time(app):
    """A million-row export never holds its ids as one list: each chunk is written (flushed)
    before the next is read, and the count expected beforehand numbers the parts."""
    import uuid

    from screener.extensions import db
    from screener.storage import audit as audit_store

    written_before_each_chunk = []

    def chunks():
        for _ in range(3):
            written_before_each_chunk.append(db.session.scalar(
                select(func.count()).select_from(AuditEvent)
                .where(AuditEvent.action == "export_rows")))
            yield [uuid.uuid4(), uuid.uuid4()]

    with app.app_context():
        assert audit_store.record_screening_ids("export_rows", chunks(), 3,
                                                actor_label="cli") == 3
        assert written_before_each_chunk == [0, 1, 2]
        db.session.commit()
    assert [event.detail["part"] for event in events(app, "export_rows")] == [1, 2, 3]


def test_the_queue_records_which_submissions_it_showed(app, client, login_as):
    from tests.factories import make_submission

    login_as("intake")
    with app.app_context():
        shown = str(make_submission(name="Robin Example").id)
    client.get("/staff/")
    [viewed] = events(app, "queue_viewed")
    assert viewed.detail["screening_ids"] == [shown]


def test_viewing_the_audit_log_and_the_users_page_is_audited(app, client, login_as):
    login_as("admin")
    client.get("/staff/audit?action=login")
    client.get("/staff/users")
    [log] = events(app, "audit_log_viewed")
    assert log.detail["filters"] == ["action"]
    [users] = events(app, "users_viewed")
    assert users.detail["count"] == 1


def test_enrolment_is_emailed_to_the_account_when_mail_is_configured(app, runner, monkeypatch):
    from screener.notify import mail, sender

    app.config.update(MAIL_SERVER="smtp.clinic.example", MAIL_DEFAULT_SENDER="s@clinic.example",
                      NOTIFY_IN_PROCESS=False)
    given = "plum tree by the quiet river 8"
    runner.invoke(args=["users", "create", "new@clinic.example", "--name", "New", "--role",
                        "intake", "--password-stdin"], input=f"{given}\n{given}\n")
    password_login(app.test_client(), "new@clinic.example", given)
    sent = []
    monkeypatch.setattr(mail, "send", lambda config, message: sent.append(message))
    with app.app_context():
        assert sender.deliver_due(app)["sent"] == 1
    [message] = sent
    assert message["To"] == "new@clinic.example"
    assert "second factor was set up" in message["Subject"]
    body = message.get_content()
    assert "tell an administrator" in body and "otpauth" not in body
    [delivered] = events(app, "account_notice_sent")
    assert delivered.detail["reason"] == "mfa_enrolled"


def test_no_enrolment_email_without_mail_settings(app, runner):
    from screener.storage.models import OutboxMessage

    given = "plum tree by the quiet river 8"
    runner.invoke(args=["users", "create", "new@clinic.example", "--name", "New", "--role",
                        "intake", "--password-stdin"], input=f"{given}\n{given}\n")
    password_login(app.test_client(), "new@clinic.example", given)
    assert events(app, "mfa_enrolled")
    with app.app_context():
        assert db.session.scalar(select(OutboxMessage.id)) is None


def test_flask_limiter_counts_an_ipv6_64_as_one_address(app):
    """The patient pages' limits (Flask-Limiter) key an IPv6 client by its /64 too."""
    app.config.update(SCREENING_START_RATE_LIMIT="3/minute")
    statuses = [app.test_client().post("/screening/start",
                                       environ_base={"REMOTE_ADDR": f"2001:db8:5:6::{n:x}"})
                .status_code for n in range(1, 6)]
    assert statuses[:3] == [302, 302, 302] and statuses[3:] == [429, 429]


def test_purge_forgets_pending_logins_older_than_a_day(app, runner, nurse):
    from datetime import timedelta

    from screener.storage.models import utcnow

    give_password(app.test_client())
    give_password(app.test_client())
    with app.app_context():
        first = db.session.scalars(select(PendingLogin)).first()
        first.created_at = utcnow() - timedelta(days=2)
        db.session.commit()
    assert runner.invoke(args=["purge"]).exit_code == 0
    with app.app_context():
        assert len(db.session.scalars(select(PendingLogin)).all()) == 1
