"""The staff second factor (issue 16): setting up an authenticator app, codes accepted once with
one step of drift, recovery codes used once, wrong codes throttled, reset-mfa, the settings."""

from __future__ import annotations

import re
import time
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from screener import create_app
from screener.config import ConfigurationError
from screener.extensions import db
from screener.storage.models import AuditEvent, RecoveryCode, StaffSession, StaffUser
from screener.web import mfa
from screener.web.auth import PENDING_KEY
from tests.factories import (PASSWORD, TOTP_SECRET, clock_of, make_staff, password_login,
                             totp_code)
from tests.kit.pages import parse

RECOVERY_CODE = re.compile(r"[A-Z2-9]{5}-[A-Z2-9]{5}")


@pytest.fixture
def newcomer(app):
    """An account that has never set up a second factor and whose password its owner chose
    (`flask users create` accounts choose one first: tests/web/test_security_second_pass.py)."""
    with app.app_context():
        return make_staff("intake", email="new@clinic.example", enrolled=False).email


@pytest.fixture
def nurse(app):
    with app.app_context():
        return make_staff("intake", email="nurse@clinic.example").email


def password(client, email, environ=None):
    return client.post("/staff/login", data={"email": email, "password": PASSWORD},
                       environ_base=environ or {})


def account(app, email) -> StaffUser:
    with app.app_context():
        user = db.session.scalar(select(StaffUser).where(StaffUser.email == email))
        db.session.expunge(user)
        return user


def actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def flashes(client, path) -> str:
    """The flashed messages on the page at ``path``, joined by spaces."""
    page = parse(client.get(path).get_data(as_text=True))
    return " ".join(message.text for box in page.find_all("div", id="flashes")
                    for message in box.find_all("p", class_="flash"))


def secret_on(page: str) -> str:
    """The key the setup page offers to type (base32: A-Z and 2-7 only)."""
    secret = parse(page).find("code", data_totp_secret=True).get("data-totp-secret")
    assert re.fullmatch(r"[A-Z2-7]+", secret), secret
    return secret


def recovery_codes(page: str) -> list[str]:
    """The codes the recovery-codes page lists, each checked to be in the codes' format."""
    codes = [code.text for code in
             parse(page).find("ol", class_="recovery-codes").find_all("code")]
    assert all(RECOVERY_CODE.fullmatch(code) for code in codes), codes
    return codes


def step_now(app) -> int:
    """The 30-second step the server is in, by the app's clock."""
    return mfa.step_at(clock_of(app)())


def other_code(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


# --- Codes ------------------------------------------------------------------------------------

def test_codes_one_step_either_side_are_accepted_two_are_not():
    now = 1_790_000_000.0
    step = mfa.step_at(now)
    for offset in (-1, 0, 1):
        assert mfa.matching_step(TOTP_SECRET, mfa.code_at(TOTP_SECRET, step + offset),
                                 now) == step + offset
    for offset in (-2, 2, 10):
        code = mfa.code_at(TOTP_SECRET, step + offset)
        if code not in {mfa.code_at(TOTP_SECRET, step + d) for d in (-1, 0, 1)}:
            assert mfa.matching_step(TOTP_SECRET, code, now) is None


def test_codes_are_the_rfc_6238_codes():
    # RFC 6238 appendix B, SHA-1, seed "12345678901234567890", last six digits.
    secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
    assert mfa.code_at(secret, mfa.step_at(59)) == "287082"
    assert mfa.code_at(secret, mfa.step_at(1111111109)) == "081804"
    assert mfa.code_at(secret, mfa.step_at(2000000000)) == "279037"


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef", "１２３４５６", "²²²²²²",
                                  "12 34 5", "٣٣٣٣٣٣"])
def test_only_six_ascii_digits_are_codes(code):
    assert mfa.matching_step(TOTP_SECRET, code) is None


def test_secret_is_stored_encrypted_and_needs_the_same_key(app):
    token = mfa.encrypt(TOTP_SECRET, app.config)
    assert TOTP_SECRET not in token
    assert mfa.decrypt(token, app.config) == TOTP_SECRET
    other = dict(app.config, MFA_ENCRYPTION_KEY="k" * 40)
    with pytest.raises(mfa.SecretUnreadable):
        mfa.decrypt(token, other)
    # A separate MFA_ENCRYPTION_KEY means SECRET_KEY can change without losing the secrets.
    kept = mfa.encrypt(TOTP_SECRET, other)
    assert mfa.decrypt(kept, dict(other, SECRET_KEY="a-new-secret-key-" * 3)) == TOTP_SECRET


