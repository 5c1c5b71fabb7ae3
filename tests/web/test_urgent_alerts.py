"""Urgent alert emails through the transactional outbox, against a real SMTP server on loopback.

The server is aiosmtpd on 127.0.0.1; "down" is a port nothing listens on. Time is passed to
``deliver_due`` explicitly, so back-off is tested without sleeping.
"""

from __future__ import annotations

import email
import re
import shutil
import smtplib
import socket
import threading
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from screener.config import ConfigurationError
from screener.extensions import db
from screener.notify import deliver_due
from screener.notify.sender import Sender
from screener.storage import outbox
from screener.storage.models import AuditEvent, OutboxMessage, Screening, utcnow
from screener.web.questionnaires import current_questionnaire
from tests.kit.apps import make_app
from tests.kit.servers import wait_until
from tests.factories import login, make_staff
from tests.helpers import baseline, phq9
from tests.web.wizard_client import complete, send, step_data

PUBLIC = "https://screening.clinic.example"
EX2 = phq9(2, 2, 2, 2, 2, 0, 0, 0, 0)  # worked example 2: possible_fit, no flag
URGENT = baseline(**phq9(2, 2, 2, 2, 2, 0, 0, 0, 1), cssrs_thoughts="yes",
                  cssrs_plan="yes")  # high risk: urgent_now, urgency 1
# Spec 1.2.0, "Suicide risk levels" and the flags table: who gets an alert email (urgency 1–2).
BY_FLAG = {
    "urgent_now": (baseline(**EX2, cssrs_thoughts="yes", cssrs_intent="yes"), 1, True),
    "urgent_now (an attempt in the past 3 months)": (
        baseline(**EX2, suicide_attempt="yes", suicide_attempt_recent="yes"), 1, True),
    "moderate_risk": (baseline(**EX2, cssrs_thoughts="yes", cssrs_method="yes"), 2, True),
    "moderate_risk (an attempt longer ago)": (
        baseline(**EX2, suicide_attempt="yes", suicide_attempt_recent="no"), 2, True),
    "self_harm": (baseline(**EX2, cssrs_wish_dead="yes"), 3, False),
    "self_harm (PHQ-9 item 9)": (baseline(**phq9(2, 2, 2, 2, 2, 0, 0, 0, 1)), 3, False),
    "recent_admission": (baseline(**EX2, psych_hospital_recent="yes"), 3, False),
    "no flag": (baseline(**EX2), 99, False),
}
CONTACT = {"name": "Robin Zebrafish", "email": "robin.zebra@example.org",
           "phone": "+1 555 867 5309", "contact_method": "phone"}


class Inbox:
    """aiosmtpd handler keeping every message it accepts."""

    def __init__(self):
        self.messages: list[bytes] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append(envelope.original_content or envelope.content)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpServer:
    """A real SMTP server on a fixed loopback port that can be started late and stopped."""

    def __init__(self):
        self.port = free_port()
        self.inbox = Inbox()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp():
    server = SmtpServer()
    yield server
    server.stop()


def mail_settings(port: int, **changes) -> dict:
    settings = {"URGENT_NOTIFY_TO": "intake@clinic.example, lead@clinic.example",
                "PUBLIC_BASE_URL": PUBLIC + "/", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port,
                "MAIL_DEFAULT_SENDER": "screening@clinic.example", "NOTIFY_IN_PROCESS": False,
                "CLINIC_NAME": "Harbor Clinic"}
    settings.update(changes)
    return settings


@pytest.fixture
def alert_app(migrated_sqlite_template, tmp_path, smtp):
    database = tmp_path / "alerts.sqlite3"
    shutil.copyfile(migrated_sqlite_template, database)
    app = make_app(f"sqlite:///{database}", **mail_settings(smtp.port))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def submit_urgent(app, answers=URGENT, **contact):
    """Walk and send a screening; return the id of the submission it made."""
    client = app.test_client()
    complete(client, answers)
    response = send(client, **{**CONTACT, **contact})
    assert response.headers["Location"] == "/screening/sent"
    with app.app_context():
        return db.session.scalars(select(Screening.id).where(
            Screening.status == "submitted").order_by(Screening.submitted_at.desc())).first()


