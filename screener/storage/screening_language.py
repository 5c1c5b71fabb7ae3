"""The language a patient screens in (``screenings.language``): written when the draft starts
and whenever the patient switches, read when a resume code opens the draft on another device.

Apart from ``drafts``: the busy step requests never read it (the page's language travels in the
session cookie, written with it: ``web.languages``).
"""

from __future__ import annotations

import uuid

from sqlalchemy import select, update

from screener.extensions import db
from screener.storage.database import begin_write
from screener.storage.models import Screening

_c = Screening.__table__.c


def store(screening_id: uuid.UUID, language: str, begin: bool = False) -> bool:
    """Set the unsent screening's language (the caller commits, or rolls back on False: it was
    sent or deleted meanwhile). ``begin``: as a write transaction of its own; else in the one
    the request has begun (a new draft and its language commit together)."""
    if begin:
        begin_write()
    statement = (update(Screening.__table__)
                 .where(_c.id == screening_id, _c.status != "submitted")
                 # Not an edit of the answers: updated_at (the draft's last save) stays.
                 .values(language=language, updated_at=_c.updated_at))
    return db.session.execute(statement).rowcount == 1


def language_of(screening_id: uuid.UUID) -> str | None:
    """The screening's language, or None when there is no such screening."""
    return db.session.execute(select(_c.language).where(_c.id == screening_id)).scalar()
