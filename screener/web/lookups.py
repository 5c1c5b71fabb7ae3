"""Rows a staff page is about, or the page's 404: one lookup for every audience."""

from __future__ import annotations

import uuid

from screener.extensions import db
from screener.storage import staffwork
from screener.storage.models import Screening
from screener.web.errors import abort_with


def sent_submission_or_404(screening_id: uuid.UUID, with_notes: bool = False) -> Screening:
    """The sent submission with this id (notes loaded when ``with_notes``), else a 404 page."""
    screening = staffwork.sent_submission(db.session, screening_id, with_notes)
    if screening is None:
        abort_with(404, "There is no sent submission with that id.")
    return screening
