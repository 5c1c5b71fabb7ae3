"""``flask users ...``: create, list, set-role, deactivate, activate, reset-password; audited."""

import pytest
from sqlalchemy import select

from screener.extensions import db
from screener.storage.models import AuditEvent, StaffUser
from screener.web.passwords import verify_password
from tests.factories import PASSWORD, make_staff, password_login

GOOD = "plum tree by the quiet river 8"


def user(app, email):
    with app.app_context():
        return db.session.scalar(select(StaffUser).where(StaffUser.email == email))


def audit_events(app):
    with app.app_context():
        return [(e.action, e.actor_id, e.actor_label, e.detail)
                for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def create(runner, email="Nurse@Clinic.Example", role="intake", password=GOOD, name="Nurse Joy"):
    return runner.invoke(args=["users", "create", email, "--name", name, "--role", role,
                               "--password-stdin"], input=password + "\n")


def test_create_with_password_stdin(app, runner):
    result = create(runner)
    assert result.exit_code == 0, result.output
    assert "Created intake account nurse@clinic.example" in result.output
    created = user(app, "nurse@clinic.example")
    assert created.name == "Nurse Joy" and created.role == "intake" and created.active
    assert created.password_hash.startswith("$argon2id$")
    assert verify_password(created.password_hash, GOOD)
    ((action, actor_id, label, detail),) = audit_events(app)
    assert (action, actor_id, label) == ("user_created", None, "cli")
    assert detail == {"user_id": created.id, "email": "nurse@clinic.example", "role": "intake"}
    assert GOOD not in str(detail)


def test_create_prompts_twice_with_hidden_input(app, runner):
    result = runner.invoke(args=["users", "create", "a@clinic.example", "--name", "A",
                                 "--role", "admin"], input=f"{GOOD}\n{GOOD}\n")
    assert result.exit_code == 0, result.output
    assert GOOD not in result.output  # hidden
    assert "Repeat for confirmation" in result.output
    assert user(app, "a@clinic.example").role == "admin"


def test_prompt_asks_again_for_a_weak_or_mismatched_password(app, runner):
    result = runner.invoke(
        args=["users", "create", "b@clinic.example", "--name", "B", "--role", "clinician"],
        input=f"password1234\n{GOOD}\nsomething else\n{GOOD}\n{GOOD}\n")
    assert result.exit_code == 0, result.output
    assert "too common" in result.output and "do not match" in result.output
    assert verify_password(user(app, "b@clinic.example").password_hash, GOOD)


@pytest.mark.parametrize("password, message", [
    ("short", "at least 12 characters"),
    ("qwerty123456", "too common"),
    ("nurse-on-the-night-shift", "email address"),
])
def test_create_refuses_weak_passwords(app, runner, password, message):
    result = create(runner, password=password)
    assert result.exit_code == 1
    assert message in result.output
    assert user(app, "nurse@clinic.example") is None
    assert audit_events(app) == []


def test_email_is_unique_case_insensitively(app, runner):
    assert create(runner).exit_code == 0
    result = create(runner, email="NURSE@clinic.example")
    assert result.exit_code == 1 and "already exists" in result.output


@pytest.mark.parametrize("args, message", [
    (["users", "create", "not-an-email", "--name", "X", "--role", "intake"], "@-sign"),
    (["users", "create", "x@clinic.example", "--name", "X", "--role", "superuser"], "superuser"),
    (["users", "create", "x@clinic.example", "--name", "  ", "--role", "intake"], "name"),
])
def test_create_refuses_bad_arguments(runner, args, message):
    result = runner.invoke(args=args + ["--password-stdin"], input=GOOD + "\n")
    assert result.exit_code == 2
    assert message in result.output


def test_list(app, runner):
    with app.app_context():
        make_staff("clinician", email="doc@clinic.example", name="Doc")
        make_staff("intake", email="old@clinic.example", active=False)
    result = runner.invoke(args=["users", "list"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].startswith("doc@clinic.example\tDoc\tclinician\tactive")
    assert "old@clinic.example" in lines[1] and "deactivated" in lines[1]


def test_list_when_empty(runner):
    assert "No staff accounts" in runner.invoke(args=["users", "list"]).output


def test_set_role(app, runner):
    with app.app_context():
        make_staff("intake", email="n@clinic.example")
    result = runner.invoke(args=["users", "set-role", "N@clinic.example", "clinician"])
    assert result.exit_code == 0, result.output
    assert user(app, "n@clinic.example").role == "clinician"
    ((action, _, label, detail),) = audit_events(app)
    assert (action, label, detail["role"], detail["old_role"]) == (
        "role_changed", "cli", "clinician", "intake")


def test_role_change_applies_to_a_live_session(app, runner, client, login_as):
    admin = login_as("admin")
    assert client.get("/staff/audit").status_code == 200
    runner.invoke(args=["users", "set-role", admin.email, "intake"])
    assert client.get("/staff/audit").status_code == 403


def test_deactivate_ends_sessions(app, runner, client, login_as):
    nurse = login_as("intake")
    assert client.get("/staff/").status_code == 200
    result = runner.invoke(args=["users", "deactivate", nurse.email])
    assert result.exit_code == 0, result.output
    assert client.get("/staff/").status_code == 302
    assert not user(app, nurse.email).active
    response = client.post("/staff/login", data={"email": nurse.email, "password": PASSWORD})
    assert response.status_code == 200  # cannot log back in
    assert [a for a, *_ in audit_events(app)] == ["queue_viewed", "user_deactivated",
                                                 "login_failed"]  # queue views are audited
    result = runner.invoke(args=["users", "activate", nurse.email])
    assert result.exit_code == 0 and user(app, nurse.email).active


def test_reset_password_ends_sessions_and_unlocks(app, runner, client, login_as):
    nurse = login_as("intake")
    with app.app_context():
        account = db.session.get(StaffUser, nurse.id)
        account.failed_logins = 7
        db.session.commit()
    result = runner.invoke(args=["users", "reset-password", nurse.email, "--password-stdin"],
                           input=GOOD + "\n")
    assert result.exit_code == 0, result.output
    assert client.get("/staff/").status_code == 302
    account = user(app, nurse.email)
    assert verify_password(account.password_hash, GOOD) and account.failed_logins == 0
    assert client.post("/staff/login", data={"email": nurse.email, "password": PASSWORD}
                       ).status_code == 200
    assert client.post("/staff/login", data={"email": nurse.email, "password": GOOD}
                       ).status_code == 302
    assert audit_events(app)[0][:3] == ("password_reset", None, "cli")


def test_reset_password_enforces_the_policy(app, runner):
    with app.app_context():
        make_staff("intake", email="n@clinic.example")
    result = runner.invoke(args=["users", "reset-password", "n@clinic.example",
                                 "--password-stdin"], input="letmein\n")
    assert result.exit_code == 1 and "at least 12" in result.output
    assert verify_password(user(app, "n@clinic.example").password_hash, PASSWORD)


@pytest.mark.parametrize("command", [["set-role", "x@clinic.example", "admin"],
                                     ["deactivate", "x@clinic.example"],
                                     ["reset-password", "x@clinic.example"]])
def test_unknown_account(runner, command):
    result = runner.invoke(args=["users", *command])
    assert result.exit_code == 1 and "No staff account" in result.output


def test_hint_only_when_no_account(app, runner):
    assert "users create" in runner.invoke(args=["users", "hint"]).output
    with app.app_context():
        make_staff("admin")
    assert runner.invoke(args=["users", "hint"]).output == ""


def test_done_means(app, runner, client):
    """A new user creates an account, logs in, sees the urgent one first, reads why, marks it
    contacted with a note, and the audit log shows all of it."""
    from datetime import timedelta

    from tests.factories import make_submission
    from tests.helpers import baseline, phq9

    create(runner, email="admin@clinic.example", role="admin")
    with app.app_context():
        make_submission(name="Routine", submitted_ago=timedelta(minutes=1))
        urgent = make_submission(baseline(**phq9(1, 1, 1, 1, 1, 1, 1, 1, 1),
                                          self_harm_plan="yes"),
                                 name="Urgent", submitted_ago=timedelta(hours=5)).id
    # The first login sets up the authenticator app (QR page), then the queue.
    landed = password_login(client, "admin@clinic.example", GOOD)
    assert landed.location == "/staff/mfa/recovery-codes"
    queue = client.get("/staff/").get_data(as_text=True)
    assert queue.index(f"/staff/submissions/{urgent}") < queue.index(">Routine<")
    detail = client.get(f"/staff/submissions/{urgent}").get_data(as_text=True)
    assert "self_harm_plan" in detail
    client.post(f"/staff/submissions/{urgent}/status", data={"status": "contacted",
                                                            "from": "new"})
    client.post(f"/staff/submissions/{urgent}/notes", data={"body": "Called; safe; booked."})
    log = client.get("/staff/audit").get_data(as_text=True)
    for action in ("user_created", "login", "submission_viewed", "status_changed",
                   "note_added"):
        assert f"<code>{action}</code>" in log


@pytest.mark.slow
def test_concurrent_creates_on_sqlite_both_succeed(tmp_path):
    """Two `users create` at once: the read-then-write takes SQLite's write lock up front."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from tests.kit.apps import make_app, migrate_to_head

    database = tmp_path / "users.sqlite3"
    migrate_to_head(make_app(f"sqlite:///{database}"))
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{database}", SCREENER_ENV="development",
               SECRET_KEY="x" * 40)
    flask = str(Path(sys.executable).with_name("flask"))
    runs = [
        subprocess.Popen([flask, "--app", "screener", "users", "create", f"u{i}@clinic.example",
                          "--name", f"User {i}", "--role", "intake", "--password-stdin"],
                         env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
        for i in range(3)
    ]
    outputs = [run.communicate("a sufficiently long passphrase 77\n", timeout=60) for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0], outputs
    listed = subprocess.run([flask, "--app", "screener", "users", "list"], env=env,
                            capture_output=True, text=True, timeout=60).stdout
    assert all(f"u{i}@clinic.example" in listed for i in range(3))
