"""The urgent alert as an email, and one delivery over SMTP (standard library only)."""

from __future__ import annotations

import smtplib
import ssl
import uuid
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any, Mapping

SMTP_TIMEOUT_SECONDS = 10


def compose(config: Mapping[str, Any], message_id: int, screening_id: uuid.UUID | None,
            received_at: datetime) -> EmailMessage:
    """The alert: the clinic's name, that an urgent submission is waiting, when, and a link.

    Nothing else: no answer, score, outcome, flag, name, email or phone. Email is not a safe
    place for health information, and the link needs a staff login.
    """
    clinic = config.get("CLINIC_NAME") or "The clinic"
    sender = config["MAIL_DEFAULT_SENDER"]
    link = f"{config['PUBLIC_BASE_URL']}/staff/submissions/{screening_id}"
    received = received_at.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    message = EmailMessage()
    message["Subject"] = f"{clinic}: an urgent submission is waiting"
    message["From"] = sender
    message["To"] = ", ".join(config["URGENT_NOTIFY_TO"])
    message["Date"] = format_datetime(datetime.now(timezone.utc))
    # Stable per outbox row: a copy sent again after a crash can be recognised as the same.
    domain = sender.rsplit("@", 1)[1]
    message["Message-ID"] = f"<urgent-alert-{message_id}.{screening_id}@{domain}>"
    message["Auto-Submitted"] = "auto-generated"
    body = (f"{clinic}: an urgent submission is waiting.\n\n"
            f"Received: {received}\n"
            f"Open it (staff login required):\n{link}\n\n"
            "This email holds no health information on purpose. Please do not reply with any.\n")
    # Plain 7-bit text when it can be, so the link is never broken by soft line breaks.
    message.set_content(body, cte="7bit" if body.isascii() else "quoted-printable")
    return message


NOTICES = {
    # kind: (subject, first paragraph). No code, secret or link that logs in.
    "mfa_enrolled": ("a second factor was set up for your staff account",
                     "An authenticator app was just set up as the second factor of your staff "
                     "account."),
}


def compose_notice(config: Mapping[str, Any], message_id: int, to: str, kind: str,
                   created_at: datetime) -> EmailMessage:
    """A notice to a staff account about its own account (``NOTICES``): what happened, when,
    and what to do if it was not them. No health data, no secret."""
    clinic = config.get("CLINIC_NAME") or "The clinic"
    sender = config["MAIL_DEFAULT_SENDER"]
    subject, opening = NOTICES[kind]
    when = created_at.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    message = EmailMessage()
    message["Subject"] = f"{clinic}: {subject}"
    message["From"] = sender
    message["To"] = to
    message["Date"] = format_datetime(datetime.now(timezone.utc))
    message["Message-ID"] = f"<account-notice-{message_id}@{sender.rsplit('@', 1)[1]}>"
    message["Auto-Submitted"] = "auto-generated"
    body = (f"{opening}\n\nWhen: {when}\n\n"
            "If this was you, there is nothing to do. If it was not, tell an administrator now: "
            "they can reset your second factor (flask users reset-mfa) and your password.\n")
    message.set_content(body, cte="7bit" if body.isascii() else "quoted-printable")
    return message


def send(config: Mapping[str, Any], message: EmailMessage) -> None:
    """Deliver ``message`` to the configured SMTP server; raises on any failure."""
    host, port = config["MAIL_SERVER"], config["MAIL_PORT"]
    if config.get("MAIL_USE_SSL"):
        client: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=SMTP_TIMEOUT_SECONDS,
                                                context=ssl.create_default_context())
    else:
        client = smtplib.SMTP(host, port, timeout=SMTP_TIMEOUT_SECONDS)
    with client:
        if config.get("MAIL_USE_TLS"):
            client.starttls(context=ssl.create_default_context())
        if config.get("MAIL_USERNAME"):
            client.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        client.send_message(message)


def describe(error: BaseException) -> str:
    """A failure's kind for the outbox row and logs: the class, and an SMTP code when there is
    one — never the server's text, which may quote the message."""
    code = getattr(error, "smtp_code", None)
    return f"{type(error).__name__}{f' {code}' if code else ''}"
