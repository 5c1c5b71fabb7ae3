"""Sending a completed screening to the clinic, exactly once, and finding a sent one again.

The send is one guarded UPDATE of the draft's row (``drafts``) with its audit event, urgent alert
and the device's receipt, begun in the request's session: the wizard commits them together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Mapping

from sqlalchemy import select, update

from screener.extensions import db
from screener.storage import audit, outbox, receipts
from screener.storage.database import autocommit_connection, begin_write
from screener.storage.drafts import DRAFT_COLUMNS, Clock, Draft
from screener.storage.models import Screening, hash_token, search_text_for, utcnow

_ORM_ONLY = {"synchronize_session": False}
_c = Screening.__table__.c


def submit(draft: Draft, contact: Mapping[str, Any], remote_addr: str | None = None,
           alert_up_to: int | None = None, device: Device | None = None,
           clock: Clock = utcnow) -> str | None:
    """Send a completed screening to the clinic, exactly once; its new reference, or None when
    it was not sendable. Audited with the patient's ``remote_addr``.

    ``alert_up_to``: a screening of that urgency or more urgent (the questionnaire's
    ``urgent_up_to``; None sends no alert) also gets an alert in the outbox, in the same
    transaction (delivered later by a sender: the send never waits for a mail server).
    ``device``: the sending device's draft token is retired and its receipt added, in the same
    transaction (DECISIONS, "After a patient sends"); the row keeps no token.
    """
    begin_write()  # the submission, its audit event and the receipt commit together
    now = clock()
    reference = receipts.unused_reference(db.session)
    result = db.session.execute(
        update(Screening)
        .where(Screening.id == draft.id, Screening.status == "completed",
               Screening.expires_at > now)
        .values(status="submitted", submitted_at=now, consent_at=now, expires_at=None,
                updated_at=now, pending_input=None, resume_code_hash=None, token_hash=None,
                reference=reference,
                search_text=_search_text(contact, reference),
                **contact),
        execution_options=_ORM_ONLY,
    )
    if result.rowcount != 1:
        return None  # nothing written: the caller rolls back
    audit.record("screening_submitted", screening_id=draft.id, remote_addr=remote_addr)
    if alert_up_to is not None:
        outbox.enqueue_urgent_submission(db.session, draft.id, now, alert_up_to)
    if device is not None:
        expires_at = now + device.ttl
        receipts.retire(db.session, hash_token(device.token), "sent", expires_at)
        receipts.add_receipt(db.session, device.receipt_token,
                             receipts.Shown(reference, now, device.crisis_first), expires_at)
    # The caller commits: the submission, its audit event, alert and receipt land together.
    draft.status, draft.submitted_at, draft.expires_at = "submitted", now, None
    draft.updated_at = now
    return reference


def _search_text(contact: Mapping[str, Any], reference: str) -> str:
    """The staff search's text: the contact fields, then the reference (with and without its
    dash, as staff may type it either way)."""
    text = search_text_for(contact.get("contact_name"), contact.get("contact_email"),
                           contact.get("contact_phone"))
    suffix = f" {reference.lower()} {reference.replace('-', '').lower()}"
    return (text[:700 - len(suffix)] + suffix).strip()


@dataclass(frozen=True)
class Device:
    """The sending device, for its receipt: the draft token its cookie held, the receipt token
    that replaces it, whether crisis resources lead, and how long the receipt is kept."""

    token: str
    receipt_token: str
    crisis_first: bool
    ttl: timedelta


def find_sent(reference: str) -> Draft | None:
    """The submitted screening of ``reference`` (for its printable result, shown once)."""
    row = autocommit_connection().execute(
        select(*DRAFT_COLUMNS).where(_c.reference == reference, _c.status == "submitted")
    ).first()
    return None if row is None else Draft(*row)
