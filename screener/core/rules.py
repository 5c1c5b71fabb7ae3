"""Skip logic, instrument scoring and outcome rules: pure functions over a Questionnaire.

``evaluate(questionnaire, answers)`` is deterministic and never raises for any mapping of
answers. Only valid answers to enabled questions count: answers to questions that skip logic
disables are ignored, and so are values that are not valid answers to their question even after
reading obvious encodings the way ``normalize_answers`` does ("2" for 2).
"""

from __future__ import annotations

import operator as op
import re
import weakref
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Callable, Mapping

from screener.core.questionnaire import AllOf, AnyOf, Condition, Question, Questionnaire, Rule, Score, Step

_ORDERING = {">": op.gt, "<": op.lt, ">=": op.ge, "<=": op.le}
_WHOLE_NUMBER = re.compile(r"-?[0-9]{1,9}")  # bounded: int() of a huge string is slow
_SCALARS = (str, int)  # exact types: True is not 1, and 2.0 is not the answer 2
_NUMBERS = (int, float)  # exact types: True is not a number here


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
        """Every matched rule id, sorted."""
        return sorted(rule.id for rule in self.rules)

    def to_dict(self) -> dict[str, Any]:
        """The compact, JSON-ready form printed by ``flask evaluate``."""
        return {
            "outcome": self.outcome,
            "rules": self.rule_ids,
            "flags": list(self.flags),
            "scores": {
                sid: {"value": s.value, "band": s.band} for sid, s in self.scores.items()
            },
        }


# --- conditions, compiled once per questionnaire into plain functions ---------------------------

ScoreLookup = Callable[[str], "int | float | None"]
Test = Callable[[Mapping[str, Any], ScoreLookup], bool]


def _compile(condition: Condition) -> Test:
    """A function of (answers, score lookup) that tells whether ``condition`` holds."""
    if isinstance(condition, (AllOf, AnyOf)):
        parts = tuple(_compile(c) for c in condition.conditions)
        combine = all if isinstance(condition, AllOf) else any
        return lambda answers, score: combine(part(answers, score) for part in parts)
    compare = _comparison(condition.operator, condition.answer)
    ref = condition.ref
    if condition.source == "score":
        return lambda answers, score: compare(score(ref))
    return lambda answers, score: compare(answers.get(ref))


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


@dataclass(frozen=True)
class _QuestionPlan:
    id: str
    question: Question
    test: Test | None
    accepts: Callable[[Any], bool]


@dataclass(frozen=True)
class _StepPlan:
    step: Step
    test: Test | None
    questions: tuple[_QuestionPlan, ...]


@dataclass(frozen=True)
class _Plan:
    steps: tuple[_StepPlan, ...]
    questions: dict[str, _QuestionPlan]
    rules: tuple[tuple[MatchedRule, Test], ...]
    outcome_rank: dict[str, int]
    urgency: dict[str, int]
    # Other conditions (crisis_page_when, export gates), compiled when first asked: id -> (the
    # condition itself, so a reused id is never mistaken for it; its test).
    others: dict[int, tuple[Condition, Test]] = field(default_factory=dict)


_PLANS: weakref.WeakKeyDictionary[Questionnaire, _Plan] = weakref.WeakKeyDictionary()


def _plan(questionnaire: Questionnaire) -> _Plan:
    """The questionnaire's conditions and answer checks, compiled on first use."""
    plan = _PLANS.get(questionnaire)
    if plan is None:
        plan = _PLANS[questionnaire] = _compile_plan(questionnaire)
    return plan


def _compile_plan(questionnaire: Questionnaire) -> _Plan:
    steps = tuple(
        _StepPlan(step, _compile_optional(step.enable_when), tuple(
            _QuestionPlan(q.id, q, _compile_optional(q.enable_when), _acceptor(q))
            for q in step.questions
        ))
        for step in questionnaire.steps
    )
    return _Plan(
        steps=steps,
        questions={qp.id: qp for sp in steps for qp in sp.questions},
        rules=tuple((_matched(rule), _compile(rule.when)) for rule in questionnaire.rules),
        outcome_rank={o.id: rank for rank, o in enumerate(questionnaire.outcomes)},
        urgency={f.id: f.urgency for f in questionnaire.flags},
    )


def _compile_optional(condition: Condition | None) -> Test | None:
    return None if condition is None else _compile(condition)


def _matched(rule: Rule) -> MatchedRule:
    return MatchedRule(rule.id, rule.outcome, rule.flag, rule.reason)


def _acceptor(question: Question) -> Callable[[Any], bool]:
    """A fast ``answer_problem(question, value) is None``."""
    if question.kind == "multi":
        return lambda value: type(value) is list and answer_problem(question, value) is None
    allowed = frozenset((type(v), v) for v in question.allowed_values())
    return lambda value: type(value) in _SCALARS and (type(value), value) in allowed


def condition_holds(
    questionnaire: Questionnaire, condition: Condition, answers: Mapping[str, Any]
) -> bool:
    """Whether ``condition`` holds for ``answers`` (pass effective answers, see enabled_view)."""
    compiled = _plan(questionnaire).others
    entry = compiled.get(id(condition))
    if entry is None or entry[0] is not condition:
        entry = compiled[id(condition)] = (condition, _compile(condition))
    return entry[1](answers, partial(_score_value, questionnaire, answers))


def _score_value(
    questionnaire: Questionnaire, answers: Mapping[str, Any], score_id: str
) -> int | float | None:
    score = questionnaire.scores_by_id.get(score_id)
    result = compute_score(score, answers) if score is not None else None
    return None if result is None else result.value


# --- skip logic, scores, outcome ----------------------------------------------------------------

