"""Staff work on submissions, written once for the single and the bulk paths: status changes,
assignments, notes and contact attempts, each audited. Functions take the session, add and
flush; the caller's unit of work commits.

``who`` is ``audit.record``'s actor keywords (the web layer's ``request_actor()``).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import defer

from screener.storage import audit
from screener.storage.models import ContactAttempt, Note, Screening, StaffUser, utcnow


def move_status(session, screening: Screening, seen: str, new: str, priority: int,
                **who: Any) -> bool:
    """Move ``screening`` from ``seen`` to ``new`` with the queue ``priority``, only if nobody
    moved it meanwhile (one UPDATE: several workers); audited. False when someone did."""
    result = session.execute(
        update(Screening)
        .where(Screening.id == screening.id, Screening.review_status == seen)
        .values(review_status=new, review_updated_at=utcnow(), priority=priority)
        .execution_options(synchronize_session="fetch"))
    if result.rowcount != 1:
        return False
    audit.record("status_changed", screening_id=screening.id, **who,
                 **{"from": seen, "to": new})
    return True


def assign(session, screening: Screening, assignee_id: int | None, **who: Any) -> None:
    """Assign ``screening`` to ``assignee_id`` (None: unassign); audited with the previous one."""
    previous = screening.assignee_id
    screening.assignee_id = assignee_id
    audit.record("assigned", screening_id=screening.id, **who, assignee_id=assignee_id,
                 **{"from": previous})


def add_note(session, screening: Screening, body: str, author_id: int, **who: Any) -> Note:
    """Append a note (never edited or deleted); audited with its length, never its text."""
    note = Note(id=uuid.uuid4(), screening_id=screening.id, author_id=author_id, body=body)
    session.add(note)
    audit.record("note_added", screening_id=screening.id, **who, note_id=str(note.id),
                 chars=len(body))
    return note


def add_attempt(session, screening: Screening, method: str, outcome: str, note: str | None,
                author_id: int, **who: Any) -> ContactAttempt:
    """Append a contact attempt; audited with its method and outcome (never the note's text)."""
    attempt = ContactAttempt(id=uuid.uuid4(), screening_id=screening.id, author_id=author_id,
                             method=method, outcome=outcome, note=note or None)
    session.add(attempt)
    audit.record("contact_attempt", screening_id=screening.id, attempt_id=str(attempt.id),
                 method=method, outcome=outcome, **who)
    return attempt


def sent_submissions(session, ids: list[uuid.UUID]) -> dict[uuid.UUID, Screening]:
    """The submitted screenings among ``ids``, by id (answers not loaded)."""
    rows = session.scalars(
        select(Screening).where(Screening.id.in_(ids), Screening.status == "submitted")
        .options(defer(Screening.answers)))
    return {row.id: row for row in rows}


def duplicate_candidates(session, screening_id: uuid.UUID, email: str, phone_tail: str,
                         limit: int) -> list[Screening]:
    """Other sent submissions, newest first, whose email is ``email`` (normalised) or whose
    contact text holds ``phone_tail`` (the last digits of a phone); the caller checks them."""
    matches = []
    if email:
        matches.append(func.lower(func.trim(Screening.contact_email)) == email)
    if phone_tail:
        matches.append(Screening.search_text.contains(phone_tail, autoescape=True))
    if not matches:
        return []
    return list(session.scalars(
        select(Screening)
        .where(Screening.status == "submitted", Screening.id != screening_id, or_(*matches))
        .options(defer(Screening.answers))
        .order_by(Screening.submitted_at.desc()).limit(limit)))


def active_staff(session) -> list[StaffUser]:
    """Active staff accounts, by name (who a submission can be assigned to)."""
    return list(session.scalars(
        select(StaffUser).where(StaffUser.active.is_(True)).order_by(StaffUser.name)))


def staff_names(session, ids) -> dict[int, str]:
    """Names of the staff accounts with these ids (inactive ones too: history keeps them)."""
    ids = {i for i in ids if isinstance(i, int)}
    if not ids:
        return {}
    return dict(session.execute(
        select(StaffUser.id, StaffUser.name).where(StaffUser.id.in_(ids))).all())
