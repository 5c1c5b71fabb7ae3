"""The whole loaded questionnaire: its parts, lookup tables and language views.

Pure Python: imports neither Flask nor SQLAlchemy.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping

from screener.core.questionnaire.types import (
    AtRisk, CrisisResource, Flag, Helpline, Outcome, Question, Rule, SafetyAnswers, Score, Step,
)

def _none() -> Mapping[str, Any]:
    return MappingProxyType({})


def lookups(steps: tuple[Step, ...], scores: tuple[Score, ...], outcomes: tuple[Outcome, ...],
            flags: tuple[Flag, ...]) -> dict[str, Mapping[str, Any]]:
    """The lookup fields of a Questionnaire (by id, outcome ranks) built from its parts."""
    return {
        "questions": {q.id: q for s in steps for q in s.questions},
        "steps_by_id": {s.id: s for s in steps}, "scores_by_id": {s.id: s for s in scores},
        "outcomes_by_id": {o.id: o for o in outcomes}, "flags_by_id": {f.id: f for f in flags},
        "outcome_ranks": {o.id: rank for rank, o in enumerate(outcomes)},
    }


_LOOKUPS = frozenset(lookups((), (), (), ()))


# Compared by identity: a loaded questionnaire is one immutable object, so it can key caches
# (the app keeps one per stored version) without hashing its whole content.
@dataclass(frozen=True, eq=False)
class Questionnaire:
    """The loaded, validated ``questions.yaml``: immutable, shared by every request.

    Build one with ``assemble`` and derive one with ``changed``: both build the lookup tables
    (a ``dataclasses.replace`` that changes the parts without them is refused).
    """

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
    # Built from the parts above by ``lookups`` (``assemble`` and ``changed`` pass them).
    questions: Mapping[str, Question] = field(repr=False)  # every question by id, in file order
    steps_by_id: Mapping[str, Step] = field(repr=False)
    scores_by_id: Mapping[str, Score] = field(repr=False)
    outcomes_by_id: Mapping[str, Outcome] = field(repr=False)
    flags_by_id: Mapping[str, Flag] = field(repr=False)
    outcome_ranks: Mapping[str, int] = field(repr=False)  # 0 for the highest-priority outcome
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
    translations: Mapping[str, Any] = field(default_factory=_none)
    # language -> the view in that language, the same mapping in every view (filled by the
    # loader once every view is built); empty for a questionnaire without translations.
    views: Mapping[str, Questionnaire] = field(default_factory=_none, repr=False)

    def __post_init__(self) -> None:
        # Identical tuples compare at once: this costs nothing when built by ``assemble``.
        if (tuple(self.steps_by_id.values()) != self.steps
                or tuple(self.scores_by_id.values()) != self.scores
                or tuple(self.outcomes_by_id.values()) != self.outcomes
                or tuple(self.flags_by_id.values()) != self.flags):
            raise ValueError("lookup tables built from other parts: use Questionnaire.changed, "
                             "not dataclasses.replace")

    @classmethod
    def assemble(cls, **fields: Any) -> Questionnaire:
        """A questionnaire of ``fields`` (its parts) with its lookup tables."""
        return cls(**fields, **lookups(fields["steps"], fields["scores"], fields["outcomes"],
                                       fields["flags"]))

    def changed(self, **changes: Any) -> Questionnaire:
        """This questionnaire with ``changes``, its lookup tables rebuilt."""
        parts = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)
                 if f.name not in _LOOKUPS}
        return Questionnaire.assemble(**{**parts, **changes})

    def localized(self, language: str) -> Questionnaire:
        """This questionnaire with its patient texts in ``language``: the source (English) view
        when there is no such translation (a stored old version). Same ids, values and rules."""
        views = self.views
        return views.get(language) or views.get("en") or self

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages a patient can take this questionnaire in (English first)."""
        return tuple(self.views) or (self.language,)

    def is_urgent(self, urgency: int | None) -> bool:
        """Whether a submission of this urgency counts as urgent (alert email, urgent counts)."""
        return urgency is not None and urgency <= self.urgent_up_to

    def is_urgent_flag(self, flag_id: str) -> bool:
        """Whether a stored flag makes a submission urgent (an unknown flag counts as urgent)."""
        flag = self.flags_by_id.get(flag_id)
        return flag is None or self.is_urgent(flag.urgency)

    def outcome_rank(self, outcome_id: str) -> int:
        """0 for the highest-priority outcome."""
        return self.outcome_ranks[outcome_id]

    def summary(self) -> str:
        """One line: id, version and counts."""
        return (
            f"questionnaire {self.id} {self.version}: {len(self.steps)} steps, "
            f"{len(self.questions)} questions, {len(self.scores)} scores, {len(self.rules)} rules"
        )
