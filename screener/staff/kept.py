"""A note typed when the login has timed out is kept, not lost (issue 25).

The note's POST arrives after ``STAFF_IDLE_MINUTES``: the login has ended (web/auth.py), so
nobody is logged in. The cookie still names the ended login, and so its account: the text is
kept on the server for that account, and the browser goes to the login page with the way back
to the submission (``next``, which the login flow already follows through the second factor).
Back on the submission, the author finds the text in the form, ready to save (never saved by
itself); another account landing there drops it. The login flow itself is unchanged.
"""

from __future__ import annotations

import uuid
from functools import wraps

from flask import flash, redirect, request, session, url_for
from flask_login import current_user

from screener.extensions import db
from screener.staff.review import ATTEMPT_NOTE_MAX_CHARS, NOTE_MAX_CHARS
from screener.storage import kept_notes, staff_accounts
from screener.storage.models import ATTEMPT_METHODS, ATTEMPT_OUTCOMES, hash_token
from screener.web import transactions
from screener.web.auth import SESSION_KEY
from screener.web.lookups import sent_submission_or_404

ANCHORS = {"note": "body", "attempt": "attempt-note"}
KEPT_MESSAGE = ("Your login had ended, so nothing was saved, but what you typed is kept. "
                "Log in again to find it in the form.")
BACK_MESSAGE = ("What you typed before your login ended is back in the form below. Check it, "
                "then save it.")


def keeps_typed_text(kind: str):
    """Around a note view (outside its permission check): keep the text of a POST whose login
    timed out, for that account, and send the browser to log in and come back."""

    def decorator(view):
        @wraps(view)
        def wrapped(screening_id: uuid.UUID):
            if current_user.is_authenticated:
                return view(screening_id=screening_id)
            owner = ended_login_owner()
            text = _typed(kind)
            if owner is None or not text["body"]:
                return view(screening_id=screening_id)  # to the login page, as before
            sent_submission_or_404(screening_id)
            kept = kept_notes.keep(db.session, owner, screening_id, kind, **text)
            transactions.commit()
            flash(KEPT_MESSAGE, "info")
            view_args = request.form.get("view") or None
            target = url_for("staff.detail", screening_id=screening_id, kept=kept.id.hex,
                             view=view_args, _anchor=ANCHORS[kind])
            return redirect(url_for("staff.login", next=target))

        return wrapped

    return decorator


def ended_login_owner() -> int | None:
    """The account of the login this browser's cookie names, when that login has ended (timed
    out, or ended by a password reset); None without one. A logout clears the cookie."""
    token = session.get(SESSION_KEY)
    if not isinstance(token, str) or not token:
        return None
    record = staff_accounts.login(db.session, hash_token(token))
    if record is None or record.ended_at is None:
        return None
    return record.user_id


def _typed(kind: str) -> dict:
    """The posted text (cut to the form's limit: the form says so when it is put back) and,
    for an attempt, its method and outcome when they are valid choices."""
    if kind == "note":
        return {"body": (request.form.get("body") or "").strip()[:NOTE_MAX_CHARS]}
    method, outcome = request.form.get("method"), request.form.get("outcome")
    return {"body": (request.form.get("note") or "").strip()[:ATTEMPT_NOTE_MAX_CHARS],
            "method": method if method in ATTEMPT_METHODS else None,
            "outcome": outcome if outcome in ATTEMPT_OUTCOMES else None}


def put_back(screening_id: uuid.UUID) -> tuple[dict, list]:
    """The logged-in author's kept texts for this submission, by kind, and the ids to drop after
    the page is shown (theirs, and one another account kept, named by ``kept``)."""
    mine = kept_notes.waiting_for(db.session, current_user.id, screening_id)
    drop = [note.id for note in mine.values()]
    named = _kept_id(request.args.get("kept"))
    if named is not None and named not in drop:
        owner = kept_notes.owner_of(db.session, named)
        if owner is not None and owner != current_user.id:
            drop.append(named)  # another account logged in here: it is not theirs to read
    if mine:
        flash(BACK_MESSAGE, "info")
    return mine, drop


def _kept_id(text: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(hex=text) if text and len(text) == 32 else None
    except ValueError:
        return None
