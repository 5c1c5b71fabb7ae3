"""Safety answers that are never forgotten (spec: "Self-harm answers that change").

Pure: which posted answers the questionnaire's ``safety_answers`` says to record, which recorded
answers the final answers no longer hold, and how urgent that makes a submission.
``rules.evaluate`` is untouched: the outcome and matched rules stay those of the final answers;
this only adds a flag beside them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable, Mapping

from screener.core.questionnaire import Comparison, Questionnaire
from screener.core.rules import condition_holds, enabled_view, normalize_answers

_NUMBERS = (int, float)  # exact types: True is not a number here


@dataclass(frozen=True)
class Recorded:
    """One safety answer as given, and when it was saved."""

    question_id: str
    value: Any
    recorded_at: datetime


@dataclass(frozen=True)
class Kept:
    """A question's recorded answers beside what the final answers hold for it."""

    recorded: Recorded  # the first given
    final: Any  # None: no answer counts any more (changed, or its question skipped)
    still_holds: bool
    highest: Recorded  # the highest value given (phq9_9 1 then 3: the 3; else the first)


def _conditions(questionnaire: Questionnaire) -> tuple[Comparison, ...]:
    safety = questionnaire.safety_answers
    return safety.conditions if safety is not None else ()


def to_record(questionnaire: Questionnaire, posted: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """The (question id, value) pairs among ``posted`` that meet a safety condition.

    ``posted``: the raw values of one POST, follow-ups whose parent says "no" included (a
    follow-up revealed by JavaScript was still seen and answered); "2" is read as 2.
    """
    if not isinstance(posted, Mapping):
        return []
    values = normalize_answers(questionnaire, posted)
    found = []
    for condition in _conditions(questionnaire):
        value = values.get(condition.ref)
        if value is None or (condition.ref, value) in found:
            continue
        question = questionnaire.questions.get(condition.ref)
        if question is not None and not question.accepts(value):
            continue  # not an answer the question takes: nothing was given
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


def _highest(records: list[Recorded]) -> Recorded:
    """The record with the highest value (the first one given when values are not numbers)."""
    numbers = [r for r in records if type(r.value) in _NUMBERS]
    if len(numbers) != len(records):
        return records[0]
    return max(numbers, key=lambda r: r.value)  # max keeps the earliest of equal values


def _still_holds(highest: Any, final: Any) -> bool:
    """The final answer is as serious as the highest given: present, not lower (phq9_9), and
    otherwise the same answer ("yes")."""
    if final is None:
        return False
    if type(highest) in _NUMBERS and type(final) in _NUMBERS:
        return final >= highest
    return final == highest


def kept(questionnaire: Questionnaire, records: Iterable[Recorded],
         answers: Mapping[str, Any]) -> list[Kept]:
    """Per question: the first and the highest recorded answer beside the final (effective)
    answer, and whether the final answer still holds the highest one."""
    _, effective = enabled_view(questionnaire, answers)
    ordered = sorted(records, key=lambda r: r.recorded_at)
    result = []
    for first in first_given(ordered):
        same = [r for r in ordered if r.question_id == first.question_id]
        highest = _highest(same)
        final = effective.get(first.question_id)
        result.append(Kept(first, final, _still_holds(highest.value, final), highest))
    return result


def changed_flags(questionnaire: Questionnaire, records: Iterable[Recorded],
                  answers: Mapping[str, Any]) -> tuple[str, ...]:
    """``(changed_flag,)`` when the final answers no longer hold a recorded answer, else ()."""
    safety = questionnaire.safety_answers
    if safety is None:
        return ()
    if any(not k.still_holds for k in kept(questionnaire, records, answers)):
        return (safety.changed_flag,)
    return ()


def changed_urgency(questionnaire: Questionnaire, records: Iterable[Recorded],
                    answers: Mapping[str, Any]) -> int | None:
    """The changed flag's urgency: None when every recorded answer still holds; 1 when any
    recorded answer was high risk (a plan taken back stays "contact today"); else the flag's
    own urgency."""
    safety = questionnaire.safety_answers
    records = list(records)
    if not changed_flags(questionnaire, records, answers):
        return None
    if any(_is_high_risk(questionnaire, record) for record in records):
        return 1
    flag = questionnaire.flags_by_id.get(safety.changed_flag)
    return flag.urgency if flag is not None and flag.urgency is not None else 1


def _is_high_risk(questionnaire: Questionnaire, record: Recorded) -> bool:
    """``safety_answers.high_risk`` holds for the answer; a version without that list (1.0.0,
    1.1.0) counts an answer that on its own makes a rule with an urgency-1 flag hold. An answer
    to a question the questionnaire does not have (a draft moved from 1.1.0 kept its
    ``self_harm_plan``) counts as high risk: its meaning cannot be checked, so fail closed."""
    if record.question_id not in questionnaire.questions:
        return True
    alone = {record.question_id: record.value}
    high_risk = questionnaire.safety_answers.high_risk
    if high_risk:
        return any(condition_holds(questionnaire, c, alone) for c in high_risk
                   if c.ref == record.question_id)
    flags = questionnaire.flags_by_id
    return any(
        rule.flag in flags and flags[rule.flag].urgency == 1
        and condition_holds(questionnaire, rule.when, alone)
        and not condition_holds(questionnaire, rule.when, {})  # not true of no answer at all
        for rule in questionnaire.rules
    )
