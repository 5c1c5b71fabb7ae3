"""Reviewing submissions: the status workflow, assignment, notes and contact attempts, one at a
time or in bulk (what a submission's page shows of it is staff/presenters.py)."""

from __future__ import annotations

import uuid
from typing import Any

from screener.storage import review_work
from screener.extensions import db
from screener.storage.models import (REVIEW_STATUSES, ContactAttempt, Note, Screening, StaffUser,
                                     queue_priority)
from screener.core import safety
from screener.core.presentation import submission_urgency
from screener.storage import safety as safety_store
from screener.web.questionnaires import questionnaire_for
from screener.web import transactions
from screener.web.auth import request_actor

NOTE_MAX_CHARS = 5000
ATTEMPT_NOTE_MAX_CHARS = 1000
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


def change_status(screening: Screening, new: str, expected: str | None = None) -> None:
    """Move ``screening`` to ``new`` if the workflow allows it and nobody moved it meanwhile."""
    for status in (new, expected or screening.review_status):
        if status not in REVIEW_STATUSES:
            raise WorkflowError(f"{status[:40]!r} is not a review status. "
                                f"Use one of: {', '.join(REVIEW_STATUSES)}.")
    current = expected or screening.review_status
    if new not in next_statuses(current):
        raise WorkflowError(f"A submission that is {status_words(current)} cannot be marked "
                            f"{status_words(new)}.")
    if not _move(screening, current, new, request_actor()):
        transactions.rollback()
        raise Conflict("Someone else changed the status of this submission. "
                       "Check it and try again.")
    transactions.commit()


def _move(screening: Screening, seen: str, new: str, who: dict[str, Any]) -> bool:
    """The one status change of the single and bulk paths: its queue priority follows."""
    return review_work.move_status(db.session, screening, seen, new,
                                   queue_priority(urgency_of(screening), new), **who)


def urgency_of(screening: Screening) -> int | None:
    """The submission's urgency under the questionnaire it was answered with: its most urgent
    flag, with ``self_harm_changed`` at the urgency its recorded safety answers give (1 when a
    high-risk answer was taken back), so a reopened submission sorts as it did when sent."""
    questionnaire = questionnaire_for(screening)
    changed = safety.changed_urgency(
        questionnaire, safety_store.records_for(db.session, screening.id), screening.answers or {})
    return submission_urgency(questionnaire, screening.flags, changed)


def assign(screening: Screening, assignee: StaffUser | None) -> None:
    """Assign ``screening`` to ``assignee`` (None: unassign)."""
    review_work.assign(db.session, screening, assignee.id if assignee else None,
                       **request_actor())
    transactions.commit()


def assignable_staff() -> list[StaffUser]:
    """Active staff accounts, by name."""
    return review_work.active_staff(db.session)


def add_note(screening: Screening, body: str, author: StaffUser) -> Note:
    """Append a note (notes are never edited or deleted)."""
    note = review_work.add_note(db.session, screening, body, author.id, **request_actor())
    transactions.commit()
    return note


def status_words(status: str) -> str:
    """A status id in words: 'in_review' → 'in review'."""
    return status.replace("_", " ")


def staff_names(ids) -> dict[int, str]:
    """Names of the staff accounts with these ids (inactive ones too: history keeps them)."""
    return review_work.staff_names(db.session, ids)


def record_attempt(screening: Screening, method: str, outcome: str, note: str | None,
                   author: StaffUser) -> ContactAttempt:
    """Append a contact attempt; audited with its method and outcome (never the note's text)."""
    attempt = review_work.add_attempt(db.session, screening, method, outcome, note, author.id,
                                      **request_actor())
    transactions.commit()
    return attempt


def suggests_contacted(screening: Screening) -> bool:
    """True when the last attempt reached the patient and the submission is still open."""
    return bool(screening.attempts) and screening.attempts[-1].outcome == "reached" \
        and "contacted" in next_statuses(screening.review_status)


class BulkError(ValueError):
    """A bulk action that cannot be applied as asked; nothing was changed. The message says why."""


BULK_ACTIONS = ("assign", "status", "note")
BULK_MAX = 200


def parse_selection(values: list[str]) -> list[tuple[uuid.UUID, str]]:
    """The queue's checkboxes, each 'submission id:status as shown'; BulkError when malformed."""
    if not values:
        raise BulkError("Select at least one submission first.")
    if len(values) > BULK_MAX:
        raise BulkError(f"Select at most {BULK_MAX} submissions at once.")
    selection = []
    for value in values:
        raw_id, _, status = value.partition(":")
        try:
            screening_id = uuid.UUID(raw_id)
        except ValueError:
            raise BulkError("A selected submission is not valid. Reload the queue and try "
                            "again; nothing was changed.") from None
        if status not in REVIEW_STATUSES:
            raise BulkError("A selected submission has no valid status. Reload the queue and "
                            "try again; nothing was changed.")
        if (screening_id, status) not in selection:
            selection.append((screening_id, status))
    return selection


def bulk_apply(selection: list[tuple[uuid.UUID, str]], action: str, actor: StaffUser, *,
               status: str = "", assignee: StaffUser | None = None, note: str = "") -> int:
    """Apply one action to every selected submission, all or nothing, audited per submission.

    Each selection pairs an id with the status the person saw; if any submission is gone, not
    submitted, or changed status meanwhile, BulkError and nothing changes.
    """
    if action not in BULK_ACTIONS:
        raise BulkError("Choose what to do with the selected submissions.")
    ids = [screening_id for screening_id, _ in selection]
    found = review_work.sent_submissions(db.session, ids)
    missing = [i for i in ids if i not in found]
    if missing:
        raise BulkError(f"{len(missing)} of the selected submissions cannot be found. Reload "
                        "the queue and try again; nothing was changed.")
    stale = [found[i] for i, seen in selection if found[i].review_status != seen]
    if stale:
        names = ", ".join(s.contact_name or "No name given" for s in stale[:5])
        raise BulkError(f"Someone else changed the status of {len(stale)} selected "
                        f"submission(s) ({names}). Reload the queue and try again; nothing was "
                        "changed.")
    if action == "status":
        if status not in REVIEW_STATUSES:
            raise BulkError("Choose a status to move the selected submissions to.")
        refused = [found[i] for i, seen in selection if status not in next_statuses(seen)]
        if refused:
            raise BulkError(f"{len(refused)} selected submission(s) cannot be marked "
                            f"{status_words(status)} from their status (a closed one is reopened "
                            "to in review first); nothing was changed.")
    if action == "note":
        note = note.strip()
        if not note or len(note) > NOTE_MAX_CHARS:
            raise BulkError(f"Write a note of 1 to {NOTE_MAX_CHARS:,} characters; nothing was "
                            "changed.")
    try:
        for screening_id, seen in selection:
            _apply_one(found[screening_id], seen, action, actor, status, assignee, note)
    except BulkError:
        transactions.rollback()
        raise
    transactions.commit()
    return len(selection)


def _apply_one(screening: Screening, seen: str, action: str, actor: StaffUser, status: str,
               assignee: StaffUser | None, note: str) -> None:
    who = {**request_actor(), "actor": actor}
    if action == "status":
        if not _move(screening, seen, status, who):
            raise BulkError("Someone else changed a selected submission just now. Reload the "
                            "queue and try again; nothing was changed.")
    elif action == "assign":
        review_work.assign(db.session, screening, assignee.id if assignee else None, **who)
    else:
        review_work.add_note(db.session, screening, note, actor.id, **who)
