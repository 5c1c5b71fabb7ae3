"""The question kinds: one table that says, for each ``kind`` of ``questions.yaml``, what its
answer is, where its values come from, how an answer is checked and read, and its FHIR type
(``Question.accepts``, the fast check, reads ``multiple`` from it).

The loader, the rules, the patient forms and flow, the FHIR export and the CLI read this table
instead of comparing kind names. Pure Python.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping

from screener.core.questionnaire.evaluation import is_allowed, multi_problem

if TYPE_CHECKING:
    from screener.core.questionnaire.types import Choice, Question

_WHOLE_NUMBER = re.compile(r"-?[0-9]{1,9}")  # bounded: int() of a huge string is slow


@dataclass(frozen=True)
class QuestionKind:
    """What a question of one kind takes and how its answer is read, checked and exported."""

    name: str
    multiple: bool  # the answer is a list of values (posted as a repeated field), else one value
    from_choices: bool  # the values are the question's ``choices``, else whole numbers min..max
    fhir_type: str  # Questionnaire.item.type

    def values(self, choices: tuple[Choice, ...], low: int | None,
               high: int | None) -> tuple[str | int, ...]:
        """Every value an answer (or, for a list, each item) may take."""
        if self.from_choices:
            return tuple(choice.value for choice in choices)
        return () if low is None or high is None else tuple(range(low, high + 1))

    def problem(self, question: Question, value: Any) -> str | None:
        """Why ``value`` is not a valid answer to ``question``, or None when it is."""
        if self.multiple:
            return multi_problem(value, question.values, question.required,
                                 question.exclusive_values)
        if isinstance(value, (list, dict)):
            return "expected a single answer"
        if is_allowed(value, question.values):
            return None
        if not self.from_choices:
            return f"expected a whole number from {question.min} to {question.max}"
        return f'"{value}" is not one of the choices'

    def coerce(self, question: Question, value: Any) -> Any:
        """An obvious encoding read as the question's own value ("2" for 2, 2.0 for 2, 2 for
        "2"); anything else is returned as it is, for the answer check to refuse."""
        if isinstance(value, list):
            return [_coerce_one(question, item) for item in value] if self.multiple else value
        return _coerce_one(question, value)


def _coerce_one(question: Question, value: Any) -> Any:
    allowed = question.values
    if is_allowed(value, allowed):
        return value
    if isinstance(value, str) and _WHOLE_NUMBER.fullmatch(value.strip()):
        number = int(value)
        return number if number in allowed else value
    if isinstance(value, float) and value.is_integer() and int(value) in allowed:
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool) and str(value) in allowed:
        return str(value)
    return value


# The registry, in the order problems name the kinds. An unknown kind is refused at load.
QUESTION_KINDS: Mapping[str, QuestionKind] = {
    kind.name: kind for kind in (
        QuestionKind("single", multiple=False, from_choices=True, fhir_type="choice"),
        QuestionKind("multi", multiple=True, from_choices=True, fhir_type="choice"),
        QuestionKind("scale", multiple=False, from_choices=False, fhir_type="integer"),
    )
}
