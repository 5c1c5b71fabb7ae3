"""Wizard drafts, the cookie half: the patient's token in the signed session cookie.

The token finds the draft row (``storage.drafts``, the database half); the cookie holds nothing
else of the screening. The cookie is permanent and re-issued whenever the draft is written, so it
expires with the draft (``DRAFT_TTL_HOURS``; ``PERMANENT_SESSION_LIFETIME`` is the same).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import timedelta
from typing import Any, Sequence, TypeVar

from flask import current_app, session

from screener.core.questionnaire import Questionnaire
from screener.core.rules import Assessment
from screener.extensions import db
from screener.storage import drafts, receipts, screening_language
from screener.storage.drafts import Draft, Merge
from screener.web import languages, transactions
from screener.web.code_keys import SEND_RECEIPTS, code_key
from screener.web.questionnaires import current_source

T = TypeVar("T")
SESSION_KEY = "screening_token"
RECEIPT_KEY = "receipt"  # after sending: the receipt's token, nothing else (storage/receipts.py)
PENDING_KEY = "pending_page"  # the page whose sent input waits on the draft (storage/pending.py)
SEND_KEY = re.compile(r"[A-Za-z0-9_-]{32,64}")  # the send form's own key (patient/contact.py)


def ttl() -> timedelta:
    """How long an unsent screening is kept after its last save."""
    return timedelta(hours=current_app.config["DRAFT_TTL_HOURS"])


def _token() -> str | None:
    token = session.get(SESSION_KEY)
    return token if isinstance(token, str) and token else None


def had_token() -> bool:
    """The session carries a screening token (found or not)."""
    return isinstance(session.get(SESSION_KEY), str)


def current() -> Draft | None:
    """The session's screening, unless there is none or it has expired (read without a lock)."""
    token = _token()
    return None if token is None else drafts.find(token)


def forget() -> None:
    """Drop the token from the session (the row is left alone)."""
    session.pop(SESSION_KEY, None)


def adopt(token: str) -> None:
    """Open the draft of ``token`` in this browser (a resume code was claimed for it)."""
    session[SESSION_KEY] = token
    session.permanent = True


def token() -> str | None:
    """The draft token this browser holds (for retiring it when the screening is sent)."""
    return _token()


def hold_receipt(receipt_token: str) -> None:
    """A sent screening leaves the device: the cookie keeps only the receipt's token."""
    forget()
    session[RECEIPT_KEY] = receipt_token
    session.permanent = True


def receipt_token(send_key: str | None) -> str:
    """The receipt token a send of this browser's draft from the form of ``send_key`` makes.

    The same draft token and form give the same receipt, so a send sent again (its answer lost
    with a dropped connection, or a double click) finds the receipt the first one made
    (``claim_receipt``). A copy of the cookie alone never does: the key is only in the page the
    sender was shown. Without a well-formed key the receipt is random, as before keys.
    """
    return _keyed_receipt_token(send_key) or secrets.token_urlsafe(32)


def claim_receipt(send_key: str | None) -> bool:
    """Whether this browser's draft was already sent from the form of ``send_key``; if so, the
    cookie takes that send's receipt, as the lost answer would have set it."""
    token = _keyed_receipt_token(send_key)
    if token is None or receipts.find(token) is None:
        return False
    hold_receipt(token)
    return True


def _keyed_receipt_token(send_key: str | None) -> str | None:
    """HMAC of the draft token and a well-formed ``send_key``; None without either."""
    token = _token()
    if token is None or not isinstance(send_key, str) or not SEND_KEY.fullmatch(send_key):
        return None
    return hmac.new(code_key(SEND_RECEIPTS), f"{token}:{send_key}".encode(),
                    hashlib.sha256).hexdigest()


def receipt() -> receipts.Shown | None:
    """The receipt of the screening this browser sent, unless it has expired."""
    return receipts.find(session.get(RECEIPT_KEY))


