"""CSV export: a pure ``(headers, rows)`` builder; the formula guard and streaming writer are
``screener.core.tabular`` (shared with the dashboard's CSV), re-exported here.

Columns, in order: the submission's id, time, questionnaire and version, review status, outcome and
flags; each score's value (at most 2 decimals) and band; the matched rule ids; the contact fields;
one column per question id holding the stored value (multi-choice joined with ``;``): in
questionnaire order, except that questions a later version added (``added_in``) come after the
older ones, so a new questionnaire version never moves an existing column. Columns that issues
added beside the questions (``EXTRA_COLUMNS``: the review columns, then the patient's
``reference``, blank when de-identified, then the ``language`` they screened in) sit after the
questions of the versions in force when they landed and before those of any later version, in
the order the issues landed: no column ever moves. Answers to questions that skip logic disabled
are left empty: they did not count.

Phone numbers given in international form ('+1 555 0100', '0044…') are written in E.164
('+15550100'): a cell of '+' and digits only is a number to a spreadsheet, never a formula, so it
needs no apostrophe. Every other cell that would run as a formula is guarded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

from screener.core.answers import AnswerFilter
from screener.core.languages import language_of
from screener.core.questionnaire import Questionnaire
# The guard and the writer, shared with the dashboard's CSV (re-exported: exports call them here).
from screener.core.tabular import BOM, E164, FORMULA_STARTS, guard, write  # noqa: F401

FIXED_COLUMNS = (
    ("submission_id", "Submission id"),
    ("submitted_at", "Submitted at (UTC, offset +00:00)"),
    ("questionnaire_id", "Questionnaire"),
    ("questionnaire_version", "Questionnaire version"),
    ("status", "Review status"),
    ("outcome", "Outcome"),
    ("flags", "Flags"),
)
CONTACT_COLUMNS = (
    ("contact_name", "Name"),
    ("contact_email", "Email"),
    ("contact_phone", "Phone"),
    ("contact_method", "Preferred contact method"),
    ("contact_time", "Preferred contact time"),
    ("contact_message", "Message to the clinic"),
)
REVIEW_COLUMNS = (
    ("assignee", "Assigned to"),
    ("notes", "Notes (count)"),
    ("contact_attempts", "Contact attempts (count)"),
)
LIST_SEPARATOR = ";"
SCORE_DECIMALS = 2  # CSV only: FHIR keeps full precision
_E164_MATCH = E164.fullmatch


@dataclass(frozen=True)
class CsvLayout:
    """The columns of one export: ids for the header row and texts for the optional labels row."""

    headers: tuple[str, ...]
    labels: tuple[str, ...]
    score_ids: tuple[str, ...]
    question_ids: tuple[str, ...]
    contact: bool
    # (number of question_ids before it, extra column ids) per group of EXTRA_COLUMNS.
    extras: tuple[tuple[int, tuple[str, ...]], ...]


# Columns issues added beside the questions (DECISIONS, "Exports"), each group with the newest
# questionnaire version whose questions come before it: a later version's questions follow it,
# so neither a new version nor a new group moves an existing column. Staff review (1.0.0 era),
# then the reference patients quote when calling (issue 24, landed with 1.2.0), then the language
# the patient screened in ("en", "es": issue 27, after 1.2.0; not identifying, so kept when
# de-identified).
EXTRA_COLUMNS = (
    ("1.0.0", REVIEW_COLUMNS),
    ("1.2.0", (("reference", "Reference"),)),
    ("1.2.0", (("language", "Language"),)),
)


def layout(questionnaires: Sequence[Questionnaire], contact: bool = True) -> CsvLayout:
    """Columns for submissions answered under ``questionnaires`` (the current one first).

    Each question keeps the place the oldest version that asked it gave it, so a version that
    retires a question or moves it to another step moves no column: retired questions keep
    their columns for the rows that answered them, and each version's new questions come after
    all older ones. Labels are the newest wording.
    """
    oldest_first = sorted(questionnaires, key=lambda q: _version_key(q.version))
    texts = {question.id: question.text for q in oldest_first
             for question in q.questions.values()}
    scores = _union((s.id, s.title) for q in questionnaires for s in q.scores)
    questions = [(question_id, texts[question_id]) for question_id, _ in _union(
        (question.id, "") for q in oldest_first for question in column_order(q))]
    columns = list(FIXED_COLUMNS)
    for score_id, title in scores:
        columns += [(f"{score_id}_score", f"{title}: score"),
                    (f"{score_id}_band", f"{title}: band")]
    columns.append(("rules", "Matched rules"))
    if contact:
        columns += CONTACT_COLUMNS
    added_in = {question.id: question.added_in for q in questionnaires
                for question in q.questions.values()}
    extras, pending, placed = [], list(EXTRA_COLUMNS), 0
    for question_id, label in questions:
        while pending and _version_key(added_in[question_id]) > _version_key(pending[0][0]):
            group = pending.pop(0)[1]
            extras.append((placed, tuple(column_id for column_id, _ in group)))
            columns += group
        columns.append((question_id, label))
        placed += 1
    for _, group in pending:
        extras.append((placed, tuple(column_id for column_id, _ in group)))
        columns += group
    headers = tuple(column_id for column_id, _ in columns)
    duplicates = sorted({h for h in headers if headers.count(h) > 1})
    if duplicates:
        raise ValueError(
            f"CSV column ids collide: {', '.join(duplicates)}; rename in questions.yaml")
    return CsvLayout(headers, tuple(label for _, label in columns),
                     tuple(s for s, _ in scores), tuple(q for q, _ in questions), contact,
                     tuple(extras))


def column_order(questionnaire: Questionnaire) -> list:
    """The questions in CSV column order: those of the first version in questionnaire order, then
    each later version's additions (``added_in``), oldest version first."""
    return sorted(questionnaire.questions.values(),
                  key=lambda question: _version_key(question.added_in))