def rows(app) -> list[OutboxMessage]:
    with app.app_context():
        found = list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        db.session.expunge_all()
        return found


def deliver(app, now=None) -> dict:
    with app.app_context():
        return deliver_due(app, now=now)


def test_an_urgent_submission_is_emailed_with_no_health_data(alert_app, smtp):
    smtp.start()
    screening_id = submit_urgent(alert_app)
    [row] = rows(alert_app)
    assert row.status == "pending" and row.screening_id == screening_id
    assert deliver(alert_app) == {"sent": 1, "retry": 0, "failed": 0}
    [raw] = smtp.inbox.messages
    message = email.message_from_bytes(raw)
    body = message.get_payload(decode=True).decode()
    assert f"{PUBLIC}/staff/submissions/{screening_id}" in body
    assert "an urgent submission is waiting" in body and "Harbor Clinic" in body
    assert message["To"] == "intake@clinic.example, lead@clinic.example"
    assert message["From"] == "screening@clinic.example"
    assert "urgent-alert-1" in message["Message-ID"]
    # No answer, score, outcome, flag, name, email or phone anywhere in the raw message.
    text = raw.decode("utf-8", "replace").lower()
    for forbidden in ("robin", "zebrafish", "zebra@example.org", "867 5309", "8675309", "+1 555",
                      "self_harm", "urgent_now", "crisis", "phq", "gad", "plan", "score",
                      "suicid", "harm"):
        assert forbidden not in text, forbidden
    with alert_app.app_context():
        answers = db.session.get(Screening, screening_id).answers
    for value in answers.values():  # no stored answer word ("depression", ...) either
        for word in value if isinstance(value, list) else [value]:
            if isinstance(word, str) and len(word) > 3:
                assert word.lower() not in text, word
    [sent] = rows(alert_app)
    assert sent.status == "sent" and sent.attempts == 1 and sent.sent_at is not None
    with alert_app.app_context():
        [event] = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "urgent_alert_sent")).all()
        assert event.screening_id == screening_id and event.actor_label == "notify"
    assert deliver(alert_app) == {"sent": 0, "retry": 0, "failed": 0}  # exactly once
    assert len(smtp.inbox.messages) == 1


def test_a_spanish_crisis_submission_is_emailed_in_english_with_nothing_more(alert_app, smtp):
    """The alert of a screening answered in Spanish is the English alert, word for word (only
    its link and time differ): no Spanish text, nothing of the answers or the language."""
    smtp.start()
    english_id = submit_urgent(alert_app)
    spanish_id = submit_urgent(alert_app, name="Inés Ejemplo", email="ines@example.org")
    with alert_app.app_context():  # as the patient side stores a screening taken in Spanish
        screening = db.session.get(Screening, spanish_id)
        screening.language = "es"
        db.session.commit()
        answers = screening.answers
    assert deliver(alert_app)["sent"] == 2
    bodies = {}
    for raw in smtp.inbox.messages:
        message = email.message_from_bytes(raw)
        body = message.get_payload(decode=True).decode()
        which = spanish_id if str(spanish_id) in body else english_id
        bodies[which] = (message["Subject"], re.sub(
            r"Received: [^\r\n]*", "Received: <time>", body.replace(str(which), "<id>")), raw)
    assert bodies[spanish_id][:2] == bodies[english_id][:2]
    assert bodies[spanish_id][1].isascii()  # English words only
    text = bodies[spanish_id][2].decode("utf-8", "replace").lower()
    with alert_app.app_context():
        en = current_questionnaire()
    es = en.localized("es")
    pairs = [(en.title, es.title), (en.crisis_title, es.crisis_title),
             *((en.questions[q].text, es.questions[q].text) for q in answers),
             *((en.questions[q].label_for(v), es.questions[q].label_for(v))
               for q, v in answers.items()),
             *((o.title, es.outcomes_by_id[o.id].title) for o in en.outcomes)]
    spanish = [theirs for ours, theirs in pairs if theirs != ours]  # "No" is English too
    for words in spanish + ["ines", "inés", "spanish", "español", '"es"']:
        assert words.lower() not in text, words


