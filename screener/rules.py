"""Skip logic, instrument scoring and outcome rules: pure functions over a Questionnaire.

``evaluate(questionnaire, answers)`` is deterministic and never raises for any mapping of
answers; answers to questions that skip logic disables are ignored.
"""

from __future__ import annotations

import operator as op
from dataclasses import dataclass
from typing import Any, Mapping

from .questionnaire import AllOf, AnyOf, Comparison, Condition, Question, Questionnaire, Score, Step

_ORDERING = {">": op.gt, "<": op.lt, ">=": op.ge, "<=": op.le}


@dataclass(frozen=True)
class ScoreResult:
    id: str
    value: int | float
    band: str | None
    band_label: str | None

    def display(self, decimals: int = 0) -> str:
        """The value as shown to people (PEG: one decimal)."""
        return f"{self.value:.{decimals}f}" if decimals else str(self.value)


@dataclass(frozen=True)
class MatchedRule:
    id: str
    outcome: str | None
    flag: str | None
    reason: str


@dataclass(frozen=True)
class Assessment:
    outcome: str
    rules: tuple[MatchedRule, ...]
    scores: dict[str, ScoreResult]
    flags: tuple[str, ...]
    urgency: int | None

    @property
    def rule_ids(self) -> list[str]:
        return sorted(rule.id for rule in self.rules)

    def to_dict(self) -> dict[str, Any]:
        """The compact, JSON-ready form printed by ``flask evaluate`` and stored with a screening."""
        return {
            "outcome": self.outcome,
            "rules": self.rule_ids,
            "flags": list(self.flags),
            "scores": {
                sid: {"value": s.value, "band": s.band} for sid, s in self.scores.items()
            },
        }


class _Context:
    """Answers seen so far plus lazily computed scores, for one pass over the questionnaire."""

    __slots__ = ("questionnaire", "answers", "_scores")

    def __init__(self, questionnaire: Questionnaire, answers: dict[str, Any]):
        self.questionnaire = questionnaire
        self.answers = answers
        self._scores: dict[str, ScoreResult | None] = {}

    def score(self, score_id: str) -> ScoreResult | None:
        if score_id not in self._scores:
            score = self.questionnaire.scores_by_id.get(score_id)
            self._scores[score_id] = compute_score(score, self.answers) if score else None
        return self._scores[score_id]


def condition_holds(condition: Condition, context: _Context) -> bool:
    """FHIR enableWhen semantics; a test on a missing answer or score is false (except exists)."""
    if isinstance(condition, AllOf):
        return all(condition_holds(c, context) for c in condition.conditions)
    if isinstance(condition, AnyOf):
        return any(condition_holds(c, context) for c in condition.conditions)
    if condition.source == "score":
        result = context.score(condition.ref)
        value = None if result is None else result.value
    else:
        value = context.answers.get(condition.ref)
    return _compare(value, condition.operator, condition.answer)


def _compare(value: Any, operator: str, expected: Any) -> bool:
    present = value is not None and value != [] and value != ""
    if operator == "exists":
        return present == (True if expected is None else bool(expected))
    if not present:
        return False
    values = value if isinstance(value, list) else (value,)
    if operator == "=":
        return any(v == expected for v in values)
    if operator == "!=":
        return all(v != expected for v in values)
    compare = _ORDERING[operator]
    return any(
        _is_number(v) and _is_number(expected) and compare(v, expected) for v in values
    )


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def enabled_view(
    questionnaire: Questionnaire, answers: Mapping[str, Any]
) -> tuple[list[Step], dict[str, Any]]:
    """The steps that apply to these answers, and the answers to enabled questions only."""
    effective: dict[str, Any] = {}
    context = _Context(questionnaire, effective)
    steps = []
    for step in questionnaire.steps:
        context._scores.clear()  # scores may change as answers are added
        if step.enable_when is not None and not condition_holds(step.enable_when, context):
            continue
        steps.append(step)
        for question in step.questions:
            if question.enable_when is not None:
                context._scores.clear()
                if not condition_holds(question.enable_when, context):
                    continue
            if question.id in answers:
                effective[question.id] = answers[question.id]
    return steps, effective


def enabled_questions(step: Step, effective: Mapping[str, Any], questionnaire) -> list[Question]:
    """The questions of ``step`` that apply, given the effective answers of earlier steps."""
    context = _Context(questionnaire, dict(effective))
    return [
        q for q in step.questions
        if q.enable_when is None or condition_holds(q.enable_when, context)
    ]


