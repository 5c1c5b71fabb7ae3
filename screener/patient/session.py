"""Wizard drafts, the cookie half: the patient's token in the signed session cookie.

The token finds the draft row (``storage.drafts``, the database half); the cookie holds nothing
else of the screening. The cookie is permanent and re-issued whenever the draft is written, so it
expires with the draft (``DRAFT_TTL_HOURS``; ``PERMANENT_SESSION_LIFETIME`` is the same).
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any, Sequence

from flask import current_app, session

from screener.core.questionnaire import Questionnaire
from screener.core.rules import Assessment
from screener.storage import drafts
from screener.storage.drafts import Draft, Merge

SESSION_KEY = "screening_token"
JUST_SENT_KEY = "just_sent"  # a sent screening's token, for its confirmation page only (once)
PENDING_KEY = "pending_page"  # the page whose sent input waits on the draft (storage/pending.py)


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


def forget_sent() -> None:
    """A sent screening leaves the device: the session keeps its token only for the
    confirmation page, which shows it once (``just_sent``)."""
    session[JUST_SENT_KEY] = session.get(SESSION_KEY)
    forget()


def has_just_sent() -> bool:
    """This browser has just sent its screening and not yet seen the confirmation."""
    return isinstance(session.get(JUST_SENT_KEY), str)


def just_sent() -> Draft | None:
    """The screening this browser has just sent, once; None after that."""
    return drafts.find(session.pop(JUST_SENT_KEY, None))


def drop_just_sent() -> None:
    """Forget even the confirmation of a sent screening (start over)."""
    session.pop(JUST_SENT_KEY, None)


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
    draft = drafts.create(questionnaire, token, ttl())
    session[SESSION_KEY] = token
    session.permanent = True  # the cookie lives as long as the draft (PERMANENT_SESSION_LIFETIME)
    return draft


def save(draft: Draft, merge: Merge, step_id: str,
         record: Sequence[tuple[str, Any]] = ()) -> bool:
    """``drafts.save`` for the session's draft (``record``: safety answers to keep for good),
    keeping the cookie alive with it."""
    return _kept_alive(drafts.save(draft, merge, step_id, ttl(), record))


def record(draft: Draft, pairs: Sequence[tuple[str, Any]]) -> bool:
    """``drafts.record``: keep posted safety answers for good, without saving any answer."""
    return drafts.record(draft, pairs)


def complete(draft: Draft, questionnaire: Questionnaire, assessment: Assessment,
             extra_flags: tuple[str, ...] = (), changed_urgency: int | None = None) -> bool:
    """``drafts.complete`` for the session's draft, keeping the cookie alive with it."""
    return _kept_alive(drafts.complete(draft, questionnaire, assessment, ttl(), extra_flags,
                                       changed_urgency))


def _kept_alive(written: bool) -> bool:
    if written:
        session.modified = True  # re-issue the cookie, so it expires with the draft
    return written


def discard() -> bool:
    """Start over: delete the unsent screening (if any) and forget the token.

    Returns True when unsent answers were deleted. A submitted screening stays with the clinic.
    """
    token = _token()
    deleted = token is not None and drafts.delete_unsent(token)
    forget()
    return deleted
