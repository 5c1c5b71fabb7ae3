"""The answers of a stored screening that counted: those to questions skip logic enabled.

The wizard drops answers that skip logic disables whenever it saves a step
(``navigation.merge_step``), so a screening it stored holds only enabled answers. Exports still
filter rather than trust every stored row to have been written that way, and give exactly what
``rules.enabled_view`` gives. This filter does so for stored, validated answer sets at a fraction
of the cost, which matters at 100,000 rows: only the gated steps and questions are looked at, and
only when the row answered them.
"""

from __future__ import annotations

from typing import Any, Mapping

from screener.core.questionnaire import Condition, Questionnaire
from screener.core.rules import condition_holds


class AnswerFilter:
    """Callable: stored answers → the answers to enabled questions, in questionnaire terms."""

    def __init__(self, questionnaire: Questionnaire):
        self.questionnaire = questionnaire
        # (condition, the question ids it gates), in questionnaire order: a condition only looks
        # back, so by the time a gate is tested every answer it reads has been settled.
        self.gates: list[tuple[Condition, frozenset[str]]] = []
        for step in questionnaire.steps:
            if step.enable_when is not None:
                self.gates.append((step.enable_when, frozenset(q.id for q in step.questions)))
            for question in step.questions:
                if question.enable_when is not None:
                    self.gates.append((question.enable_when, frozenset((question.id,))))
        self.gated = frozenset().union(*(ids for _, ids in self.gates))
        self.known = frozenset(questionnaire.questions)

    def __call__(self, answers: Mapping[str, Any] | None) -> Mapping[str, Any]:
        if not answers:
            return {}
        if self.gated.isdisjoint(answers) and self.known.issuperset(answers):
            return answers
        effective = {key: value for key, value in answers.items() if key in self.known}
        for condition, ids in self.gates:
            if not ids.isdisjoint(effective) and not condition_holds(
                    self.questionnaire, condition, effective):
                for question_id in ids:
                    effective.pop(question_id, None)
        return effective
