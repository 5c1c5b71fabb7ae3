"""Storing an assessment on a screening: the one format staff views and exports read."""

from __future__ import annotations

from typing import Any

from screener.storage.models import NO_PRIORITY, Screening, flag_list_for
from screener.core.questionnaire import Questionnaire
from screener.core.rules import Assessment


def assessment_record(assessment: Assessment) -> dict[str, Any]:
    """The JSON kept in ``Screening.assessment``: outcome, matched rules with reasons, scores."""
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
        "flags": list(assessment.flags),
    }


def assessment_columns(questionnaire: Questionnaire, assessment: Assessment) -> dict[str, Any]:
    """The screening columns an assessment sets: the JSON record and its queryable copies."""
    flags = list(assessment.flags)
    return {"assessment": assessment_record(assessment), "outcome": assessment.outcome,
            "flags": flags, "flag_list": flag_list_for(flags),
            "priority": assessment.urgency or NO_PRIORITY}


def cleared_assessment_columns() -> dict[str, Any]:
    """The same columns as ``assessment_columns``, as for a screening with no assessment."""
    return {"assessment": None, "outcome": None, "flags": [], "flag_list": "",
            "priority": NO_PRIORITY}


def apply_assessment(
    screening: Screening, questionnaire: Questionnaire, assessment: Assessment
) -> None:
    """Copy the assessment onto the screening's stored and queryable columns."""
    for column, value in assessment_columns(questionnaire, assessment).items():
        setattr(screening, column, value)
