"""The condition language's types and what they mean, and which answers a question takes.

A condition (``Comparison``, ``AllOf``, ``AnyOf``, ``NotOf``) says whether it ``holds`` for the
answers and a score lookup; ``multi_problem`` and ``is_allowed`` say whether a value is a valid
answer. Plain methods and functions over frozen data: nothing is compiled or cached. Pure Python.
"""

from __future__ import annotations

import operator as op
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Union

ScoreLookup = Callable[[str], "int | float | None"]

_NUMBERS = (int, float)  # exact types: True is not a number here
SCALARS = (str, int)  # exact types: True is not 1, and 2.0 is not the answer 2


def _present(value: Any) -> bool:
    return value is not None and value != [] and value != ""


def _equal(value: Any, expected: Any) -> bool:
    """On a multi-choice answer, ``=`` holds when any selected choice equals ``expected``."""
    return value == expected or (type(value) is list and expected in value)


def _not_equal(value: Any, expected: Any) -> bool:
    """A missing answer is never "not equal"; on a multi-choice answer: no choice equals it."""
    return _present(value) and (expected not in value if type(value) is list
                                else value != expected)


def _ordered(order: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def compare(value: Any, expected: Any) -> bool:
        if type(value) is list:
            return any(type(v) in _NUMBERS and order(v, expected) for v in value)
        return type(value) in _NUMBERS and order(value, expected)
    return compare


# FHIR enableWhen semantics: a missing answer satisfies only ``exists: false``.
COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "exists": lambda value, expected: _present(value) is bool(expected),
    "=": _equal,
    "!=": _not_equal,
    ">": _ordered(op.gt), "<": _ordered(op.lt), ">=": _ordered(op.ge), "<=": _ordered(op.le),
}


@dataclass(frozen=True)
class Comparison:
    """``{question|score: ref, operator: op, answer: value}``."""

    source: str  # "question" or "score"
    ref: str
    operator: str
    answer: Any

    def holds(self, answers: Mapping[str, Any], score: ScoreLookup) -> bool:
        """Whether the answer (or the score) compares as stated."""
        value = score(self.ref) if self.source == "score" else answers.get(self.ref)
        return COMPARE[self.operator](value, self.answer)


@dataclass(frozen=True)
class AllOf:
    """Holds when every one of ``conditions`` holds."""

    conditions: tuple[Condition, ...]

    def holds(self, answers: Mapping[str, Any], score: ScoreLookup) -> bool:
        return all(part.holds(answers, score) for part in self.conditions)


@dataclass(frozen=True)
class AnyOf:
    """Holds when at least one of ``conditions`` holds."""

    conditions: tuple[Condition, ...]

    def holds(self, answers: Mapping[str, Any], score: ScoreLookup) -> bool:
        return any(part.holds(answers, score) for part in self.conditions)


@dataclass(frozen=True)
class NotOf:
    """Holds when ``condition`` does not (so on a missing answer: how a rule fails closed)."""

    condition: Condition

    def holds(self, answers: Mapping[str, Any], score: ScoreLookup) -> bool:
        return not self.condition.holds(answers, score)


Condition = Union[Comparison, AllOf, AnyOf, NotOf]


def multi_problem(value: Any, allowed: tuple, required: bool, exclusive: tuple) -> str | None:
    """Why ``value`` is not a valid multi-choice answer, or None when it is. ``exclusive``
    holds the choices that cannot be combined with others, in choice order."""
    if not isinstance(value, list):
        return "expected a list of choices"
    if not value and required:
        return "choose at least one option"
    for item in value:
        if not is_allowed(item, allowed):
            return f'"{item}" is not one of the choices'
    if len(set(value)) != len(value):
        return "a choice is listed twice"
    chosen = [choice for choice in exclusive if choice in value]
    if chosen and len(value) > 1:
        return f'"{chosen[0]}" cannot be combined with other choices'
    return None


def is_allowed(value: Any, allowed: tuple) -> bool:
    """``value`` is one of ``allowed``, of the same type ("1" is not 1, True is not 1)."""
    # A str never equals an int, and the type check leaves out bool and float (2.0 == 2).
    return type(value) in SCALARS and value in allowed
