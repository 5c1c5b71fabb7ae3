"""The questionnaire as frozen, typed objects: what ``questionnaire_loader`` builds from YAML.

Pure Python: imports neither Flask nor SQLAlchemy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Callable, Mapping, Union

from screener.core.questionnaire.evaluation import (Test, acceptor, all_test, any_test,
                                                    comparison_test, not_test)


OPERATORS = ("exists", "=", "!=", ">", "<", ">=", "<=")
QUESTION_KINDS = ("single", "multi", "scale")
SCORE_METHODS = ("sum", "mean", "count")
RESERVED_STEP_IDS = ("review", "result", "send", "sent", "crisis", "help-now", "already-sent",
                     "start", "restart", "save",
                     "resume")

AnswerValue = Union[str, int, list]


class QuestionnaireError(ValueError):
    """The questionnaire file is invalid; ``problems`` lists every problem with its YAML path."""

    def __init__(self, problems: list[str], source: str = "questionnaire"):
        self.problems = problems
        super().__init__(f"{source}: {len(problems)} problem(s):\n" + "\n".join(problems))


@dataclass(frozen=True)
class Coding:
    """A code from a terminology (LOINC, SNOMED CT): FHIR's ``Coding``."""

    system: str
    code: str
    display: str | None = None


@dataclass(frozen=True)
class Choice:
    """One option of a ``single`` or ``multi`` question: the stored value and its label."""

    value: str | int
    label: str
    code: Coding | None = None
    exclusive: bool = False


# Each condition compiles itself when built (so once, at load): ``test(answers, score_lookup)``
# tells whether it holds. Frozen, so the test is set through object.__setattr__.
@dataclass(frozen=True)
class Comparison:
    """``{question|score: ref, operator: op, answer: value}``."""

    source: str  # "question" or "score"
    ref: str
    operator: str
    answer: Any
    test: Test = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "test", comparison_test(self.source, self.ref, self.operator,
                                                         self.answer))


@dataclass(frozen=True)
class AllOf:
    """Holds when every one of ``conditions`` holds."""

    conditions: tuple[Condition, ...]
    test: Test = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "test", all_test(tuple(c.test for c in self.conditions)))


@dataclass(frozen=True)
class AnyOf:
    """Holds when at least one of ``conditions`` holds."""

    conditions: tuple[Condition, ...]
    test: Test = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "test", any_test(tuple(c.test for c in self.conditions)))


@dataclass(frozen=True)
class NotOf:
    """Holds when ``condition`` does not (so on a missing answer: how a rule fails closed)."""

    condition: Condition
    test: Test = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "test", not_test(self.condition.test))


Condition = Union[Comparison, AllOf, AnyOf, NotOf]


@dataclass(frozen=True)
class Question:
    """One question: its id is the form field, the answer key, the CSV column and the linkId."""

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
    instrument: str | None = None  # a validated wording (PHQ-9, C-SSRS...), kept as published
    added_in: str | None = None  # the questionnaire version that first asked it
    # "unvalidated" in a translation whose instrument wording was not found verbatim (staff see it)
    translation: str | None = None
    # Built from the fields above (compiled at load): is a value a valid answer; the choices
    # that cannot be combined with others, in choice order.
    accepts: Callable[[Any], bool] = field(init=False, repr=False, compare=False)
    exclusive_values: tuple = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Every answer check asks for the allowed values: build them once (frozen, so no setattr).
        if self.kind == "scale":
            allowed = () if self.min is None or self.max is None else tuple(
                range(self.min, self.max + 1))
        else:
            allowed = tuple(choice.value for choice in self.choices)
        object.__setattr__(self, "_allowed_values", allowed)
        exclusive = tuple(choice.value for choice in self.choices if choice.exclusive)
        object.__setattr__(self, "exclusive_values", exclusive)
        object.__setattr__(self, "accepts", acceptor(self.kind, allowed, self.required, exclusive))

    def allowed_values(self) -> tuple[str | int, ...]:
        """Every value an answer (or, for multi, each selected item) may take."""
        return self._allowed_values

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
    """One wizard page: its questions, texts, skip logic and crisis behaviour."""

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
    crisis_page_title: str | None = None
    crisis_page_text: str | None = None
    # Time frames over parts of the step (``stems``: a text and the questions it covers), each
    # pinned over its own questions only; when set, ``stem`` is what other views show.
    stems: tuple[tuple[str, tuple[str, ...]], ...] = ()
    translation: str | None = None  # "unvalidated": see Question.translation


@dataclass(frozen=True)
class Band:
    """A named range of a score (``min`` and ``max`` included), such as PHQ-9 "moderate"."""

    id: str
    label: str
    min: float
    max: float
    patient_label: str | None = None

    @property
    def patient_text(self) -> str:
        """What a patient reads for this band (staff and exports keep ``id`` and ``label``)."""
        return self.patient_label or self.label


@dataclass(frozen=True)
class Score:
    """An instrument score (PHQ-9, GAD-7, PEG, CAGE-AID): how it is computed and its bands."""

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
    """A result a screening can have, with the words the patient reads."""

    id: str
    title: str
    explanation: str
    show_crisis_resources: bool = False
    offer_send: bool = True  # the result offers to send the answers to the clinic
    offer_booking: bool = False  # the result offers a booking link