# --- Setting up -------------------------------------------------------------------------------

def test_first_login_sets_up_the_app_then_shows_recovery_codes_once(app, client, newcomer):
    assert password(client, newcomer).location == "/staff/mfa/setup"
    assert client.get("/staff/").status_code == 302, "nothing is open before the second factor"
    page = client.get("/staff/mfa/setup").get_data(as_text=True)
    secret = secret_on(page)
    assert "<svg" in page and "<img" not in page  # the QR code is drawn here, no image service
    assert 'name="code"' in page
    reloaded = client.get("/staff/mfa/setup").get_data(as_text=True)
    assert secret_on(reloaded) == secret, "a reload shows the same QR code"

    response = client.post("/staff/mfa/setup", data={"code": mfa.code_at(secret, step_now(app))})
    assert response.location == "/staff/mfa/recovery-codes"
    page = client.get("/staff/mfa/recovery-codes").get_data(as_text=True)
    codes = recovery_codes(page)
    assert len(set(codes)) == 10
    assert client.get("/staff/mfa/recovery-codes").location == "/staff/mfa/manage"
    assert client.get("/staff/").status_code == 200

    user = account(app, newcomer)
    assert user.has_second_factor and TOTP_SECRET not in user.totp_secret
    with app.app_context():
        assert mfa.decrypt(user.totp_secret) == secret
        stored = list(db.session.scalars(select(RecoveryCode.code_hash)
                                         .where(RecoveryCode.user_id == user.id)))
    assert len(stored) == 10 and not set(stored) & {c.replace("-", "") for c in codes}
    assert not any(code in "".join(stored) for code in codes)
    done = actions(app)
    assert done[done.index("mfa_enrolled") + 1] == "login"


def test_a_wrong_setup_code_keeps_the_same_secret_and_sets_nothing_up(app, client, newcomer):
    password(client, newcomer)
    secret = secret_on(client.get("/staff/mfa/setup").get_data(as_text=True))
    wrong = other_code(mfa.code_at(secret, step_now(app)))
    response = client.post("/staff/mfa/setup", data={"code": wrong})
    assert response.location == "/staff/mfa/setup"  # redirect after the POST
    page = client.get("/staff/mfa/setup").get_data(as_text=True)
    assert "not right" in page and secret_on(page) == secret
    assert not account(app, newcomer).has_second_factor
    assert client.get("/staff/").status_code == 302


def test_a_throttled_setup_stays_on_the_setup_page(app, client, newcomer):
    app.config["LOGIN_PAIR_FREE_FAILURES"] = 2
    password(client, newcomer)
    secret = secret_on(client.get("/staff/mfa/setup").get_data(as_text=True))
    wrong = other_code(mfa.code_at(secret, step_now(app)))
    for _ in range(3):  # the third wrong code blocks this (account, address) pair
        client.post("/staff/mfa/setup", data={"code": wrong})
    response = client.post("/staff/mfa/setup", data={"code": mfa.code_at(secret, step_now(app))})
    page = response.get_data(as_text=True)
    assert response.status_code == 429 and "Too many attempts from this address" in page
    assert secret_on(page) == secret, "the same setup page, not another"
    assert not account(app, newcomer).has_second_factor


def test_an_account_with_a_second_factor_cannot_set_up_another(app, client, nurse):
    password(client, nurse)
    assert client.get("/staff/mfa/setup").location == "/staff/mfa"
    secret = mfa.new_secret()
    client.post("/staff/mfa/setup", data={"code": mfa.code_at(secret, step_now(app))})
    with app.app_context():
        assert mfa.decrypt(account(app, nurse).totp_secret) == TOTP_SECRET


# --- Logging in -------------------------------------------------------------------------------

