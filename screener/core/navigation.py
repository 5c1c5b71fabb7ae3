"""Where a patient stands in the questionnaire: which steps apply, which are done, what is next.

Pure functions over a Questionnaire and stored answers (no Flask, no database), in the spirit of
formtools' step list: the server decides which step comes next, never the browser.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, Mapping

from screener.core import rules
from screener.core.questionnaire import Question, Questionnaire, Step


@dataclass(frozen=True)
class Journey:
    """The enabled steps for a set of answers, and how far the answers reach."""

    questionnaire: Questionnaire
    steps: tuple[Step, ...]
    answers: dict[str, Any]

    @cached_property
    def _done(self) -> dict[str, bool]:
        return {}

    def is_done(self, step: Step) -> bool:
        """Every required enabled question of ``step`` has a valid answer (worked out when
        first asked: showing a step only needs the steps before it)."""
        done = self._done.get(step.id)
        if done is None:
            done = self._done[step.id] = step_complete(self.questionnaire, step, self.answers)
        return done

    @property
    def first_open(self) -> Step | None:
        """The first enabled step that still needs answers (None when all are done)."""
        return next((s for s in self.steps if not self.is_done(s)), None)

    @property
    def finished(self) -> bool:
        """Every enabled step is answered and valid."""
        return self.first_open is None

    def index(self, step_id: str) -> int | None:
        """The 0-based position of an enabled step, or None when it does not apply."""
        return next((i for i, s in enumerate(self.steps) if s.id == step_id), None)

    def is_reachable(self, step_id: str) -> bool:
        """Enabled, and no unanswered step comes before it."""
        index = self.index(step_id)
        return index is not None and all(self.is_done(s) for s in self.steps[:index])

    def position(self, step_id: str) -> tuple[int, int]:
        """("Step N of M"): M counts every step of the questionnaire, so it never grows within
        a screening (a step an answer adds was counted from the start); N is the step's place
        among them, so a skipped step counts as done."""
        order = [s.id for s in self.questionnaire.steps]
        index = order.index(step_id) if step_id in order else 0
        return index + 1, len(order)

    def previous(self, step_id: str) -> Step | None:
        """The enabled step before this one."""
        index = self.index(step_id)
        return self.steps[index - 1] if index else None

    def following(self, step_id: str) -> Step | None:
        """The enabled step after this one."""
        index = self.index(step_id)
        if index is None or index + 1 >= len(self.steps):
            return None
        return self.steps[index + 1]

    def questions(self, step: Step) -> list[Question]:
        """The questions of ``step`` that apply to these answers."""
        return rules.enabled_questions(step, self.answers, self.questionnaire)

    def crisis_page_due(self, step: Step) -> bool:
        """True when the step's ``crisis_page_when`` holds for these answers."""
        if step.crisis_page_when is None or self.index(step.id) is None:
            return False
        return rules.condition_holds(self.questionnaire, step.crisis_page_when, self.answers)


def journey(questionnaire: Questionnaire, answers: Mapping[str, Any]) -> Journey:
    """The journey for stored answers (answers to disabled questions do not count)."""
    steps, effective = rules.enabled_view(questionnaire, answers)
    return Journey(questionnaire, tuple(steps), effective)


def step_complete(questionnaire: Questionnaire, step: Step, effective: Mapping[str, Any]) -> bool:
    """Every required enabled question of ``step`` has a valid answer."""
    for question in rules.enabled_questions(step, effective, questionnaire):
        value = effective.get(question.id)
        if value is None or value == []:
            if question.required:
                return False
        elif rules.answer_problem(question, value) is not None:
            return False
    return True


def merge_step(
    questionnaire: Questionnaire, answers: Mapping[str, Any], step: Step,
    step_answers: Mapping[str, Any], replace: bool = True,
) -> dict[str, Any]:
    """Stored answers with this step's answers put in, then pruned by skip logic.

    ``replace`` drops the step's earlier answers first (Continue); without it the new answers
    are laid over the old ones (Back keeps everything). Answers to questions that skip logic
    now disables are dropped, so changing an earlier answer re-computes what applies.
    """
    own = {q.id for q in step.questions}
    merged = {k: v for k, v in answers.items() if not (replace and k in own)}
    merged.update(step_answers)
    _, effective = rules.enabled_view(questionnaire, merged)
    return effective