def test_a_non_urgent_submission_sends_nothing(alert_app, smtp):
    smtp.start()
    submit_urgent(alert_app, answers=baseline(**phq9(2, 2, 2, 2, 2, 0, 0, 0, 0)))
    assert rows(alert_app) == []


@pytest.mark.parametrize("case", list(BY_FLAG))
def test_which_submissions_send_an_alert(alert_app, smtp, case):
    """Urgency 1–2 alert intake by email; a low risk or a recent admission (urgency 3) sorts
    high in the queue but sends nothing, so the alerts that matter are not buried."""
    answers, urgency, emailed = BY_FLAG[case]
    smtp.start()
    screening_id = submit_urgent(alert_app, answers=answers)
    with alert_app.app_context():
        screening = db.session.get(Screening, screening_id)
        flag = case.split(" (")[0]
        if flag == "no flag":
            assert screening.flags == []
        else:
            assert flag in screening.flags, screening.flags
        assert screening.priority == urgency
    assert len(rows(alert_app)) == (1 if emailed else 0)
    assert deliver(alert_app)["sent"] == (1 if emailed else 0)
    assert len(smtp.inbox.messages) == (1 if emailed else 0)


def take_back(client, step: str, answers: dict) -> None:
    """Change one step's answers from the review page, as a patient does."""
    response = client.post(f"/screening/{step}?return_to=review", data=step_data(step, answers))
    assert response.status_code == 302


def test_a_taken_back_plan_is_urgency_1_and_emailed(alert_app, smtp):
    """Worked example 22: a plan answered yes, the crisis page seen, then phq9_9 changed to 0
    and cssrs_thoughts to no from the review page. The final answers alone give no flag; the
    taken-back plan keeps "contact today"."""
    smtp.start()
    client = alert_app.test_client()
    given = baseline(**phq9(1, 1, 1, 1, 1, 1, 1, 1, 1), cssrs_thoughts="yes", cssrs_plan="yes")
    complete(client, given)
    final = baseline(**phq9(1, 1, 1, 1, 1, 1, 1, 1, 0))
    take_back(client, "phq9", final)
    take_back(client, "safety", final)
    assert client.post("/screening/review").headers["Location"] == "/screening/result"
    send(client, **CONTACT)
    [row] = rows(alert_app)
    with alert_app.app_context():
        screening = db.session.get(Screening, row.screening_id)
        assert screening.flags == ["self_harm_changed"]
        assert screening.outcome == "other_options_first"
        assert screening.priority == 1
    assert deliver(alert_app)["sent"] == 1


def test_a_taken_back_wish_to_be_dead_is_urgency_2_and_emailed(alert_app, smtp):
    """A low-risk answer taken back is still a changed safety answer: urgency 2, an email."""
    smtp.start()
    client = alert_app.test_client()
    complete(client, baseline(**EX2, cssrs_wish_dead="yes"))
    take_back(client, "safety", baseline(**EX2))
    client.post("/screening/review")
    send(client, **CONTACT)
    [row] = rows(alert_app)
    with alert_app.app_context():
        screening = db.session.get(Screening, row.screening_id)
        assert screening.flags == ["self_harm_changed"] and screening.priority == 2
    assert deliver(alert_app)["sent"] == 1


def test_mail_server_down_at_send_time_then_up_loses_nothing(alert_app, smtp, monkeypatch):
    """The patient's send does not wait for mail (it opens no mail connection); the alert is
    retried within a minute."""
    connections = []
    with monkeypatch.context() as patch:
        patch.setattr(smtplib, "SMTP", lambda *args, **kwargs: connections.append(args))
        patch.setattr(smtplib, "SMTP_SSL", lambda *args, **kwargs: connections.append(args))
        screening_id = submit_urgent(alert_app)  # nothing listens on the port yet
    assert connections == []
    now = utcnow()
    assert deliver(alert_app, now) == {"sent": 0, "retry": 1, "failed": 0}
    [row] = rows(alert_app)
    assert row.status == "pending" and row.attempts == 1
    assert row.last_error == "ConnectionRefusedError"  # the kind of failure, no server text
    assert timedelta(0) < row.next_attempt_at - now <= timedelta(seconds=60)
    for attempt in range(2, 12):  # down for a while: the back-off grows, capped at 60 s
        now = rows(alert_app)[0].next_attempt_at
        deliver(alert_app, now)
        wait = rows(alert_app)[0].next_attempt_at - now
        assert timedelta(0) < wait <= timedelta(seconds=60)
    assert wait == timedelta(seconds=60)
    assert deliver(alert_app, now) == {"sent": 0, "retry": 0, "failed": 0}  # not due yet
    smtp.start()
    assert deliver(alert_app, now + wait) == {"sent": 1, "retry": 0, "failed": 0}
    assert len(smtp.inbox.messages) == 1
    assert f"/staff/submissions/{screening_id}".encode() in smtp.inbox.messages[0]