def test_a_code_logs_in_once_and_its_replay_is_refused(app, nurse):
    first, second = app.test_client(), app.test_client()
    code = totp_code(app, nurse)
    password(first, nurse)
    assert first.post("/staff/mfa", data={"code": code}).location == "/staff/"
    assert first.get("/staff/").status_code == 200
    password(second, nurse)
    assert second.post("/staff/mfa", data={"code": code}).location == "/staff/mfa"
    assert "already used" in flashes(second, "/staff/mfa")
    assert second.get("/staff/").status_code == 302
    assert actions(app).count("login") == 1


def test_an_earlier_code_is_refused_after_a_later_one(app, client, nurse):
    step = step_now(app)
    password(client, nurse)
    assert client.post("/staff/mfa", data={"code": mfa.code_at(TOTP_SECRET, step + 1)}
                       ).location == "/staff/"
    client.post("/staff/logout")
    password(client, nurse)
    assert client.post("/staff/mfa", data={"code": mfa.code_at(TOTP_SECRET, step)}
                       ).location == "/staff/mfa"


def test_the_code_step_is_claimed_atomically(app, nurse):
    """Two workers checking the same code at once: only one UPDATE can claim its step."""
    code = totp_code(app, nurse)
    with app.app_context():
        user = db.session.scalar(select(StaffUser).where(StaffUser.email == nurse))
        assert mfa.check_code(user, code) is mfa.CodeCheck.ACCEPTED
        # The second worker read the row before the first committed: same stale last step.
        assert mfa.check_code(user, code) is mfa.CodeCheck.REPLAYED
        db.session.commit()


def test_a_recovery_code_works_once(app, client, nurse):
    with app.app_context():
        codes = mfa.replace_recovery_codes(account(app, nurse))
        db.session.commit()
    password(client, nurse)
    assert client.post("/staff/mfa", data={"code": codes[3].lower().replace("-", " ")}
                       ).location == "/staff/"
    assert "9 recovery codes left" in flashes(client, "/staff/")
    client.post("/staff/logout")
    password(client, nurse)
    assert client.post("/staff/mfa", data={"code": codes[3]}).location == "/staff/mfa"
    assert client.get("/staff/").status_code == 302
    assert client.post("/staff/mfa", data={"code": codes[4]}).location == "/staff/"
    with app.app_context():
        login = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "login")
                                   .order_by(AuditEvent.id)).all()
    assert [event.detail["method"] for event in login] == ["recovery_code", "recovery_code"]


def test_the_login_target_waits_for_the_second_factor(client, nurse):
    client.post("/staff/login", query_string={"next": "/staff/?status=closed"},
                data={"email": nurse, "password": PASSWORD})
    response = client.post("/staff/mfa", data={"code": totp_code(client.application,
                                                                         nurse)})
    assert response.location == "/staff/?status=closed"


def test_five_wrong_codes_ask_for_the_password_again(app, client, nurse):
    password(client, nurse)
    wrong = other_code(totp_code(app, nurse))
    for _ in range(4):
        assert client.post("/staff/mfa", data={"code": wrong}).location == "/staff/mfa"
    assert client.post("/staff/mfa", data={"code": wrong}).location == "/staff/login"
    right = client.post("/staff/mfa", data={"code": totp_code(app, nurse)})
    # Refused: the pending login is gone (or the address's code limit, 5 a minute, answers).
    assert right.location == "/staff/login" or right.status_code == 429
    assert client.get("/staff/").status_code == 302
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "login_failed"))
        assert [e.detail["reason"] for e in events] == ["bad_code"] * 5
    # The owner is told at the next login (from the owner's own desk).
    owner = app.test_client()
    assert password_login(owner, nurse, environ_base={"REMOTE_ADDR": "127.0.0.9"}
                          ).location == "/staff/"
    assert "5 failed attempts since your last login" in flashes(owner, "/staff/")


def test_wrong_codes_are_throttled_for_that_address_only(app, nurse):
    attacker = app.test_client()
    here, elsewhere = {"REMOTE_ADDR": "127.0.0.2"}, {"REMOTE_ADDR": "127.0.0.3"}
    wrong = other_code(totp_code(app, nurse))
    statuses = []
    for _ in range(3):  # the password is known; codes are guessed, 5 per password
        password(attacker, nurse, here)
        statuses += [attacker.post("/staff/mfa", data={"code": wrong}, environ_base=here
                                   ).status_code for _ in range(2)]
    password(attacker, nurse, here)
    assert attacker.post("/staff/mfa", data={"code": totp_code(app, nurse)},
                         environ_base=here).status_code == 429, "blocked, even the right code"
    owner = app.test_client()
    assert password_login(owner, nurse, environ_base=elsewhere).location == "/staff/"


