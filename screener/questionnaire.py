"""Load ``questions.yaml`` into frozen, typed objects and validate it.

Pure Python: imports neither Flask nor SQLAlchemy. Every problem found is reported at once, each
with the YAML path where it stands (``steps[2].questions[4].choices[1].value: ...``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

import yaml

OPERATORS = ("exists", "=", "!=", ">", "<", ">=", "<=")
QUESTION_KINDS = ("single", "multi", "scale")
SCORE_METHODS = ("sum", "mean", "count")
RESERVED_STEP_IDS = ("review", "result", "send", "sent", "crisis", "start", "restart")

AnswerValue = Union[str, int, list]


class QuestionnaireError(ValueError):
    """The questionnaire file is invalid; ``problems`` lists every problem with its YAML path."""

    def __init__(self, problems: list[str], source: str = "questionnaire"):
        self.problems = problems
        super().__init__(f"{source}: {len(problems)} problem(s):\n" + "\n".join(problems))


@dataclass(frozen=True)
class Coding:
    system: str
    code: str
    display: str | None = None


@dataclass(frozen=True)
class Choice:
    value: str | int
    label: str
    code: Coding | None = None
    exclusive: bool = False


@dataclass(frozen=True)
class Comparison:
    """``{question|score: ref, operator: op, answer: value}``."""

    source: str  # "question" or "score"
    ref: str
    operator: str
    answer: Any


@dataclass(frozen=True)
class AllOf:
    conditions: tuple[Condition, ...]


@dataclass(frozen=True)
class AnyOf:
    conditions: tuple[Condition, ...]


Condition = Union[Comparison, AllOf, AnyOf]


@dataclass(frozen=True)
class Question:
    id: str
    kind: str
    text: str
    step_id: str
    required: bool = True
    choices: tuple[Choice, ...] = ()
    min: int | None = None
    max: int | None = None
    anchors: tuple[tuple[int, str], ...] = ()
    help: str | None = None
    code: Coding | None = None
    enable_when: Condition | None = None

    def allowed_values(self) -> tuple[str | int, ...]:
        """Every value an answer (or, for multi, each selected item) may take."""
        if self.kind == "scale":
            return tuple(range(self.min, self.max + 1))
        return tuple(choice.value for choice in self.choices)

    def label_for(self, value: Any) -> str:
        """The human label of one stored value (the value itself when unknown)."""
        if isinstance(value, list):
            return "; ".join(self.label_for(item) for item in value)
        for choice in self.choices:
            if choice.value == value:
                return choice.label
        anchors = dict(self.anchors)
        if value in anchors:
            return f"{value} ({anchors[value]})"
        return str(value)


@dataclass(frozen=True)
class Step:
    id: str
    title: str
    questions: tuple[Question, ...]
    intro: str | None = None
    stem: str | None = None
    notice: str | None = None
    instrument: str | None = None
    code: Coding | None = None
    enable_when: Condition | None = None
    show_crisis_resources: bool = False
    crisis_page_when: Condition | None = None


@dataclass(frozen=True)
class Band:
    id: str
    label: str
    min: float
    max: float


@dataclass(frozen=True)
class Score:
    id: str
    title: str
    method: str
    items: tuple[str, ...]
    min: float
    max: float
    bands: tuple[Band, ...] = ()
    decimals: int = 0
    count_answer: Any = None
    code: Coding | None = None

    def band_for(self, value: float) -> Band | None:
        """The band holding ``value``, or None when the score has no bands."""
        for band in self.bands:
            if band.min <= value <= band.max:
                return band
        return None


@dataclass(frozen=True)
class Outcome:
    id: str
    title: str
    explanation: str
    show_crisis_resources: bool = False


@dataclass(frozen=True)
class Flag:
    id: str
    label: str
    urgency: int


@dataclass(frozen=True)
class Rule:
    id: str
    when: Condition
    reason: str
    outcome: str | None = None
    flag: str | None = None


@dataclass(frozen=True)
class CrisisResource:
    text: str
    href: str | None = None
    link_text: str | None = None


@dataclass(frozen=True)
class Questionnaire:
    id: str
    version: str
    title: str
    steps: tuple[Step, ...]
    scores: tuple[Score, ...]
    outcomes: tuple[Outcome, ...]
    default_outcome: str
    rules: tuple[Rule, ...]
    flags: tuple[Flag, ...]
    crisis_title: str
    crisis_resources: tuple[CrisisResource, ...]
    texts: dict[str, str]
    url: str | None = None
    publisher: str | None = None
    copyright: str | None = None
    source_sha256: str = ""
    questions: dict[str, Question] = field(default_factory=dict, compare=False)
    steps_by_id: dict[str, Step] = field(default_factory=dict, compare=False)
    scores_by_id: dict[str, Score] = field(default_factory=dict, compare=False)
    outcomes_by_id: dict[str, Outcome] = field(default_factory=dict, compare=False)
    flags_by_id: dict[str, Flag] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        # Lookup tables derived from the tuples; frozen, so set through object.__setattr__.
        object.__setattr__(self, "steps_by_id", {s.id: s for s in self.steps})
        object.__setattr__(
            self, "questions", {q.id: q for s in self.steps for q in s.questions}
        )
        object.__setattr__(self, "scores_by_id", {s.id: s for s in self.scores})
        object.__setattr__(self, "outcomes_by_id", {o.id: o for o in self.outcomes})
        object.__setattr__(self, "flags_by_id", {f.id: f for f in self.flags})

    def outcome_rank(self, outcome_id: str) -> int:
        """0 for the highest-priority outcome."""
        return [o.id for o in self.outcomes].index(outcome_id)

    def summary(self) -> str:
        """One line: id, version and counts."""
        return (
            f"questionnaire {self.id} {self.version}: {len(self.steps)} steps, "
            f"{len(self.questions)} questions, {len(self.scores)} scores, {len(self.rules)} rules"
        )


def load(path: str | Path) -> Questionnaire:
    """Read and validate a questionnaire file; raise QuestionnaireError listing every problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise QuestionnaireError([f"cannot read file: {exc.strerror}"], str(path)) from None
    return loads(text, source=str(path))


