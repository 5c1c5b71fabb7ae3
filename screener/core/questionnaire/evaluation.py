"""What a condition means and which answers a question takes, compiled into plain functions.

A ``Test`` takes the answers and a score lookup and says whether a condition holds; an acceptor
says whether a value is a valid answer. The types (``Comparison``, ``AllOf``, ``AnyOf``,
``Question``) call these builders in their ``__post_init__``, so a questionnaire's conditions
and answer checks are compiled once, when it is loaded, and one built anywhere else (a test, the
CLI) carries its own. Pure Python.
"""

from __future__ import annotations

import operator as op
from typing import Any, Callable, Mapping

ScoreLookup = Callable[[str], "int | float | None"]
Test = Callable[[Mapping[str, Any], ScoreLookup], bool]

_ORDERING = {">": op.gt, "<": op.lt, ">=": op.ge, "<=": op.le}
_NUMBERS = (int, float)  # exact types: True is not a number here
SCALARS = (str, int)  # exact types: True is not 1, and 2.0 is not the answer 2


def comparison_test(source: str, ref: str, operator: str, expected: Any) -> Test:
    """The test of ``{question|score: ref, operator: operator, answer: expected}``."""
    compare = _comparison(operator, expected)
    if source == "score":
        return lambda answers, score: compare(score(ref))
    return lambda answers, score: compare(answers.get(ref))


def all_test(parts: tuple[Test, ...]) -> Test:
    """Holds when every part holds."""
    return lambda answers, score: all(part(answers, score) for part in parts)


def any_test(parts: tuple[Test, ...]) -> Test:
    """Holds when at least one part holds."""
    return lambda answers, score: any(part(answers, score) for part in parts)


def not_test(part: Test) -> Test:
    """Holds when ``part`` does not."""
    return lambda answers, score: not part(answers, score)


def _comparison(operator: str, expected: Any) -> Callable[[Any], bool]:
    """FHIR enableWhen semantics: a missing answer satisfies only ``exists: false``.

    On a multi-choice answer, ``=`` holds when any selected choice equals ``expected`` and
    ``!=`` when none does.
    """
    if operator == "exists":
        return lambda value: _present(value) is bool(expected)
    if operator == "=":
        return lambda value: value == expected or (type(value) is list and expected in value)
    if operator == "!=":
        return lambda value: _present(value) and (
            expected not in value if type(value) is list else value != expected)
    order = _ORDERING[operator]

    def ordered(value: Any) -> bool:
        if type(value) is list:
            return any(type(v) in _NUMBERS and order(v, expected) for v in value)
        return type(value) in _NUMBERS and order(value, expected)

    return ordered


def _present(value: Any) -> bool:
    return value is not None and value != [] and value != ""


def acceptor(kind: str, allowed: tuple, required: bool,
             exclusive: tuple) -> Callable[[Any], bool]:
    """A fast "is ``value`` a valid answer": ``multi_problem(...) is None`` for a multi-choice
    question, one allowed value of the same type ("2" is not 2) for the others."""
    if kind == "multi":
        return lambda value: type(value) is list and multi_problem(
            value, allowed, required, exclusive) is None
    typed = frozenset((type(v), v) for v in allowed)
    return lambda value: type(value) in SCALARS and (type(value), value) in typed


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
    """``value`` is one of ``allowed``, of the same type."""
    if type(value) not in SCALARS:
        return False
    return any(value == a and type(value) is type(a) for a in allowed)
