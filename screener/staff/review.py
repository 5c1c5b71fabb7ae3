"""Reviewing one submission: the status workflow, assignment, notes, and its readable answers."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update

from screener.storage import audit
from screener.extensions import db
from screener.storage.models import REVIEW_STATUSES, Note, Screening, StaffUser, utcnow
from screener.storage.versions import questionnaire_for
from screener.web.auth import request_actor

NOTE_MAX_CHARS = 5000
REOPEN = {"closed": "in_review"}
# Changes shown in a submission's history; views are in the audit log for admins.
HISTORY_EXCLUDES = ("submission_viewed",)


class WorkflowError(ValueError):
    """A status change the workflow does not allow; the message says why."""


class Conflict(RuntimeError):
    """Someone else changed the submission since the page was loaded."""


def next_statuses(current: str) -> list[str]:
    """Where a submission may move from ``current``: any later status, or reopen when closed."""
    if current in REOPEN:
        return [REOPEN[current]]
    later = REVIEW_STATUSES[REVIEW_STATUSES.index(current) + 1:] if current in REVIEW_STATUSES \
        else ()
    return list(later)


def get_submission(screening_id: uuid.UUID) -> Screening | None:
    """The submitted screening with this id (drafts and unsent results are not staff's)."""
    screening = db.session.get(Screening, screening_id)
    return screening if screening is not None and screening.status == "submitted" else None


def change_status(screening: Screening, new: str, expected: str | None = None) -> None:
    """Move ``screening`` to ``new`` if the workflow allows it and nobody moved it meanwhile."""
    for status in (new, expected or screening.review_status):
        if status not in REVIEW_STATUSES:
            raise WorkflowError(f"{status[:40]!r} is not a review status. "
                                f"Use one of: {', '.join(REVIEW_STATUSES)}.")
    current = expected or screening.review_status
    if new not in next_statuses(current):
        raise WorkflowError(f"A submission that is {_words(current)} cannot be marked "
                            f"{_words(new)}.")
    result = db.session.execute(
        update(Screening)
        .where(Screening.id == screening.id, Screening.review_status == current)
        .values(review_status=new, review_updated_at=utcnow())
        .execution_options(synchronize_session="fetch")
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise Conflict("Someone else changed the status of this submission. "
                       "Check it and try again.")
    audit.record("status_changed", screening_id=screening.id, **request_actor(),
                 **{"from": current, "to": new})
    db.session.commit()


def assign(screening: Screening, assignee: StaffUser | None) -> None:
    """Assign ``screening`` to ``assignee`` (None: unassign)."""
    previous = screening.assignee_id
    screening.assignee_id = assignee.id if assignee else None
    audit.record("assigned", screening_id=screening.id, **request_actor(),
                 assignee_id=screening.assignee_id, **{"from": previous})
    db.session.commit()


def assignable_staff() -> list[StaffUser]:
    """Active staff accounts, by name."""
    return list(db.session.scalars(
        select(StaffUser).where(StaffUser.active.is_(True)).order_by(StaffUser.name)
    ))


def add_note(screening: Screening, body: str, author: StaffUser) -> Note:
    """Append a note (notes are never edited or deleted)."""
    note = Note(id=uuid.uuid4(), screening_id=screening.id, author_id=author.id, body=body)
    db.session.add(note)
    audit.record("note_added", screening_id=screening.id, **request_actor(),
                 note_id=str(note.id), chars=len(body))
    db.session.commit()
    return note


@dataclass(frozen=True)
class AnswerRow:
    question_id: str
    text: str
    label: str
    value: str


@dataclass(frozen=True)
class AnswerGroup:
    title: str
    rows: list[AnswerRow]


def answer_groups(screening: Screening) -> list[AnswerGroup]:
    """Every stored answer with its question text and label, grouped by step, read under the
    questionnaire version the screening was answered with."""
    questionnaire = questionnaire_for(screening)
    answers = screening.answers or {}
    groups = []
    for step in questionnaire.steps:
        rows = [
            AnswerRow(q.id, q.text, q.label_for(answers[q.id]), _stored(answers[q.id]))
            for q in step.questions if q.id in answers
        ]
        if rows:
            groups.append(AnswerGroup(step.title, rows))
    unknown = [AnswerRow(k, k, "", _stored(v)) for k, v in answers.items()
               if k not in questionnaire.questions]
    if unknown:
        groups.append(AnswerGroup("Other stored answers", unknown))
    return groups


def _stored(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _words(status: str) -> str:
    return status.replace("_", " ")
