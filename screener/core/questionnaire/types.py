"""The parts of a questionnaire as frozen, typed objects: what the loader builds from YAML
(the whole, ``Questionnaire``, is in ``document``; the conditions in ``evaluation``).

Pure Python: imports neither Flask nor SQLAlchemy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Union

# The condition types and the kinds registry are re-exported: callers import them from here.
from screener.core.questionnaire.evaluation import (  # noqa: F401
    COMPARE, SCALARS, AllOf, AnyOf, Comparison, Condition, NotOf, multi_problem,
)
from screener.core.questionnaire.kinds import QUESTION_KINDS, QuestionKind

OPERATORS = tuple(COMPARE)
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
    # Built by the loader from kind, choices, min and max (``QuestionKind.values``): every value
    # an answer (or, for multi, each selected item) may take; the choices that cannot be
    # combined with others, in choice order.
    values: tuple[str | int, ...] = ()
    exclusive_values: tuple[str | int, ...] = ()

    @property
    def kind_spec(self) -> QuestionKind:
        """What this question's kind takes and how its answer is read (``kinds``)."""
        return QUESTION_KINDS[self.kind]

    def allowed_values(self) -> tuple[str | int, ...]:
        """Every value an answer (or, for multi, each selected item) may take."""
        return self.values

    def accepts(self, value: Any) -> bool:
        """Whether ``value`` is a valid answer ("2" is not 2, True is not 1): a list for a kind
        whose answer is ``multiple``, one of ``values`` otherwise. Asked for every answer of
        every page, so the common case (one value) comes first and calls nothing."""
        if type(value) is list:
            return QUESTION_KINDS[self.kind].multiple and multi_problem(
                value, self.values, self.required, self.exclusive_values) is None
        return (type(value) in SCALARS and value in self.values
                and not QUESTION_KINDS[self.kind].multiple)

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