def test_the_pending_login_ends_after_ten_minutes(app, client, nurse):
    password(client, nurse)
    clock_of(app).advance(11 * 60)  # the pending login's age is kept on the server (issue 23)
    code = totp_code(app, nurse)  # the app's code of that moment: right, but too late
    assert client.post("/staff/mfa", data={"code": code}).location == "/staff/login"


def test_the_pending_login_still_holds_just_before_ten_minutes(app, client, nurse):
    password(client, nurse)
    clock_of(app).advance(10 * 60 - 1)
    assert client.post("/staff/mfa", data={"code": totp_code(app, nurse)}).location \
        == "/staff/"


def test_a_password_reset_voids_a_pending_login(app, client, runner, nurse):
    password(client, nurse)
    runner.invoke(args=["users", "reset-password", nurse, "--password-stdin"],
                  input="a brand new passphrase 77\n")
    response = client.post("/staff/mfa", data={"code": totp_code(app, nurse)})
    assert response.location == "/staff/login"


def test_pending_state_cannot_be_planted(client, nurse):
    with client.session_transaction() as session:
        session[PENDING_KEY] = {"uid": 1, "since": int(time.time()), "next": "", "pw": "x",
                                "failures": 0}
    assert client.post("/staff/mfa", data={"code": "123456"}).location == "/staff/login"


def test_a_session_without_a_second_factor_ends(app, client, newcomer):
    """A login from before the second factor was required opens nothing any more."""
    from tests.factories import login

    with app.app_context():
        login(client, db.session.scalar(select(StaffUser).where(StaffUser.email == newcomer)))
    assert client.get("/staff/").location.startswith("/staff/login")
    with app.app_context():
        assert db.session.scalar(select(StaffSession.ended_at)) is not None


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(code=st.text(max_size=80))
def test_any_code_text_gets_a_page_not_an_error(app, nurse, code):
    client = app.test_client()
    password(client, nurse)
    for path in ("/staff/mfa", "/staff/mfa/setup"):
        assert client.post(path, data={"code": code}).status_code < 500
    assert client.get("/staff/").status_code == 302


# --- Recovery codes and reset-mfa -------------------------------------------------------------

def test_new_recovery_codes_need_a_code_and_replace_the_old(app, client, nurse):
    with app.app_context():
        old = mfa.replace_recovery_codes(account(app, nurse))
        db.session.commit()
    password_login(client, nurse)
    assert "10 of 10" in client.get("/staff/mfa/manage").get_data(as_text=True)
    assert client.post("/staff/mfa/manage", data={"code": "000000", "password": PASSWORD}
                       ).location == "/staff/mfa/manage"
    response = client.post("/staff/mfa/manage", data={"code": totp_code(app, nurse),
                                                      "password": PASSWORD})
    assert response.location == "/staff/mfa/recovery-codes"
    page = client.get(response.location).get_data(as_text=True)
    new = recovery_codes(page)
    assert len(new) == 10 and not set(new) & set(old)
    client.post("/staff/logout")
    password(client, nurse)
    assert client.post("/staff/mfa", data={"code": old[0]}).location == "/staff/mfa"
    assert client.post("/staff/mfa", data={"code": new[0]}).location == "/staff/"
    assert "recovery_codes_replaced" in actions(app)


def test_reset_mfa_removes_the_factor_ends_sessions_and_is_audited(app, client, runner, nurse):
    password_login(client, nurse)
    assert client.get("/staff/").status_code == 200
    result = runner.invoke(args=["users", "reset-mfa", nurse.upper()])
    assert result.exit_code == 0, result.output
    assert "removed" in result.output
    assert client.get("/staff/").status_code == 302, "the lost phone's sessions end"
    user = account(app, nurse)
    assert (user.totp_secret, user.totp_enrolled_at, user.totp_last_step) == (None, None, None)
    with app.app_context():
        assert db.session.scalar(select(RecoveryCode.id)) is None
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "mfa_reset")
                                   ).one()
        assert event.actor_label == "cli" and event.detail["email"] == nurse
    # The next login chooses a new password first (issue 23), then sets up the app.
    assert password(client, nurse).location == "/staff/mfa/new-password"
    assert runner.invoke(args=["users", "reset-mfa", "nobody@clinic.example"]).exit_code == 1


