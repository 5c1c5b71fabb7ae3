"""Storing an assessment on a screening: the one format staff views and exports read."""

from __future__ import annotations

from typing import Any

from .models import NO_PRIORITY, Screening
from .questionnaire import Questionnaire
from .rules import Assessment


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


def apply_assessment(
    screening: Screening, questionnaire: Questionnaire, assessment: Assessment
) -> None:
    """Copy the assessment onto the screening's stored and queryable columns."""
    screening.assessment = assessment_record(assessment)
    screening.outcome = assessment.outcome
    screening.set_flags(list(assessment.flags), assessment.urgency or NO_PRIORITY)
