"""Safety answers that are never forgotten (spec: "Self-harm answers that change").

Pure: which saved answers the questionnaire's ``safety_answers`` says to record, and which
recorded answers the final answers no longer hold. ``rules.evaluate`` is untouched: the outcome
and matched rules stay those of the final answers; this only adds a flag beside them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable, Mapping

from screener.core.questionnaire import Comparison, Questionnaire
from screener.core.rules import condition_holds, enabled_view


@dataclass(frozen=True)
class Recorded:
    """One safety answer as first given, and when it was saved."""

    question_id: str
    value: Any
    recorded_at: datetime


@dataclass(frozen=True)
class Kept:
    """A recorded answer beside what the final answers hold for its question."""

    recorded: Recorded
    final: Any  # None: no answer counts any more (changed, or its question skipped)
    still_holds: bool


def _conditions(questionnaire: Questionnaire) -> tuple[Comparison, ...]:
    safety = questionnaire.safety_answers
    return safety.conditions if safety is not None else ()


def to_record(questionnaire: Questionnaire, saved: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """The (question id, value) pairs among ``saved`` (what one step just saved) to record."""
    found = []
    for condition in _conditions(questionnaire):
        value = saved.get(condition.ref)
        if value is None or (condition.ref, value) in found:
            continue
        if condition_holds(questionnaire, condition, {condition.ref: value}):
            found.append((condition.ref, value))
    return found


def first_given(records: Iterable[Recorded]) -> list[Recorded]:
    """Each question's first recorded answer, in the order they were given (later different
    values of the same question stay stored but are not what was first given)."""
    seen, first = set(), []
    for record in sorted(records, key=lambda r: r.recorded_at):
        if record.question_id not in seen:
            seen.add(record.question_id)
            first.append(record)
    return first


def kept(questionnaire: Questionnaire, records: Iterable[Recorded],
         answers: Mapping[str, Any]) -> list[Kept]:
    """Each question's first recorded answer beside the final (effective) answer, and whether
    every recorded answer to that question still holds."""
    _, effective = enabled_view(questionnaire, answers)
    records = list(records)
    result = []
    for first in first_given(records):
        same = [r for r in records if r.question_id == first.question_id]
        holds = all(_holds(questionnaire, r, effective) for r in same)
        result.append(Kept(first, effective.get(first.question_id), holds))
    return result


def _holds(questionnaire: Questionnaire, record: Recorded, effective: Mapping[str, Any]) -> bool:
    """The final answers still hold what made ``record`` a safety answer."""
    conditions = [c for c in _conditions(questionnaire) if c.ref == record.question_id
                  and condition_holds(questionnaire, c, {c.ref: record.value})]
    if not conditions:  # the questionnaire no longer names it: it was recorded, so it counts
        return record.question_id in effective and effective[record.question_id] == record.value
    return any(condition_holds(questionnaire, c, effective) for c in conditions)


def changed_flags(questionnaire: Questionnaire, records: Iterable[Recorded],
                  answers: Mapping[str, Any]) -> tuple[str, ...]:
    """``(changed_flag,)`` when the final answers no longer hold a recorded answer, else ()."""
    safety = questionnaire.safety_answers
    if safety is None:
        return ()
    if any(not k.still_holds for k in kept(questionnaire, records, answers)):
        return (safety.changed_flag,)
    return ()
