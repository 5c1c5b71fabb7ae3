"""Building the steps of a questionnaire: choice sets, steps, their stems and questions.
Part of the loader (``Builder`` extends ``StepChecks``); what each kind takes is in ``kinds``.
"""

from __future__ import annotations

from typing import Any

from screener.core.questionnaire.kinds import QUESTION_KINDS, QuestionKind
from screener.core.questionnaire.sections import SectionChecks
from screener.core.questionnaire.types import RESERVED_STEP_IDS, Choice, Question, Step

_STEP_KEYS = {
    "id": True, "title": True, "questions": True, "intro": False, "stem": False, "notice": False,
    "instrument": False, "code": False, "enable_when": False, "show_crisis_resources": False,
    "crisis_page_when": False, "crisis_page_title": False, "crisis_page_text": False,
    "stems": False,
}
_QUESTION_KEYS = {
    "id": True, "kind": True, "text": True, "required": False, "choices": False, "min": False,
    "max": False, "anchors": False, "help": False, "code": False, "enable_when": False,
    "instrument": False, "added_in": False,
}
_CHOICE_KEYS = {"value": True, "label": True, "code": False, "exclusive": False}
_MAX_SCALE_SPAN = 100  # a scale is a row of choices: 0-10 numeric rating, at most 0-100