def test_users_list_and_page_show_who_has_a_second_factor(app, client, runner, nurse, newcomer,
                                                          login_as):
    listing = runner.invoke(args=["users", "list"]).output
    assert re.search(r"nurse@clinic.example.*second factor on", listing)
    assert re.search(r"new@clinic.example.*no second factor yet", listing)
    login_as("admin")
    page = client.get("/staff/users").get_data(as_text=True)
    assert "Not yet (asked at next login)" in page and "Set up" in page


# --- Settings ---------------------------------------------------------------------------------

def environment(monkeypatch, database: str, env: str = "production", **variables) -> None:
    values = {"SCREENER_ENV": env, "SECRET_KEY": "x" * 64, "DATABASE_URL": database,
                "TRUSTED_HOSTS": "screening.clinic.example"}
    for name, value in {**values, **variables}.items():
        monkeypatch.setenv(name, value)


@pytest.mark.parametrize("env", ["production", "testing"])
def test_staff_mfa_off_is_refused_outside_development(monkeypatch, tmp_path, env):
    environment(monkeypatch, f"sqlite:///{tmp_path}/x.sqlite3", env, STAFF_MFA="off")
    with pytest.raises(ConfigurationError, match="STAFF_MFA=off is only allowed"):
        create_app()


def test_staff_mfa_off_in_development_warns_and_asks_only_the_password(
        monkeypatch, tmp_path, capsys, migrated_sqlite_template):
    import shutil

    database = tmp_path / "dev.sqlite3"
    shutil.copyfile(migrated_sqlite_template, database)
    environment(monkeypatch, f"sqlite:///{database}", "development", STAFF_MFA="off",
                TRUSTED_HOSTS="localhost")
    app = create_app({"WTF_CSRF_ENABLED": False, "RATELIMIT_STORAGE_URI": "memory://"})
    assert "WARNING: STAFF_MFA=off" in capsys.readouterr().err
    with app.app_context():
        email = make_staff("intake", enrolled=False).email
    client = app.test_client()
    assert password(client, email).location == "/staff/"
    assert client.get("/staff/").status_code == 200


def test_a_short_mfa_encryption_key_is_refused(monkeypatch, tmp_path):
    environment(monkeypatch, f"sqlite:///{tmp_path}/x.sqlite3", MFA_ENCRYPTION_KEY="short")
    with pytest.raises(ConfigurationError, match="MFA_ENCRYPTION_KEY must be at least 32"):
        create_app()


def test_a_changed_key_is_explained_and_recovery_codes_still_work(app, client, nurse):
    with app.app_context():
        codes = mfa.replace_recovery_codes(account(app, nurse))
        db.session.commit()
    password(client, nurse)
    app.config["MFA_ENCRYPTION_KEY"] = "a-different-key-than-the-one-used-" * 2
    code = mfa.code_at(TOTP_SECRET, step_now(app))
    assert client.post("/staff/mfa", data={"code": code}).location == "/staff/mfa"
    assert "key has changed" in flashes(client, "/staff/mfa")
    assert client.post("/staff/mfa", data={"code": codes[0]}).location == "/staff/"


def test_pending_logins_are_not_sessions(app, client, nurse):
    password(client, nurse)
    with app.app_context():
        assert db.session.scalar(select(StaffSession.id)) is None
        assert account(app, nurse).last_login_at is None


@pytest.mark.postgres
def test_two_workers_sending_one_code_at_once_log_in_once_on_postgresql(pg_app):
    """The same code posted twice at the same moment (a double click, two tabs, an attacker
    racing the owner): PostgreSQL row locks let exactly one UPDATE claim the step."""
    import threading

    with pg_app.app_context():
        email = make_staff("intake").email
    code = totp_code(pg_app, email)
    barrier, results = threading.Barrier(2), []

    def worker():
        with pg_app.app_context():
            user = db.session.scalar(select(StaffUser).where(StaffUser.email == email))
            barrier.wait(timeout=10)
            results.append(mfa.check_code(user, code))
            db.session.commit()
            db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(r.value for r in results) == ["accepted", "replayed"]