def compute_score(score: Score, answers: Mapping[str, Any]) -> ScoreResult | None:
    """The score, or None unless every item is answered (and enabled: pass effective answers)."""
    values = []
    for item in score.items:
        value = answers.get(item)
        if value is None:
            return None
        values.append(value)
    if score.method == "count":
        total: int | float = sum(1 for v in values if v == score.count_answer)
    elif not all(_is_number(v) for v in values):
        return None
    elif score.method == "sum":
        total = sum(values)
    else:
        total = sum(values) / len(values)
    band = score.band_for(total)
    return ScoreResult(score.id, total, band.id if band else None, band.label if band else None)


def evaluate(questionnaire: Questionnaire, answers: Mapping[str, Any]) -> Assessment:
    """Scores, matched rules with reasons, flags and the highest-priority outcome."""
    if not isinstance(answers, Mapping):
        answers = {}
    _, effective = enabled_view(questionnaire, answers)
    context = _Context(questionnaire, effective)
    scores = {
        s.id: result for s in questionnaire.scores if (result := context.score(s.id)) is not None
    }
    matched = tuple(
        MatchedRule(rule.id, rule.outcome, rule.flag, rule.reason)
        for rule in questionnaire.rules
        if condition_holds(rule.when, context)
    )
    outcome = questionnaire.default_outcome
    ranked = [r.outcome for r in matched if r.outcome is not None]
    if ranked:
        outcome = min(ranked, key=questionnaire.outcome_rank)
    flag_ids = {r.flag for r in matched if r.flag is not None}
    flags = tuple(sorted(flag_ids, key=lambda f: questionnaire.flags_by_id[f].urgency))
    urgency = questionnaire.flags_by_id[flags[0]].urgency if flags else None
    return Assessment(outcome, matched, scores, flags, urgency)


def normalize_answers(questionnaire: Questionnaire, answers: Mapping[str, Any]) -> dict[str, Any]:
    """Coerce obvious encodings ("2" for 2, 2 for "2") to the questionnaire's value types.

    Anything that cannot be coerced is left as it is for ``validate_answers`` to report.
    """
    normalized = {}
    for key, value in answers.items():
        question = questionnaire.questions.get(key)
        normalized[key] = _coerce(question, value) if question else value
    return normalized


def _coerce(question: Question, value: Any) -> Any:
    if isinstance(value, list):
        return [_coerce_one(question, v) for v in value] if question.kind == "multi" else value
    return _coerce_one(question, value)


def _coerce_one(question: Question, value: Any) -> Any:
    allowed = question.allowed_values()
    if value in allowed and type(value) in {type(a) for a in allowed}:
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        number = int(value)
        if number in allowed:
            return number
    if isinstance(value, int) and not isinstance(value, bool) and str(value) in allowed:
        return str(value)
    return value


def validate_answers(
    questionnaire: Questionnaire, answers: Any, steps: list[Step] | None = None
) -> list[str]:
    """Problems with an answer set: unknown ids, invalid values, missing required answers.

    With ``steps``, only the questions of those steps are checked for missing answers.
    """
    if not isinstance(answers, Mapping):
        return ["answers must be an object mapping question ids to answers"]
    problems = []
    valid = {}
    for key, value in answers.items():
        question = questionnaire.questions.get(key)
        if question is None:
            problems.append(f'{key}: unknown question "{key}"')
            continue
        problem = answer_problem(question, value)
        if problem:
            problems.append(f"{key}: {problem}")
        else:
            valid[key] = value
    enabled_steps, effective = enabled_view(questionnaire, valid)
    wanted = {s.id for s in steps} if steps is not None else None
    for step in enabled_steps:
        if wanted is not None and step.id not in wanted:
            continue
        for question in enabled_questions(step, effective, questionnaire):
            if question.required and question.id not in answers:
                problems.append(f"{question.id}: an answer is required")
    return problems


def answer_problem(question: Question, value: Any) -> str | None:
    """Why ``value`` is not a valid answer to ``question``, or None when it is."""
    allowed = question.allowed_values()
    if question.kind == "multi":
        if not isinstance(value, list):
            return "expected a list of choices"
        if not value and question.required:
            return "choose at least one option"
        for item in value:
            if not _is_allowed(item, allowed):
                return f'"{item}" is not one of the choices'
        if len(set(map(str, value))) != len(value):
            return "a choice is listed twice"
        exclusive = {c.value for c in question.choices if c.exclusive}
        if len(value) > 1 and exclusive.intersection(value):
            return "that option cannot be combined with others"
        return None
    if isinstance(value, (list, dict)):
        return "expected a single answer"
    if not _is_allowed(value, allowed):
        if question.kind == "scale":
            return f"expected a whole number from {question.min} to {question.max}"
        return f'"{value}" is not one of the choices'
    return None


def _is_allowed(value: Any, allowed: tuple) -> bool:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return False
    return any(value == a and type(value) is type(a) for a in allowed)