def has_receipt() -> bool:
    """This browser sent a screening and keeps its receipt token (found or not)."""
    return isinstance(session.get(RECEIPT_KEY), str)


def take_printable() -> str | None:
    """The reference whose printable result this browser may see now, once."""
    return receipts.take_printable(session.get(RECEIPT_KEY))


def retired_reason() -> str | None:
    """Why the draft token this browser holds opens nothing: "sent", "moved" or None."""
    return receipts.retired_reason(_token())


def drop_receipt() -> None:
    """Forget even the receipt of a sent screening (start over)."""
    session.pop(RECEIPT_KEY, None)


def expect_pending(page: str) -> None:
    """The next view of ``page`` shows what was sent with its errors (kept on the draft)."""
    session[PENDING_KEY] = page


def take_pending_page(page: str) -> bool:
    """Whether input waits for ``page`` (asked once: the mark is cleared)."""
    if session.get(PENDING_KEY) != page:
        return False
    session.pop(PENDING_KEY)
    return True


def start(questionnaire: Questionnaire) -> Draft:
    """A new empty draft under the current questionnaire version; its token goes in the session."""
    token = secrets.token_urlsafe(32)
    draft = drafts.create(questionnaire, token, ttl(), current_source())
    language = languages.page_language()
    screening_language.store(draft.id, language)  # with the draft, at once
    transactions.commit()
    languages.remember(language)  # the browser's language now, kept with the screening
    session[SESSION_KEY] = token
    session.permanent = True  # the cookie lives as long as the draft (PERMANENT_SESSION_LIFETIME)
    return draft


def save(draft: Draft, merge: Merge, step_id: str,
         record: Sequence[tuple[str, Any]] = ()) -> bool:
    """``drafts.save`` for the session's draft (``record``: safety answers to keep for good),
    keeping the cookie alive with it."""
    return _kept_alive(ended(drafts.save(draft, merge, step_id, ttl(), record)))


def record(draft: Draft, pairs: Sequence[tuple[str, Any]]) -> bool:
    """``drafts.record``: keep posted safety answers for good, without saving any answer."""
    return ended(drafts.record(draft, pairs))


def complete(draft: Draft, questionnaire: Questionnaire, assessment: Assessment,
             extra_flags: tuple[str, ...] = (), changed_urgency: int | None = None) -> bool:
    """``drafts.complete`` for the session's draft, keeping the cookie alive with it."""
    return _kept_alive(drafts.complete(draft, questionnaire, assessment, ttl(), extra_flags,
                                       changed_urgency))


def ended(written: T) -> T:
    """End a draft write at the edge: commit what it wrote (a safety answer with the answers it
    came with), or roll back a refused one, which leaves nothing.

    Most saves are one UPDATE on the autocommit connection and never open the ORM session:
    then there is nothing to end, and opening a session only to commit nothing cost a step
    POST about a tenth of its time (bench/README.md, "Win back the wizard's speed")."""
    if not db.session.registry.has():
        return written
    if written:
        transactions.commit()
    else:
        transactions.rollback()
    return written


def _kept_alive(written: bool) -> bool:
    if written:
        session.modified = True  # re-issue the cookie, so it expires with the draft
    return written


def set_language(draft: Draft | None, language: str) -> bool:
    """The patient chose ``language``: this browser's pages and the screening's (so a resume
    code opens it in that language). False when the screening was sent meanwhile."""
    languages.remember(language)
    return draft is None or ended(screening_language.store(draft.id, language, begin=True))


def take_language(draft: Draft) -> None:
    """Show this browser's pages in the language of ``draft`` (opened with a resume code)."""
    language = screening_language.language_of(draft.id)
    if language:
        languages.remember(language)


def discard() -> bool:
    """Start over: delete the unsent screening (if any) and forget the token.

    Returns True when unsent answers were deleted. A submitted screening stays with the clinic.
    """
    token = _token()
    deleted = token is not None and drafts.delete_unsent(token)
    transactions.commit()
    forget()
    return deleted