def test_after_24_hours_of_failures_the_alert_fails_and_admins_see_it(alert_app, smtp, runner):
    submit_urgent(alert_app)
    created = rows(alert_app)[0].created_at
    deliver(alert_app, created + timedelta(minutes=1))
    assert deliver(alert_app, created + timedelta(hours=24, minutes=1)) == {
        "sent": 0, "retry": 0, "failed": 1}
    [row] = rows(alert_app)
    assert row.status == "failed" and row.attempts == 2
    with alert_app.app_context():
        assert outbox.failed_count() == 1
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "urgent_alert_failed")) == 1
    result = alert_app.test_cli_runner().invoke(args=["notify", "status"])
    assert result.exit_code == 1 and "failed" in result.output
    assert str(row.screening_id) in result.output
    admin, intake = alert_app.test_client(), alert_app.test_client()
    with alert_app.app_context():
        login(admin, make_staff("admin"))
        login(intake, make_staff("intake"))
    banner = "urgent alert email could not be delivered"
    assert banner in admin.get("/staff/").get_data(as_text=True)
    assert banner in admin.get("/staff/users").get_data(as_text=True)
    assert banner not in intake.get("/staff/").get_data(as_text=True)
    smtp.start()  # a failed row is not retried by itself
    assert deliver(alert_app)["sent"] == 0


def test_notify_status_lists_pending_rows(alert_app):
    submit_urgent(alert_app)
    result = alert_app.test_cli_runner().invoke(args=["notify", "status"])
    assert result.exit_code == 0 and "pending" in result.output
    for forbidden in ("Robin", "robin.zebra", "5309"):
        assert forbidden not in result.output


def test_notify_run_once_delivers(alert_app, smtp):
    smtp.start()
    submit_urgent(alert_app)
    result = alert_app.test_cli_runner().invoke(args=["notify", "run", "--once"])
    assert result.exit_code == 0, result.output
    assert "sent 1" in result.output and len(smtp.inbox.messages) == 1


def test_the_background_sender_delivers_within_moments(migrated_sqlite_template, tmp_path, smtp):
    """In-process sender: started by the first request, woken by the urgent send, stoppable."""
    smtp.start()
    database = tmp_path / "thread.sqlite3"
    shutil.copyfile(migrated_sqlite_template, database)
    app = make_app(f"sqlite:///{database}",
                   **mail_settings(smtp.port, NOTIFY_IN_PROCESS=True, NOTIFY_POLL_SECONDS=30))
    sender = app.extensions["urgent_alert_sender"]
    try:
        assert not sender.running
        submit_urgent(app)
        assert sender.running and sender._thread.daemon
        # Woken at once by the send, not after the 30 s poll.
        assert wait_until(lambda: smtp.inbox.messages, 10)
        assert len(smtp.inbox.messages) == 1
    finally:
        sender.stop()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    assert not sender.running


def test_alerts_are_off_without_urgent_notify_to(app, runner):
    assert "urgent_alert_sender" not in app.extensions
    assert app.config["URGENT_NOTIFY_TO"] == ()
    result = runner.invoke(args=["notify", "hint"])
    assert "Urgent alerts are off" in result.output
    assert runner.invoke(args=["notify", "run", "--once"]).exit_code == 1
    complete(app.test_client(), URGENT)
    client = app.test_client()
    complete(client, URGENT)
    send(client)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


