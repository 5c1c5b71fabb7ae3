"""Storing an assessment on a screening: the one format staff views and exports read."""

from __future__ import annotations

from typing import Any

from screener.storage.models import NO_PRIORITY, Screening, flag_list_for
from screener.core.presentation import submission_urgency
from screener.core.questionnaire import Questionnaire
from screener.core.rules import Assessment


def assessment_record(assessment: Assessment,
                      flags: tuple[str, ...] | None = None) -> dict[str, Any]:
    """The JSON kept in ``Screening.assessment``: outcome, matched rules with reasons, scores,
    and the flags (the rules' own, plus any added beside them such as a changed safety
    answer's)."""
    return {
        "outcome": assessment.outcome,
        "rules": [
            {"id": r.id, "outcome": r.outcome, "flag": r.flag, "reason": r.reason}
            for r in assessment.rules
        ],
        "scores": {
            sid: {"value": s.value, "band": s.band, "band_label": s.band_label}
            for sid, s in assessment.scores.items()
        },
        "flags": list(assessment.flags if flags is None else flags),
    }


def assessment_columns(questionnaire: Questionnaire, assessment: Assessment,
                       extra_flags: tuple[str, ...] = (),
                       changed_urgency: int | None = None) -> dict[str, Any]:
    """The screening columns an assessment sets: the JSON record and its queryable copies.

    ``extra_flags`` are flags that are not a rule's (``self_harm_changed``): they count as the
    rules' flags do, in the queue order, the filters and the exports. ``changed_urgency`` is the
    changed flag's urgency (1 when a high-risk answer was taken back, else 2:
    ``core.safety.changed_urgency``). ``priority`` is the submission's urgency (the queue's
    order while it is open).
    """
    flags = all_flags(questionnaire, assessment.flags, extra_flags)
    priority = submission_urgency(questionnaire, flags, changed_urgency)
    return {"assessment": assessment_record(assessment, tuple(flags)),
            "outcome": assessment.outcome, "flags": flags, "flag_list": flag_list_for(flags),
            "priority": NO_PRIORITY if priority is None else priority}


def _urgencies(questionnaire: Questionnaire) -> dict[str, int]:
    """Flag id → urgency, for the flags that make a submission urgent (``past_attempt`` has none)."""
    return {f.id: f.urgency for f in questionnaire.flags if f.urgency is not None}


def most_urgent(questionnaire: Questionnaire, flags) -> int | None:
    """The urgency of the most urgent of ``flags`` under ``questionnaire``; None when none is."""
    urgency = _urgencies(questionnaire)
    return min((urgency[f] for f in flags or () if f in urgency), default=None)


def all_flags(questionnaire: Questionnaire, flags: tuple[str, ...],
              extra: tuple[str, ...] = ()) -> list[str]:
    """The rules' flags and ``extra`` together, most urgent first (as ``evaluate`` orders)."""
    urgency = _urgencies(questionnaire)
    return sorted(set(flags) | set(extra), key=lambda f: (urgency.get(f, NO_PRIORITY), f))


def cleared_assessment_columns() -> dict[str, Any]:
    """The same columns as ``assessment_columns``, as for a screening with no assessment."""
    return {"assessment": None, "outcome": None, "flags": [], "flag_list": "",
            "priority": NO_PRIORITY}


def apply_assessment(
    screening: Screening, questionnaire: Questionnaire, assessment: Assessment,
    extra_flags: tuple[str, ...] = (), changed_urgency: int | None = None,
) -> None:
    """Copy the assessment onto the screening's stored and queryable columns."""
    for column, value in assessment_columns(questionnaire, assessment, extra_flags,
                                            changed_urgency).items():
        setattr(screening, column, value)
