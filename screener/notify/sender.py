"""Deliver the outbox: ``deliver_due`` once, or a daemon thread in each app process doing it.

The thread starts with the first request a process serves (gunicorn forks workers from a
preloaded app, and threads do not survive a fork), polls every ``NOTIFY_POLL_SECONDS`` and is
woken at once after an urgent submission. It is off unless alerts are configured and
``NOTIFY_IN_PROCESS`` is on, so tests and CLI commands never start it by accident.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from datetime import datetime, timezone

from flask import Flask

from screener.notify import mail
from screener.storage import outbox

log = logging.getLogger(__name__)
BATCH = 20


def worker_id() -> str:
    """Who holds a lease: host, process and a random part (unique across hosts and forks)."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def deliver_due(app: Flask, worker: str | None = None, now: datetime | None = None) -> dict:
    """Claim and deliver every due alert once; counts of sent, retried and failed rows.

    Call inside an app context. A failure of one delivery is recorded on its row (retried after
    the back-off) and never raised.
    """
    worker = worker or worker_id()
    counts = {"sent": 0, "retry": 0, "failed": 0}
    while True:
        moment = now or datetime.now(timezone.utc)
        due = outbox.next_due()  # a plain read first: an idle poll takes no write lock
        if due is None or due > moment:
            return counts
        claimed = outbox.claim(worker, moment, BATCH)
        for message in claimed:
            try:
                mail.send(app.config, _compose(app, message))
            except Exception as error:  # noqa: BLE001 - any failure means "try again later"
                status = outbox.mark_failed_attempt(message, worker,
                                                    now or datetime.now(timezone.utc),
                                                    mail.describe(error))
                counts["retry" if status == "pending" else "failed"] += 1
                log.warning("urgent alert %s not delivered (%s), attempt %s: %s", message.id,
                            mail.describe(error), message.attempts + 1, status)
            else:
                if outbox.mark_sent(message, worker, now or datetime.now(timezone.utc)):
                    counts["sent"] += 1
        if len(claimed) < BATCH:
            return counts


def _compose(app: Flask, message: outbox.Claimed):
    """The email of an outbox row: an urgent alert, or a notice to a staff account."""
    if message.kind == outbox.URGENT_SUBMISSION:
        return mail.compose(app.config, message.id, message.screening_id, message.created_at)
    from screener.extensions import db
    from screener.storage import staff_accounts

    account = staff_accounts.account(db.session, message.user_id)
    if account is None:
        raise LookupError("the account is gone")  # retried, then given up: nothing to send
    return mail.compose_notice(app.config, message.id, account.email, message.kind,
                               message.created_at)


def account_mail_on(config) -> bool:
    """Whether notices to staff accounts are sent: a mail server and a sender are set."""
    return bool(config.get("MAIL_SERVER") and config.get("MAIL_DEFAULT_SENDER"))


class Sender:
    """The outbox sender thread of one process."""

    def __init__(self, app: Flask):
        self.app = app
        self.poll = app.config["NOTIFY_POLL_SECONDS"]  # checked by config.load
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid: int | None = None

    @property
    def running(self) -> bool:
        return (self._thread is not None and self._pid == os.getpid()
                and self._thread.is_alive())

    def ensure_running(self) -> None:
        """Start the thread in this process unless it already runs (cheap when it does)."""
        if self.running or self._stop.is_set():
            return
        if self._pid != os.getpid():  # a forked worker: the parent's lock and events are stale
            self._lock, self._wake = threading.Lock(), threading.Event()
        with self._lock:
            if self.running:
                return
            self._pid = os.getpid()
            self._thread = threading.Thread(target=self._run, name="urgent-alert-sender",
                                            daemon=True)
            self._thread.start()

    def wake(self) -> None:
        """Look at the outbox now (after an urgent submission)."""
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the thread and wait for it (tests; a process that exits needs nothing)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def _run(self) -> None:
        worker = worker_id()
        while not self._stop.is_set():
            wait = self.poll
            try:
                with self.app.app_context():
                    deliver_due(self.app, worker)
                    due = outbox.next_due()
                if due is not None:
                    until = (due - datetime.now(timezone.utc)).total_seconds()
                    wait = max(0.05, min(self.poll, until))
            except Exception as error:  # noqa: BLE001 - a database outage: try again later
                log.warning("urgent alert sender: %s; retrying in %.0f s",
                            type(error).__name__, self.poll)
            self._wake.wait(wait)
            self._wake.clear()


def init_app(app: Flask) -> None:
    """Run a sender in each process that serves requests, when alerts are on."""
    if not (app.config.get("URGENT_NOTIFY_TO") or account_mail_on(app.config)) \
            or not app.config.get("NOTIFY_IN_PROCESS"):
        return
    sender = app.extensions["urgent_alert_sender"] = Sender(app)
    app.before_request(sender.ensure_running)
