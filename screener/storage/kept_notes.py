"""Notes typed while the login had timed out, kept for their author's next login.

Storage only adds, deletes and flushes; the web edge commits (web/transactions.py). A kept note
is put back into its form, never saved as a note by itself: the nurse reads it and presses the
button. One per (author, submission, kind): a second try replaces the first.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import delete, select

from screener.storage.models import KeptNote, utcnow

# Longer than any login (STAFF_SESSION_HOURS): after a day, a kept note is stale.
KEEP_FOR = timedelta(hours=24)


def keep(session, user_id: int, screening_id: uuid.UUID, kind: str, body: str,
         method: str | None = None, outcome: str | None = None) -> KeptNote:
    """Keep ``body`` for ``user_id``'s next login, replacing an earlier one of the same kind
    (and removing everyone's stale ones: a kept note never outlives ``KEEP_FOR`` by much)."""
    purge_stale(session)
    session.execute(delete(KeptNote).where(
        KeptNote.user_id == user_id, KeptNote.screening_id == screening_id,
        KeptNote.kind == kind))
    note = KeptNote(user_id=user_id, screening_id=screening_id, kind=kind, body=body,
                    method=method, outcome=outcome)
    session.add(note)
    session.flush()
    return note


def waiting_for(session, user_id: int, screening_id: uuid.UUID) -> dict[str, KeptNote]:
    """The author's kept notes on this submission, by kind (a read; ``drop`` removes them)."""
    rows = session.scalars(select(KeptNote).where(
        KeptNote.user_id == user_id, KeptNote.screening_id == screening_id,
        KeptNote.kept_at > utcnow() - KEEP_FOR))
    return {row.kind: row for row in rows}


def drop(session, ids) -> None:
    """Remove kept notes (put back into their forms, or kept for another account)."""
    ids = list(ids)
    if ids:
        session.execute(delete(KeptNote).where(KeptNote.id.in_(ids)))


def owner_of(session, kept_id: uuid.UUID) -> int | None:
    """Whose kept note this is, or None when there is none."""
    return session.scalar(select(KeptNote.user_id).where(KeptNote.id == kept_id))


def purge_stale(session) -> None:
    """Remove kept notes older than ``KEEP_FOR``."""
    session.execute(delete(KeptNote).where(KeptNote.kept_at <= utcnow() - KEEP_FOR))