def loads(text: str, source: str = "questionnaire") -> Questionnaire:
    """Parse and validate questionnaire YAML text."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise QuestionnaireError([f"not valid YAML: {exc}"], source) from None
    builder = _Builder(hashlib.sha256(text.encode("utf-8")).hexdigest())
    questionnaire = builder.build(data)
    if builder.problems:
        raise QuestionnaireError(builder.problems, source)
    return questionnaire


# --- building and validation ------------------------------------------------------------------

_TOP_KEYS = {
    "id": True, "version": True, "title": True, "url": False, "publisher": False,
    "copyright": False, "choice_sets": False, "steps": True, "scores": False, "outcomes": True,
    "default_outcome": True, "flags": False, "rules": True, "crisis_resources": True,
    "texts": True,
}
_STEP_KEYS = {
    "id": True, "title": True, "questions": True, "intro": False, "stem": False, "notice": False,
    "instrument": False, "code": False, "enable_when": False, "show_crisis_resources": False,
    "crisis_page_when": False,
}
_QUESTION_KEYS = {
    "id": True, "kind": True, "text": True, "required": False, "choices": False, "min": False,
    "max": False, "anchors": False, "help": False, "code": False, "enable_when": False,
}
_CHOICE_KEYS = {"value": True, "label": True, "code": False, "exclusive": False}
_CODING_KEYS = {"system": True, "code": True, "display": False}
_SCORE_KEYS = {
    "id": True, "title": True, "method": True, "items": True, "min": True, "max": True,
    "bands": False, "decimals": False, "count_answer": False, "code": False,
}
_BAND_KEYS = {"id": True, "label": True, "min": True, "max": True}
_OUTCOME_KEYS = {"id": True, "title": True, "explanation": True, "show_crisis_resources": False}
_FLAG_KEYS = {"id": True, "label": True, "urgency": True}
_RULE_KEYS = {"id": True, "when": True, "reason": True, "outcome": False, "flag": False}
_RESOURCE_KEYS = {"text": True, "href": False, "link_text": False}
_REQUIRED_TEXTS = ("consultation", "scores_disclaimer")
_ID_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_")


class _Builder:
    """Turns parsed YAML into a Questionnaire, collecting problems instead of stopping."""

    def __init__(self, sha256: str):
        self.sha256 = sha256
        self.problems: list[str] = []
        self.choice_sets: dict[str, tuple[Choice, ...]] = {}
        self.question_order: dict[str, int] = {}
        self.questions: dict[str, Question] = {}
        self.score_ids: set[str] = set()
        self.all_question_ids: set[str] = set()
        self.controlled: str | None = None

    def problem(self, path: str, message: str) -> None:
        self.problems.append(f"{path}: {message}")

    # generic helpers

    def mapping(self, value: Any, path: str, keys: dict[str, bool]) -> dict | None:
        if not isinstance(value, dict):
            self.problem(path, f"expected a mapping, got {_type_name(value)}")
            return None
        for key in value:
            if key not in keys:
                self.problem(f"{path}.{key}", "unknown key")
        for key, required in keys.items():
            if required and key not in value:
                self.problem(f"{path}.{key}", "missing required key")
        return value

    def text(self, data: dict, key: str, path: str, required: bool = True) -> str | None:
        value = data.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or (required and not value.strip()):
            self.problem(f"{path}.{key}", "expected non-empty text")
            return None
        return value.strip()

    def identifier(self, data: dict, path: str, seen: set[str] | None = None) -> str:
        value = data.get("id")
        if not isinstance(value, str) or not value or not set(value) <= _ID_CHARS:
            if "id" in data:
                self.problem(f"{path}.id", f"invalid id {value!r} (lowercase letters, digits, _)")
            return str(value)
        if seen is not None:
            if value in seen:
                self.problem(f"{path}.id", f'duplicate id "{value}"')
            seen.add(value)
        return value

    def number(self, data: dict, key: str, path: str) -> float | None:
        value = data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.problem(f"{path}.{key}", f"expected a number, got {_type_name(value)}")
            return None
        return value

    def boolean(self, data: dict, key: str, path: str, default: bool = False) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            self.problem(f"{path}.{key}", "expected true or false")
            return default
        return value

    def items(self, data: dict, key: str, path: str) -> list:
        value = data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.problem(f"{path}.{key}", f"expected a list, got {_type_name(value)}")
            return []
        return value

    def coding(self, value: Any, path: str) -> Coding | None:
        if value is None:
            return None
        data = self.mapping(value, path, _CODING_KEYS)
        if data is None or "system" not in data or "code" not in data:
            return None
        return Coding(str(data["system"]), str(data["code"]), data.get("display"))

    # sections

    def build(self, data: Any) -> Questionnaire | None:
        top = self.mapping(data, "questionnaire", _TOP_KEYS)
        if top is None:
            return None
        self.build_choice_sets(top.get("choice_sets") or {})
        raw_steps = self.items(top, "steps", "steps")
        self.all_question_ids = _declared_question_ids(raw_steps)
        steps = self.build_steps(raw_steps)
        scores = self.build_scores(self.items(top, "scores", "scores"))
        # Score conditions in skip logic are checked now that scores are known.
        for s_index, step in enumerate(steps):
            self.check_condition_scores(step.enable_when, f"steps[{s_index}].enable_when")
            for q_index, question in enumerate(step.questions):
                self.check_condition_scores(
                    question.enable_when, f"steps[{s_index}].questions[{q_index}].enable_when")
        outcomes = self.build_outcomes(self.items(top, "outcomes", "outcomes"))
        outcome_ids = {o.id for o in outcomes}
        default = top.get("default_outcome")
        if "default_outcome" in top and default not in outcome_ids:
            self.problem("default_outcome", f'unknown outcome "{default}"')
        flags = self.build_flags(self.items(top, "flags", "flags"))
        rules = self.build_rules(
            self.items(top, "rules", "rules"), outcome_ids, {f.id for f in flags}
        )
        crisis_title, resources = self.build_crisis(top.get("crisis_resources"))
        texts = self.build_texts(top.get("texts"))
        version = top.get("version")
        if "version" in top and not isinstance(version, str):
            self.problem("version", "expected text (quote it, e.g. \"1.0.0\")")
        if self.problems:
            return None
        return Questionnaire(
            id=top["id"], version=str(version), title=top["title"], steps=tuple(steps),
            scores=tuple(scores), outcomes=tuple(outcomes), default_outcome=default,
            rules=tuple(rules), flags=tuple(flags), crisis_title=crisis_title,
            crisis_resources=resources, texts=texts, url=top.get("url"),
            publisher=top.get("publisher"), copyright=_strip(top.get("copyright")),
            source_sha256=self.sha256,
        )

    def build_choice_sets(self, value: Any) -> None:
        if not isinstance(value, dict):
            self.problem("choice_sets", "expected a mapping of name to a list of choices")
            return
        for name, choices in value.items():
            self.choice_sets[name] = self.build_choices(choices, f"choice_sets.{name}")

    def build_choices(self, value: Any, path: str) -> tuple[Choice, ...]:
        if not isinstance(value, list) or not value:
            self.problem(path, "expected a non-empty list of choices")
            return ()
        choices, seen = [], set()
        for index, raw in enumerate(value):
            cpath = f"{path}[{index}]"
            data = self.mapping(raw, cpath, _CHOICE_KEYS)
            if data is None or "value" not in data:
                continue
            choice_value = data["value"]
            if isinstance(choice_value, bool) or not isinstance(choice_value, (str, int)):
                self.problem(f"{cpath}.value", "expected text or a whole number")
                continue
            if choice_value in seen:
                self.problem(f"{cpath}.value", f'duplicate value "{choice_value}"')
            seen.add(choice_value)
            choices.append(
                Choice(
                    value=choice_value, label=str(data.get("label", choice_value)),
                    code=self.coding(data.get("code"), f"{cpath}.code"),
                    exclusive=self.boolean(data, "exclusive", cpath),
                )
            )
        return tuple(choices)

    def build_steps(self, raw_steps: list) -> list[Step]:
        steps, step_ids, question_ids = [], set(), set()
        if not raw_steps:
            self.problem("steps", "at least one step is required")
        for index, raw in enumerate(raw_steps):
            path = f"steps[{index}]"
            data = self.mapping(raw, path, _STEP_KEYS)
            if data is None:
                continue
            step_id = self.identifier(data, path, step_ids)
            if step_id in RESERVED_STEP_IDS:
                self.problem(f"{path}.id", f'"{step_id}" is reserved for a page of the wizard')
            # A step's condition may only look at questions of earlier steps.
            enable_when = self.condition(data.get("enable_when"), f"{path}.enable_when")
            questions = []
            for q_index, raw_q in enumerate(self.items(data, "questions", path)):
                question = self.build_question(
                    raw_q, f"{path}.questions[{q_index}]", step_id, question_ids
                )
                if question is not None:
                    questions.append(question)
            if "questions" in data and not questions and not self.problems:
                self.problem(f"{path}.questions", "a step needs at least one question")
            # Checked after the step's own questions: it decides what follows the step.
            crisis_when = self.condition(data.get("crisis_page_when"), f"{path}.crisis_page_when")
            steps.append(
                Step(
                    id=step_id, title=str(data.get("title", "")), questions=tuple(questions),
                    intro=_strip(data.get("intro")), stem=_strip(data.get("stem")),
                    notice=_strip(data.get("notice")), instrument=data.get("instrument"),
                    code=self.coding(data.get("code"), f"{path}.code"), enable_when=enable_when,
                    show_crisis_resources=self.boolean(data, "show_crisis_resources", path),
                    crisis_page_when=crisis_when,
                )
            )
        return steps

    def build_question(
        self, raw: Any, path: str, step_id: str, seen: set[str]
    ) -> Question | None:
        data = self.mapping(raw, path, _QUESTION_KEYS)
        if data is None:
            return None
        question_id = self.identifier(data, path, seen)
        kind = data.get("kind")
        if "kind" in data and kind not in QUESTION_KINDS:
            self.problem(f"{path}.kind", f'unknown question kind "{kind}" '
                         f"(known: {', '.join(QUESTION_KINDS)})")
        choices: tuple[Choice, ...] = ()
        raw_choices = data.get("choices")
        if kind in ("single", "multi"):
            if isinstance(raw_choices, str):
                if raw_choices not in self.choice_sets:
                    self.problem(f"{path}.choices", f'unknown choice set "{raw_choices}"')
                choices = self.choice_sets.get(raw_choices, ())
            else:
                choices = self.build_choices(raw_choices, f"{path}.choices")
        elif kind == "scale":
            if raw_choices is not None:
                self.problem(f"{path}.choices", "a scale question takes min and max, not choices")
            for key in ("min", "max"):
                if not isinstance(data.get(key), int) or isinstance(data.get(key), bool):
                    self.problem(f"{path}.{key}", "a scale question needs a whole number")
        anchors = self.build_anchors(data.get("anchors"), f"{path}.anchors")
        # The condition is parsed before the question is registered: it may not refer to itself.
        self.controlled = question_id
        enable_when = self.condition(data.get("enable_when"), f"{path}.enable_when")
        self.controlled = None
        scale_ok = kind == "scale" and isinstance(data.get("min"), int) and isinstance(
            data.get("max"), int)
        question = Question(
            id=question_id, kind=str(kind), text=str(data.get("text", "")).strip(),
            step_id=step_id, required=self.boolean(data, "required", path, True),
            choices=choices, min=data.get("min") if scale_ok else None,
            max=data.get("max") if scale_ok else None, anchors=anchors,
            help=_strip(data.get("help")), code=self.coding(data.get("code"), f"{path}.code"),
            enable_when=enable_when,
        )
        if question_id not in self.question_order:
            self.question_order[question_id] = len(self.question_order)
            self.questions[question_id] = question
        return question

    def build_anchors(self, value: Any, path: str) -> tuple[tuple[int, str], ...]:
        if value is None:
            return ()
        if not isinstance(value, dict) or not all(isinstance(k, int) for k in value):
            self.problem(path, "expected a mapping of whole numbers to labels")
            return ()
        return tuple(sorted((k, str(v)) for k, v in value.items()))

    def condition(self, value: Any, path: str) -> Condition | None:
        """Parse a condition; the questions it names must come before what it controls."""
        if value is None:
            return None
        if not isinstance(value, dict):
            self.problem(path, f"expected a condition mapping, got {_type_name(value)}")
            return None
        if "all" in value or "any" in value:
            key = "all" if "all" in value else "any"
            extra = set(value) - {key}
            for other in sorted(extra):
                self.problem(f"{path}.{other}", "unknown key")
            parts = value[key]
            if not isinstance(parts, list) or not parts:
                self.problem(f"{path}.{key}", "expected a non-empty list of conditions")
                return None
            conditions = tuple(
                c for i, item in enumerate(parts)
                if (c := self.condition(item, f"{path}.{key}[{i}]")) is not None
            )
            return AllOf(conditions) if key == "all" else AnyOf(conditions)
        source = "score" if "score" in value else "question"
        keys = {source: True, "operator": True, "answer": False}
        data = self.mapping(value, path, keys)
        if data is None or source not in data or "operator" not in data:
            return None
        ref, operator, answer = data[source], data["operator"], data.get("answer")
        if operator not in OPERATORS:
            self.problem(f"{path}.operator", f'unknown operator "{operator}" '
                         f"(known: {', '.join(OPERATORS)})")
        if operator != "exists" and "answer" not in data:
            self.problem(f"{path}.answer", "missing required key")
        if source == "question":
            self.check_question_reference(ref, operator, answer, path)
        elif isinstance(answer, bool) or not isinstance(answer, (int, float)):
            if operator != "exists":
                self.problem(f"{path}.answer", "a score is compared with a number")
        return Comparison(source, str(ref), str(operator), answer)

    def check_question_reference(self, ref: Any, operator: str, answer: Any, path: str) -> None:
        question = self.questions.get(ref)
        if question is None:
            if ref == self.controlled:
                self.problem(f"{path}.question", f'"{ref}" refers to itself (a cycle)')
            elif ref in self.all_question_ids:
                self.problem(f"{path}.question", f'question "{ref}" comes later than what this '
                             "condition controls (a condition may only look back)")
            else:
                self.problem(f"{path}.question", f'unknown question "{ref}"')
            return
        if operator == "exists":
            if answer not in (True, False, None):
                self.problem(f"{path}.answer", "exists takes true or false")
            return
        if operator in (">", "<", ">=", "<="):
            if isinstance(answer, bool) or not isinstance(answer, (int, float)):
                self.problem(f"{path}.answer", f"{operator} compares with a number")
            return
        if answer not in question.allowed_values():
            self.problem(f"{path}.answer", f'"{answer}" is not a valid answer to "{ref}"')

    def check_condition_scores(self, condition: Condition | None, path: str) -> None:
        """A score condition in skip logic must name a known score."""
        if isinstance(condition, Comparison):
            if condition.source == "score" and condition.ref not in self.score_ids:
                self.problem(f"{path}.score", f'unknown score "{condition.ref}"')
        elif condition is not None:
            for index, part in enumerate(condition.conditions):
                key = "all" if isinstance(condition, AllOf) else "any"
                self.check_condition_scores(part, f"{path}.{key}[{index}]")

    def build_scores(self, raw_scores: list) -> list[Score]:
        scores = []
        for index, raw in enumerate(raw_scores):
            path = f"scores[{index}]"
            data = self.mapping(raw, path, _SCORE_KEYS)
            if data is None:
                continue
            score_id = self.identifier(data, path, self.score_ids)
            method = data.get("method")
            if "method" in data and method not in SCORE_METHODS:
                self.problem(f"{path}.method", f'unknown method "{method}" '
                             f"(known: {', '.join(SCORE_METHODS)})")
            items = self.items(data, "items", path)
            for i, item in enumerate(items):
                if item not in self.questions:
                    self.problem(f"{path}.items[{i}]", f'unknown question "{item}"')
                elif method in ("sum", "mean") and not all(
                    isinstance(v, int) for v in self.questions[item].allowed_values()
                ):
                    self.problem(f"{path}.items[{i}]", f'"{item}" has answers that are not numbers')
            if method == "count" and "count_answer" not in data:
                self.problem(f"{path}.count_answer", "a count score needs count_answer")
            bands = self.build_bands(self.items(data, "bands", path), path)
            scores.append(
                Score(
                    id=score_id, title=str(data.get("title", "")), method=str(method),
                    items=tuple(str(i) for i in items), min=self.number(data, "min", path) or 0,
                    max=self.number(data, "max", path) or 0, bands=bands,
                    decimals=int(data.get("decimals", 0)), count_answer=data.get("count_answer"),
                    code=self.coding(data.get("code"), f"{path}.code"),
                )
            )
        return scores

    def build_bands(self, raw_bands: list, path: str) -> tuple[Band, ...]:
        bands, seen = [], set()
        for index, raw in enumerate(raw_bands):
            bpath = f"{path}.bands[{index}]"
            data = self.mapping(raw, bpath, _BAND_KEYS)
            if data is None:
                continue
            low, high = self.number(data, "min", bpath), self.number(data, "max", bpath)
            if low is not None and high is not None and low > high:
                self.problem(bpath, "min is greater than max")
            bands.append(Band(self.identifier(data, bpath, seen), str(data.get("label", "")),
                              low or 0, high or 0))
        return tuple(bands)

    def build_outcomes(self, raw_outcomes: list) -> list[Outcome]:
        outcomes, seen = [], set()
        if not raw_outcomes:
            self.problem("outcomes", "at least one outcome is required")
        for index, raw in enumerate(raw_outcomes):
            path = f"outcomes[{index}]"
            data = self.mapping(raw, path, _OUTCOME_KEYS)
            if data is None:
                continue
            outcomes.append(
                Outcome(
                    id=self.identifier(data, path, seen), title=str(data.get("title", "")),
                    explanation=str(data.get("explanation", "")).strip(),
                    show_crisis_resources=self.boolean(data, "show_crisis_resources", path),
                )
            )
        return outcomes

    def build_flags(self, raw_flags: list) -> list[Flag]:
        flags, seen = [], set()
        for index, raw in enumerate(raw_flags):
            path = f"flags[{index}]"
            data = self.mapping(raw, path, _FLAG_KEYS)
            if data is None:
                continue
            urgency = data.get("urgency")
            if not isinstance(urgency, int) or isinstance(urgency, bool):
                self.problem(f"{path}.urgency", "expected a whole number (1 = most urgent)")
                urgency = 0
            flags.append(Flag(self.identifier(data, path, seen), str(data.get("label", "")),
                              urgency))
        return flags

    def build_rules(self, raw_rules: list, outcome_ids: set, flag_ids: set) -> list[Rule]:
        rules, seen = [], set()
        for index, raw in enumerate(raw_rules):
            path = f"rules[{index}]"
            data = self.mapping(raw, path, _RULE_KEYS)
            if data is None:
                continue
            rule_id = self.identifier(data, path, seen)
            when = self.condition(data.get("when"), f"{path}.when")
            self.check_condition_scores(when, f"{path}.when")
            outcome, flag = data.get("outcome"), data.get("flag")
            if outcome is not None and outcome not in outcome_ids:
                self.problem(f"{path}.outcome", f'unknown outcome "{outcome}"')
            if flag is not None and flag not in flag_ids:
                self.problem(f"{path}.flag", f'unknown flag "{flag}"')
            reason = self.text(data, "reason", path)
            if when is not None:
                rules.append(Rule(rule_id, when, reason or "", outcome, flag))
        return rules

    def build_crisis(self, value: Any) -> tuple[str, tuple[CrisisResource, ...]]:
        data = self.mapping(value, "crisis_resources", {"title": True, "items": True})
        if data is None:
            return "", ()
        resources = []
        for index, raw in enumerate(self.items(data, "items", "crisis_resources")):
            path = f"crisis_resources.items[{index}]"
            item = self.mapping(raw, path, _RESOURCE_KEYS)
            if item is not None and self.text(item, "text", path):
                resources.append(CrisisResource(item["text"].strip(), item.get("href"),
                                                item.get("link_text")))
        if "items" in data and not resources:
            self.problem("crisis_resources.items", "at least one crisis resource is required")
        return str(data.get("title", "")), tuple(resources)

    def build_texts(self, value: Any) -> dict[str, str]:
        if not isinstance(value, dict):
            if value is not None:
                self.problem("texts", "expected a mapping of name to text")
            return {}
        texts = {}
        for key, text in value.items():
            if not isinstance(text, str) or not text.strip():
                self.problem(f"texts.{key}", "expected non-empty text")
            else:
                texts[key] = text.strip()
        for key in _REQUIRED_TEXTS:
            if key not in value:
                self.problem(f"texts.{key}", "missing required text")
        return texts


def _declared_question_ids(raw_steps: list) -> set[str]:
    """Every question id the file declares, to tell "later" from "unknown" in conditions."""
    return {
        q["id"] for step in raw_steps if isinstance(step, dict)
        for q in (step.get("questions") or []) if isinstance(q, dict) and "id" in q
    }


def _strip(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) else value


def _type_name(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "text", type(None): "nothing"}.get(
        type(value), type(value).__name__
    )