@pytest.mark.parametrize("changes, message", [
    ({"URGENT_NOTIFY_TO": "intake@clinic.example, not an address"},
     "URGENT_NOTIFY_TO: 'not an address' is not an email address"),
    ({"URGENT_NOTIFY_TO": "a@b.example\r\nBcc: x@evil.example"}, "URGENT_NOTIFY_TO:"),
    ({"PUBLIC_BASE_URL": "screening.clinic.example"}, "PUBLIC_BASE_URL: 'screening.clinic"),
    ({"PUBLIC_BASE_URL": "javascript:alert(1)"}, "PUBLIC_BASE_URL:"),
    ({"PUBLIC_BASE_URL": ""}, "PUBLIC_BASE_URL must be set when URGENT_NOTIFY_TO is"),
    ({"MAIL_SERVER": ""}, "MAIL_SERVER must be set"),
    ({"MAIL_USE_TLS": True, "MAIL_USE_SSL": True}, "cannot both be on"),
    ({"MAIL_DEFAULT_SENDER": ""}, "MAIL_DEFAULT_SENDER must be an email address"),
])
def test_invalid_alert_settings_stop_start_up(tmp_path, changes, message):
    with pytest.raises(ConfigurationError, match=re.escape(message)):
        make_app(f"sqlite:///{tmp_path / 'x.sqlite3'}", **mail_settings(2525, **changes))


def test_invalid_settings_from_the_environment_stop_start_up(monkeypatch, tmp_path):
    monkeypatch.setenv("URGENT_NOTIFY_TO", "intake-at-clinic")
    with pytest.raises(ConfigurationError, match="URGENT_NOTIFY_TO"):
        make_app(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    monkeypatch.setenv("MAIL_USE_TLS", "perhaps")
    with pytest.raises(ConfigurationError, match="MAIL_USE_TLS must be true or false"):
        make_app(f"sqlite:///{tmp_path / 'x.sqlite3'}")


@pytest.mark.postgres
def test_two_concurrent_senders_send_each_alert_exactly_once_on_postgres(postgres_url, smtp):
    smtp.start()
    app = make_app(postgres_url, **mail_settings(smtp.port))  # migrated: a template copy
    try:
        ids = []
        for _ in range(6):
            screening_id = submit_urgent(app)
            ids.append(screening_id)
        with app.app_context():  # and more rows straight in, so the senders overlap
            for _ in range(4):
                for screening_id in ids:
                    outbox.enqueue_urgent_submission(db.session, screening_id, utcnow(),
                                                     current_questionnaire().urgent_up_to)
            db.session.commit()
        expected = len(rows(app))
        assert expected == 30
        barrier = threading.Barrier(2)
        results, errors = [], []

        def worker(name: str) -> None:
            try:
                with app.app_context():
                    barrier.wait(5)
                    results.append(deliver_due(app, worker=name))
                    db.session.remove()
            except Exception as error:  # pragma: no cover - shown by the assert below
                errors.append(error)

        threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert errors == []
        assert sum(r["sent"] for r in results) == expected
        assert len(smtp.inbox.messages) == expected
        message_ids = [email.message_from_bytes(m)["Message-ID"] for m in smtp.inbox.messages]
        assert len(set(message_ids)) == expected  # each row once, none twice
        assert {row.status for row in rows(app)} == {"sent"}
        assert all(row.attempts == 1 for row in rows(app))
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_two_concurrent_senders_on_sqlite_never_send_a_row_twice(alert_app, smtp):
    smtp.start()
    ids = [submit_urgent(alert_app) for _ in range(3)]
    with alert_app.app_context():
        for _ in range(5):
            for screening_id in ids:
                outbox.enqueue_urgent_submission(db.session, screening_id, utcnow(),
                                                 current_questionnaire().urgent_up_to)
        db.session.commit()
    results = []

    def worker(name: str) -> None:
        with alert_app.app_context():
            results.append(deliver_due(alert_app, worker=name))
            db.session.remove()

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sum(r["sent"] for r in results) == 18 == len(smtp.inbox.messages)
    message_ids = {email.message_from_bytes(m)["Message-ID"] for m in smtp.inbox.messages}
    assert len(message_ids) == 18


def test_the_sender_is_not_started_by_a_stopped_sender(alert_app):
    sender = Sender(alert_app)
    sender.stop()
    sender.ensure_running()
    assert not sender.running
