"""Parsing and checking the condition language of ``enable_when`` and rules.

A condition may only look back: it can name questions (and scores whose items are) asked before
what it controls. That rules out cycles; when one is attempted, the message shows it.
"""

from __future__ import annotations

from typing import Any

from screener.core.questionnaire.checks import Checks, is_number, spelling_hint, type_name
from screener.core.questionnaire.evaluation import is_allowed
from screener.core.questionnaire.types import (
    OPERATORS, QUESTION_KINDS, AllOf, AnyOf, Comparison, Condition, NotOf, Question,
)

_ORDERING_OPERATORS = (">", "<", ">=", "<=")
_NO_ANSWER = object()  # a condition without ``answer`` (allowed for exists only)


class ConditionChecks(Checks):
    """Condition parsing for the loader, which registers questions as it builds them."""

    def __init__(self) -> None:
        super().__init__()
        self.questions: dict[str, Question] = {}  # registered so far, in file order
        self.declared: set[str] = set()  # every question id in the file
        self.declared_scores: dict[str, tuple[str, ...]] = {}  # score id -> item ids
        self.depends: dict[str, set[str]] = {}  # question id -> questions its display depends on

    def declare(self, raw_steps: list, raw_scores: list) -> None:
        """Note every question and score id first, to tell "later" from "unknown" in conditions."""
        for raw in raw_scores:
            if isinstance(raw, dict) and isinstance(raw.get("id"), str):
                items = raw.get("items") if isinstance(raw.get("items"), list) else []
                self.declared_scores.setdefault(
                    raw["id"], tuple(i for i in items if isinstance(i, str)))
        for step in raw_steps:
            if not isinstance(step, dict) or not isinstance(step.get("questions"), list):
                continue
            step_refs = set(_referenced(step.get("enable_when"), self.declared_scores))
            for question in step["questions"]:
                if isinstance(question, dict) and isinstance(question.get("id"), str):
                    refs = _referenced(question.get("enable_when"), self.declared_scores)
                    self.declared.add(question["id"])
                    self.depends.setdefault(question["id"], set()).update(step_refs, refs)

    def condition(self, value: Any, path: str, *,
                  controls: tuple[str, ...] | None) -> Condition | None:
        """Parse a condition; the questions it names must come before what it controls.

        ``controls``: the question ids whose display the condition decides (it may look neither
        at them nor later); ``()`` for a check made once a step is answered
        (``crisis_page_when``); None for outcome rules, which run once every answer is in and
        may name any question.
        """
        if value is None:
            return None
        if not isinstance(value, dict):
            self.problem(path, f"expected a condition mapping, got {type_name(value)}")
            return None
        if "all" in value or "any" in value:
            return self.combination(value, path, controls)
        if "not" in value:
            return self.negation(value, path, controls)
        source = "score" if "score" in value else "question"
        data = self.mapping(value, path, {source: True, "operator": True, "answer": False})
        if source not in data or "operator" not in data:
            return None
        ref, operator, answer = data[source], data["operator"], data.get("answer", _NO_ANSWER)
        if operator not in OPERATORS:
            self.problem(f"{path}.operator", f'unknown operator "{operator}" '
                         f"(known: {', '.join(OPERATORS)})")
            return None
        if operator == "exists":
            if answer is not _NO_ANSWER and not isinstance(answer, bool):
                self.problem(f"{path}.answer", "exists takes true or false")
        elif answer is _NO_ANSWER:
            self.problem(f"{path}.answer", "missing required key")
        if not isinstance(ref, str):
            self.problem(f"{path}.{source}", f"expected a {source} id, got {type_name(ref)}")
            return None
        if source == "question":
            self.check_question_reference(ref, operator, answer, path, controls)
        else:
            self.check_score_reference(ref, operator, answer, path, controls)
        return Comparison(source, ref, operator, True if answer is _NO_ANSWER else answer)

    def combination(self, value: dict, path: str,
                    controls: tuple[str, ...] | None) -> Condition | None:
        """An ``all:`` or ``any:`` list of conditions."""
        key = "all" if "all" in value else "any"
        for other in sorted(set(value) - {key}, key=str):
            self.problem(f"{path}.{other}", "unknown key")
        parts = value[key]
        if not isinstance(parts, list) or not parts:
            self.problem(f"{path}.{key}", "expected a non-empty list of conditions")
            return None
        conditions = [self.condition(item, f"{path}.{key}[{i}]", controls=controls)
                      for i, item in enumerate(parts)]
        if any(c is None for c in conditions):
            return None
        return AllOf(tuple(conditions)) if key == "all" else AnyOf(tuple(conditions))

    def negation(self, value: dict, path: str,
                 controls: tuple[str, ...] | None) -> Condition | None:
        """``{not: condition}``: holds when the condition does not (a missing answer included)."""
        for other in sorted(set(value) - {"not"}, key=str):
            self.problem(f"{path}.{other}", "unknown key")
        if controls:  # skip logic is exported as FHIR enableWhen, which has no negation
            self.problem(f"{path}.not", "not: is for rules and crisis pages, not skip logic")
        inner = self.condition(value["not"], f"{path}.not", controls=controls)
        if value["not"] is None:
            self.problem(f"{path}.not", "expected a condition")
        return None if inner is None else NotOf(inner)

    def check_question_reference(self, ref: str, operator: str, answer: Any, path: str,
                                 controls: tuple[str, ...] | None) -> None:
        """The question is known, asked earlier, and ``answer`` is one of its values."""
        question = self.questions.get(ref)
        if question is None:
            self.problem(f"{path}.question", self.missing_reference(ref, controls))
            return
        if operator == "exists" or answer is _NO_ANSWER or question.kind not in QUESTION_KINDS:
            return  # a missing answer or an unknown kind is reported where it stands
        allowed = question.allowed_values()
        if operator in _ORDERING_OPERATORS:
            if not all(isinstance(v, int) for v in allowed):
                self.problem(f"{path}.operator", f'"{operator}" needs a question with number '
                             f'answers; "{ref}" has choices')
            elif not is_number(answer):
                self.problem(f"{path}.answer", f'"{operator}" compares with a number')
        elif not is_allowed(answer, allowed):
            self.problem(f"{path}.answer", f'"{answer}" is not a valid answer to "{ref}"'
                         + spelling_hint(answer, allowed))

    def missing_reference(self, ref: str, controls: tuple[str, ...] | None) -> str:
        """Why a condition may not name ``ref``: unknown, a cycle, or a question asked later."""
        if ref not in self.declared:
            return f'unknown question "{ref}"'
        controlled = controls or ()
        if ref in controlled:
            return f'"{ref}" is controlled by this condition (a cycle)'
        cycle = _cycle(self.depends, ref, controlled)
        if cycle:
            return "cycle: " + " → ".join(f'"{q}"' for q in cycle)
        return (f'question "{ref}" comes later than what this condition controls '
                "(a condition may only look back)")

    def check_score_reference(self, ref: str, operator: str, answer: Any, path: str,
                              controls: tuple[str, ...] | None) -> None:
        """The score is known, compared with a number, and (in skip logic) already complete."""
        if ref not in self.declared_scores:
            self.problem(f"{path}.score", f'unknown score "{ref}"')
            return
        if operator != "exists" and answer is not _NO_ANSWER and not is_number(answer):
            self.problem(f"{path}.answer", "a score is compared with a number")
        if controls is None:
            return
        # In skip logic a score can only be known once all its items have been asked.
        for item in self.declared_scores[ref]:
            if item in self.declared and item not in self.questions:
                self.problem(f"{path}.score", f'score "{ref}" uses question "{item}": '
                             + self.missing_reference(item, controls))
                return


def _referenced(condition: Any, scores: dict[str, tuple[str, ...]]):
    """Question ids a raw (unvalidated) condition depends on, with scores expanded to items."""
    if not isinstance(condition, dict):
        return
    for key in ("all", "any"):
        parts = condition.get(key)
        for part in parts if isinstance(parts, list) else ():
            yield from _referenced(part, scores)
    yield from _referenced(condition.get("not"), scores)
    if isinstance(condition.get("question"), str):
        yield condition["question"]
    if isinstance(condition.get("score"), str):
        yield from scores.get(condition["score"], ())


def _cycle(depends: dict[str, set[str]], start: str, goals: tuple[str, ...]) -> list[str]:
    """A dependency path from one of ``goals`` through ``start`` back to it, or []."""
    paths, visited = [[start]], {start}
    while paths:
        path = paths.pop()
        for nxt in sorted(depends.get(path[-1], ())):
            if nxt in goals:
                return [nxt, *path, nxt]
            if nxt not in visited:
                visited.add(nxt)
                paths.append([*path, nxt])
    return []
