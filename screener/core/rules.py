"""Skip logic, instrument scoring and outcome rules: pure functions over a Questionnaire.

``evaluate(questionnaire, answers)`` is deterministic and never raises for any mapping of
answers. Only valid answers to enabled questions count: answers to questions that skip logic
disables are ignored, and so are values that are not valid answers to their question even after
reading obvious encodings the way ``normalize_answers`` does ("2" for 2).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any, Mapping

from screener.core.questionnaire import (AllOf, AnyOf, Condition, NotOf, Question, Questionnaire,
                                        Score, Step)

_NUMBERS = (int, float)  # exact types: True is not a number here


@dataclass(frozen=True)
class ScoreResult:
    """One computed score of a screening and the band it falls in."""

    id: str
    value: int | float
    band: str | None
    band_label: str | None

    def display(self, decimals: int = 0) -> str:
        """The value as shown to people (PEG: one decimal)."""
        return f"{self.value:.{decimals}f}" if decimals else str(self.value)


@dataclass(frozen=True)
class MatchedRule:
    """A rule whose condition held, with the reason people read."""

    id: str
    outcome: str | None
    flag: str | None
    reason: str


@dataclass(frozen=True)
class Assessment:
    """What ``evaluate`` concludes from one set of answers: outcome, rules, scores, flags."""

    outcome: str
    rules: tuple[MatchedRule, ...]
    scores: dict[str, ScoreResult]
    flags: tuple[str, ...]
    # Of the most urgent flag (1 most); None when no flag has one. Whether it counts as urgent
    # is ``Questionnaire.is_urgent``; a submission's, with a taken-back answer, is
    # ``presentation.submission_urgency``.
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


# --- conditions (what each means: questionnaire/evaluation.py) ----------------------------------

def condition_holds(
    questionnaire: Questionnaire, condition: Condition, answers: Mapping[str, Any]
) -> bool:
    """Whether ``condition`` holds for ``answers`` (pass effective answers, see enabled_view)."""
    return condition.holds(answers, partial(_score_value, questionnaire, answers))


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
    for step in questionnaire.steps:
        if step.enable_when is not None and not step.enable_when.holds(effective, score):
            continue
        steps.append(step)
        for question in step.questions:
            if question.enable_when is not None and not question.enable_when.holds(effective,
                                                                                  score):
                continue
            value = answers.get(question.id)
            if question.accepts(value):
                effective[question.id] = value
            elif value is not None:
                # A crisis answer must not be lost to an encoding detail such as "2" for 2.
                value = question.kind_spec.coerce(question, value)
                if question.accepts(value):
                    effective[question.id] = value
    return steps, effective


def enabled_questions(step: Step, effective: Mapping[str, Any], questionnaire) -> list[Question]:
    """The questions of ``step`` that apply, given the effective answers of earlier steps."""
    score = partial(_score_value, questionnaire, effective)
    return [
        q for q in step.questions
        if q.enable_when is None or q.enable_when.holds(effective, score)
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
    _, effective = enabled_view(questionnaire, answers)
    scores = {}
    for score in questionnaire.scores:
        result = compute_score(score, effective)
        if result is not None:
            scores[score.id] = result

    def score_value(score_id: str) -> int | float | None:
        result = scores.get(score_id)
        return None if result is None else result.value

    matched = tuple(MatchedRule(rule.id, rule.outcome, rule.flag, rule.reason)
                    for rule in questionnaire.rules if rule.when.holds(effective, score_value))
    ranked = [rule.outcome for rule in matched if rule.outcome is not None]
    outcome = min(ranked, key=questionnaire.outcome_rank) if ranked else (
        questionnaire.default_outcome)
    flags_by_id = questionnaire.flags_by_id
    # Flags with an urgency first, most urgent first; then those only shown (1.1.0 past_attempt).
    flags = tuple(sorted(
        {rule.flag for rule in matched if rule.flag is not None},
        key=lambda flag: (not flags_by_id[flag].urgent, flags_by_id[flag].urgency or 0, flag),
    ))
    urgencies = [flags_by_id[flag].urgency for flag in flags if flags_by_id[flag].urgent]
    urgency = min(urgencies) if urgencies else None
    return Assessment(outcome, matched, scores, flags, urgency)


# --- input handling -----------------------------------------------------------------------------

def normalize_answers(questionnaire: Questionnaire, answers: Mapping[str, Any]) -> dict[str, Any]:
    """Coerce obvious encodings ("2" for 2, 2 for "2", 2.0 for 2); null means unanswered.

    Anything that cannot be coerced is left as it is for ``validate_answers`` to report.
    """
    if not isinstance(answers, Mapping):
        return answers
    questions = questionnaire.questions
    normalized = {}
    for key, value in answers.items():
        if value is None:
            continue
        question = questions.get(key)
        valid = question is None or question.accepts(value)
        normalized[key] = value if valid else question.kind_spec.coerce(question, value)
    return normalized


def validate_answers(
    questionnaire: Questionnaire, answers: Any, steps: list[Step] | None = None
) -> list[str]:
    """Problems with an answer set: unknown ids, invalid values, answers to questions that skip
    logic hides, missing required answers (a follow-up whose parent is yes included).

    With ``steps``, only the questions of those steps are checked for missing answers.
    """
    if not isinstance(answers, Mapping):
        return ["answers must be an object mapping question ids to answers"]
    questions = questionnaire.questions
    enabled_steps, effective = enabled_view(questionnaire, answers)
    asked = {question.id for step in enabled_steps
             for question in enabled_questions(step, effective, questionnaire)}
    problems = []
    for key, value in answers.items():
        question = questions.get(key)
        if question is None:
            problems.append(f"{key}: not in questionnaire {questionnaire.version}")
        elif not question.accepts(value):
            problems.append(f"{key}: {answer_problem(question, value)}")
        elif key not in asked and _gates_decided(questionnaire, question, effective):
            # A hidden question's answer never counts: accepting it would hide a typo in the
            # answers it depends on (a follow-up given while its parent is "no"). When a gating
            # answer is itself missing or invalid, that is the one problem reported.
            problems.append(f"{key}: not asked when the answers before it are as given")
    wanted = {s.id for s in steps} if steps is not None else None
    for step in enabled_steps:
        if wanted is not None and step.id not in wanted:
            continue
        for question in enabled_questions(step, effective, questionnaire):
            if question.required and question.id not in answers:
                problems.append(f"{question.id}: an answer is required")
    return problems


def _gates_decided(questionnaire: Questionnaire, question: Question,
                   effective: Mapping[str, Any]) -> bool:
    """Every answer the skip logic of ``question`` (its step's and its own) reads is given."""
    step = questionnaire.steps_by_id[question.step_id]
    names = set(_named(step.enable_when, questionnaire)) | set(
        _named(question.enable_when, questionnaire))
    return names <= set(effective)


def _named(condition: Condition | None, questionnaire: Questionnaire):
    """The question ids a condition reads (a score's items included)."""
    if condition is None:
        return
    if isinstance(condition, (AllOf, AnyOf)):
        for part in condition.conditions:
            yield from _named(part, questionnaire)
    elif isinstance(condition, NotOf):
        yield from _named(condition.condition, questionnaire)
    elif condition.source == "score":
        score = questionnaire.scores_by_id.get(condition.ref)
        yield from score.items if score is not None else ()
    else:
        yield condition.ref


def answer_problem(question: Question, value: Any) -> str | None:
    """Why ``value`` is not a valid answer to ``question``, or None when it is."""
    return question.kind_spec.problem(question, value)