def enabled_view(
    questionnaire: Questionnaire, answers: Mapping[str, Any]
) -> tuple[list[Step], dict[str, Any]]:
    """The steps that apply to these answers, and the valid answers to enabled questions."""
    if not isinstance(answers, Mapping):
        answers = {}
    effective: dict[str, Any] = {}
    # Not cached: a score a condition looks at is complete once its (earlier) items are in.
    score = partial(_score_value, questionnaire, effective)
    steps = []
    for step in _plan(questionnaire).steps:
        if step.test is not None and not step.test(effective, score):
            continue
        steps.append(step.step)
        for question in step.questions:
            if question.test is not None and not question.test(effective, score):
                continue
            value = answers.get(question.id)
            if question.accepts(value):
                effective[question.id] = value
            elif value is not None:
                # A crisis answer must not be lost to an encoding detail such as "2" for 2.
                value = _coerce(question.question, value)
                if question.accepts(value):
                    effective[question.id] = value
    return steps, effective


def enabled_questions(step: Step, effective: Mapping[str, Any], questionnaire) -> list[Question]:
    """The questions of ``step`` that apply, given the effective answers of earlier steps."""
    plans = _plan(questionnaire).questions
    score = partial(_score_value, questionnaire, effective)
    return [
        q for q in step.questions
        if (test := plans[q.id].test) is None or test(effective, score)
    ]


def compute_score(score: Score, answers: Mapping[str, Any]) -> ScoreResult | None:
    """The score, or None unless every item is answered (and enabled: pass effective answers)."""
    values = [answers.get(item) for item in score.items]
    if None in values:
        return None
    if score.method == "count":
        total: int | float = sum(1 for v in values if v == score.count_answer)
    elif not all(type(v) in _NUMBERS for v in values):
        return None
    elif score.method == "sum":
        total = sum(values)
    else:
        total = sum(values) / len(values)
    band = score.band_for(total)
    return ScoreResult(score.id, total, band.id if band else None, band.label if band else None)


def evaluate(questionnaire: Questionnaire, answers: Mapping[str, Any]) -> Assessment:
    """Scores, matched rules with reasons, flags and the highest-priority outcome."""
    plan = _plan(questionnaire)
    _, effective = enabled_view(questionnaire, answers)
    scores = {}
    for score in questionnaire.scores:
        result = compute_score(score, effective)
        if result is not None:
            scores[score.id] = result

    def score_value(score_id: str) -> int | float | None:
        result = scores.get(score_id)
        return None if result is None else result.value

    matched = tuple(rule for rule, test in plan.rules if test(effective, score_value))
    ranked = [rule.outcome for rule in matched if rule.outcome is not None]
    outcome = min(ranked, key=plan.outcome_rank.__getitem__) if ranked else (
        questionnaire.default_outcome)
    flags = tuple(sorted(
        {rule.flag for rule in matched if rule.flag is not None},
        key=lambda flag: (plan.urgency[flag], flag),
    ))
    urgency = plan.urgency[flags[0]] if flags else None
    return Assessment(outcome, matched, scores, flags, urgency)


# --- input handling -----------------------------------------------------------------------------

def normalize_answers(questionnaire: Questionnaire, answers: Mapping[str, Any]) -> dict[str, Any]:
    """Coerce obvious encodings ("2" for 2, 2 for "2", 2.0 for 2); null means unanswered.

    Anything that cannot be coerced is left as it is for ``validate_answers`` to report.
    """
    if not isinstance(answers, Mapping):
        return answers
    plans = _plan(questionnaire).questions
    normalized = {}
    for key, value in answers.items():
        if value is None:
            continue
        plan = plans.get(key)
        valid = plan is None or plan.accepts(value)
        normalized[key] = value if valid else _coerce(plan.question, value)
    return normalized


def _coerce(question: Question, value: Any) -> Any:
    if isinstance(value, list):
        return [_coerce_one(question, v) for v in value] if question.kind == "multi" else value
    return _coerce_one(question, value)


def _coerce_one(question: Question, value: Any) -> Any:
    allowed = question.allowed_values()
    if _is_allowed(value, allowed):
        return value
    if isinstance(value, str) and _WHOLE_NUMBER.fullmatch(value.strip()):
        number = int(value)
        return number if number in allowed else value
    if isinstance(value, float) and value.is_integer() and int(value) in allowed:
        return int(value)
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
    plans = _plan(questionnaire).questions
    problems = []
    for key, value in answers.items():
        plan = plans.get(key)
        if plan is None:
            problems.append(f'{key}: unknown question "{key}"')
        elif not plan.accepts(value):
            problems.append(f"{key}: {answer_problem(plan.question, value)}")
    enabled_steps, effective = enabled_view(questionnaire, answers)
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
        return _multi_problem(question, value, allowed)
    if isinstance(value, (list, dict)):
        return "expected a single answer"
    if not _is_allowed(value, allowed):
        if question.kind == "scale":
            return f"expected a whole number from {question.min} to {question.max}"
        return f'"{value}" is not one of the choices'
    return None


def _multi_problem(question: Question, value: Any, allowed: tuple) -> str | None:
    if not isinstance(value, list):
        return "expected a list of choices"
    if not value and question.required:
        return "choose at least one option"
    for item in value:
        if not _is_allowed(item, allowed):
            return f'"{item}" is not one of the choices'
    if len(set(value)) != len(value):
        return "a choice is listed twice"
    exclusive = [c.value for c in question.choices if c.exclusive and c.value in value]
    if exclusive and len(value) > 1:
        return f'"{exclusive[0]}" cannot be combined with other choices'
    return None


def _is_allowed(value: Any, allowed: tuple) -> bool:
    if type(value) not in _SCALARS:
        return False
    return any(value == a and type(value) is type(a) for a in allowed)
