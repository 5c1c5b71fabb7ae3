"""Reviewing one submission: the status workflow, assignment, notes, and its readable answers."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from screener.storage import review_work
from screener.extensions import db
from screener.storage.models import (REVIEW_STATUSES, ContactAttempt, Note, Screening, StaffUser,
                                     queue_priority)
from screener.core import rules, safety
from screener.core.presentation import patient_result, submission_urgency
from screener.core.questionnaire import Questionnaire
from screener.storage import safety as safety_store
from screener.web.questionnaires import questionnaire_for
from screener.web import transactions
from screener.web.auth import request_actor

NOTE_MAX_CHARS = 5000
ATTEMPT_NOTE_MAX_CHARS = 1000
MIN_PHONE_DIGITS = 7
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
        raise WorkflowError(f"A submission that is {_words(current)} cannot be marked "
                            f"{_words(new)}.")
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


def flag_urgencies(questionnaire: Questionnaire, flags, changed: int | None) -> dict[str, int]:
    """Each flag's urgency on this submission (``self_harm_changed`` at ``changed``, the
    urgency its recorded answers give); flags without an urgency are left out."""
    urgencies = {flag: questionnaire.flags_by_id[flag].urgency for flag in flags or ()
                 if flag in questionnaire.flags_by_id
                 and questionnaire.flags_by_id[flag].urgency is not None}
    changed_flag = questionnaire.safety_answers and questionnaire.safety_answers.changed_flag
    if changed is not None and changed_flag in urgencies:
        urgencies[changed_flag] = changed
    return urgencies


def patient_saw(questionnaire: Questionnaire, answers: dict, changed: int | None):
    """What the patient's result page showed (``presentation.PatientResult``): staff see the
    true outcome, and this says when the patient saw the crisis result or no score bands."""
    assessment = rules.evaluate(questionnaire, answers)
    return patient_result(questionnaire, assessment, changed)


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


@dataclass(frozen=True)
class AnswerRow:
    question_id: str
    text: str
    label: str


@dataclass(frozen=True)
class ScoreLine:
    title: str
    value: Any
    decimals: int
    max: float | None
    band_label: str | None


@dataclass(frozen=True)
class AnswerGroup:
    title: str
    rows: list[AnswerRow]
    stem: str | None = None
    scores: tuple[ScoreLine, ...] = ()
    step_id: str = ""


def answer_groups(screening: Screening) -> list[AnswerGroup]:
    """Every stored answer as the patient saw it: step title and stem, question text, chosen
    label(s), and the step's scores with their bands; read under the questionnaire version the
    screening was answered with."""
    questionnaire = questionnaire_for(screening)
    answers = screening.answers or {}
    stored_scores = (screening.assessment or {}).get("scores", {})
    groups = []
    for step in questionnaire.steps:
        rows = [AnswerRow(q.id, q.text, q.label_for(answers[q.id]))
                for q in step.questions if q.id in answers]
        if not rows:
            continue
        ids = {q.id for q in step.questions}
        scores = tuple(
            ScoreLine(score.title, stored_scores[score.id].get("value"), score.decimals,
                      score.max, stored_scores[score.id].get("band_label"))
            for score in questionnaire.scores
            if score.id in stored_scores and ids.intersection(score.items)
        )
        groups.append(AnswerGroup(step.title, rows, step.stem, scores, step.id))
    unknown = [AnswerRow(k, k, _stored(v)) for k, v in answers.items()
               if k not in questionnaire.questions]
    if unknown:
        groups.append(AnswerGroup("Other stored answers", unknown))
    return groups


@dataclass(frozen=True)
class HistoryEntry:
    at: Any
    who: str
    what: str


def history(screening: Screening, events: list, names: dict[int, str]) -> list[HistoryEntry]:
    """One line per event, people by name: the submission once, then what staff did."""
    entries = [HistoryEntry(screening.submitted_at, "Patient", "submitted the screening")]
    for event in events:
        if event.action == "screening_submitted":  # the same event as the first line
            continue
        who = names.get(event.actor_id) or event.actor_label or "System"
        entries.append(HistoryEntry(event.at, who, _history_text(event, names)))
    return entries


def _history_text(event, names: dict[int, str]) -> str:
    detail = event.detail or {}
    if event.action == "status_changed":
        return f"status {_words(str(detail.get('from')))} → {_words(str(detail.get('to')))}"
    if event.action == "assigned":
        assignee = detail.get("assignee_id")
        if not assignee:
            return "unassigned"
        return f"assigned to {names.get(assignee, f'staff #{assignee}')}"
    if event.action == "note_added":
        return "added a note"
    if event.action == "contact_attempt":
        return (f"contact attempt by {_words(str(detail.get('method')))}: "
                f"{_words(str(detail.get('outcome')))}")
    return _words(event.action)


def _stored(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _words(status: str) -> str:
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


def phone_digits(phone: str | None) -> str:
    """A phone number's digits only ('+1 (555) 010-7788' → '15550107788')."""
    return "".join(ch for ch in phone or "" if ch.isdigit())


def _same_phone(a: str, b: str) -> bool:
    """Same number, with or without a country code: one ends with the other (7+ digits)."""
    shorter, longer = sorted((a, b), key=len)
    return len(shorter) >= MIN_PHONE_DIGITS and longer.endswith(shorter)


def possible_duplicates(screening: Screening, limit: int = 20) -> list[Screening]:
    """Other submissions with the same email (case-insensitive) or phone number (digits)."""
    email = (screening.contact_email or "").strip().lower()
    digits = phone_digits(screening.contact_phone)
    tail = digits[-MIN_PHONE_DIGITS:] if len(digits) >= MIN_PHONE_DIGITS else ""
    candidates = review_work.duplicate_candidates(db.session, screening.id, email, tail,
                                                  limit * 2)
    found = [other for other in candidates
             if (email and (other.contact_email or "").strip().lower() == email)
             or (digits and _same_phone(digits, phone_digits(other.contact_phone)))]
    return found[:limit]


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
                            f"{_words(status)} from their status (a closed one is reopened to "
                            "in review first); nothing was changed.")
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
