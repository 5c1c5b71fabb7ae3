"""What a submission's page shows beyond its workflow: the answers as the patient saw them,
its history in words, each flag's urgency, what the patient's result page showed, and other
submissions from the same person."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, NamedTuple

from screener.core import rules
from screener.core.presentation import patient_result
from screener.core.questionnaire import Questionnaire
from screener.extensions import db
from screener.storage import review_work
from screener.staff.review import status_words
from screener.storage.models import Screening
from screener.web.questionnaires import questionnaire_for

MIN_PHONE_DIGITS = 7


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


class AnswerRow(NamedTuple):
    """A question as the patient read it and the label(s) of what they chose."""

    question_id: str
    text: str
    label: str


class ScoreLine(NamedTuple):
    """A step's score as stored when sent, with the band the patient's answers gave."""

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
        before, after = str(detail.get("from")), str(detail.get("to"))
        return f"status {status_words(before)} → {status_words(after)}"
    if event.action == "assigned":
        assignee = detail.get("assignee_id")
        if not assignee:
            return "unassigned"
        return f"assigned to {names.get(assignee, f'staff #{assignee}')}"
    if event.action == "note_added":
        return "added a note"
    if event.action == "contact_attempt":
        return (f"contact attempt by {status_words(str(detail.get('method')))}: "
                f"{status_words(str(detail.get('outcome')))}")
    return status_words(event.action)


def _stored(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


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
