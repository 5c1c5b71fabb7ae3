"""What a page with errors was sent with, kept with the draft for the redirect that shows it.

Every POST answers with a redirect (Post/Redirect/Get), so a step or the send form with errors
redirects to itself; the choices and text the patient sent must survive that redirect without
travelling in the URL or the cookie. They are kept on the draft row (``pending_input``), for one
page, and taken (read and cleared) by the next view of that page. Only error responses write
here: a page sent without errors never touches this column.
"""

from __future__ import annotations

import uuid
from typing import Any, Mapping

from sqlalchemy import bindparam, select, update

from screener.storage.database import autocommit_connection
from screener.storage.models import Screening

MAX_VALUES = 40  # per name: more than any checkbox group offers
MAX_LENGTH = 4000  # per value: longer than any field accepts (the message: 2000)

_c = Screening.__table__.c
_KEEP = (update(Screening.__table__)
         .where(_c.id == bindparam("draft_id"), _c.status != "submitted")
         .values(pending_input=bindparam("pending")))
_READ = select(_c.pending_input).where(_c.id == bindparam("draft_id"))


def keep(draft_id: uuid.UUID, page: str, data: Mapping[str, list[str]],
         problem: str | None = None) -> None:
    """Keep ``data`` (posted name → values) for the next view of ``page``."""
    trimmed = {str(name)[:100]: [str(v)[:MAX_LENGTH] for v in values[:MAX_VALUES]]
               for name, values in data.items()}
    pending = {"page": page, "data": trimmed, "problem": problem}
    autocommit_connection().execute(_KEEP, {"draft_id": draft_id, "pending": pending})


def take(draft_id: uuid.UUID, page: str) -> dict[str, Any] | None:
    """What was kept for ``page`` (cleared once read), or None."""
    connection = autocommit_connection()
    pending = connection.execute(_READ, {"draft_id": draft_id}).scalar()
    if not pending:
        return None
    connection.execute(_KEEP, {"draft_id": draft_id, "pending": None})
    return pending if pending.get("page") == page else None