class StepChecks(SectionChecks):
    """The loader's builders for steps and questions (questions are registered as built)."""

    def __init__(self) -> None:
        super().__init__()
        self.choice_sets: dict[str, tuple[Choice, ...]] = {}

    def build_choice_sets(self, value: Any) -> None:
        if not isinstance(value, dict):
            self.problem("choice_sets", "expected a mapping of name to a list of choices")
            return
        for name, choices in value.items():
            self.choice_sets[str(name)] = self.build_choices(choices, f"choice_sets.{name}")

    def build_choices(self, value: Any, path: str) -> tuple[Choice, ...]:
        if not isinstance(value, list) or not value:
            self.problem(path, "expected a non-empty list of choices")
            return ()
        choices, seen = [], set()
        for cpath, data in self.mappings(value, path, _CHOICE_KEYS):
            if "value" not in data:
                continue
            choice_value = data["value"]
            if isinstance(choice_value, bool) or not isinstance(choice_value, (str, int)):
                self.problem(f"{cpath}.value", "expected text or a whole number")
                continue
            if choice_value in seen:
                self.problem(f"{cpath}.value", f'duplicate value "{choice_value}"')
            seen.add(choice_value)
            choices.append(Choice(
                value=choice_value, label=self.text(data, "label", cpath) or str(choice_value),
                code=self.coding(data.get("code"), f"{cpath}.code"),
                exclusive=self.boolean(data, "exclusive", cpath),
            ))
        return tuple(choices)

    def build_steps(self, raw_steps: list) -> list[Step]:
        steps, step_ids, question_ids = [], set(), set()
        if not raw_steps:
            self.problem("steps", "at least one step is required")
        for path, data in self.mappings(raw_steps, "steps", _STEP_KEYS):
            steps.append(self.build_step(data, path, step_ids, question_ids))
        return steps

    def build_step(self, data: dict, path: str, step_ids: set, question_ids: set) -> Step:
        step_id = self.identifier(data, path, step_ids)
        if step_id in RESERVED_STEP_IDS:
            self.problem(f"{path}.id", f'"{step_id}" is reserved for a page of the wizard')
        raw_questions = self.items(data, "questions", path)
        if "questions" in data and not raw_questions:
            self.problem(f"{path}.questions", "a step needs at least one question")
        # A step's condition decides whether its questions are asked: it may not look at them.
        own_ids = tuple(
            q["id"] for q in raw_questions if isinstance(q, dict) and isinstance(q.get("id"), str)
        )
        enable_when = self.condition(data.get("enable_when"), f"{path}.enable_when",
                                     controls=own_ids)
        questions = []
        for q_index, raw_q in enumerate(raw_questions):
            question = self.build_question(
                raw_q, f"{path}.questions[{q_index}]", step_id, question_ids)
            if question is not None:
                questions.append(question)
        # Checked after the step's own questions are answered: it decides what follows the step.
        crisis_when = self.condition(data.get("crisis_page_when"), f"{path}.crisis_page_when",
                                     controls=())
        return Step(
            id=step_id, title=self.text(data, "title", path) or "", questions=tuple(questions),
            intro=self.text(data, "intro", path), stem=self.text(data, "stem", path),
            notice=self.text(data, "notice", path),
            instrument=self.text(data, "instrument", path),
            code=self.coding(data.get("code"), f"{path}.code"), enable_when=enable_when,
            show_crisis_resources=self.boolean(data, "show_crisis_resources", path),
            crisis_page_when=crisis_when,
            crisis_page_title=self.text(data, "crisis_page_title", path),
            stems=self.build_stems(data, path, [q.id for q in questions]),
            crisis_page_text=self.text(data, "crisis_page_text", path),
        )

    def build_stems(self, data: dict, path: str,
                    step_questions: list[str]) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """``stems``: each a text over a run of the step's questions, in order, none shared."""
        stems, used = [], set()
        for index, raw in enumerate(self.items(data, "stems", path)):
            where = f"{path}.stems[{index}]"
            entry = self.mapping(raw, where, {"text": True, "questions": True})
            if entry is None or "questions" not in entry:
                continue  # the mapping check has said what is missing
            text = self.text(entry, "text", where)
            ids = entry.get("questions")
            if not isinstance(ids, list) or not ids:
                self.problem(f"{where}.questions", "expected a list of question ids")
                continue
            unknown = [q for q in ids if q not in step_questions]
            if unknown:
                self.problem(f"{where}.questions", f"not questions of this step: {unknown}")
                continue
            positions = [step_questions.index(q) for q in ids]
            if positions != list(range(positions[0], positions[0] + len(ids))) or used & set(ids):
                self.problem(f"{where}.questions",
                             "expected a run of the step's questions, in order, in one stem")
                continue
            used |= set(ids)
            if text:
                stems.append((text, tuple(ids)))
        return tuple(stems)

    def build_question(
        self, raw: Any, path: str, step_id: str, seen: set[str]
    ) -> Question | None:
        data = self.mapping(raw, path, _QUESTION_KEYS)
        if data is None:
            return None
        question_id = self.identifier(data, path, seen)
        kind = data.get("kind")
        spec = QUESTION_KINDS.get(kind) if isinstance(kind, str) else None
        if "kind" in data and spec is None:
            self.problem(f"{path}.kind", f'unknown question kind "{kind}" '
                         f"(known: {', '.join(QUESTION_KINDS)})")
        choices = self.question_choices(data, spec, path)
        low, high = self.scale_range(data, spec, path)
        anchors = self.build_anchors(data.get("anchors"), f"{path}.anchors")
        # Parsed before the question is registered: a question cannot depend on itself.
        enable_when = self.condition(data.get("enable_when"), f"{path}.enable_when",
                                     controls=(question_id,))
        question = Question(
            id=question_id, kind=str(kind), text=self.text(data, "text", path) or "",
            step_id=step_id, required=self.boolean(data, "required", path, True),
            choices=choices, min=low, max=high, anchors=anchors,
            help=self.text(data, "help", path), code=self.coding(data.get("code"), f"{path}.code"),
            enable_when=enable_when, instrument=self.text(data, "instrument", path),
            added_in=self.version_text(data, "added_in", path),
            values=spec.values(choices, low, high) if spec else (),
            exclusive_values=tuple(choice.value for choice in choices if choice.exclusive),
        )
        self.questions.setdefault(question_id, question)
        return question

    def question_choices(self, data: dict, spec: QuestionKind | None,
                         path: str) -> tuple[Choice, ...]:
        raw = data.get("choices")
        if spec is None:
            return ()
        if not spec.from_choices:
            if raw is not None:
                self.problem(f"{path}.choices", "a scale question takes min and max, not choices")
            return ()
        if isinstance(raw, str):
            if raw not in self.choice_sets:
                self.problem(f"{path}.choices", f'unknown choice set "{raw}"')
            return self.choice_sets.get(raw, ())
        choices = self.build_choices(raw, f"{path}.choices")
        if not spec.multiple and any(c.exclusive for c in choices):
            self.problem(f"{path}.choices", "exclusive applies to multi questions only")
        return choices

    def scale_range(self, data: dict, spec: QuestionKind | None,
                    path: str) -> tuple[int | None, int | None]:
        """``min`` and ``max`` of a kind whose values are whole numbers (scale)."""
        if spec is None or spec.from_choices:
            for key in ("min", "max"):
                if key in data:
                    self.problem(f"{path}.{key}", "only a scale question takes min and max")
            return None, None
        bounds = []
        for key in ("min", "max"):
            value = data.get(key)
            if not isinstance(value, int) or isinstance(value, bool):
                self.problem(f"{path}.{key}", "a scale question needs a whole number")
            bounds.append(value if isinstance(value, int) and not isinstance(value, bool) else None)
        low, high = bounds
        if low is not None and high is not None and not 0 < high - low <= _MAX_SCALE_SPAN:
            self.problem(path, f"min must be less than max, by at most {_MAX_SCALE_SPAN}")
            return None, None
        return low, high

    def build_anchors(self, value: Any, path: str) -> tuple[tuple[int, str], ...]:
        if value is None:
            return ()
        if not isinstance(value, dict) or not all(
            isinstance(k, int) and not isinstance(k, bool) and isinstance(v, str)
            for k, v in value.items()
        ):
            self.problem(path, "expected a mapping of whole numbers to labels")
            return ()
        return tuple(sorted((k, v.strip()) for k, v in value.items()))