@dataclass(frozen=True)
class Flag:
    """A mark for staff. With ``urgency`` (1 = most urgent) it raises a submission in the staff
    queue; without, it is shown beside the others only. Whether it counts as *urgent* (alert
    email, urgent counts) is ``Questionnaire.is_urgent_flag``: urgency <= ``urgent_up_to``."""

    id: str
    label: str
    urgency: int | None = None

    @property
    def urgent(self) -> bool:
        """Whether this flag has an urgency (ranks in the queue). Not the same as counting as
        urgent from 1.2.0 on (urgency 3): ask ``Questionnaire.is_urgent_flag`` for that."""
        return self.urgency is not None


@dataclass(frozen=True)
class Rule:
    """An outcome rule: when ``when`` holds, it gives an outcome and/or a flag, and a reason."""

    id: str
    when: Condition
    reason: str
    outcome: str | None = None
    flag: str | None = None
    blocks_sending: bool = False  # when it matched, sending is never offered (under_18)


@dataclass(frozen=True)
class Link:
    """A way to reach help that acts on a phone: call (``tel:``), text (``sms:``), chat (web)."""

    href: str
    text: str


@dataclass(frozen=True)
class CrisisResource:
    """One way to reach help now (a line of text with an optional phone, text or web link)."""

    text: str
    links: tuple[Link, ...] = ()
    lang: str | None = None  # the language of ``text`` when not the page's (``es``)

    @property
    def href(self) -> str | None:
        """The first link's address (one-link resources, printed summaries)."""
        return self.links[0].href if self.links else None

    @property
    def link_text(self) -> str | None:
        return self.links[0].text if self.links else None


@dataclass(frozen=True)
class SafetyAnswers:
    """Answers kept as first given, whatever happens to them later (spec: "Self-harm answers
    that change"): each a comparison on one question; ``changed_flag`` marks a submission whose
    final answers no longer hold one of them."""

    conditions: tuple[Comparison, ...]
    changed_flag: str
    # A recorded answer meeting one of these makes the changed flag urgency 1 (spec: intent, a
    # plan, a recent attempt). Empty in old versions: see ``core.safety.changed_urgency``.
    high_risk: tuple[Comparison, ...] = ()


@dataclass(frozen=True)
class AtRisk:
    """No reassurance for anyone at risk: with any of ``flags`` a patient's result leads with the
    crisis resources, shows no band words and leaves out ``hidden_rules``' reasons; an outcome of
    ``crisis_outcome`` makes it the crisis result."""

    flags: tuple[str, ...]
    hidden_rules: tuple[str, ...] = ()
    crisis_outcome: str | None = None


@dataclass(frozen=True)
class Helpline:
    """A help line a result shows (after the crisis resources) when any of ``rules`` matched."""

    text: str
    links: tuple[Link, ...]
    rules: tuple[str, ...]


# Compared by identity: a loaded questionnaire is one immutable object, so it can key caches
# (the app keeps one per stored version) without hashing its whole content.
@dataclass(frozen=True, eq=False)
class Questionnaire:
    """The loaded, validated ``questions.yaml``: immutable, shared by every request."""

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
    safety_answers: SafetyAnswers | None = None
    urgent_up_to: int = 2  # a flag of at most this urgency counts as urgent (emails an alert)
    at_risk: AtRisk | None = None
    helplines: tuple[Helpline, ...] = ()
    source_sha256: str = ""
    language: str = "en"  # the language of the patient texts of this view
    # language -> that language's id-keyed texts (translations.Translation); the same mapping in
    # every view. Empty for versions without translations (1.0.0, 1.1.0).
    translations: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
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
        object.__setattr__(self, "_ranks", {o.id: rank for rank, o in enumerate(self.outcomes)})
        # Every language's view of this questionnaire, built once at load (loader.loads): a
        # request asks for its language without parsing or copying anything.
        object.__setattr__(self, "_views", {self.language: self})

    def localized(self, language: str) -> Questionnaire:
        """This questionnaire with its patient texts in ``language``: the source (English) view
        when there is no such translation (a stored old version). Same ids, values and rules."""
        views = self._views
        return views.get(language) or views.get("en") or self

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages a patient can take this questionnaire in (English first)."""
        return tuple(self._views)

    def is_urgent(self, urgency: int | None) -> bool:
        """Whether a submission of this urgency counts as urgent (alert email, urgent counts)."""
        return urgency is not None and urgency <= self.urgent_up_to

    def is_urgent_flag(self, flag_id: str) -> bool:
        """Whether a stored flag makes a submission urgent (an unknown flag counts as urgent)."""
        flag = self.flags_by_id.get(flag_id)
        return flag is None or self.is_urgent(flag.urgency)

    def outcome_rank(self, outcome_id: str) -> int:
        """0 for the highest-priority outcome."""
        return self._ranks[outcome_id]

    def summary(self) -> str:
        """One line: id, version and counts."""
        return (
            f"questionnaire {self.id} {self.version}: {len(self.steps)} steps, "
            f"{len(self.questions)} questions, {len(self.scores)} scores, {len(self.rules)} rules"
        )