def _version_key(version: str | None) -> tuple[int, ...]:
    """'1.10.0' → (1, 10, 0), so versions sort as numbers; a part that is not a number is 0."""
    if not version:
        return ()
    return tuple(int(part) if part.isdigit() else 0 for part in version.split("."))


def rows(
    columns: CsvLayout, records: Iterable[Any], questionnaire_for: Callable[[str], Questionnaire]
) -> Iterator[list[Any]]:
    """One list of cells per record (a row with the ``screenings`` columns), lazily."""
    filters: dict[str, AnswerFilter] = {}
    for record in records:
        sha256 = record.questionnaire_sha256
        answers_filter = filters.get(sha256)
        if answers_filter is None:
            answers_filter = filters[sha256] = AnswerFilter(questionnaire_for(sha256))
        yield row(columns, record, answers_filter(record.answers))


def row(columns: CsvLayout, record: Any, answers: Mapping[str, Any]) -> list[Any]:
    """The cells of one submission, in ``columns`` order; ``answers`` are the ones that counted."""
    assessment = record.assessment or {}
    scores = assessment.get("scores") or {}
    cells: list[Any] = [
        str(record.id), iso_utc(record.submitted_at), record.questionnaire_id,
        record.questionnaire_version, record.review_status, record.outcome,
        LIST_SEPARATOR.join(record.flag_list.split()) if record.flag_list else "",
    ]
    for score_id in columns.score_ids:
        score = scores.get(score_id)
        cells += (_rounded(score.get("value")), score.get("band")) if score else (None, None)
    cells.append(LIST_SEPARATOR.join([rule["id"] for rule in assessment.get("rules") or ()]))
    if columns.contact:
        cells += [record.contact_name, record.contact_email, phone_cell(record.contact_phone),
                  record.contact_method, record.contact_time, record.contact_message]
    get = answers.get
    # The reference identifies the patient's call: blank in a de-identified export.
    extra = {"assignee": record.assignee, "notes": record.notes,
             "contact_attempts": record.contact_attempts,
             "reference": record.reference if columns.contact else None,
             "language": language_of(record)}
    start = 0
    for end, column_ids in (*columns.extras, (len(columns.question_ids), ())):
        for question_id in columns.question_ids[start:end]:
            value = get(question_id)
            cells.append(LIST_SEPARATOR.join(map(str, value)) if value.__class__ is list
                         else value)
        cells += [extra[column_id] for column_id in column_ids]
        start = end
    return cells


def phone_cell(phone: str | None) -> str | None:
    """An international number in E.164 ('+1 (555) 010-7788' → '+15550107788', '0044 20…' →
    '+4420…'); any other number as given (the guard handles what would run)."""
    if not phone:
        return phone
    text = phone.strip()
    digits = "".join(ch for ch in text if ch.isdigit())
    if text.startswith("+") and digits:
        candidate = "+" + digits
    elif text.startswith("00") and len(digits) > 2:
        candidate = "+" + digits[2:]
    else:
        return phone
    return candidate if _E164_MATCH(candidate) else phone


def _rounded(value: Any) -> Any:
    return round(value, SCORE_DECIMALS) if value.__class__ is float else value


def iso_utc(value: datetime | None) -> str:
    """ISO 8601 in UTC with a Z, to the second ('' for None)."""
    if value is None:
        return ""
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _union(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """(id, label) pairs in first-seen order, each id once."""
    seen: dict[str, str] = {}
    for key, label in pairs:
        seen.setdefault(key, label)
    return list(seen.items())
